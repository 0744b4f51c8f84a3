/** Builds the WAF's view of a request (InspectedRequest, see types.ts) from what node parsed. */
import type { IncomingMessage } from "node:http";
import type { InspectedRequest } from "./types.js";
import { normalizeIp } from "./shield/connection-guard.js";
import type { TlsFingerprint } from "./tls/hello-sniffer.js";

export interface InspectOptions {
  requestId: string;
  time: number;
  scheme: "http" | "https";
  fingerprint: TlsFingerprint | undefined;
  /** The inspected prefix of the body (absent: the body was not read for inspection). */
  body: { body: Buffer; truncated: boolean } | undefined;
  /** The request declares a body (Content-Length > 0 or Transfer-Encoding). */
  hasBody: boolean;
}

const EMPTY = Buffer.alloc(0);

export function inspectRequest(req: IncomingMessage, o: InspectOptions): InspectedRequest {
  const uri = req.url ?? "/";
  const target = splitRequestTarget(uri);
  const raw = req.rawHeaders;
  const headers: Array<[string, string]> = new Array(raw.length >> 1);
  for (let i = 0, j = 0; i < raw.length; i += 2, j++) headers[j] = [raw[i] as string, raw[i + 1] as string];
  const body = o.body?.body ?? EMPTY;
  const cl = rawHeader(raw, "content-length");
  const declared = cl !== undefined && /^\d+$/.test(cl) ? Number(cl) : undefined;
  return {
    requestId: o.requestId,
    time: o.time,
    method: req.method ?? "GET",
    uri,
    path: target.path,
    query: target.query,
    httpVersion: `HTTP/${req.httpVersion}`,
    headers,
    body,
    // Without inspection any declared body counts as not seen.
    bodyTruncated: o.body ? o.body.truncated : o.hasBody,
    bodyLength: declared ?? body.length,
    clientIp: normalizeIp(req.socket.remoteAddress),
    scheme: o.scheme,
    ...(o.fingerprint ? { ja3: o.fingerprint.ja3, ja4: o.fingerprint.ja4 } : {}),
  };
}

const ABSOLUTE_FORM = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*/;

/**
 * The URI path and query string of a request-target, as RFC 3986 divides a URI: the path ends
 * at the first "?" or "#", the query at "#" (a fragment is neither), and an absolute-form target
 * (RFC 9112 section 3.2.2, "http://host/admin") has the path that follows its authority ("/" when
 * empty). Both stay percent-encoded.
 */
export function splitRequestTarget(uri: string): { path: string; query: string } {
  let start = 0;
  if (uri.charCodeAt(0) !== 47) {
    const m = ABSOLUTE_FORM.exec(uri);
    if (m) start = m[0].length;
  }
  let end = uri.indexOf("#", start);
  if (end < 0) end = uri.length;
  const q = uri.indexOf("?", start);
  if (q < 0 || q > end) return { path: start === 0 ? (end === uri.length ? uri : uri.slice(0, end)) : uri.slice(start, end) || "/", query: "" };
  return { path: start === 0 ? uri.slice(0, q) : uri.slice(start, q) || "/", query: uri.slice(q + 1, end) };
}

/** The first value of header `lowerName` in node's rawHeaders ([name, value, …]). */
export function rawHeader(raw: readonly string[], lowerName: string): string | undefined {
  for (let i = 0; i < raw.length; i += 2) {
    const n = raw[i] as string;
    if (n.length === lowerName.length && n.toLowerCase() === lowerName) return raw[i + 1];
  }
  return undefined;
}
