/**
 * Bulwark's own HTTP/1.1 server for the API endpoint, over node's `net` and `tls` sockets: a
 * strict parser (RFC 9112) and one write per response, without node:http's
 * IncomingMessage/ServerResponse stream machinery (13–17 µs per request on the serving core; see
 * bench/README.md).
 *
 * Timeouts follow the node:http(s) server this replaced (TLS handshake 120 s, keep-alive 65 s, head
 * 66 s, whole request 120 s; a response the client does not read for 120 s drops the connection) and are checked by one periodic sweep over the connections, like node's
 * connectionsCheckingInterval: nothing is armed per request.
 */
import net from "node:net";
import tls from "node:tls";
import { performance } from "node:perf_hooks";
import type { Socket } from "node:net";
import type { Listener, ListenerOptions } from "../api.js";
import { Http1Connection, type ConnectionContext, type Http1Limits } from "./connection.js";
import { apiTlsOptions, limitConnectionsPerIp, listenOn } from "../listen.js";

export type { Http1Limits } from "./connection.js";

export const DEFAULT_LIMITS: Readonly<Omit<Http1Limits, "maxBodyBytes">> = Object.freeze({
  maxHeaderBytes: 16 * 1024,
  maxFields: 100,
  keepAliveTimeoutMs: 65_000,
  headersTimeoutMs: 66_000,
  requestTimeoutMs: 120_000,
  sendTimeoutMs: 120_000,
  lingerMs: 2_000,
  handshakeTimeoutMs: 120_000,
});

export interface Http1ListenerOptions extends ListenerOptions {
  /** Overrides of DEFAULT_LIMITS (tests shrink the timeouts). */
  limits?: Partial<Omit<Http1Limits, "maxBodyBytes">>;
  /** How often timeouts are checked; a timeout fires up to this much late. */
  sweepIntervalMs?: number;
}

export async function startHttp1Listener(opts: Http1ListenerOptions): Promise<Listener> {
  const limits: Http1Limits = { ...DEFAULT_LIMITS, ...opts.limits, maxBodyBytes: opts.maxBodyBytes };
  const connections = new Set<Http1Connection>();
  const ctx: ConnectionContext = {
    limits,
    keepAliveSeconds: Math.floor(limits.keepAliveTimeoutMs / 1000),
    budget: opts.bodyBudget,
    bodyLimit: opts.bodyLimit,
    onRequest: opts.onRequest,
    clock: opts.clock,
    now: performance.now(),
    draining: false,
    closed: (c) => connections.delete(c),
  };
  const onSocket = (socket: Socket): void => {
    // allowHalfOpen: a client that half-closes after its request still gets the answer. On TLS
    // only once the handshake is done: a TLS server created half-open leaves a connection whose
    // client left mid-handshake open (CLOSE-WAIT) until the 120 s handshake timeout.
    socket.allowHalfOpen = true;
    connections.add(new Http1Connection(socket, ctx));
  };
  const server = opts.tls
    ? tls.createServer({ ...apiTlsOptions(opts.tls.certPem, opts.tls.keyPem, opts.tls.ciphers), handshakeTimeout: limits.handshakeTimeoutMs, noDelay: true }, onSocket)
    : net.createServer({ allowHalfOpen: true, noDelay: true }, onSocket);
  limitConnectionsPerIp(server, opts.maxConnectionsPerIp ?? 0);
  // Every TCP connection, TLS handshakes still under way included, so that shutdown can end them all.
  const sockets = new Set<Socket>();
  server.on("connection", (s: Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  server.on("tlsClientError", (_err: Error, socket: tls.TLSSocket) => {
    // Handshake failures (e.g. TLS 1.0/1.1 clients) are the client's problem: nothing to log per
    // attempt. A handshake that times out is reported here and nothing more: node's tls.Server
    // leaves that connection open (https.Server closes it), so a client that connects and sends
    // nothing, or half a ClientHello, would hold it, and its file descriptor, for ever.
    socket.destroy();
  });

  const interval = opts.sweepIntervalMs ?? 1000;
  const sweep = setInterval(() => {
    // Phases start at the previous sweep's time, up to one interval early: never time out before the limit.
    const now = performance.now() - interval;
    ctx.now = now + interval;
    for (const c of connections) c.check(now);
  }, interval);
  sweep.unref();

  const bound = await listenOn(server, opts.host, opts.port, opts.tls !== undefined);

  return {
    url: bound.url,
    port: bound.port,
    drain() {
      ctx.draining = true;
    },
    stopAccepting() {
      return new Promise<void>((resolve) =>
        server.close(() => {
          clearInterval(sweep);
          resolve();
        }),
      );
    },
    closeIdle() {
      for (const c of connections) if (c.isIdle()) c.close();
    },
    receiving() {
      let n = 0;
      for (const c of connections) if (c.isReceiving()) n++;
      return n;
    },
    destroyAll() {
      for (const c of connections) c.destroy();
      for (const s of sockets) s.destroy();
    },
  };
}
