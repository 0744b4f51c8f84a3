/**
 * The SigV4 canonical request:
 *   Method \n CanonicalURI \n CanonicalQuery \n CanonicalHeaders \n SignedHeaders \n PayloadHash
 * built to match what the AWS SDK signers (smithy-typescript, botocore) compute, byte for byte.
 */
import type { ParsedSigV4, SigV4Request, VerifyOptions } from "./sigv4-types.js";
import { canonicalizeEscaped, encodeRaw } from "./sigv4-uri.js";

/**
 * Removes empty, "." and ".." segments (RFC 3986 dot-segment removal plus collapsing "//"), keeping a
 * leading and a trailing slash — the "normalize-path" rule of the SigV4 test suite.
 */
export function normalizePath(path: string): string {
  // Fast path: nothing to remove unless there is an empty segment or a segment starting with '.'.
  if (path.charCodeAt(0) === 0x2f && path.indexOf("//") < 0 && path.indexOf("/.") < 0) return path;
  const segments: string[] = [];
  for (const seg of path.split("/")) {
    if (seg.length === 0 || seg === ".") continue;
    if (seg === "..") segments.pop();
    else segments.push(seg);
  }
  const lead = path.charCodeAt(0) === 0x2f ? "/" : "";
  const trail = segments.length > 0 && path.charCodeAt(path.length - 1) === 0x2f ? "/" : "";
  return lead + segments.join("/") + trail;
}

export function canonicalUri(path: string, doubleEncode: boolean, normalize: boolean): string {
  if (path.length === 0) return "/";
  const p = normalize ? normalizePath(path) : path;
  return doubleEncode ? encodeRaw(p, true) : canonicalizeEscaped(p, true);
}

function comparePairs(a: [string, string], b: [string, string]): number {
  // Code-unit order of ASCII strings is byte order, which is what the spec sorts by.
  if (a[0] !== b[0]) return a[0] < b[0] ? -1 : 1;
  if (a[1] !== b[1]) return a[1] < b[1] ? -1 : 1;
  return 0;
}

/**
 * Canonical query string: each key and value decoded then re-encoded ('+' being a form-encoded space,
 * the meaning the query protocol gives it), sorted by key then value,
 * X-Amz-Signature left out (case-insensitively, as the SDK signers do), a bare key becoming "key=".
 */
export function canonicalQuery(rawQuery: string): string {
  const n = rawQuery.length;
  if (n === 0) return "";
  const pairs: Array<[string, string]> = [];
  for (let start = 0; start < n; ) {
    let end = rawQuery.indexOf("&", start);
    if (end < 0) end = n;
    if (end > start) {
      const eq = rawQuery.indexOf("=", start);
      const keyEnd = eq >= 0 && eq < end ? eq : end;
      const key = canonicalizeEscaped(rawQuery.slice(start, keyEnd), false, true);
      if (!(key.length === 15 && key.toLowerCase() === "x-amz-signature")) {
        pairs.push([key, keyEnd < end ? canonicalizeEscaped(rawQuery.slice(keyEnd + 1, end), false, true) : ""]);
      }
    }
    start = end + 1;
  }
  if (pairs.length > 1) pairs.sort(comparePairs);
  let out = "";
  for (let i = 0; i < pairs.length; i++) {
    const p = pairs[i] as [string, string];
    out += (i === 0 ? "" : "&") + p[0] + "=" + p[1];
  }
  return out;
}

function isWs(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

// Anything normalizeHeaderValue would change: leading/trailing whitespace, a tab or line break,
// two spaces in a row.
const NOT_CANONICAL = /^[ \t\n\r]|[ \t\n\r]$|[\t\n\r]| {2}/;

/** Trims and collapses each run of spaces, tabs and line breaks into one space. */
export function normalizeHeaderValue(v: string): string {
  if (!NOT_CANONICAL.test(v)) return v;
  const n = v.length;
  let out = "";
  let pendingSpace = false;
  for (let i = 0; i < n; i++) {
    const c = v.charCodeAt(i);
    if (isWs(c)) {
      pendingSpace = out.length > 0;
    } else {
      if (pendingSpace) out += " ";
      pendingSpace = false;
      out += v.charAt(i);
    }
  }
  return out;
}

/** What the verifier derives from a SignedHeaders list, independent of the request. */
export interface SignedHeadersInfo {
  /** The names lowercased, in the client's order. */
  readonly lower: readonly string[];
  /** The list as it appears in the canonical request. */
  readonly joined: string;
  /** Host or :authority is among them. */
  readonly hasHost: boolean;
  /** The first name listed more than once (compared lowercased), if any. */
  readonly repeated: string | undefined;
}

// One-entry memo keyed by the identity of a frozen list (the parser hands out one frozen array
// per distinct SignedHeaders value); a list that could still change is derived afresh.
let memoList: readonly string[] | undefined;
let memoInfo: SignedHeadersInfo | undefined;

function firstRepeated(names: readonly string[]): string | undefined {
  const seen = new Set<string>();
  for (const n of names) {
    if (seen.has(n)) return n;
    seen.add(n);
  }
  return undefined;
}

export function signedHeadersInfo(signedHeaders: readonly string[]): SignedHeadersInfo {
  if (signedHeaders === memoList && memoInfo !== undefined) return memoInfo;
  const lower = signedHeaders.map((h) => h.toLowerCase());
  const info: SignedHeadersInfo = {
    lower,
    joined: signedHeaders.join(";"),
    hasHost: lower.includes("host") || lower.includes(":authority"),
    repeated: firstRepeated(lower),
  };
  if (Object.isFrozen(signedHeaders)) {
    memoList = signedHeaders;
    memoInfo = info;
  }
  return info;
}

/**
 * "name:value\n" for each signed header, in the client's SignedHeaders order. Repeated headers are
 * joined with "," in arrival order (exact only with rawHeaders; node's `headers` has already merged
 * repeats with ", "). A signed header the request lacks canonicalises with an empty value.
 */
export function canonicalHeaders(req: SigV4Request, signedHeaders: readonly string[]): string {
  const names = signedHeadersInfo(signedHeaders).lower;
  const values: Array<string | undefined> = new Array<string | undefined>(names.length);
  const raw = req.rawHeaders;
  if (raw !== undefined) {
    for (let i = 0; i + 1 < raw.length; i += 2) {
      const name = (raw[i] as string).toLowerCase();
      const idx = names.indexOf(name);
      if (idx < 0) continue;
      const v = normalizeHeaderValue(raw[i + 1] as string);
      // A name listed twice in SignedHeaders gets the same value in both lines.
      for (let j = idx; j < names.length; j++) {
        if (names[j] !== name) continue;
        const prev = values[j];
        values[j] = prev === undefined ? v : prev + "," + v;
      }
    }
  } else {
    for (let j = 0; j < names.length; j++) {
      const v = req.headers[names[j] as string];
      if (v === undefined) continue;
      values[j] = typeof v === "string" ? normalizeHeaderValue(v) : v.map(normalizeHeaderValue).join(",");
    }
  }
  let out = "";
  for (let j = 0; j < names.length; j++) out += (signedHeaders[j] as string) + ":" + (values[j] ?? "") + "\n";
  return out;
}

export function buildCanonicalRequest(req: SigV4Request, parsed: ParsedSigV4, options: VerifyOptions = {}): string {
  const doubleEncode = options.doubleEncodePath ?? true;
  const normalize = options.normalizePath ?? doubleEncode;
  return (
    req.method +
    "\n" +
    canonicalUri(req.path, doubleEncode, normalize) +
    "\n" +
    canonicalQuery(req.rawQuery) +
    "\n" +
    canonicalHeaders(req, parsed.signedHeaders) +
    "\n" +
    signedHeadersInfo(parsed.signedHeaders).joined +
    "\n" +
    parsed.payloadHash
  );
}
