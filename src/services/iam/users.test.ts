import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { Principal } from "../../core/types.js";
import { ACCOUNT, assertAwsError, createHarness, T0 } from "./testing/harness.js";

type UserOut = { User: { UserName: string; UserId: string; Arn: string; Path: string; CreateDate: Date; Tags?: Array<{ Key: string; Value: string }>; PermissionsBoundary?: unknown } };
type ListOut = { Users: Array<{ UserName: string }>; IsTruncated: boolean; Marker?: string };

describe("IAM users", () => {
  test("CreateUser returns the user and authorises iam:CreateUser on its ARN first", async () => {
    const h = createHarness();
    const out = await h.call<UserOut>("CreateUser", { UserName: "alice", Path: "/eng/", Tags: [{ Key: "team", Value: "blue" }] });
    assert.equal(out.User.UserName, "alice");
    assert.equal(out.User.Path, "/eng/");
    assert.equal(out.User.Arn, `arn:aws:iam::${ACCOUNT}:user/eng/alice`);
    assert.match(out.User.UserId, /^AIDA[A-Z2-7]{17}$/);
    assert.equal(out.User.CreateDate.getTime(), T0);
    assert.deepEqual(out.User.Tags, [{ Key: "team", Value: "blue" }]);
    assert.deepEqual(h.calls, [
      {
        action: "iam:CreateUser",
        resource: `arn:aws:iam::${ACCOUNT}:user/eng/alice`,
        context: { "aws:TagKeys": ["team"], "aws:RequestTag/team": "blue" },
      },
    ]);
  });

  test("CreateUser of an existing name (any case) is EntityAlreadyExists 409", async () => {
    const h = createHarness();
    await h.call("CreateUser", { UserName: "alice" });
    await assertAwsError(h.call("CreateUser", { UserName: "ALICE" }), "EntityAlreadyExists", 409, "User with name ALICE already exists.");
  });

  test("a denied CreateUser changes nothing", async () => {
    const h = createHarness();
    h.deny.add("iam:CreateUser");
    await assertAwsError(h.call("CreateUser", { UserName: "alice" }), "AccessDeniedException", 400, /not authorized to perform: iam:CreateUser/);
    await assertAwsError(h.call("GetUser", { UserName: "alice" }), "NoSuchEntity", 404, "The user with name alice cannot be found.");
  });

  test("names, paths and tags are validated with IAM's messages", async () => {
    const h = createHarness();
    await assertAwsError(
      h.call("CreateUser", { UserName: "bad name" }),
      "ValidationError",
      400,
      "The specified value for userName is invalid. It must contain only alphanumeric characters and/or the following: +=,.@_-",
    );
    // The length is a model constraint; only a name of an allowed length is judged by its characters.
    await assertAwsError(
      h.call("CreateUser", { UserName: "" }),
      "ValidationError",
      400,
      "1 validation error detected: Value '' at 'userName' failed to satisfy constraint: Member must have length greater than or equal to 1",
    );
    await assertAwsError(
      h.call("CreateUser", { UserName: "b/d".repeat(22) }),
      "ValidationError",
      400,
      `1 validation error detected: Value '${"b/d".repeat(22)}' at 'userName' failed to satisfy constraint: Member must have length less than or equal to 64`,
    );
    for (const [op, input, field] of [
      ["CreateRole", { RoleName: "arn:aws:iam::123456789012:role/LabRole", AssumeRolePolicyDocument: "{}" }, "roleName"],
      ["CreateGroup", { GroupName: "group*" }, "groupName"],
      ["PutUserPolicy", { UserName: "alice", PolicyName: "S3 access", PolicyDocument: "{}" }, "policyName"],
    ] as const) {
      await assertAwsError(h.call(op, input), "ValidationError", 400, `The specified value for ${field} is invalid. It must contain only alphanumeric characters and/or the following: +=,.@_-`);
    }
    await assertAwsError(
      h.call("CreateUser", { UserName: "a".repeat(65) }),
      "ValidationError",
      400,
      `1 validation error detected: Value '${"a".repeat(65)}' at 'userName' failed to satisfy constraint: Member must have length less than or equal to 64`,
    );
    await assertAwsError(h.call("CreateUser", {}), "ValidationError", 400, "1 validation error detected: Value null at 'userName' failed to satisfy constraint: Member must not be null");
    await assertAwsError(
      h.call("CreateUser", { UserName: "bob", Path: "noslash" }),
      "ValidationError",
      400,
      "The specified value for path is invalid. It must begin and end with / and contain only alphanumeric characters and/or / characters.",
    );
    await assertAwsError(
      h.call("CreateUser", { UserName: "bob", Tags: [{ Key: "k", Value: "1" }, { Key: "K", Value: "2" }] }),
      "InvalidInput",
      400,
      "Duplicate tag keys found. Please note that Tag keys are case insensitive.",
    );
    const many = Array.from({ length: 51 }, (_, i) => ({ Key: `k${i}`, Value: "v" }));
    await assertAwsError(
      h.call("CreateUser", { UserName: "bob", Tags: many }),
      "ValidationError",
      400,
      "1 validation error detected: Value at 'tags' failed to satisfy constraint: Member must have length less than or equal to 50",
    );
    assert.equal(h.calls.length, 0, "validation happens before authorisation");
  });

  test("every member that fails a constraint is listed in one ValidationError, in the model's member order; secrets are not echoed", async () => {
    const h = createHarness();
    const longName = "a".repeat(65);
    const longPath = `/${"p".repeat(600)}/`;
    await assertAwsError(
      h.call("CreateUser", { UserName: longName, Path: longPath, Tags: [{ Key: "ok", Value: "v" }, { Key: "bad key!", Value: "x".repeat(257) }] }),
      "ValidationError",
      400,
      "4 validation errors detected: " +
        "Value at 'path' failed to satisfy constraint: Member must have length less than or equal to 512; " +
        `Value '${longName}' at 'userName' failed to satisfy constraint: Member must have length less than or equal to 64; ` +
        "Value at 'tags.2.member.key' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+; " +
        `Value at 'tags.2.member.value' failed to satisfy constraint: Member must have length less than or equal to 256`,
    );
    await assertAwsError(
      h.call("ListUsers", { PathPrefix: "nope", Marker: "", MaxItems: 0 }),
      "ValidationError",
      400,
      "4 validation errors detected: " +
        "Value 'nope' at 'pathPrefix' failed to satisfy constraint: Member must satisfy regular expression pattern: \\u002F[\\u0021-\\u007F]*; " +
        "Value '' at 'marker' failed to satisfy constraint: Member must have length greater than or equal to 1; " +
        "Value '' at 'marker' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\u0020-\\u00FF]+; " +
        "Value '0' at 'maxItems' failed to satisfy constraint: Member must have value greater than or equal to 1",
    );
    const secret = "s".repeat(129);
    const err = await h.call("UpdateLoginProfile", { UserName: longName, Password: secret }).then(
      () => assert.fail("UpdateLoginProfile succeeded"),
      (e: Error) => e,
    );
    assert.equal(
      err.message,
      "2 validation errors detected: " +
        `Value '${longName}' at 'userName' failed to satisfy constraint: Member must have length less than or equal to 64; ` +
        "Value at 'password' failed to satisfy constraint: Member must have length less than or equal to 128",
    );
    assert.ok(!err.message.includes(secret));
    const created = await h.call("CreateLoginProfile", { UserName: longName, Password: secret }).then(
      () => assert.fail("CreateLoginProfile succeeded"),
      (e: Error) => e,
    );
    assert.equal(created.message, err.message);
    // A constraint failure of one member comes before another member's worded refusal.
    await assertAwsError(
      h.call("CreateUser", { UserName: longName, Path: "noslash" }),
      "ValidationError",
      400,
      `1 validation error detected: Value '${longName}' at 'userName' failed to satisfy constraint: Member must have length less than or equal to 64`,
    );
  });

  test("GetUser without a name returns the calling user; from a role it is a ValidationError", async () => {
    const h = createHarness();
    const created = await h.call<UserOut>("CreateUser", { UserName: "alice" });
    const alice: Principal = { type: "IAMUser", accountId: ACCOUNT, arn: created.User.Arn, principalId: created.User.UserId, accessKeyId: "AKIAEXAMPLEEXAMPLE00", name: "alice" };
    const out = await h.call<UserOut>("GetUser", {}, { principal: alice });
    assert.equal(out.User.UserName, "alice");
    assert.equal(out.User.Tags, undefined);
    const role: Principal = { type: "AssumedRole", accountId: ACCOUNT, arn: `arn:aws:sts::${ACCOUNT}:assumed-role/R/s`, principalId: "AROAX:s", accessKeyId: "ASIAX" };
    await assertAwsError(h.call("GetUser", {}, { principal: role }), "ValidationError", 400, "Must specify userName when calling with non-User credentials");
    const root = await h.call<{ User: { UserId: string; Arn: string } }>("GetUser", {});
    assert.equal(root.User.UserId, ACCOUNT);
    assert.equal(root.User.Arn, `arn:aws:iam::${ACCOUNT}:root`);
  });

  test("UpdateUser renames and moves; the old name is gone and the id is kept", async () => {
    const h = createHarness();
    const created = await h.call<UserOut>("CreateUser", { UserName: "alice" });
    await h.call("CreateUser", { UserName: "carol" });
    await assertAwsError(h.call("UpdateUser", { UserName: "alice", NewUserName: "Carol" }), "EntityAlreadyExists", 409, "User with name Carol already exists.");
    h.calls.length = 0;
    await h.call("UpdateUser", { UserName: "alice", NewUserName: "alicia", NewPath: "/ops/" });
    assert.deepEqual(
      h.calls.map((c) => c.resource),
      [`arn:aws:iam::${ACCOUNT}:user/alice`, `arn:aws:iam::${ACCOUNT}:user/ops/alicia`],
    );
    const got = await h.call<UserOut>("GetUser", { UserName: "alicia" });
    assert.equal(got.User.UserId, created.User.UserId);
    assert.equal(got.User.Arn, `arn:aws:iam::${ACCOUNT}:user/ops/alicia`);
    await assertAwsError(h.call("GetUser", { UserName: "alice" }), "NoSuchEntity", 404, "The user with name alice cannot be found.");
    await assertAwsError(h.call("UpdateUser", { UserName: "nobody", NewPath: "/x/" }), "NoSuchEntity", 404, "The user with name nobody cannot be found.");
  });

  test("DeleteUser refuses while keys, policies or groups remain", async () => {
    const h = createHarness();
    await h.call("CreateUser", { UserName: "alice" });
    const key = await h.call<{ AccessKey: { AccessKeyId: string } }>("CreateAccessKey", { UserName: "alice" });
    await assertAwsError(h.call("DeleteUser", { UserName: "alice" }), "DeleteConflict", 409, "Cannot delete entity, must delete access keys first.");
    await h.call("DeleteAccessKey", { UserName: "alice", AccessKeyId: key.AccessKey.AccessKeyId });
    await h.call("AttachUserPolicy", { UserName: "alice", PolicyArn: "arn:aws:iam::aws:policy/ReadOnlyAccess" });
    await assertAwsError(h.call("DeleteUser", { UserName: "alice" }), "DeleteConflict", 409, "Cannot delete entity, must detach all policies first.");
    await h.call("DetachUserPolicy", { UserName: "alice", PolicyArn: "arn:aws:iam::aws:policy/ReadOnlyAccess" });
    await h.call("PutUserPolicy", { UserName: "alice", PolicyName: "p", PolicyDocument: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:*", Resource: "*" }] }) });
    await assertAwsError(h.call("DeleteUser", { UserName: "alice" }), "DeleteConflict", 409, "Cannot delete entity, must delete policies first.");
    await h.call("DeleteUserPolicy", { UserName: "alice", PolicyName: "p" });
    await h.call("CreateGroup", { GroupName: "devs" });
    await h.call("AddUserToGroup", { GroupName: "devs", UserName: "alice" });
    await assertAwsError(h.call("DeleteUser", { UserName: "alice" }), "DeleteConflict", 409, "Cannot delete entity, must remove users from group first.");
    await h.call("RemoveUserFromGroup", { GroupName: "devs", UserName: "alice" });
    await h.call("DeleteUser", { UserName: "alice" });
    await assertAwsError(h.call("GetUser", { UserName: "alice" }), "NoSuchEntity", 404, "The user with name alice cannot be found.");
    await assertAwsError(h.call("DeleteUser", { UserName: "alice" }), "NoSuchEntity", 404, "The user with name alice cannot be found.");
  });

  test("ListUsers pages in name order with PathPrefix, Marker and MaxItems", async () => {
    const h = createHarness();
    for (const n of ["dave", "Bob", "alice", "erin", "carol"]) await h.call("CreateUser", { UserName: n, Path: n === "erin" ? "/x/" : "/" });
    const p1 = await h.call<ListOut>("ListUsers", { MaxItems: 2 });
    assert.deepEqual(p1.Users.map((u) => u.UserName), ["alice", "Bob"]);
    assert.equal(p1.IsTruncated, true);
    assert.equal(typeof p1.Marker, "string");
    const p2 = await h.call<ListOut>("ListUsers", { MaxItems: 2, Marker: p1.Marker });
    assert.deepEqual(p2.Users.map((u) => u.UserName), ["carol", "dave"]);
    const p3 = await h.call<ListOut>("ListUsers", { MaxItems: 2, Marker: p2.Marker });
    assert.deepEqual(p3.Users.map((u) => u.UserName), ["erin"]);
    assert.equal(p3.IsTruncated, false);
    assert.equal(p3.Marker, undefined);
    const filtered = await h.call<ListOut>("ListUsers", { PathPrefix: "/x" });
    assert.deepEqual(filtered.Users.map((u) => u.UserName), ["erin"]);
    await assertAwsError(
      h.call("ListUsers", { MaxItems: 0 }),
      "ValidationError",
      400,
      "1 validation error detected: Value '0' at 'maxItems' failed to satisfy constraint: Member must have value greater than or equal to 1",
    );
    await assertAwsError(
      h.call("ListUsers", { MaxItems: 1001 }),
      "ValidationError",
      400,
      "1 validation error detected: Value '1001' at 'maxItems' failed to satisfy constraint: Member must have value less than or equal to 1000",
    );
    await assertAwsError(h.call("ListUsers", { Marker: "not-a-marker!" }), "ValidationError", 400, "Invalid Marker.");
    assert.equal(h.calls.at(-1)?.resource, `arn:aws:iam::${ACCOUNT}:user/`);
  });

  test("TagUser merges case-insensitively, UntagUser removes, ListUserTags sorts by key", async () => {
    const h = createHarness();
    await h.call("CreateUser", { UserName: "alice", Tags: [{ Key: "env", Value: "dev" }] });
    h.calls.length = 0;
    await h.call("TagUser", { UserName: "alice", Tags: [{ Key: "ENV", Value: "prod" }, { Key: "a", Value: "1" }] });
    assert.deepEqual(h.calls[0]?.context, {
      "aws:ResourceTag/env": "dev",
      "iam:ResourceTag/env": "dev",
      "aws:TagKeys": ["ENV", "a"],
      "aws:RequestTag/ENV": "prod",
      "aws:RequestTag/a": "1",
    });
    const tags = await h.call<{ Tags: Array<{ Key: string; Value: string }>; IsTruncated: boolean }>("ListUserTags", { UserName: "alice" });
    assert.deepEqual(tags, { Tags: [{ Key: "ENV", Value: "prod" }, { Key: "a", Value: "1" }], IsTruncated: false });
    await h.call("UntagUser", { UserName: "alice", TagKeys: ["env"] });
    const after = await h.call<{ Tags: unknown[] }>("ListUserTags", { UserName: "alice" });
    assert.deepEqual(after.Tags, [{ Key: "a", Value: "1" }]);
    const fifty = Array.from({ length: 50 }, (_, i) => ({ Key: `k${i}`, Value: "v" }));
    await assertAwsError(h.call("TagUser", { UserName: "alice", Tags: fifty }), "LimitExceeded", 409, "Cannot exceed quota for TagsPerUser: 50");
    await assertAwsError(h.call("TagUser", { UserName: "ghost", Tags: [{ Key: "a", Value: "b" }] }), "NoSuchEntity", 404, "The user with name ghost cannot be found.");
  });

  test("permissions boundaries: put, show, delete; bad and unknown ARNs are refused", async () => {
    const h = createHarness();
    await h.call("CreateUser", { UserName: "alice" });
    await assertAwsError(
      h.call("PutUserPermissionsBoundary", { UserName: "alice", PermissionsBoundary: `arn:aws:iam::${ACCOUNT}:not_a_policy/x` }),
      "InvalidInput",
      400,
      `ARN arn:aws:iam::${ACCOUNT}:not_a_policy/x is not valid.`,
    );
    await assertAwsError(
      h.call("PutUserPermissionsBoundary", { UserName: "alice", PermissionsBoundary: `arn:aws:iam::${ACCOUNT}:policy/nope` }),
      "NoSuchEntity",
      404,
      `Scope ARN: arn:aws:iam::${ACCOUNT}:policy/nope does not exist or is not attachable.`,
    );
    const boundary = "arn:aws:iam::aws:policy/PowerUserAccess";
    h.calls.length = 0;
    await h.call("PutUserPermissionsBoundary", { UserName: "alice", PermissionsBoundary: boundary });
    assert.deepEqual(h.calls[0]?.context, { "iam:PermissionsBoundary": boundary });
    const got = await h.call<UserOut>("GetUser", { UserName: "alice" });
    assert.deepEqual(got.User.PermissionsBoundary, { PermissionsBoundaryType: "Policy", PermissionsBoundaryArn: boundary });
    const pol = await h.call<{ Policy: { PermissionsBoundaryUsageCount: number } }>("GetPolicy", { PolicyArn: boundary });
    assert.equal(pol.Policy.PermissionsBoundaryUsageCount, 1);
    await h.call("DeleteUserPermissionsBoundary", { UserName: "alice" });
    const again = await h.call<UserOut>("GetUser", { UserName: "alice" });
    assert.equal(again.User.PermissionsBoundary, undefined);
  });
});
