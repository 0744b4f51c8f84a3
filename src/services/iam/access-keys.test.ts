import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { Principal } from "../../core/types.js";
import { COLLECTIONS } from "./model.js";
import { ACCOUNT, assertAwsError, createHarness, OTHER_ACCOUNT, rolePrincipal } from "./testing/harness.js";

type KeyOut = { AccessKey: { AccessKeyId: string; SecretAccessKey: string; Status: string; UserName: string; CreateDate: Date } };
type ListOut = { AccessKeyMetadata: Array<{ AccessKeyId: string; Status: string; UserName: string }>; IsTruncated: boolean };

describe("IAM access keys", () => {
  test("CreateAccessKey returns the secret once and stores it only sealed", async () => {
    const h = createHarness();
    await h.call("CreateUser", { UserName: "alice" });
    const out = await h.call<KeyOut>("CreateAccessKey", { UserName: "alice" });
    assert.match(out.AccessKey.AccessKeyId, /^AKIA[A-Z2-7]{16}$/);
    assert.equal(out.AccessKey.SecretAccessKey.length, 40);
    assert.equal(out.AccessKey.Status, "Active");
    assert.equal(out.AccessKey.UserName, "alice");
    const stored = [...h.store.rawCollection(COLLECTIONS.accessKeys), ...h.store.rawCollection(COLLECTIONS.accessKeyIndex), ...h.store.rawCollection(COLLECTIONS.users)];
    assert.ok(stored.length >= 3);
    for (const json of stored) assert.ok(!json.includes(out.AccessKey.SecretAccessKey), "secret must never be stored in the clear");
    const listed = await h.call<ListOut>("ListAccessKeys", { UserName: "alice" });
    assert.deepEqual(listed.AccessKeyMetadata.map((k) => [k.AccessKeyId, k.Status, k.UserName]), [[out.AccessKey.AccessKeyId, "Active", "alice"]]);
    assert.equal(JSON.stringify(listed).includes(out.AccessKey.SecretAccessKey), false);
    const cred = await h.iam.directory.resolveAccessKey(out.AccessKey.AccessKeyId);
    assert.equal(cred?.secretAccessKey, out.AccessKey.SecretAccessKey);
  });

  test("at most two keys per user, active or not", async () => {
    const h = createHarness();
    await h.call("CreateUser", { UserName: "alice" });
    const k1 = await h.call<KeyOut>("CreateAccessKey", { UserName: "alice" });
    await h.call("CreateAccessKey", { UserName: "alice" });
    await h.call("UpdateAccessKey", { UserName: "alice", AccessKeyId: k1.AccessKey.AccessKeyId, Status: "Inactive" });
    await assertAwsError(h.call("CreateAccessKey", { UserName: "alice" }), "LimitExceeded", 409, "Cannot exceed quota for AccessKeysPerUser: 2");
    await h.call("DeleteAccessKey", { UserName: "alice", AccessKeyId: k1.AccessKey.AccessKeyId });
    await h.call("CreateAccessKey", { UserName: "alice" });
    await assertAwsError(h.call("CreateAccessKey", { UserName: "nobody" }), "NoSuchEntity", 404, "The user with name nobody cannot be found.");
  });

  test("without UserName the calling user is meant; non-user callers must name one", async () => {
    const h = createHarness();
    const u = await h.call<{ User: { Arn: string; UserId: string } }>("CreateUser", { UserName: "alice" });
    const alice: Principal = { type: "IAMUser", accountId: ACCOUNT, arn: u.User.Arn, principalId: u.User.UserId, accessKeyId: "AKIAEXAMPLEEXAMPLE00", name: "alice" };
    const k = await h.call<KeyOut>("CreateAccessKey", {}, { principal: alice });
    assert.equal(k.AccessKey.UserName, "alice");
    assert.equal(h.calls.at(-1)?.resource, `arn:aws:iam::${ACCOUNT}:user/alice`);
    await assertAwsError(h.call("ListAccessKeys", {}, { principal: rolePrincipal() }), "ValidationError", 400, "Must specify userName when calling with non-User credentials");
  });

  test("UpdateAccessKey and DeleteAccessKey errors", async () => {
    const h = createHarness();
    await h.call("CreateUser", { UserName: "alice" });
    await h.call("CreateUser", { UserName: "bob" });
    const k = await h.call<KeyOut>("CreateAccessKey", { UserName: "alice" });
    await assertAwsError(
      h.call("UpdateAccessKey", { UserName: "alice", AccessKeyId: "AKIAIOSFODNN7EXAMPLE", Status: "Inactive" }),
      "NoSuchEntity",
      404,
      "The Access Key with id AKIAIOSFODNN7EXAMPLE cannot be found.",
    );
    // Another user's key is not found under this user.
    await assertAwsError(
      h.call("DeleteAccessKey", { UserName: "bob", AccessKeyId: k.AccessKey.AccessKeyId }),
      "NoSuchEntity",
      404,
      `The Access Key with id ${k.AccessKey.AccessKeyId} cannot be found.`,
    );
    await assertAwsError(
      h.call("UpdateAccessKey", { UserName: "alice", AccessKeyId: k.AccessKey.AccessKeyId, Status: "Paused" }),
      "ValidationError",
      400,
      "1 validation error detected: Value 'Paused' at 'status' failed to satisfy constraint: Member must satisfy enum value set: [Active, Inactive, Expired]",
    );
    // Expired is in the model's enum (statusType) but is a status IAM derives, never one a caller sets.
    await assertAwsError(
      h.call("UpdateAccessKey", { UserName: "alice", AccessKeyId: k.AccessKey.AccessKeyId, Status: "Expired" }),
      "InvalidInput",
      400,
      "The status Expired cannot be set. Specify Active or Inactive.",
    );
    const listed = await h.call<{ AccessKeyMetadata: Array<{ AccessKeyId: string; Status: string }> }>("ListAccessKeys", { UserName: "alice" });
    assert.equal(listed.AccessKeyMetadata.find((m) => m.AccessKeyId === k.AccessKey.AccessKeyId)?.Status, "Active");
    await assertAwsError(
      h.call("DeleteAccessKey", { UserName: "alice", AccessKeyId: "short" }),
      "ValidationError",
      400,
      "1 validation error detected: Value 'short' at 'accessKeyId' failed to satisfy constraint: Member must have length greater than or equal to 16",
    );
    // UserName is judged with the other members: every failure in one answer, in the model's order.
    const long = "u".repeat(129);
    const tooLong = `Value '${long}' at 'userName' failed to satisfy constraint: Member must have length less than or equal to 128`;
    await assertAwsError(
      h.call("UpdateAccessKey", { UserName: long, AccessKeyId: "short", Status: "Paused" }),
      "ValidationError",
      400,
      `3 validation errors detected: ${tooLong}; Value 'short' at 'accessKeyId' failed to satisfy constraint: Member must have length greater than or equal to 16; ` +
        "Value 'Paused' at 'status' failed to satisfy constraint: Member must satisfy enum value set: [Active, Inactive, Expired]",
    );
    await assertAwsError(
      h.call("DeleteAccessKey", { UserName: long, AccessKeyId: "short" }),
      "ValidationError",
      400,
      `2 validation errors detected: ${tooLong}; Value 'short' at 'accessKeyId' failed to satisfy constraint: Member must have length greater than or equal to 16`,
    );
    await assertAwsError(
      h.call("ListAccessKeys", { UserName: long, MaxItems: 0 }),
      "ValidationError",
      400,
      `2 validation errors detected: ${tooLong}; Value '0' at 'maxItems' failed to satisfy constraint: Member must have value greater than or equal to 1`,
    );
    // A name of the right length with other characters gets IAM's own message, once no member fails a constraint.
    await assertAwsError(
      h.call("UpdateAccessKey", { UserName: "bad name", AccessKeyId: k.AccessKey.AccessKeyId, Status: "Inactive" }),
      "ValidationError",
      400,
      "The specified value for userName is invalid. It must contain only alphanumeric characters and/or the following: +=,.@_-",
    );
  });

  test("deactivating a key is seen by the directory immediately", async () => {
    const h = createHarness();
    await h.call("CreateUser", { UserName: "alice" });
    const k = await h.call<KeyOut>("CreateAccessKey", { UserName: "alice" });
    const id = k.AccessKey.AccessKeyId;
    assert.equal((await h.iam.directory.resolveAccessKey(id))?.active, true);
    await h.call("UpdateAccessKey", { UserName: "alice", AccessKeyId: id, Status: "Inactive" });
    assert.equal((await h.iam.directory.resolveAccessKey(id))?.active, false);
    await h.call("UpdateAccessKey", { UserName: "alice", AccessKeyId: id, Status: "Active" });
    assert.equal((await h.iam.directory.resolveAccessKey(id))?.active, true);
    await h.call("DeleteAccessKey", { UserName: "alice", AccessKeyId: id });
    assert.equal(await h.iam.directory.resolveAccessKey(id), undefined);
  });

  test("GetAccessKeyLastUsed: N/A until used; unknown or foreign keys are denied", async () => {
    const h = createHarness();
    await h.call("CreateUser", { UserName: "alice" });
    const k = await h.call<KeyOut>("CreateAccessKey", { UserName: "alice" });
    const id = k.AccessKey.AccessKeyId;
    const before = await h.call("GetAccessKeyLastUsed", { AccessKeyId: id });
    assert.deepEqual(before, { UserName: "alice", AccessKeyLastUsed: { ServiceName: "N/A", Region: "N/A" } });
    h.iam.directory.noteAccessKeyUsed(id, "eu-west-1", "iam");
    // The use is recorded in the background; let it land.
    for (let i = 0; i < 20 && !h.store.rawCollection(COLLECTIONS.accessKeys).some((j) => j.includes("lastUsed")); i++) {
      await new Promise((r) => setImmediate(r));
    }
    const after = await h.call<{ AccessKeyLastUsed: { LastUsedDate: Date; ServiceName: string; Region: string } }>("GetAccessKeyLastUsed", { AccessKeyId: id });
    assert.equal(after.AccessKeyLastUsed.ServiceName, "iam");
    assert.equal(after.AccessKeyLastUsed.Region, "eu-west-1");
    assert.equal(after.AccessKeyLastUsed.LastUsedDate.getTime(), h.clock.now());
    await assertAwsError(
      h.call("GetAccessKeyLastUsed", { AccessKeyId: "AKIAIOSFODNN7EXAMPLE" }),
      "AccessDeniedException",
      400,
      `User: arn:aws:iam::${ACCOUNT}:root is not authorized to perform iam:GetAccessKeyLastUsed on resource: access key AKIAIOSFODNN7EXAMPLE`,
    );
    await assertAwsError(
      h.call("GetAccessKeyLastUsed", { AccessKeyId: id }, { accountId: OTHER_ACCOUNT }),
      "AccessDeniedException",
      400,
      `User: arn:aws:iam::${OTHER_ACCOUNT}:root is not authorized to perform iam:GetAccessKeyLastUsed on resource: access key ${id}`,
    );
  });
});
