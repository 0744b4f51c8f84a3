/**
 * The API endpoint: HTTPS (TLS 1.2+) by default, plain HTTP only when asked for, served by
 * Bulwark's HTTP/1.1 engine (src/gateway/http1/) or, with BULWARK_HTTP_ENGINE=node, by node:http.
 * /health, /metrics and the public documents (GET/HEAD under `publicDocuments.prefix`, e.g.
 * outbound identity federation's OpenID discovery) are answered here; everything else goes
 * through the pipeline.
 */
import type { Logger } from "pino";
import { Gauge } from "prom-client";
import type { Clock } from "../core/clock.js";
import type { ApiHandler, ApiRequest, ApiResponder, Listener, ListenerOptions } from "./api.js";
import type { GatewayMetrics } from "./metrics.js";
import { httpDate } from "./http-date.js";
import { startHttp1Listener } from "./http1/listener.js";
import { startNodeListener } from "./node-listener.js";
import { BodyBudget } from "./body-budget.js";

/** How long a draining server still accepts requests on already-open connections. */
const STRAGGLER_MS = 300;

export type HttpEngine = "http1" | "node";

export interface ServerOptions {
  host: string;
  port: number;
  tls?: { certPem: string; keyPem: string };
  /** Which HTTP implementation serves the endpoint (default http1). */
  engine?: HttpEngine;
  /** Larger request bodies are not read; the pipeline answers RequestEntityTooLarge. */
  maxBodyBytes: number;
  /** A lower limit for some requests, from their head (see ListenerOptions.bodyLimit). */
  bodyLimit?: ListenerOptions["bodyLimit"];
  /** Open connections one client address may hold (0: no limit). */
  maxConnectionsPerIp?: number;
  /**
   * Bytes all request bodies being received may hold together (0 or none: no limit); a body that
   * does not fit is not read and the pipeline answers ServiceUnavailable.
   */
  maxBufferedBodyBytes?: number;
  clock: Clock;
  logger: Logger;
  metrics: GatewayMetrics;
  handle: ApiHandler;
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

const INTERNAL_FAILURE = '{"__type":"InternalFailure","message":"We encountered an internal error. Please try again."}';

export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  const secure = opts.tls !== undefined;
  let inFlight = 0;
  let draining = false;

  /*
   * Requests are handed to the pipeline in batches: those read in one turn of the event loop (its
   * poll phase: every connection that had data) wait until that phase is over, then go to the
   * pipeline back to back, in arrival order. Dispatched one by one from each connection's read
   * callback instead, every request's pipeline ran between one connection's TLS record, HTTP
   * parsing and socket calls and the next one's, its code and data cold each time: the same
   * functions then cost two to three times what they cost run back to back (bench/README.md,
   * "Requests to the pipeline in batches"). The wait is the rest of one loop turn.
   */
  let waitingReq: ApiRequest[] = [];
  let waitingRes: ApiResponder[] = [];

  const onRequest = (req: ApiRequest, res: ApiResponder): void => {
    const url = req.url;
    // HEAD as GET (RFC 9110, 9.3.2): the engine sends the same head without the body, so a
    // load balancer's or orchestrator's HEAD health check sees the same status.
    if ((req.method === "GET" || req.method === "HEAD") && (url === "/health" || url === "/metrics")) {
      void serveOps(url, res);
      return;
    }
    const docs = opts.publicDocuments;
    if (docs !== undefined && (req.method === "GET" || req.method === "HEAD") && url.startsWith(docs.prefix)) {
      void servePublic(docs, url, res);
      return;
    }
    inFlight++;
    if (waitingReq.length === 0) setImmediate(dispatchWaiting);
    waitingReq.push(req);
    waitingRes.push(res);
  };

  function dispatchWaiting(): void {
    const reqs = waitingReq;
    const ress = waitingRes;
    waitingReq = [];
    waitingRes = [];
    for (let i = 0; i < reqs.length; i++) dispatch(reqs[i]!, ress[i]!);
  }

  function dispatch(req: ApiRequest, res: ApiResponder): void {
    let done: Promise<void>;
    try {
      done = opts.handle(req, res, secure);
    } catch (e) {
      done = Promise.reject(e);
    }
    done.then(settled, (e: unknown) => {
      try {
        opts.logger.error({ err: e instanceof Error ? e.message : String(e) }, "request failed outside the pipeline");
        if (!res.sent) res.send(500, { "content-type": "application/json", date: httpDate(opts.clock.now()) }, INTERNAL_FAILURE);
      } finally {
        settled();
      }
    });
  }

  function settled(): void {
    inFlight--;
  }

  /** Sends, and makes a failure to send (a bug) visible instead of an unhandled rejection. */
  function reply(res: ApiResponder, status: number, contentType: string, body: string, extra?: Record<string, string>): void {
    try {
      res.send(status, { "content-type": contentType, date: httpDate(opts.clock.now()), ...extra }, body);
    } catch (e) {
      opts.logger.error({ err: e instanceof Error ? e.message : String(e) }, "response failed");
      if (!res.sent) res.send(500, { "content-type": "text/plain" }, "error\n");
    }
  }

  async function serveOps(url: string, res: ApiResponder): Promise<void> {
    try {
      if (url === "/health") {
        const h = await opts.health();
        const ok = h.ok && !draining;
        reply(res, ok ? 200 : 503, "application/json", JSON.stringify({ status: ok ? "ok" : "unavailable", ...h.detail }));
      } else {
        reply(res, 200, opts.metrics.registry.contentType, await opts.metrics.registry.metrics());
      }
    } catch {
      if (!res.sent) reply(res, 500, "text/plain", "error\n");
    }
  }

  async function servePublic(docs: NonNullable<ServerOptions["publicDocuments"]>, url: string, res: ApiResponder): Promise<void> {
    try {
      // Documents are addressed by path alone: a query string is not part of the name.
      const q = url.indexOf("?");
      const doc = await docs.get(q === -1 ? url : url.slice(0, q));
      // HEAD: the engine sends the same head without the body.
      if (doc === undefined) reply(res, 404, "application/json", '{"message":"Not Found"}');
      else reply(res, 200, doc.contentType, doc.body, doc.cacheControl !== undefined ? { "cache-control": doc.cacheControl } : undefined);
    } catch (e) {
      opts.logger.error({ err: e instanceof Error ? e.message : String(e) }, "public document failed");
      if (!res.sent) reply(res, 500, "text/plain", "error\n");
    }
  }

  // Counted even without a limit, for the gauge.
  const bodyBudget = new BodyBudget(opts.maxBufferedBodyBytes ?? 0);
  new Gauge({
    name: "bulwark_buffered_body_bytes",
    help: "Bytes reserved by request bodies being received (at most BULWARK_MAX_BUFFERED_BODY_BYTES)",
    registers: [opts.metrics.registry],
    collect() {
      this.set(bodyBudget.reserved);
    },
  });
  const listenerOptions: ListenerOptions = {
    host: opts.host,
    port: opts.port,
    ...(opts.tls ? { tls: opts.tls } : {}),
    maxBodyBytes: opts.maxBodyBytes,
    ...(opts.bodyLimit !== undefined ? { bodyLimit: opts.bodyLimit } : {}),
    maxConnectionsPerIp: opts.maxConnectionsPerIp ?? 0,
    bodyBudget,
    clock: opts.clock,
    onRequest,
  };
  const listener: Listener = opts.engine === "node" ? await startNodeListener(listenerOptions) : await startHttp1Listener(listenerOptions);

  return {
    url: listener.url,
    port: listener.port,
    inFlight: () => inFlight,
    async close(graceMs: number) {
      draining = true;
      listener.drain();
      const closed = listener.stopAccepting();
      // Requests already sent on open connections (or on connections accepted just before
      // the listener closed) still arrive for a short while: let them in before closing
      // idle connections; every response sent while draining carries "Connection: close".
      const deadline = Date.now() + graceMs;
      await sleep(Math.min(STRAGGLER_MS, graceMs));
      listener.closeIdle();
      // Requests still arriving (head or body in transit) and requests being handled may finish.
      while ((inFlight > 0 || listener.receiving() > 0) && Date.now() < deadline) {
        await sleep(Math.min(20, Math.max(0, deadline - Date.now())));
        listener.closeIdle();
      }
      listener.closeIdle();
      listener.destroyAll();
      await closed;
    },
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
