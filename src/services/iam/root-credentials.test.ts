import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { Principal } from "../../core/types.js";
import type { Caller } from "./env.js";
import { COLLECTIONS } from "./model.js";
import { credentialSubject } from "./root-credentials.js";
import { ACCOUNT, assertAwsError, createHarness, OTHER_ACCOUNT, rolePrincipal, rootPrincipal } from "./testing/harness.js";

const NON_USER = "Must specify userName when calling with non-User credentials";
const assumedRoot = (accountId = ACCOUNT): Principal => ({ ...rootPrincipal(accountId), accessKeyId: "ASIAROOTSESSION00001", assumedRoot: true });
const caller = (principal: Principal | undefined, accountId = ACCOUNT): Caller => ({ accountId, now: 0, ...(principal ? { principal } : {}), authorize: async () => {} });
const alice: Principal = { type: "IAMUser", accountId: ACCOUNT, arn: `arn:aws:iam::${ACCOUNT}:user/alice`, principalId: "AIDAALICE", accessKeyId: "AKIAALICE", name: "alice" };

describe("root user as the subject of credential calls", () => {
  test("credentialSubject: UserName wins; without it an IAM user is itself, root is root, others must name one", () => {
    assert.deepEqual(credentialSubject(caller(rootPrincipal()), "bob"), { kind: "user", userName: "bob" });
    assert.deepEqual(credentialSubject(caller(alice), undefined), { kind: "user", userName: "alice" });
    assert.deepEqual(credentialSubject(caller(rootPrincipal()), undefined), { kind: "root" });
    assert.deepEqual(credentialSubject(caller(assumedRoot()), undefined), { kind: "root" });
    assert.deepEqual(credentialSubject(caller(assumedRoot()), undefined, 64, { rootSessionOnly: true }), { kind: "root" });
    for (const [p, opts] of [
      [rootPrincipal(), { rootSessionOnly: true }],
      [rolePrincipal(), {}],
      [undefined, {}],
      [rootPrincipal(OTHER_ACCOUNT), {}],
    ] as const) {
      assert.throws(() => credentialSubject(caller(p), undefined, 128, opts), (e: { code?: string; message: string }) => e.message === NON_USER);
    }
    assert.throws(() => credentialSubject(caller(alice), "x".repeat(65), 64), /Member must have length less than or equal to 64/);
  });

  test("root access keys: create, list, deactivate, delete without UserName; two at most; deleted keys stop resolving", async () => {
    const h = createHarness();
    type Out = { AccessKey: { AccessKeyId: string; SecretAccessKey: string; UserName?: string } };
    const k1 = await h.call<Out>("CreateAccessKey", {});
    assert.equal(k1.AccessKey.UserName, undefined);
    assert.equal(h.calls.at(-1)?.resource, `arn:aws:iam::${ACCOUNT}:root`);
    assert.ok(!(h.store.rawJson(COLLECTIONS.rootAccessKeys, k1.AccessKey.AccessKeyId) ?? "").includes(k1.AccessKey.SecretAccessKey));
    const k2 = await h.call<Out>("CreateAccessKey", {}, { principal: assumedRoot() });
    await assertAwsError(h.call("CreateAccessKey", {}), "LimitExceeded", 409, "Cannot exceed quota for AccessKeysPerUser: 2");
    // Another account's root and the account's users see none of them.
    assert.deepEqual((await h.call<{ AccessKeyMetadata: unknown[] }>("ListAccessKeys", {}, { accountId: OTHER_ACCOUNT })).AccessKeyMetadata, []);
    await h.call("CreateUser", { UserName: "alice" });
    assert.deepEqual((await h.call<{ AccessKeyMetadata: unknown[] }>("ListAccessKeys", { UserName: "alice" })).AccessKeyMetadata, []);

    await h.call("UpdateAccessKey", { AccessKeyId: k1.AccessKey.AccessKeyId, Status: "Inactive" }, { principal: assumedRoot() });
    const listed = await h.call<{ AccessKeyMetadata: Array<{ AccessKeyId: string; Status: string; UserName?: string }> }>("ListAccessKeys", {}, { principal: assumedRoot() });
    assert.deepEqual(
      listed.AccessKeyMetadata.map((k) => [k.AccessKeyId, k.Status, k.UserName]).sort(),
      [[k1.AccessKey.AccessKeyId, "Inactive", undefined], [k2.AccessKey.AccessKeyId, "Active", undefined]].sort(),
    );
    assert.equal((await h.iam.directory.resolveAccessKey(k1.AccessKey.AccessKeyId))?.active, false);
    assert.deepEqual((await h.call<{ AccessKeyLastUsed: object; UserName?: string }>("GetAccessKeyLastUsed", { AccessKeyId: k2.AccessKey.AccessKeyId })), {
      AccessKeyLastUsed: { ServiceName: "N/A", Region: "N/A" },
    });
    await assertAwsError(h.call("GetAccessKeyLastUsed", { AccessKeyId: k2.AccessKey.AccessKeyId }, { accountId: OTHER_ACCOUNT }), "AccessDeniedException", 400, /access key/);

    assert.ok(await h.iam.directory.resolveAccessKey(k2.AccessKey.AccessKeyId));
    await h.call("DeleteAccessKey", { AccessKeyId: k2.AccessKey.AccessKeyId }, { principal: assumedRoot() });
    assert.equal(await h.iam.directory.resolveAccessKey(k2.AccessKey.AccessKeyId), undefined);
    await assertAwsError(h.call("DeleteAccessKey", { AccessKeyId: k2.AccessKey.AccessKeyId }), "NoSuchEntity", 404, `The Access Key with id ${k2.AccessKey.AccessKeyId} cannot be found.`);
    await assertAwsError(h.call("DeleteAccessKey", { AccessKeyId: k1.AccessKey.AccessKeyId }, { accountId: OTHER_ACCOUNT }), "NoSuchEntity", 404, /cannot be found/);
    await assertAwsError(h.call("ListAccessKeys", {}, { principal: rolePrincipal() }), "ValidationError", 400, NON_USER);
  });

  test("root login profile only from an AssumeRoot session, without a password", async () => {
    const h = createHarness();
    await assertAwsError(h.call("CreateLoginProfile", { Password: "Correct-Horse-9" }), "ValidationError", 400, NON_USER);
    await assertAwsError(h.call("GetLoginProfile", {}, { principal: assumedRoot() }), "NoSuchEntity", 404, `Login Profile for User ${ACCOUNT} cannot be found.`);
    await assertAwsError(h.call("CreateLoginProfile", { Password: "Correct-Horse-9" }, { principal: assumedRoot() }), "ValidationError", 400, /Password must be omitted/);
    const passwordPresent = async () => (await h.call<{ SummaryMap: Record<string, number> }>("GetAccountSummary", {})).SummaryMap.AccountPasswordPresent;
    assert.equal(await passwordPresent(), 0);
    const created = await h.call<{ LoginProfile: { UserName?: string; PasswordResetRequired: boolean } }>("CreateLoginProfile", {}, { principal: assumedRoot() });
    assert.equal(created.LoginProfile.UserName, undefined);
    assert.equal(h.calls.at(-1)?.resource, `arn:aws:iam::${ACCOUNT}:root`);
    // The root user's login profile is its password, as GetLoginProfile shows; another account's is not this one's.
    assert.equal(await passwordPresent(), 1);
    assert.equal((await h.call<{ SummaryMap: Record<string, number> }>("GetAccountSummary", {}, { accountId: OTHER_ACCOUNT })).SummaryMap.AccountPasswordPresent, 0);
    await assertAwsError(h.call("CreateLoginProfile", {}, { principal: assumedRoot() }), "EntityAlreadyExists", 409, `Login Profile for user ${ACCOUNT} already exists.`);
    assert.ok(await h.call("GetLoginProfile", {}, { principal: assumedRoot() }));
    await h.call("DeleteLoginProfile", {}, { principal: assumedRoot() });
    assert.equal(await passwordPresent(), 0);
    await assertAwsError(h.call("DeleteLoginProfile", {}, { principal: assumedRoot() }), "NoSuchEntity", 404, `Login Profile for User ${ACCOUNT} cannot be found.`);
  });

  test("root MFA devices and signing certificates are listed without UserName", async () => {
    const h = createHarness();
    assert.deepEqual((await h.call<{ MFADevices: unknown[] }>("ListMFADevices", {}, { principal: assumedRoot() })).MFADevices, []);
    assert.deepEqual((await h.call<{ Certificates: unknown[] }>("ListSigningCertificates", {}, { principal: assumedRoot() })).Certificates, []);
    await assertAwsError(h.call("ListMFADevices", {}, { principal: rolePrincipal() }), "ValidationError", 400, NON_USER);
    await assertAwsError(h.call("DeactivateMFADevice", { SerialNumber: `arn:aws:iam::${ACCOUNT}:mfa/root` }), "NoSuchEntity", 404, /cannot be found|does not exist/);
  });
});
