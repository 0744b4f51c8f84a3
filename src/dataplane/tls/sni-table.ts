/**
 * An HTTPS listener's certificate list at run time: one value per certificate (the listener
 * keeps a TLS server per certificate), built when the certificate enters the list and kept,
 * unchanged, while it stays; a value whose certificate leaves the list is handed to `retire`.
 * Certificates and keys are parsed only when the list changes, never during a handshake; a
 * handshake costs a lookup in the SNI index (sni-selection.ts).
 */
import { X509Certificate, createHash, createPrivateKey } from "node:crypto";
import { certificateFacts } from "./certificate-facts.js";
import { SniIndex, type CertificateSupport } from "./sni-selection.js";

export interface SniCertificate {
  /** Certificate followed by its chain (PEM). */
  certPem: string;
  keyPem: string;
}

export type TlsMinVersion = "TLSv1.2" | "TLSv1.3";

export class SniTable<T> {
  private byId = new Map<string, T>();
  private index = new SniIndex<T>([]);

  constructor(
    private readonly build: (certificate: SniCertificate, minVersion: TlsMinVersion) => T,
    private readonly retire: (value: T) => void,
  ) {}

  /**
   * Replaces the list. Throws, keeping the previous list, when a certificate cannot be read or
   * its key does not belong to it.
   */
  set(certificates: readonly SniCertificate[], minVersion: TlsMinVersion): void {
    const byId = new Map<string, T>();
    const built: T[] = [];
    try {
      const entries = certificates.map((c) => {
        // The digest names the material without keeping another copy of the key.
        const id = createHash("sha256").update(minVersion).update("\0").update(c.certPem).update("\0").update(c.keyPem).digest("hex");
        const cert = new X509Certificate(c.certPem);
        let value = byId.get(id) ?? this.byId.get(id);
        if (value === undefined) {
          // OpenSSL would take a key of another type than the certificate's (into another slot): refuse it here.
          if (!cert.checkPrivateKey(createPrivateKey(c.keyPem))) throw new Error("certificate and private key do not match");
          value = this.build(c, minVersion);
          built.push(value);
        }
        byId.set(id, value);
        return { facts: certificateFacts(cert), value };
      });
      this.index = new SniIndex(entries);
    } catch (e) {
      for (const v of built) this.retire(v);
      throw e;
    }
    for (const [id, v] of this.byId) if (!byId.has(id)) this.retire(v);
    this.byId = byId;
  }

  /** The value for a client's server name, or undefined (→ the listener's default certificate). */
  select(serverName: string | undefined, support?: CertificateSupport): T | undefined {
    return this.index.select(serverName, support);
  }

  values(): T[] {
    return [...this.byId.values()];
  }
}
