/**
 * Crypto of GetParametersForImport / ImportKeyMaterial:
 *  - an RSA wrapping key pair (RSA_2048/3072/4096; SM2 is China-only and unsupported);
 *  - an import token: the wrapping private key and the request parameters sealed (AES-256-GCM)
 *    under a service token key, so the service needs no extra storage (format: FORMATS.md);
 *  - unwrapping with the KMS wrapping algorithms: RSAES_OAEP_SHA_1/256 (key material encrypted
 *    directly), RSA_AES_KEY_WRAP_SHA_1/256 (RSA-OAEP-encrypted 256-bit AES key, followed by the
 *    key material wrapped with AES key wrap with padding, RFC 5649);
 *  - validation that the material fits the key spec.
 */
import {
  createCipheriv,
  createDecipheriv,
  createPrivateKey,
  createPublicKey,
  generateKeyPair,
  generateKeyPairSync,
  privateDecrypt,
  publicEncrypt,
  randomBytes,
  constants,
  type KeyObject,
} from "node:crypto";
import { promisify } from "node:util";
import { invalidCiphertext, KmsCryptoError } from "./errors.js";
import { assertSpecSupported, keySpecInfo, SM2_UNSUPPORTED_MESSAGE, type WrappingAlgorithm, type WrappingKeySpec } from "./key-specs.js";
import { pqMaterialFromSeed, type KeyMaterial } from "./material.js";
import { decodePqPrivateKey, isMlDsaSpec, isMlKemSpec } from "./pq.js";

/** Wrapping public key + import token are valid for 24 hours. */
export const IMPORT_TOKEN_TTL_MS = 24 * 60 * 60 * 1000;
export const IMPORT_TOKEN_VERSION = 0x01;
const TOKEN_AAD = Buffer.concat([Buffer.from([IMPORT_TOKEN_VERSION]), Buffer.from("bulwark/kms/import-token/v1", "ascii")]);
/** RFC 5649 alternative initial value (the first 32 bits; node appends the length). */
const KWP_IV = Buffer.from("a65959a6", "hex");
const WRAPPING_BITS: Record<Exclude<WrappingKeySpec, "SM2">, number> = { RSA_2048: 2048, RSA_3072: 3072, RSA_4096: 4096 };
const generateKeyPairAsync = promisify(generateKeyPair);

export interface WrappingKeyPair {
  spec: WrappingKeySpec;
  /** PKCS#8 DER; lives only inside the sealed import token. */
  privateDer: Buffer;
  /** DER SubjectPublicKeyInfo: the PublicKey GetParametersForImport returns. */
  publicDer: Buffer;
}

function wrappingBits(spec: string): number {
  if (spec === "SM2") throw new KmsCryptoError("UnsupportedOperation", SM2_UNSUPPORTED_MESSAGE);
  if (!Object.prototype.hasOwnProperty.call(WRAPPING_BITS, spec)) throw new KmsCryptoError("Validation", "Unknown WrappingKeySpec.");
  return WRAPPING_BITS[spec as keyof typeof WRAPPING_BITS];
}

function toWrappingPair(spec: string, keys: { privateKey: KeyObject; publicKey: KeyObject }): WrappingKeyPair {
  return {
    spec: spec as WrappingKeySpec,
    privateDer: keys.privateKey.export({ type: "pkcs8", format: "der" }),
    publicDer: keys.publicKey.export({ type: "spki", format: "der" }),
  };
}

export function generateWrappingKeyPair(spec: string): WrappingKeyPair {
  return toWrappingPair(spec, generateKeyPairSync("rsa", { modulusLength: wrappingBits(spec), publicExponent: 0x10001 }));
}

export async function generateWrappingKeyPairAsync(spec: string): Promise<WrappingKeyPair> {
  return toWrappingPair(spec, await generateKeyPairAsync("rsa", { modulusLength: wrappingBits(spec), publicExponent: 0x10001 }));
}

const OAEP_OF: Partial<Record<WrappingAlgorithm, { hash: "sha1" | "sha256"; aesWrap: boolean }>> = {
  RSAES_OAEP_SHA_1: { hash: "sha1", aesWrap: false },
  RSAES_OAEP_SHA_256: { hash: "sha256", aesWrap: false },
  RSA_AES_KEY_WRAP_SHA_1: { hash: "sha1", aesWrap: true },
  RSA_AES_KEY_WRAP_SHA_256: { hash: "sha256", aesWrap: true },
};

function wrappingScheme(algorithm: string): { hash: "sha1" | "sha256"; aesWrap: boolean } {
  if (algorithm === "SM2PKE") throw new KmsCryptoError("UnsupportedOperation", SM2_UNSUPPORTED_MESSAGE);
  if (algorithm === "RSAES_PKCS1_V1_5") throw new KmsCryptoError("Validation", "The RSAES_PKCS1_V1_5 wrapping algorithm is no longer supported.");
  const scheme = Object.prototype.hasOwnProperty.call(OAEP_OF, algorithm) ? OAEP_OF[algorithm as WrappingAlgorithm] : undefined;
  if (!scheme) throw new KmsCryptoError("Validation", "Unknown WrappingAlgorithm.");
  return scheme;
}

/**
 * GetParametersForImport rules (KMS API reference): RSA private keys need an RSA_AES wrapping
 * algorithm; RSAES_OAEP with an RSA_2048 wrapping key cannot carry ECC_NIST_P521 material.
 */
export function assertWrappingAllowed(keySpec: string, wrappingAlgorithm: string, wrappingKeySpec: string): void {
  const info = keySpecInfo(keySpec);
  assertSpecSupported(info);
  const scheme = wrappingScheme(wrappingAlgorithm);
  wrappingBits(wrappingKeySpec);
  if (info.family === "rsa" && !scheme.aesWrap) {
    throw new KmsCryptoError("Validation", "RSA key material must be wrapped with RSA_AES_KEY_WRAP_SHA_1 or RSA_AES_KEY_WRAP_SHA_256.");
  }
  if (keySpec === "ECC_NIST_P521" && !scheme.aesWrap && wrappingKeySpec === "RSA_2048") {
    throw new KmsCryptoError("Validation", "ECC_NIST_P521 key material cannot be wrapped with RSAES_OAEP and an RSA_2048 wrapping key.");
  }
}

/** Recovers the plaintext key material; any failure is InvalidCiphertext. */
export function unwrapKeyMaterial(input: { wrappingPrivateDer: Buffer; wrappingAlgorithm: string; encryptedKeyMaterial: Buffer }): Buffer {
  const scheme = wrappingScheme(input.wrappingAlgorithm);
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: input.wrappingPrivateDer, format: "der", type: "pkcs8" });
  } catch {
    throw new KmsCryptoError("KMSInternal", "The wrapping private key is malformed.");
  }
  const k = (key.asymmetricKeyDetails?.modulusLength ?? 0) / 8;
  const blob = input.encryptedKeyMaterial;
  const rsaPart = scheme.aesWrap ? blob.subarray(0, k) : blob;
  if (rsaPart.length !== k || (scheme.aesWrap && blob.length <= k)) throw invalidCiphertext();
  let first: Buffer;
  try {
    first = privateDecrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: scheme.hash }, rsaPart);
  } catch {
    throw invalidCiphertext();
  }
  if (!scheme.aesWrap) return first;
  try {
    if (first.length !== 32) throw invalidCiphertext();
    const d = createDecipheriv("id-aes256-wrap-pad", first, KWP_IV);
    return Buffer.concat([d.update(blob.subarray(k)), d.final()]);
  } catch {
    throw invalidCiphertext();
  } finally {
    first.fill(0);
  }
}

/**
 * Client side of the import (what a user does with the wrapping public key before
 * ImportKeyMaterial). Used by tests and tooling; the service itself only unwraps.
 */
export function wrapKeyMaterialForImport(input: { wrappingPublicDer: Buffer; wrappingAlgorithm: string; keyMaterial: Buffer }): Buffer {
  const scheme = wrappingScheme(input.wrappingAlgorithm);
  const key = createPublicKey({ key: input.wrappingPublicDer, format: "der", type: "spki" });
  const oaep = (data: Buffer): Buffer => publicEncrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: scheme.hash }, data);
  if (!scheme.aesWrap) return oaep(input.keyMaterial);
  const aesKey = randomBytes(32);
  try {
    const c = createCipheriv("id-aes256-wrap-pad", aesKey, KWP_IV);
    return Buffer.concat([oaep(aesKey), c.update(input.keyMaterial), c.final()]);
  } finally {
    aesKey.fill(0);
  }
}

function incorrectMaterial(): never {
  throw new KmsCryptoError("IncorrectKeyMaterial", "The imported key material is not valid for the KeySpec of this KMS key.");
}

/**
 * Checks unwrapped material against the key spec and returns it as KeyMaterial:
 * SYMMETRIC_DEFAULT 32 bytes; HMAC_224 28–64, HMAC_256 32–64, HMAC_384 48–128, HMAC_512 64–128
 * bytes; RSA/ECC/Ed25519 a DER PKCS#8 private key of the spec's type and size; ML-DSA/ML-KEM a
 * PKCS#8 key with the spec's OID holding the seed. Otherwise IncorrectKeyMaterial.
 */
export function validateImportedKeyMaterial(spec: string, raw: Buffer): KeyMaterial {
  const info = keySpecInfo(spec);
  assertSpecSupported(info);
  const s = info.spec;
  switch (info.family) {
    case "symmetric":
      if (raw.length !== 32) incorrectMaterial();
      return { spec: s, secret: Buffer.from(raw) };
    case "hmac": {
      const [min, max] = info.hmacImportBytes ?? [0, 0];
      if (raw.length < min || raw.length > max) incorrectMaterial();
      return { spec: s, secret: Buffer.from(raw) };
    }
    case "ml-dsa":
    case "ml-kem": {
      const seed = isMlDsaSpec(s) || isMlKemSpec(s) ? decodePqPrivateKey(s, raw) : undefined;
      if (!seed) incorrectMaterial();
      return pqMaterialFromSeed(s, seed);
    }
    default: {
      let key: KeyObject;
      try {
        key = createPrivateKey({ key: raw, format: "der", type: "pkcs8" });
      } catch {
        return incorrectMaterial();
      }
      const d = key.asymmetricKeyDetails;
      const ok =
        (info.family === "rsa" && key.asymmetricKeyType === "rsa" && d?.modulusLength === info.rsaBits) ||
        (info.family === "ecc" && key.asymmetricKeyType === "ec" && d?.namedCurve === info.curve) ||
        (info.family === "ed25519" && key.asymmetricKeyType === "ed25519");
      if (!ok) incorrectMaterial();
      return {
        spec: s,
        privateDer: key.export({ type: "pkcs8", format: "der" }),
        publicDer: createPublicKey(key).export({ type: "spki", format: "der" }),
      };
    }
  }
}

export interface ImportTokenContents {
  keyId: string;
  wrappingAlgorithm: string;
  wrappingKeySpec: string;
  /** Epoch milliseconds after which the token is expired. */
  expiresAt: number;
  wrappingPrivateDer: Buffer;
}

function lp8(s: string): Buffer {
  const b = Buffer.from(s, "utf8");
  if (b.length > 255) throw new KmsCryptoError("Validation", "Import token field too long.");
  return Buffer.concat([Buffer.from([b.length]), b]);
}

/**
 * Seals the import parameters (FORMATS.md "Import token v1"). `tokenKey` is a 32-byte AES key
 * dedicated to import tokens (e.g. deriveSubkey(root, "bulwark/kms/import-token/v1")).
 */
export function createImportToken(contents: ImportTokenContents, tokenKey: Buffer | KeyObject): Buffer {
  const expires = Buffer.alloc(8);
  expires.writeBigUInt64BE(BigInt(Math.max(0, Math.floor(contents.expiresAt))));
  const derLen = Buffer.alloc(4);
  derLen.writeUInt32BE(contents.wrappingPrivateDer.length);
  const payload = Buffer.concat([
    lp8(contents.keyId),
    lp8(contents.wrappingAlgorithm),
    lp8(contents.wrappingKeySpec),
    expires,
    derLen,
    contents.wrappingPrivateDer,
  ]);
  const iv = randomBytes(12);
  const c = createCipheriv("aes-256-gcm", tokenKey, iv, { authTagLength: 16 });
  c.setAAD(TOKEN_AAD);
  const out = Buffer.concat([Buffer.from([IMPORT_TOKEN_VERSION]), iv, c.update(payload), c.final(), c.getAuthTag()]);
  payload.fill(0);
  return out;
}

/**
 * Opens an import token for ImportKeyMaterial on `keyId` at time `now` (epoch ms, from the
 * service's Clock). Forged, damaged or foreign tokens → InvalidImportToken; past expiry →
 * ExpiredImportToken.
 */
export function openImportToken(token: Buffer, tokenKey: Buffer | KeyObject, expect: { keyId: string; now: number }): ImportTokenContents {
  const invalid = (): never => {
    throw new KmsCryptoError("InvalidImportToken", "The import token is invalid or is not for this KMS key.");
  };
  if (token.length < 1 + 12 + 16 || token[0] !== IMPORT_TOKEN_VERSION) invalid();
  const d = createDecipheriv("aes-256-gcm", tokenKey, token.subarray(1, 13), { authTagLength: 16 });
  d.setAAD(TOKEN_AAD);
  d.setAuthTag(token.subarray(token.length - 16));
  const payload = d.update(token.subarray(13, token.length - 16));
  try {
    d.final();
  } catch {
    payload.fill(0);
    return invalid();
  }
  let o = 0;
  const str = (): string => {
    const len = payload[o];
    if (len === undefined || o + 1 + len > payload.length) return invalid();
    const s = payload.toString("utf8", o + 1, o + 1 + len);
    o += 1 + len;
    return s;
  };
  const keyId = str();
  const wrappingAlgorithm = str();
  const wrappingKeySpec = str();
  if (o + 12 > payload.length) invalid();
  const expiresAt = Number(payload.readBigUInt64BE(o));
  const derLen = payload.readUInt32BE(o + 8);
  o += 12;
  if (o + derLen !== payload.length) invalid();
  const wrappingPrivateDer = Buffer.from(payload.subarray(o));
  payload.fill(0);
  if (keyId !== expect.keyId) invalid();
  if (expect.now > expiresAt) throw new KmsCryptoError("ExpiredImportToken", "The import token has expired.");
  return { keyId, wrappingAlgorithm, wrappingKeySpec, expiresAt, wrappingPrivateDer };
}
