/**
 * The exact hash-chain and digest constructions (see INVARIANTS.md). Shared by the writer
 * (audit-log.ts) and the verifier (verify.ts): any change here breaks every existing log.
 */
import { createHash } from "node:crypto";

/** prevHash of the first row. */
export const GENESIS_HASH = "0".repeat(64);

/** hash = hex(SHA-256(ascii(prevHash) ‖ utf8(json))); prevHash is always 64 hex chars, so the split is unambiguous. */
export function chainHash(prevHash: string, json: string): string {
  return createHash("sha256").update(prevHash, "latin1").update(json, "utf8").digest("hex");
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
