/**
 * HMAC-SHA256 of a SigV4 string to sign, as RFC 2104 spells it out:
 *   H((K ⊕ opad) ‖ H((K ⊕ ipad) ‖ message))
 * with two one-shot SHA-256 calls over reused buffers. For a message of ~130 bytes, creating an
 * Hmac object per request costs more than the hashing; this form costs about half as much.
 *
 * What must stay true: the padded key blocks are derived from the signing key only (they are
 * as secret as the key and never leave this module); the scratch buffers are used synchronously,
 * so no other request can observe them mid-use; a message too long for the scratch buffer takes
 * createHmac, so every message gets the same MAC either way.
 */
import * as nodeCrypto from "node:crypto";

type OneShot = (algorithm: string, data: Buffer, outputEncoding: "hex") => string;
const oneShot = (nodeCrypto as unknown as { hash?: OneShot }).hash;

const BLOCK = 64;
const MAX_MESSAGE_CHARS = 1024;
// Inner block: K ⊕ ipad, then the message (UTF-8: up to three bytes per UTF-16 code unit).
const inner = Buffer.alloc(BLOCK + 3 * MAX_MESSAGE_CHARS);
// Outer block: K ⊕ opad, then the inner digest.
const outer = Buffer.alloc(BLOCK + 32);
// The key the pads were derived for (a copy: a caller's buffer could change after the call).
const padKey = Buffer.alloc(32);
let padsValid = false;

function setPads(key: Buffer): void {
  inner.fill(0x36, 0, BLOCK);
  outer.fill(0x5c, 0, BLOCK);
  for (let i = 0; i < key.length; i++) {
    inner[i] = (inner[i] as number) ^ (key[i] as number);
    outer[i] = (outer[i] as number) ^ (key[i] as number);
  }
  key.copy(padKey, 0);
  padsValid = true;
}

/**
 * HMAC-SHA256(key, message) written into `out` (32 bytes) for a 32-byte SigV4 signing key.
 * Returns `out`.
 */
export function hmacSha256Into(key: Buffer, message: string, out: Buffer): Buffer {
  if (oneShot === undefined || key.length !== 32 || message.length > MAX_MESSAGE_CHARS) {
    nodeCrypto.createHmac("sha256", key).update(message, "utf8").digest().copy(out, 0);
    return out;
  }
  if (!padsValid || !key.equals(padKey)) setPads(key);
  const n = inner.write(message, BLOCK, "utf8");
  outer.write(oneShot("sha256", inner.subarray(0, BLOCK + n), "hex"), BLOCK, "hex");
  out.write(oneShot("sha256", outer, "hex"), 0, "hex");
  return out;
}
