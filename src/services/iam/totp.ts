/**
 * TOTP (RFC 6238) over HOTP (RFC 4226) with node:crypto's HMAC-SHA1: 6 digits, 30-second
 * steps, as virtual MFA apps compute them. Codes are compared in constant time, and every
 * candidate step in a window is checked (no early exit), so timing tells nothing about
 * which step or how many digits matched.
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

export const TOTP_STEP_SECONDS = 30;
export const TOTP_DIGITS = 6;
/** Bytes of a virtual MFA device's secret (160 bits, the size RFC 4226 recommends for SHA-1). */
export const SEED_BYTES = 20;

const B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/** RFC 4648 base32, without padding (what authenticator apps accept). */
export function base32Encode(bytes: Uint8Array): string {
  let out = "";
  let bits = 0;
  let value = 0;
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += B32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1;
  }
  if (bits > 0) out += B32[(value << (5 - bits)) & 31];
  return out;
}

export function base32Decode(text: string): Buffer {
  const clean = text.replace(/=+$/, "").toUpperCase();
  const out: number[] = [];
  let bits = 0;
  let value = 0;
  for (const ch of clean) {
    const i = B32.indexOf(ch);
    if (i < 0) throw new Error("invalid base32");
    value = (value << 5) | i;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
    value &= (1 << bits) - 1;
  }
  return Buffer.from(out);
}

export function newSeed(): Buffer {
  return randomBytes(SEED_BYTES);
}

/** HOTP (RFC 4226 §5.3): HMAC-SHA-1 over the 8-byte big-endian counter, dynamic truncation. */
export function hotp(secret: Uint8Array, counter: number, digits = TOTP_DIGITS): string {
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(counter));
  const mac = createHmac("sha1", secret).update(msg).digest();
  const offset = (mac[mac.length - 1] as number) & 0x0f;
  const bin =
    (((mac[offset] as number) & 0x7f) << 24) |
    ((mac[offset + 1] as number) << 16) |
    ((mac[offset + 2] as number) << 8) |
    (mac[offset + 3] as number);
  return String(bin % 10 ** digits).padStart(digits, "0");
}

/** The TOTP time step of `nowMs` (T = floor(unix seconds / 30)). */
export function stepAt(nowMs: number): number {
  return Math.floor(Math.floor(nowMs / 1000) / TOTP_STEP_SECONDS);
}

export function totpAt(secret: Uint8Array, step: number, digits = TOTP_DIGITS): string {
  return hotp(secret, step, digits);
}

/** Constant-time equality of two codes (their length, always 6 digits once validated, is public). */
function sameCode(a: string, b: string): boolean {
  const x = Buffer.from(a, "utf8");
  const y = Buffer.from(b, "utf8");
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * The step in [from, to] whose code is `code` and that is later than `after` (replay), or
 * undefined. Every step in the range is computed and compared.
 */
export function matchStep(secret: Uint8Array, code: string, from: number, to: number, after?: number): number | undefined {
  let found: number | undefined;
  for (let s = from; s <= to; s++) {
    const ok = sameCode(totpAt(secret, s), code);
    if (ok && found === undefined && (after === undefined || s > after)) found = s;
  }
  return found;
}

/**
 * Two consecutive codes (EnableMFADevice, ResyncMFADevice): the first step s in [from, to]
 * with code1 at s and code2 at s + 1; returns s + 1 (the last step used).
 */
export function matchConsecutive(secret: Uint8Array, code1: string, code2: string, from: number, to: number): number | undefined {
  let found: number | undefined;
  for (let s = from; s <= to; s++) {
    const a = sameCode(totpAt(secret, s), code1);
    const b = sameCode(totpAt(secret, s + 1), code2);
    if (a && b && found === undefined) found = s + 1;
  }
  return found;
}
