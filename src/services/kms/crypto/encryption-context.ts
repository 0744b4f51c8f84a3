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
  return withCanonicalContext(undefined, context);
}

/**
 * `prefix ‖ canonical(context)` in one buffer (the AAD of a symmetric blob). Contexts whose
 * keys and values are all ASCII — nearly all of them — are written straight into the output:
 * for ASCII, UTF-16 code-unit order is UTF-8 byte order and each character is one byte.
 */
export function withCanonicalContext(prefix: Buffer | undefined, context: EncryptionContext | undefined): Buffer {
  const pre = prefix === undefined ? 0 : prefix.length;
  if (context === undefined || context === null) return prefix === undefined ? EMPTY : concatEmpty(prefix);
  if (typeof context !== "object" || Array.isArray(context)) invalid();
  const keys = Object.keys(context);
  if (keys.length === 0) return prefix === undefined ? EMPTY : concatEmpty(prefix);
  if (keys.length > MAX_FIELD) invalid();
  let size = pre + 2;
  for (const k of keys) {
    const v = context[k];
    if (typeof v !== "string" || !isShortAscii(k) || !isShortAscii(v)) return general(prefix, context, keys);
    size += 4 + k.length + v.length;
  }
  if (keys.length > 1) sortAscii(keys);
  const out = Buffer.allocUnsafe(size);
  if (prefix !== undefined) out.set(prefix, 0);
  out[pre] = keys.length >>> 8;
  out[pre + 1] = keys.length & 0xff;
  let o = pre + 2;
  for (const k of keys) {
    o = writeField(out, o, k);
    o = writeField(out, o, context[k] as string);
  }
  return out;
}

const ASCII = /^[\x00-\x7f]*$/;

/** ASCII only, and short enough for a u16 length. */
function isShortAscii(s: string): boolean {
  return s.length <= MAX_FIELD && ASCII.test(s);
}

/**
 * u16be length ‖ the bytes of an ASCII string. Buffer#write, not a charCodeAt loop: in the
 * server the loop's charCodeAt is a generic property load per character, and the scan and
 * the write above cost more than this regular expression test and write per field.
 */
function writeField(out: Buffer, o: number, s: string): number {
  const n = s.length;
  out[o] = n >>> 8;
  out[o + 1] = n & 0xff;
  return o + 2 + out.write(s, o + 2, "latin1");
}

/** Sorts distinct ASCII strings by code unit (= byte) order; insertion sort for the usual handful. */
function sortAscii(keys: string[]): void {
  if (keys.length > 16) {
    keys.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    return;
  }
  for (let i = 1; i < keys.length; i++) {
    const k = keys[i] as string;
    let j = i - 1;
    while (j >= 0 && (keys[j] as string) > k) {
      keys[j + 1] = keys[j] as string;
      j--;
    }
    keys[j + 1] = k;
  }
}

function concatEmpty(prefix: Buffer): Buffer {
  const out = Buffer.allocUnsafe(prefix.length + 2);
  prefix.copy(out, 0);
  out[prefix.length] = 0;
  out[prefix.length + 1] = 0;
  return out;
}

/** Any context: UTF-8 encoded, well-formedness checked, sorted by UTF-8 bytes. */
function general(prefix: Buffer | undefined, context: EncryptionContext, keys: string[]): Buffer {
  const pairs = keys.map((k) => [utf8(k), utf8(context[k])] as const);
  pairs.sort((a, b) => Buffer.compare(a[0], b[0]));
  const pre = prefix === undefined ? 0 : prefix.length;
  let size = pre + 2;
  for (const [k, v] of pairs) size += 4 + k.length + v.length;
  const out = Buffer.allocUnsafe(size);
  if (prefix !== undefined) prefix.copy(out, 0);
  out.writeUInt16BE(pairs.length, pre);
  let o = pre + 2;
  for (const [k, v] of pairs) {
    o = out.writeUInt16BE(k.length, o);
    o += k.copy(out, o);
    o = out.writeUInt16BE(v.length, o);
    o += v.copy(out, o);
  }
  return out;
}
