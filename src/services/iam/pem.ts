/**
 * PEM-encoded X.509 certificates and private keys as IAM takes them (signing certificates,
 * server certificates): the members' length and character constraints, and parsing with
 * node:crypto. Messages never include the submitted text.
 */
import { createHash, createPrivateKey, createPublicKey, X509Certificate, type KeyObject } from "node:crypto";
import { AwsError } from "../../core/errors.js";
import { required, stringConstraints } from "./validation.js";

export const malformedCertificate = (message = "Unable to parse certificate. Please ensure the certificate is in PEM format."): AwsError =>
  new AwsError("MalformedCertificate", message, 400);

const PEM_TEXT_RE = /^[\u0009\u000A\u000D\u0020-\u00FF]+$/;
const PEM_TEXT_PATTERN = "[\\u0009\\u000A\\u000D\\u0020-\\u00FF]+";

/** CertificateBody, CertificateChain and PrivateKey members: 1–`max` characters of `[\u0009\u000A\u000D\u0020-\u00FF]+`. */
export function checkPemText(value: string | undefined, field: string, max: number): string {
  const v = required(value, field);
  // Never echoed: a private key, and a body or chain a private key may have been pasted into.
  stringConstraints(v, field, 1, max, { re: PEM_TEXT_RE, text: PEM_TEXT_PATTERN }, true);
  return v;
}

const PEM_CERT_RE = /-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\s]+)-----END CERTIFICATE-----/g;

export interface ParsedCertificate {
  cert: X509Certificate;
  /** SHA-256 of the DER, hex. */
  sha256: string;
  notBefore: number;
  notAfter: number;
}

function parseDer(base64: string): ParsedCertificate {
  const der = Buffer.from(base64.replace(/\s+/g, ""), "base64");
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(der);
  } catch {
    throw malformedCertificate();
  }
  return { cert, sha256: createHash("sha256").update(der).digest("hex"), notBefore: Date.parse(cert.validFrom), notAfter: Date.parse(cert.validTo) };
}

// A private key of any PEM kind (PKCS#8, PKCS#1, SEC1, encrypted, OpenSSH).
const PEM_PRIVATE_KEY_RE = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/;

/** True when a text holds a PEM private key (a member that is stored or echoed in the clear must not take it). */
export function holdsPemPrivateKey(text: string): boolean {
  return PEM_PRIVATE_KEY_RE.test(text);
}

/**
 * Every certificate of a PEM text, in order; MalformedCertificate when there is none or one does
 * not parse. A text that also holds a private key (a key and certificate file pasted whole) is
 * malformed too: bodies and chains are stored and returned as sent, in the clear, and a private
 * key belongs in the PrivateKey member, which is sealed.
 */
export function parsePemCertificates(text: string): ParsedCertificate[] {
  if (holdsPemPrivateKey(text)) throw malformedCertificate();
  const blocks = [...text.matchAll(PEM_CERT_RE)];
  if (blocks.length === 0) throw malformedCertificate();
  return blocks.map((b) => parseDer(b[1]!));
}

/** The one certificate of a PEM body (a body holding several is malformed). */
export function parsePemCertificate(body: string): ParsedCertificate {
  const all = parsePemCertificates(body);
  if (all.length > 1) throw malformedCertificate();
  return all[0]!;
}

/**
 * An unencrypted PEM private key (PKCS#1, SEC1 or PKCS#8). An encrypted key, or one that does
 * not parse, is MalformedCertificate (IAM takes only unencrypted keys).
 */
export function parsePemPrivateKey(text: string): KeyObject {
  if (!/-----BEGIN (RSA |EC )?PRIVATE KEY-----/.test(text)) {
    // Message not in the IAM documentation; written like IAM's certificate message.
    throw malformedCertificate("Unable to parse private key. Please ensure the private key is an unencrypted key in PEM format.");
  }
  try {
    return createPrivateKey({ key: text, format: "pem" });
  } catch {
    throw malformedCertificate("Unable to parse private key. Please ensure the private key is an unencrypted key in PEM format.");
  }
}

/** True when `key` is the private half of the certificate's public key (SPKI DER compared). */
export function keyMatchesCertificate(key: KeyObject, cert: X509Certificate): boolean {
  // createPublicKey derives the public half of a private KeyObject.
  const fromKey = createPublicKey(key).export({ format: "der", type: "spki" });
  const fromCert = cert.publicKey.export({ format: "der", type: "spki" });
  return fromKey.equals(fromCert);
}
