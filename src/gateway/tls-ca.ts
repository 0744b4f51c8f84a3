/**
 * Bulwark's local certificate authority: generated on first start, kept in the data
 * directory's storage (private keys sealed under the root key), used to issue the
 * API endpoint's server certificate. The CA certificate is public: `bulwark ca export`
 * prints it and it is also written to <dataDir>/ca.pem for AWS_CA_BUNDLE.
 */
import "reflect-metadata"; // required by @peculiar/x509 (tsyringe)
import { webcrypto, X509Certificate as NodeX509 } from "node:crypto";
import os from "node:os";
import * as x509 from "@peculiar/x509";
import type { Sealer } from "../crypto/seal-types.js";
import type { Clock } from "../core/clock.js";

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

const ALG = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;
const DAY = 86_400_000;

export interface MetaStore {
  getMeta(key: string): Promise<string | undefined>;
  setMeta(key: string, value: string): Promise<void>;
}

export interface TlsMaterial {
  caCertPem: string;
  certPem: string; // server certificate followed by the CA certificate (chain)
  keyPem: string; // server private key (in memory only)
}

function toPem(der: ArrayBuffer, label: string): string {
  const b64 = Buffer.from(der).toString("base64").replace(/(.{64})/g, "$1\n").replace(/\n$/, "");
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}

async function exportPkcs8(key: CryptoKey): Promise<string> {
  return toPem(await webcrypto.subtle.exportKey("pkcs8", key as unknown as webcrypto.CryptoKey), "PRIVATE KEY");
}

async function importPkcs8(pem: string): Promise<CryptoKey> {
  const der = Buffer.from(pem.replace(/-----[^-]+-----/g, "").replace(/\s+/g, ""), "base64");
  return (await webcrypto.subtle.importKey("pkcs8", der, ALG, true, ["sign"])) as unknown as CryptoKey;
}

async function generateKeys(): Promise<CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(ALG, true, ["sign", "verify"])) as unknown as CryptoKeyPair;
}

function serial(): string {
  // positive 16-byte serial
  const b = webcrypto.getRandomValues(new Uint8Array(16));
  b[0] = (b[0] ?? 0) & 0x7f;
  return Buffer.from(b).toString("hex");
}

/** Loads the CA (creating it on first start). */
async function loadOrCreateCa(meta: MetaStore, sealer: Sealer, clock: Clock): Promise<{ cert: x509.X509Certificate; key: CryptoKey; pem: string }> {
  const pem = await meta.getMeta("tls.ca.cert");
  const sealedKey = await meta.getMeta("tls.ca.key");
  if (pem && sealedKey) {
    const key = await importPkcs8(sealer.unsealString(sealedKey, "tls/ca-key").toString("utf8"));
    return { cert: new x509.X509Certificate(pem), key, pem };
  }
  const keys = await generateKeys();
  const now = clock.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `CN=Bulwark Local CA ${os.hostname().slice(0, 32)} ${new Date(now).toISOString().slice(0, 10)}, O=Bulwark`,
    notBefore: new Date(now - DAY),
    notAfter: new Date(now + 10 * 365 * DAY),
    signingAlgorithm: ALG,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  const certPem = cert.toString("pem") + "\n";
  await meta.setMeta("tls.ca.key", sealer.sealToString(await exportPkcs8(keys.privateKey), "tls/ca-key"));
  await meta.setMeta("tls.ca.cert", certPem);
  return { cert, key: keys.privateKey, pem: certPem };
}

function namesFor(extra: string[]): Array<{ type: "dns" | "ip"; value: string }> {
  const dns = new Set(["localhost", os.hostname(), ...extra.filter((n) => !/^[\d.:]+$/.test(n))]);
  const ips = new Set(["127.0.0.1", "::1", ...extra.filter((n) => /^[\d.:]+$/.test(n))]);
  return [...[...dns].map((value) => ({ type: "dns" as const, value })), ...[...ips].map((value) => ({ type: "ip" as const, value }))];
}

/**
 * Returns the CA and a server certificate for the endpoint, re-issuing the server
 * certificate when it is close to expiry or the requested names changed.
 */
export async function loadOrCreateTlsMaterial(meta: MetaStore, sealer: Sealer, clock: Clock, extraNames: string[] = []): Promise<TlsMaterial> {
  const ca = await loadOrCreateCa(meta, sealer, clock);
  const names = namesFor(extraNames);
  const namesKey = JSON.stringify(names);
  const existingPem = await meta.getMeta("tls.server.cert");
  const existingKey = await meta.getMeta("tls.server.key");
  const existingNames = await meta.getMeta("tls.server.names");
  if (existingPem && existingKey && existingNames === namesKey) {
    const validTo = new NodeX509(existingPem).validTo;
    if (Date.parse(validTo) - clock.now() > 30 * DAY) {
      return { caCertPem: ca.pem, certPem: existingPem + ca.pem, keyPem: sealer.unsealString(existingKey, "tls/server-key").toString("utf8") };
    }
  }
  const keys = await generateKeys();
  const now = clock.now();
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: "CN=localhost, O=Bulwark",
    issuer: ca.cert.subject,
    notBefore: new Date(now - DAY),
    notAfter: new Date(now + 397 * DAY),
    signingAlgorithm: ALG,
    publicKey: keys.publicKey,
    signingKey: ca.key,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(names),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(ca.cert),
    ],
  });
  const certPem = cert.toString("pem") + "\n";
  const keyPem = await exportPkcs8(keys.privateKey);
  await meta.setMeta("tls.server.key", sealer.sealToString(keyPem, "tls/server-key"));
  await meta.setMeta("tls.server.cert", certPem);
  await meta.setMeta("tls.server.names", namesKey);
  return { caCertPem: ca.pem, certPem: certPem + ca.pem, keyPem };
}

/** The CA certificate (PEM), creating the CA when there is none yet (`bulwark init`). */
export async function loadOrCreateCaCertificate(meta: MetaStore, sealer: Sealer, clock: Clock): Promise<string> {
  return (await loadOrCreateCa(meta, sealer, clock)).pem;
}

/** The public CA certificate, without unsealing anything. */
export async function exportCaCertificate(meta: MetaStore): Promise<string | undefined> {
  return meta.getMeta("tls.ca.cert");
}

/** A certificate issued by the Bulwark CA (see issueServerCertificate). */
export interface IssuedCertificate {
  /** The leaf certificate followed by the CA certificate (chain). */
  certPem: string;
  /** PKCS#8 private key: the caller seals it before it is stored anywhere. */
  keyPem: string;
  caCertPem: string;
  notBefore: number;
  notAfter: number;
  serialNumber: string;
}

/**
 * Issues a TLS server certificate from the Bulwark CA for `names` (DNS names and IP
 * addresses; the first name is the subject CN). Nothing is stored: callers such as the
 * ELBv2 load-balancer listeners keep (and seal) what they need.
 */
export async function issueServerCertificate(meta: MetaStore, sealer: Sealer, clock: Clock, names: string[], validityDays = 397): Promise<IssuedCertificate> {
  const ca = await loadOrCreateCa(meta, sealer, clock);
  const keys = await generateKeys();
  const now = clock.now();
  const sans = names.map((value) => ({ type: /^[\d.]+$/.test(value) || value.includes(":") ? ("ip" as const) : ("dns" as const), value }));
  const serialNumber = serial();
  const cn = (names[0] ?? "localhost").replace(/[,=+<>#;"\\]/g, "");
  const notBefore = now - DAY;
  const notAfter = now + validityDays * DAY;
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber,
    subject: `CN=${cn}, O=Bulwark`,
    issuer: ca.cert.subject,
    notBefore: new Date(notBefore),
    notAfter: new Date(notAfter),
    signingAlgorithm: ALG,
    publicKey: keys.publicKey,
    signingKey: ca.key,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(sans),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(ca.cert),
    ],
  });
  return { certPem: cert.toString("pem") + "\n" + ca.pem, keyPem: await exportPkcs8(keys.privateKey), caCertPem: ca.pem, notBefore, notAfter, serialNumber };
}
