import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { accessKeyIdAccount } from "../../crypto/access-key-id.js";
import { expectAwsError } from "./testing/expect-error.js";
import { fakeContext, principals } from "./testing/fake-context.js";
import { ACCOUNT, NOW, stsFixture } from "./testing/sts-fixture.js";

interface Out {
  Credentials: { AccessKeyId: string; SecretAccessKey: string; SessionToken: string; Expiration: Date };
  FederatedUser: { FederatedUserId: string; Arn: string };
  PackedPolicySize?: number;
  SessionTokenSize: number;
  SessionTokenUtilization: number;
}
const NOW_S = Math.floor(NOW / 1000) * 1000;
const POLICY = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "kms:Encrypt", Resource: "*" }] });

describe("GetFederationToken", () => {
  test("an IAM user federates 'bob': 12-hour credentials, the federated user's id and ARN, the session policy kept", async () => {
    const f = stsFixture();
    const user = principals.user(ACCOUNT, "proxy", "AIDAPROXY00000000001");
    const ctx = fakeContext({ principal: user, now: NOW });
    const out = await f.call<Out>("GetFederationToken", { Name: "bob", Policy: POLICY }, ctx);
    assert.match(out.Credentials.AccessKeyId, /^ASIA/);
    assert.equal(accessKeyIdAccount(out.Credentials.AccessKeyId), ACCOUNT);
    assert.equal(out.Credentials.Expiration.getTime(), NOW_S + 43200_000);
    assert.deepEqual(out.FederatedUser, { FederatedUserId: `${ACCOUNT}:bob`, Arn: `arn:aws:sts::${ACCOUNT}:federated-user/bob` });
    assert.ok(typeof out.PackedPolicySize === "number" && out.PackedPolicySize > 0 && out.PackedPolicySize <= 100);
    assert.equal(out.SessionTokenSize, out.Credentials.SessionToken.length);
    assert.equal(out.SessionTokenUtilization, Math.max(out.PackedPolicySize, Math.ceil((out.SessionTokenSize * 100) / 4096)));
    const rec = f.iam.sessions.get(out.Credentials.AccessKeyId)!;
    assert.equal(rec.kind, "FederatedUser");
    assert.equal(rec.sessionName, "bob");
    assert.equal(rec.userId, "AIDAPROXY00000000001");
    assert.equal(rec.userArn, user.arn);
    assert.equal(rec.sessionPolicy, POLICY);
    assert.equal(rec.isRoot, undefined);
    // Authorised as sts:GetFederationToken on the federated user.
    assert.deepEqual(ctx.calls.map((c) => [c.action, c.resource]), [["sts:GetFederationToken", `arn:aws:sts::${ACCOUNT}:federated-user/bob`]]);
    const audited = JSON.stringify(ctx.audit.responseElements);
    assert.ok(audited.includes(out.Credentials.AccessKeyId) && audited.includes(`federated-user/bob`));
    assert.ok(!audited.includes(out.Credentials.SecretAccessKey) && !audited.includes(out.Credentials.SessionToken));
  });

  test("managed session policies of the federating user's account or AWS managed; another account's are refused", async () => {
    const f = stsFixture();
    const user = fakeContext({ principal: principals.user(ACCOUNT, "proxy", "AIDAPROXY00000000001"), now: NOW });
    const own = `arn:aws:iam::${ACCOUNT}:policy/Federated`;
    const out = await f.call<Out>("GetFederationToken", { Name: "bob", PolicyArns: [{ arn: own }, { arn: "arn:aws:iam::aws:policy/ReadOnlyAccess" }] }, user);
    assert.deepEqual(f.iam.sessions.get(out.Credentials.AccessKeyId)?.sessionPolicyArns, [own, "arn:aws:iam::aws:policy/ReadOnlyAccess"]);
    const foreign = "arn:aws:iam::999988887777:policy/Federated";
    await expectAwsError(f.call("GetFederationToken", { Name: "bob", PolicyArns: [{ arn: foreign }] }, user), "ValidationError", `${foreign} is invalid`, 400);
    const root = fakeContext({ principal: principals.root(ACCOUNT), now: NOW });
    await expectAwsError(f.call("GetFederationToken", { Name: "bob", PolicyArns: [{ arn: foreign }] }, root), "ValidationError", `${foreign} is invalid`);
    await expectAwsError(f.call("GetFederationToken", { Name: "bob", PolicyArns: [{}] }, user), "ValidationError", "null is invalid", 400);
    assert.equal(f.iam.sessions.size, 1);
  });

  test("durations: 900 to 129600 s for users; the root user's sessions are cut to one hour", async () => {
    const f = stsFixture();
    const user = fakeContext({ principal: principals.user(ACCOUNT, "proxy"), now: NOW });
    const long = await f.call<Out>("GetFederationToken", { Name: "bob", DurationSeconds: 129600 }, user);
    assert.equal(long.Credentials.Expiration.getTime(), NOW_S + 129600_000);
    // Nothing attached: 0, not omitted (AWS answers the member for this call).
    assert.equal(long.PackedPolicySize, 0);
    // MinimumSessionTokenSize pads the token (0–4,096), as for every call that issues credentials.
    const padded = await f.call<Out>("GetFederationToken", { Name: "bob", MinimumSessionTokenSize: 4096 }, user);
    assert.ok(padded.Credentials.SessionToken.length >= 4096);
    assert.equal(padded.SessionTokenSize, padded.Credentials.SessionToken.length);
    assert.equal(padded.SessionTokenUtilization, 100);
    await expectAwsError(f.call("GetFederationToken", { Name: "bob", MinimumSessionTokenSize: 4097 }, user), "ValidationError", /minimumSessionTokenSize/);
    await expectAwsError(f.call("GetFederationToken", { Name: "bob", DurationSeconds: 129601 }, user), "ValidationError", /durationSeconds/);
    await expectAwsError(f.call("GetFederationToken", { Name: "bob", DurationSeconds: 899 }, user), "ValidationError", /durationSeconds/);
    const root = fakeContext({ principal: principals.root(ACCOUNT), now: NOW });
    const r = await f.call<Out>("GetFederationToken", { Name: "ops", DurationSeconds: 7200 }, root);
    assert.equal(r.Credentials.Expiration.getTime(), NOW_S + 3600_000);
    const rec = f.iam.sessions.get(r.Credentials.AccessKeyId)!;
    assert.equal(rec.isRoot, true);
    assert.equal(rec.userId, ACCOUNT);
  });

  test("names, policies and tags are validated as AWS does; session credentials cannot federate", async () => {
    const f = stsFixture();
    const ctx = fakeContext({ principal: principals.user(ACCOUNT, "proxy"), now: NOW });
    await expectAwsError(f.call("GetFederationToken", {}, ctx), "ValidationError", /name/);
    await expectAwsError(f.call("GetFederationToken", { Name: "b" }, ctx), "ValidationError", /name/);
    await expectAwsError(f.call("GetFederationToken", { Name: "has space" }, ctx), "ValidationError", /name/);
    await expectAwsError(f.call("GetFederationToken", { Name: "x".repeat(33) }, ctx), "ValidationError", /name/);
    await expectAwsError(f.call("GetFederationToken", { Name: "bob", Policy: "{not json" }, ctx), "MalformedPolicyDocument", /./);
    const withTags = await f.call<Out>("GetFederationToken", { Name: "bob", Tags: [{ Key: "team", Value: "blue" }] }, ctx);
    assert.deepEqual(f.iam.sessions.get(withTags.Credentials.AccessKeyId)!.sessionTags, { team: "blue" });
    assert.deepEqual(ctx.calls.slice(-2).map((c) => c.action), ["sts:GetFederationToken", "sts:TagSession"]);
    // Tag keys and values may not begin with aws:, in any case.
    await expectAwsError(
      f.call("GetFederationToken", { Name: "bob", Tags: [{ Key: "aws:team", Value: "blue" }] }, ctx),
      "InvalidParameterValue",
      "Session tag key 'aws:team' must not begin with aws:, a prefix reserved for AWS use.",
      400,
    );
    await expectAwsError(
      f.call("GetFederationToken", { Name: "bob", Tags: [{ Key: "team", Value: "AWS:blue" }] }, ctx),
      "InvalidParameterValue",
      "Session tag value for key 'team' must not begin with aws:, a prefix reserved for AWS use.",
    );
    const role = fakeContext({ principal: principals.role(ACCOUNT, "R", "AROAR000000000000001", "s"), now: NOW });
    await expectAwsError(f.call("GetFederationToken", { Name: "bob" }, role), "AccessDeniedException", "Cannot call GetFederationToken with session credentials");
    const denied = fakeContext({ principal: principals.user(ACCOUNT, "nobody"), now: NOW, deny: (r) => r.action === "sts:GetFederationToken" });
    await expectAwsError(
      f.call("GetFederationToken", { Name: "bob" }, denied),
      "AccessDeniedException",
      `User: arn:aws:iam::${ACCOUNT}:user/nobody is not authorized to perform: sts:GetFederationToken on resource: arn:aws:sts::${ACCOUNT}:federated-user/bob`,
    );
  });
});
