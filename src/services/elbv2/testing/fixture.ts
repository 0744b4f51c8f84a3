/** A test harness for the ELBv2 service: memory storage, a recording fake data plane, fake request contexts. */
import assert from "node:assert/strict";
import { AwsError } from "../../../core/errors.js";
import type { AuthorizeRequest } from "../../../core/types.js";
import {
  PortUnavailableError,
  type DataPlaneRuntime,
  type ListenerSpec,
  type LoadBalancerSpec,
  type TargetGroupSpec,
  type TargetHealthView,
} from "../../../dataplane/runtime-types.js";
import { ManualClock } from "../../../core/clock.js";
import type { Storage } from "../../../storage/types.js";
import { createMemoryStorage } from "../../sts/testing/memory-storage.js";
import { createTestSealer } from "../../sts/testing/fake-sealer.js";
import { fakeContext, principals, type FakeContext } from "../../sts/testing/fake-context.js";
import { createElbv2Service, type Elbv2Service } from "../service.js";
import type { Elbv2Quotas } from "../env.js";
import type { ServerCertificateView } from "../../iam/server-certificate-view.js";

export const ACCOUNT = "111122223333";
export const REGION = "eu-west-1";

/** Records what the control plane asked of the data plane; ports in `taken` fail like EADDRINUSE. */
export class FakeRuntime implements DataPlaneRuntime {
  readonly host = "127.0.0.1";
  readonly lbs = new Map<string, LoadBalancerSpec>();
  readonly groups = new Map<string, TargetGroupSpec>();
  readonly listeners = new Map<string, ListenerSpec>();
  readonly taken = new Set<number>();
  readonly calls: string[] = [];
  putLoadBalancer(spec: LoadBalancerSpec): void {
    this.calls.push(`putLoadBalancer ${spec.name}`);
    this.lbs.set(spec.arn, spec);
  }
  async removeLoadBalancer(arn: string): Promise<void> {
    this.calls.push("removeLoadBalancer");
    for (const [k, l] of this.listeners) if (l.loadBalancerArn === arn) this.listeners.delete(k);
    this.lbs.delete(arn);
  }
  putTargetGroup(spec: TargetGroupSpec): void {
    this.groups.set(spec.arn, spec);
  }
  removeTargetGroup(arn: string): void {
    this.groups.delete(arn);
  }
  async openListener(spec: ListenerSpec): Promise<void> {
    const holder = this.listenerOnPort(spec.port);
    if (holder !== undefined && holder !== spec.arn) throw new PortUnavailableError(spec.port, this.host, "listener", holder);
    if (this.taken.has(spec.port)) throw new PortUnavailableError(spec.port, this.host, "os", undefined, "EADDRINUSE");
    this.calls.push(`openListener ${spec.port}`);
    this.listeners.set(spec.arn, spec);
  }
  async closeListener(arn: string): Promise<void> {
    this.calls.push("closeListener");
    this.listeners.delete(arn);
  }
  targetHealth(arn: string): TargetHealthView[] {
    const g = this.groups.get(arn);
    return (g?.targets ?? []).map((t) => ({ id: t.id, port: t.port, healthCheckPort: String(t.port), state: "healthy" }));
  }
  listenerOnPort(port: number): string | undefined {
    for (const l of this.listeners.values()) if (l.port === port) return l.arn;
    return undefined;
  }
}

export interface Fixture {
  store: Storage;
  runtime: FakeRuntime;
  clock: ManualClock;
  service: Elbv2Service;
  /** Calls an operation as the account's admin user (or `ctx`). */
  call<T = Record<string, unknown>>(op: string, input: Record<string, unknown>, ctx?: FakeContext): Promise<T>;
  ctx(deny?: (r: AuthorizeRequest) => boolean, region?: string, account?: string): FakeContext;
  /** Authorisation requests seen by the default context. */
  authorized: AuthorizeRequest[];
}

export function createFixture(opts: { store?: Storage; runtime?: FakeRuntime; quotas?: Partial<Elbv2Quotas>; serverCertificates?: ServerCertificateView } = {}): Fixture {
  const store = opts.store ?? createMemoryStorage();
  const runtime = opts.runtime ?? new FakeRuntime();
  const clock = new ManualClock(Date.UTC(2025, 0, 1));
  const service = createElbv2Service({
    store,
    sealer: createTestSealer(),
    clock,
    runtime,
    dnsSuffix: "elb.localhost",
    issueCertificate: async (names) => ({ certPem: `CERT ${names.join(",")}`, keyPem: "KEY", caCertPem: "CA", notBefore: clock.now(), notAfter: clock.now() + 365 * 86_400_000, serialNumber: "01" }),
    ...(opts.quotas ? { quotas: opts.quotas } : {}),
    ...(opts.serverCertificates ? { serverCertificates: opts.serverCertificates } : {}),
  });
  const make = (deny?: (r: AuthorizeRequest) => boolean, region = REGION, account = ACCOUNT): FakeContext =>
    fakeContext({ principal: principals.user(account, "admin"), now: clock.now(), region, service: "elasticloadbalancing", ...(deny ? { deny } : {}) });
  const base = make();
  return {
    store,
    runtime,
    clock,
    service,
    authorized: base.calls,
    ctx: make,
    async call<T>(op: string, input: Record<string, unknown>, ctx: FakeContext = base): Promise<T> {
      const def = service.definition.operations[op];
      if (!def) throw new Error(`no operation ${op}`);
      return (await def.handler(input, ctx)) as T;
    },
  };
}

/** Asserts an AwsError with this wire code (ValidationError: the common validation kind) and message. */
export async function expectError(p: Promise<unknown>, code: string, message?: string | RegExp): Promise<void> {
  let caught: unknown;
  try {
    await p;
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof AwsError, `expected ${code}, got ${caught === undefined ? "success" : String(caught)}`);
  if (code === "ValidationError") assert.equal(caught.common, "Validation", `expected ValidationError, got ${caught.code}: ${caught.message}`);
  else assert.equal(caught.code, code, caught.message);
  if (code !== "ValidationError" && code !== "AccessDenied") assert.equal(caught.status, 400);
  if (typeof message === "string") assert.equal(caught.message, message);
  else if (message) assert.match(caught.message, message);
}
