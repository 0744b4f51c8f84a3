/**
 * Random bytes for the symmetric hot path, drawn from a buffer refilled by node:crypto's CSPRNG.
 *
 * Each randomBytes() call costs a few microseconds of fixed overhead whatever its size, while
 * Encrypt needs 12 bytes (an IV) and GenerateDataKey 16–32 more. Filling 4 KiB at a time makes
 * that overhead negligible per request; the bytes are the same CSPRNG output either way.
 *
 * What must stay true: no byte is handed out twice (a repeated IV under one key breaks
 * AES-GCM), so every refill allocates a new buffer and the offset only moves forward; secret
 * bytes (data keys) are copied out and their region of the pool zeroed at once. A length that
 * is not a whole number of bytes is refused before it can move the offset: a fractional or NaN
 * offset would break every later draw of the process.
 */
import { randomBytes } from "node:crypto";

const POOL_BYTES = 4096;

let pool = Buffer.alloc(0);
let offset = 0;

function take(n: number): number {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`random byte count must be a non-negative integer, got ${n}`);
  if (offset + n > pool.length) {
    pool = randomBytes(POOL_BYTES);
    offset = 0;
  }
  const at = offset;
  offset += n;
  return at;
}

/** `n` fresh random bytes for an IV: a view into the pool, whose bytes are never rewritten. */
export function randomIv(n: number): Buffer {
  if (n > POOL_BYTES / 4) return randomBytes(n);
  const at = take(n);
  return pool.subarray(at, at + n);
}

/** `n` secret random bytes in a buffer of their own; the pool keeps no copy. */
export function randomSecret(n: number): Buffer {
  if (n > POOL_BYTES / 4) return randomBytes(n);
  const at = take(n);
  const out = Buffer.allocUnsafeSlow(n);
  pool.copy(out, 0, at, at + n);
  pool.fill(0, at, at + n);
  return out;
}
