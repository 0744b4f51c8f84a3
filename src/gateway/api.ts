/**
 * The request and response as the gateway sees them, whichever HTTP engine parsed the bytes
 * (src/gateway/http1/ by default, node:http behind BULWARK_HTTP_ENGINE=node).
 */

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
   * The whole body (decoded from chunked framing), or undefined when it is larger than the
   * listener's limit: then it was left unread and the connection closes after the answer.
   */
  body: Buffer | undefined;
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
  tls?: { certPem: string; keyPem: string };
  /** Larger request bodies are not read: the request arrives with `body: undefined`. */
  maxBodyBytes: number;
  /** Open connections one client address may hold; more are closed at once (0: no limit). */
  maxConnectionsPerIp?: number;
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
