/**
 * One client request through a listener: Shield body limits → WAF (when a web ACL is
 * attached: read up to its inspection limit, evaluate, act) → the listener's action
 * (forward to a target, fixed response, redirect) → observers.
 *
 * Forwarding streams both ways with backpressure. Failures map to ALB's statuses: no
 * target registered → 503, target unreachable or broken response → 502, no connection to the
 * target within the connect timeout or target silent for the idle timeout → 504, a request
 * line or a single header over 16 K → 400, TRACE → 405, more than 30 X-Forwarded-For
 * addresses → 463, a transfer coding other than chunked or identity → 501, body too large →
 * 413, body too slow → 408. A client that
 * stops reading a response for sendTimeoutMs is disconnected (slow read).
 */
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import https from "node:https";
import { PassThrough } from "node:stream";
import type { TLSSocket } from "node:tls";
import { performance } from "node:perf_hooks";
import type { Dispatcher } from "undici";
import { COMPLIANT, classifyRequest, desyncAction } from "./desync.js";
import { sendErrorPage } from "./error-pages.js";
import { forwardedHeaders, newTraceId, responseHeaders, tlsFacts } from "./forwarded-headers.js";
import { inspectRequest } from "./inspect.js";
import type { ListenerContext } from "./listener-context.js";
import { RequestBody } from "./request-body.js";
import { redirectLocation, sendFixed, sendRedirect, sendVerification, sendWafResponse } from "./responses.js";
import type { ListenerSpec, LoadBalancerSettings, WeightedTargetGroup } from "./runtime-types.js";
import { normalizeIp } from "./shield/connection-guard.js";
import type { InFlight, Target, TargetGroupRuntime } from "./target-group.js";
import type { TlsFingerprint } from "./tls/hello-sniffer.js";
import type { InspectedRequest, WafDecision } from "./types.js";

export const DEFAULT_SETTINGS: LoadBalancerSettings = {
  idleTimeoutSeconds: 60,
  clientKeepAliveSeconds: 3600,
  xffMode: "append",
  xffClientPort: false,
  dropInvalidHeaderFields: false,
  preserveHostHeader: false,
  tlsHeaders: false,
  wafFailOpen: false,
  desyncMitigationMode: "defensive",
};

/**
 * Errors of a request on a pooled connection the target closed meanwhile: retried once when the
 * request has no body and its method is idempotent (RFC 9110 §9.2.2), so a retry cannot repeat a
 * side effect the target may already have carried out.
 */
const RETRYABLE = new Set(["ECONNRESET", "EPIPE", "UND_ERR_SOCKET"]);
const IDEMPOTENT = new Set(["GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"]);

/**
 * undici's callbacks for one request to a target, relayed to the Exchange. `responded` separates
 * a failure before the response head (→ 502/504 page) from one during the body (→ cut).
 */
class UpstreamHandler implements Dispatcher.DispatchHandlers {
  private responded = false;

  constructor(
    private readonly x: Exchange,
    private readonly tg: TargetGroupRuntime,
    private readonly t: Target,
    private readonly insert: Array<[string, string]> | undefined,
    private readonly mayRetry: boolean,
  ) {}

  onConnect(abort: (e?: Error) => void): void {
    this.x.setUpstreamAbort(abort);
  }

  onHeaders(status: number, raw: Array<Buffer | string>, resume: () => void, statusText: string): boolean {
    // 1xx other than 101 (handled by the upgrade path) are not relayed.
    if (status < 200) return true;
    this.responded = true;
    this.x.upstreamHeaders(status, statusText, raw, resume);
    return true;
  }

  onData(chunk: Buffer): boolean {
    return this.x.upstreamData(chunk);
  }

  onComplete(): void {
    this.x.setUpstreamAbort(undefined);
    this.x.upstreamComplete();
  }

  onError(err: Error): void {
    this.x.setUpstreamAbort(undefined);
    const retry = this.mayRetry ? () => this.x.retryForward(this.tg, this.t, this.insert) : undefined;
    this.x.upstreamError(err, this.responded, retry);
  }
}

export class Exchange implements InFlight {
  /** The target's list of requests in flight (TargetGroupRuntime.acquire / release). */
  prevInFlight: InFlight | undefined = undefined;
  nextInFlight: InFlight | undefined = undefined;
  private readonly started = performance.now();
  private readonly time: number;
  private readonly traceId: string;
  private readonly settings: LoadBalancerSettings;
  private readonly body: RequestBody | undefined;
  private readonly hasBody: boolean;
  private inspected: InspectedRequest | undefined;
  private decision: WafDecision | undefined;
  private status = 0;
  /** Aborts the request to the target in flight (undefined once none is). */
  private abortUpstream: ((e?: Error) => void) | undefined;
  private resumeUpstream: (() => void) | undefined;
  /** Slow-read guard: set while the client does not drain the response. */
  private stall: NodeJS.Timeout | undefined;
  private target: { tg: TargetGroupRuntime; t: Target } | undefined;
  /** The client connection closed (response finished or aborted). */
  private done = false;
  /** A response (or a decision to cut the connection) was made. */
  private answered = false;
  /** Desync mitigation: the connection to the target is not reused after this request. */
  private closeUpstream = false;

  constructor(
    private readonly ctx: ListenerContext,
    private readonly spec: ListenerSpec,
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
    private readonly fingerprint: TlsFingerprint | undefined,
  ) {
    this.time = ctx.clock.now();
    this.traceId = newTraceId(this.time);
    this.settings = ctx.loadBalancer(spec.loadBalancerArn)?.settings ?? DEFAULT_SETTINGS;
    const head = scanRequestHead(req.method, req.url, req.rawHeaders);
    const cl = head.contentLength;
    // `Transfer-Encoding: identity` (ALB supports chunked and identity) is no transfer coding:
    // the parser refuses it with a Content-Length, so such a request has no body. The parser
    // stops after its head: the connection closes after the response, and what follows the
    // head is never read as another request.
    const identity = head.transferEncoding !== undefined && identityCodings(String(req.headers["transfer-encoding"]));
    if (identity) res.shouldKeepAlive = false;
    this.hasBody = cl !== undefined ? cl !== "0" : head.transferEncoding !== undefined && !identity;
    res.once("close", this.onClose);
    const desync = classifyRequest(req.method ?? "", req.url ?? "", nodeVersion(req.httpVersion), req.rawHeaders, false);
    if (desync !== COMPLIANT) {
      ctx.desync.count(spec.loadBalancerArn, desync);
      const action = desyncAction(this.settings.desyncMitigationMode, desync);
      if (action === "block") {
        this.body = undefined;
        this.fail(400, true);
        return;
      }
      if (action === "forward-and-close") {
        // ALB's defensive mode: the request is routed, then the client and target connections close.
        res.shouldKeepAlive = false;
        this.closeUpstream = true;
      }
    }
    if (head.refused !== 0) {
      this.body = undefined;
      // A head over ALB's limits is a malformed request: closed like the parser's refusals.
      this.fail(head.refused, this.hasBody || head.refused === 400);
      return;
    }
    const max = ctx.limits.maxBodyBytes;
    if (this.hasBody && max > 0 && cl !== undefined && Number(cl) > max) {
      this.body = undefined;
      this.fail(413, true);
      return;
    }
    this.body = this.hasBody ? new RequestBody(req, ctx.limits, (s) => this.fail(s, true)) : undefined;
  }

  /** Runs the request; never throws (errors become responses). */
  run(): void {
    if (this.done || this.answered) return;
    const evaluator = this.ctx.webAcl(this.spec.loadBalancerArn);
    if (evaluator === undefined && this.ctx.observers.length === 0) {
      try {
        this.dispatch(undefined);
      } catch {
        this.unanswerable();
      }
      return;
    }
    void this.inspectAndRun(evaluator).catch(this.unanswerable);
  }

  /**
   * Something threw while the request was handled: 500, or, when the answer was already begun
   * (node:http refused to write it), the connection cut, so the client is never left waiting.
   */
  private readonly unanswerable = (): void => {
    if (!this.answered) return this.fail(500, true);
    if (!this.res.writableEnded) this.res.destroy();
  };

  private async inspectAndRun(evaluator: ReturnType<ListenerContext["webAcl"]>): Promise<void> {
    const limit = evaluator?.bodyInspectionLimit ?? 0;
    if (evaluator && this.body) await this.body.bufferPrefix(limit);
    if (this.done || this.body?.failed) return;
    this.inspected = this.inspect(evaluator && this.body ? this.body.prefix(limit) : undefined);
    if (evaluator) {
      // A solved CAPTCHA or challenge: answered with its token before any rule runs, as AWS WAF
      // takes solutions at its own endpoint, outside the protected application and its rules.
      const verification = evaluator.handleVerification?.(this.inspected);
      if (verification) {
        this.answered = true;
        this.status = sendVerification(this.res, verification, this.abandonBody());
        return;
      }
      try {
        this.decision = await evaluator.evaluate(this.inspected);
      } catch {
        if (!this.settings.wafFailOpen) return this.fail(500, false);
      }
      if (this.done || this.answered) return;
      if (this.decision && this.decision.action !== "ALLOW") {
        this.answered = true;
        this.status = sendWafResponse(this.res, this.decision, this.abandonBody());
        return;
      }
    }
    this.dispatch(this.decision?.insertHeaders);
  }

  private inspect(body: { body: Buffer; truncated: boolean } | undefined): InspectedRequest {
    return inspectRequest(this.req, { requestId: this.traceId, time: this.time, scheme: this.scheme(), fingerprint: this.fingerprint, body, hasBody: this.hasBody });
  }

  private scheme(): "http" | "https" {
    return this.spec.protocol === "HTTPS" ? "https" : "http";
  }

  private dispatch(insert: Array<[string, string]> | undefined): void {
    const a = this.spec.action;
    if (a.type !== "forward") this.answered = true;
    if (a.type === "fixed-response") {
      this.status = a.statusCode;
      sendFixed(this.res, a, this.abandonBody());
      return;
    }
    if (a.type === "redirect") {
      this.status = a.statusCode;
      const lb = this.ctx.loadBalancer(this.spec.loadBalancerArn);
      sendRedirect(this.res, a.statusCode, redirectLocation(this.req, a, this.scheme(), this.spec.port, lb?.dnsName ?? "localhost"), this.abandonBody());
      return;
    }
    const tg = this.ctx.targetGroup(chooseGroup(a.targetGroups));
    const t = tg?.pick();
    if (!tg || !t) return this.fail(503, false);
    this.forward(tg, t, insert, true);
  }

  private forward(tg: TargetGroupRuntime, t: Target, insert: Array<[string, string]> | undefined, mayRetry: boolean): void {
    const req = this.req;
    const sock = req.socket as TLSSocket;
    const tls = tlsFacts(this.settings.tlsHeaders, this.spec.protocol, sock);
    const headers = forwardedHeaders(req.rawHeaders, {
      clientIp: normalizeIp(sock.remoteAddress),
      clientPort: sock.remotePort ?? 0,
      scheme: this.scheme(),
      listenerPort: this.spec.port,
      xffMode: this.settings.xffMode,
      xffClientPort: this.settings.xffClientPort,
      dropInvalidHeaderFields: this.settings.dropInvalidHeaderFields,
      preserveHostHeader: this.settings.preserveHostHeader,
      traceId: this.traceId,
      defaultHost: this.ctx.loadBalancer(this.spec.loadBalancerArn)?.dnsName ?? "",
      ...(insert && insert.length > 0 ? { insert } : {}),
      ...(tls ? { tls } : {}),
    });
    tg.acquire(t, this);
    this.target = { tg, t };
    const handler = new UpstreamHandler(this, tg, t, insert, mayRetry);
    const idleMs = this.settings.idleTimeoutSeconds * 1000;
    const path = req.url ?? "/";
    if (path[0] !== "/") {
      // Asterisk-form ("OPTIONS *"): a valid request target undici does not send; node:http does.
      this.forwardWithNodeHttp(tg, t, path, headers, handler, idleMs);
      return;
    }
    let body: PassThrough | null = null;
    if (this.body) {
      body = new PassThrough();
      this.body.pipeTo(body);
    }
    tg.upstream.dispatch({ origin: t.origin, method: (req.method ?? "GET") as Dispatcher.HttpMethod, path, headers, body, headersTimeout: idleMs, bodyTimeout: idleMs, reset: this.closeUpstream }, handler);
  }

  /** The same exchange over a one-off node:http connection, driving the same handler. */
  private forwardWithNodeHttp(tg: TargetGroupRuntime, t: Target, path: string, headers: string[], handler: UpstreamHandler, idleMs: number): void {
    const options = { host: t.id, port: t.port, method: this.req.method ?? "GET", path, headers, agent: false as const, setHost: false };
    const up = tg.spec.protocol === "HTTPS" ? https.request({ ...options, rejectUnauthorized: false }) : http.request(options);
    let settled = false;
    const settle = (e?: Error): void => {
      if (settled) return;
      settled = true;
      if (e) handler.onError(e);
      else handler.onComplete();
    };
    handler.onConnect((e) => up.destroy(e ?? new Error("aborted")));
    up.once("socket", (s) => {
      if (!s.connecting) return;
      const timer = setTimeout(() => up.destroy(Object.assign(new Error("connect timed out"), { code: "UND_ERR_CONNECT_TIMEOUT" })), tg.connectTimeoutMs);
      s.once("connect", () => clearTimeout(timer));
      s.once("close", () => clearTimeout(timer));
    });
    up.setTimeout(idleMs, () => up.destroy(Object.assign(new Error("target timed out"), { code: "UND_ERR_HEADERS_TIMEOUT" })));
    up.on("error", (e) => settle(e));
    up.on("response", (upRes) => {
      handler.onHeaders(upRes.statusCode ?? 502, upRes.rawHeaders, () => upRes.resume(), upRes.statusMessage ?? "");
      upRes.on("data", (chunk: Buffer) => {
        if (!handler.onData(chunk)) upRes.pause();
      });
      upRes.once("end", () => settle());
      upRes.once("error", (e) => settle(e));
    });
    if (this.body) this.body.pipeTo(up);
    else up.end();
  }

  /** UpstreamHandler: the dispatch may be aborted with this (client gone, body refused). */
  setUpstreamAbort(abort: ((e?: Error) => void) | undefined): void {
    this.abortUpstream = abort;
  }

  /** UpstreamHandler: the target answered; relay the response head (false: not relayed). */
  upstreamHeaders(status: number, statusText: string, raw: Array<Buffer | string>, resume: () => void): void {
    const res = this.res;
    this.resumeUpstream = resume;
    this.status = status;
    const names = new Array<string>(raw.length);
    for (let i = 0; i < raw.length; i++) {
      const v = raw[i] as Buffer | string;
      names[i] = typeof v === "string" ? v : v.toString("latin1");
    }
    res.writeHead(status, statusText, responseHeaders(names));
  }

  /** UpstreamHandler: a body chunk; false pauses the target until the client drains (slow-read guard). */
  upstreamData(chunk: Buffer): boolean {
    const res = this.res;
    if (res.write(chunk)) return true;
    const sendTimeoutMs = this.ctx.limits.sendTimeoutMs;
    if (sendTimeoutMs > 0) {
      this.stall = setTimeout(() => {
        this.abortUpstream?.();
        res.destroy();
      }, sendTimeoutMs);
      this.stall.unref();
    }
    res.once("drain", this.onDrain);
    return false;
  }

  /** UpstreamHandler: the response is complete. */
  upstreamComplete(): void {
    this.clearStall();
    this.releaseTarget();
    this.res.end();
  }

  /** UpstreamHandler: the exchange with the target failed (`responded`: after the response head). */
  upstreamError(err: Error & { code?: string }, responded: boolean, retry: (() => void) | undefined): void {
    this.clearStall();
    if (this.done) return this.releaseTarget();
    if (!responded && retry !== undefined && !this.hasBody && IDEMPOTENT.has(this.req.method ?? "") && RETRYABLE.has(err.code ?? "")) {
      // A pooled keep-alive connection the target had just closed: try once more on a fresh one.
      this.releaseTarget();
      retry();
      return;
    }
    this.releaseTarget();
    if (responded) {
      if (!this.res.writableFinished) this.res.destroy();
      return;
    }
    // The target did not answer within the idle timeout, or no connection to it could be
    // established within the connect timeout (10 s): 504; any other failure: 502.
    this.fail(err.code === "UND_ERR_HEADERS_TIMEOUT" || err.code === "UND_ERR_CONNECT_TIMEOUT" ? 504 : 502, false);
  }

  /** The target's deregistration delay elapsed while it handled this request (ALB: 502). */
  cutByDeregistration(): void {
    this.fail(502, false);
  }

  /** UpstreamHandler: forward again, once, on a fresh connection. */
  retryForward(tg: TargetGroupRuntime, t: Target, insert: Array<[string, string]> | undefined): void {
    if (this.done || this.answered) return;
    this.forward(tg, t, insert, false);
  }

  private readonly onDrain = (): void => {
    this.clearStall();
    const resume = this.resumeUpstream;
    resume?.();
  };

  private clearStall(): void {
    if (this.stall) clearTimeout(this.stall);
    this.stall = undefined;
  }

  /** Stops reading an unforwarded body; true when the connection must close afterwards. */
  private abandonBody(): boolean {
    if (!this.body) return false;
    const pending = !this.body.ended;
    this.body.abandon();
    return pending;
  }

  /** Answers with an ALB error page; the connection closes when `close` or the body was left unread. */
  private fail(status: number, close: boolean): void {
    if (this.done || this.answered) return;
    this.answered = true;
    this.abortUpstream?.();
    this.releaseTarget();
    if (this.res.headersSent) {
      this.res.destroy();
      return;
    }
    this.status = status;
    const unread = this.abandonBody();
    sendErrorPage(this.res, status, close || unread);
  }

  private releaseTarget(): void {
    const held = this.target;
    if (!held) return;
    this.target = undefined;
    held.tg.release(held.t, this);
  }

  private readonly onClose = (): void => {
    this.done = true;
    this.clearStall();
    if (!this.res.writableFinished) this.abortUpstream?.();
    this.releaseTarget();
    const observers = this.ctx.observers;
    if (observers.length === 0) return;
    const inspected = this.inspected ?? this.inspect(undefined);
    const ms = performance.now() - this.started;
    for (const o of observers) {
      try {
        o.onRequest(this.spec.loadBalancerArn, inspected, this.decision, this.status, ms);
      } catch {
        // An observer's failure must never affect traffic.
      }
    }
  };
}

/** node's httpVersion ("1.1") as the request line's version token ("HTTP/1.1"; "" for HTTP/0.9). */
export function nodeVersion(v: string): string {
  return v === "1.1" ? "HTTP/1.1" : v === "1.0" ? "HTTP/1.0" : v === "0.9" ? "" : `HTTP/${v}`;
}

/** What the load balancer reads from a request's head before anything else. */
export interface RequestHeadScan {
  /** The first Content-Length value. */
  contentLength: string | undefined;
  /** The first Transfer-Encoding value. */
  transferEncoding: string | undefined;
  /**
   * The status the load balancer answers itself, never forwarding the request (ALB
   * troubleshooting: 400 for a request line or a single header over 16 K, 405 for TRACE,
   * 463 for more than 30 X-Forwarded-For addresses, 501 for a transfer coding other than
   * chunked or identity); 0 when none applies.
   */
  refused: number;
}

/**
 * ALB's hard limits on a request line and on a single header ("HTTP header limits"): 16 K
 * each, 400 beyond. The whole header block (64 K) is the listener's maxHeaderBytes.
 */
const MAX_REQUEST_LINE_BYTES = 16 * 1024;
const MAX_HEADER_LINE_BYTES = 16 * 1024;

/**
 * One pass over the raw header list (rawHeaders, not req.headers: the headers object is
 * built on first access, per request). Shared by ordinary requests (Exchange) and
 * upgrade requests (upgrade.ts), so neither path forwards what the other refuses.
 */
export function scanRequestHead(method: string | undefined, url: string | undefined, raw: readonly string[]): RequestHeadScan {
  let cl: string | undefined;
  let te: string | undefined;
  let badTe = false;
  let xffAddresses = 0;
  // "METHOD target HTTP/1.x", and "Name: value" per header (line ends not counted).
  let tooLong = (method?.length ?? 0) + (url?.length ?? 0) + 10 > MAX_REQUEST_LINE_BYTES;
  for (let i = 0; i < raw.length; i += 2) {
    const n = raw[i] as string;
    if (n.length + (raw[i + 1] as string).length + 2 > MAX_HEADER_LINE_BYTES) tooLong = true;
    if (n.length === 14) {
      if (cl === undefined && n.toLowerCase() === "content-length") cl = raw[i + 1];
    } else if (n.length === 17) {
      if (n.toLowerCase() === "transfer-encoding") {
        te ??= raw[i + 1];
        if (!supportedTransferEncoding(raw[i + 1] as string)) badTe = true;
      }
    } else if (n.length === 15 && n.toLowerCase() === "x-forwarded-for") {
      xffAddresses += addressCount(raw[i + 1] as string);
    }
  }
  const refused = tooLong ? 400 : method === "TRACE" ? 405 : xffAddresses > MAX_XFF_ADDRESSES ? 463 : badTe ? 501 : 0;
  return { contentLength: cl, transferEncoding: te, refused };
}

/** ALB answers 463 when X-Forwarded-For (all its fields together) holds more addresses than this. */
const MAX_XFF_ADDRESSES = 30;

/** The addresses in one X-Forwarded-For field value: its non-empty comma-separated entries. */
function addressCount(v: string): number {
  let n = 0;
  let inEntry = false;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c === 44) inEntry = false;
    else if (!inEntry && c !== 32 && c !== 9) {
      inEntry = true;
      n++;
    }
  }
  return n;
}

/** A Transfer-Encoding value naming only `identity` (no transfer coding at all). */
export function identityCodings(v: string): boolean {
  for (const coding of v.split(",")) if (coding.trim().toLowerCase() !== "identity") return false;
  return true;
}

/** ALB supports only the chunked and identity transfer codings (501 for any other). */
export function supportedTransferEncoding(v: string): boolean {
  for (const coding of v.split(",")) {
    const c = coding.trim().toLowerCase();
    if (c !== "chunked" && c !== "identity") return false;
  }
  return true;
}

/** A forward action's target group for one request (or upgrade), by the groups' weights. */
export function chooseGroup(groups: readonly WeightedTargetGroup[]): string {
  if (groups.length === 1) return (groups[0] as WeightedTargetGroup).arn;
  let total = 0;
  for (const g of groups) total += g.weight;
  if (total <= 0) return groups[0]?.arn ?? "";
  let r = Math.random() * total;
  for (const g of groups) {
    r -= g.weight;
    if (r < 0) return g.arn;
  }
  return (groups[groups.length - 1] as WeightedTargetGroup).arn;
}
