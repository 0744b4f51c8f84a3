/**
 * Response heads (RFC 9112 §4, §6.3). Framing fields are the engine's alone: content-length is
 * always computed here, and a handler's own content-length, transfer-encoding, connection or
 * keep-alive field is dropped rather than trusted.
 */
import { STATUS_CODES } from "node:http";
import { INVALID_VALUE, TOKEN } from "./fields.js";

const statusLines: string[] = [];

function statusLine(status: number): string {
  let line = statusLines[status];
  if (line === undefined) {
    if (!Number.isInteger(status) || status < 100 || status > 999) throw new RangeError(`invalid HTTP status ${status}`);
    line = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? "Unknown"}\r\n`;
    statusLines[status] = line;
  }
  return line;
}

/** Response field names already checked (handlers use a handful). */
const validNames = new Set<string>();

function validName(name: string): boolean {
  if (validNames.has(name)) return true;
  if (!TOKEN.test(name)) return false;
  if (validNames.size < 1000) validNames.add(name);
  return true;
}

function isFramingField(name: string): boolean {
  const n = name.length;
  if (n !== 10 && n !== 14 && n !== 17) return false;
  const l = name.toLowerCase();
  return l === "connection" || l === "keep-alive" || l === "content-length" || l === "transfer-encoding";
}

/** How the connection continues after a response. */
export const KEEP_ALIVE = 0;
/** Persistent HTTP/1.0 connection: says so explicitly. */
export const KEEP_ALIVE_1_0 = 1;
export const CLOSE = 2;

/**
 * The head of a response with a body of `length` bytes. Throws (before anything is written) on a
 * field name that is not a token or a value with CR, LF or another CTL: header injection.
 */
export function responseHead(status: number, headers: Record<string, string>, length: number, connection: number, keepAliveSeconds: number): string {
  let head = statusLine(status);
  for (const name in headers) {
    const value = headers[name];
    if (typeof value !== "string" || INVALID_VALUE.test(value) || !validName(name)) throw new TypeError(`invalid response header ${JSON.stringify(name)}`);
    if (isFramingField(name)) continue;
    head += name + ": " + value + "\r\n";
  }
  // RFC 9110 §8.6: no Content-Length in 1xx and 204 responses.
  if (status >= 200 && status !== 204) head += "content-length: " + length + "\r\n";
  if (connection === CLOSE) head += "connection: close\r\n";
  else {
    if (connection === KEEP_ALIVE_1_0) head += "connection: keep-alive\r\n";
    // Clients (node's agent among them) retire idle connections before the server would.
    head += "keep-alive: timeout=" + keepAliveSeconds + "\r\n";
  }
  return head + "\r\n";
}

/**
 * The whole answer to a request refused by the parser or timed out; the connection closes. `date`
 * (an IMF-fixdate) is the Date field RFC 9110 §6.6.1 requires of a 4xx from a server with a clock.
 */
export function errorResponse(status: number, date?: string): string {
  return statusLine(status) + (date !== undefined ? "date: " + date + "\r\n" : "") + "content-length: 0\r\nconnection: close\r\n\r\n";
}

export const CONTINUE = Buffer.from("HTTP/1.1 100 Continue\r\n\r\n", "latin1");
