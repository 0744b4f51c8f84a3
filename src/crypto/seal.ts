/**
 * Sealing of secrets at rest: AES-256-GCM (node:crypto) under a data-sealing key derived
 * from the root key with HKDF-SHA256 (info "bulwark/seal/v1"); the root key itself never
 * encrypts anything.
 *
 * Format v1 (never changes; golden vectors in seal.test.ts pin it, see INVARIANTS.md):
 *   0x01 | nonce (12 bytes, random per seal) | ciphertext (= plaintext length) | tag (16 bytes)
 * Additional authenticated data: the version byte followed by the UTF-8 `aad` string, so a
 * blob only opens for the purpose (`aad`) and format version it was sealed for.
 */
import { createCipheriv, createDecipheriv, createSecretKey, hkdfSync, randomBytes, type KeyObject } from "node:crypto";
import { SealError } from "./errors.js";
import type { Sealer } from "./seal-types.js";

export const SEAL_VERSION = 0x01;
export const SEAL_INFO = "bulwark/seal/v1";
const NONCE_LENGTH = 12;
const TAG_LENGTH = 16;
const HEADER_LENGTH = 1 + NONCE_LENGTH;
export const SEAL_OVERHEAD = HEADER_LENGTH + TAG_LENGTH;
export const ROOT_KEY_LENGTH = 32;
const VERSION_PREFIX = Buffer.from([SEAL_VERSION]);
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

const AUTH_FAILED =
  "Sealed data could not be opened: it was altered, sealed for a different purpose, or sealed under a different root key";

/** Derives a 256-bit subkey of the root key for one purpose; the intermediate bytes are zeroed. */
export function deriveSubkey(rootKey: Uint8Array, info: string): KeyObject {
  if (rootKey.length !== ROOT_KEY_LENGTH) throw new RangeError(`The root key must be ${ROOT_KEY_LENGTH} bytes`);
  const raw = Buffer.from(hkdfSync("sha256", rootKey, Buffer.alloc(0), info, ROOT_KEY_LENGTH));
  try {
    return createSecretKey(raw);
  } finally {
    raw.fill(0);
  }
}

export function createSealer(rootKey: Buffer): Sealer {
  return createSealerWithNonceSource(rootKey, () => randomBytes(NONCE_LENGTH));
}

/**
 * @internal Test hook: golden vectors need a fixed nonce. Production code calls
 * createSealer; reusing a nonce under one key breaks AES-GCM completely.
 */
export function createSealerWithNonceSource(rootKey: Buffer, nextNonce: () => Buffer): Sealer {
  const key = deriveSubkey(rootKey, SEAL_INFO);

  const seal = (plaintext: Uint8Array, aad: string): Buffer => {
    const nonce = nextNonce();
    if (nonce.length !== NONCE_LENGTH) throw new RangeError("Seal nonce must be 12 bytes");
    const cipher = createCipheriv("aes-256-gcm", key, nonce, { authTagLength: TAG_LENGTH });
    cipher.setAAD(aadBytes(aad));
    const out = Buffer.allocUnsafe(SEAL_OVERHEAD + plaintext.length);
    out[0] = SEAL_VERSION;
    nonce.copy(out, 1);
    let n = HEADER_LENGTH + cipher.update(plaintext).copy(out, HEADER_LENGTH);
    n += cipher.final().copy(out, n);
    cipher.getAuthTag().copy(out, n);
    return out;
  };

  const unseal = (blob: Uint8Array, aad: string): Buffer => {
    if (blob.length === 0) throw new SealError("format", "Sealed data is empty");
    if (blob[0] !== SEAL_VERSION) throw new SealError("version", `Sealed data has an unsupported format version (${String(blob[0])})`);
    if (blob.length < SEAL_OVERHEAD) throw new SealError("format", "Sealed data is truncated");
    const b = Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength);
    const tagStart = b.length - TAG_LENGTH;
    const decipher = createDecipheriv("aes-256-gcm", key, b.subarray(1, HEADER_LENGTH), { authTagLength: TAG_LENGTH });
    decipher.setAAD(aadBytes(aad));
    decipher.setAuthTag(b.subarray(tagStart));
    const plaintext = decipher.update(b.subarray(HEADER_LENGTH, tagStart));
    try {
      decipher.final();
    } catch {
      // Unauthenticated plaintext must never escape.
      plaintext.fill(0);
      throw new SealError("authentication", AUTH_FAILED);
    }
    return plaintext;
  };

  return {
    seal,
    unseal,
    sealToString(plaintext: Uint8Array | string, aad: string): string {
      if (typeof plaintext !== "string") return seal(plaintext, aad).toString("base64");
      const bytes = Buffer.from(plaintext, "utf8");
      try {
        return seal(bytes, aad).toString("base64");
      } finally {
        bytes.fill(0);
      }
    },
    unsealString(sealed: string, aad: string): Buffer {
      if (!BASE64.test(sealed)) throw new SealError("format", "Sealed data is not valid base64");
      return unseal(Buffer.from(sealed, "base64"), aad);
    },
  };
}

function aadBytes(aad: string): Buffer {
  return Buffer.concat([VERSION_PREFIX, Buffer.from(aad, "utf8")]);
}
