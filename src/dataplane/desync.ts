/**
 * Desync mitigation (routing.http.desync_mitigation_mode): every request is classified as the
 * ELB guide describes ("Desync mitigation mode" and the access logs' "Classification reasons",
 * after the http_desync_guardian library's tiers) — Compliant, Acceptable, Ambiguous or
 * Severe, with one reason code — and the mode decides what happens to it:
 *
 * | Classification | monitor | defensive (default)                 | strictest |
 * | Compliant      | forward | forward                             | forward   |
 * | Acceptable     | forward | forward                             | 400       |
 * | Ambiguous      | forward | forward, then close both connections | 400       |
 * | Severe         | forward | 400                                 | 400       |
 *
 * A blocked request gets 400 and its connection is closed.
 *
 * When several problems are present the most severe one decides; among equally severe ones the
 * first found (headers in order, then framing, method, version, request-target).
 */

export type DesyncClassification = "Compliant" | "Acceptable" | "Ambiguous" | "Severe";

/** The classification_reason codes of ALB's access logs. */
export type DesyncReason =
  | "Compliant"
  | "AmbiguousUri"
  | "BadContentLength"
  | "BadHeader"
  | "BadTransferEncoding"
  | "BadUri"
  | "BadMethod"
  | "BadVersion"
  | "BothTeClPresent"
  | "DuplicateContentLength"
  | "EmptyHeader"
  | "GetHeadZeroContentLength"
  | "MultipleContentLength"
  | "MultipleTransferEncodingChunked"
  | "NonCompliantHeader"
  | "NonCompliantVersion"
  | "SpaceInUri"
  | "SuspiciousHeader"
  | "UndefinedContentLengthSemantics"
  | "UndefinedTransferEncodingSemantics";

export interface DesyncVerdict {
  readonly classification: DesyncClassification;
  readonly reason: DesyncReason;
}

export type DesyncMitigationMode = "monitor" | "defensive" | "strictest";

/** What the listener does with a classified request. */
export type DesyncAction = "forward" | "forward-and-close" | "block";

export const COMPLIANT: DesyncVerdict = Object.freeze({ classification: "Compliant", reason: "Compliant" });

const RANK: Record<DesyncClassification, number> = { Compliant: 0, Acceptable: 1, Ambiguous: 2, Severe: 3 };
const BY_RANK: readonly DesyncClassification[] = ["Compliant", "Acceptable", "Ambiguous", "Severe"];

/** The desync mitigation table of the ELB guide. */
export function desyncAction(mode: DesyncMitigationMode, v: DesyncVerdict): DesyncAction {
  const c = v.classification;
  if (c === "Compliant" || mode === "monitor") return "forward";
  if (mode === "strictest" || c === "Severe") return "block";
  return c === "Ambiguous" ? "forward-and-close" : "forward";
}

// Characters (RFC 9110 §5.6.2 tchar, §5.5 field-vchar).
const TCHAR = new Uint8Array(256);
for (const c of "!#$%&'*+-.^_`|~") TCHAR[c.charCodeAt(0)] = 1;
for (let c = 0x30; c <= 0x39; c++) TCHAR[c] = 1;
for (let c = 0x41; c <= 0x5a; c++) TCHAR[c] = 1;
for (let c = 0x61; c <= 0x7a; c++) TCHAR[c] = 1;

/** NUL, CR and LF: no request may hold them in a field or the request-target. */
function isBad(c: number): boolean {
  return c === 0 || c === 13 || c === 10;
}

/** Field value characters: SP, HTAB, VCHAR, obs-text. */
function isValueChar(c: number): boolean {
  return (c >= 0x20 && c !== 0x7f) || c === 9;
}

/** "transfer-encoding" / "content-length" without their hyphen, lower case. */
const TE_LETTERS = "transferencoding";
const CL_LETTERS = "contentlength";

/**
 * Does `name` spell `letters` once case, every character other than a letter or digit, and the
 * two non-ASCII letters that upper-case to ASCII ones (U+0131 dotless i → I, U+017F long s → S;
 * UTF-8 read as latin1) are set aside? Bails out at the first letter that differs, so an
 * ordinary header name costs a character or two.
 */
function spells(name: string, letters: string): boolean {
  let j = 0;
  for (let i = 0; i < name.length; i++) {
    let c = name.charCodeAt(i);
    if (c >= 0x41 && c <= 0x5a) c += 0x20;
    else if ((c === 0xc4 || c === 0xc5) && i + 1 < name.length) {
      const next = name.charCodeAt(i + 1);
      if (c === 0xc4 && next === 0xb1) c = 0x69;
      else if (c === 0xc5 && next === 0xbf) c = 0x73;
      if (c < 0x80) i++;
    }
    const alnum = (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39);
    if (!alnum) continue;
    if (j >= letters.length || letters.charCodeAt(j) !== c) return false;
    j++;
  }
  return j === letters.length;
}

/** `name` equals `lower` (lower case) ignoring ASCII case; same length assumed. */
function sameLetters(name: string, lower: string): boolean {
  for (let i = 0; i < lower.length; i++) {
    const c = name.charCodeAt(i);
    if ((c >= 0x41 && c <= 0x5a ? c + 0x20 : c) !== lower.charCodeAt(i)) return false;
  }
  return true;
}

function trimOws(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && (s.charCodeAt(a) === 32 || s.charCodeAt(a) === 9)) a++;
  while (b > a && (s.charCodeAt(b - 1) === 32 || s.charCodeAt(b - 1) === 9)) b--;
  return a === 0 && b === s.length ? s : s.slice(a, b);
}

/** The transfer codings RFC 9112 registers (any other is not understood). */
const KNOWN_CODINGS = new Set(["chunked", "compress", "deflate", "gzip", "identity"]);

/** A Content-Length value as a canonical decimal string (no leading zeros), or undefined when it is not one. */
function contentLengthValue(v: string): string | undefined {
  const t = trimOws(v);
  if (t.length === 0) return undefined;
  let start = -1;
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return undefined;
    if (start < 0 && c !== 0x30) start = i;
  }
  const n = start < 0 ? "0" : t.slice(start);
  // Past 2^64 − 1 it is not a valid number.
  if (n.length > 20 || (n.length === 20 && n > "18446744073709551615")) return undefined;
  return n;
}

class Verdict {
  rank = 0;
  reason: DesyncReason = "Compliant";
  reset(): this {
    this.rank = 0;
    this.reason = "Compliant";
    return this;
  }
  raise(c: DesyncClassification, reason: DesyncReason): void {
    const r = RANK[c];
    if (r > this.rank) {
      this.rank = r;
      this.reason = reason;
    }
  }
}

const VERDICTS = new Map<DesyncReason, DesyncVerdict>();
function verdictOf(rank: number, reason: DesyncReason): DesyncVerdict {
  if (rank === 0) return COMPLIANT;
  let v = VERDICTS.get(reason);
  if (v === undefined) {
    v = Object.freeze({ classification: BY_RANK[rank] as DesyncClassification, reason });
    VERDICTS.set(reason, v);
  }
  return v;
}

/** The classification in progress (classifyRequest runs to completion synchronously: one is enough). */
const scratch = new Verdict();

/** Version "HTTP/1.0" or earlier (HTTP/0.9: no version at all). */
function beforeHttp11(version: string): boolean {
  if (version === "HTTP/1.1") return false;
  const t = trimOws(version);
  return t === "" || t === "HTTP/1.0" || t.startsWith("HTTP/0.");
}

/**
 * Classifies a request: its method, request-target as sent, the version token of its request
 * line ("HTTP/1.1"; "" when it had none, HTTP/0.9) and its header fields as sent, in order
 * ([name, value, name, value, …], latin1). `checkCharacters` false skips the character-by-character checks of the
 * method, request-target, header names and header values: node's HTTP parser, which the
 * listeners use, refuses every request those checks could object to (any method it does not
 * know, a target byte outside 0x21–0x7E, a name byte that is not a tchar, a value byte other
 * than HTAB, SP, VCHAR or obs-text) before the listener sees it.
 */
export function classifyRequest(method: string, requestTarget: string, httpVersion: string, raw: readonly string[], checkCharacters = true): DesyncVerdict {
  const v = scratch.reset();
  // Framing headers (by index into raw: the name's position).
  let te: number[] | undefined;
  let cl: number[] | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    let headerBad = false;
    if (checkCharacters) {
      let tier = 0;
      for (let k = 0; k < name.length && tier < 2; k++) {
        const c = name.charCodeAt(k);
        if (c < 256 && TCHAR[c] === 1) continue;
        tier = isBad(c) ? 2 : 1;
      }
      const value = raw[i + 1] as string;
      for (let k = 0; k < value.length && tier < 2; k++) {
        const c = value.charCodeAt(k);
        if (isValueChar(c)) continue;
        tier = isBad(c) ? 2 : 1;
      }
      if (tier === 2) {
        headerBad = true;
        v.raise("Severe", "BadHeader");
      } else if (tier === 1) v.raise("Acceptable", "NonCompliantHeader");
      const trimmed = trimOws(name);
      if (trimmed === "" || trimmed.charCodeAt(0) === 0x3a) {
        v.raise("Ambiguous", "EmptyHeader");
        continue;
      }
    }
    const n = name.length;
    if (n < CL_LETTERS.length) continue;
    if (n === 17 && sameLetters(name, "transfer-encoding")) (te ??= []).push(i);
    else if (n === 14 && sameLetters(name, "content-length")) (cl ??= []).push(i);
    else if (!headerBad && (spells(name, TE_LETTERS) || spells(name, CL_LETTERS))) v.raise("Ambiguous", "SuspiciousHeader");
  }
  if (te !== undefined || cl !== undefined) framing(method, httpVersion, raw, te, cl, v);
  if (checkCharacters) {
    for (let k = 0; k < method.length; k++) {
      const c = method.charCodeAt(k);
      if (c >= 256 || TCHAR[c] !== 1) {
        v.raise("Severe", "BadMethod");
        break;
      }
    }
  }
  version(httpVersion, v);
  if (checkCharacters) target(requestTarget, v);
  return verdictOf(v.rank, v.reason);
}

const NONE: readonly number[] = [];

/** Transfer-Encoding and Content-Length: their values, repeats, and meaning for the method and version. */
function framing(method: string, httpVersion: string, raw: readonly string[], te: number[] | undefined, cl: number[] | undefined, v: Verdict): void {
  if (beforeHttp11(httpVersion)) {
    // No transfer codings before HTTP/1.1, no body framing at all in HTTP/0.9.
    if (te !== undefined) return v.raise("Ambiguous", "UndefinedTransferEncodingSemantics");
    if (trimOws(httpVersion) !== "HTTP/1.0") return v.raise("Ambiguous", "UndefinedContentLengthSemantics");
  }
  let chunked = false;
  for (const i of te ?? NONE) {
    for (const item of (raw[i + 1] as string).split(",")) {
      // transfer-coding = token *( OWS ";" OWS transfer-parameter )
      const t = trimOws(item);
      const semi = t.indexOf(";");
      const coding = trimOws(semi < 0 ? t : t.slice(0, semi)).toLowerCase();
      if (!KNOWN_CODINGS.has(coding)) v.raise("Severe", "BadTransferEncoding");
      else if (coding === "chunked") {
        if (chunked) v.raise("Severe", "MultipleTransferEncodingChunked");
        chunked = true;
      }
    }
  }
  let length: string | undefined;
  for (const i of cl ?? NONE) {
    const n = contentLengthValue(raw[i + 1] as string);
    if (n === undefined) v.raise("Severe", "BadContentLength");
    else if (length === undefined) length = n;
    else if (length !== n) v.raise("Severe", "MultipleContentLength");
    else v.raise("Ambiguous", "DuplicateContentLength");
  }
  if (method === "GET" || method === "HEAD") {
    // A body has no defined meaning for GET and HEAD (RFC 9110 §9.3.1, §9.3.2).
    if (te !== undefined) v.raise("Ambiguous", "UndefinedTransferEncodingSemantics");
    if (length === "0") v.raise("Acceptable", "GetHeadZeroContentLength");
    else if (length !== undefined) v.raise("Ambiguous", "UndefinedContentLengthSemantics");
  }
  if (te !== undefined && length !== undefined) v.raise("Ambiguous", "BothTeClPresent");
}

function version(version: string, v: Verdict): void {
  if (version === "HTTP/1.1" || version === "HTTP/1.0") return;
  const t = trimOws(version);
  if (t === "" || t === "HTTP/0.9") return v.raise("Acceptable", "NonCompliantVersion");
  const c = t.charCodeAt(7);
  if (t.length === 8 && t.startsWith("HTTP/1.") && c >= 0x30 && c <= 0x39) {
    // HTTP/1.2–1.9, or a version with spaces around it: not harmful, not compliant either.
    return v.raise("Acceptable", "NonCompliantVersion");
  }
  // HTTP/2 and later are outside what this classification covers.
  const major = t.charCodeAt(5);
  if (t.startsWith("HTTP/") && major >= 0x32 && major <= 0x39 && /^HTTP\/\d(\.\d)?$/.test(t)) return;
  v.raise("Severe", "BadVersion");
}

function target(t: string, v: Verdict): void {
  for (let k = 0; k < t.length; k++) {
    const c = t.charCodeAt(k);
    if (c > 0x20 && c !== 0x7f) continue;
    if (isBad(c)) return v.raise("Severe", "BadUri");
    v.raise(c === 0x20 ? "Acceptable" : "Ambiguous", c === 0x20 ? "SpaceInUri" : "AmbiguousUri");
  }
}
