/**
 * Canonical bytes of a KMS encryption context, bound as AAD into symmetric ciphertext blobs.
 * The same map must always produce the same bytes, whatever the key order it arrived in:
 *
 *   u16be count ‖ for each pair, sorted by the UTF-8 bytes of the key:
 *     u16be len(key) ‖ UTF-8 key ‖ u16be len(value) ‖ UTF-8 value
 *
 * An absent and an empty context encode identically (as KMS treats them alike). Strings that
 * are not well-formed UTF-16 (lone surrogates) are refused: UTF-8 encoding would replace them
 * with U+FFFD and let two different contexts share one encoding.
 */
import { KmsCryptoError } from "./errors.js";

export type EncryptionContext = Readonly<Record<string, string>>;

const EMPTY = Buffer.from([0, 0]);
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const MAX_FIELD = 0xffff;

function invalid(): never {
  throw new KmsCryptoError("Validation", "The encryption context is invalid: keys and values must be well-formed strings.");
}

function utf8(s: unknown): Buffer {
  if (typeof s !== "string" || LONE_SURROGATE.test(s)) invalid();
  const b = Buffer.from(s, "utf8");
  if (b.length > MAX_FIELD) invalid();
  return b;
}

export function canonicalEncryptionContext(context: EncryptionContext | undefined): Buffer {
  if (context === undefined || context === null) return EMPTY;
  if (typeof context !== "object" || Array.isArray(context)) invalid();
  const keys = Object.keys(context);
  if (keys.length === 0) return EMPTY;
  if (keys.length > MAX_FIELD) invalid();
  const pairs = keys.map((k) => [utf8(k), utf8(context[k])] as const);
  pairs.sort((a, b) => Buffer.compare(a[0], b[0]));
  let size = 2;
  for (const [k, v] of pairs) size += 4 + k.length + v.length;
  const out = Buffer.allocUnsafe(size);
  out.writeUInt16BE(pairs.length, 0);
  let o = 2;
  for (const [k, v] of pairs) {
    o = out.writeUInt16BE(k.length, o);
    o += k.copy(out, o);
    o = out.writeUInt16BE(v.length, o);
    o += v.copy(out, o);
  }
  return out;
}
