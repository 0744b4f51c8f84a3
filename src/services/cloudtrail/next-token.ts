/**
 * Opaque, tamper-checked LookupEvents pagination tokens.
 *
 * token = base64url(payload JSON) "." base64url(HMAC-SHA256(key, payload)); the payload holds
 * the seq to continue strictly before and a fingerprint of the query it belongs to, so a token
 * replayed with other filters (or another account/region) is refused like AWS does.
 */
import { createHash, createHmac, timingSafeEqual } from "node:crypto";

const B64URL = /^[A-Za-z0-9_-]+$/;
const MAX_TOKEN_LENGTH = 1024;

export interface TokenPayload {
  /** Continue strictly before this seq. */
  beforeSeq: number;
}

/** Stable fingerprint of the parameters a token is bound to. */
export function queryFingerprint(parts: ReadonlyArray<string | number | undefined>): string {
  return createHash("sha256").update(JSON.stringify(parts.map((p) => (p === undefined ? null : p)))).digest("base64url").slice(0, 22);
}

export function encodeNextToken(key: Buffer, beforeSeq: number, fingerprint: string): string {
  const payload = Buffer.from(JSON.stringify({ v: 1, b: beforeSeq, f: fingerprint })).toString("base64url");
  const mac = createHmac("sha256", key).update(payload).digest("base64url");
  return `${payload}.${mac}`;
}

/** The payload, or undefined when the token is malformed, forged, or for another query. */
export function decodeNextToken(key: Buffer, token: string, fingerprint: string): TokenPayload | undefined {
  if (token.length === 0 || token.length > MAX_TOKEN_LENGTH) return undefined;
  const dot = token.indexOf(".");
  if (dot <= 0 || dot !== token.lastIndexOf(".")) return undefined;
  const payload = token.slice(0, dot);
  const mac = token.slice(dot + 1);
  if (!B64URL.test(payload) || !B64URL.test(mac)) return undefined;
  const want = createHmac("sha256", key).update(payload).digest();
  const got = Buffer.from(mac, "base64url");
  if (got.length !== want.length || !timingSafeEqual(got, want)) return undefined;
  let obj: unknown;
  try {
    obj = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
  } catch {
    return undefined;
  }
  if (typeof obj !== "object" || obj === null) return undefined;
  const { v, b, f } = obj as { v?: unknown; b?: unknown; f?: unknown };
  if (v !== 1 || typeof b !== "number" || !Number.isSafeInteger(b) || b < 1 || f !== fingerprint) return undefined;
  return { beforeSeq: b };
}
