import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { accessKeyIdAccount } from "../../crypto/access-key-id.js";
import type { RootAccessFeature } from "../iam/root-access.js";
import type { AccountRecord } from "../organizations/accounts.js";
import type { OrganizationRecord } from "../organizations/model.js";
import type { OrganizationsView } from "../organizations/view.js";
import { orgRecordWithIamAccess } from "../organizations/testing/org-fixture.js";
import { expectAwsError } from "./testing/expect-error.js";
import { fakeContext, principals } from "./testing/fake-context.js";
import { NOW, stsFixture } from "./testing/sts-fixture.js";

const MGMT = "111111111111";
const DELEGATE = "222222222222";
const MEMBER = "333333333333";
const OUTSIDER = "444444444444";
const AUDIT = "arn:aws:iam::aws:policy/root-task/IAMAuditRootUserCredentials";
const SQS = "arn:aws:iam::aws:policy/root-task/SQSUnlockQueuePolicy";

function setup(opts: { features?: RootAccessFeature[]; org?: Partial<OrganizationRecord>; memberStatus?: AccountRecord["status"] } = {}) {
  const org = orgRecordWithIamAccess(MGMT, DELEGATE, opts.org);
  const account = (id: string, status: AccountRecord["status"] = "ACTIVE"): AccountRecord => ({ id, name: id, email: `${id}@e.com`, status, createdAt: 0, organizationId: org.id });
  const accounts = new Map([MGMT, DELEGATE].map((id) => [id, account(id)]));
  accounts.set(MEMBER, account(MEMBER, opts.memberStatus));
  const organizations: OrganizationsView = {
    async membership(id) {
      const a = accounts.get(id);
      return a ? { account: a, org } : undefined;
    },
  };
  let features = opts.features ?? ["RootSessions", "RootCredentialsManagement"];
  const f = stsFixture(undefined, { organizations, rootAccess: { enabledFeatures: async () => features } });
  return { f, setFeatures: (x: RootAccessFeature[]) => (features = x) };
}

const input = (target = MEMBER, arn = AUDIT, more: object = {}) => ({ TargetPrincipal: target, TaskPolicyArn: { arn }, ...more });

describe("AssumeRoot", () => {
  test("issues the member account's root session, limited by the task policy", async () => {
    const { f } = setup();
    const ctx = fakeContext({ principal: principals.user(MGMT, "admin"), now: NOW });
    const out = await f.call<{ Credentials: { AccessKeyId: string; Expiration: Date; SessionToken: string }; SessionTokenSize: number; SessionTokenUtilization: number; SourceIdentity?: string }>(
      "AssumeRoot",
      input(`arn:aws:iam::${MEMBER}:root`, AUDIT, { DurationSeconds: 600 }),
      ctx,
    );
    assert.match(out.Credentials.AccessKeyId, /^ASIA/);
    // The member account's root session: its id names the member account, not the caller's.
    assert.equal(accessKeyIdAccount(out.Credentials.AccessKeyId), MEMBER);
    assert.deepEqual(out.Credentials.Expiration, new Date(Math.floor(NOW / 1000) * 1000 + 600_000));
    assert.equal(out.SessionTokenSize, out.Credentials.SessionToken.length);
    assert.equal(out.SessionTokenUtilization, Math.ceil((out.SessionTokenSize * 100) / 4096));
    assert.equal(out.SourceIdentity, undefined);
    const rec = f.iam.sessions.get(out.Credentials.AccessKeyId);
    assert.equal(rec?.kind, "AssumedRoot");
    assert.equal(rec?.accountId, MEMBER);
    assert.deepEqual(rec?.sessionPolicyArns, [AUDIT]);
    assert.equal(rec?.issuerArn, `arn:aws:iam::${MGMT}:user/admin`);
    assert.deepEqual(ctx.calls.map((c) => [c.action, c.resource, c.context]), [["sts:AssumeRoot", `arn:aws:iam::${MEMBER}:root`, { "sts:TaskPolicyArn": AUDIT }]]);
    assert.deepEqual(ctx.audit.resources, [{ ARN: `arn:aws:iam::${MEMBER}:root`, accountId: MEMBER }]);
    assert.deepEqual(Object.keys(ctx.audit.responseElements ?? {}), ["credentials"]);
  });

  test("defaults to 900 seconds; 0 is allowed; the delegate may call it; source identity carries over", async () => {
    const { f } = setup();
    const role = principals.role(DELEGATE, "Ops", "AROAEXAMPLEROLE00001", "s", { sourceIdentity: "alice" });
    const out = await f.call<{ Credentials: { Expiration: Date; AccessKeyId: string }; SourceIdentity?: string }>("AssumeRoot", input(), fakeContext({ principal: role, now: NOW }));
    assert.deepEqual(out.Credentials.Expiration, new Date(Math.floor(NOW / 1000) * 1000 + 900_000));
    assert.equal(out.SourceIdentity, "alice");
    assert.equal(f.iam.sessions.get(out.Credentials.AccessKeyId)?.sourceIdentity, "alice");
    const zero = await f.call<{ Credentials: { Expiration: Date } }>("AssumeRoot", input(MEMBER, AUDIT, { DurationSeconds: 0 }), fakeContext({ principal: principals.user(MGMT, "a"), now: NOW }));
    assert.deepEqual(zero.Credentials.Expiration, new Date(Math.floor(NOW / 1000) * 1000));
  });

  test("validation: model constraints, the target, the task policy", async () => {
    const { f } = setup();
    const ctx = fakeContext({ principal: principals.user(MGMT, "admin"), now: NOW });
    const call = (x: object) => f.call("AssumeRoot", x, ctx);
    await expectAwsError(
      call({}),
      "ValidationError",
      "2 validation errors detected: Value null at 'targetPrincipal' failed to satisfy constraint: Member must not be null; Value null at 'taskPolicyArn' failed to satisfy constraint: Member must not be null",
    );
    await expectAwsError(call({ TargetPrincipal: MEMBER, TaskPolicyArn: {} }), "ValidationError", "1 validation error detected: Value null at 'taskPolicyArn' failed to satisfy constraint: Member must not be null");
    await expectAwsError(call(input(MEMBER, AUDIT, { DurationSeconds: 901 })), "ValidationError", "1 validation error detected: Value '901' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to 900");
    await expectAwsError(call(input(`arn:aws:iam::${MEMBER}:user/x`)), "ValidationError", "Request must contain a valid target principal");
    await expectAwsError(call(input(MEMBER, "arn:aws:iam::aws:policy/ReadOnlyAccess")), "ValidationError", "Request must contain valid AWS managed task policy ARN");
    assert.equal(ctx.calls.length, 0);
  });

  test("refused: root credentials, no permission, outside the organization, the management account itself, a non-admin account", async () => {
    const { f } = setup();
    const denied = (p: ReturnType<typeof principals.user>, target: string) =>
      expectAwsError(f.call("AssumeRoot", input(target), fakeContext({ principal: p, now: NOW })), "AccessDeniedException", `User: ${p.arn} is not authorized to perform: sts:AssumeRoot on resource: arn:aws:iam::${target}:root`);
    await denied(principals.root(MGMT), MEMBER);
    await expectAwsError(
      f.call("AssumeRoot", input(), fakeContext({ principal: principals.user(MGMT, "a"), now: NOW, deny: (r) => r.action === "sts:AssumeRoot" })),
      "AccessDeniedException",
      `User: arn:aws:iam::${MGMT}:user/a is not authorized to perform: sts:AssumeRoot on resource: arn:aws:iam::${MEMBER}:root`,
    );
    await denied(principals.user(MGMT, "a"), OUTSIDER);
    await denied(principals.user(MGMT, "a"), MGMT);
    await denied(principals.user(MEMBER, "a"), DELEGATE);
    const noTrust = setup({ org: { enabledServices: [] } });
    await expectAwsError(noTrust.f.call("AssumeRoot", input(), fakeContext({ principal: principals.user(MGMT, "a"), now: NOW })), "AccessDeniedException", /is not authorized to perform: sts:AssumeRoot/);
    const suspended = setup({ memberStatus: "SUSPENDED" });
    await expectAwsError(suspended.f.call("AssumeRoot", input(), fakeContext({ principal: principals.user(MGMT, "a"), now: NOW })), "AccessDeniedException", /is not authorized to perform: sts:AssumeRoot/);
    assert.equal(f.iam.sessions.size, 0);
  });

  test("each task needs its feature: IAM tasks RootCredentialsManagement, S3/SQS RootSessions", async () => {
    const { f, setFeatures } = setup({ features: ["RootCredentialsManagement"] });
    const ctx = () => fakeContext({ principal: principals.user(MGMT, "a"), now: NOW });
    await f.call("AssumeRoot", input(MEMBER, AUDIT), ctx());
    await expectAwsError(f.call("AssumeRoot", input(MEMBER, SQS), ctx()), "AccessDeniedException", "Root sessions feature is not enabled for your AWS Organization.");
    setFeatures(["RootSessions"]);
    await f.call("AssumeRoot", input(MEMBER, SQS), ctx());
    await expectAwsError(f.call("AssumeRoot", input(MEMBER, AUDIT), ctx()), "AccessDeniedException", "Root credentials management feature is not enabled for your AWS Organization.");
  });
});
