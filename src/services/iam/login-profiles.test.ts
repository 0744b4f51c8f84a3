import assert from "node:assert/strict";
import crypto from "node:crypto";
import { describe, mock, test } from "node:test";
import type { Principal } from "../../core/types.js";
import { redactForCloudTrail } from "../../audit/redact.js";
import * as sdk from "@aws-sdk/client-iam";
import { COLLECTIONS } from "./model.js";
import { ACCOUNT, assertAwsError, createHarness, T0, type Harness } from "./testing/harness.js";

type ProfileOut = { LoginProfile: { UserName: string; CreateDate: Date; PasswordResetRequired: boolean } };

const GOOD = "Corr3ct-Horse!";
const GOOD2 = "Batt3ry-Staple!";

async function userPrincipal(h: Harness, name: string): Promise<Principal> {
  const u = await h.call<{ User: { Arn: string; UserId: string } }>("GetUser", { UserName: name });
  return { type: "IAMUser", accountId: ACCOUNT, arn: u.User.Arn, principalId: u.User.UserId, accessKeyId: "AKIAEXAMPLEEXAMPLE00", name };
}

/** Every stored byte of every collection, as text. */
function dump(h: Harness): string {
  return Object.values(COLLECTIONS)
    .map((c) => h.store.rawCollection(c).join("\n"))
    .join("\n");
}

describe("IAM login profiles", () => {
  test("CreateLoginProfile, GetLoginProfile: CreateDate and PasswordResetRequired; authorised on the user's ARN", async () => {
    const h = createHarness();
    await h.call("CreateUser", { UserName: "alice", Path: "/eng/" });
    h.calls.length = 0;
    const out = await h.call<ProfileOut>("CreateLoginProfile", { UserName: "alice", Password: GOOD, PasswordResetRequired: true });
    assert.deepEqual(out, { LoginProfile: { UserName: "alice", CreateDate: new Date(T0), PasswordResetRequired: true } });
    h.clock.advance(5000);
    const got = await h.call<ProfileOut>("GetLoginProfile", { UserName: "alice" });
    assert.deepEqual(got, out);
    assert.deepEqual(
      h.calls.map((c) => [c.action, c.resource]),
      [
        ["iam:CreateLoginProfile", `arn:aws:iam::${ACCOUNT}:user/eng/alice`],
        ["iam:GetLoginProfile", `arn:aws:iam::${ACCOUNT}:user/eng/alice`],
      ],
    );
    // GetUser reports no PasswordLastUsed: nothing signs in here.
    const u = await h.call<{ User: Record<string, unknown> }>("GetUser", { UserName: "alice" });
    assert.equal(u.User.PasswordLastUsed, undefined);
  });

  test("errors: NoSuchEntity for a missing user or profile, EntityAlreadyExists, denied callers change nothing", async () => {
    const h = createHarness();
    await assertAwsError(h.call("CreateLoginProfile", { UserName: "ghost", Password: GOOD }), "NoSuchEntity", 404, "The user with name ghost cannot be found.");
    await assertAwsError(h.call("GetLoginProfile", { UserName: "ghost" }), "NoSuchEntity", 404, "The user with name ghost cannot be found.");
    await assertAwsError(h.call("UpdateLoginProfile", { UserName: "ghost", Password: GOOD }), "NoSuchEntity", 404, "The user with name ghost cannot be found.");
    await assertAwsError(h.call("DeleteLoginProfile", { UserName: "ghost" }), "NoSuchEntity", 404, "The user with name ghost cannot be found.");
    await h.call("CreateUser", { UserName: "bob" });
    await assertAwsError(h.call("GetLoginProfile", { UserName: "bob" }), "NoSuchEntity", 404, "Login Profile for User bob cannot be found.");
    await assertAwsError(h.call("UpdateLoginProfile", { UserName: "bob", PasswordResetRequired: true }), "NoSuchEntity", 404, "Login Profile for User bob cannot be found.");
    await assertAwsError(h.call("DeleteLoginProfile", { UserName: "bob" }), "NoSuchEntity", 404, "Login Profile for User bob cannot be found.");
    h.deny.add("iam:CreateLoginProfile");
    await assertAwsError(h.call("CreateLoginProfile", { UserName: "bob", Password: GOOD }), "AccessDeniedException", 400, /iam:CreateLoginProfile on resource: arn:aws:iam::111122223333:user\/bob$/);
    h.deny.clear();
    await assertAwsError(h.call("GetLoginProfile", { UserName: "bob" }), "NoSuchEntity", 404, "Login Profile for User bob cannot be found.");
    await h.call("CreateLoginProfile", { UserName: "bob", Password: GOOD });
    await assertAwsError(h.call("CreateLoginProfile", { UserName: "bob", Password: GOOD2 }), "EntityAlreadyExists", 409, "Login Profile for user bob already exists.");
  });

  test("input constraints: Password required, 1–128 characters, the documented character range; never echoed", async () => {
    const h = createHarness();
    await h.call("CreateUser", { UserName: "alice" });
    h.calls.length = 0;
    const v = "1 validation error detected: Value at 'password' failed to satisfy constraint: ";
    await assertAwsError(h.call("CreateLoginProfile", { UserName: "alice" }), "ValidationError", 400, "1 validation error detected: Value null at 'password' failed to satisfy constraint: Member must not be null");
    await assertAwsError(
      h.call("CreateLoginProfile", { UserName: "alice", Password: "" }),
      "ValidationError",
      400,
      "2 validation errors detected: Value at 'password' failed to satisfy constraint: Member must have length greater than or equal to 1; " +
        "Value at 'password' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\u0009\\u000A\\u000D\\u0020-\\u00FF]+",
    );
    const long = "Aa1!" + "x".repeat(125);
    const e = await assertAwsError(h.call("CreateLoginProfile", { UserName: "alice", Password: long }), "ValidationError", 400, `${v}Member must have length less than or equal to 128`);
    assert.ok(!e.message.includes(long));
    await assertAwsError(
      h.call("CreateLoginProfile", { UserName: "alice", Password: "Abcdef1!\u0100" }),
      "ValidationError",
      400,
      `${v}Member must satisfy regular expression pattern: [\\u0009\\u000A\\u000D\\u0020-\\u00FF]+`,
    );
    await assertAwsError(h.call("UpdateLoginProfile", { Password: GOOD }), "ValidationError", 400, "1 validation error detected: Value null at 'userName' failed to satisfy constraint: Member must not be null");
    assert.equal(h.calls.length, 0, "validation happens before authorisation");
  });

  test("UserName defaults to the calling IAM user; from root without it is a ValidationError", async () => {
    const h = createHarness();
    await h.call("CreateUser", { UserName: "alice" });
    const alice = await userPrincipal(h, "alice");
    h.calls.length = 0;
    await h.call("CreateLoginProfile", { Password: GOOD }, { principal: alice });
    const got = await h.call<ProfileOut>("GetLoginProfile", {}, { principal: alice });
    assert.equal(got.LoginProfile.UserName, "alice");
    assert.equal(h.calls[0]?.resource, alice.arn);
    await assertAwsError(h.call("GetLoginProfile", {}), "ValidationError", 400, "Must specify userName when calling with non-User credentials");
    await h.call("DeleteLoginProfile", {}, { principal: alice });
    await assertAwsError(h.call("GetLoginProfile", { UserName: "alice" }), "NoSuchEntity", 404, "Login Profile for User alice cannot be found.");
  });

  test("UpdateLoginProfile changes the password and/or PasswordResetRequired; CreateDate is kept", async () => {
    const h = createHarness();
    await h.call("CreateUser", { UserName: "alice" });
    await h.call("CreateLoginProfile", { UserName: "alice", Password: GOOD });
    const before = h.store.rawCollection(COLLECTIONS.loginProfiles)[0]!;
    h.clock.advance(60_000);
    await h.call("UpdateLoginProfile", { UserName: "alice", PasswordResetRequired: true });
    let got = await h.call<ProfileOut>("GetLoginProfile", { UserName: "alice" });
    assert.deepEqual(got.LoginProfile, { UserName: "alice", CreateDate: new Date(T0), PasswordResetRequired: true });
    assert.equal(JSON.parse(h.store.rawCollection(COLLECTIONS.loginProfiles)[0]!).current.hash, JSON.parse(before).current.hash, "no password, same hash");
    await h.call("UpdateLoginProfile", { UserName: "alice", Password: GOOD2 });
    got = await h.call<ProfileOut>("GetLoginProfile", { UserName: "alice" });
    assert.equal(got.LoginProfile.PasswordResetRequired, true, "omitted PasswordResetRequired is unchanged");
    assert.notEqual(JSON.parse(h.store.rawCollection(COLLECTIONS.loginProfiles)[0]!).current.hash, JSON.parse(before).current.hash);
    await assertAwsError(h.call("UpdateLoginProfile", { UserName: "alice", Password: "short" }), "PasswordPolicyViolation", 400, "Password should have a minimum length of 8");
    assert.equal(h.calls.filter((c) => c.action === "iam:UpdateLoginProfile").length, 3);
  });

  test("DeleteUser is a DeleteConflict while the user has a login profile; the profile follows a rename", async () => {
    const h = createHarness();
    await h.call("CreateUser", { UserName: "alice" });
    await h.call("CreateLoginProfile", { UserName: "alice", Password: GOOD });
    await assertAwsError(h.call("DeleteUser", { UserName: "alice" }), "DeleteConflict", 409, "Cannot delete entity, must delete login profile first.");
    await h.call("UpdateUser", { UserName: "alice", NewUserName: "alicia" });
    assert.equal((await h.call<ProfileOut>("GetLoginProfile", { UserName: "alicia" })).LoginProfile.UserName, "alicia");
    await h.call("DeleteLoginProfile", { UserName: "alicia" });
    await h.call("DeleteUser", { UserName: "alicia" });
    assert.equal(h.store.rawCollection(COLLECTIONS.loginProfiles).length, 0);
  });
});

describe("IAM password policy enforcement", () => {
  async function withUser(policy?: object): Promise<Harness> {
    const h = createHarness();
    if (policy) await h.call("UpdateAccountPasswordPolicy", policy);
    await h.call("CreateUser", { UserName: "alice" });
    return h;
  }
  const create = (h: Harness, pw: string) => h.call("CreateLoginProfile", { UserName: "alice", Password: pw });

  test("no policy set: IAM's default (8+ characters, three of the four character types)", async () => {
    const h = await withUser();
    await assertAwsError(create(h, "Ab1!xyz"), "PasswordPolicyViolation", 400, "Password should have a minimum length of 8");
    await assertAwsError(
      create(h, "abcdefgh12"),
      "PasswordPolicyViolation",
      400,
      "Password should meet 1 more of the following requirements: Password should have at least one uppercase letter, Password should have at least one symbol",
    );
    await assertAwsError(
      create(h, "abcdefghij"),
      "PasswordPolicyViolation",
      400,
      "Password should meet 2 more of the following requirements: Password should have at least one uppercase letter, Password should have at least one number, Password should have at least one symbol",
    );
    await create(h, "abcdefgh1X");
  });

  test("MinimumPasswordLength", async () => {
    const h = await withUser({ MinimumPasswordLength: 12 });
    await assertAwsError(create(h, "abcdefghijk"), "PasswordPolicyViolation", 400, "Password should have a minimum length of 12");
    await create(h, "abcdefghijkl");
  });

  test("a custom policy replaces the default: 6 lower-case letters pass under UpdateAccountPasswordPolicy's defaults", async () => {
    const h = await withUser({});
    await create(h, "abcdef");
  });

  for (const [member, bad, good, message] of [
    ["RequireUppercaseCharacters", "abcdefgh", "abcdefgH", "Password should have at least one uppercase letter"],
    ["RequireLowercaseCharacters", "ABCDEFGH", "ABCDEFGh", "Password should have at least one lowercase letter"],
    ["RequireNumbers", "abcdefgh", "abcdefg1", "Password should have at least one number"],
    ["RequireSymbols", "abcdefg~", "abcdefg|", "Password should have at least one symbol"],
  ] as const) {
    test(`${member}`, async () => {
      const h = await withUser({ [member]: true });
      await assertAwsError(create(h, bad), "PasswordPolicyViolation", 400, message);
      await create(h, good);
    });
  }

  test("every failed rule is reported", async () => {
    const h = await withUser({ MinimumPasswordLength: 10, RequireSymbols: true, RequireNumbers: true, RequireUppercaseCharacters: true, RequireLowercaseCharacters: true });
    await assertAwsError(
      create(h, "abc"),
      "PasswordPolicyViolation",
      400,
      "Password should have a minimum length of 10, Password should have at least one uppercase letter, Password should have at least one number, Password should have at least one symbol",
    );
  });

  test("PasswordReusePrevention: the last N passwords (current included) are refused; only N hashes are kept", async () => {
    const h = await withUser({ MinimumPasswordLength: 6, PasswordReusePrevention: 3 });
    const pws = ["first1", "second2", "third3", "fourth4"];
    await create(h, pws[0]!);
    const update = (pw: string) => h.call("UpdateLoginProfile", { UserName: "alice", Password: pw });
    await assertAwsError(update("first1"), "PasswordPolicyViolation", 400, "Password should not be one of your previous 3 passwords");
    await update("second2");
    await update("third3");
    await assertAwsError(update("first1"), "PasswordPolicyViolation", 400, "Password should not be one of your previous 3 passwords");
    await update("fourth4");
    const stored = JSON.parse(h.store.rawCollection(COLLECTIONS.loginProfiles)[0]!) as { previous: unknown[] };
    assert.equal(stored.previous.length, 2, "current + 2 previous = 3");
    await update("first1"); // four passwords ago: allowed again
  });

  test("without PasswordReusePrevention no history is kept and a password may be reused", async () => {
    const h = await withUser({ MinimumPasswordLength: 6 });
    await create(h, "first1");
    await h.call("UpdateLoginProfile", { UserName: "alice", Password: "second2" });
    await h.call("UpdateLoginProfile", { UserName: "alice", Password: "first1" });
    const stored = JSON.parse(h.store.rawCollection(COLLECTIONS.loginProfiles)[0]!) as { previous: unknown[] };
    assert.deepEqual(stored.previous, []);
  });
});

describe("IAM ChangePassword", () => {
  async function setup(policy?: object): Promise<{ h: Harness; alice: Principal }> {
    const h = createHarness();
    if (policy) await h.call("UpdateAccountPasswordPolicy", policy);
    await h.call("CreateUser", { UserName: "alice" });
    await h.call("CreateLoginProfile", { UserName: "alice", Password: GOOD, PasswordResetRequired: true });
    return { h, alice: await userPrincipal(h, "alice") };
  }

  test("the calling user changes its own password: iam:ChangePassword on its ARN; clears PasswordResetRequired", async () => {
    const { h, alice } = await setup();
    h.calls.length = 0;
    assert.deepEqual(await h.call("ChangePassword", { OldPassword: GOOD, NewPassword: GOOD2 }, { principal: alice }), {});
    assert.deepEqual(h.calls, [{ action: "iam:ChangePassword", resource: alice.arn }]);
    assert.equal((await h.call<ProfileOut>("GetLoginProfile", { UserName: "alice" })).LoginProfile.PasswordResetRequired, false);
    // The old password no longer works; the new one does.
    await assertAwsError(h.call("ChangePassword", { OldPassword: GOOD, NewPassword: "An0ther-One!" }, { principal: alice }), "AccessDeniedException", 400, "The old password is incorrect.");
    await h.call("ChangePassword", { OldPassword: GOOD2, NewPassword: "An0ther-One!" }, { principal: alice });
  });

  test("wrong OldPassword, policy violations, no profile; the comparison is constant-time", async () => {
    const { h, alice } = await setup();
    const spy = mock.method(crypto, "timingSafeEqual");
    try {
      await assertAwsError(h.call("ChangePassword", { OldPassword: "Wr0ng-Password!", NewPassword: GOOD2 }, { principal: alice }), "AccessDeniedException", 400, "The old password is incorrect.");
      assert.ok(spy.mock.callCount() >= 1, "crypto.timingSafeEqual compares the hashes");
    } finally {
      spy.mock.restore();
    }
    await assertAwsError(h.call("ChangePassword", { OldPassword: GOOD, NewPassword: "short" }, { principal: alice }), "PasswordPolicyViolation", 400, "Password should have a minimum length of 8");
    await h.call("CreateUser", { UserName: "bob" });
    const bob = await userPrincipal(h, "bob");
    await assertAwsError(h.call("ChangePassword", { OldPassword: GOOD, NewPassword: GOOD2 }, { principal: bob }), "NoSuchEntity", 404, "Login Profile for User bob cannot be found.");
    const v = "1 validation error detected: Value null at 'oldPassword' failed to satisfy constraint: Member must not be null";
    await assertAwsError(h.call("ChangePassword", { NewPassword: GOOD2 }, { principal: alice }), "ValidationError", 400, v);
  });

  test("root and roles are not IAM users: InvalidUserType", async () => {
    const { h } = await setup();
    await assertAwsError(h.call("ChangePassword", { OldPassword: GOOD, NewPassword: GOOD2 }), "InvalidUserType", 400, "Only IAM users can change their own password.");
    const role: Principal = { type: "AssumedRole", accountId: ACCOUNT, arn: `arn:aws:sts::${ACCOUNT}:assumed-role/R/s`, principalId: "AROAX:s", accessKeyId: "ASIAX" };
    await assertAwsError(h.call("ChangePassword", { OldPassword: GOOD, NewPassword: GOOD2 }, { principal: role }), "InvalidUserType", 400, "Only IAM users can change their own password.");
  });

  test("without AllowUsersToChangePassword the user needs iam:ChangePassword; with it, only an explicit Deny refuses", async () => {
    const { h, alice } = await setup({ MinimumPasswordLength: 8 });
    h.deny.add("iam:ChangePassword");
    await assertAwsError(h.call("ChangePassword", { OldPassword: GOOD, NewPassword: GOOD2 }, { principal: alice }), "AccessDeniedException", 400, /iam:ChangePassword/);
    await h.call("UpdateAccountPasswordPolicy", { MinimumPasswordLength: 8, AllowUsersToChangePassword: true });
    // The harness's "deny" is an implicit deny: the policy's grant stands in for it.
    await h.call("ChangePassword", { OldPassword: GOOD, NewPassword: GOOD2 }, { principal: alice });
    // An explicit Deny still wins.
    h.explicitDeny.add("iam:ChangePassword");
    await assertAwsError(h.call("ChangePassword", { OldPassword: GOOD2, NewPassword: GOOD }, { principal: alice }), "AccessDeniedException", 400, /iam:ChangePassword/);
  });

  test("AllowUsersToChangePassword also lets IAM users read the account password policy", async () => {
    const { h, alice } = await setup({ MinimumPasswordLength: 8 });
    h.deny.add("iam:GetAccountPasswordPolicy");
    await assertAwsError(h.call("GetAccountPasswordPolicy", {}, { principal: alice }), "AccessDeniedException", 400, /iam:GetAccountPasswordPolicy/);
    await h.call("UpdateAccountPasswordPolicy", { MinimumPasswordLength: 8, AllowUsersToChangePassword: true });
    const out = await h.call<{ PasswordPolicy: { AllowUsersToChangePassword: boolean } }>("GetAccountPasswordPolicy", {}, { principal: alice });
    assert.equal(out.PasswordPolicy.AllowUsersToChangePassword, true);
    await assertAwsError(h.call("GetAccountPasswordPolicy", {}), "AccessDeniedException", 400, /iam:GetAccountPasswordPolicy/);
  });

  test("HardExpiry: once the password is past MaxPasswordAge the policy's grant no longer applies", async () => {
    const { h, alice } = await setup({ MinimumPasswordLength: 8, AllowUsersToChangePassword: true, MaxPasswordAge: 1, HardExpiry: true });
    h.deny.add("iam:ChangePassword");
    h.clock.advance(2 * 86_400_000);
    await assertAwsError(h.call("ChangePassword", { OldPassword: GOOD, NewPassword: GOOD2 }, { principal: alice }), "AccessDeniedException", 400, /iam:ChangePassword/);
    // With the permission itself the user can still reset the expired password through the API.
    h.deny.clear();
    await h.call("ChangePassword", { OldPassword: GOOD, NewPassword: GOOD2 }, { principal: alice });
  });

  test("reuse prevention applies to ChangePassword", async () => {
    const { h, alice } = await setup({ MinimumPasswordLength: 8, PasswordReusePrevention: 2 });
    await assertAwsError(h.call("ChangePassword", { OldPassword: GOOD, NewPassword: GOOD }, { principal: alice }), "PasswordPolicyViolation", 400, "Password should not be one of your previous 2 passwords");
    await h.call("ChangePassword", { OldPassword: GOOD, NewPassword: GOOD2 }, { principal: alice });
  });
});

describe("IAM passwords are never stored or recorded in clear", () => {
  test("storage holds only salted scrypt hashes with their parameters", async () => {
    const h = createHarness();
    await h.call("UpdateAccountPasswordPolicy", { MinimumPasswordLength: 8, PasswordReusePrevention: 5, AllowUsersToChangePassword: true });
    await h.call("CreateUser", { UserName: "alice" });
    await h.call("CreateUser", { UserName: "bob" });
    await h.call("CreateLoginProfile", { UserName: "alice", Password: GOOD });
    await h.call("CreateLoginProfile", { UserName: "bob", Password: GOOD });
    await h.call("UpdateLoginProfile", { UserName: "alice", Password: GOOD2 });
    await h.call("ChangePassword", { OldPassword: GOOD2, NewPassword: "Th1rd-Secret!" }, { principal: await userPrincipal(h, "alice") });
    const all = dump(h);
    for (const pw of [GOOD, GOOD2, "Th1rd-Secret!"]) {
      assert.ok(!all.includes(pw), "password in clear");
      assert.ok(!all.includes(Buffer.from(pw).toString("base64")), "password base64");
      assert.ok(!all.includes(Buffer.from(pw).toString("hex")), "password hex");
    }
    const docs = h.store.rawCollection(COLLECTIONS.loginProfiles).map((t) => JSON.parse(t) as { current: Record<string, unknown>; previous: unknown[] });
    for (const d of docs) {
      assert.deepEqual(Object.keys(d.current).sort(), ["N", "alg", "hash", "p", "r", "salt"]);
      assert.equal(d.current.alg, "scrypt");
      assert.ok((d.current.N as number) >= 1 << 14);
    }
    // Same password, two users: different salts, different hashes.
    assert.notEqual(docs[0]!.current.salt, docs[1]!.current.salt);
    assert.notEqual(docs[0]!.current.hash, docs[1]!.current.hash);
  });

  test("CloudTrail redaction hides Password, OldPassword and NewPassword", () => {
    const create = redactForCloudTrail({ UserName: "alice", Password: GOOD, PasswordResetRequired: true }, sdk.CreateLoginProfile$, "input");
    assert.deepEqual(create, { userName: "alice", password: "HIDDEN_DUE_TO_SECURITY_REASONS", passwordResetRequired: true });
    const change = redactForCloudTrail({ OldPassword: GOOD, NewPassword: GOOD2 }, sdk.ChangePassword$, "input");
    assert.deepEqual(change, { oldPassword: "HIDDEN_DUE_TO_SECURITY_REASONS", newPassword: "HIDDEN_DUE_TO_SECURITY_REASONS" });
    const update = redactForCloudTrail({ UserName: "alice", Password: GOOD }, sdk.UpdateLoginProfile$, "input");
    assert.ok(!JSON.stringify(update).includes(GOOD));
  });
});
