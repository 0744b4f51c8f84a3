/**
 * The network listener: HTTPS (TLS 1.2+) by default, plain HTTP only when asked for.
 * /health, /metrics and the public documents (GET under `publicDocuments.prefix`, e.g. outbound
 * identity federation's OpenID discovery) are answered here; everything else goes through the pipeline.
 */
import http from "node:http";
import https from "node:https";
import type { AddressInfo, Socket } from "node:net";
import type { Logger } from "pino";
import type { GatewayMetrics } from "./metrics.js";

/** How long a draining server still accepts requests on already-open connections. */
const STRAGGLER_MS = 300;

export interface ServerOptions {
  host: string;
  port: number;
  tls?: { certPem: string; keyPem: string };
  logger: Logger;
  metrics: GatewayMetrics;
  handle: (req: http.IncomingMessage, res: http.ServerResponse, secure: boolean) => Promise<void>;
  health: () => Promise<{ ok: boolean; detail: Record<string, unknown> }>;
  /** Unauthenticated GET documents under `prefix` (a path starting and ending with "/"); `get` answers undefined for unknown paths (404). */
  publicDocuments?: { prefix: string; get(path: string): Promise<PublicDocument | undefined> };
}

/** A document served to anyone, e.g. an issuer's openid-configuration or JWKS. */
export interface PublicDocument {
  contentType: string;
  body: string;
  /** Cache-Control header value, if any. */
  cacheControl?: string;
}

export interface RunningServer {
  url: string;
  port: number;
  /** Stop accepting, let in-flight requests finish (up to graceMs), close idle connections. */
  close(graceMs: number): Promise<void>;
  inFlight(): number;
}

export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  const secure = opts.tls !== undefined;
  let inFlight = 0;
  let draining = false;
  let drained: (() => void) | undefined;

  const listener = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const url = req.url ?? "/";
    if (req.method === "GET" && (url === "/health" || url === "/metrics")) {
      void serveOps(url, res);
      return;
    }
    const docs = opts.publicDocuments;
    if (docs !== undefined && (req.method === "GET" || req.method === "HEAD") && url.startsWith(docs.prefix)) {
      void servePublic(docs, url, req.method === "HEAD", res);
      return;
    }
    inFlight++;
    if (draining) res.setHeader("connection", "close");
    opts.handle(req, res, secure).then(settled, (e: unknown) => {
      try {
        opts.logger.error({ err: e instanceof Error ? e.message : String(e) }, "request failed outside the pipeline");
        if (!res.headersSent) {
          res.writeHead(500, { "content-type": "application/json" });
          res.end('{"__type":"InternalFailure","message":"We encountered an internal error. Please try again."}');
        } else res.destroy();
      } finally {
        settled();
      }
    });
  };

  function settled(): void {
    inFlight--;
    if (draining && inFlight === 0) drained?.();
  }

  async function serveOps(url: string, res: http.ServerResponse): Promise<void> {
    try {
      if (url === "/health") {
        const h = await opts.health();
        const body = JSON.stringify({ status: h.ok && !draining ? "ok" : "unavailable", ...h.detail });
        res.writeHead(h.ok && !draining ? 200 : 503, { "content-type": "application/json" });
        res.end(body);
      } else {
        const body = await opts.metrics.registry.metrics();
        res.writeHead(200, { "content-type": opts.metrics.registry.contentType });
        res.end(body);
      }
    } catch {
      res.writeHead(500, { "content-type": "text/plain" });
      res.end("error\n");
    }
  }

  async function servePublic(docs: NonNullable<ServerOptions["publicDocuments"]>, url: string, head: boolean, res: http.ServerResponse): Promise<void> {
    try {
      // Documents are addressed by path alone: a query string is not part of the name.
      const q = url.indexOf("?");
      const doc = await docs.get(q === -1 ? url : url.slice(0, q));
      if (doc === undefined) {
        res.writeHead(404, { "content-type": "application/json" });
        res.end(head ? undefined : '{"message":"Not Found"}');
        return;
      }
      res.writeHead(200, {
        "content-type": doc.contentType,
        "content-length": Buffer.byteLength(doc.body),
        ...(doc.cacheControl !== undefined ? { "cache-control": doc.cacheControl } : {}),
      });
      res.end(head ? undefined : doc.body);
    } catch (e) {
      opts.logger.error({ err: e instanceof Error ? e.message : String(e) }, "public document failed");
      res.writeHead(500, { "content-type": "text/plain" });
      res.end("error\n");
    }
  }

  const server: http.Server = secure
    ? https.createServer({ cert: opts.tls!.certPem, key: opts.tls!.keyPem, minVersion: "TLSv1.2", ALPNProtocols: ["http/1.1"] }, listener)
    : http.createServer(listener);
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

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const addr = server.address() as AddressInfo;
  const hostForUrl = addr.family === "IPv6" ? `[${addr.address}]` : addr.address;
  const url = `${secure ? "https" : "http"}://${hostForUrl}:${addr.port}`;

  return {
    url,
    port: addr.port,
    inFlight: () => inFlight,
    async close(graceMs: number) {
      draining = true;
      const closed = new Promise<void>((r) => server.close(() => r()));
      // Requests already sent on open connections (or on connections accepted just before
      // the listener closed) still arrive for a short while: let them in before closing
      // idle connections; every response sent while draining carries "Connection: close".
      const deadline = Date.now() + graceMs;
      await new Promise<void>((r) => setTimeout(r, Math.min(STRAGGLER_MS, graceMs)));
      server.closeIdleConnections();
      while (inFlight > 0 && Date.now() < deadline) {
        await Promise.race([new Promise<void>((r) => (drained = r)), new Promise<void>((r) => setTimeout(r, Math.max(0, deadline - Date.now())))]);
      }
      server.closeIdleConnections();
      for (const s of sockets) s.destroy();
      await closed;
    },
  };
}
