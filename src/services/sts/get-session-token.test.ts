import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { describe, test } from "node:test";
import { accessKeyIdAccount } from "../../crypto/access-key-id.js";
import { stepAt, totpAt } from "../iam/totp.js";
import { expectAwsError } from "./testing/expect-error.js";
import { fakeContext, principals } from "./testing/fake-context.js";
import { ACCOUNT, NOW, stsFixture } from "./testing/sts-fixture.js";

interface Out {
  Credentials: { AccessKeyId: string; SecretAccessKey: string; SessionToken: string; Expiration: Date };
  SessionTokenSize: number;
  SessionTokenUtilization: number;
}
const NOW_S = Math.floor(NOW / 1000) * 1000;

describe("GetSessionToken", () => {
  test("an IAM user gets 12-hour credentials with the same identity by default", async () => {
    const f = stsFixture();
    const user = principals.user(ACCOUNT, "alice", "AIDAALICE00000000001");
    const ctx = fakeContext({ principal: user, now: NOW });
    const out = await f.call<Out>("GetSessionToken", {}, ctx);
    assert.match(out.Credentials.AccessKeyId, /^ASIA/);
    assert.equal(accessKeyIdAccount(out.Credentials.AccessKeyId), ACCOUNT);
    assert.equal(out.Credentials.Expiration.getTime(), NOW_S + 43200_000);
    assert.equal(out.SessionTokenSize, out.Credentials.SessionToken.length);
    assert.equal(out.SessionTokenUtilization, Math.ceil((out.SessionTokenSize * 100) / 4096));
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

  test("a fractional DurationSeconds or MinimumSessionTokenSize is refused: both are Integers", async () => {
    const f = stsFixture();
    const ctx = fakeContext({ principal: principals.user(ACCOUNT, "alice", "AIDAALICE00000000001"), now: NOW });
    await expectAwsError(
      f.call("GetSessionToken", { DurationSeconds: 900.5 }, ctx),
      "ValidationError",
      "1 validation error detected: Value '900.5' at 'durationSeconds' failed to satisfy constraint: Member must be an integer",
      400,
    );
    await expectAwsError(
      f.call("GetSessionToken", { MinimumSessionTokenSize: 135.5 }, ctx),
      "ValidationError",
      "1 validation error detected: Value '135.5' at 'minimumSessionTokenSize' failed to satisfy constraint: Member must be an integer",
      400,
    );
    assert.equal(f.iam.sessions.size, 0);
    // A whole number written with a fraction part is still that Integer.
    const out = await f.call<Out>("GetSessionToken", { DurationSeconds: 900.0 }, ctx);
    assert.equal(out.Credentials.Expiration.getTime(), NOW_S + 900_000);
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

  test("a valid MFA code of the caller's device issues an MFA-authenticated session; wrong, foreign or replayed codes fail", async () => {
    const f = stsFixture();
    const serial = `arn:aws:iam::${ACCOUNT}:mfa/alice-phone`;
    const seed = randomBytes(20);
    f.iam.mfaDevices.set(serial, { accountId: ACCOUNT, userId: "AIDAALICE00000000001", seed });
    const alice = fakeContext({ principal: principals.user(ACCOUNT, "alice", "AIDAALICE00000000001"), now: NOW });
    const bob = fakeContext({ principal: principals.user(ACCOUNT, "bob", "AIDABOB0000000000001"), now: NOW });
    const code = totpAt(seed, stepAt(NOW));
    const wrong = code === "000000" ? "000001" : "000000";
    const MFA_FAILED = "MultiFactorAuthentication failed, unable to validate MFA code.  Please verify your MFA serial number is valid and associated with this user.";
    const BAD_CODE = "MultiFactorAuthentication failed with invalid MFA one time pass code.";
    await expectAwsError(f.call("GetSessionToken", { SerialNumber: serial, TokenCode: wrong }, alice), "AccessDeniedException", BAD_CODE);
    await expectAwsError(f.call("GetSessionToken", { SerialNumber: serial, TokenCode: code }, bob), "AccessDeniedException", MFA_FAILED);
    await expectAwsError(
      f.call("GetSessionToken", { SerialNumber: serial }, alice),
      "AccessDeniedException",
      "MultiFactorAuthentication failed, must provide both MFA serial number and one time pass code.",
    );
    await expectAwsError(f.call("GetSessionToken", { SerialNumber: serial, TokenCode: code }, fakeContext({ principal: principals.root(ACCOUNT), now: NOW })), "AccessDeniedException", MFA_FAILED);
    assert.equal(f.iam.sessions.size, 0);
    const out = await f.call<Out>("GetSessionToken", { SerialNumber: serial, TokenCode: code }, alice);
    assert.equal(f.iam.sessions.get(out.Credentials.AccessKeyId)?.mfaAuthenticated, true);
    await expectAwsError(f.call("GetSessionToken", { SerialNumber: serial, TokenCode: code }, alice), "AccessDeniedException", BAD_CODE);
    const plain = await f.call<Out>("GetSessionToken", {}, alice);
    assert.equal(f.iam.sessions.get(plain.Credentials.AccessKeyId)?.mfaAuthenticated, undefined);
    assert.ok(!f.store.dump().includes(seed.toString("hex")));
    await expectAwsError(
      f.call("GetSessionToken", { TokenCode: "12345" }, alice),
      "ValidationError",
      "1 validation error detected: Value 'HIDDEN_DUE_TO_SECURITY_REASONS' at 'tokenCode' failed to satisfy constraint: Member must have length greater than or equal to 6",
    );
  });
});
