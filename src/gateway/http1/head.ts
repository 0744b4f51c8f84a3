/**
 * The request head (request line and header section, RFC 9112 §3 and §5) and the message
 * framing it declares (§6). Strict: anything a lenient parser would have to guess about is
 * refused, because two parsers guessing differently is how requests are smuggled.
 */
import type { ApiHeaders } from "../api.js";
import { TOKEN, addField, fieldName, listElements, trimOws, validHeadBytes } from "./fields.js";

/** A request refused before it reaches the handler; the connection closes after the answer. */
export class HttpError {
  constructor(
    readonly status: number,
    readonly reason: string,
  ) {}
}

export interface RequestHead {
  method: string;
  /** Origin-form path and query (absolute-form is reduced to it), or "*" for OPTIONS. */
  url: string;
  /** 1 for HTTP/1.1, 0 for HTTP/1.0. */
  minor: number;
  headers: ApiHeaders;
  rawHeaders: string[];
  /** Declared body length; -1 without Content-Length, Infinity past 15 significant digits. */
  contentLength: number;
  chunked: boolean;
  /** Whether the connection may carry another request after this one. */
  keepAlive: boolean;
  /** The client waits for "100 Continue" before sending the body. */
  expectContinue: boolean;
}

/** request-target bytes: visible ASCII without "#" (a fragment is never sent). */
const TARGET = /^[\x21\x22\x24-\x7e]+$/;
const ABSOLUTE = /^https?:\/\/([^/?@]+)([/?].*)?$/i;
const VERSION = /^HTTP\/\d\.\d$/;
/** Host = uri-host [ ":" port ] (RFC 9110 §7.2); IP literals in brackets. */
const HOST = /^(?:\[[0-9A-Za-z:.%~_-]+\]|[A-Za-z0-9\-._~!$&'()*+,;=%]*)(?::\d*)?$/;
/** Content-Length values exact as numbers (the common case), and any (RFC 9110 §8.6: 1*DIGIT). */
const DIGITS = /^\d{1,15}$/;
const NUMERAL = /^\d+$/;
const LEADING_ZEROS = /^0+(?=\d)/;

/**
 * Header maps inherit nothing (a "constructor" or "toString" field is just a field, as in node's
 * null-prototype maps), yet stay fast-mode objects: Object.create(null) starts in dictionary
 * mode, which costs about twice as much per field.
 */
const HeaderMap = function HeaderMap() {} as unknown as new () => ApiHeaders;
HeaderMap.prototype = Object.create(null) as ApiHeaders;

/** Field names remembered per connection, by position. */
const MEMO_FIELDS = 64;

/** The last Host value found valid: most connections, and most clients, name one host. */
let validHost = "";

/**
 * Parses a head: buf[start, end) from the request line to the last field line, without the
 * final empty line. Answers the head or the error to refuse it with.
 *
 * `names` remembers the field names of the connection's previous request (the name as sent and
 * its lower-case form, alternating, by position): a client sends the same names in the same
 * order on every request, and a name found again at its position is reused instead of sliced,
 * validated and lower-cased again.
 */
export function parseHead(buf: Buffer, start: number, end: number, maxFields: number, names: string[]): RequestHead | HttpError {
  if (!validHeadBytes(buf, start, end)) return new HttpError(400, "invalid byte in the request head (control character, bare CR or bare LF)");
  // latin1: one character per byte, so obs-text survives unchanged (as node reads header bytes).
  const text = buf.toString("latin1", start, end);
  const n = text.length;
  let lineEnd = text.indexOf("\r\n");
  if (lineEnd < 0) lineEnd = n;

  // request-line = method SP request-target SP HTTP-version, single spaces.
  const sp1 = text.indexOf(" ");
  if (sp1 <= 0 || sp1 >= lineEnd) return new HttpError(400, "malformed request line");
  const sp2 = text.indexOf(" ", sp1 + 1);
  if (sp2 < 0 || sp2 >= lineEnd) return new HttpError(400, "malformed request line");
  const method = text.slice(0, sp1);
  if (!TOKEN.test(method)) return new HttpError(400, "invalid method");
  let minor: number;
  let digit: number;
  if (sp2 + 9 === lineEnd && text.startsWith("HTTP/1.", sp2 + 1) && (digit = text.charCodeAt(sp2 + 8)) >= 48 && digit <= 57) {
    // A later HTTP/1.x is read as 1.1, the highest minor version served: "a recipient can assume
    // that a message with a higher minor version ... is sufficiently backwards-compatible to be
    // safely processed by any implementation of the same major version" (RFC 9110 §2.5).
    minor = digit === 48 ? 0 : 1;
  } else {
    return VERSION.test(text.slice(sp2 + 1, lineEnd)) ? new HttpError(505, "HTTP version not supported") : new HttpError(400, "malformed HTTP version");
  }
  if (method === "CONNECT") return new HttpError(501, "CONNECT is not served here");
  let url = text.slice(sp1 + 1, sp2);
  if (!TARGET.test(url)) return new HttpError(400, "invalid request-target");
  let authority: string | undefined;
  if (url.charCodeAt(0) !== 47 /* / */) {
    if (url === "*") {
      if (method !== "OPTIONS") return new HttpError(400, "asterisk-form is only for OPTIONS");
    } else {
      const m = ABSOLUTE.exec(url);
      if (m === null) return new HttpError(400, "invalid request-target");
      authority = m[1] as string;
      const rest = m[2] ?? "";
      url = rest === "" ? "/" : rest.charCodeAt(0) === 63 /* ? */ ? "/" + rest : rest;
    }
  }

  const headers = new HeaderMap();
  const rawHeaders: string[] = [];
  let contentLength = -1;
  /** The digits of a Content-Length too large for a number (contentLength is then Infinity). */
  let hugeLength = "";
  let te: string | undefined;
  let host: string | undefined;
  let hosts = 0;
  let close = false;
  let keepAliveToken = false;
  let expectContinue = false;
  let pos = lineEnd + 2;
  while (pos < n) {
    let eol = text.indexOf("\r\n", pos);
    if (eol < 0) eol = n;
    const k = rawHeaders.length;
    let name = names[k];
    let lower: string | undefined;
    let colon: number;
    if (name !== undefined && text.charCodeAt((colon = pos + name.length)) === 58 /* : */ && colon <= eol && text.startsWith(name, pos)) {
      lower = names[k + 1] as string;
    } else {
      colon = text.indexOf(":", pos);
      // No colon on this line, or an empty name.
      if (colon <= pos || colon > eol) return new HttpError(400, "malformed header field");
      name = text.slice(pos, colon);
      // Also refuses whitespace before the colon and obs-fold (a line starting with SP or HTAB).
      lower = fieldName(name);
      if (lower === undefined) return new HttpError(400, "invalid header field name");
      if (k <= names.length && k < 2 * MEMO_FIELDS) {
        names[k] = name;
        names[k + 1] = lower;
      }
    }
    let vs = colon + 1;
    let ve = eol;
    let c: number;
    while (vs < ve && ((c = text.charCodeAt(vs)) === 32 || c === 9)) vs++;
    while (ve > vs && ((c = text.charCodeAt(ve - 1)) === 32 || c === 9)) ve--;
    const value = text.slice(vs, ve);
    if (k >= 2 * maxFields) return new HttpError(431, "too many header fields");
    rawHeaders.push(name, value);
    switch (lower) {
      case "content-length": {
        if (DIGITS.test(value)) {
          const v = Number(value);
          if (contentLength !== -1 && v !== contentLength) return new HttpError(400, "conflicting Content-Length values");
          contentLength = v;
          break;
        }
        // A list of equal values (RFC 9110 §8.6) is one length; anything else, empty elements
        // included, is refused.
        for (const part of value.split(",")) {
          const p = trimOws(part);
          if (!NUMERAL.test(p)) return new HttpError(400, "invalid Content-Length");
          // "A recipient MUST anticipate potentially large decimal numerals" (RFC 9110 §8.6): a
          // length past 15 significant digits is a valid one larger than any body served
          // (Infinity: over every limit, so 413 with the body unread), never a parse error.
          const digits = p.length > 15 ? p.replace(LEADING_ZEROS, "") : p;
          const v = digits.length > 15 ? Infinity : Number(digits);
          if (contentLength !== -1 && (v !== contentLength || (v === Infinity && digits !== hugeLength))) return new HttpError(400, "conflicting Content-Length values");
          contentLength = v;
          if (v === Infinity) hugeLength = digits;
        }
        break;
      }
      case "transfer-encoding":
        te = te === undefined ? value : te + "," + value;
        break;
      case "host":
        hosts++;
        host = value;
        break;
      case "connection":
        if (value === "keep-alive" || value === "Keep-Alive") {
          keepAliveToken = true;
          break;
        }
        for (const t of listElements(value)) {
          if (!TOKEN.test(t)) return new HttpError(400, "invalid Connection");
          const l = t.toLowerCase();
          if (l === "close") close = true;
          else if (l === "keep-alive") keepAliveToken = true;
        }
        break;
      case "expect":
        for (const e of listElements(value)) {
          if (e.toLowerCase() !== "100-continue") return new HttpError(417, "unsupported expectation");
          // HTTP/1.0 clients cannot mean it (RFC 9110 §10.1.1): ignored.
          expectContinue = minor === 1;
        }
        break;
    }
    addField(headers, lower, value);
    pos = eol + 2;
  }

  // Host: exactly one in HTTP/1.1 (RFC 9112 §3.2), at most one in 1.0, and a valid one.
  if (hosts > 1) return new HttpError(400, "more than one Host");
  if (host === undefined) {
    if (minor === 1) return new HttpError(400, "missing Host");
  } else if (host !== validHost) {
    if (!HOST.test(host)) return new HttpError(400, "invalid Host");
    if (host.length <= 255) validHost = host;
  }
  // Absolute-form: the target's authority is the host (§3.2.2); one that disagrees with the
  // Host field is refused rather than chosen between (the signature covers the Host field).
  if (authority !== undefined && (host === undefined || host.toLowerCase() !== authority.toLowerCase())) {
    return new HttpError(400, "Host does not match the request-target");
  }

  let chunked = false;
  if (te !== undefined) {
    // §6.1: HTTP/1.0 has no transfer codings; with both TE and CL the framing is ambiguous.
    if (minor === 0) return new HttpError(400, "Transfer-Encoding in an HTTP/1.0 request");
    if (contentLength !== -1) return new HttpError(400, "both Transfer-Encoding and Content-Length");
    const codings = te === "chunked" ? ["chunked"] : listElements(te);
    if (codings.length === 0) return new HttpError(400, "empty Transfer-Encoding");
    for (let i = 0; i < codings.length; i++) {
      const coding = codings[i] as string;
      if (!TOKEN.test(coding)) return new HttpError(400, "invalid transfer coding");
      const isChunked = coding.toLowerCase() === "chunked";
      if (isChunked !== (i === codings.length - 1)) return new HttpError(400, "chunked must be the final transfer coding, once");
    }
    // Codings before chunked (gzip, deflate, …) are not implemented (§6.1: 501).
    if (codings.length > 1) return new HttpError(501, "transfer coding not implemented");
    chunked = true;
  }

  return {
    method,
    url,
    minor,
    headers,
    rawHeaders,
    contentLength,
    chunked,
    keepAlive: minor === 1 ? !close : keepAliveToken && !close,
    expectContinue,
  };
}
