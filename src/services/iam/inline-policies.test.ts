import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ALLOW_S3, assertAwsError, createHarness, TRUST_EC2 } from "./testing/harness.js";

const padded = (n: number) =>
  JSON.stringify({ Version: "2012-10-17", Statement: [{ Sid: "S".repeat(n), Effect: "Allow", Action: "s3:GetObject", Resource: "*" }] });

describe("IAM inline policies", () => {
  test("Put/Get/List/Delete UserPolicy; Get returns the document URL-encoded", async () => {
    const h = createHarness();
    await h.call("CreateUser", { UserName: "alice" });
    const pretty = JSON.stringify(JSON.parse(ALLOW_S3), null, 2);
    await h.call("PutUserPolicy", { UserName: "alice", PolicyName: "b", PolicyDocument: pretty });
    await h.call("PutUserPolicy", { UserName: "alice", PolicyName: "a", PolicyDocument: ALLOW_S3 });
    const got = await h.call("GetUserPolicy", { UserName: "alice", PolicyName: "b" });
    assert.deepEqual(got, { UserName: "alice", PolicyName: "b", PolicyDocument: encodeURIComponent(pretty) });
    const listed = await h.call("ListUserPolicies", { UserName: "alice" });
    assert.deepEqual(listed, { PolicyNames: ["a", "b"], IsTruncated: false });
    // Putting an existing name replaces it.
    await h.call("PutUserPolicy", { UserName: "alice", PolicyName: "a", PolicyDocument: pretty });
    const replaced = await h.call<{ PolicyDocument: string }>("GetUserPolicy", { UserName: "alice", PolicyName: "a" });
    assert.equal(replaced.PolicyDocument, encodeURIComponent(pretty));
    await h.call("DeleteUserPolicy", { UserName: "alice", PolicyName: "a" });
    await assertAwsError(h.call("GetUserPolicy", { UserName: "alice", PolicyName: "a" }), "NoSuchEntity", 404, "The user policy with name a cannot be found.");
    await assertAwsError(h.call("DeleteUserPolicy", { UserName: "alice", PolicyName: "a" }), "NoSuchEntity", 404, "The user policy with name a cannot be found.");
    await assertAwsError(h.call("PutUserPolicy", { UserName: "nobody", PolicyName: "a", PolicyDocument: ALLOW_S3 }), "NoSuchEntity", 404, "The user with name nobody cannot be found.");
  });

  test("aggregate size limits per entity, white space not counted", async () => {
    const h = createHarness();
    await h.call("CreateUser", { UserName: "alice" });
    const base = padded(0).length;
    // Exactly 2048 characters without white space across two policies is allowed.
    await h.call("PutUserPolicy", { UserName: "alice", PolicyName: "one", PolicyDocument: padded(1024 - base) });
    const second = padded(1024 - base).replace("{", "{   \n\t ");
    await h.call("PutUserPolicy", { UserName: "alice", PolicyName: "two", PolicyDocument: second });
    await assertAwsError(
      h.call("PutUserPolicy", { UserName: "alice", PolicyName: "three", PolicyDocument: ALLOW_S3 }),
      "LimitExceeded",
      409,
      "Maximum policy size of 2048 bytes exceeded for user alice",
    );
    // Replacing a policy counts only its new size.
    await h.call("PutUserPolicy", { UserName: "alice", PolicyName: "two", PolicyDocument: ALLOW_S3 });
    await h.call("CreateRole", { RoleName: "r", AssumeRolePolicyDocument: TRUST_EC2 });
    await h.call("PutRolePolicy", { RoleName: "r", PolicyName: "big", PolicyDocument: padded(5000) });
    await assertAwsError(
      h.call("PutRolePolicy", { RoleName: "r", PolicyName: "bigger", PolicyDocument: padded(5200) }),
      "LimitExceeded",
      409,
      "Maximum policy size of 10240 bytes exceeded for role r",
    );
    await h.call("CreateGroup", { GroupName: "g" });
    await assertAwsError(
      h.call("PutGroupPolicy", { GroupName: "g", PolicyName: "p", PolicyDocument: padded(5200) }),
      "LimitExceeded",
      409,
      "Maximum policy size of 5120 bytes exceeded for group g",
    );
  });

  test("role and group inline policies; invalid documents are MalformedPolicyDocument", async () => {
    const h = createHarness();
    await h.call("CreateRole", { RoleName: "r", AssumeRolePolicyDocument: TRUST_EC2 });
    await h.call("PutRolePolicy", { RoleName: "r", PolicyName: "p", PolicyDocument: ALLOW_S3 });
    assert.deepEqual(await h.call("GetRolePolicy", { RoleName: "r", PolicyName: "p" }), { RoleName: "r", PolicyName: "p", PolicyDocument: encodeURIComponent(ALLOW_S3) });
    await assertAwsError(h.call("GetRolePolicy", { RoleName: "r", PolicyName: "non-existent-policy" }), "NoSuchEntity", 404, "The role policy with name non-existent-policy cannot be found.");
    await h.call("CreateGroup", { GroupName: "g" });
    await h.call("PutGroupPolicy", { GroupName: "g", PolicyName: "p", PolicyDocument: ALLOW_S3 });
    assert.deepEqual(await h.call("ListGroupPolicies", { GroupName: "g" }), { PolicyNames: ["p"], IsTruncated: false });
    await assertAwsError(h.call("GetGroupPolicy", { GroupName: "g", PolicyName: "x" }), "NoSuchEntity", 404, "The group policy with name x cannot be found.");
    const noResource = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:GetObject" }] });
    await assertAwsError(h.call("PutRolePolicy", { RoleName: "r", PolicyName: "bad", PolicyDocument: noResource }), "MalformedPolicyDocument", 400, "Policy statement must contain resources.");
    await assertAwsError(
      h.call("PutRolePolicy", { RoleName: "r", PolicyName: "bad", PolicyDocument: "{\"Version\":\"2012-10-17\",\"Statement\":[]}\u2603" }),
      "ValidationError",
      400,
      `1 validation error detected: Value '{"Version":"2012-10-17","Statement":[]}\u2603' at 'policyDocument' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\u0009\\u000A\\u000D\\u0020-\\u00FF]+`,
    );
    assert.deepEqual(await h.call("ListRolePolicies", { RoleName: "r" }), { PolicyNames: ["p"], IsTruncated: false });
  });
});
