/**
 * The exact hash-chain and digest constructions (see INVARIANTS.md). Shared by the writer
 * (audit-log.ts) and the verifier (verify.ts): any change here breaks every existing log.
 */
import * as nodeCrypto from "node:crypto";
import { createHash } from "node:crypto";

/** prevHash of the first row. */
export const GENESIS_HASH = "0".repeat(64);

type OneShot = (algorithm: string, data: string | Uint8Array, outputEncoding: "hex") => string;
// Node ≥ 20.12: one-shot hashing without a Hash object (this runs once per audited call).
const oneShot = (nodeCrypto as unknown as { hash?: OneShot }).hash;

/**
 * hash = hex(SHA-256(ascii(prevHash) ‖ utf8(json))); prevHash is always 64 hex chars, so the split is
 * unambiguous. A well-formed prevHash is ASCII, so UTF-8 of the concatenation is the same byte
 * string; anything else (a tampered row) takes the two-part form to keep latin1 for prevHash.
 */
export function chainHash(prevHash: string, json: string): string {
  if (oneShot !== undefined && isLowerHex64(prevHash)) return oneShot("sha256", prevHash + json, "hex");
  return createHash("sha256").update(prevHash, "latin1").update(json, "utf8").digest("hex");
}

/**
 * chainHash(prevHash, json) for a JSON already written as UTF-8 behind 64 free bytes
 * (`slotAndJson`, e.g. a row of an AuditBatch): prevHash is written into those bytes and the whole
 * is hashed where it lies, so the JSON is neither flattened nor encoded again. The same value as
 * chainHash for every prevHash (a malformed one takes the two-part form and leaves the slot).
 */
export function chainHashInPlace(prevHash: string, slotAndJson: Buffer): string {
  // Chaining, prevHash is the hash returned just before: known to be 64 lower-case hex digits.
  if (oneShot !== undefined && (prevHash === lastInPlaceHash || isLowerHex64(prevHash))) {
    slotAndJson.write(prevHash, 0, 64, "latin1");
    return (lastInPlaceHash = oneShot("sha256", slotAndJson, "hex"));
  }
  return createHash("sha256").update(prevHash, "latin1").update(slotAndJson.subarray(64)).digest("hex");
}

let lastInPlaceHash: string | undefined;

const LOWER_HEX_64 = /^[0-9a-f]{64}$/;

function isLowerHex64(s: string): boolean {
  return s.length === 64 && LOWER_HEX_64.test(s);
}

/** Hex SHA-256 of a digest's JSON, linked from the next digest. */
export function digestHash(json: string): string {
  return createHash("sha256").update(json, "utf8").digest("hex");
}

/** Content of one digest row; `json` of the row is JSON.stringify of this object, signed as is. */
export interface DigestContent {
  digestStartTime: string;
  digestEndTime: string;
  fromSeq: number;
  toSeq: number;
  eventCount: number;
  lastHash: string;
  previousDigestSignature: string | null;
  previousDigestHash: string | null;
  signatureAlgorithm: string;
  /** Hex SHA-256 of the signer's SubjectPublicKeyInfo DER: which key signed this digest. */
  publicKeyFingerprint: string;
}
