/**
 * Test harness for the IAM service: memory storage, the real sealer, a manual clock, and a
 * fake RequestContext whose authorize() records every request and denies on demand.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { ManualClock } from "../../../core/clock.js";
import { AwsError, commonError } from "../../../core/errors.js";
import type { AuthorizeRequest, Principal, RequestContext } from "../../../core/types.js";
import { createSealer } from "../../../crypto/seal.js";
import { createIamService, type IamService } from "../service.js";
import { MemoryStorage } from "./memory-storage.js";

export const ACCOUNT = "111122223333";
export const OTHER_ACCOUNT = "444455556666";
export const T0 = Date.UTC(2025, 0, 15, 12, 0, 0);

/** A role session of `accountId` (role R, session s). */
export function rolePrincipal(accountId = ACCOUNT): Principal {
  return { type: "AssumedRole", accountId, arn: `arn:aws:sts::${accountId}:assumed-role/R/s`, principalId: "AROAX:s", accessKeyId: "ASIAX" };
}

export function rootPrincipal(accountId = ACCOUNT): Principal {
  return { type: "Root", accountId, arn: `arn:aws:iam::${accountId}:root`, principalId: accountId, accessKeyId: "AKIAROOTROOTROOTROOT" };
}

export interface Harness {
  store: MemoryStorage;
  clock: ManualClock;
  iam: IamService;
  /** Every authorisation request made, in order. */
  calls: AuthorizeRequest[];
  /** Actions (e.g. "iam:CreateUser") the fake authoriser denies (implicitly: an alternativeAllow may still grant them). */
  deny: Set<string>;
  /** Actions the fake authoriser denies explicitly (no alternativeAllow is consulted). */
  explicitDeny: Set<string>;
  /** Invokes an operation through its handler, as the gateway would. */
  call<O = Record<string, unknown>>(operation: string, input: object, opts?: { principal?: Principal; accountId?: string }): Promise<O>;
  ctx(opts?: { principal?: Principal; accountId?: string }): RequestContext;
}

export function createHarness(): Harness {
  const store = new MemoryStorage();
  const clock = new ManualClock(T0);
  const sealer = createSealer(randomBytes(32));
  const iam = createIamService({ store, sealer, clock });
  const calls: AuthorizeRequest[] = [];
  const deny = new Set<string>();
  const explicitDeny = new Set<string>();

  function ctx(opts: { principal?: Principal; accountId?: string } = {}): RequestContext {
    const principal = opts.principal ?? rootPrincipal(opts.accountId ?? ACCOUNT);
    const authorizeImpl = async (req: AuthorizeRequest, o?: { alternativeAllow?: () => Promise<boolean> }): Promise<void> => {
      calls.push(req);
      if (!explicitDeny.has(req.action) && deny.has(req.action) && o?.alternativeAllow && (await o.alternativeAllow())) return;
      if (deny.has(req.action) || explicitDeny.has(req.action)) {
        throw commonError("AccessDenied", `User: ${principal.arn} is not authorized to perform: ${req.action} on resource: ${req.resource}`);
      }
    };
    return {
      requestId: "req-1",
      scope: { accountId: principal.accountId, region: "" },
      principal,
      service: "iam",
      operation: "Test",
      sourceIp: "127.0.0.1",
      userAgent: "test",
      secureTransport: true,
      now: clock.now(),
      authorize: authorizeImpl,
      isAllowed: async (req) => !deny.has(req.action) && !explicitDeny.has(req.action),
      evaluate: async (req) => (explicitDeny.has(req.action) ? "ExplicitDeny" : deny.has(req.action) ? "ImplicitDeny" : "Allow"),
      audit: {},
    };
  }

  async function call<O>(operation: string, input: object, opts?: { principal?: Principal; accountId?: string }): Promise<O> {
    const op = iam.definition.operations[operation];
    if (!op) throw new Error(`no operation ${operation}`);
    return (await op.handler(input, ctx(opts))) as O;
  }

  return { store, clock, iam, calls, deny, explicitDeny, call, ctx };
}

/** Asserts that `p` rejects with an AwsError of exactly this code, status and message. */
export async function assertAwsError(p: Promise<unknown>, code: string, status: number, message: string | RegExp): Promise<AwsError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof AwsError, `expected AwsError, got ${String(e)}`);
    assert.equal(e.code, code);
    assert.equal(e.status, status);
    if (typeof message === "string") assert.equal(e.message, message);
    else assert.match(e.message, message);
    return e;
  }
  assert.fail(`expected ${code}, but the call succeeded`);
}

export const ALLOW_ALL = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] });
export const ALLOW_S3 = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "*" }] });
export const TRUST_EC2 = JSON.stringify({
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }],
});
