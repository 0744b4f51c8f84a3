/**
 * A target group at run time: its targets with their health state machine, the choice of
 * the next target (round robin or least outstanding requests over healthy targets), and
 * the keep-alive connection pool to its targets.
 *
 * Health follows Application Load Balancer rules: a target in use must pass one check to
 * become healthy; UnhealthyThresholdCount consecutive failures take it out of service and
 * HealthyThresholdCount consecutive successes bring it back. When no target is healthy the
 * group fails open (every registered target receives traffic), as ALB does. A deregistered
 * target drains: no new requests, shown `draining` until the deregistration delay elapses;
 * requests it is still handling then are cut (502).
 */
import { Agent } from "undici";
import { runHealthCheck, type HealthCheckResult } from "./health-check.js";
import { parseHttpCodeMatcher, type CodeMatcher } from "./matcher.js";
import type { TargetGroupSpec, TargetHealthState, TargetHealthView } from "./runtime-types.js";

/** Upstream keep-alive sockets idle longer than this are closed (below node's 5 s default keep-alive). */
const UPSTREAM_IDLE_MS = 4000;
/** ALB's connection timeout to a target: 504 when no connection is established within it. */
const CONNECT_TIMEOUT_MS = 10_000;

export interface Target {
  readonly key: string;
  readonly id: string;
  readonly port: number;
  /** "http://id:port" (IPv6 in brackets): the pool key of the group's upstream client. */
  readonly origin: string;
  state: Exclude<TargetHealthState, "unused" | "unavailable">;
  reason: string | undefined;
  description: string | undefined;
  successes: number;
  failures: number;
  inflight: number;
  /** Requests being handled by the target (an intrusive list: no allocation per request). */
  requests: InFlight | undefined;
  drainTimer?: NodeJS.Timeout;
  checking: boolean;
}

/** A request being handled by a target, cut when the target's deregistration delay elapses. */
export interface InFlight {
  prevInFlight: InFlight | undefined;
  nextInFlight: InFlight | undefined;
  /** The deregistration delay elapsed while the target was handling this request: 502 (or cut). */
  cutByDeregistration(): void;
}

const REGISTERING = { reason: "Elb.RegistrationInProgress", description: "Target registration is in progress" };
const INITIAL_CHECKS = { reason: "Elb.InitialHealthChecking", description: "Initial health checks in progress" };

function keyOf(id: string, port: number): string {
  return `${id}:${port}`;
}

function originOf(protocol: string, id: string, port: number): string {
  const host = id.includes(":") && !id.startsWith("[") ? `[${id}]` : id;
  return `${protocol === "HTTPS" ? "https" : "http"}://${host}:${port}`;
}

export interface TargetGroupOptions {
  /** Multiplies health-check interval and timeout (tests shrink it). */
  healthCheckTimeScale: number;
  upstreamMaxSockets: number;
  /** How long a connection to a target may take to establish (ALB: 10 s; then 504). */
  connectTimeoutMs?: number;
  onChange?: () => void;
}

export class TargetGroupRuntime {
  spec: TargetGroupSpec;
  /**
   * Keep-alive connections to the targets, one pool per target (undici: its HTTP/1.1 client
   * costs far less CPU per proxied request than node:http's ClientRequest and Agent).
   */
  readonly upstream: Agent;
  /** How long a connection to a target may take to establish. */
  readonly connectTimeoutMs: number;
  private readonly targets = new Map<string, Target>();
  private readonly draining = new Map<string, Target>();
  private inUse = false;
  private matcher: CodeMatcher;
  private timer: NodeJS.Timeout | undefined;
  /** Targets that may receive new requests, rebuilt when a state changes. */
  private routable: Target[] | undefined;
  private rr = 0;
  private closed = false;

  constructor(
    spec: TargetGroupSpec,
    private readonly opts: TargetGroupOptions,
  ) {
    this.spec = spec;
    this.matcher = parseHttpCodeMatcher(spec.healthCheck.matcher) ?? ((s) => s === 200);
    this.connectTimeoutMs = opts.connectTimeoutMs ?? CONNECT_TIMEOUT_MS;
    this.upstream = new Agent({
      connections: opts.upstreamMaxSockets,
      pipelining: 1,
      keepAliveTimeout: UPSTREAM_IDLE_MS,
      keepAliveMaxTimeout: UPSTREAM_IDLE_MS,
      // Like ALB, targets' certificates are not verified: the target group names them by address.
      connect: { timeout: this.connectTimeoutMs, ...(spec.protocol === "HTTPS" ? { rejectUnauthorized: false } : {}) },
    });
    this.applyTargets(spec);
  }

  /** New settings and target list; the protocol (and so the pool) is fixed for the group's life. */
  update(spec: TargetGroupSpec): void {
    const hc = this.spec.healthCheck;
    const scheduleChanged = hc.intervalSeconds !== spec.healthCheck.intervalSeconds || hc.enabled !== spec.healthCheck.enabled;
    this.spec = spec;
    this.matcher = parseHttpCodeMatcher(spec.healthCheck.matcher) ?? ((s) => s === 200);
    this.applyTargets(spec);
    if (scheduleChanged && this.inUse) this.schedule();
    this.changed();
  }

  setInUse(inUse: boolean): void {
    if (inUse === this.inUse) return;
    this.inUse = inUse;
    for (const t of this.targets.values()) this.reset(t);
    this.schedule();
    this.changed();
  }

  isInUse(): boolean {
    return this.inUse;
  }

  /** The next target for a request, or undefined when none is registered. */
  pick(): Target | undefined {
    const list = (this.routable ??= this.computeRoutable());
    if (list.length === 0) return undefined;
    if (this.spec.algorithm === "least_outstanding_requests") {
      let best = list[0] as Target;
      for (const t of list) if (t.inflight < best.inflight) best = t;
      return best;
    }
    const t = list[this.rr % list.length] as Target;
    this.rr = (this.rr + 1) % 1_000_000_007;
    return t;
  }

  /** Marks a request sent to `t`; `x`, when given, is cut if `t`'s deregistration delay elapses first. */
  acquire(t: Target, x?: InFlight): void {
    t.inflight++;
    if (!x) return;
    x.prevInFlight = undefined;
    x.nextInFlight = t.requests;
    if (t.requests) t.requests.prevInFlight = x;
    t.requests = x;
  }

  /**
   * Marks a request to `t` finished. A draining target stays draining until the deregistration
   * delay elapses, with or without requests in flight, as ALB shows it.
   */
  release(t: Target, x?: InFlight): void {
    t.inflight--;
    if (!x) return;
    if (x.prevInFlight) x.prevInFlight.nextInFlight = x.nextInFlight;
    else if (t.requests === x) t.requests = x.nextInFlight;
    if (x.nextInFlight) x.nextInFlight.prevInFlight = x.prevInFlight;
    x.prevInFlight = undefined;
    x.nextInFlight = undefined;
  }

  health(): TargetHealthView[] {
    const hcPort = (t: Target): string => String(this.spec.healthCheck.port === "traffic-port" ? t.port : this.spec.healthCheck.port);
    const out: TargetHealthView[] = [];
    for (const t of this.targets.values()) {
      if (!this.inUse) {
        out.push({
          id: t.id,
          port: t.port,
          healthCheckPort: hcPort(t),
          state: "unused",
          reason: "Target.NotInUse",
          description: "Target group is not configured to receive traffic from the load balancer",
        });
      } else if (!this.spec.healthCheck.enabled) {
        out.push({ id: t.id, port: t.port, healthCheckPort: hcPort(t), state: "unavailable", reason: "Target.HealthCheckDisabled", description: "Health checks are disabled" });
      } else {
        out.push({ id: t.id, port: t.port, healthCheckPort: hcPort(t), state: t.state, ...(t.reason ? { reason: t.reason } : {}), ...(t.description ? { description: t.description } : {}) });
      }
    }
    for (const t of this.draining.values()) {
      out.push({
        id: t.id,
        port: t.port,
        healthCheckPort: hcPort(t),
        state: "draining",
        reason: "Target.DeregistrationInProgress",
        description: "Target deregistration is in progress",
      });
    }
    return out;
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    for (const t of this.draining.values()) if (t.drainTimer) clearTimeout(t.drainTimer);
    this.draining.clear();
    this.upstream.destroy().catch(() => undefined);
  }

  private applyTargets(spec: TargetGroupSpec): void {
    const wanted = new Set<string>();
    for (const ts of spec.targets) {
      const key = keyOf(ts.id, ts.port);
      wanted.add(key);
      if (this.targets.has(key)) continue;
      const back = this.draining.get(key);
      if (back) {
        // Registered again while draining: back in service once it passes a check.
        if (back.drainTimer) clearTimeout(back.drainTimer);
        delete back.drainTimer;
        this.draining.delete(key);
        this.reset(back);
        this.targets.set(key, back);
        continue;
      }
      const t: Target = { key, id: ts.id, port: ts.port, origin: originOf(spec.protocol, ts.id, ts.port), state: "initial", reason: undefined, description: undefined, successes: 0, failures: 0, inflight: 0, requests: undefined, checking: false };
      this.reset(t);
      this.targets.set(key, t);
      if (this.inUse && this.spec.healthCheck.enabled) setImmediate(() => this.check(t));
    }
    for (const [key, t] of this.targets) {
      if (wanted.has(key)) continue;
      this.targets.delete(key);
      this.startDrain(t);
    }
    this.routable = undefined;
  }

  private reset(t: Target): void {
    t.state = "initial";
    t.reason = REGISTERING.reason;
    t.description = REGISTERING.description;
    t.successes = 0;
    t.failures = 0;
  }

  /**
   * A deregistered target gets no new requests and is `draining` until the deregistration delay
   * elapses, even with no request in flight; requests it is still handling then are cut (502).
   */
  private startDrain(t: Target): void {
    t.state = "draining";
    if (!this.inUse || this.spec.deregistrationDelaySeconds <= 0) return;
    this.draining.set(t.key, t);
    t.drainTimer = setTimeout(() => this.finishDrain(t), this.spec.deregistrationDelaySeconds * 1000);
    t.drainTimer.unref();
  }

  private finishDrain(t: Target): void {
    if (t.drainTimer) clearTimeout(t.drainTimer);
    delete t.drainTimer;
    if (this.draining.get(t.key) === t) this.draining.delete(t.key);
    for (let x = t.requests; x; ) {
      const next = x.nextInFlight;
      x.cutByDeregistration();
      x = next;
    }
  }

  private computeRoutable(): Target[] {
    const registered = [...this.targets.values()];
    if (!this.spec.healthCheck.enabled) return registered;
    const healthy = registered.filter((t) => t.state === "healthy");
    // Fail open: with no healthy target every registered one receives traffic.
    return healthy.length > 0 ? healthy : registered;
  }

  private changed(): void {
    this.routable = undefined;
    this.opts.onChange?.();
  }

  private schedule(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (!this.inUse || !this.spec.healthCheck.enabled || this.closed) return;
    const every = Math.max(10, this.spec.healthCheck.intervalSeconds * 1000 * this.opts.healthCheckTimeScale);
    this.timer = setInterval(() => {
      for (const t of this.targets.values()) this.check(t);
    }, every);
    this.timer.unref();
    setImmediate(() => {
      for (const t of this.targets.values()) this.check(t);
    });
  }

  private check(t: Target): void {
    if (t.checking || this.closed || !this.inUse || !this.spec.healthCheck.enabled || this.targets.get(t.key) !== t) return;
    t.checking = true;
    const hc = this.spec.healthCheck;
    const port = hc.port === "traffic-port" ? t.port : hc.port;
    const timeoutMs = Math.max(5, hc.timeoutSeconds * 1000 * this.opts.healthCheckTimeScale);
    void runHealthCheck({ protocol: hc.protocol, host: t.id, port, path: hc.path, timeoutMs, matcher: this.matcher }).then((r) => {
      t.checking = false;
      if (this.targets.get(t.key) === t && this.inUse) this.record(t, r);
    });
  }

  private record(t: Target, r: HealthCheckResult): void {
    const hc = this.spec.healthCheck;
    const before = t.state;
    if (r.ok) {
      t.failures = 0;
      t.successes++;
      if (t.state === "initial" || (t.state === "unhealthy" && t.successes >= hc.healthyThreshold)) t.state = "healthy";
      if (t.state === "healthy") {
        t.reason = undefined;
        t.description = undefined;
      }
    } else {
      t.successes = 0;
      t.failures++;
      if (t.failures >= hc.unhealthyThreshold && t.state !== "unhealthy") t.state = "unhealthy";
      if (t.state === "unhealthy") {
        t.reason = r.reason;
        t.description = r.description;
      } else if (t.state === "initial") {
        t.reason = INITIAL_CHECKS.reason;
        t.description = INITIAL_CHECKS.description;
      }
    }
    if (before !== t.state) this.changed();
  }
}
