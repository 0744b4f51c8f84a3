/**
 * What SNI certificate selection needs to know about a server certificate, read once when a
 * listener's certificate list changes (never during a handshake): the host names it covers
 * (exact and `*.` wildcard), its key algorithm and size, whether it is signed with MD5/MD2,
 * and when it expires.
 */
import { X509Certificate } from "node:crypto";

export type CertificateKeyType = "ecdsa" | "rsa" | "other";

export interface CertificateFacts {
  /** Host names the certificate names exactly (lower case, no trailing dot). */
  exactNames: string[];
  /** For each `*.<parent>` name: `<parent>` (the wildcard covers exactly one label in front of it). */
  wildcardParents: string[];
  keyType: CertificateKeyType;
  /** RSA modulus length, or the EC curve's size. */
  keyBits: number;
  /** Signed with MD5 or MD2 (selection prefers SHA-family signatures). */
  weakHash: boolean;
  /** notAfter, epoch ms. */
  notAfter: number;
}

const CURVE_BITS: Record<string, number> = { prime256v1: 256, secp256k1: 256, secp384r1: 384, secp521r1: 521 };

/** DER content of the OIDs md5WithRSAEncryption (1.2.840.113549.1.1.4) and md2WithRSAEncryption (…1.2). */
const WEAK_SIGNATURE_OIDS = new Set(["2a864886f70d010104", "2a864886f70d010102"]);

export function normalizeHostName(name: string): string {
  const lower = name.toLowerCase();
  return lower.endsWith(".") ? lower.slice(0, -1) : lower;
}

/** DNS names of the subjectAltName, or the subject's CN when the certificate has none (RFC 6125 fallback). */
function dnsNames(cert: X509Certificate): string[] {
  const sans = (cert.subjectAltName ?? "")
    .split(/,\s*/)
    .filter((s) => s.startsWith("DNS:"))
    .map((s) => s.slice(4).replace(/^"|"$/g, ""));
  if (sans.length > 0) return sans;
  const cn = cert.subject.split("\n").find((line) => line.startsWith("CN="));
  return cn ? [cn.slice(3)] : [];
}

/** Reads one DER element at `off`: its content's start and end. */
function element(der: Buffer, off: number): { start: number; end: number } | undefined {
  if (off + 2 > der.length) return undefined;
  let len = der[off + 1] as number;
  let start = off + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || start + n > der.length) return undefined;
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + (der[start + i] as number);
    start += n;
  }
  const end = start + len;
  return end <= der.length ? { start, end } : undefined;
}

/** The certificate's signatureAlgorithm OID (hex of its DER content): Certificate ::= SEQUENCE { tbs, AlgorithmIdentifier, … }. */
function signatureAlgorithmOid(der: Buffer): string | undefined {
  const cert = element(der, 0);
  const tbs = cert && element(der, cert.start);
  const algorithm = tbs && element(der, tbs.end);
  const oid = algorithm && der[algorithm.start] === 0x06 ? element(der, algorithm.start) : undefined;
  return oid ? der.subarray(oid.start, oid.end).toString("hex") : undefined;
}

/** Facts of a certificate (of the first one of a PEM chain); throws when it is not a certificate. */
export function certificateFacts(certificate: X509Certificate | string): CertificateFacts {
  const cert = typeof certificate === "string" ? new X509Certificate(certificate) : certificate;
  const exactNames: string[] = [];
  const wildcardParents: string[] = [];
  for (const raw of dnsNames(cert)) {
    const name = normalizeHostName(raw);
    if (name.startsWith("*.") && !name.slice(2).includes("*") && name.length > 2) wildcardParents.push(name.slice(2));
    else if (name !== "" && !name.includes("*")) exactNames.push(name);
  }
  const key = cert.publicKey;
  const details = key.asymmetricKeyDetails ?? {};
  const keyType: CertificateKeyType = key.asymmetricKeyType === "ec" ? "ecdsa" : key.asymmetricKeyType === "rsa" || key.asymmetricKeyType === "rsa-pss" ? "rsa" : "other";
  const keyBits = keyType === "rsa" ? (details.modulusLength ?? 0) : keyType === "ecdsa" ? (CURVE_BITS[details.namedCurve ?? ""] ?? 0) : 0;
  const oid = signatureAlgorithmOid(cert.raw);
  return {
    exactNames: [...new Set(exactNames)],
    wildcardParents: [...new Set(wildcardParents)],
    keyType,
    keyBits,
    weakHash: oid !== undefined && WEAK_SIGNATURE_OIDS.has(oid),
    notAfter: Date.parse(cert.validTo),
  };
}
