/**
 * Which certificate of a listener's certificate list answers a TLS client, as ALB's user guide
 * describes it: the host name the client sent (SNI) is matched against each certificate's names;
 * a single match is presented; among several, the best one the client can use, judged in order
 * by public key algorithm (ECDSA before RSA), signature hash (SHA before MD5), key length (the
 * largest) and validity (the latest expiry). A certificate naming the host exactly is preferred
 * to one that covers it with a wildcard. No match (or no SNI) → the listener's default
 * certificate, which is not part of the list.
 *
 * Everything is indexed when the list changes; a handshake costs two map lookups.
 */
import type { CertificateFacts } from "./certificate-facts.js";
import { normalizeHostName } from "./certificate-facts.js";
import type { ClientHello } from "./client-hello.js";
import { isGrease } from "./fingerprints.js";

/** Which certificate key types the client can verify. */
export interface CertificateSupport {
  ecdsa: boolean;
  rsa: boolean;
}

export const ANY_CERTIFICATE: CertificateSupport = { ecdsa: true, rsa: true };

const TLS13 = 0x0304;
/** TLS 1.2 cipher suites that authenticate with an ECDSA certificate (ECDHE_ECDSA_*, ECDH_ECDSA_*). */
const ECDSA_SUITES = new Set([
  0xc02b, 0xc02c, 0xc023, 0xc024, 0xc009, 0xc00a, 0xcca9, 0xc0ac, 0xc0ad, 0xc0ae, 0xc0af, 0xc072, 0xc073, 0xc086, 0xc087, 0xc048, 0xc049, 0xc05c, 0xc05d, 0xc006, 0xc007,
  0xc008, 0xc004, 0xc005, 0xc025, 0xc026, 0xc02d, 0xc02e,
]);
const SCSV = new Set([0x00ff, 0x5600]);

/** RSA signature schemes: rsa_pkcs1_* (…01) and rsa_pss_rsae_* / rsa_pss_pss_*. */
function isRsaScheme(s: number): boolean {
  return (s & 0xff) === 0x01 || (s >= 0x0804 && s <= 0x0806) || (s >= 0x0809 && s <= 0x080b);
}

/**
 * What certificates a ClientHello can accept: a TLS 1.3 client by its signature_algorithms; a
 * TLS 1.2-only client also needs a cipher suite of that authentication type. Without the
 * signature_algorithms extension TLS 1.2 defaults apply (any key type its suites allow).
 */
export function certificateSupport(h: ClientHello): CertificateSupport {
  const announced = h.extensions.includes(13);
  const sigEcdsa = !announced || h.signatureAlgorithms.some((s) => (s & 0xff) === 0x03);
  const sigRsa = !announced || h.signatureAlgorithms.some(isRsaScheme);
  const tls13 = h.supportedVersions.includes(TLS13);
  const suites = h.ciphers.filter((c) => !isGrease(c) && !SCSV.has(c) && c >> 8 !== 0x13);
  return {
    ecdsa: sigEcdsa && (tls13 || suites.some((c) => ECDSA_SUITES.has(c))),
    rsa: sigRsa && (tls13 || suites.some((c) => !ECDSA_SUITES.has(c))),
  };
}

const KEY_RANK = { ecdsa: 2, rsa: 1, other: 0 } as const;

/** The documented preference: key algorithm, signature hash, key length, validity; then list order. */
function compare(a: { facts: CertificateFacts; order: number }, b: { facts: CertificateFacts; order: number }): number {
  return (
    KEY_RANK[b.facts.keyType] - KEY_RANK[a.facts.keyType] ||
    Number(a.facts.weakHash) - Number(b.facts.weakHash) ||
    b.facts.keyBits - a.facts.keyBits ||
    b.facts.notAfter - a.facts.notAfter ||
    a.order - b.order
  );
}

interface Ranked<T> {
  facts: CertificateFacts;
  order: number;
  value: T;
}

function usable(facts: CertificateFacts, support: CertificateSupport): boolean {
  return facts.keyType === "ecdsa" ? support.ecdsa : facts.keyType === "rsa" ? support.rsa : true;
}

export class SniIndex<T> {
  /** Host name → certificates naming it exactly, best first. */
  private readonly exact = new Map<string, Array<Ranked<T>>>();
  /** Parent domain → certificates with `*.<parent>`, best first. */
  private readonly wildcard = new Map<string, Array<Ranked<T>>>();

  constructor(entries: ReadonlyArray<{ facts: CertificateFacts; value: T }>) {
    const add = (map: Map<string, Array<Ranked<T>>>, name: string, r: Ranked<T>): void => {
      const list = map.get(name);
      if (list) list.push(r);
      else map.set(name, [r]);
    };
    entries.forEach((e, order) => {
      const r = { facts: e.facts, order, value: e.value };
      for (const n of e.facts.exactNames) add(this.exact, n, r);
      for (const p of e.facts.wildcardParents) add(this.wildcard, p, r);
    });
    for (const list of [...this.exact.values(), ...this.wildcard.values()]) list.sort(compare);
  }

  /**
   * The certificate for `serverName`, or undefined (→ the default certificate). Among the
   * candidates of the first tier that matches, the best one the client supports; when it
   * supports none of them, the best one (the handshake decides).
   */
  select(serverName: string | undefined, support: CertificateSupport = ANY_CERTIFICATE): T | undefined {
    if (!serverName) return undefined;
    const host = normalizeHostName(serverName);
    const dot = host.indexOf(".");
    const candidates = this.exact.get(host) ?? (dot > 0 ? this.wildcard.get(host.slice(dot + 1)) : undefined);
    if (!candidates) return undefined;
    return (candidates.find((c) => usable(c.facts, support)) ?? candidates[0])?.value;
  }
}
