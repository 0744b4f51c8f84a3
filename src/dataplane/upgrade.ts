/**
 * HTTP Upgrade (WebSocket) through a forward listener: the handshake request is inspected
 * by the web ACL like any request, forwarded with the usual X-Forwarded-* headers, and
 * once the target answers 101 the two connections are spliced byte for byte.
 */
import http from "node:http";
import https from "node:https";
import type { Socket } from "node:net";
import { performance } from "node:perf_hooks";
import { rawErrorResponse, reasonOf } from "./error-pages.js";
import { COMPLIANT, classifyRequest, desyncAction } from "./desync.js";
import { DEFAULT_SETTINGS, chooseGroup, nodeVersion, scanRequestHead } from "./exchange.js";
import { forwardedHeaders, newTraceId, responseHeaders, tlsFacts } from "./forwarded-headers.js";
import { inspectRequest } from "./inspect.js";
import type { ListenerContext } from "./listener-context.js";
import type { ListenerSpec } from "./runtime-types.js";
import type { InFlight } from "./target-group.js";
import { rawActionResponse, rawWafResponse } from "./responses.js";
import { normalizeIp } from "./shield/connection-guard.js";
import type { InspectedRequest, WafDecision } from "./types.js";

function head(status: number, message: string | undefined, raw: readonly string[]): string {
  let s = `HTTP/1.1 ${status} ${message ?? reasonOf(status)}\r\n`;
  for (let i = 0; i < raw.length; i += 2) s += `${raw[i]}: ${raw[i + 1]}\r\n`;
  return `${s}\r\n`;
}

export function handleUpgrade(ctx: ListenerContext, spec: ListenerSpec, req: http.IncomingMessage, socket: Socket, headBytes: Buffer): void {
  socket.on("error", () => {});
  const started = performance.now();
  const time = ctx.clock.now();
  const traceId = newTraceId(time);
  const scheme = spec.protocol === "HTTPS" ? "https" : "http";
  let inspected: InspectedRequest | undefined;
  let decision: WafDecision | undefined;
  const finish = (status: number): void => {
    if (ctx.observers.length === 0) return;
    inspected ??= inspectRequest(req, { requestId: traceId, time, scheme, fingerprint: undefined, body: undefined, hasBody: false });
    for (const o of ctx.observers) {
      try {
        o.onRequest(spec.loadBalancerArn, inspected, decision, status, performance.now() - started);
      } catch {
        // Observers never affect traffic.
      }
    }
  };
  const refuse = (status: number): void => {
    socket.end(rawErrorResponse(status));
    finish(status);
  };
  // The statuses the load balancer answers itself apply to upgrade requests too.
  const refused = scanRequestHead(req.method, req.url, req.rawHeaders).refused;
  const settings = ctx.loadBalancer(spec.loadBalancerArn)?.settings ?? DEFAULT_SETTINGS;
  // Desync mitigation as for any request; an upgrade request that is forwarded never shares its
  // connections (a tunnel after 101, closed otherwise), as defensive mode wants for Ambiguous ones.
  const desync = classifyRequest(req.method ?? "", req.url ?? "", nodeVersion(req.httpVersion), req.rawHeaders, false);
  if (desync !== COMPLIANT) {
    ctx.desync.count(spec.loadBalancerArn, desync);
    if (desyncAction(settings.desyncMitigationMode, desync) === "block") return refuse(400);
  }
  if (refused !== 0) return refuse(refused);
  const run = async (): Promise<void> => {
    const evaluator = ctx.webAcl(spec.loadBalancerArn);
    if (evaluator) {
      inspected = inspectRequest(req, { requestId: traceId, time, scheme, fingerprint: undefined, body: { body: Buffer.alloc(0), truncated: false }, hasBody: false });
      try {
        decision = await evaluator.evaluate(inspected);
      } catch {
        if (!settings.wafFailOpen) return refuse(500);
      }
      if (decision && decision.action !== "ALLOW") {
        const { status, bytes } = rawWafResponse(decision);
        socket.end(bytes);
        return finish(status);
      }
    }
    if (spec.action.type !== "forward") {
      const { status, bytes } = rawActionResponse(req, spec.action, scheme, spec.port, ctx.loadBalancer(spec.loadBalancerArn)?.dnsName ?? "localhost");
      socket.end(bytes);
      return finish(status);
    }
    const tg = ctx.targetGroup(chooseGroup(spec.action.targetGroups));
    const t = tg?.pick();
    if (!tg || !t) return refuse(503);
    const tls = tlsFacts(settings.tlsHeaders, spec.protocol, socket);
    const headers = forwardedHeaders(req.rawHeaders, {
      clientIp: normalizeIp(socket.remoteAddress),
      clientPort: socket.remotePort ?? 0,
      scheme,
      listenerPort: spec.port,
      xffMode: settings.xffMode,
      xffClientPort: settings.xffClientPort,
      dropInvalidHeaderFields: settings.dropInvalidHeaderFields,
      preserveHostHeader: settings.preserveHostHeader,
      traceId,
      upgrade: true,
      ...(decision?.insertHeaders.length ? { insert: decision.insertHeaders } : {}),
      ...(tls ? { tls } : {}),
    });
    const options = { host: t.id, port: t.port, method: req.method ?? "GET", path: req.url ?? "/", headers, setHost: false, agent: false as const };
    const up = tg.spec.protocol === "HTTPS" ? https.request({ ...options, rejectUnauthorized: false }) : http.request(options);
    // Until the client or the target closes it, the connection is the target's: when the target
    // is deregistered and its delay elapses it is cut, as ALB closes a draining target's active
    // connections then (a handshake still waiting for the 101 gets 502).
    let upgraded: Socket | undefined;
    let answered = false;
    const inFlight: InFlight = {
      prevInFlight: undefined,
      nextInFlight: undefined,
      cutByDeregistration: () => {
        release();
        if (upgraded !== undefined) {
          upgraded.destroy();
          socket.destroy();
        } else if (!answered && socket.writable) {
          answered = true;
          refuse(502);
        } else socket.destroy();
        up.destroy();
      },
    };
    tg.acquire(t, inFlight);
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      tg.release(t, inFlight);
    };
    up.setTimeout(settings.idleTimeoutSeconds * 1000, () => up.destroy());
    up.on("upgrade", (upRes, upSocket, upHead) => {
      up.setTimeout(0);
      upgraded = upSocket;
      answered = true;
      socket.write(head(101, upRes.statusMessage, responseHeaders(upRes.rawHeaders, true)));
      if (upHead.length > 0) socket.write(upHead);
      if (headBytes.length > 0) upSocket.write(headBytes);
      upSocket.on("error", () => socket.destroy());
      socket.on("error", () => upSocket.destroy());
      upSocket.once("close", () => {
        release();
        socket.destroy();
      });
      socket.once("close", () => upSocket.destroy());
      upSocket.pipe(socket).pipe(upSocket);
      finish(101);
    });
    up.on("response", (upRes) => {
      answered = true;
      // The target declined the upgrade: pass its answer on and close.
      socket.write(head(upRes.statusCode ?? 502, upRes.statusMessage, [...responseHeaders(upRes.rawHeaders), "Connection", "close"]));
      upRes.pipe(socket);
      upRes.once("end", release);
      finish(upRes.statusCode ?? 502);
    });
    up.on("error", () => {
      release();
      if (!answered && socket.writable) {
        answered = true;
        refuse(502);
      } else if (upgraded === undefined && !socket.writableEnded) socket.destroy();
    });
    up.end();
  };
  void run().catch(() => refuse(500));
}
