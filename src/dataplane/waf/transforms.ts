/**
 * AWS WAF text transformations over "binary strings": every request value is held as a JS
 * string whose char codes are the raw bytes (latin1), so byte-oriented definitions
 * (LOWERCASE only touches A-Z, URL_DECODE yields bytes, MD5 hashes bytes) are exact.
 * Each function returns its input unchanged (same string) when there is nothing to do,
 * which keeps the common case allocation-free.
 */
import { createHash } from "node:crypto";
import type { TextTransformation, TextTransformationType } from "@aws-sdk/client-wafv2";
import { WafCompileError } from "./errors.js";

export type TransformFn = (s: string) => string;

const HEX = new Int8Array(128).fill(-1);
for (let i = 0; i < 10; i++) HEX[48 + i] = i;
for (let i = 0; i < 6; i++) {
  HEX[65 + i] = 10 + i;
  HEX[97 + i] = 10 + i;
}
function hexVal(c: number): number {
  return c < 128 ? (HEX[c] as number) : -1;
}
function isWs(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13) || c === 160;
}
function fromCodes(codes: number[]): string {
  let out = "";
  for (let i = 0; i < codes.length; i += 8192) out += String.fromCharCode(...codes.slice(i, i + 8192));
  return out;
}
/** Encodes a code point as UTF-8 bytes in a binary string. */
export function codePointToBytes(cp: number): string {
  if (cp < 0x80) return String.fromCharCode(cp);
  return Buffer.from(String.fromCodePoint(cp > 0x10ffff ? 0xfffd : cp), "utf8").toString("latin1");
}

export const compressWhiteSpace: TransformFn = (s) => {
  if (!/[\t\n\v\f\r\xa0]| {2}/.test(s)) return s;
  return s.replace(/[ \t\n\v\f\r\xa0]+/g, (m) => (m.length === 1 && m === " " ? m : " "));
};

const NAMED_ENTITIES: Record<string, string> = { quot: '"', amp: "&", lt: "<", gt: ">", nbsp: "\xa0" };
/**
 * HTML_ENTITY_DECODE: &quot; &amp; &lt; &gt; &nbsp; &#xhhhh; &#nnnn; (the semicolon optional).
 * A numeric reference takes all of its digits, as browsers do, so leading zeros
 * (&#x000000003c;) cannot split it; values beyond U+10FFFF become U+FFFD.
 */
export const htmlEntityDecode: TransformFn = (s) => {
  if (s.indexOf("&") < 0) return s;
  return s.replace(/&(?:#[xX]([0-9a-fA-F]+);?|#([0-9]+);?|(quot|amp|lt|gt|nbsp);?)/gi, (m, hx: string | undefined, dec: string | undefined, name: string | undefined) => {
    if (hx !== undefined) return codePointToBytes(parseInt(hx, 16));
    if (dec !== undefined) return codePointToBytes(Number(dec));
    return NAMED_ENTITIES[(name ?? "").toLowerCase()] ?? m;
  });
};

/**
 * Case mapping of ASCII letters only. String.prototype.toLowerCase/toUpperCase also map
 * Latin-1 letters (bytes 0xC0-0xFE of a binary string), so they are used only when every
 * byte is ASCII — the usual case, and much cheaper than a replacement callback.
 */
function caseMap(s: string, from: number, to: number, lower: boolean): string {
  let found = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) {
      if (!found && !(lower ? /[A-Z]/ : /[a-z]/).test(s)) return s;
      return lower ? s.replace(/[A-Z]+/g, (m) => m.toLowerCase()) : s.replace(/[a-z]+/g, (m) => m.toUpperCase());
    }
    if (c >= from && c <= to) found = true;
  }
  if (!found) return s;
  return lower ? s.toLowerCase() : s.toUpperCase();
}
export const lowercase: TransformFn = (s) => caseMap(s, 65, 90, true);
export const uppercase: TransformFn = (s) => caseMap(s, 97, 122, false);

function makeCmdLine(deleted: readonly number[]): TransformFn {
  const del = new Uint8Array(256);
  for (const d of deleted) del[d] = 1;
  return (s) => {
    const out: number[] = [];
    let space = false;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c < 256 && del[c] === 1) continue;
      if (c === 44 || c === 59 || c === 32 || (c >= 9 && c <= 13)) {
        if (!space) {
          out.push(32);
          space = true;
        }
        continue;
      }
      if ((c === 47 || c === 40) && space) out.pop();
      space = false;
      out.push(c >= 65 && c <= 90 ? c + 32 : c);
    }
    return fromCodes(out);
  };
}
/** CMD_LINE: delete \ " ' ^, drop spaces before / and (, "," and ";" become spaces, squeeze spaces, lowercase. */
export const cmdLine: TransformFn = makeCmdLine([92, 34, 39, 94]);
/** CMD_LINE_UNIX: as CMD_LINE, also deleting backticks and "$@"-style empty quoting; ^ is kept (not special in POSIX shells). */
export const cmdLineUnix: TransformFn = makeCmdLine([92, 34, 39, 96]);
/** CMD_LINE_WIN: as CMD_LINE (cmd.exe treats ^ and quotes as escapes). */
export const cmdLineWin: TransformFn = cmdLine;

function urlDecodeImpl(s: string, uni: boolean): string {
  if (s.indexOf("%") < 0 && s.indexOf("+") < 0) return s;
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 43) out.push(32);
    else if (c === 37) {
      if (uni && i + 5 < s.length && (s.charCodeAt(i + 1) | 32) === 117) {
        const a = hexVal(s.charCodeAt(i + 2));
        const b = hexVal(s.charCodeAt(i + 3));
        const d = hexVal(s.charCodeAt(i + 4));
        const e = hexVal(s.charCodeAt(i + 5));
        if (a >= 0 && b >= 0 && d >= 0 && e >= 0) {
          const cp = (a << 12) | (b << 8) | (d << 4) | e;
          // Full-width ASCII (U+FF01..U+FF5E) maps back to ASCII; otherwise the low byte is used.
          out.push(cp >= 0xff01 && cp <= 0xff5e ? cp - 0xfee0 : cp & 0xff);
          i += 5;
          continue;
        }
      }
      const h = i + 2 < s.length ? hexVal(s.charCodeAt(i + 1)) : -1;
      const l = h >= 0 ? hexVal(s.charCodeAt(i + 2)) : -1;
      if (h >= 0 && l >= 0) {
        out.push((h << 4) | l);
        i += 2;
      } else out.push(c);
    } else out.push(c);
  }
  return fromCodes(out);
}
export const urlDecode: TransformFn = (s) => urlDecodeImpl(s, false);
export const urlDecodeUni: TransformFn = (s) => urlDecodeImpl(s, true);

const B64_CHARS = /[^A-Za-z0-9+/]/g;
/** BASE64_DECODE: decodes the leading Base64 run (up to the first character outside the alphabet). */
export const base64Decode: TransformFn = (s) => {
  const m = /^[A-Za-z0-9+/]*={0,2}/.exec(s);
  const run = m ? m[0] : "";
  if (run.length === 0) return "";
  return Buffer.from(run, "base64").toString("latin1");
};
/** BASE64_DECODE_EXT: forgiving; ignores every character outside the Base64 alphabet. */
export const base64DecodeExt: TransformFn = (s) => Buffer.from(s.replace(B64_CHARS, ""), "base64").toString("latin1");

/** HEX_DECODE: every pair of hex digits becomes one byte; other characters are kept. */
export const hexDecode: TransformFn = (s) => {
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const h = hexVal(s.charCodeAt(i));
    const l = i + 1 < s.length ? hexVal(s.charCodeAt(i + 1)) : -1;
    if (h >= 0 && l >= 0) {
      out.push((h << 4) | l);
      i++;
    } else out.push(s.charCodeAt(i));
  }
  return fromCodes(out);
};

export const md5: TransformFn = (s) => createHash("md5").update(s, "latin1").digest().toString("latin1");
export const sha256: TransformFn = (s) => createHash("sha256").update(s, "latin1").digest().toString("latin1");

/** REPLACE_COMMENTS: each C-style comment (an unterminated one runs to the end) becomes one space. */
export const replaceComments: TransformFn = (s) => {
  if (s.indexOf("/*") < 0) return s;
  return s.replace(/\/\*[\s\S]*?(?:\*\/|$)/g, " ");
};
/** REMOVE_COMMENTS_CHAR: deletes the comment markers /*, *\/, -- and #. */
export const removeCommentsChar: TransformFn = (s) => (/\/\*|\*\/|--|#/.test(s) ? s.replace(/\/\*|\*\/|--|#/g, "") : s);

const C_ESC: Record<string, number> = { a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11, "\\": 92, "?": 63, "'": 39, '"': 34 };
/** ESCAPE_SEQ_DECODE: ANSI C escapes \a \b \f \n \r \t \v \\ \? \' \" \xHH \OOO; invalid ones stay as they are. */
export const escapeSeqDecode: TransformFn = (s) => {
  if (s.indexOf("\\") < 0) return s;
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c !== 92 || i + 1 >= s.length) {
      out.push(c);
      continue;
    }
    const n = s[i + 1] as string;
    const simple = C_ESC[n];
    if (simple !== undefined) {
      out.push(simple);
      i++;
    } else if ((n === "x" || n === "X") && i + 3 < s.length + 0 && hexVal(s.charCodeAt(i + 2)) >= 0 && hexVal(s.charCodeAt(i + 3)) >= 0) {
      out.push((hexVal(s.charCodeAt(i + 2)) << 4) | hexVal(s.charCodeAt(i + 3)));
      i += 3;
    } else if (n >= "0" && n <= "7") {
      let v = 0;
      let j = i + 1;
      while (j < s.length && j < i + 4 && s[j]! >= "0" && s[j]! <= "7") v = v * 8 + (s.charCodeAt(j++) - 48);
      out.push(v & 0xff);
      i = j - 1;
    } else out.push(c);
  }
  return fromCodes(out);
};

/** SQL_HEX_DECODE: 0x-prefixed hex literals (0x414243) become their bytes (ABC). */
export const sqlHexDecode: TransformFn = (s) => {
  if (!/0[xX][0-9a-fA-F]{2}/.test(s)) return s;
  return s.replace(/0[xX]((?:[0-9a-fA-F]{2})+)/g, (_m, hx: string) => Buffer.from(hx, "hex").toString("latin1"));
};

/**
 * CSS_DECODE: CSS 2.x escapes; uses up to the last two hex bytes, full-width ASCII (U+FF01-U+FF5E,
 * written with 4 to 6 digits: \ff1c, \0ff1c, \00ff1c) folded, \ before non-hex dropped.
 */
export const cssDecode: TransformFn = (s) => {
  if (s.indexOf("\\") < 0) return s;
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c !== 92) {
      out.push(c);
      continue;
    }
    if (i + 1 >= s.length) break; // a lone trailing backslash is dropped
    let j = i + 1;
    let hex = "";
    while (j < s.length && hex.length < 6 && hexVal(s.charCodeAt(j)) >= 0) hex += s[j++];
    if (hex.length > 0) {
      const full = parseInt(hex, 16);
      let v: number;
      if (full >= 0xff01 && full <= 0xff5e) v = full - 0xfee0;
      else v = parseInt(hex.slice(-2), 16);
      out.push(v);
      if (j < s.length && (s[j] === " " || s[j] === "\t" || s[j] === "\n" || s[j] === "\r" || s[j] === "\f")) j++;
      i = j - 1;
    } else if (s[j] === "\n") {
      i = j; // line continuation
    } else {
      out.push(s.charCodeAt(j));
      i = j;
    }
  }
  return fromCodes(out);
};

/** JS_DECODE: \uHHHH (low byte, full-width ASCII folded), \xHH, \OOO, \a..\v, and \c -> c. */
function jsDecodeImpl(s: string, ext: boolean): string {
  if (s.indexOf("\\") < 0) return s;
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c !== 92 || i + 1 >= s.length) {
      out.push(c);
      continue;
    }
    const n = s[i + 1] as string;
    if (n === "u" && ext && s[i + 2] === "{") {
      // \u{H...}: any number of digits (JavaScript allows leading zeros), scanned in place.
      let close = i + 3;
      while (close < s.length && hexVal(s.charCodeAt(close)) >= 0) close++;
      if (close > i + 3 && s.charCodeAt(close) === 125) {
        const cp = parseInt(s.slice(i + 3, close), 16);
        for (const b of codePointToBytes(cp)) out.push(b.charCodeAt(0));
        i = close;
        continue;
      }
    }
    if (n === "u" && i + 5 < s.length && /^[0-9a-fA-F]{4}$/.test(s.slice(i + 2, i + 6))) {
      const cp = parseInt(s.slice(i + 2, i + 6), 16);
      if (ext) for (const b of codePointToBytes(cp)) out.push(b.charCodeAt(0));
      else out.push(cp >= 0xff01 && cp <= 0xff5e ? cp - 0xfee0 : cp & 0xff);
      i += 5;
    } else if ((n === "x" || n === "X") && i + 3 < s.length && hexVal(s.charCodeAt(i + 2)) >= 0 && hexVal(s.charCodeAt(i + 3)) >= 0) {
      out.push((hexVal(s.charCodeAt(i + 2)) << 4) | hexVal(s.charCodeAt(i + 3)));
      i += 3;
    } else if (n >= "0" && n <= "7") {
      let v = 0;
      let j = i + 1;
      while (j < s.length && j < i + 4 && s[j]! >= "0" && s[j]! <= "7" && v * 8 + (s.charCodeAt(j) - 48) <= 255) v = v * 8 + (s.charCodeAt(j++) - 48);
      out.push(v);
      i = j - 1;
    } else {
      const simple = C_ESC[n];
      out.push(simple !== undefined && n !== "?" ? simple : s.charCodeAt(i + 1));
      i++;
    }
  }
  return fromCodes(out);
}
export const jsDecode: TransformFn = (s) => jsDecodeImpl(s, false);
export const jsDecodeExt: TransformFn = (s) => jsDecodeImpl(s, true);

/** NORMALIZE_PATH: squeeze repeated slashes, drop "/./", resolve "/../" (leading ".." segments are kept). */
export const normalizePath: TransformFn = (s) => {
  if (!/\/\/|(^|\/)\.\.?(\/|$)/.test(s)) return s;
  const absolute = s.startsWith("/");
  const trailing = /\/\.{0,2}$/.test(s) && s.length > 1;
  const parts = s.split("/");
  const out: string[] = [];
  for (const p of parts) {
    if (p === "" || p === ".") continue;
    if (p === "..") {
      if (out.length > 0 && out[out.length - 1] !== "..") out.pop();
      else if (!absolute) out.push("..");
      continue;
    }
    out.push(p);
  }
  let r = (absolute ? "/" : "") + out.join("/");
  if (trailing && !r.endsWith("/")) r += "/";
  return r;
};
export const normalizePathWin: TransformFn = (s) => normalizePath(s.indexOf("\\") >= 0 ? s.replace(/\\/g, "/") : s);

export const removeNulls: TransformFn = (s) => (s.indexOf("\0") >= 0 ? s.replace(/\0/g, "") : s);
export const replaceNulls: TransformFn = (s) => (s.indexOf("\0") >= 0 ? s.replace(/\0/g, " ") : s);
export const removeWhitespace: TransformFn = (s) => (/[ \t\n\v\f\r\xa0]/.test(s) ? s.replace(/[ \t\n\v\f\r\xa0]+/g, "") : s);
export const trim: TransformFn = (s) => s.replace(/^[ \t\n\v\f\r\xa0]+|[ \t\n\v\f\r\xa0]+$/g, "");
export const trimLeft: TransformFn = (s) => s.replace(/^[ \t\n\v\f\r\xa0]+/, "");
export const trimRight: TransformFn = (s) => s.replace(/[ \t\n\v\f\r\xa0]+$/, "");

/**
 * UTF8_TO_UNICODE: every multi-byte UTF-8 sequence (a lead byte and its continuation bytes)
 * becomes %uHHHH (lower-case hex). Overlong forms are converted too, two-byte (\xc0\xaf) as
 * well as three-byte (\xe0\x80\xaf), so that both show up as %u002f.
 */
export const utf8ToUnicode: TransformFn = (s) => {
  if (!/[\x80-\xff]/.test(s)) return s;
  let out = "";
  let i = 0;
  while (i < s.length) {
    const c = s.charCodeAt(i);
    let len = 0;
    let cp = 0;
    if (c >= 0xc0 && c <= 0xdf) {
      len = 2;
      cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
      len = 3;
      cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      len = 4;
      cp = c & 0x07;
    }
    let ok = len > 0 && i + len <= s.length;
    for (let k = 1; ok && k < len; k++) {
      const d = s.charCodeAt(i + k);
      if ((d & 0xc0) !== 0x80) ok = false;
      else cp = (cp << 6) | (d & 0x3f);
    }
    if (ok) {
      out += "%u" + cp.toString(16).padStart(4, "0");
      i += len;
    } else {
      out += s[i];
      i++;
    }
  }
  return out;
};

export const TRANSFORMS: Record<TextTransformationType, TransformFn> = {
  NONE: (s) => s,
  COMPRESS_WHITE_SPACE: compressWhiteSpace,
  HTML_ENTITY_DECODE: htmlEntityDecode,
  LOWERCASE: lowercase,
  UPPERCASE: uppercase,
  CMD_LINE: cmdLine,
  CMD_LINE_UNIX: cmdLineUnix,
  CMD_LINE_WIN: cmdLineWin,
  URL_DECODE: urlDecode,
  URL_DECODE_UNI: urlDecodeUni,
  BASE64_DECODE: base64Decode,
  BASE64_DECODE_EXT: base64DecodeExt,
  HEX_DECODE: hexDecode,
  MD5: md5,
  SHA256: sha256,
  REPLACE_COMMENTS: replaceComments,
  REMOVE_COMMENTS_CHAR: removeCommentsChar,
  ESCAPE_SEQ_DECODE: escapeSeqDecode,
  SQL_HEX_DECODE: sqlHexDecode,
  CSS_DECODE: cssDecode,
  JS_DECODE: jsDecode,
  JS_DECODE_EXT: jsDecodeExt,
  NORMALIZE_PATH: normalizePath,
  NORMALIZE_PATH_WIN: normalizePathWin,
  REMOVE_NULLS: removeNulls,
  REPLACE_NULLS: replaceNulls,
  REMOVE_WHITESPACE: removeWhitespace,
  TRIM: trim,
  TRIM_LEFT: trimLeft,
  TRIM_RIGHT: trimRight,
  UTF8_TO_UNICODE: utf8ToUnicode,
};

export class InvalidTransformationError extends WafCompileError {}

/** The ordered list of transformation types (lowest Priority first), NONE removed. */
export function orderTransformations(tts: readonly TextTransformation[] | undefined): TextTransformationType[] {
  for (const t of tts ?? []) {
    const p = t.Priority;
    if (p !== undefined && (!Number.isInteger(p) || p < 0)) throw new InvalidTransformationError(`Text transformation priority ${String(p)} is not a non-negative integer`);
  }
  const list = [...(tts ?? [])].sort((a, b) => (a.Priority ?? 0) - (b.Priority ?? 0));
  const out: TextTransformationType[] = [];
  for (const t of list) {
    const type = t.Type;
    if (type === undefined || !Object.hasOwn(TRANSFORMS, type)) throw new InvalidTransformationError(`Unknown text transformation ${String(type)}`);
    if (type !== "NONE") out.push(type);
  }
  return out;
}

/** Applies a transformation chain to one value. */
export function applyTransforms(value: string, chain: readonly TextTransformationType[]): string {
  let v = value;
  for (const t of chain) v = TRANSFORMS[t](v);
  return v;
}
