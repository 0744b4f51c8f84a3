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
  const q = uri.indexOf("?");
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
    path: q < 0 ? uri : uri.slice(0, q),
    query: q < 0 ? "" : uri.slice(q + 1),
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

/** The first value of header `lowerName` in node's rawHeaders ([name, value, …]). */
export function rawHeader(raw: readonly string[], lowerName: string): string | undefined {
  for (let i = 0; i < raw.length; i += 2) {
    const n = raw[i] as string;
    if (n.length === lowerName.length && n.toLowerCase() === lowerName) return raw[i + 1];
  }
  return undefined;
}
