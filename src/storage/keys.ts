/**
 * Engine-neutral rules for document keys.
 *
 * Key order is Unicode code-point order, which is the byte order of UTF-8: SQLite's BINARY
 * collation and PostgreSQL's COLLATE "C" both compare that way, so every engine lists keys
 * in the same order. (JavaScript's `<` on strings compares UTF-16 code units and differs for
 * characters above U+FFFF; never use it to reason about storage order.)
 */

/** NUL (PostgreSQL text cannot hold it) or a lone surrogate (not encodable as UTF-8). */
const INVALID_KEY_CHAR = /[\u0000\uD800-\uDFFF]/u;

export class InvalidKeyError extends TypeError {
  constructor(what: string) {
    super(`Invalid storage ${what}: it must be a string without NUL characters or unpaired surrogates`);
    this.name = "InvalidKeyError";
  }
}

/** True when `s` can be stored identically by every engine (assertValidKey would accept it). */
export function isValidKey(s: string): boolean {
  return typeof s === "string" && !INVALID_KEY_CHAR.test(s);
}

/** Throws InvalidKeyError unless `s` can be stored identically by every engine. */
export function assertValidKey(s: string, what: "collection" | "key" | "prefix"): void {
  if (typeof s !== "string" || INVALID_KEY_CHAR.test(s)) throw new InvalidKeyError(what);
}

const MAX_CODE_POINT = 0x10ffff;

/**
 * The smallest string greater than every string that starts with `prefix`, or undefined
 * when no such bound exists (empty prefix, or a prefix made only of U+10FFFF).
 * Keys starting with `prefix` are exactly those with prefix <= key < successor, which lets
 * engines answer prefix queries with an index range scan instead of LIKE.
 */
export function prefixSuccessor(prefix: string): string | undefined {
  const cps = Array.from(prefix, (c) => c.codePointAt(0) as number);
  while (cps.length > 0) {
    const last = cps.pop() as number;
    if (last < MAX_CODE_POINT) {
      let next = last + 1;
      // Surrogate code points never occur in valid keys; skip straight past them.
      if (next >= 0xd800 && next <= 0xdfff) next = 0xe000;
      return String.fromCodePoint(...cps, next);
    }
  }
  return undefined;
}

/** Compares two strings in storage (code point / UTF-8 byte) order. */
export function compareKeys(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // A surrogate (high or low) means a code point >= U+10000, which sorts after every
    // BMP character even though its UTF-16 unit (0xD800–0xDFFF) is below U+E000–U+FFFF.
    const xs = x >= 0xd800 && x <= 0xdfff;
    const ys = y >= 0xd800 && y <= 0xdfff;
    if (xs !== ys) return xs ? 1 : -1;
    return x < y ? -1 : 1;
  }
  return a.length - b.length;
}
