/**
 * Signatures node:crypto (Node 20 / OpenSSL 3.0) cannot produce: ECDSA over a caller-supplied
 * digest (MessageType DIGEST) and Ed25519ph (ED25519_PH_SHA_512). Both use @noble/curves
 * (audited; no home-made primitives).
 *
 *  - ECDSA DIGEST: the digest is used as the message hash (bits2int truncation per FIPS 186-5),
 *    randomised (hedged) nonces, DER output — a signature over sha(M) verifies as a RAW
 *    signature over M. Verification accepts high-S signatures, like OpenSSL.
 *  - Ed25519ph: RFC 8032 Ed25519ph over the submitted 64-byte digest. As KMS documents, the
 *    SHA-512 pre-hash of Ed25519ph is still applied, so the input is hashed twice (once by the
 *    caller, once here).
 *
 * Raw private scalars / seeds are taken from the stored PKCS#8 key via JWK export and zeroed
 * after use.
 */
import { createPrivateKey, createPublicKey } from "node:crypto";
import { ed25519ph } from "@noble/curves/ed25519.js";
import { p256, p384, p521 } from "@noble/curves/nist.js";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { KmsCryptoError } from "./errors.js";

type Curve = typeof p256;
const CURVES: Record<string, Curve> = { prime256v1: p256, secp384r1: p384, secp521r1: p521, secp256k1: secp256k1 as unknown as Curve };

function curveOf(name: string | undefined): Curve {
  const c = name !== undefined ? CURVES[name] : undefined;
  if (!c) throw new KmsCryptoError("KMSInternal", "Unsupported curve for a prehashed signature.");
  return c;
}

function jwkPart(v: string | undefined): Buffer {
  if (v === undefined) throw new KmsCryptoError("KMSInternal", "Key export failed.");
  return Buffer.from(v, "base64url");
}

function privateJwk(pkcs8Der: Buffer): { crv?: string; d?: string; x?: string; y?: string } {
  return createPrivateKey({ key: pkcs8Der, format: "der", type: "pkcs8" }).export({ format: "jwk" }) as { crv?: string; d?: string };
}

const JWK_CURVE: Record<string, string> = { "P-256": "prime256v1", "P-384": "secp384r1", "P-521": "secp521r1", secp256k1: "secp256k1" };

/** ECDSA signature (DER) over a message digest. */
export function ecdsaSignDigest(pkcs8Der: Buffer, digest: Buffer): Buffer {
  const jwk = privateJwk(pkcs8Der);
  const d = jwkPart(jwk.d);
  try {
    const curve = curveOf(jwk.crv !== undefined ? JWK_CURVE[jwk.crv] : undefined);
    return Buffer.from(curve.sign(digest, d, { prehash: false, lowS: false, format: "der", extraEntropy: true }));
  } finally {
    d.fill(0);
  }
}

/** Verifies an ECDSA DER signature over a message digest with the SPKI public key. */
export function ecdsaVerifyDigest(spkiDer: Buffer, digest: Buffer, signature: Buffer): boolean {
  const key = createPublicKey({ key: spkiDer, format: "der", type: "spki" });
  const jwk = key.export({ format: "jwk" }) as { crv?: string; x?: string; y?: string };
  const curve = curveOf(jwk.crv !== undefined ? JWK_CURVE[jwk.crv] : undefined);
  const point = Buffer.concat([Buffer.from([0x04]), jwkPart(jwk.x), jwkPart(jwk.y)]);
  try {
    return curve.verify(signature, digest, point, { prehash: false, lowS: false, format: "der" });
  } catch {
    return false;
  }
}

/** Ed25519ph (RFC 8032) signature over `message` (the caller's SHA-512 digest). */
export function ed25519phSign(pkcs8Der: Buffer, message: Buffer): Buffer {
  const seed = jwkPart(privateJwk(pkcs8Der).d);
  try {
    return Buffer.from(ed25519ph.sign(message, seed));
  } finally {
    seed.fill(0);
  }
}

export function ed25519phVerify(spkiDer: Buffer, message: Buffer, signature: Buffer): boolean {
  const jwk = createPublicKey({ key: spkiDer, format: "der", type: "spki" }).export({ format: "jwk" }) as { x?: string };
  try {
    return ed25519ph.verify(signature, message, jwkPart(jwk.x));
  } catch {
    return false;
  }
}
