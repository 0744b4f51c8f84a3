/** Shared fixtures for the policy-engine tests (not used by production code). */
import assert from "node:assert/strict";
import type { ConditionContext, Principal } from "../../core/types.js";
import { evaluate } from "./evaluate.js";
import { parsePolicy } from "./parse.js";
import { principalContext } from "./principal-context.js";
import type { EvaluationInput, EvaluationResult, PolicyKind } from "./types.js";

export const ACCT = "111122223333";
export const OTHER = "444455556666";

export const alice: Principal = {
  type: "IAMUser",
  accountId: ACCT,
  arn: `arn:aws:iam::${ACCT}:user/alice`,
  principalId: "AIDAALICEEXAMPLE0001",
  accessKeyId: "AKIAALICEEXAMPLE0001",
  name: "alice",
};

export const bob: Principal = {
  ...alice,
  arn: `arn:aws:iam::${ACCT}:user/bob`,
  principalId: "AIDABOBEXAMPLE000001",
  name: "bob",
};

export const devSession: Principal = {
  type: "AssumedRole",
  accountId: ACCT,
  arn: `arn:aws:sts::${ACCT}:assumed-role/Dev/sess`,
  principalId: "AROADEVEXAMPLE000001:sess",
  accessKeyId: "ASIADEVEXAMPLE000001",
  name: "Dev",
  roleArn: `arn:aws:iam::${ACCT}:role/team/Dev`,
  roleId: "AROADEVEXAMPLE000001",
  sessionName: "sess",
  sessionIssuedAt: Date.UTC(2024, 5, 1, 11, 0, 0),
  sessionExpiresAt: Date.UTC(2024, 5, 1, 13, 0, 0),
};

export const root: Principal = {
  type: "Root",
  accountId: ACCT,
  arn: `arn:aws:iam::${ACCT}:root`,
  principalId: ACCT,
  accessKeyId: "AKIAROOTEXAMPLE00001",
};

export const eve: Principal = {
  type: "IAMUser",
  accountId: OTHER,
  arn: `arn:aws:iam::${OTHER}:user/eve`,
  principalId: "AIDAEVEEXAMPLE000001",
  accessKeyId: "AKIAEVEEXAMPLE000001",
  name: "eve",
};

export const fed: Principal = {
  type: "FederatedUser",
  accountId: ACCT,
  arn: `arn:aws:sts::${ACCT}:federated-user/fed`,
  principalId: `${ACCT}:fed`,
  accessKeyId: "ASIAFEDEXAMPLE000001",
  sessionIssuedAt: Date.UTC(2024, 5, 1, 11, 0, 0),
};

/** A GetFederationToken session of the IAM user alice (the directory names the issuer in roleArn). */
export const fedAlice: Principal = {
  ...fed,
  arn: `arn:aws:sts::${ACCT}:federated-user/alicefed`,
  principalId: `${ACCT}:alicefed`,
  name: "alicefed",
  roleArn: alice.arn,
  roleId: alice.principalId,
};

/** A GetFederationToken session the account's root user issued. */
export const fedRoot: Principal = {
  ...fed,
  arn: `arn:aws:sts::${ACCT}:federated-user/rootfed`,
  principalId: `${ACCT}:rootfed`,
  name: "rootfed",
  roleArn: `arn:aws:iam::${ACCT}:root`,
  roleId: ACCT,
};

export const anonymous: Principal = {
  type: "Anonymous",
  accountId: "",
  arn: "",
  principalId: "anonymous",
  accessKeyId: "",
};

export type Doc = Record<string, unknown>;
export type Stmt = Record<string, unknown>;

export const doc = (...statements: Stmt[]): Doc => ({ Version: "2012-10-17", Statement: statements });
export const allow = (Action: unknown, Resource: unknown = "*", Condition?: unknown): Stmt =>
  Condition === undefined ? { Effect: "Allow", Action, Resource } : { Effect: "Allow", Action, Resource, Condition };
export const deny = (Action: unknown, Resource: unknown = "*", Condition?: unknown): Stmt =>
  Condition === undefined ? { Effect: "Deny", Action, Resource } : { Effect: "Deny", Action, Resource, Condition };

export interface Case {
  name: string;
  principal?: Principal;
  identity?: Doc[];
  boundary?: Doc;
  session?: Doc[];
  /** Scope-down levels (sts:GetScopedCredentials), one document per level. */
  scopeDown?: Doc[];
  resourcePolicy?: Doc;
  resourceKind?: PolicyKind;
  authoritative?: boolean;
  scps?: Doc[][];
  rcps?: Doc[][];
  action?: string;
  resource?: string;
  resourceAccount?: string;
  ctx?: ConditionContext;
  tags?: Record<string, string>;
  servicePrincipal?: string;
  expect: EvaluationResult["decision"];
}

export const baseContext: ConditionContext = {
  "aws:SourceIp": "203.0.113.10",
  "aws:SecureTransport": true,
  "aws:CurrentTime": "2024-06-01T12:00:00Z",
  "aws:EpochTime": 1717243200,
  "aws:RequestedRegion": "us-east-1",
};

export function runCase(c: Case): EvaluationResult {
  const principal = c.principal ?? alice;
  const context = { ...principalContext(principal, c.tags), ...baseContext, ...(c.ctx ?? {}) };
  for (const [k, v] of Object.entries(c.ctx ?? {})) if (v === undefined) delete context[k];
  const p = (d: Doc, kind: PolicyKind) => parsePolicy(JSON.stringify(d), kind);
  const input: EvaluationInput = {
    principal,
    action: c.action ?? "iam:GetUser",
    resource: c.resource ?? `arn:aws:iam::${ACCT}:user/alice`,
    resourceAccount: c.resourceAccount ?? ACCT,
    identityPolicies: (c.identity ?? []).map((d) => p(d, "identity")),
    ...(c.boundary ? { permissionsBoundary: p(c.boundary, "boundary") } : {}),
    ...(c.session ? { sessionPolicies: c.session.map((d) => p(d, "session")) } : {}),
    ...(c.scopeDown ? { scopeDownPolicies: c.scopeDown.map((d) => p(d, "session")) } : {}),
    ...(c.resourcePolicy ? { resourcePolicy: p(c.resourcePolicy, c.resourceKind ?? "resource") } : {}),
    ...(c.authoritative ? { resourcePolicyIsAuthoritative: true } : {}),
    ...(c.scps ? { serviceControlPolicies: c.scps.map((level) => level.map((d) => p(d, "scp"))) } : {}),
    ...(c.rcps ? { resourceControlPolicies: c.rcps.map((level) => level.map((d) => p(d, "rcp"))) } : {}),
    ...(c.servicePrincipal ? { callerServicePrincipal: c.servicePrincipal } : {}),
    context,
  };
  const result = evaluate(input);
  // A traced evaluation (IAM's policy simulator) scans every statement but decides the same.
  const traced = evaluate({ ...input, trace: { matched: [], missingKeys: [] } });
  assert.equal(traced.decision, result.decision, "traced evaluation");
  assert.equal(traced.reason, result.reason, "traced evaluation reason");
  // The same decision with the context built on demand (at most once), and with the
  // authoriser's pattern: a first evaluation that stops at the first context read, then a
  // second one with the context.
  let calls = 0;
  const lazy = evaluate({ ...input, context: () => (calls++, context) });
  assert.equal(lazy.decision, result.decision, "lazily built context");
  assert.ok(calls <= 1, "the context function is called at most once");
  const STOP = {};
  let stopped = false;
  let retried: EvaluationResult | undefined;
  try {
    retried = evaluate({ ...input, context: () => { throw STOP; } });
  } catch (e) {
    assert.equal(e, STOP);
    stopped = true;
  }
  assert.equal(stopped, calls === 1, "the first evaluation stops exactly when the context is read");
  if (stopped) retried = evaluate(input);
  assert.equal(retried?.decision, result.decision, "decision after a stopped evaluation");
  return result;
}
