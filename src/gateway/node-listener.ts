/**
 * The API endpoint on node:http(s) (BULWARK_HTTP_ENGINE=node): the engine Bulwark used before
 * src/gateway/http1/, kept as a fallback. Same contract as the http1 listener: the body is read
 * (bounded) before the handler sees the request.
 */
import http from "node:http";
import https from "node:https";
import type { Socket } from "node:net";
import { tlsInfoOf, type ApiRequest, type ApiResponder, type Listener, type ListenerOptions, type UnreadBody } from "./api.js";
import { apiTlsOptions, limitConnectionsPerIp, listenOn } from "./listen.js";
import { BodyParts } from "./body-parts.js";
import type { BodyBudget } from "./body-budget.js";

const EMPTY = Buffer.alloc(0);

/**
 * The body, or why it was left unread (the rest is discarded): larger than `limit`, or no room
 * in `budget` (a declared length is reserved up front, a chunked body as its data arrives). What
 * was reserved is released once the body is complete, refused or aborted.
 */
function readBody(req: http.IncomingMessage, limit: number, budget: BodyBudget | undefined): Promise<Buffer | UnreadBody> {
  return new Promise((resolve, reject) => {
    const declared = req.headers["content-length"];
    if (declared !== undefined && Number(declared) > limit) {
      req.resume();
      resolve("too-large");
      return;
    }
    let reserved = 0;
    const release = (): void => {
      if (reserved === 0) return;
      budget?.release(reserved);
      reserved = 0;
    };
    // A Content-Length body reserves its declared length up front (node framed it: digits only).
    const length = declared !== undefined ? Number(declared) : 0;
    if (budget !== undefined && length > 0) {
      if (!budget.tryReserve(length)) {
        req.resume();
        resolve("busy");
        return;
      }
      reserved = length;
    }
    // One "data" event per chunk of a chunked body: collected without an object per event.
    const parts = new BodyParts();
    const refuse = (why: UnreadBody): void => {
      req.off("data", onData);
      parts.reset();
      release();
      req.resume();
      resolve(why);
    };
    const onData = (c: Buffer): void => {
      if (parts.size + c.length > limit) return refuse("too-large");
      if (budget !== undefined && declared === undefined) {
        if (!budget.tryReserve(c.length)) return refuse("busy");
        reserved += c.length;
      }
      parts.push(c);
    };
    req.on("data", onData);
    req.on("end", () => {
      const body = parts.take();
      release();
      resolve(body);
    });
    req.on("close", () => {
      release();
      if (!req.complete) reject(new Error("request aborted"));
    });
  });
}

class NodeResponder implements ApiResponder {
  sent = false;

  constructor(
    private readonly res: http.ServerResponse,
    private readonly closeAfter: () => boolean,
  ) {}

  send(status: number, headers: Record<string, string>, body?: Buffer | string): void {
    if (this.sent) throw new Error("response already sent");
    const bytes = body === undefined ? EMPTY : typeof body === "string" ? Buffer.from(body, "utf8") : body;
    const res = this.res;
    // After an unread (oversize) body, or while draining, the connection cannot be reused.
    if (this.closeAfter()) {
      res.shouldKeepAlive = false;
      res.setHeader("connection", "close");
    }
    // RFC 9110 §8.6: no Content-Length in 1xx and 204 responses.
    if (status >= 200 && status !== 204) res.setHeader("content-length", bytes.length);
    res.writeHead(status, headers);
    this.sent = true;
    res.end(bytes);
  }
}

export async function startNodeListener(opts: ListenerOptions): Promise<Listener> {
  let draining = false;
  let receiving = 0;
  const listener = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    // node:http serves HTTP/0.9 simple requests and any "HTTP/d.d" version; only 1.0 and 1.1 are
    // (as in the http1 engine: 505, then close).
    if (req.httpVersionMajor !== 1) {
      res.shouldKeepAlive = false;
      res.writeHead(505, { "content-length": "0", connection: "close" });
      res.end();
      req.resume();
      return;
    }
    receiving++;
    const limit = opts.bodyLimit === undefined ? opts.maxBodyBytes : Math.min(opts.maxBodyBytes, opts.bodyLimit(req.headers, req.url ?? "/"));
    readBody(req, limit, opts.bodyBudget).then(
      (read) => {
        receiving--;
        const body = typeof read === "string" ? undefined : read;
        const responder = new NodeResponder(res, () => draining || body === undefined);
        const apiReq: ApiRequest = { method: req.method ?? "GET", url: req.url ?? "/", headers: req.headers, rawHeaders: req.rawHeaders, remoteAddress: req.socket.remoteAddress ?? "", body };
        if (typeof read === "string") apiReq.unread = read;
        const tlsInfo = tlsInfoOf(req.socket);
        if (tlsInfo !== undefined) apiReq.tls = tlsInfo;
        opts.onRequest(apiReq, responder);
      },
      () => {
        receiving--;
        res.destroy();
      },
    );
  };
  const server: http.Server = opts.tls
    ? https.createServer(apiTlsOptions(opts.tls.certPem, opts.tls.keyPem, opts.tls.ciphers), listener)
    : http.createServer(listener);
  limitConnectionsPerIp(server, opts.maxConnectionsPerIp ?? 0);
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  server.requestTimeout = 120_000;
  const sockets = new Set<Socket>();
  server.on("connection", (s: Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  server.on("tlsClientError", () => {
    /* handshake failures (e.g. TLS 1.0/1.1 clients) are the client's problem; nothing to log per attempt */
  });

  const bound = await listenOn(server, opts.host, opts.port, opts.tls !== undefined);
  return {
    url: bound.url,
    port: bound.port,
    drain() {
      draining = true;
    },
    stopAccepting() {
      return new Promise<void>((r) => server.close(() => r()));
    },
    closeIdle() {
      server.closeIdleConnections();
    },
    receiving: () => receiving,
    destroyAll() {
      for (const s of sockets) s.destroy();
    },
  };
}
