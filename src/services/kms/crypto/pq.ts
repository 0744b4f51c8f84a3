/**
 * Post-quantum keys (ML-DSA, FIPS 204; ML-KEM, FIPS 203) via @noble/post-quantum, with the
 * X.509 / PKCS#8 encodings node:crypto (Node 20) cannot produce:
 *  - public key: SubjectPublicKeyInfo { AlgorithmIdentifier { OID } (parameters absent),
 *    BIT STRING raw public key } (RFC 9881 for ML-DSA, RFC 9935 for ML-KEM) — what GetPublicKey returns;
 *  - private key: PKCS#8 OneAsymmetricKey whose privateKey OCTET STRING holds the seed-only
 *    CHOICE `[0] IMPLICIT OCTET STRING` (32-byte ξ for ML-DSA, 64-byte d‖z for ML-KEM).
 * Only the seed is kept; the expanded secret key is recomputed and cached (bounded).
 */
import { createHash } from "node:crypto";
import { ml_dsa44, ml_dsa65, ml_dsa87 } from "@noble/post-quantum/ml-dsa.js";
import { ml_kem512, ml_kem768, ml_kem1024 } from "@noble/post-quantum/ml-kem.js";
import {
  derBitString,
  derChildren,
  derOctetString,
  derOid,
  derReadWhole,
  derSequence,
  derSmallInteger,
  derTlv,
  TAG_BIT_STRING,
  TAG_CONTEXT_0_PRIMITIVE,
  TAG_INTEGER,
  TAG_OCTET_STRING,
  TAG_OID,
  TAG_SEQUENCE,
} from "./der.js";

export type MlDsaSpec = "ML_DSA_44" | "ML_DSA_65" | "ML_DSA_87";
export type MlKemSpec = "ML_KEM_512" | "ML_KEM_768" | "ML_KEM_1024";
export type PqSpec = MlDsaSpec | MlKemSpec;

interface DsaImpl {
  keygen(seed: Uint8Array): { secretKey: Uint8Array; publicKey: Uint8Array };
  sign(msg: Uint8Array, secretKey: Uint8Array): Uint8Array;
  verify(sig: Uint8Array, msg: Uint8Array, publicKey: Uint8Array): boolean;
  internal: {
    sign(mu: Uint8Array, secretKey: Uint8Array, opts: { externalMu: boolean }): Uint8Array;
    verify(sig: Uint8Array, mu: Uint8Array, publicKey: Uint8Array, opts: { externalMu: boolean }): boolean;
  };
}
interface KemImpl {
  keygen(seed: Uint8Array): { secretKey: Uint8Array; publicKey: Uint8Array };
  encapsulate(publicKey: Uint8Array): { cipherText: Uint8Array; sharedSecret: Uint8Array };
  decapsulate(cipherText: Uint8Array, secretKey: Uint8Array): Uint8Array;
}

export interface PqParams {
  readonly spec: PqSpec;
  readonly kind: "ml-dsa" | "ml-kem";
  readonly oid: string;
  readonly seedBytes: number;
  readonly publicKeyBytes: number;
  /** ML-DSA signature length, or ML-KEM ciphertext length. */
  readonly outputBytes: number;
}

const DSA: Record<MlDsaSpec, { impl: DsaImpl; params: PqParams }> = {
  ML_DSA_44: { impl: ml_dsa44, params: { spec: "ML_DSA_44", kind: "ml-dsa", oid: "2.16.840.1.101.3.4.3.17", seedBytes: 32, publicKeyBytes: 1312, outputBytes: 2420 } },
  ML_DSA_65: { impl: ml_dsa65, params: { spec: "ML_DSA_65", kind: "ml-dsa", oid: "2.16.840.1.101.3.4.3.18", seedBytes: 32, publicKeyBytes: 1952, outputBytes: 3309 } },
  ML_DSA_87: { impl: ml_dsa87, params: { spec: "ML_DSA_87", kind: "ml-dsa", oid: "2.16.840.1.101.3.4.3.19", seedBytes: 32, publicKeyBytes: 2592, outputBytes: 4627 } },
};
const KEM: Record<MlKemSpec, { impl: KemImpl; params: PqParams }> = {
  ML_KEM_512: { impl: ml_kem512, params: { spec: "ML_KEM_512", kind: "ml-kem", oid: "2.16.840.1.101.3.4.4.1", seedBytes: 64, publicKeyBytes: 800, outputBytes: 768 } },
  ML_KEM_768: { impl: ml_kem768, params: { spec: "ML_KEM_768", kind: "ml-kem", oid: "2.16.840.1.101.3.4.4.2", seedBytes: 64, publicKeyBytes: 1184, outputBytes: 1088 } },
  ML_KEM_1024: { impl: ml_kem1024, params: { spec: "ML_KEM_1024", kind: "ml-kem", oid: "2.16.840.1.101.3.4.4.3", seedBytes: 64, publicKeyBytes: 1568, outputBytes: 1568 } },
};

export function isMlDsaSpec(spec: string): spec is MlDsaSpec {
  return Object.prototype.hasOwnProperty.call(DSA, spec);
}
export function isMlKemSpec(spec: string): spec is MlKemSpec {
  return Object.prototype.hasOwnProperty.call(KEM, spec);
}

export function pqParams(spec: PqSpec): PqParams {
  return isMlDsaSpec(spec) ? DSA[spec].params : KEM[spec].params;
}

function keygen(spec: PqSpec, seed: Uint8Array): { secretKey: Uint8Array; publicKey: Uint8Array } {
  return isMlDsaSpec(spec) ? DSA[spec].impl.keygen(seed) : KEM[spec].impl.keygen(seed);
}

// Expanded keys are costly to recompute (milliseconds); keep a small LRU keyed by a hash of
// spec ‖ seed so the seed itself is never a map key.
const EXPANDED_CACHE_MAX = 64;
const expanded = new Map<string, { secretKey: Uint8Array; publicKey: Uint8Array }>();

/** Expanded key pair of a seed (cached). */
export function pqExpand(spec: PqSpec, seed: Uint8Array): { secretKey: Uint8Array; publicKey: Uint8Array } {
  const id = createHash("sha256").update(spec).update(seed).digest("base64");
  const hit = expanded.get(id);
  if (hit) {
    expanded.delete(id);
    expanded.set(id, hit);
    return hit;
  }
  const pair = keygen(spec, seed);
  expanded.set(id, pair);
  if (expanded.size > EXPANDED_CACHE_MAX) {
    const oldest = expanded.keys().next().value;
    if (oldest !== undefined) {
      expanded.get(oldest)?.secretKey.fill(0);
      expanded.delete(oldest);
    }
  }
  return pair;
}

/** DER SubjectPublicKeyInfo of a raw PQ public key. */
export function encodePqSpki(spec: PqSpec, publicKey: Uint8Array): Buffer {
  return derSequence(derSequence(derOid(pqParams(spec).oid)), derBitString(publicKey));
}

/** Raw public key from a DER SPKI of exactly this spec, or undefined. */
export function decodePqSpki(spec: PqSpec, spki: Buffer): Buffer | undefined {
  const params = pqParams(spec);
  const body = derReadWhole(spki, TAG_SEQUENCE);
  const parts = body && derChildren(body);
  if (!parts || parts.length !== 2) return undefined;
  const [alg, bits] = parts as [(typeof parts)[0], (typeof parts)[0]];
  if (alg.tag !== TAG_SEQUENCE || !isAlgorithmId(alg.content, params.oid) || bits.tag !== TAG_BIT_STRING) return undefined;
  if (bits.content[0] !== 0 || bits.content.length !== params.publicKeyBytes + 1) return undefined;
  return bits.content.subarray(1);
}

/** PKCS#8 (OneAsymmetricKey v1) holding the seed-only private key. */
export function encodePqPrivateKey(spec: PqSpec, seed: Uint8Array): Buffer {
  return derSequence(
    derSmallInteger(0),
    derSequence(derOid(pqParams(spec).oid)),
    derOctetString(derTlv(TAG_CONTEXT_0_PRIMITIVE, seed)),
  );
}

interface ParsedPqPrivateKey {
  seed: Buffer;
  expandedKey?: Buffer;
  /** Raw public key from an OneAsymmetricKey v2 [1] field. */
  publicKey?: Buffer;
}

/** Structure-only parse of a PQ PKCS#8 key of exactly this spec (no key expansion). */
function parsePqPrivateKey(spec: PqSpec, pkcs8: Buffer): ParsedPqPrivateKey | undefined {
  const params = pqParams(spec);
  const body = derReadWhole(pkcs8, TAG_SEQUENCE);
  const parts = body && derChildren(body);
  if (!parts || parts.length < 3) return undefined;
  const [version, alg, priv, ...extra] = parts as [(typeof parts)[0], (typeof parts)[0], (typeof parts)[0], ...typeof parts];
  if (version.tag !== TAG_INTEGER || version.content.length !== 1 || (version.content[0] !== 0 && version.content[0] !== 1)) return undefined;
  if (alg.tag !== TAG_SEQUENCE || !isAlgorithmId(alg.content, params.oid) || priv.tag !== TAG_OCTET_STRING) return undefined;
  const out: ParsedPqPrivateKey = { seed: Buffer.alloc(0) };
  const inner = derReadWhole(priv.content, TAG_CONTEXT_0_PRIMITIVE);
  if (inner) {
    out.seed = inner;
  } else {
    const both = derReadWhole(priv.content, TAG_SEQUENCE);
    const items = both && derChildren(both);
    if (!items || items.length !== 2 || items[0]?.tag !== TAG_OCTET_STRING || items[1]?.tag !== TAG_OCTET_STRING) return undefined;
    out.seed = items[0].content;
    out.expandedKey = items[1].content;
  }
  if (out.seed.length !== params.seedBytes) return undefined;
  for (const el of extra) {
    if (el.tag === 0xa0) continue; // [0] attributes
    if (el.tag === 0x81 && el.content[0] === 0 && out.publicKey === undefined) {
      out.publicKey = el.content.subarray(1); // [1] publicKey (OneAsymmetricKey v2)
      continue;
    }
    return undefined;
  }
  return out;
}

/** The seed of a stored (seed-only, self-written) PQ private key; cheap, for hot paths. */
export function pqSeedFromStoredKey(spec: PqSpec, pkcs8: Buffer): Buffer | undefined {
  return parsePqPrivateKey(spec, pkcs8)?.seed;
}

/**
 * The seed from an imported PKCS#8 private key of exactly this spec. Accepts the seed-only form
 * and the "both" form (seed + expanded key, which must match the seed). The expanded-key-only
 * form has no seed and is refused (undefined). An embedded public key must match too.
 */
export function decodePqPrivateKey(spec: PqSpec, pkcs8: Buffer): Buffer | undefined {
  const parsed = parsePqPrivateKey(spec, pkcs8);
  if (!parsed) return undefined;
  const pair = pqExpand(spec, parsed.seed);
  if (parsed.expandedKey && !Buffer.from(pair.secretKey).equals(parsed.expandedKey)) return undefined;
  if (parsed.publicKey && !Buffer.from(pair.publicKey).equals(parsed.publicKey)) return undefined;
  return Buffer.from(parsed.seed);
}

function isAlgorithmId(content: Buffer, oid: string): boolean {
  const items = derChildren(content);
  return items !== undefined && items.length === 1 && items[0]?.tag === TAG_OID && items[0].content.equals(derOid(oid).subarray(2));
}

/**
 * ML-DSA external μ (FIPS 204 §6.2, pure ML-DSA with the empty context KMS uses):
 * μ = SHAKE256(SHAKE256(pk, 64) ‖ 0x00 ‖ 0x00 ‖ M, 64). Sign with MessageType EXTERNAL_MU
 * on μ yields a signature that verifies for M with MessageType RAW.
 */
export function mlDsaExternalMu(publicKey: Uint8Array, message: Uint8Array): Buffer {
  const tr = createHash("shake256", { outputLength: 64 }).update(publicKey).digest();
  return createHash("shake256", { outputLength: 64 }).update(tr).update(Buffer.from([0, 0])).update(message).digest();
}

/** Hedged (randomised) ML-DSA signature, the FIPS 204 default. */
export function mlDsaSign(spec: MlDsaSpec, seed: Uint8Array, message: Uint8Array, externalMu: boolean): Buffer {
  const { secretKey } = pqExpand(spec, seed);
  const impl = DSA[spec].impl;
  return Buffer.from(externalMu ? impl.internal.sign(message, secretKey, { externalMu: true }) : impl.sign(message, secretKey));
}

export function mlDsaVerify(spec: MlDsaSpec, publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array, externalMu: boolean): boolean {
  if (signature.length !== DSA[spec].params.outputBytes) return false;
  const impl = DSA[spec].impl;
  try {
    return externalMu ? impl.internal.verify(signature, message, publicKey, { externalMu: true }) : impl.verify(signature, message, publicKey);
  } catch {
    return false;
  }
}

export function mlKemEncapsulate(spec: MlKemSpec, publicKey: Uint8Array): { ciphertext: Buffer; sharedSecret: Buffer } {
  const { cipherText, sharedSecret } = KEM[spec].impl.encapsulate(publicKey);
  return { ciphertext: Buffer.from(cipherText), sharedSecret: Buffer.from(sharedSecret) };
}

/** Implicit rejection: a well-sized but wrong ciphertext yields a pseudo-random secret, not an error. */
export function mlKemDecapsulate(spec: MlKemSpec, seed: Uint8Array, ciphertext: Uint8Array): Buffer {
  const { secretKey } = pqExpand(spec, seed);
  return Buffer.from(KEM[spec].impl.decapsulate(ciphertext, secretKey));
}
