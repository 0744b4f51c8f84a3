/**
 * Request headers as the target receives them: the client's headers in their original
 * order and spelling, minus hop-by-hop headers, plus what an Application Load Balancer
 * adds: X-Forwarded-For (append / preserve / remove), X-Forwarded-Proto, X-Forwarded-Port,
 * X-Amzn-Trace-Id (Root, or Self in front of a client's Root), optional TLS facts, and the
 * WAF's inserted headers.
 */
import { randomBytes } from "node:crypto";
import type { Socket } from "node:net";
import type { TLSSocket } from "node:tls";
import { wireHeaderValue } from "./header-value.js";
import type { XffMode } from "./runtime-types.js";

/** Never forwarded: they describe the client connection, not the request. */
const HOP_BY_HOP = new Set(["connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade"]);
/**
 * Answered at this hop, not forwarded: the listener's HTTP server sends "100 Continue" itself
 * before reading a body, so the target gets the body without being asked to wait for it.
 */
const ANSWERED_HERE = "expect";
/** Replaced by the load balancer's own values. */
const REPLACED = new Set(["x-forwarded-proto", "x-forwarded-port"]);
/**
 * The TLS facts the listener adds when routing.http.x_amzn_tls_version_and_cipher_suite.enabled
 * is on. They describe this hop's handshake, so a client's own header of the same name is left
 * out then, as X-Forwarded-Proto/-Port are: a target must be able to trust them. With the
 * attribute off, the load balancer adds nothing and such a header passes like any other.
 */
const TLS_FACTS = new Set(["x-amzn-tls-version", "x-amzn-tls-cipher-suite"]);
const VALID_NAME = /^[A-Za-z0-9-]+$/;

export interface ForwardFacts {
  clientIp: string;
  clientPort: number;
  scheme: "http" | "https";
  listenerPort: number;
  xffMode: XffMode;
  xffClientPort: boolean;
  dropInvalidHeaderFields: boolean;
  /**
   * routing.http.preserve_host_header.enabled. When false (ALB's default) a Host without a port
   * gets the listener port appended unless that port is 80 or 443.
   */
  preserveHostHeader: boolean;
  /** Host for a request that has none (HTTP/1.0): ALB sends its DNS name. */
  defaultHost?: string;
  /** This hop's trace id, "1-<8 hex seconds>-<24 hex>". */
  traceId: string;
  insert?: ReadonlyArray<readonly [string, string]>;
  /** x-amzn-tls-version / x-amzn-tls-cipher-suite, when the attribute is on. */
  tls?: { version: string; cipher: string };
  /** Keep Connection/Upgrade (WebSocket upgrade requests). */
  upgrade?: boolean;
}

/**
 * The negotiated protocol and cipher (OpenSSL names) of an HTTPS listener's client connection,
 * when the load balancer's x_amzn_tls_version_and_cipher_suite attribute is on.
 */
export function tlsFacts(enabled: boolean, protocol: "HTTP" | "HTTPS", socket: Socket): { version: string; cipher: string } | undefined {
  const sock = socket as TLSSocket;
  if (!enabled || protocol !== "HTTPS" || typeof sock.getProtocol !== "function") return undefined;
  return { version: sock.getProtocol() ?? "", cipher: sock.getCipher()?.name ?? "" };
}

/** Past this many bytes of request headers the trace header is rewritten to a Root alone. */
const TRACE_HEADERS_LIMIT = 7 * 1024;

/** Per-process random prefix + counter: unique ids without a CSPRNG call per request. */
const TRACE_PREFIX = randomBytes(6).toString("hex");
let traceCounter = 0;

export function newTraceId(nowMs: number): string {
  traceCounter = (traceCounter + 1) % 0xffffffffffff;
  return `1-${Math.floor(nowMs / 1000).toString(16).padStart(8, "0")}-${TRACE_PREFIX}${traceCounter.toString(16).padStart(12, "0")}`;
}

function connectionTokens(raw: readonly string[]): Set<string> | undefined {
  let out: Set<string> | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    if ((raw[i] as string).length !== 10 || (raw[i] as string).toLowerCase() !== "connection") continue;
    for (const tok of (raw[i + 1] as string).split(",")) {
      const t = tok.trim().toLowerCase();
      if (t !== "" && t !== "close" && t !== "keep-alive" && t !== "upgrade") (out ??= new Set()).add(t);
    }
  }
  return out;
}

/** Flat [name, value, name, value, …] for node:http's request(). */
export function forwardedHeaders(raw: readonly string[], f: ForwardFacts): string[] {
  const out: string[] = [];
  const extraHop = connectionTokens(raw);
  let xff: string | undefined;
  let trace: string | undefined;
  // The request's header block as sent ("name: value\r\n" each), for the trace header's 7 KB rule.
  let headerBytes = 0;
  let sawHost = false;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    const value = raw[i + 1] as string;
    headerBytes += name.length + value.length + 4;
    const lower = name.toLowerCase();
    if (HOP_BY_HOP.has(lower)) {
      if (f.upgrade && (lower === "connection" || lower === "upgrade")) out.push(name, value);
      continue;
    }
    if (REPLACED.has(lower) || extraHop?.has(lower) || (lower === ANSWERED_HERE && !f.upgrade)) continue;
    if (f.tls && TLS_FACTS.has(lower)) continue;
    if (lower === "x-forwarded-for") {
      xff = xff === undefined ? value : `${xff}, ${value}`;
      continue;
    }
    if (lower === "x-amzn-trace-id") {
      trace ??= value;
      continue;
    }
    if (f.dropInvalidHeaderFields && !VALID_NAME.test(name)) continue;
    if (lower.length === 4 && lower === "host") {
      sawHost = true;
      if (value !== "" && !f.preserveHostHeader && f.listenerPort !== 80 && f.listenerPort !== 443 && !hasPort(value)) {
        out.push(name, `${value}:${f.listenerPort}`);
        continue;
      }
    }
    out.push(name, value);
  }
  // "For HTTP/1.0 requests from clients that do not have a host header, the load balancer
  // generates a host header ... The host header contains the DNS name of the load balancer."
  if (!sawHost && f.defaultHost) out.push("Host", f.listenerPort !== 80 && f.listenerPort !== 443 ? `${f.defaultHost}:${f.listenerPort}` : f.defaultHost);
  const client = f.xffClientPort ? (f.clientIp.includes(":") ? `[${f.clientIp}]:${f.clientPort}` : `${f.clientIp}:${f.clientPort}`) : f.clientIp;
  if (f.xffMode === "append") out.push("X-Forwarded-For", xff === undefined || xff.trim() === "" ? client : `${xff}, ${client}`);
  else if (f.xffMode === "preserve" && xff !== undefined) out.push("X-Forwarded-For", xff);
  out.push("X-Forwarded-Proto", f.scheme, "X-Forwarded-Port", String(f.listenerPort));
  // "If the HTTP headers are greater than 7 KB, the load balancer rewrites the X-Amzn-Trace-Id
  // header with a Root field" (ALB request tracing, limitations).
  out.push("X-Amzn-Trace-Id", headerBytes > TRACE_HEADERS_LIMIT ? `Root=${f.traceId}` : traceHeader(trace, f.traceId));
  if (f.tls) out.push("x-amzn-tls-version", f.tls.version, "x-amzn-tls-cipher-suite", f.tls.cipher);
  if (f.insert) {
    for (const [k, v] of f.insert) {
      const wire = wireHeaderValue(v);
      if (wire !== undefined) out.push(k, wire);
    }
  }
  return out;
}

/** A Host value with a port ("h:8080", "[::1]:8080"; not "[::1]"). */
function hasPort(host: string): boolean {
  const colon = host.lastIndexOf(":");
  return colon >= 0 && colon > host.lastIndexOf("]");
}

/** ALB: no header → Root=<id>; a client Root is kept and this hop adds Self=<id> in front. */
export function traceHeader(incoming: string | undefined, id: string): string {
  if (incoming === undefined || incoming.trim() === "") return `Root=${id}`;
  const fields = incoming
    .split(";")
    .map((s) => s.trim())
    .filter((s) => s !== "" && !/^self=/i.test(s));
  const hasRoot = fields.some((s) => /^root=/i.test(s));
  return hasRoot ? [`Self=${id}`, ...fields].join(";") : [`Root=${id}`, ...fields].join(";");
}

/** Hop-by-hop headers of a target's response are not passed to the client. */
export function responseHeaders(raw: readonly string[], keepUpgrade = false): string[] {
  const extraHop = connectionTokens(raw);
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    const lower = name.toLowerCase();
    if (HOP_BY_HOP.has(lower) && !(keepUpgrade && (lower === "connection" || lower === "upgrade"))) continue;
    if (extraHop?.has(lower)) continue;
    out.push(name, raw[i + 1] as string);
  }
  return out;
}
