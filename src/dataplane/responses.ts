/**
 * Responses the listener answers itself: fixed-response and redirect actions, and the
 * WAF's BLOCK / CAPTCHA / CHALLENGE responses. When the client's body was not read, the
 * connection is closed after the response instead of swallowing an unknown body.
 */
import { STATUS_CODES, type IncomingMessage, type ServerResponse } from "node:http";
import { errorPage, reasonOf } from "./error-pages.js";
import { wireHeaderValue } from "./header-value.js";
import type { ListenerAction } from "./runtime-types.js";
import type { WafDecision } from "./types.js";

type Redirect = Extract<ListenerAction, { type: "redirect" }>;
type Fixed = Extract<ListenerAction, { type: "fixed-response" }>;

export function sendFixed(res: ServerResponse, a: Fixed, close: boolean): void {
  const body = Buffer.from(a.messageBody ?? "", "utf8");
  const headers: Array<string> = ["Server", "awselb/2.0", "Content-Type", a.contentType ?? "text/plain; charset=utf-8", "Content-Length", String(body.length)];
  if (close) headers.push("Connection", "close");
  res.writeHead(a.statusCode, headers);
  res.end(res.req.method === "HEAD" ? undefined : body);
}

function hostOnly(host: string | undefined, fallback: string): string {
  if (!host) return fallback;
  if (host.startsWith("[")) return host.slice(0, host.indexOf("]") + 1);
  const colon = host.indexOf(":");
  return colon < 0 ? host : host.slice(0, colon);
}

const K_PROTOCOL = 1;
const K_HOST = 2;
const K_PORT = 4;
const K_PATH = 8;
const K_QUERY = 16;

/**
 * `t` with the reserved keywords in `allowed` replaced by their values; any other `#{…}` stays
 * as written (the API refuses them, so only listeners stored before that check have any).
 */
function fill(t: string, allowed: number, protocol: string, host: string, port: string, path: string, query: string): string {
  let i = t.indexOf("#{");
  if (i < 0) return t;
  let out = "";
  let from = 0;
  while (i >= 0) {
    let v: string | undefined;
    let len = 0;
    if (allowed & K_HOST && t.startsWith("#{host}", i)) (v = host), (len = 7);
    else if (allowed & K_PATH && t.startsWith("#{path}", i)) (v = path), (len = 7);
    else if (allowed & K_PORT && t.startsWith("#{port}", i)) (v = port), (len = 7);
    else if (allowed & K_QUERY && t.startsWith("#{query}", i)) (v = query), (len = 8);
    else if (allowed & K_PROTOCOL && t.startsWith("#{protocol}", i)) (v = protocol), (len = 11);
    if (v === undefined) {
      i = t.indexOf("#{", i + 2);
      continue;
    }
    out += t.slice(from, i) + v;
    from = i + len;
    i = t.indexOf("#{", from);
  }
  return from === 0 ? t : out + t.slice(from);
}

/**
 * A configured component as the Location header can carry it: the API takes Host, Path and
 * Query "not percent-encoded", so they are written as configured ('%' included), except what
 * no header value may hold (spaces, control and non-ASCII characters; node:http throws on the
 * latter two): those are percent-encoded as UTF-8.
 */
function uriSafe(t: string): string {
  if (/^[\x21-\x7e]*$/.test(t)) return t;
  return t.replace(/[^\x21-\x7e]+/g, (s) => Array.from(Buffer.from(s, "utf8"), (b) => `%${b.toString(16).toUpperCase().padStart(2, "0")}`).join(""));
}

/**
 * The request's Host as the Location can carry it: a field value may hold spaces, tabs and
 * obs-text bytes (node reads them as latin1 characters), none of which a URI may; each such
 * byte is percent-encoded, so #{host} never yields a Location that is not a URI.
 */
function hostSafe(host: string): string {
  if (/^[\x21-\x7e]*$/.test(host)) return host;
  return host.replace(/[^\x21-\x7e]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}`);
}

/**
 * The Location an ALB redirect action produces for `req`. Each component takes only the
 * reserved keywords API_RedirectActionConfig allows it: Protocol #{protocol}, Port #{port},
 * Host #{host}, Path #{host}, #{path} and #{port}, Query all five.
 */
export function redirectLocation(req: IncomingMessage, a: Redirect, scheme: "http" | "https", listenerPort: number, fallbackHost: string): string {
  const uri = req.url ?? "/";
  const q = uri.indexOf("?");
  const rawPath = q < 0 ? uri : uri.slice(0, q);
  const path = rawPath.startsWith("/") ? rawPath.slice(1) : rawPath;
  const query = q < 0 ? "" : uri.slice(q + 1);
  const host = hostSafe(hostOnly(req.headers.host, fallbackHost));
  const listenerPortText = String(listenerPort);
  const proto = a.protocol === "#{protocol}" ? scheme : a.protocol.toLowerCase();
  const port = a.port === "#{port}" ? listenerPortText : a.port;
  const defaultPort = (proto === "https" && port === "443") || (proto === "http" && port === "80");
  let p = fill(uriSafe(a.path), K_HOST | K_PATH | K_PORT, scheme, host, listenerPortText, path, query);
  if (!p.startsWith("/")) p = `/${p}`;
  const qs = fill(uriSafe(a.query), K_PROTOCOL | K_HOST | K_PORT | K_PATH | K_QUERY, scheme, host, listenerPortText, path, query);
  return `${proto}://${fill(uriSafe(a.host), K_HOST, scheme, host, listenerPortText, path, query)}${defaultPort ? "" : `:${port}`}${p}${qs === "" ? "" : `?${qs}`}`;
}

export function sendRedirect(res: ServerResponse, status: 301 | 302, location: string, close: boolean): void {
  const headers = ["Server", "awselb/2.0", "Location", location, "Content-Type", "text/html", "Content-Length", "0"];
  if (close) headers.push("Connection", "close");
  res.writeHead(status, headers);
  res.end();
}

const DEFAULT_WAF_STATUS = { BLOCK: 403, CAPTCHA: 405, CHALLENGE: 202 } as const;

type WafResponse = NonNullable<WafDecision["response"]>;

/** Status, headers (flat) and body of the WAF's answer for a non-ALLOW decision. */
function wafAnswer(d: WafDecision, close: boolean): { status: number; headers: string[]; body: Buffer } {
  return answerOf(d.response, DEFAULT_WAF_STATUS[d.action === "ALLOW" ? "BLOCK" : d.action], close);
}

function answerOf(r: WafResponse | undefined, defaultStatus: number, close: boolean): { status: number; headers: string[]; body: Buffer } {
  const status = r?.status ?? defaultStatus;
  const body = r ? (typeof r.body === "string" ? Buffer.from(r.body, "utf8") : r.body) : errorPage(status);
  const headers: string[] = [];
  let hasType = false;
  let hasServer = false;
  for (const [k, v] of r?.headers ?? []) {
    const lower = k.toLowerCase();
    // The listener frames the answer itself (Content-Length, no trailers; node:http throws on a
    // Trailer field without chunked coding), so these names of a custom response are left out.
    if (lower === "content-length" || lower === "connection" || lower === "transfer-encoding" || lower === "trailer") continue;
    const wire = wireHeaderValue(v);
    if (wire === undefined) continue;
    if (lower === "content-type") hasType = true;
    if (lower === "server") hasServer = true;
    headers.push(k, wire);
  }
  if (!hasServer) headers.push("Server", "awselb/2.0");
  if (!hasType) headers.push("Content-Type", "text/html");
  headers.push("Content-Length", String(body.length));
  if (close) headers.push("Connection", "close");
  return { status, headers, body };
}

/** The WAF's answer for a non-ALLOW decision; returns the status sent. */
export function sendWafResponse(res: ServerResponse, d: WafDecision, close: boolean): number {
  return send(res, wafAnswer(d, close));
}

/** The web ACL's answer to a CAPTCHA or challenge solution (WafEvaluator.handleVerification); returns the status sent. */
export function sendVerification(res: ServerResponse, r: WafResponse, close: boolean): number {
  return send(res, answerOf(r, r.status, close));
}

function send(res: ServerResponse, { status, headers, body }: { status: number; headers: string[]; body: Buffer }): number {
  res.writeHead(status, headers);
  res.end(res.req.method === "HEAD" ? undefined : body);
  return status;
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** The WAF's answer as raw HTTP/1.1 bytes (the connection closes after it), for sockets without a ServerResponse. */
export function rawWafResponse(d: WafDecision): { status: number; bytes: Buffer } {
  return rawBytes(wafAnswer(d, true));
}

/**
 * A fixed-response or redirect action's answer as raw HTTP/1.1 bytes (the connection closes after
 * it), for an upgrade request: the listener's action applies to WebSocket requests as to others.
 */
export function rawActionResponse(req: IncomingMessage, a: Fixed | Redirect, scheme: "http" | "https", listenerPort: number, fallbackHost: string): { status: number; bytes: Buffer } {
  const r: WafResponse =
    a.type === "fixed-response"
      ? { status: a.statusCode, headers: [["Content-Type", a.contentType ?? "text/plain; charset=utf-8"]], body: a.messageBody ?? "" }
      : { status: a.statusCode, headers: [["Location", redirectLocation(req, a, scheme, listenerPort, fallbackHost)]], body: "" };
  return rawBytes(answerOf(r, r.status, true));
}

function rawBytes({ status, headers, body }: { status: number; headers: string[]; body: Buffer }): { status: number; bytes: Buffer } {
  let head = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? reasonOf(status)}\r\n`;
  for (let i = 0; i < headers.length; i += 2) {
    const name = headers[i] as string;
    const value = headers[i + 1] as string;
    // node:http refuses such fields in writeHead; written by hand they must be dropped here.
    if (!TOKEN.test(name) || /[\r\n\0]/.test(value)) continue;
    head += `${name}: ${value}\r\n`;
  }
  return { status, bytes: Buffer.concat([Buffer.from(head + "\r\n", "latin1"), body]) };
}
