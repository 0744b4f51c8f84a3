/**
 * Requests a listener reads but cannot forward: methods node's HTTP parser does not know
 * (`FOO / HTTP/1.1`: llhttp accepts a fixed list of methods and refuses the request line
 * with HPE_INVALID_METHOD) and CONNECT. Behind an Application Load Balancer such a request
 * still goes through the web ACL, so it does here:
 *
 *  - the request line and header block (and the body bytes that arrived with them) are read
 *    from the bytes the parser refused, and become an InspectedRequest like any other;
 *  - the web ACL evaluates it: BLOCK, CAPTCHA and CHALLENGE are answered as for any request
 *    (403, or the rule's custom response);
 *  - otherwise the listener answers as Elastic Load Balancing does for a method it does not
 *    serve: 405 Method Not Allowed (the status ELB documents for a method it refuses, e.g. an
 *    overlong one), and 400 for CONNECT (ELB documents CONNECT as unsupported, with 400);
 *  - observers see the request (WAF logs, sampled requests, metrics, Shield baselines).
 *
 * The connection is closed after the answer: the parser has given up on it. A request whose
 * header block did not arrive with the refused bytes, or is not HTTP/1.x syntax, gets the
 * parser's usual 400 (also when the header block is too large) without WAF evaluation —
 * it is never forwarded either way.
 */
import type { IncomingMessage } from "node:http";
import type { Socket } from "node:net";
import { performance } from "node:perf_hooks";
import { rawErrorResponse } from "./error-pages.js";
import { DEFAULT_SETTINGS, supportedTransferEncoding } from "./exchange.js";
import { newTraceId } from "./forwarded-headers.js";
import { inspectRequest } from "./inspect.js";
import type { ListenerContext } from "./listener-context.js";
import { rawWafResponse } from "./responses.js";
import type { ListenerSpec } from "./runtime-types.js";
import { normalizeIp } from "./shield/connection-guard.js";
import type { TlsFingerprint } from "./tls/hello-sniffer.js";
import type { InspectedRequest, WafDecision } from "./types.js";

/** A request head read from raw bytes. */
export interface RawRequestHead {
  method: string;
  /** Request-target as sent. */
  target: string;
  /** "HTTP/1.0" or "HTTP/1.1". */
  version: string;
  headers: Array<[string, string]>;
  /** Offset just past the blank line that ends the head. */
  end: number;
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const REQUEST_LINE = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+) ([^\s]+) (HTTP\/1\.[01])$/;

/**
 * Reads the request head that starts at `start` in `buf`: "incomplete" when its blank line
 * is not there, "too-large" past `maxBytes`, "malformed" when it is not HTTP/1.x syntax.
 * Lines end with CRLF (a bare LF is accepted, as llhttp does).
 */
export function parseRequestHead(buf: Buffer, start: number, maxBytes: number): RawRequestHead | "incomplete" | "too-large" | "malformed" {
  let end = -1;
  let blank = -1;
  for (let i = buf.indexOf(10, start); i >= 0; i = buf.indexOf(10, i + 1)) {
    // A line feed followed by CRLF or LF ends the head.
    if (buf[i + 1] === 10) {
      blank = i + 1;
      end = i + 2;
      break;
    }
    if (buf[i + 1] === 13 && buf[i + 2] === 10) {
      blank = i + 1;
      end = i + 3;
      break;
    }
  }
  if (end < 0) return buf.length - start > maxBytes ? "too-large" : "incomplete";
  if (blank - start > maxBytes) return "too-large";
  const lines = buf.toString("latin1", start, blank).split(/\r?\n/);
  if (lines[lines.length - 1] === "") lines.pop();
  const m = REQUEST_LINE.exec(lines[0] ?? "");
  if (!m) return "malformed";
  const headers: Array<[string, string]> = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i] as string;
    const colon = line.indexOf(":");
    if (colon <= 0) return "malformed";
    const name = line.slice(0, colon);
    if (!TOKEN.test(name)) return "malformed";
    const value = line.slice(colon + 1).replace(/^[ \t]+|[ \t]+$/g, "");
    if (/[\0\r]/.test(value)) return "malformed";
    headers.push([name, value]);
  }
  return { method: m[1] as string, target: m[2] as string, version: m[3] as string, headers, end };
}

/** Where the refused request starts in the parser's buffer: after the last line feed before the error. */
function requestStart(buf: Buffer, errorAt: number): number {
  const at = Math.min(Math.max(errorAt, 0), buf.length);
  if (at === 0) return 0;
  return buf.lastIndexOf(10, at - 1) + 1;
}

/** The line that starts at `start`, without its line end. */
function lineAt(buf: Buffer, start: number): string {
  const lf = buf.indexOf(10, start);
  const end = lf < 0 ? buf.length : lf > start && buf[lf - 1] === 13 ? lf - 1 : lf;
  return buf.toString("latin1", start, end);
}

interface Facts {
  ctx: ListenerContext;
  spec: ListenerSpec;
  socket: Socket;
  fingerprint: TlsFingerprint | undefined;
}

/**
 * Answers a request whose method the parser refused (HPE_INVALID_METHOD): true when it was
 * handled here, false when the caller should answer the parse error as usual.
 */
export function answerUnknownMethod(f: Facts, err: NodeJS.ErrnoException & { rawPacket?: Buffer; bytesParsed?: number }): boolean {
  const buf = err.rawPacket;
  if (!Buffer.isBuffer(buf)) return false;
  const started = performance.now();
  const head = parseRequestHead(buf, requestStart(buf, err.bytesParsed ?? 0), f.ctx.limits.maxHeaderBytes);
  if (head === "too-large") {
    f.socket.end(rawErrorResponse(400));
    return true;
  }
  if (typeof head === "string") return false;
  const time = f.ctx.clock.now();
  const declared = contentLength(head.headers);
  const evaluator = f.ctx.webAcl(f.spec.loadBalancerArn);
  const limit = evaluator?.bodyInspectionLimit ?? 0;
  const available = buf.subarray(head.end, head.end + Math.min(limit, declared ?? 0));
  const q = head.target.indexOf("?");
  const req: InspectedRequest = {
    requestId: newTraceId(time),
    time,
    method: head.method,
    uri: head.target,
    path: q < 0 ? head.target : head.target.slice(0, q),
    query: q < 0 ? "" : head.target.slice(q + 1),
    httpVersion: head.version,
    headers: head.headers,
    body: available,
    // Without inspection (no web ACL) any declared body counts as not seen, as for other requests.
    bodyTruncated: (declared ?? 0) > available.length || chunked(head.headers),
    bodyLength: declared ?? available.length,
    clientIp: normalizeIp(f.socket.remoteAddress),
    scheme: f.spec.protocol === "HTTPS" ? "https" : "http",
    ...(f.fingerprint ? { ja3: f.fingerprint.ja3, ja4: f.fingerprint.ja4 } : {}),
  };
  judge(f, req, 405, started).catch(() => f.socket.destroy());
  return true;
}

/** A CONNECT request (node parses it and hands over the socket). */
export function answerConnect(f: Facts, req: IncomingMessage): void {
  const started = performance.now();
  const time = f.ctx.clock.now();
  f.socket.on("error", () => {});
  const inspected = inspectRequest(req, {
    requestId: newTraceId(time),
    time,
    scheme: f.spec.protocol === "HTTPS" ? "https" : "http",
    fingerprint: f.fingerprint,
    body: { body: Buffer.alloc(0), truncated: false },
    hasBody: false,
  });
  judge(f, inspected, 400, started).catch(() => f.socket.destroy());
}

/** Web ACL, then the answer (`otherwise` when the WAF lets the request through), then observers. */
async function judge(f: Facts, req: InspectedRequest, otherwise: number, started: number): Promise<void> {
  const evaluator = f.ctx.webAcl(f.spec.loadBalancerArn);
  let decision: WafDecision | undefined;
  let status = otherwise;
  let bytes: Buffer | undefined;
  if (evaluator) {
    try {
      decision = await evaluator.evaluate(req);
    } catch {
      const settings = f.ctx.loadBalancer(f.spec.loadBalancerArn)?.settings ?? DEFAULT_SETTINGS;
      if (!settings.wafFailOpen) status = 500;
    }
    if (decision && decision.action !== "ALLOW") ({ status, bytes } = rawWafResponse(decision));
  }
  if (f.socket.writable) f.socket.end(bytes ?? rawErrorResponse(status));
  else f.socket.destroy();
  const ms = performance.now() - started;
  for (const o of f.ctx.observers) {
    try {
      o.onRequest(f.spec.loadBalancerArn, req, decision, status, ms);
    } catch {
      // Observers never affect traffic.
    }
  }
}

function contentLength(headers: ReadonlyArray<[string, string]>): number | undefined {
  for (const [n, v] of headers) if (n.length === 14 && n.toLowerCase() === "content-length" && /^\d+$/.test(v)) return Number(v);
  return undefined;
}

function chunked(headers: ReadonlyArray<[string, string]>): boolean {
  for (const [n] of headers) if (n.toLowerCase() === "transfer-encoding") return true;
  return false;
}

/**
 * The head of the request the parser refused, when it is HTTP/1.x syntax. The parser stops in
 * the line it refused (the request line, or a header line): the head starts at the closest
 * request line at or before it, within `maxHeaderBytes`.
 */
export function refusedRequestHead(err: { rawPacket?: Buffer; bytesParsed?: number }, maxHeaderBytes: number): RawRequestHead | undefined {
  const buf = err.rawPacket;
  if (!Buffer.isBuffer(buf)) return undefined;
  const at = requestStart(buf, err.bytesParsed ?? 0);
  let start = at;
  while (!REQUEST_LINE.test(lineAt(buf, start))) {
    if (start === 0 || at - start > maxHeaderBytes) return undefined;
    start = requestStart(buf, start - 1);
    // A blank line ends an earlier head: the refused line belongs to no request head.
    if (lineAt(buf, start) === "") return undefined;
  }
  const head = parseRequestHead(buf, start, maxHeaderBytes);
  return typeof head === "string" ? undefined : head;
}

/**
 * A request the parser refused for its Transfer-Encoding (HPE_INVALID_TRANSFER_ENCODING: a
 * coding after chunked, or none chunked) that names a coding ALB does not support either: ALB
 * supports only chunked and identity, and answers 501 for the others.
 */
export function unsupportedTransferCoding(err: { rawPacket?: Buffer; bytesParsed?: number }, maxHeaderBytes: number): boolean {
  const head = refusedRequestHead(err, maxHeaderBytes);
  if (head === undefined) return false;
  for (const [n, v] of head.headers) if (n.toLowerCase() === "transfer-encoding" && !supportedTransferEncoding(v)) return true;
  return false;
}
