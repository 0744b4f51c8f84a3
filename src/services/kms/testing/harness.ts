/**
 * Test harness for the KMS domain: real SQLite (in memory), the real sealer, real IAM (for
 * identity policies) and the real authoriser, a ManualClock, and the durable scheduler.
 * Operations are invoked through the service definition's handlers, as the gateway would,
 * with a RequestContext whose authorize() is the production authoriser.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { ManualClock } from "../../../core/clock.js";
import { AwsError } from "../../../core/errors.js";
import type { AuthorizeRequest, Principal, RequestContext } from "../../../core/types.js";
import { createSealer } from "../../../crypto/seal.js";
import { createAuthorizer } from "../../../iam/authorizer.js";
import { createScheduler, type Scheduler } from "../../../scheduler/scheduler.js";
import { openSqliteStorage } from "../../../storage/sqlite/sqlite-storage.js";
import type { Storage } from "../../../storage/types.js";
import type { AuditLog } from "../../../audit/types.js";
import { createIamService, type IamService } from "../../iam/service.js";
import { createKmsService, type KmsService } from "../service.js";
import type { KmsQuotas } from "../throttle.js";

export const ACCOUNT = "111122223333";
export const OTHER = "444455556666";
export const REGION = "us-east-1";
export const T0 = Date.UTC(2026, 0, 15, 12, 0, 0);

export interface KmsHarness {
  store: Storage;
  clock: ManualClock;
  iam: IamService;
  kms: KmsService;
  scheduler: Scheduler;
  root(accountId?: string): Principal;
  /** Creates an IAM user (optionally with an inline identity policy) and returns its principal. */
  user(accountId: string, name: string, policy?: object): Promise<Principal>;
  /** Creates a role (optionally with an inline policy) and returns a session principal for it. */
  roleSession(accountId: string, roleName: string, session: string, policy?: object): Promise<Principal>;
  ctx(principal: Principal, region?: string): RequestContext & { authorizeCalls: AuthorizeRequest[] };
  call<O = Record<string, unknown>>(operation: string, input: object, principal?: Principal, region?: string): Promise<O>;
  /** Like call, also returning the context (for audit annotations). */
  callWithCtx<O = Record<string, unknown>>(operation: string, input: object, principal?: Principal, region?: string): Promise<{ out: O; ctx: RequestContext }>;
  close(): Promise<void>;
}

const ALLOW_ALL_CTX = (accountId: string): RequestContext => ({
  requestId: "setup",
  scope: { accountId, region: "" },
  principal: { type: "Root", accountId, arn: `arn:aws:iam::${accountId}:root`, principalId: accountId, accessKeyId: "AKIASETUPSETUPSETUP0" },
  service: "iam",
  operation: "Setup",
  sourceIp: "127.0.0.1",
  userAgent: "test",
  secureTransport: true,
  now: T0,
  audit: {},
  authorize: async () => undefined,
  isAllowed: async () => true,
  evaluate: async () => "Allow",
});

export function createKmsHarness(
  opts: {
    quotas?: Partial<KmsQuotas>;
    withScheduler?: boolean;
    /** A database file (several processes on one installation); and the root key its secrets are sealed under. */
    path?: string;
    rootKey?: Buffer;
    /** An audit log on the harness's storage (KMS records its service events there). */
    audit?: (store: Storage, clock: ManualClock) => AuditLog;
  } = {},
): KmsHarness {
  const store = openSqliteStorage({ path: opts.path ?? ":memory:" });
  const clock = new ManualClock(T0);
  const sealer = createSealer(opts.rootKey ?? randomBytes(32));
  const iam = createIamService({ store, sealer, clock });
  const authorizer = createAuthorizer({ directory: iam.directory });
  const scheduler = createScheduler({ store, clock });
  const kms = createKmsService({
    store,
    sealer,
    clock,
    ...(opts.withScheduler === false ? {} : { scheduler }),
    importTokenKey: randomBytes(32),
    grantTokenKey: randomBytes(32),
    markerKey: randomBytes(32),
    quotas: { symmetricRps: 0, rsaRps: 0, eccRps: 0, pqRps: 0, ...opts.quotas },
    usageFlushMs: 60_000,
    ...(opts.audit ? { audit: opts.audit(store, clock) } : {}),
  });
  let seq = 0;

  async function iamCall(op: string, accountId: string, input: object): Promise<Record<string, unknown>> {
    const def = iam.definition.operations[op];
    if (!def) throw new Error(`no IAM operation ${op}`);
    return (await def.handler(input, ALLOW_ALL_CTX(accountId))) as Record<string, unknown>;
  }

  const h: KmsHarness = {
    store,
    clock,
    iam,
    kms,
    scheduler,
    root(accountId = ACCOUNT) {
      return { type: "Root", accountId, arn: `arn:aws:iam::${accountId}:root`, principalId: accountId, accessKeyId: `AKIAROOT${accountId}` };
    },
    async user(accountId, name, policy) {
      const u = await iam.api.createUser({ accountId, region: "" }, { userName: name });
      if (policy) await iamCall("PutUserPolicy", accountId, { UserName: name, PolicyName: "p", PolicyDocument: JSON.stringify(policy) });
      return { type: "IAMUser", accountId, arn: u.arn, principalId: u.userId, accessKeyId: `AKIAUSER${String(++seq).padStart(12, "0")}`, name };
    },
    async roleSession(accountId, roleName, session, policy) {
      const trust = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${accountId}:root` }, Action: "sts:AssumeRole" }] };
      const r = await iam.api.createRole({ accountId, region: "" }, { roleName, assumeRolePolicyDocument: JSON.stringify(trust) });
      if (policy) await iamCall("PutRolePolicy", accountId, { RoleName: roleName, PolicyName: "p", PolicyDocument: JSON.stringify(policy) });
      return {
        type: "AssumedRole",
        accountId,
        arn: `arn:aws:sts::${accountId}:assumed-role/${roleName}/${session}`,
        principalId: `${r.roleId}:${session}`,
        accessKeyId: `ASIAROLE${String(++seq).padStart(12, "0")}`,
        name: roleName,
        roleArn: r.arn,
        roleId: r.roleId,
        sessionName: session,
        sessionIssuedAt: T0,
        sessionExpiresAt: T0 + 3_600_000,
      };
    },
    ctx(principal, region = REGION) {
      const facts = { sourceIp: "127.0.0.1", secureTransport: true, region, userAgent: "test", now: clock.now() };
      const authorizeCalls: AuthorizeRequest[] = [];
      return {
        requestId: `req-${++seq}`,
        scope: { accountId: principal.accountId, region },
        principal,
        service: "kms",
        operation: "Test",
        sourceIp: "127.0.0.1",
        userAgent: "test",
        secureTransport: true,
        now: clock.now(),
        audit: {},
        authorizeCalls,
        async authorize(req, o) {
          authorizeCalls.push(req);
          await authorizer.authorize(principal, facts, req, o?.alternativeAllow);
        },
        async isAllowed(req) {
          return (await authorizer.decide(principal, facts, req)).decision === "Allow";
        },
        async evaluate(req) {
          return (await authorizer.decide(principal, facts, req)).decision;
        },
      };
    },
    async call(operation, input, principal, region) {
      return (await h.callWithCtx(operation, input, principal, region)).out as never;
    },
    async callWithCtx(operation, input, principal = h.root(), region = REGION) {
      const def = kms.definition.operations[operation];
      if (!def) throw new Error(`no KMS operation ${operation}`);
      const ctx = h.ctx(principal, region);
      const out = await def.handler(input, ctx);
      return { out: out as never, ctx };
    },
    async close() {
      await scheduler.stop();
      await kms.stop();
      await store.close();
    },
  };
  return h;
}

/** Asserts that `p` rejects with an AwsError of exactly this code (and message, when given). */
export async function rejects(p: Promise<unknown>, code: string, message?: string | RegExp): Promise<AwsError> {
  let caught: unknown;
  try {
    await p;
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof AwsError, `expected ${code}, got ${caught === undefined ? "success" : String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  if (typeof message === "string") assert.equal(caught.message, message);
  else if (message) assert.match(caught.message, message);
  return caught;
}

export const ALLOW_KMS = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "kms:*", Resource: "*" }] };
