import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { Principal } from "../../core/types.js";
import type { SessionRecord } from "../iam/api.js";
import { expectAwsError } from "./testing/expect-error.js";
import { fakeContext, principals, type FakeContext } from "./testing/fake-context.js";
import { ACCOUNT, NOW, stsFixture, type StsFixture } from "./testing/sts-fixture.js";
import { sessionTokenUtilization } from "./credentials.js";

interface ScopedOut {
  Credentials: { AccessKeyId: string; SecretAccessKey: string; SessionToken: string; Expiration: Date };
  SessionInfo: { ScopedSessionId: string; Arn: string };
  SessionTokenUtilization: number;
  SessionTokenSize: number;
  ScopedPoliciesCount: number;
  SourceIdentity?: string;
}
interface AssumeOut {
  Credentials: { AccessKeyId: string; Expiration: Date };
}

const NOW_S = Math.floor(NOW / 1000) * 1000;
const LIST_ROLES = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "iam:ListRoles", Resource: "*" }] });
const ALL = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] });

/** A principal as the directory resolves it from a stored session record. */
function principalOf(rec: SessionRecord): Principal {
  return {
    ...principals.role(rec.accountId, rec.roleName ?? "", rec.roleId ?? "", rec.sessionName ?? "", {
      accessKeyId: rec.accessKeyId,
      sessionIssuedAt: rec.issuedAt,
      sessionExpiresAt: rec.expiresAt,
      ...(rec.sessionTags ? { sessionTags: rec.sessionTags } : {}),
      ...(rec.sourceIdentity ? { sourceIdentity: rec.sourceIdentity } : {}),
      ...(rec.scopeDownPolicies ? { scopeDownPolicies: rec.scopeDownPolicies } : {}),
    }),
  };
}

async function roleSession(f: StsFixture, extra: Record<string, unknown> = {}): Promise<{ rec: SessionRecord; ctx: (now?: number) => FakeContext }> {
  const role = await f.role("Agent", { maxSessionDuration: 43200 });
  const user = fakeContext({ principal: principals.user(ACCOUNT, "alice"), now: NOW });
  const out = await f.call<AssumeOut>("AssumeRole", { RoleArn: role.arn, RoleSessionName: "run-7", ...extra }, user);
  const rec = f.iam.sessions.get(out.Credentials.AccessKeyId)!;
  return { rec, ctx: (now = NOW) => fakeContext({ principal: principalOf(rec), now }) };
}

describe("GetScopedCredentials", () => {
  test("issues credentials for the same session identity with the scope-down policy appended", async () => {
    const f = stsFixture();
    const { rec, ctx } = await roleSession(f, {
      Tags: [{ Key: "team", Value: "blue" }],
      SourceIdentity: "alice",
      Policy: ALL,
    });
    const c = ctx();
    const out = await f.call<ScopedOut>("GetScopedCredentials", { Policy: LIST_ROLES, ScopedSessionDescription: "ci step" }, c);
    assert.match(out.Credentials.AccessKeyId, /^ASIA/);
    assert.notEqual(out.Credentials.AccessKeyId, rec.accessKeyId);
    assert.equal(out.Credentials.Expiration.getTime(), rec.expiresAt, "inherits the caller's expiry");
    assert.deepEqual(out.SessionInfo, { ScopedSessionId: `${rec.roleId}:run-7`, Arn: `arn:aws:sts::${ACCOUNT}:assumed-role/Agent/run-7` });
    assert.equal(out.ScopedPoliciesCount, 1);
    assert.equal(out.SourceIdentity, "alice");
    assert.equal(out.SessionTokenSize, out.Credentials.SessionToken.length);
    assert.equal(out.SessionTokenUtilization, sessionTokenUtilization(out.SessionTokenSize));
    assert.deepEqual(c.calls, [{ action: "sts:GetScopedCredentials", resource: "*" }]);

    const scoped = f.iam.sessions.get(out.Credentials.AccessKeyId)!;
    assert.equal(scoped.kind, "AssumedRole");
    assert.equal(scoped.roleId, rec.roleId);
    assert.equal(scoped.sessionName, "run-7");
    assert.deepEqual(scoped.sessionTags, { team: "blue" });
    assert.equal(scoped.sourceIdentity, "alice");
    assert.equal(scoped.sessionPolicy, rec.sessionPolicy, "the caller's session policy still applies");
    assert.deepEqual(scoped.scopeDownPolicies, [LIST_ROLES]);
    assert.equal(f.sealer.unsealString(scoped.sealedSecret, `sts/session/${scoped.accessKeyId}`).toString(), out.Credentials.SecretAccessKey);
    const audited = JSON.stringify(c.audit.responseElements);
    assert.ok(audited.includes(out.Credentials.AccessKeyId) && audited.includes('"scopedPoliciesCount":1'));
    assert.ok(!audited.includes(out.Credentials.SecretAccessKey) && !audited.includes(out.Credentials.SessionToken));
  });

  test("a chain keeps every earlier level and allows at most three", async () => {
    const f = stsFixture();
    const { ctx } = await roleSession(f);
    let c = ctx();
    for (let i = 1; i <= 3; i++) {
      const out = await f.call<ScopedOut>("GetScopedCredentials", { Policy: i === 2 ? ALL : LIST_ROLES }, c);
      assert.equal(out.ScopedPoliciesCount, i);
      const rec = f.iam.sessions.get(out.Credentials.AccessKeyId)!;
      assert.deepEqual(rec.scopeDownPolicies, [LIST_ROLES, ALL, LIST_ROLES].slice(0, i));
      c = fakeContext({ principal: principalOf(rec), now: NOW });
    }
    await expectAwsError(f.call("GetScopedCredentials", { Policy: ALL }, c), "AccessDeniedException", "A session can have at most 3 scope down policies.", 400);
    // Shortening the lifetime only adds no level.
    const out = await f.call<ScopedOut>("GetScopedCredentials", { DurationSeconds: 60 }, c);
    assert.equal(out.ScopedPoliciesCount, 3);
    assert.equal(out.Credentials.Expiration.getTime(), NOW_S + 60_000);
  });

  test("DurationSeconds: 1 to 129600 and never beyond the calling session", async () => {
    const f = stsFixture();
    const { rec, ctx } = await roleSession(f, { DurationSeconds: 7200 });
    assert.equal(rec.expiresAt, NOW_S + 7200_000);
    assert.equal((await f.call<ScopedOut>("GetScopedCredentials", { DurationSeconds: 1 }, ctx())).Credentials.Expiration.getTime(), NOW_S + 1000);
    assert.equal((await f.call<ScopedOut>("GetScopedCredentials", { DurationSeconds: 7200 }, ctx())).Credentials.Expiration.getTime(), NOW_S + 7200_000);
    await expectAwsError(
      f.call("GetScopedCredentials", { DurationSeconds: 7201 }, ctx()),
      "InsufficientSessionLifetime",
      "The requested DurationSeconds (7201) is greater than the remaining lifetime of the calling session (7200 seconds).",
      400,
    );
    // An hour later, an hour is left.
    await expectAwsError(f.call("GetScopedCredentials", { DurationSeconds: 3601 }, ctx(NOW + 3600_000)), "InsufficientSessionLifetime", /remaining lifetime of the calling session \(3600 seconds\)/);
    await expectAwsError(
      f.call("GetScopedCredentials", { DurationSeconds: 0 }, ctx()),
      "ValidationError",
      "1 validation error detected: Value '0' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 1",
      400,
    );
    await expectAwsError(
      f.call("GetScopedCredentials", { DurationSeconds: 129601 }, ctx()),
      "ValidationError",
      "1 validation error detected: Value '129601' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to 129600",
    );
  });

  test("needs Policy or DurationSeconds; a malformed policy is refused", async () => {
    const f = stsFixture();
    const { ctx } = await roleSession(f);
    await expectAwsError(f.call("GetScopedCredentials", {}, ctx()), "ValidationError", "A request must provide at least one of Policy or DurationSeconds.", 400);
    await expectAwsError(f.call("GetScopedCredentials", { Policy: "{nope" }, ctx()), "MalformedPolicyDocument", "The policy is not in the valid JSON format.", 400);
    await expectAwsError(f.call("GetScopedCredentials", { Policy: "x".repeat(2049) }, ctx()), "ValidationError", /at 'policy' failed to satisfy constraint: Member must have length less than or equal to 2048/);
    await expectAwsError(
      f.call("GetScopedCredentials", { DurationSeconds: 60, ScopedSessionDescription: "d".repeat(257) }, ctx()),
      "ValidationError",
      /at 'scopedSessionDescription' failed to satisfy constraint: Member must have length less than or equal to 256/,
    );
  });

  test("long-term credentials of IAM users and the root user are refused", async () => {
    const f = stsFixture();
    for (const p of [principals.user(ACCOUNT, "alice"), principals.root(ACCOUNT)]) {
      const c = fakeContext({ principal: p, now: NOW });
      const e = await expectAwsError(f.call("GetScopedCredentials", { Policy: LIST_ROLES }, c), "AccessDeniedException", "Cannot call GetScopedCredentials with long-term credentials", 400);
      assert.equal(e.common, "AccessDenied");
      assert.equal(c.calls.length, 0);
    }
    assert.equal(f.iam.sessions.size, 0);
  });

  test("a GetSessionToken session of an IAM user may scope down", async () => {
    const f = stsFixture();
    const user = principals.user(ACCOUNT, "alice");
    const st = await f.call<AssumeOut>("GetSessionToken", { DurationSeconds: 900 }, fakeContext({ principal: user, now: NOW }));
    const rec = f.iam.sessions.get(st.Credentials.AccessKeyId)!;
    const c = fakeContext({ principal: { ...user, accessKeyId: rec.accessKeyId, isSessionToken: true, sessionExpiresAt: rec.expiresAt }, now: NOW });
    const out = await f.call<ScopedOut>("GetScopedCredentials", { Policy: LIST_ROLES }, c);
    assert.deepEqual(out.SessionInfo, { ScopedSessionId: user.principalId, Arn: user.arn });
    const scoped = f.iam.sessions.get(out.Credentials.AccessKeyId)!;
    assert.equal(scoped.kind, "SessionToken");
    assert.equal(scoped.userId, rec.userId);
    assert.equal(out.Credentials.Expiration.getTime(), rec.expiresAt);
  });

  test("a denied sts:GetScopedCredentials issues nothing; an unknown calling session is InvalidSubjectCredentials", async () => {
    const f = stsFixture();
    const { rec } = await roleSession(f);
    const denied = fakeContext({ principal: principalOf(rec), now: NOW, deny: (r) => r.action === "sts:GetScopedCredentials" });
    const before = f.iam.sessions.size;
    await expectAwsError(f.call("GetScopedCredentials", { Policy: LIST_ROLES }, denied), "AccessDeniedException", /not authorized to perform: sts:GetScopedCredentials/);
    assert.equal(f.iam.sessions.size, before);
    const ghost = fakeContext({ principal: principals.role(ACCOUNT, "Agent", "AROAGHOST00000000001", "x"), now: NOW });
    await expectAwsError(
      f.call("GetScopedCredentials", { Policy: LIST_ROLES }, ghost),
      "InvalidSubjectCredentials",
      "The calling session's credentials could not be validated or resolved.",
      400,
    );
  });

  test("token utilization is a percentage of the largest token", () => {
    assert.equal(sessionTokenUtilization(135), 4);
    assert.equal(sessionTokenUtilization(4096), 100);
  });
});
