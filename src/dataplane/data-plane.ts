/**
 * The data plane: every listener, load balancer and target group at run time, steered by
 * the ELBv2 control plane (DataPlaneRuntime) and by WAFv2/Shield (DataPlaneControl).
 *
 * Invariants:
 *  - one port on the data-plane address belongs to at most one listener;
 *  - a target group is health-checked exactly while some listener forwards to it;
 *  - the web ACL and observers are read per request, so attaching one takes effect on the
 *    next request without reopening anything.
 */
import type { Clock } from "../core/clock.js";
import { DesyncCounts } from "./desync-counts.js";
import type { ShieldLimits } from "./limits.js";
import type { ListenerContext } from "./listener-context.js";
import { Listener } from "./listener.js";
import {
  PortUnavailableError,
  type DataPlaneRuntime,
  type ListenerSpec,
  type LoadBalancerSpec,
  type TargetGroupSpec,
  type TargetHealthView,
} from "./runtime-types.js";
import { TargetGroupRuntime } from "./target-group.js";
import type { DataPlaneControl, TrafficObserver, WafEvaluator } from "./types.js";

export interface DataPlaneOptions {
  host: string;
  clock: Clock;
  limits: ShieldLimits;
  healthCheckTimeScale?: number;
  /** How long open connections may finish when a listener closes. */
  closeGraceMs?: number;
  /** How long a connection to a target may take to establish (default 10 s, ALB's). */
  connectTimeoutMs?: number;
}

export class DataPlane implements DataPlaneRuntime, DataPlaneControl, ListenerContext {
  readonly host: string;
  readonly clock: Clock;
  readonly limits: ShieldLimits;
  readonly observers: TrafficObserver[] = [];
  readonly desync = new DesyncCounts();
  private readonly lbs = new Map<string, LoadBalancerSpec>();
  private readonly listeners = new Map<string, Listener>();
  private readonly ports = new Map<number, string>();
  private readonly groups = new Map<string, TargetGroupRuntime>();
  private readonly acls = new Map<string, WafEvaluator>();
  private readonly scale: number;
  private readonly graceMs: number;
  private readonly connectTimeoutMs: number | undefined;
  private closed = false;

  constructor(opts: DataPlaneOptions) {
    this.host = opts.host;
    this.clock = opts.clock;
    this.limits = opts.limits;
    this.scale = opts.healthCheckTimeScale ?? 1;
    this.graceMs = opts.closeGraceMs ?? 1000;
    if (opts.connectTimeoutMs !== undefined) this.connectTimeoutMs = opts.connectTimeoutMs;
  }

  // ListenerContext
  loadBalancer(arn: string): LoadBalancerSpec | undefined {
    return this.lbs.get(arn);
  }
  targetGroup(arn: string): TargetGroupRuntime | undefined {
    return this.groups.get(arn);
  }
  webAcl(loadBalancerArn: string): WafEvaluator | undefined {
    return this.acls.get(loadBalancerArn);
  }

  // DataPlaneControl
  setWebAcl(loadBalancerArn: string, evaluator: WafEvaluator | undefined): void {
    if (evaluator) this.acls.set(loadBalancerArn, evaluator);
    else this.acls.delete(loadBalancerArn);
  }
  addObserver(o: TrafficObserver): void {
    this.observers.push(o);
  }

  // DataPlaneRuntime
  putLoadBalancer(spec: LoadBalancerSpec): void {
    this.lbs.set(spec.arn, spec);
    for (const l of this.listeners.values()) if (l.spec.loadBalancerArn === spec.arn) l.applySettings(spec.settings);
  }

  async removeLoadBalancer(arn: string): Promise<void> {
    const mine = [...this.listeners.values()].filter((l) => l.spec.loadBalancerArn === arn);
    await Promise.all(mine.map((l) => this.closeListener(l.spec.arn)));
    this.lbs.delete(arn);
    this.acls.delete(arn);
    this.desync.forget(arn);
  }

  putTargetGroup(spec: TargetGroupSpec): void {
    const existing = this.groups.get(spec.arn);
    if (existing && existing.spec.protocol === spec.protocol) {
      existing.update(spec);
      return;
    }
    existing?.close();
    const g = new TargetGroupRuntime(spec, {
      healthCheckTimeScale: this.scale,
      upstreamMaxSockets: this.limits.upstreamMaxSockets,
      ...(this.connectTimeoutMs !== undefined ? { connectTimeoutMs: this.connectTimeoutMs } : {}),
    });
    this.groups.set(spec.arn, g);
    this.refreshUse();
  }

  removeTargetGroup(arn: string): void {
    this.groups.get(arn)?.close();
    this.groups.delete(arn);
  }

  async openListener(spec: ListenerSpec): Promise<void> {
    if (this.closed) throw new Error("data plane is closed");
    const current = this.listeners.get(spec.arn);
    const holder = this.ports.get(spec.port);
    if (holder !== undefined && holder !== spec.arn) throw new PortUnavailableError(spec.port, this.host, "listener", holder);
    if (current && current.port === spec.port && current.spec.protocol === spec.protocol) {
      current.update(spec);
      this.refreshUse();
      return;
    }
    if (current && current.port === spec.port) {
      // Same port, other protocol: the old server must let go of the port first.
      await current.close(0);
      this.listeners.delete(spec.arn);
      this.ports.delete(spec.port);
    }
    const next = new Listener(spec, this, this.host);
    this.ports.set(spec.port, spec.arn);
    try {
      await next.listen();
    } catch (e) {
      this.ports.delete(spec.port);
      if (current && current.port === spec.port) this.refreshUse();
      throw e;
    }
    this.listeners.set(spec.arn, next);
    if (current && current.port !== spec.port) {
      this.ports.delete(current.port);
      await current.close(this.graceMs);
    }
    this.refreshUse();
  }

  async closeListener(arn: string): Promise<void> {
    const l = this.listeners.get(arn);
    if (!l) return;
    this.listeners.delete(arn);
    if (this.ports.get(l.port) === arn) this.ports.delete(l.port);
    this.refreshUse();
    await l.close(this.graceMs);
  }

  targetHealth(targetGroupArn: string): TargetHealthView[] {
    return this.groups.get(targetGroupArn)?.health() ?? [];
  }

  listenerOnPort(port: number): string | undefined {
    return this.ports.get(port);
  }

  /** The running listener (tests and metrics). */
  listener(arn: string): Listener | undefined {
    return this.listeners.get(arn);
  }

  /** Closes every listener and stops health checks. */
  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.listeners.keys()];
    await Promise.all(all.map((arn) => this.closeListener(arn)));
    for (const g of this.groups.values()) g.close();
    this.groups.clear();
  }

  /** Target groups some listener forwards to are in use (health-checked); others are not. */
  private refreshUse(): void {
    const used = new Set<string>();
    for (const l of this.listeners.values()) {
      if (l.spec.action.type === "forward") for (const g of l.spec.action.targetGroups) used.add(g.arn);
    }
    for (const [arn, g] of this.groups) g.setInUse(used.has(arn));
  }
}
