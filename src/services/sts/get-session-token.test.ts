import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { describe, test } from "node:test";
import { expectAwsError } from "./testing/expect-error.js";
import { fakeContext, principals } from "./testing/fake-context.js";
import { ACCOUNT, NOW, stsFixture } from "./testing/sts-fixture.js";

interface Out {
  Credentials: { AccessKeyId: string; SecretAccessKey: string; SessionToken: string; Expiration: Date };
  SessionTokenSize: number;
}
const NOW_S = Math.floor(NOW / 1000) * 1000;

describe("GetSessionToken", () => {
  test("an IAM user gets 12-hour credentials with the same identity by default", async () => {
    const f = stsFixture();
    const user = principals.user(ACCOUNT, "alice", "AIDAALICE00000000001");
    const ctx = fakeContext({ principal: user, now: NOW });
    const out = await f.call<Out>("GetSessionToken", {}, ctx);
    assert.match(out.Credentials.AccessKeyId, /^ASIA/);
    assert.equal(out.Credentials.Expiration.getTime(), NOW_S + 43200_000);
    const rec = f.iam.sessions.get(out.Credentials.AccessKeyId);
    assert.ok(rec);
    assert.equal(rec.kind, "SessionToken");
    assert.equal(rec.accountId, ACCOUNT);
    assert.equal(rec.userArn, user.arn);
    assert.equal(rec.userId, "AIDAALICE00000000001");
    assert.equal(rec.userName, "alice");
    assert.equal(rec.isRoot, undefined);
    assert.equal(rec.sessionTokenHash, createHash("sha256").update(out.Credentials.SessionToken).digest("hex"));
    assert.equal(f.sealer.unsealString(rec.sealedSecret, `sts/session/${rec.accessKeyId}`).toString(), out.Credentials.SecretAccessKey);
    const stored = f.store.dump() + JSON.stringify(rec);
    assert.ok(!stored.includes(out.Credentials.SecretAccessKey) && !stored.includes(out.Credentials.SessionToken));
    const audited = JSON.stringify(ctx.audit.responseElements);
    assert.ok(audited.includes(out.Credentials.AccessKeyId));
    assert.ok(!audited.includes(out.Credentials.SecretAccessKey) && !audited.includes(out.Credentials.SessionToken));
    assert.equal(ctx.calls.length, 0, "GetSessionToken is not controlled by policies");
  });

  test("DurationSeconds is honoured for users between 900 and 129600", async () => {
    const f = stsFixture();
    const ctx = fakeContext({ principal: principals.user(ACCOUNT, "alice"), now: NOW });
    assert.equal((await f.call<Out>("GetSessionToken", { DurationSeconds: 129600 }, ctx)).Credentials.Expiration.getTime(), NOW_S + 129600_000);
    assert.equal((await f.call<Out>("GetSessionToken", { DurationSeconds: 900 }, ctx)).Credentials.Expiration.getTime(), NOW_S + 900_000);
    await expectAwsError(
      f.call("GetSessionToken", { DurationSeconds: 129601 }, ctx),
      "ValidationError",
      "1 validation error detected: Value '129601' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to 129600",
      400,
    );
    await expectAwsError(
      f.call("GetSessionToken", { DurationSeconds: 60 }, ctx),
      "ValidationError",
      "1 validation error detected: Value '60' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900",
    );
  });

  test("NaN for DurationSeconds or MinimumSessionTokenSize is a validation error", async () => {
    const f = stsFixture();
    const ctx = fakeContext({ principal: principals.user(ACCOUNT, "alice", "AIDAALICE00000000001"), now: NOW });
    await expectAwsError(
      f.call("GetSessionToken", { DurationSeconds: NaN }, ctx),
      "ValidationError",
      "1 validation error detected: Value 'NaN' at 'durationSeconds' failed to satisfy constraint: Member must be a number",
      400,
    );
    await expectAwsError(
      f.call("GetSessionToken", { MinimumSessionTokenSize: NaN }, ctx),
      "ValidationError",
      "1 validation error detected: Value 'NaN' at 'minimumSessionTokenSize' failed to satisfy constraint: Member must be a number",
      400,
    );
  });

  test("root sessions are shortened to one hour", async () => {
    const f = stsFixture();
    const ctx = fakeContext({ principal: principals.root(ACCOUNT), now: NOW });
    const def = await f.call<Out>("GetSessionToken", {}, ctx);
    assert.equal(def.Credentials.Expiration.getTime(), NOW_S + 3600_000);
    const long = await f.call<Out>("GetSessionToken", { DurationSeconds: 7200 }, ctx);
    assert.equal(long.Credentials.Expiration.getTime(), NOW_S + 3600_000);
    const rec = f.iam.sessions.get(long.Credentials.AccessKeyId);
    assert.equal(rec?.isRoot, true);
    assert.equal(rec?.userArn, `arn:aws:iam::${ACCOUNT}:root`);
    assert.equal(rec?.userId, ACCOUNT);
  });

  test("session credentials cannot call it", async () => {
    const f = stsFixture();
    const role = fakeContext({ principal: principals.role(ACCOUNT, "R", "AROAEXAMPLE000000001", "s"), now: NOW });
    const e = await expectAwsError(f.call("GetSessionToken", {}, role), "AccessDeniedException", "Cannot call GetSessionToken with session credentials");
    assert.equal(e.common, "AccessDenied");
    const sessionUser = fakeContext({ principal: { ...principals.user(ACCOUNT, "alice"), isSessionToken: true }, now: NOW });
    await expectAwsError(f.call("GetSessionToken", {}, sessionUser), "AccessDeniedException", "Cannot call GetSessionToken with session credentials");
    assert.equal(f.iam.sessions.size, 0);
  });

  test("MFA codes cannot be verified (no MFA devices), so passing one fails", async () => {
    const f = stsFixture();
    const ctx = fakeContext({ principal: principals.user(ACCOUNT, "alice"), now: NOW });
    await expectAwsError(
      f.call("GetSessionToken", { SerialNumber: `arn:aws:iam::${ACCOUNT}:mfa/alice`, TokenCode: "123456" }, ctx),
      "AccessDeniedException",
      "MultiFactorAuthentication failed, unable to validate MFA code. Please verify your MFA serial number is valid and associated with this user.",
    );
    await expectAwsError(
      f.call("GetSessionToken", { TokenCode: "12345" }, ctx),
      "ValidationError",
      "1 validation error detected: Value '12345' at 'tokenCode' failed to satisfy constraint: Member must have length greater than or equal to 6",
    );
  });
});
