/**
 * Test certificates made with @peculiar/x509 (not with the code under test): key pairs, a
 * self-signed CA, and certificates it issues, with their private keys as unencrypted PKCS#8
 * PEM. For unit and e2e tests.
 */
import "reflect-metadata";
import { createPrivateKey, KeyObject, randomBytes, webcrypto } from "node:crypto";
import * as x509 from "@peculiar/x509";

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

export type TestKeyType = "rsa-2048" | "rsa-1024" | "p256" | "p384";

export interface TestKeyPair {
  keys: CryptoKeyPair;
  algorithm: RsaHashedKeyGenParams | EcKeyGenParams;
  signingAlgorithm: { name: string; hash: string };
  /** The private key as unencrypted PKCS#8 PEM. */
  privateKeyPem: string;
}

export async function newKeyPair(type: TestKeyType = "rsa-2048"): Promise<TestKeyPair> {
  const algorithm: RsaHashedKeyGenParams | EcKeyGenParams = type.startsWith("rsa")
    ? { name: "RSASSA-PKCS1-v1_5", modulusLength: type === "rsa-1024" ? 1024 : 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" }
    : { name: "ECDSA", namedCurve: type === "p256" ? "P-256" : "P-384" };
  const keys = (await webcrypto.subtle.generateKey(algorithm, true, ["sign", "verify"])) as CryptoKeyPair;
  const signingAlgorithm = type.startsWith("rsa") ? { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" } : { name: "ECDSA", hash: "SHA-256" };
  const privateKeyPem = KeyObject.from(keys.privateKey).export({ format: "pem", type: "pkcs8" }).toString();
  return { keys, algorithm, signingAlgorithm, privateKeyPem };
}

export interface TestCertificate {
  pem: string;
  cert: x509.X509Certificate;
  key: TestKeyPair;
}

const DAY = 86_400_000;

/** A certificate for `key`, self-signed or issued by `issuer`, valid from notBefore to notAfter (epoch ms). */
export async function issueCertificate(opts: {
  subject: string;
  key: TestKeyPair;
  issuer?: TestCertificate;
  notBefore?: number;
  notAfter?: number;
  ca?: boolean;
  /** subjectAltName DNS names. */
  dnsNames?: string[];
}): Promise<TestCertificate> {
  const now = Date.now();
  const signer = opts.issuer?.key ?? opts.key;
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomBytes(8).toString("hex").replace(/^[89a-f]/, "1"),
    subject: opts.subject,
    issuer: opts.issuer ? opts.issuer.cert.subject : opts.subject,
    notBefore: new Date(opts.notBefore ?? now - DAY),
    notAfter: new Date(opts.notAfter ?? now + 365 * DAY),
    signingAlgorithm: signer.signingAlgorithm,
    publicKey: opts.key.keys.publicKey,
    signingKey: signer.keys.privateKey,
    extensions: [
      ...(opts.ca ? [new x509.BasicConstraintsExtension(true, undefined, true)] : []),
      ...(opts.dnsNames ? [new x509.SubjectAlternativeNameExtension(opts.dnsNames.map((value) => ({ type: "dns" as const, value })))] : []),
    ],
  });
  return { pem: cert.toString("pem") + "\n", cert, key: opts.key };
}

/** A CA, an intermediate it issued, and a server certificate the intermediate issued (all valid over `validity`). */
export async function certificateChain(validity: { notBefore?: number; notAfter?: number } = {}): Promise<{ root: TestCertificate; intermediate: TestCertificate; leaf: TestCertificate }> {
  const root = await issueCertificate({ subject: "CN=Test Root CA", key: await newKeyPair("p256"), ca: true, ...validity });
  const intermediate = await issueCertificate({ subject: "CN=Test Intermediate CA", key: await newKeyPair("p256"), issuer: root, ca: true, ...validity });
  const leaf = await issueCertificate({ subject: "CN=www.example.test", key: await newKeyPair("rsa-2048"), issuer: intermediate, ...validity });
  return { root, intermediate, leaf };
}

/**
 * An RSA private key PEM of `bits` bits whose numbers are random, not a consistent key: enough
 * to exercise size limits without generating a large key. It matches no certificate.
 */
export function fakeRsaPrivateKeyPem(bits: number): string {
  const part = (bytes: number): string => {
    const b = randomBytes(bytes);
    b[0]! |= 0x80;
    return b.toString("base64url");
  };
  const n = bits / 8;
  return createPrivateKey({
    key: { kty: "RSA", n: part(n), e: "AQAB", d: part(n), p: part(n / 2), q: part(n / 2), dp: part(n / 2), dq: part(n / 2), qi: part(n / 2) },
    format: "jwk",
  })
    .export({ format: "pem", type: "pkcs8" })
    .toString();
}
