/** Test fixtures for the data plane: upstream servers, free ports, a fake web ACL, requests. */
import http from "node:http";
import net from "node:net";
import type { AddressInfo } from "node:net";
import { freePort } from "../../core/testing/net.js";
import { systemClock } from "../../core/clock.js";
import { DataPlane } from "../data-plane.js";
import { DEFAULT_DATAPLANE_LIMITS, type ShieldLimits } from "../limits.js";
import type { ListenerAction, LoadBalancerSettings, TargetGroupSpec } from "../runtime-types.js";
import type { InspectedRequest, WafDecision, WafEvaluator } from "../types.js";

export const LB_ARN = "arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/app/test/0123456789abcdef";
export const TG_ARN = "arn:aws:elasticloadbalancing:us-east-1:111122223333:targetgroup/tg/0123456789abcdef";
export const LISTENER_ARN = "arn:aws:elasticloadbalancing:us-east-1:111122223333:listener/app/test/0123456789abcdef/fedcba9876543210";

export const SETTINGS: LoadBalancerSettings = {
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

export { freePort };

export interface Upstream {
  port: number;
  server: http.Server;
  /** Requests seen: method, url, raw headers, body. */
  seen: Array<{ method: string; url: string; headers: http.IncomingHttpHeaders; rawHeaders: string[]; body: Buffer }>;
  close(): Promise<void>;
}

/** An upstream that echoes what it received as JSON, or runs `handler`. */
export async function startUpstream(handler?: (req: http.IncomingMessage, res: http.ServerResponse, body: Buffer) => void): Promise<Upstream> {
  const seen: Upstream["seen"] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      seen.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, rawHeaders: req.rawHeaders, body });
      if (handler) return handler(req, res, body);
      const out = JSON.stringify({ method: req.method, url: req.url, headers: req.headers, bodyLength: body.length });
      res.writeHead(200, { "content-type": "application/json", "x-upstream": "yes" });
      res.end(out);
    });
  });
  server.keepAliveTimeout = 10_000;
  // Upgraded sockets leave node's connection tracking: keep our own list to close them all.
  const sockets = new Set<net.Socket>();
  server.on("connection", (s: net.Socket) => {
    sockets.add(s);
    s.once("close", () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    port: (server.address() as AddressInfo).port,
    server,
    seen,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

/** What the upstream saw from clients (health checks left out). */
export function proxied(u: Upstream): Upstream["seen"] {
  return u.seen.filter((s) => s.headers["user-agent"] !== "ELB-HealthChecker/2.0");
}

export function testLimits(over: Partial<ShieldLimits> = {}): ShieldLimits {
  return { ...DEFAULT_DATAPLANE_LIMITS, ...over };
}

export function newDataPlane(limits: Partial<ShieldLimits> = {}, scale = 0.02): DataPlane {
  return new DataPlane({ host: "127.0.0.1", clock: systemClock, limits: testLimits(limits), healthCheckTimeScale: scale, closeGraceMs: 100 });
}

export function targetGroup(targets: Array<{ id: string; port: number }>, over: Partial<TargetGroupSpec> = {}): TargetGroupSpec {
  return {
    arn: TG_ARN,
    protocol: "HTTP",
    port: 80,
    healthCheck: { enabled: true, protocol: "HTTP", port: "traffic-port", path: "/", intervalSeconds: 5, timeoutSeconds: 2, healthyThreshold: 2, unhealthyThreshold: 2, matcher: "200-499" },
    deregistrationDelaySeconds: 0,
    algorithm: "round_robin",
    targets,
    ...over,
  };
}

/** Opens LB + target group + HTTP listener on a free port; returns the port. */
export async function openHttp(dp: DataPlane, targets: Array<{ id: string; port: number }>, opts: { settings?: Partial<LoadBalancerSettings>; action?: ListenerAction; tg?: Partial<TargetGroupSpec> } = {}): Promise<number> {
  dp.putLoadBalancer({ arn: LB_ARN, name: "test", dnsName: "test-1.us-east-1.elb.localhost", settings: { ...SETTINGS, ...opts.settings } });
  dp.putTargetGroup(targetGroup(targets, opts.tg));
  const port = await freePort();
  await dp.openListener({ arn: LISTENER_ARN, loadBalancerArn: LB_ARN, port, protocol: "HTTP", action: opts.action ?? { type: "forward", targetGroups: [{ arn: TG_ARN, weight: 1 }] } });
  return port;
}

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  reused: boolean;
}

export function request(port: number, opts: { method?: string; path?: string; headers?: Record<string, string>; body?: Buffer | string; agent?: http.Agent } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port, method: opts.method ?? "GET", path: opts.path ?? "/", headers: opts.headers, agent: opts.agent ?? false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), reused: req.reusedSocket }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(opts.body);
  });
}

/** A web ACL stand-in: decides with `decide` and records what it was shown. */
export class FakeWebAcl implements WafEvaluator {
  readonly webAclArn = "arn:aws:wafv2:us-east-1:111122223333:regional/webacl/test/1";
  readonly webAclName = "test";
  readonly seen: InspectedRequest[] = [];
  constructor(
    readonly bodyInspectionLimit: number,
    private readonly decide: (r: InspectedRequest) => Partial<WafDecision>,
  ) {}
  async evaluate(req: InspectedRequest): Promise<WafDecision> {
    this.seen.push(req);
    return { action: "ALLOW", terminatingRuleId: "Default_Action", insertHeaders: [], labels: [], countedRules: [], matchedRules: [], ...this.decide(req) };
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export async function until(fn: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await sleep(10);
  }
}
