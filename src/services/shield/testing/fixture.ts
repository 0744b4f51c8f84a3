/**
 * Shield over in-memory fakes (test support): memory storage, a manual clock, a set of
 * existing load balancers, web ACL associations and a recorder of applied mitigations.
 * `call` runs a handler with a fake request context (every authorize call is recorded).
 */
import { ManualClock } from "../../../core/clock.js";
import type { AuthorizeRequest } from "../../../core/types.js";
import type { DetectionSettings } from "../../../dataplane/shield/detection/settings.js";
import type { MitigationRule } from "../../../dataplane/shield/detection/types.js";
import { fakeContext, principals, type FakeContext } from "../../sts/testing/fake-context.js";
import { createMemoryStorage, type MemoryStorage } from "../../sts/testing/memory-storage.js";
import { createShieldService, type ShieldService } from "../service.js";
import type { SrtRoleFacts } from "../env.js";

export const ACCOUNT = "111122223333";
export const OTHER = "444455556666";
export const REGION = "eu-west-1";
export const START = Date.UTC(2024, 4, 6, 7, 8, 9);
export const LB = `arn:aws:elasticloadbalancing:${REGION}:${ACCOUNT}:loadbalancer/app/web/50dc6c495c0c9188`;
export const LB2 = `arn:aws:elasticloadbalancing:${REGION}:${ACCOUNT}:loadbalancer/app/api/60dc6c495c0c9188`;
export const OTHER_LB = `arn:aws:elasticloadbalancing:${REGION}:${OTHER}:loadbalancer/app/web/70dc6c495c0c9188`;
export const ACL = `arn:aws:wafv2:${REGION}:${ACCOUNT}:regional/webacl/site/a1b2c3d4-5678-90ab-cdef-111111111111`;

export interface ShieldFixture {
  svc: ShieldService;
  store: MemoryStorage;
  clock: ManualClock;
  loadBalancers: Set<string>;
  webAcls: Map<string, string>;
  mitigations: Array<{ acl: string; m: MitigationRule }>;
  /** Runs an operation as a user of `account` (default ACCOUNT); `deny` refuses matching authorisations. */
  call<T = Record<string, unknown>>(op: string, input?: unknown, opts?: { account?: string; deny?: (r: AuthorizeRequest) => boolean; ctx?: (c: FakeContext) => void }): Promise<T>;
  /** Authorisation requests of the last call. */
  lastAuth: AuthorizeRequest[];
}

const DRT_ACCESS_POLICY = "arn:aws:iam::aws:policy/service-role/AWSShieldDRTAccessPolicy";

/** Roles AssociateDRTRole finds, by name: only srt-access meets its requirements. */
const SRT_ROLES: Record<string, SrtRoleFacts> = {
  "srt-access": { trusts: (s) => s === "drt.shield.amazonaws.com", attachedPolicyArns: [DRT_ACCESS_POLICY] },
  "srt-untrusted": { trusts: (s) => s === "ec2.amazonaws.com", attachedPolicyArns: [DRT_ACCESS_POLICY] },
  "srt-no-policy": { trusts: (s) => s === "drt.shield.amazonaws.com", attachedPolicyArns: ["arn:aws:iam::aws:policy/ReadOnlyAccess"] },
};

export function shieldFixture(detection: Partial<DetectionSettings> = {}): ShieldFixture {
  const store = createMemoryStorage();
  const clock = new ManualClock(START);
  const loadBalancers = new Set([LB, LB2, OTHER_LB]);
  const webAcls = new Map<string, string>();
  const mitigations: Array<{ acl: string; m: MitigationRule }> = [];
  const svc = createShieldService({
    store,
    clock,
    tokenKey: Buffer.alloc(32, 7),
    loadBalancerExists: async (arn) => loadBalancers.has(arn),
    webAclForResource: async (arn) => webAcls.get(arn),
    applyMitigation: async (acl, m) => {
      mitigations.push({ acl, m });
    },
    describeRole: async (arn) => SRT_ROLES[arn.slice(arn.indexOf(":role/") + 6)],
    detection: { baselineSeconds: 10, minRequestsPerSecond: 50, sustainSeconds: 2, cooldownSeconds: 2, persistSeconds: 1, ...detection },
  });
  const f: ShieldFixture = {
    svc,
    store,
    clock,
    loadBalancers,
    webAcls,
    mitigations,
    lastAuth: [],
    async call<T>(op: string, input: unknown = {}, opts: { account?: string; deny?: (r: AuthorizeRequest) => boolean; ctx?: (c: FakeContext) => void } = {}): Promise<T> {
      const def = svc.operations[op];
      if (!def) throw new Error(`no operation ${op}`);
      const ctx = fakeContext({ principal: principals.user(opts.account ?? ACCOUNT, "alice"), now: clock.now(), region: "", service: "shield", operation: op, ...(opts.deny ? { deny: opts.deny } : {}) });
      opts.ctx?.(ctx);
      f.lastAuth = ctx.calls;
      return (await def.handler(input, ctx)) as T;
    },
  };
  return f;
}
