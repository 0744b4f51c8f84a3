/**
 * A listener: one TCP port on the data-plane address, a real HTTP/1.1 (or HTTPS) reverse
 * proxy. Connections first pass Shield's connection guard (per-IP and per-listener limits)
 * on a plain TCP front; HTTPS connections then have their ClientHello fingerprinted
 * (JA3/JA4) before the TLS server takes them over. node:http enforces the header-size
 * limit (400, as ALB answers it), the header read timeout (slowloris, 408) and requests per
 * connection.
 *
 * An HTTPS listener runs one TLS server per certificate: the default certificate's, and one for
 * each certificate of its certificate list. The ClientHello read before the handshake (SNI host
 * name, key types the client accepts) picks the server (tls/sni-selection.ts). node's
 * SNICallback is not used: it adds the chosen certificate to the connection but leaves the
 * default certificate in its key type's slot, so a TLS 1.3 client preferring ECDSA would still
 * be shown an ECDSA default instead of a listed RSA certificate.
 */
import http from "node:http";
import https from "node:https";
import net from "node:net";
import type { TLSSocket } from "node:tls";
import { performance } from "node:perf_hooks";
import { rawErrorResponse } from "./error-pages.js";
import { Exchange, identityCodings, supportedTransferEncoding } from "./exchange.js";
import type { ListenerContext } from "./listener-context.js";
import { PortUnavailableError, type ListenerSpec, type ListenerTls, type LoadBalancerSettings } from "./runtime-types.js";
import { ConnectionGuard, normalizeIp } from "./shield/connection-guard.js";
import { sniffClientHello, type TlsFingerprint } from "./tls/hello-sniffer.js";
import { SniTable, type SniCertificate, type TlsMinVersion } from "./tls/sni-table.js";
import { COMPLIANT, classifyRequest } from "./desync.js";
import { answerConnect, answerUnknownMethod, refusedRequestHead, unsupportedTransferCoding } from "./unforwardable.js";
import { handleUpgrade } from "./upgrade.js";

function secureOptions(tls: ListenerTls): { cert: string; key: string; minVersion: ListenerTls["minVersion"] } {
  return { cert: tls.certPem, key: tls.keyPem, minVersion: tls.minVersion };
}

export class Listener {
  spec: ListenerSpec;
  readonly guard: ConnectionGuard;
  private readonly front: net.Server;
  /** HTTP: the server; HTTPS: the TLS server presenting the default certificate. */
  private readonly server: http.Server;
  /** HTTPS: a TLS server per certificate of the certificate list, picked by the client's ClientHello. */
  private readonly listed: SniTable<https.Server> | undefined;
  private readonly options: http.ServerOptions;
  private readonly requests = (req: http.IncomingMessage, res: http.ServerResponse): void => this.onRequest(req, res);
  private listening = false;
  private readonly sockets = new Set<net.Socket>();
  /** Fingerprints by "address|port" of the raw connection (the TLS socket shares both). */
  private readonly fingerprints = new Map<string, TlsFingerprint>();
  /** When each client connection was accepted (client_keep_alive.seconds). */
  private readonly born = new WeakMap<object, number>();
  /** The last request the parser handed over on each client connection. */
  private readonly lastRequest = new WeakMap<object, http.IncomingMessage>();
  private closing = false;

  constructor(
    spec: ListenerSpec,
    private readonly ctx: ListenerContext,
    private readonly host: string,
  ) {
    this.spec = spec;
    const limits = ctx.limits;
    this.guard = new ConnectionGuard(limits.maxConnectionsPerIp, limits.maxConnections);
    const settings = ctx.loadBalancer(spec.loadBalancerArn)?.settings;
    this.options = {
      maxHeaderSize: limits.maxHeaderBytes,
      headersTimeout: limits.headerTimeoutMs,
      // Bodies are guarded by idle time and rate (RequestBody), not by a total deadline.
      requestTimeout: 0,
      keepAliveTimeout: (settings?.idleTimeoutSeconds ?? 60) * 1000,
      connectionsCheckingInterval: Math.min(1000, Math.max(50, Math.floor(limits.headerTimeoutMs / 4))),
      noDelay: true,
    };
    if (spec.protocol === "HTTPS") {
      if (!spec.tls) throw new Error("HTTPS listener without TLS material");
      this.server = this.tlsServer(spec.tls.certPem, spec.tls.keyPem, spec.tls.minVersion);
      this.listed = new SniTable(
        (c: SniCertificate, minVersion: TlsMinVersion) => this.tlsServer(c.certPem, c.keyPem, minVersion),
        // Connections it holds finish on their own (and are cut by close()).
        (s) => s.close(() => {}),
      );
      this.listed.set(spec.tls.certificates ?? [], spec.tls.minVersion);
    } else {
      this.server = this.wire(http.createServer(this.options, this.requests));
      this.server.on("connection", (s: net.Socket) => this.born.set(s, performance.now()));
      this.listed = undefined;
    }
    this.front = net.createServer({ noDelay: true }, (socket) => this.onConnection(socket));
  }

  /** A TLS server presenting one certificate (the HTTP handling is the same for all). */
  private tlsServer(certPem: string, keyPem: string, minVersion: TlsMinVersion): https.Server {
    const server = https.createServer(
      { ...this.options, cert: certPem, key: keyPem, minVersion, ALPNProtocols: ["http/1.1"], handshakeTimeout: this.ctx.limits.headerTimeoutMs },
      this.requests,
    );
    server.on("secureConnection", (s: TLSSocket) => this.born.set(s, performance.now()));
    server.on("tlsClientError", () => {});
    this.wire(server);
    // Start its connection checks (header timeout) as listen() does for the others.
    if (this.listening) server.emit("listening");
    return server;
  }

  private wire<S extends http.Server>(server: S): S {
    server.maxRequestsPerSocket = this.ctx.limits.maxRequestsPerConnection;
    server.on("clientError", (err: NodeJS.ErrnoException, socket: net.Socket) => this.onClientError(err, socket));
    server.on("upgrade", (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => handleUpgrade(this.ctx, this.spec, req, socket, head));
    server.on("connect", (req: http.IncomingMessage, socket: net.Socket) => answerConnect(this.facts(socket), req));
    return server;
  }

  private allServers(): http.Server[] {
    return [this.server, ...(this.listed?.values() ?? [])];
  }

  get port(): number {
    return this.spec.port;
  }

  listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      const onError = (e: NodeJS.ErrnoException): void => {
        this.front.off("listening", onListening);
        reject(new PortUnavailableError(this.spec.port, this.host, "os", undefined, e.code));
      };
      const onListening = (): void => {
        this.front.off("error", onError);
        this.front.on("error", () => {});
        // The HTTP servers never listen themselves (the front hands them connections), so
        // start their connection checks (header timeout) the way listen() would.
        this.listening = true;
        for (const s of this.allServers()) s.emit("listening");
        resolve();
      };
      this.front.once("error", onError);
      this.front.once("listening", onListening);
      this.front.listen({ host: this.host, port: this.spec.port, exclusive: true, backlog: 1024 });
    });
  }

  /** New action / certificates on the same port and protocol; unusable TLS material throws and changes nothing. */
  update(spec: ListenerSpec): void {
    const before = this.spec.tls;
    if (spec.tls && spec.protocol === "HTTPS" && this.listed && spec.tls !== before) {
      const server = this.server as https.Server;
      const sameDefault = before && before.certPem === spec.tls.certPem && before.keyPem === spec.tls.keyPem && before.minVersion === spec.tls.minVersion;
      if (!sameDefault) server.setSecureContext(secureOptions(spec.tls));
      try {
        this.listed.set(spec.tls.certificates ?? [], spec.tls.minVersion);
      } catch (e) {
        if (!sameDefault && before) server.setSecureContext(secureOptions(before));
        throw e;
      }
    }
    this.spec = spec;
  }

  applySettings(s: LoadBalancerSettings): void {
    // Servers created later (certificates added to the list) start from the options.
    this.options.keepAliveTimeout = s.idleTimeoutSeconds * 1000;
    for (const server of this.allServers()) server.keepAliveTimeout = s.idleTimeoutSeconds * 1000;
  }

  /** Stops accepting at once; open connections get `graceMs` to finish, then are cut. */
  async close(graceMs: number): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    await new Promise<void>((resolve) => {
      this.front.close();
      // Resolves once the listening socket is closed; connections are handled below.
      setImmediate(resolve);
    });
    for (const server of this.allServers()) {
      server.close(() => {});
      server.closeIdleConnections();
    }
    const until = performance.now() + graceMs;
    while (this.sockets.size > 0 && performance.now() < until) await new Promise((r) => setTimeout(r, 20));
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
  }

  openConnections(): number {
    return this.sockets.size;
  }

  private onConnection(socket: net.Socket): void {
    const ip = normalizeIp(socket.remoteAddress);
    if (this.closing || !this.guard.admit(ip)) {
      socket.destroy();
      return;
    }
    this.sockets.add(socket);
    socket.on("error", () => {});
    const key = `${socket.remoteAddress}|${socket.remotePort}`;
    socket.once("close", () => {
      this.sockets.delete(socket);
      this.guard.release(ip);
      this.fingerprints.delete(key);
    });
    if (this.spec.protocol !== "HTTPS") {
      this.server.emit("connection", socket);
      return;
    }
    sniffClientHello(socket, this.ctx.limits.headerTimeoutMs, (fp) => {
      if (fp) this.fingerprints.set(key, fp);
      // The certificate list's server for the client's host name, else the default certificate's.
      const server = (fp && this.listed?.select(fp.serverName, fp.accepts)) || this.server;
      server.emit("connection", socket);
    });
  }

  private onRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    const sock = req.socket;
    this.lastRequest.set(sock, req);
    const settings = this.ctx.loadBalancer(this.spec.loadBalancerArn)?.settings;
    const born = this.born.get(sock);
    if (this.closing || (settings && born !== undefined && performance.now() - born > settings.clientKeepAliveSeconds * 1000)) {
      res.shouldKeepAlive = false;
    }
    const fp = this.spec.protocol === "HTTPS" ? this.fingerprints.get(`${sock.remoteAddress}|${sock.remotePort}`) : undefined;
    new Exchange(this.ctx, this.spec, req, res, fp).run();
  }

  private facts(socket: net.Socket): { ctx: ListenerContext; spec: ListenerSpec; socket: net.Socket; fingerprint: TlsFingerprint | undefined } {
    const fingerprint = this.spec.protocol === "HTTPS" ? this.fingerprints.get(`${socket.remoteAddress}|${socket.remotePort}`) : undefined;
    return { ctx: this.ctx, spec: this.spec, socket, fingerprint };
  }

  /**
   * A request node's parser refused is still counted when it is non-compliant
   * (DesyncMitigationMode_NonCompliant_Request_Count): e.g. both Transfer-Encoding and
   * Content-Length, or repeated Content-Length. It is answered 400 in every mode: the parser
   * cannot frame it, so it cannot be forwarded even where ALB would (monitor, or defensive for
   * an Ambiguous one).
   */
  private countRefused(err: { rawPacket?: Buffer; bytesParsed?: number }): void {
    const head = refusedRequestHead(err, this.ctx.limits.maxHeaderBytes);
    if (head === undefined) return;
    const v = classifyRequest(head.method, head.target, head.version, head.headers.flat());
    if (v !== COMPLIANT) this.ctx.desync.count(this.spec.loadBalancerArn, v);
  }

  private onClientError(err: NodeJS.ErrnoException, socket: net.Socket): void {
    // llhttp refuses a Transfer-Encoding whose last coding is not chunked only after handing the
    // request over: its Exchange answers it (501 for an unsupported coding; `identity` alone is
    // forwarded without a body) and closes the connection, in its turn after the responses
    // before it on a pipelined connection. Nothing else is parsed.
    if (err.code === "HPE_INVALID_TRANSFER_ENCODING") {
      const last = this.lastRequest.get(socket);
      const te = last?.headers["transfer-encoding"];
      if (last && !last.complete && te !== undefined && (!supportedTransferEncoding(te) || identityCodings(te))) return;
    }
    if (err.code?.startsWith("HPE_")) this.countRefused(err as { rawPacket?: Buffer; bytesParsed?: number });
    // A response already on the wire (pipelining) cannot be followed by an error page.
    const inFlight = (socket as net.Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
    if (err.code === "ECONNRESET" || !socket.writable || inFlight?.headersSent) {
      socket.destroy();
      return;
    }
    // A method the parser does not know: the web ACL still judges the request (unforwardable.ts).
    // Behind a response still being produced (pipelining) it is refused as a parse error.
    if (err.code === "HPE_INVALID_METHOD" && !inFlight && answerUnknownMethod(this.facts(socket), err)) return;
    // A header block over the limit is a malformed request to ALB: 400, like the other parse errors.
    const status =
      err.code === "ERR_HTTP_REQUEST_TIMEOUT" || err.code === "ERR_HTTP_HEADERS_TIMEOUT"
        ? 408
        : err.code === "HPE_INVALID_TRANSFER_ENCODING" && unsupportedTransferCoding(err as { rawPacket?: Buffer }, this.ctx.limits.maxHeaderBytes)
          ? 501
          : 400;
    socket.end(rawErrorResponse(status));
  }
}
