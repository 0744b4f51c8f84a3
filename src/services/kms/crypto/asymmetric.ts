/**
 * Asymmetric KMS operations on stored key material: Encrypt/Decrypt with RSA (RSAES-OAEP,
 * SHA-1 or SHA-256 for both the hash and MGF1, empty label) and Sign/Verify for RSA (PSS with
 * salt length = hash length, PKCS#1 v1.5), ECDSA (DER signatures, as KMS returns), Ed25519 and
 * ML-DSA, with MessageType RAW, DIGEST and EXTERNAL_MU as KMS defines them.
 *
 * ECDSA with MessageType DIGEST and ED25519_PH_SHA_512 (Ed25519ph) go through prehashed.ts
 * (@noble/curves): node:crypto on Node 20 / OpenSSL 3.0 can do neither.
 * Not available: SM2 (China Regions only).
 */
import { constants, privateDecrypt, publicEncrypt, sign as nodeSign, verify as nodeVerify } from "node:crypto";
import { invalidCiphertext, KmsCryptoError } from "./errors.js";
import {
  assertSpecSupported,
  keySpecInfo,
  MAX_SIGN_MESSAGE_BYTES,
  maxOaepPlaintextBytes,
  OAEP_HASH,
  signingAlgorithmInfo,
  type EncryptionAlgorithm,
  type KeySpec,
  type MessageType,
  type SigningAlgorithmInfo,
} from "./key-specs.js";
import { privateKeyObject, publicKeyObject } from "./key-objects.js";
import type { KeyMaterial } from "./material.js";
import { decodePqSpki, isMlDsaSpec, mlDsaSign, mlDsaVerify, pqSeedFromStoredKey } from "./pq.js";
import { ecdsaSignDigest, ecdsaVerifyDigest, ed25519phSign, ed25519phVerify } from "./prehashed.js";
import { pkcs1SignDigest, pkcs1VerifyDigest, pssSignDigest, pssVerifyDigest } from "./rsa-digest.js";

/** What verification and encryption need: the spec and the public key (GetPublicKey bytes). */
export type PublicKeyMaterial = Pick<KeyMaterial, "spec" | "publicDer">;

function requirePrivate(m: KeyMaterial): Buffer {
  if (!m.privateDer) throw new KmsCryptoError("KMSInternal", "Key material has no private key.");
  return m.privateDer;
}
function requirePublic(m: PublicKeyMaterial): Buffer {
  if (!m.publicDer) throw new KmsCryptoError("KMSInternal", "Key material has no public key.");
  return m.publicDer;
}

// ---------------------------------------------------------------- RSA encryption

function oaepAlgorithm(spec: KeySpec, algorithm: string): { hash: "sha1" | "sha256"; bits: number; alg: "RSAES_OAEP_SHA_1" | "RSAES_OAEP_SHA_256" } {
  const info = keySpecInfo(spec);
  assertSpecSupported(info);
  if (!info.encryptionAlgorithms.includes(algorithm as EncryptionAlgorithm) || !info.rsaBits) {
    throw new KmsCryptoError("InvalidKeyUsage", `The encryption algorithm ${algorithm} is not compatible with KeySpec ${spec}.`);
  }
  const alg = algorithm as "RSAES_OAEP_SHA_1" | "RSAES_OAEP_SHA_256";
  return { hash: OAEP_HASH[alg].hash, bits: info.rsaBits, alg };
}

/** RSAES-OAEP encryption with the public key (what KMS Encrypt does for RSA keys). */
export function encryptAsymmetric(input: { material: PublicKeyMaterial; algorithm: string; plaintext: Buffer }): Buffer {
  const { hash, bits, alg } = oaepAlgorithm(input.material.spec, input.algorithm);
  const max = maxOaepPlaintextBytes(bits, alg);
  if (input.plaintext.length < 1) throw new KmsCryptoError("Validation", "Plaintext must not be empty.");
  if (input.plaintext.length > max) {
    throw new KmsCryptoError("Validation", `Algorithm ${alg} and key spec ${input.material.spec} cannot encrypt data larger than ${max} bytes.`);
  }
  const key = publicKeyObject(requirePublic(input.material));
  return publicEncrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: hash }, input.plaintext);
}

/** RSAES-OAEP decryption; any failure (wrong key, algorithm, tampering) is InvalidCiphertext. */
export function decryptAsymmetric(input: { material: KeyMaterial; algorithm: string; ciphertext: Buffer }): Buffer {
  const { hash, bits } = oaepAlgorithm(input.material.spec, input.algorithm);
  if (input.ciphertext.length !== bits / 8) throw invalidCiphertext();
  const key = privateKeyObject(requirePrivate(input.material));
  try {
    return privateDecrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: hash }, input.ciphertext);
  } catch {
    throw invalidCiphertext();
  }
}

// ---------------------------------------------------------------- signatures

export interface SignInput {
  material: KeyMaterial;
  algorithm: string;
  /** RAW (default), DIGEST or EXTERNAL_MU. */
  messageType?: string;
  message: Buffer;
}

export interface VerifyInput {
  material: PublicKeyMaterial;
  algorithm: string;
  messageType?: string;
  message: Buffer;
  signature: Buffer;
}

const MESSAGE_TYPES: readonly string[] = ["RAW", "DIGEST", "EXTERNAL_MU"];

/** Validates a Sign/Verify request against the key spec; returns the algorithm details. */
function checkSignRequest(spec: KeySpec, algorithm: string, messageType: string, message: Buffer): SigningAlgorithmInfo {
  const info = keySpecInfo(spec);
  assertSpecSupported(info);
  if (!MESSAGE_TYPES.includes(messageType)) throw new KmsCryptoError("Validation", "MessageType must be RAW, DIGEST or EXTERNAL_MU.");
  const alg = signingAlgorithmInfo(algorithm);
  if (!info.signingAlgorithms.includes(alg.algorithm)) {
    throw new KmsCryptoError("InvalidKeyUsage", `The signing algorithm ${algorithm} is not compatible with KeySpec ${spec}.`);
  }
  if (!alg.messageTypes.includes(messageType as MessageType)) {
    throw new KmsCryptoError("Validation", `Signing algorithm ${algorithm} does not accept MessageType ${messageType}.`);
  }
  if (messageType === "RAW") {
    if (message.length < 1 || message.length > MAX_SIGN_MESSAGE_BYTES) {
      throw new KmsCryptoError("Validation", `Message must be between 1 and ${MAX_SIGN_MESSAGE_BYTES} bytes; sign a digest of larger messages.`);
    }
  } else if (message.length !== alg.digestBytes) {
    throw new KmsCryptoError("Validation", `Digest is invalid length for algorithm ${algorithm}.`);
  }
  return alg;
}

function rsaPadding(alg: SigningAlgorithmInfo): { padding: number; saltLength?: number } {
  return alg.family === "rsa-pss" ? { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: alg.digestBytes } : { padding: constants.RSA_PKCS1_PADDING };
}

/** Sign (KMS Sign): returns the signature bytes KMS would return for this algorithm. */
export function sign(input: SignInput): Buffer {
  const { material, message } = input;
  const messageType = input.messageType ?? "RAW";
  const alg = checkSignRequest(material.spec, input.algorithm, messageType, message);
  const privateDer = requirePrivate(material);
  if (alg.family === "ml-dsa") {
    const spec = material.spec;
    const seed = isMlDsaSpec(spec) ? pqSeedFromStoredKey(spec, privateDer) : undefined;
    if (!isMlDsaSpec(spec) || !seed) throw new KmsCryptoError("KMSInternal", "Stored ML-DSA key is malformed.");
    return mlDsaSign(spec, seed, message, messageType === "EXTERNAL_MU");
  }
  if (alg.family === "ed25519ph") return ed25519phSign(privateDer, message);
  if (alg.family === "ecdsa" && messageType === "DIGEST") return ecdsaSignDigest(privateDer, message);
  const key = privateKeyObject(privateDer);
  const hash = alg.hash as "sha256" | "sha384" | "sha512";
  switch (alg.family) {
    case "ed25519":
      return nodeSign(null, message, key);
    case "ecdsa":
      return nodeSign(hash, message, { key, dsaEncoding: "der" });
    case "rsa-pss":
      return messageType === "DIGEST" ? pssSignDigest(key, hash, message) : nodeSign(hash, message, { key, ...rsaPadding(alg) });
    case "rsa-pkcs1":
      return messageType === "DIGEST" ? pkcs1SignDigest(key, hash, message) : nodeSign(hash, message, { key, ...rsaPadding(alg) });
    default:
      throw new KmsCryptoError("UnsupportedOperation", `${input.algorithm} is not supported by this build.`);
  }
}

/**
 * Verify (KMS Verify) with the public key: true when valid, false when the signature does not
 * match. Requests KMS would reject (wrong algorithm for the key, bad lengths) still throw.
 */
export function verify(input: VerifyInput): boolean {
  const { material, message, signature } = input;
  const messageType = input.messageType ?? "RAW";
  const alg = checkSignRequest(material.spec, input.algorithm, messageType, message);
  const publicDer = requirePublic(material);
  if (alg.family === "ml-dsa") {
    const spec = material.spec;
    const raw = isMlDsaSpec(spec) ? decodePqSpki(spec, publicDer) : undefined;
    if (!isMlDsaSpec(spec) || !raw) throw new KmsCryptoError("KMSInternal", "Stored ML-DSA public key is malformed.");
    return mlDsaVerify(spec, raw, message, signature, messageType === "EXTERNAL_MU");
  }
  if (alg.family === "ed25519ph") return ed25519phVerify(publicDer, message, signature);
  if (alg.family === "ecdsa" && messageType === "DIGEST") return ecdsaVerifyDigest(publicDer, message, signature);
  const key = publicKeyObject(publicDer);
  const hash = alg.hash as "sha256" | "sha384" | "sha512";
  try {
    switch (alg.family) {
      case "ed25519":
        return nodeVerify(null, message, key, signature);
      case "ecdsa":
        return nodeVerify(hash, message, { key, dsaEncoding: "der" }, signature);
      case "rsa-pss":
        return messageType === "DIGEST" ? pssVerifyDigest(key, hash, message, signature) : nodeVerify(hash, message, { key, ...rsaPadding(alg) }, signature);
      case "rsa-pkcs1":
        return messageType === "DIGEST" ? pkcs1VerifyDigest(key, hash, message, signature) : nodeVerify(hash, message, { key, ...rsaPadding(alg) }, signature);
      default:
        return false;
    }
  } catch {
    // Malformed signature encodings (e.g. bad DER) are invalid signatures, not server errors.
    return false;
  }
}

/** Verify, throwing KMSInvalidSignature (KMSInvalidSignatureException, which KMS sends without a message) when it does not match. */
export function verifyOrThrow(input: VerifyInput): void {
  if (!verify(input)) throw new KmsCryptoError("KMSInvalidSignature", "");
}
