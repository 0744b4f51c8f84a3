/**
 * The request and response as the gateway sees them, whichever HTTP engine parsed the bytes
 * (src/gateway/http1/ by default, node:http behind BULWARK_HTTP_ENGINE=node).
 */
import type { Clock } from "../core/clock.js";
import type { BodyBudget } from "./body-budget.js";

/** A TLS connection's negotiated protocol ("TLSv1.3") and cipher suite (OpenSSL's name, e.g. "TLS_AES_256_GCM_SHA384"). */
export interface TlsInfo {
  version: string;
  cipher: string;
}

/** What a TLS socket negotiated, or undefined for a plain socket or before the handshake. */
export function tlsInfoOf(socket: object): TlsInfo | undefined {
  const s = socket as { encrypted?: boolean; getProtocol?: () => string | null; getCipher?: () => { name?: string } | undefined };
  if (s.encrypted !== true || typeof s.getProtocol !== "function" || typeof s.getCipher !== "function") return undefined;
  const version = s.getProtocol();
  const cipher = s.getCipher()?.name;
  return typeof version === "string" && typeof cipher === "string" ? { version, cipher } : undefined;
}

/**
 * Why a request arrives without its body: larger than the listener's limit (`too-large`, 413), or
 * no room left in the budget shared by bodies being received (`busy`, 503). Either way the body was
 * left unread and the connection closes after the answer.
 */
export type UnreadBody = "too-large" | "busy";

/** Node-style header map: lower-case names, repeated fields merged as node's IncomingMessage merges them. */
export type ApiHeaders = Record<string, string | string[] | undefined>;

export interface ApiRequest {
  method: string;
  /** The request-target in origin form (path and query, still percent-encoded), or "*". */
  url: string;
  headers: ApiHeaders;
  /** Field names as sent and their values, alternating, in arrival order (SigV4 canonicalises from these). */
  rawHeaders: string[];
  /** The peer's address as the socket reports it (IPv4-mapped IPv6 included). */
  remoteAddress: string;
  /** The TLS session the request came over (none for plain HTTP), for CloudTrail's tlsDetails. */
  tls?: TlsInfo;
  /**
   * The whole body (decoded from chunked framing), or undefined when it was left unread (`unread`
   * says why): then the connection closes after the answer.
   */
  body: Buffer | undefined;
  /** Set when `body` is undefined. */
  unread?: UnreadBody;
}

export interface ApiResponder {
  /**
   * Sends the whole response once. The engine adds content-length (and connection: close when the
   * connection ends after it) and leaves the body out for HEAD; header values must be valid field
   * values (it throws otherwise, before anything is written).
   */
  send(status: number, headers: Record<string, string>, body?: Buffer | string): void;
  /** Whether send() has been called. */
  readonly sent: boolean;
}

export type ApiHandler = (req: ApiRequest, res: ApiResponder, secure: boolean) => Promise<void>;

/** What an HTTP engine needs to serve the API. */
export interface ListenerOptions {
  host: string;
  port: number;
  /** `ciphers`: the TLS 1.2 cipher list (OpenSSL syntax), else listen.ts's default. */
  tls?: { certPem: string; keyPem: string; ciphers?: string };
  /** Larger request bodies are not read: the request arrives with `body: undefined`. */
  maxBodyBytes: number;
  /**
   * The largest body of one request, from its head (capped at maxBodyBytes): a larger one is not
   * read and the request arrives with `unread: "too-large"`. None: maxBodyBytes for every request.
   */
  bodyLimit?: (headers: ApiHeaders, url: string) => number;
  /** Open connections one client address may hold; more are closed at once (0: no limit). */
  maxConnectionsPerIp?: number;
  /**
   * Memory for bodies being received, shared with every other listener given the same budget; a
   * body that does not fit is not read and the request arrives with `unread: "busy"`. None: no bound.
   */
  bodyBudget?: BodyBudget;
  /**
   * The service clock, for the Date field of the answers the engine writes itself (a refused
   * request head or a timeout: 400, 408, 417, 431, 501, 505): RFC 9110 §6.6.1 wants it on every 4xx. None: no Date.
   */
  clock?: Clock;
  onRequest: (req: ApiRequest, res: ApiResponder) => void;
}

/** A listening HTTP engine, with the handles graceful shutdown needs. */
export interface Listener {
  url: string;
  port: number;
  /** From now on every response closes its connection. */
  drain(): void;
  /** Stops accepting connections; resolves once every connection has closed. */
  stopAccepting(): Promise<void>;
  /** Closes connections that wait for a next request and have received none of it. */
  closeIdle(): void;
  /** Requests received in part (head or body still arriving): not yet handed to onRequest. */
  receiving(): number;
  /** Closes every connection now. */
  destroyAll(): void;
}
