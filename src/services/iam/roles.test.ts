import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { parsePolicy } from "../../iam/policy/index.js";
import { ACCOUNT, ALLOW_S3, assertAwsError, createHarness, TRUST_EC2 } from "./testing/harness.js";

/** The policy engine's own message for an invalid document: IAM must pass it through unchanged. */
function engineMessage(text: string, kind: "trust" | "identity"): string {
  try {
    parsePolicy(text, kind);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error("document unexpectedly valid");
}

type RoleOut = { Role: Record<string, unknown> & { RoleName: string; RoleId: string; Arn: string; AssumeRolePolicyDocument: string } };

describe("IAM roles", () => {
  test("CreateRole validates the trust policy and returns it URL-encoded", async () => {
    const h = createHarness();
    const out = await h.call<RoleOut>("CreateRole", { RoleName: "app", Path: "/svc/", AssumeRolePolicyDocument: TRUST_EC2, Description: "d", Tags: [{ Key: "k", Value: "v" }] });
    assert.equal(out.Role.Arn, `arn:aws:iam::${ACCOUNT}:role/svc/app`);
    assert.match(out.Role.RoleId, /^AROA[A-Z2-7]{17}$/);
    assert.equal(out.Role.AssumeRolePolicyDocument, encodeURIComponent(TRUST_EC2));
    assert.deepEqual(out.Role.Tags, [{ Key: "k", Value: "v" }]);
    assert.equal(out.Role.MaxSessionDuration, undefined);
    // The description the request set is in the answer, as GetRole shows it.
    assert.equal(out.Role.Description, "d");
    const got = await h.call<RoleOut>("GetRole", { RoleName: "app" });
    assert.equal(got.Role.MaxSessionDuration, 3600);
    assert.equal(got.Role.Description, "d");
    assert.deepEqual(got.Role.RoleLastUsed, {});
    await assertAwsError(h.call("CreateRole", { RoleName: "APP", AssumeRolePolicyDocument: TRUST_EC2 }), "EntityAlreadyExists", 409, "Role with name APP already exists.");
    await assertAwsError(h.call("CreateRole", { RoleName: "bad", AssumeRolePolicyDocument: "{not json" }), "MalformedPolicyDocument", 400, engineMessage("{not json", "trust"));
    const noAssume = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "s3:GetObject" }] });
    await assertAwsError(h.call("CreateRole", { RoleName: "bad", AssumeRolePolicyDocument: noAssume }), "MalformedPolicyDocument", 400, engineMessage(noAssume, "trust"));
    // An identity policy is not a valid trust policy (no Principal).
    await assertAwsError(h.call("UpdateAssumeRolePolicy", { RoleName: "app", PolicyDocument: ALLOW_S3 }), "MalformedPolicyDocument", 400, engineMessage(ALLOW_S3, "trust"));
    const big = JSON.stringify({
      Version: "2012-10-17",
      Statement: Array.from({ length: 40 }, (_, i) => ({ Sid: `S${i}`, Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/r${i}` }, Action: "sts:AssumeRole" })),
    });
    await assertAwsError(h.call("CreateRole", { RoleName: "big", AssumeRolePolicyDocument: big }), "LimitExceeded", 409, "Cannot exceed quota for ACLSizePerRole: 2048");
    await assertAwsError(
      h.call("CreateRole", { RoleName: "r", AssumeRolePolicyDocument: TRUST_EC2, MaxSessionDuration: 60 }),
      "ValidationError",
      400,
      "1 validation error detected: Value '60' at 'maxSessionDuration' failed to satisfy constraint: Member must have value greater than or equal to 3600",
    );
    await assertAwsError(h.call("GetRole", { RoleName: "test-nonexistent-role" }), "NoSuchEntity", 404, "The role with name test-nonexistent-role cannot be found.");
  });

  test("a trust policy naming a user or role that does not exist in an account of this installation is refused; other accounts' are kept as written", async () => {
    const h = createHarness();
    const other = "210987654321";
    const trusting = (arn: string) => JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: arn }, Action: "sts:AssumeRole" }] });
    const missing = `arn:aws:iam::${other}:role/not-there`;
    // An account unknown here: IAM cannot tell whether the role exists, so the policy is kept.
    await h.call("CreateRole", { RoleName: "a", AssumeRolePolicyDocument: trusting(missing) });
    assert.equal(decodeURIComponent((await h.call<RoleOut>("GetRole", { RoleName: "a" })).Role.AssumeRolePolicyDocument), trusting(missing));
    // Once the account is one of this installation's, a principal it does not have is invalid, as in IAM.
    await h.store.put("accounts", other, { id: other, name: "other", email: "other@example.com", status: "ACTIVE", createdAt: 0 });
    await assertAwsError(h.call("CreateRole", { RoleName: "b", AssumeRolePolicyDocument: trusting(missing) }), "MalformedPolicyDocument", 400, `Invalid principal in policy: "AWS":"${missing}"`);
    await assertAwsError(
      h.call("UpdateAssumeRolePolicy", { RoleName: "a", PolicyDocument: trusting(`arn:aws:iam::${other}:user/nobody`) }),
      "MalformedPolicyDocument",
      400,
      `Invalid principal in policy: "AWS":"arn:aws:iam::${other}:user/nobody"`,
    );
  });

  test("a trust policy whose service principal names no service is refused by CreateRole and UpdateAssumeRolePolicy", async () => {
    const h = createHarness();
    const trusting = (service: string) => JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: service }, Action: "sts:AssumeRole" }] });
    await assertAwsError(h.call("CreateRole", { RoleName: "a", AssumeRolePolicyDocument: trusting("amazonaws.com") }), "MalformedPolicyDocument", 400, 'Invalid principal in policy: "SERVICE":"amazonaws.com"');
    await h.call("CreateRole", { RoleName: "a", AssumeRolePolicyDocument: trusting("states.eu-west-1.amazonaws.com") });
    await assertAwsError(h.call("UpdateAssumeRolePolicy", { RoleName: "a", PolicyDocument: trusting("my service") }), "MalformedPolicyDocument", 400, 'Invalid principal in policy: "SERVICE":"my service"');
  });

  test("UpdateRole, UpdateRoleDescription, UpdateAssumeRolePolicy", async () => {
    const h = createHarness();
    await h.call("CreateRole", { RoleName: "app", AssumeRolePolicyDocument: TRUST_EC2 });
    await h.call("UpdateRole", { RoleName: "app", Description: "new", MaxSessionDuration: 7200 });
    const d = await h.call<RoleOut>("UpdateRoleDescription", { RoleName: "app", Description: "via desc" });
    assert.equal(d.Role.Description, "via desc");
    const trust2 = TRUST_EC2.replace("ec2.amazonaws.com", "lambda.amazonaws.com");
    await h.call("UpdateAssumeRolePolicy", { RoleName: "app", PolicyDocument: trust2 });
    const got = await h.call<RoleOut>("GetRole", { RoleName: "app" });
    assert.equal(got.Role.MaxSessionDuration, 7200);
    assert.equal(got.Role.Description, "via desc");
    assert.equal(decodeURIComponent(got.Role.AssumeRolePolicyDocument), trust2);
    const rec = await h.iam.api.getRole(ACCOUNT, "app");
    assert.equal(rec?.assumeRolePolicyDocument, trust2);
    await assertAwsError(h.call("UpdateRole", { RoleName: "ghost" }), "NoSuchEntity", 404, "The role with name ghost cannot be found.");
  });

  test("DeleteRole conflicts, then deletion", async () => {
    const h = createHarness();
    await h.call("CreateRole", { RoleName: "app", AssumeRolePolicyDocument: TRUST_EC2 });
    await h.call("AttachRolePolicy", { RoleName: "app", PolicyArn: "arn:aws:iam::aws:policy/AdministratorAccess" });
    await assertAwsError(h.call("DeleteRole", { RoleName: "app" }), "DeleteConflict", 409, "Cannot delete entity, must detach all policies first.");
    await h.call("DetachRolePolicy", { RoleName: "app", PolicyArn: "arn:aws:iam::aws:policy/AdministratorAccess" });
    await h.call("PutRolePolicy", { RoleName: "app", PolicyName: "p", PolicyDocument: ALLOW_S3 });
    await assertAwsError(h.call("DeleteRole", { RoleName: "app" }), "DeleteConflict", 409, "Cannot delete entity, must delete policies first.");
    await h.call("DeleteRolePolicy", { RoleName: "app", PolicyName: "p" });
    await h.call("DeleteRole", { RoleName: "app" });
    await assertAwsError(h.call("GetRole", { RoleName: "app" }), "NoSuchEntity", 404, "The role with name app cannot be found.");
  });

  test("ListRoles pages and omits tags and last-used", async () => {
    const h = createHarness();
    for (let i = 0; i < 5; i++) await h.call("CreateRole", { RoleName: `r${i}`, AssumeRolePolicyDocument: TRUST_EC2, Tags: [{ Key: "k", Value: "v" }] });
    const p1 = await h.call<{ Roles: Array<Record<string, unknown>>; IsTruncated: boolean; Marker?: string }>("ListRoles", { MaxItems: 2 });
    assert.deepEqual(p1.Roles.map((r) => r.RoleName), ["r0", "r1"]);
    assert.equal(p1.Roles[0]?.Tags, undefined);
    assert.equal(p1.Roles[0]?.RoleLastUsed, undefined);
    assert.equal(p1.Roles[0]?.MaxSessionDuration, 3600);
    const p2 = await h.call<{ Roles: Array<{ RoleName: string }>; IsTruncated: boolean }>("ListRoles", { Marker: p1.Marker });
    assert.deepEqual(p2.Roles.map((r) => r.RoleName), ["r2", "r3", "r4"]);
    assert.equal(p2.IsTruncated, false);
  });

  test("role tags: duplicate keys differing in case are refused; untag; list", async () => {
    const h = createHarness();
    await h.call("CreateRole", { RoleName: "app", AssumeRolePolicyDocument: TRUST_EC2 });
    await assertAwsError(
      h.call("TagRole", { RoleName: "app", Tags: [{ Key: "a", Value: "1" }, { Key: "A", Value: "2" }] }),
      "InvalidInput",
      400,
      "Duplicate tag keys found. Please note that Tag keys are case insensitive.",
    );
    // The aws: prefix is reserved, in keys and values.
    for (const tag of [{ Key: "aws:x", Value: "1" }, { Key: "AWS:x", Value: "1" }, { Key: "k", Value: "aws:v" }]) {
      await assertAwsError(h.call("TagRole", { RoleName: "app", Tags: [tag] }), "InvalidInput", 400, "Tag keys and values beginning with aws: are reserved for AWS internal use.");
    }
    await assertAwsError(
      h.call("CreateRole", { RoleName: "tagged", AssumeRolePolicyDocument: TRUST_EC2, Tags: [{ Key: "aws:x", Value: "1" }] }),
      "InvalidInput",
      400,
      "Tag keys and values beginning with aws: are reserved for AWS internal use.",
    );
    await h.call("TagRole", { RoleName: "app", Tags: [{ Key: "b", Value: "2" }, { Key: "a", Value: "1" }] });
    await h.call("UntagRole", { RoleName: "app", TagKeys: ["B"] });
    const tags = await h.call<{ Tags: unknown[] }>("ListRoleTags", { RoleName: "app" });
    assert.deepEqual(tags.Tags, [{ Key: "a", Value: "1" }]);
    await assertAwsError(
      h.call("UntagRole", { RoleName: "app", TagKeys: ["bad*key"] }),
      "ValidationError",
      400,
      "1 validation error detected: Value at 'tagKeys' failed to satisfy constraint: Member must satisfy constraint: [Member must have length less than or equal to 128, Member must have length greater than or equal to 1, Member must satisfy regular expression pattern: [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+, Member must not be null]",
    );
  });

  test("role permissions boundary lifecycle and counts", async () => {
    const h = createHarness();
    const p = await h.call<{ Policy: { Arn: string } }>("CreatePolicy", { PolicyName: "bound", PolicyDocument: ALLOW_S3 });
    await assertAwsError(
      h.call("CreateRole", { RoleName: "r", AssumeRolePolicyDocument: TRUST_EC2, PermissionsBoundary: `arn:aws:iam::${ACCOUNT}:policy/nonexistent-policy` }),
      "NoSuchEntity",
      404,
      `Scope ARN: arn:aws:iam::${ACCOUNT}:policy/nonexistent-policy does not exist or is not attachable.`,
    );
    await assertAwsError(h.call("GetRole", { RoleName: "r" }), "NoSuchEntity", 404, "The role with name r cannot be found.");
    const created = await h.call<RoleOut>("CreateRole", { RoleName: "r", AssumeRolePolicyDocument: TRUST_EC2, PermissionsBoundary: p.Policy.Arn });
    assert.deepEqual(created.Role.PermissionsBoundary, { PermissionsBoundaryType: "Policy", PermissionsBoundaryArn: p.Policy.Arn });
    await assertAwsError(h.call("DeletePolicy", { PolicyArn: p.Policy.Arn }), "DeleteConflict", 409, "Cannot delete a policy attached to entities.");
    await h.call("DeleteRolePermissionsBoundary", { RoleName: "r" });
    const got = await h.call<RoleOut>("GetRole", { RoleName: "r" });
    assert.equal(got.Role.PermissionsBoundary, undefined);
    await h.call("PutRolePermissionsBoundary", { RoleName: "r", PermissionsBoundary: "arn:aws:iam::aws:policy/PowerUserAccess" });
    const rec = await h.iam.api.getRoleByArn(`arn:aws:iam::${ACCOUNT}:role/r`);
    assert.equal(rec?.permissionsBoundaryArn, "arn:aws:iam::aws:policy/PowerUserAccess");
    assert.equal(await h.iam.api.getRoleByArn(`arn:aws:iam::${ACCOUNT}:role/wrongpath/r`), undefined);
    await h.call("DeletePolicy", { PolicyArn: p.Policy.Arn });
  });
});
