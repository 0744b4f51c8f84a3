/**
 * WAFv2 over in-memory fakes (test support): memory storage, a manual clock, a fake engine
 * (1 WCU per rule, rule groups cost their capacity, managed groups 25) whose evaluators
 * return scripted decisions, and a fake data plane recording setWebAcl calls.
 */
import { randomUUID } from "node:crypto";
import { tmpdir } from "node:os";
import path from "node:path";
import type { RateBasedStatement, Rule, WebACL } from "@aws-sdk/client-wafv2";
import { ManualClock } from "../../../core/clock.js";
import type { AuthorizeRequest } from "../../../core/types.js";
import type { DataPlaneControl, InspectedRequest, TrafficObserver, WafDecision, WafEvaluator } from "../../../dataplane/types.js";
import { fakeContext, principals, type FakeContext } from "../../sts/testing/fake-context.js";
import { createMemoryStorage, type MemoryStorage } from "../../sts/testing/memory-storage.js";
import type { WafEngine, WafResolver } from "../engine-types.js";
import { unsupportedAggregateKeyType } from "../errors.js";
import { createWafv2Service, type Wafv2Deps, type Wafv2Service } from "../service.js";

export const ACCOUNT = "111122223333";
export const REGION = "eu-west-1";
export const START = Date.UTC(2024, 4, 6, 7, 8, 9);
export const LB_ARN = `arn:aws:elasticloadbalancing:${REGION}:${ACCOUNT}:loadbalancer/app/web/50dc6c495c0c9188`;

export interface FakeEvaluator extends WafEvaluator {
  acl: WebACL;
  /** Addresses of every IP set the ACL used at compile time (to see recompiles). */
  ipAddresses: string[];
}

export class FakeDataPlane implements DataPlaneControl {
  readonly pushes: Array<{ lb: string; evaluator: FakeEvaluator | undefined }> = [];
  readonly observers: TrafficObserver[] = [];
  readonly current = new Map<string, FakeEvaluator>();

  setWebAcl(lb: string, evaluator: WafEvaluator | undefined): void {
    this.pushes.push({ lb, evaluator: evaluator as FakeEvaluator | undefined });
    if (evaluator) this.current.set(lb, evaluator as FakeEvaluator);
    else this.current.delete(lb);
  }

  addObserver(o: TrafficObserver): void {
    this.observers.push(o);
  }
}

export const MANAGED = { VendorName: "AWS", Name: "AWSManagedRulesSQLiRuleSet", Description: "SQL injection" };

function ruleCost(r: Rule, resolver: WafResolver): number {
  const st = r.Statement ?? {};
  if (st.RuleGroupReferenceStatement) return resolver.ruleGroup(st.RuleGroupReferenceStatement.ARN ?? "")?.Capacity ?? 0;
  if (st.ManagedRuleGroupStatement) return 25;
  return 1;
}

export interface FakeEngineExtras {
  decision: (req: InspectedRequest) => WafDecision;
  /** What rateBasedManagedKeys answers for rules aggregating on the IP address. */
  managedKeys: { ipv4: string[]; ipv6: string[] };
  /** The rate-based rule instances asked about, in order. */
  managedKeysAsked: Array<{ instanceId: string; statement: RateBasedStatement }>;
}

export function fakeEngine(): WafEngine & FakeEngineExtras {
  const engine = {
    managedKeys: { ipv4: [] as string[], ipv6: [] as string[] },
    managedKeysAsked: [] as Array<{ instanceId: string; statement: RateBasedStatement }>,
    decision: (_req: InspectedRequest): WafDecision => ({ action: "ALLOW", terminatingRuleId: "Default_Action", insertHeaders: [], labels: [], countedRules: [], matchedRules: [] }),
    compile(acl: WebACL, resolver: WafResolver): FakeEvaluator {
      const ipAddresses: string[] = [];
      for (const r of acl.Rules ?? []) {
        const ip = r.Statement?.IPSetReferenceStatement?.ARN;
        if (ip) ipAddresses.push(...(resolver.ipSet(ip)?.Addresses ?? []));
        const g = r.Statement?.RuleGroupReferenceStatement?.ARN;
        for (const ir of (g ? resolver.ruleGroup(g)?.Rules : undefined) ?? []) {
          const inner = ir.Statement?.IPSetReferenceStatement?.ARN;
          if (inner) ipAddresses.push(...(resolver.ipSet(inner)?.Addresses ?? []));
        }
      }
      return { webAclArn: acl.ARN ?? "", webAclName: acl.Name ?? "", bodyInspectionLimit: 8192, acl, ipAddresses, evaluate: async (req) => engine.decision(req) };
    },
    capacity: (rules: Rule[], resolver: WafResolver) => rules.reduce((n, r) => n + ruleCost(r, resolver), 0),
    regexProblem: (pattern: string) => {
      try {
        new RegExp(pattern);
        return undefined;
      } catch (e) {
        return (e as Error).message;
      }
    },
    listManagedRuleGroups: () => [MANAGED, { VendorName: "AWS", Name: "AWSManagedRulesCommonRuleSet", Description: "Core rule set" }],
    describeManagedRuleGroup: (vendor: string, name: string, version?: string) =>
      vendor === "AWS" && name === MANAGED.Name && (version === undefined || version === "Version_1.0")
        ? { VersionName: "Version_1.0", Capacity: 200, LabelNamespace: "awswaf:managed:aws:sql-database:", Rules: [{ Name: "SQLi_QUERYARGUMENTS", Action: { Block: {} } }] }
        : undefined,
    managedRuleGroupVersions: (vendor: string, name: string) =>
      vendor === "AWS" && name === MANAGED.Name ? { versions: [{ Name: "Version_1.0", LastUpdateTimestamp: new Date(START) }], currentDefaultVersion: "Version_1.0" } : undefined,
    rateBasedManagedKeys: async (instanceId: string, statement: RateBasedStatement) => {
      engine.managedKeysAsked.push({ instanceId, statement });
      const type = statement.AggregateKeyType ?? "IP";
      if (type !== "IP" && type !== "FORWARDED_IP") throw unsupportedAggregateKeyType();
      return engine.managedKeys;
    },
  };
  return engine;
}

export interface WafFixture {
  svc: Wafv2Service;
  store: MemoryStorage;
  clock: ManualClock;
  engine: ReturnType<typeof fakeEngine>;
  dataPlane: FakeDataPlane;
  logDir: string;
  existingLbs: Set<string>;
  ctx(opts?: { region?: string; deny?: (r: AuthorizeRequest) => boolean; account?: string }): FakeContext;
  call<T = Record<string, unknown>>(op: string, input: unknown, ctx?: FakeContext): Promise<T>;
  /** Another service over the same storage (a restarted process) with a fresh data plane. */
  restart(): { svc: Wafv2Service; dataPlane: FakeDataPlane };
}

export function wafFixture(opts: Partial<Wafv2Deps> = {}): WafFixture {
  const store = createMemoryStorage();
  const clock = new ManualClock(START);
  const engine = fakeEngine();
  // Created only when a test writes logs (that test removes it).
  const logDir = path.join(tmpdir(), `bulwark-waf-logs-${randomUUID()}`);
  const existingLbs = new Set([LB_ARN]);
  const make = (dataPlane: FakeDataPlane): Wafv2Service =>
    createWafv2Service({
      store,
      clock,
      engine,
      secret: Buffer.alloc(32, 7),
      dataPlane,
      loadBalancerExists: async (arn) => existingLbs.has(arn),
      logDir,
      logSink: { flushIntervalMs: 5 },
      ...opts,
    });
  const dataPlane = new FakeDataPlane();
  const svc = make(dataPlane);
  const f: WafFixture = {
    svc,
    store,
    clock,
    engine,
    dataPlane,
    logDir,
    existingLbs,
    ctx: (o = {}) =>
      fakeContext({
        principal: principals.user(o.account ?? ACCOUNT, "admin"),
        now: clock.now(),
        region: o.region ?? REGION,
        service: "wafv2",
        ...(o.deny ? { deny: o.deny } : {}),
      }),
    async call<T>(op: string, input: unknown, ctx?: FakeContext): Promise<T> {
      const def = svc.operations[op];
      if (!def) throw new Error(`no operation ${op}`);
      return (await def.handler(input, ctx ?? f.ctx())) as T;
    },
    restart() {
      const dp = new FakeDataPlane();
      return { svc: make(dp), dataPlane: dp };
    },
  };
  return f;
}

export const VIS = (name: string) => ({ SampledRequestsEnabled: true, CloudWatchMetricsEnabled: true, MetricName: name });

export function request(over: Partial<InspectedRequest> = {}): InspectedRequest {
  return {
    requestId: "r-1",
    time: START,
    method: "GET",
    uri: "/admin?x=1",
    path: "/admin",
    query: "x=1",
    httpVersion: "1.1",
    headers: [["Host", "example.com"], ["Authorization", "secret-token"]],
    body: Buffer.alloc(0),
    bodyTruncated: false,
    bodyLength: 0,
    clientIp: "192.0.2.10",
    scheme: "http",
    ...over,
  };
}
