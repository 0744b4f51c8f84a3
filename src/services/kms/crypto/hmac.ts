/**
 * GenerateMac / VerifyMac with HMAC keys (RFC 2104). Each HMAC key spec has exactly one MAC
 * algorithm (HMAC_256 → HMAC_SHA_256, …). Verification compares in constant time.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { KmsCryptoError } from "./errors.js";
import { assertSpecSupported, keySpecInfo, MAC_HASH, MAX_MAC_MESSAGE_BYTES, type MacAlgorithm } from "./key-specs.js";
import type { KeyMaterial } from "./material.js";

function macKey(material: KeyMaterial, algorithm: string, message: Buffer): { key: Buffer; hash: string } {
  const info = keySpecInfo(material.spec);
  assertSpecSupported(info);
  if (!info.macAlgorithms.includes(algorithm as MacAlgorithm)) {
    throw new KmsCryptoError("InvalidKeyUsage", `Algorithm ${algorithm} is incompatible with key spec ${material.spec}.`);
  }
  if (message.length < 1 || message.length > MAX_MAC_MESSAGE_BYTES) {
    throw new KmsCryptoError("Validation", `Message must be between 1 and ${MAX_MAC_MESSAGE_BYTES} bytes.`);
  }
  if (!material.secret) throw new KmsCryptoError("KMSInternal", "Key material has no HMAC key.");
  return { key: material.secret, hash: MAC_HASH[algorithm as MacAlgorithm] };
}

export function generateMac(input: { material: KeyMaterial; algorithm: string; message: Buffer }): Buffer {
  const { key, hash } = macKey(input.material, input.algorithm, input.message);
  return createHmac(hash, key).update(input.message).digest();
}

/** True when `mac` is the MAC of the message (constant-time comparison). */
export function verifyMac(input: { material: KeyMaterial; algorithm: string; message: Buffer; mac: Buffer }): boolean {
  const expected = generateMac(input);
  // Lengths are public (fixed per algorithm); only equal-length contents are compared.
  return input.mac.length === expected.length && timingSafeEqual(expected, input.mac);
}

/** VerifyMac, throwing KMSInvalidMac (KMSInvalidMacException, which KMS sends without a message) on mismatch. */
export function verifyMacOrThrow(input: { material: KeyMaterial; algorithm: string; message: Buffer; mac: Buffer }): void {
  if (!verifyMac(input)) throw new KmsCryptoError("KMSInvalidMac", "");
}
