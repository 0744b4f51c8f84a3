/**
 * Field syntax (RFC 9110 §5, RFC 9112 §5) and node's way of merging repeated fields into
 * `headers`, which SigV4 and the protocol engines read: it must stay exactly node's
 * (src/gateway/http1/listener.test.ts compares the two on the same bytes).
 */
import type { ApiHeaders } from "../api.js";

/** token = 1*tchar */
export const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** Bytes allowed anywhere in a request head: HTAB, SP, VCHAR, obs-text. CR and LF are checked as pairs. */
const HEAD_BYTE = new Uint8Array(256);
for (let c = 0; c < 256; c++) HEAD_BYTE[c] = c === 9 || (c >= 0x20 && c !== 0x7f) ? 1 : 0;

/**
 * Whether buf[start, end) holds only bytes a request head may hold: VCHAR, obs-text, SP, HTAB,
 * and CR only as part of CRLF. This refuses NUL and every other CTL, DEL, bare CR and bare LF
 * anywhere in the head, so what is left to check per line is structure. (A table lookup per byte,
 * four at a time: about a third of what a regular expression costs on a head of 700 bytes.)
 */
export function validHeadBytes(buf: Buffer, start: number, end: number): boolean {
  const ok = HEAD_BYTE;
  let i = start;
  while (i < end) {
    if (i + 4 <= end && (ok[buf[i] as number]! & ok[buf[i + 1] as number]! & ok[buf[i + 2] as number]! & ok[buf[i + 3] as number]!) !== 0) {
      i += 4;
      continue;
    }
    if (ok[buf[i] as number] === 1) i++;
    else if (buf[i] === 13 && i + 1 < end && buf[i + 1] === 10) i += 2;
    else return false;
  }
  return true;
}

/** A field value as written in a response: VCHAR, obs-text, SP, HTAB (node's rule for writeHead). */
export const INVALID_VALUE = /[^\t\x20-\x7e\x80-\xff]/;

/** A trailer field line (its bytes are already known to be valid head bytes). */
export const FIELD_LINE = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+:[\t\x20-\x7e\x80-\xff]*$/;

/** Lower-case forms of field names already seen (each a valid token): clients send the same few names. */
const lowerNames = new Map<string, string>();
const MAX_CACHED_NAMES = 1000;
const MAX_CACHED_NAME_LENGTH = 64;

/** The lower-case form of a field name, or undefined when the name is not a token. */
export function fieldName(name: string): string | undefined {
  const cached = lowerNames.get(name);
  if (cached !== undefined) return cached;
  if (!TOKEN.test(name)) return undefined;
  const lower = name.toLowerCase();
  if (lowerNames.size < MAX_CACHED_NAMES && name.length <= MAX_CACHED_NAME_LENGTH) lowerNames.set(name, lower);
  return lower;
}

/** Fields node keeps only the first of (IncomingMessage#_addHeaderLine, Node.js 20). */
const FIRST_ONLY = new Set([
  "age",
  "authorization",
  "content-length",
  "content-type",
  "etag",
  "expires",
  "from",
  "host",
  "if-modified-since",
  "if-unmodified-since",
  "last-modified",
  "location",
  "max-forwards",
  "proxy-authorization",
  "referer",
  "retry-after",
  "server",
  "user-agent",
]);

/** Adds one field to a node-style header map: set-cookie collects an array, cookie joins with "; ", the rest with ", ". */
export function addField(headers: ApiHeaders, lower: string, value: string): void {
  const prev = headers[lower];
  if (prev === undefined) {
    if (lower === "set-cookie") headers[lower] = [value];
    else if (lower !== "__proto__") headers[lower] = value;
  } else if (typeof prev !== "string") prev.push(value);
  else if (lower === "cookie") headers[lower] = prev + "; " + value;
  else if (!FIRST_ONLY.has(lower)) headers[lower] = prev + ", " + value;
}

/** Elements of a comma-separated list field (RFC 9110 §5.6.1), OWS trimmed, empty elements dropped. */
export function listElements(value: string): string[] {
  const out: string[] = [];
  for (const part of value.split(",")) {
    const e = trimOws(part);
    if (e !== "") out.push(e);
  }
  return out;
}

/** Strips SP and HTAB (and nothing else: String#trim would also take obs-text such as NBSP). */
export function trimOws(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && isOws(s.charCodeAt(a))) a++;
  while (b > a && isOws(s.charCodeAt(b - 1))) b--;
  return a === 0 && b === s.length ? s : s.slice(a, b);
}

export function isOws(c: number): boolean {
  return c === 32 || c === 9;
}
