/**
 * SigV4 URI encoding: RFC 3986 percent-encoding of UTF-8 bytes, every byte encoded except the
 * unreserved set A-Z a-z 0-9 - . _ ~, hex digits upper-case.
 *
 * Two entry points, because the spec uses the path and the query differently:
 *  - `encodeRaw` encodes the string as it is — '%' included — which is how every service but S3
 *    builds its canonical URI from the path as sent on the wire ("double encoding": the client
 *    already encoded once, the signer encodes again);
 *  - `canonicalizeEscaped` first undoes the client's %XX escapes, then encodes once — used for query
 *    keys/values (where a '+' is a form-encoded space, as the query protocol reads it) and for S3's
 *    single-encoded path (where '+' is itself). It works on bytes, so a %-escaped byte sequence
 *    that is not valid UTF-8 still canonicalises deterministically.
 * Both return the input unchanged (no allocation) when it is already canonical, the common case.
 */
import { commonError } from "../core/errors.js";

const HEX = "0123456789ABCDEF";

/** 1 for RFC 3986 unreserved ASCII characters. */
const UNRESERVED = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  if ((ch >= "A" && ch <= "Z") || (ch >= "a" && ch <= "z") || (ch >= "0" && ch <= "9") || ch === "-" || ch === "." || ch === "_" || ch === "~") {
    UNRESERVED[c] = 1;
  }
}

const SLASH = 0x2f;
const PERCENT = 0x25;
const PLUS = 0x2b;

function encodeByte(b: number): string {
  return b < 128 && UNRESERVED[b] === 1 ? String.fromCharCode(b) : "%" + HEX.charAt(b >> 4) + HEX.charAt(b & 15);
}

/** Appends the percent-encoded UTF-8 bytes of the code point starting at s[i]; returns how many UTF-16 units it used. */
function encodeNonAscii(s: string, i: number, parts: string[]): number {
  let cp = s.charCodeAt(i);
  let used = 1;
  if (cp >= 0xd800 && cp <= 0xdbff && i + 1 < s.length) {
    const lo = s.charCodeAt(i + 1);
    if (lo >= 0xdc00 && lo <= 0xdfff) {
      cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
      used = 2;
    }
  }
  // A lone surrogate becomes U+FFFD, as Buffer.from(s, "utf8") and TextEncoder do.
  if (cp >= 0xd800 && cp <= 0xdfff) cp = 0xfffd;
  if (cp < 0x800) {
    parts.push(encodeByte(0xc0 | (cp >> 6)), encodeByte(0x80 | (cp & 63)));
  } else if (cp < 0x10000) {
    parts.push(encodeByte(0xe0 | (cp >> 12)), encodeByte(0x80 | ((cp >> 6) & 63)), encodeByte(0x80 | (cp & 63)));
  } else {
    parts.push(
      encodeByte(0xf0 | (cp >> 18)),
      encodeByte(0x80 | ((cp >> 12) & 63)),
      encodeByte(0x80 | ((cp >> 6) & 63)),
      encodeByte(0x80 | (cp & 63)),
    );
  }
  return used;
}

function isPlain(c: number, keepSlash: boolean): boolean {
  return (c < 128 && UNRESERVED[c] === 1) || (keepSlash && c === SLASH);
}

/** Percent-encodes `s` exactly as given ('%' becomes %25). '/' is kept when `keepSlash`. */
export function encodeRaw(s: string, keepSlash: boolean): string {
  const n = s.length;
  let i = 0;
  while (i < n && isPlain(s.charCodeAt(i), keepSlash)) i++;
  if (i === n) return s;
  const parts: string[] = [s.slice(0, i)];
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c < 128) {
      parts.push(isPlain(c, keepSlash) ? s.charAt(i) : encodeByte(c));
      i++;
    } else {
      i += encodeNonAscii(s, i, parts);
    }
  }
  return parts.join("");
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

/**
 * Decodes %XX escapes and re-encodes canonically. A literal '/' is kept when `keepSlash` (S3 paths);
 * an escaped %2F stays escaped, so it never turns into a segment separator. With `plusIsSpace` (query
 * keys and values) a bare '+' is the space of application/x-www-form-urlencoded and canonicalises as
 * %20, as AWS reads it and as the query protocol decodes it; a literal plus is sent as %2B.
 * Malformed escapes are rejected rather than guessed at: the signed meaning must be unambiguous.
 */
export function canonicalizeEscaped(s: string, keepSlash: boolean, plusIsSpace = false): string {
  const n = s.length;
  let i = 0;
  while (i < n && isPlain(s.charCodeAt(i), keepSlash)) i++;
  if (i === n) return s;
  const parts: string[] = [s.slice(0, i)];
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c === PERCENT) {
      if (i + 3 > n) {
        throw commonError("Validation", "Incomplete trailing escape % sequence");
      }
      const hi = hexValue(s.charCodeAt(i + 1));
      const lo = hexValue(s.charCodeAt(i + 2));
      if (hi < 0 || lo < 0) {
        throw commonError("Validation", `Illegal hex character in escape % pattern: %${s.slice(i + 1, i + 3)}`);
      }
      parts.push(encodeByte((hi << 4) | lo));
      i += 3;
    } else if (c === PLUS && plusIsSpace) {
      parts.push("%20");
      i++;
    } else if (c < 128) {
      parts.push(isPlain(c, keepSlash) ? s.charAt(i) : encodeByte(c));
      i++;
    } else {
      i += encodeNonAscii(s, i, parts);
    }
  }
  return parts.join("");
}

/**
 * Form-decodes to a UTF-8 string ('+' is a space, as in `canonicalizeEscaped` with `plusIsSpace`); used
 * for the values of X-Amz-* query parameters, so they are read as the canonical query signs them.
 */
export function decodeComponent(s: string): string {
  if (s.indexOf("%") < 0 && s.indexOf("+") < 0) return s;
  const bytes: number[] = [];
  for (let i = 0; i < s.length; ) {
    const c = s.charCodeAt(i);
    if (c === PERCENT) {
      if (i + 3 > s.length) throw commonError("Validation", "Incomplete trailing escape % sequence");
      const hi = hexValue(s.charCodeAt(i + 1));
      const lo = hexValue(s.charCodeAt(i + 2));
      if (hi < 0 || lo < 0) {
        throw commonError("Validation", `Illegal hex character in escape % pattern: %${s.slice(i + 1, i + 3)}`);
      }
      bytes.push((hi << 4) | lo);
      i += 3;
    } else if (c === PLUS) {
      bytes.push(0x20);
      i++;
    } else if (c < 128) {
      bytes.push(c);
      i++;
    } else {
      // Non-ASCII text outside escapes: keep its UTF-8 bytes.
      const end = c >= 0xd800 && c <= 0xdbff ? i + 2 : i + 1;
      for (const b of Buffer.from(s.slice(i, end), "utf8")) bytes.push(b);
      i = end;
    }
  }
  return Buffer.from(bytes).toString("utf8");
}
