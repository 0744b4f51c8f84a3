import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ACCOUNT, ALLOW_S3, assertAwsError, createHarness, TRUST_EC2 } from "./testing/harness.js";

type AttachedOut = { AttachedPolicies: Array<{ PolicyName: string; PolicyArn: string }>; IsTruncated: boolean; Marker?: string };

describe("IAM policy attachments", () => {
  test("attach authorises with iam:PolicyARN and the entity's boundary; attach is idempotent; detach", async () => {
    const h = createHarness();
    await h.call("CreateUser", { UserName: "alice", PermissionsBoundary: "arn:aws:iam::aws:policy/PowerUserAccess" });
    const p = await h.call<{ Policy: { Arn: string } }>("CreatePolicy", { PolicyName: "p", PolicyDocument: ALLOW_S3 });
    h.calls.length = 0;
    await h.call("AttachUserPolicy", { UserName: "alice", PolicyArn: p.Policy.Arn });
    assert.deepEqual(h.calls, [
      {
        action: "iam:AttachUserPolicy",
        resource: `arn:aws:iam::${ACCOUNT}:user/alice`,
        context: { "iam:PolicyARN": p.Policy.Arn, "iam:PermissionsBoundary": "arn:aws:iam::aws:policy/PowerUserAccess" },
      },
    ]);
    await h.call("AttachUserPolicy", { UserName: "alice", PolicyArn: p.Policy.Arn });
    const listed = await h.call<AttachedOut>("ListAttachedUserPolicies", { UserName: "alice" });
    assert.deepEqual(listed, { AttachedPolicies: [{ PolicyName: "p", PolicyArn: p.Policy.Arn }], IsTruncated: false });
    const pol = await h.call<{ Policy: { AttachmentCount: number } }>("GetPolicy", { PolicyArn: p.Policy.Arn });
    assert.equal(pol.Policy.AttachmentCount, 1);
    await h.call("DetachUserPolicy", { UserName: "alice", PolicyArn: p.Policy.Arn });
    await assertAwsError(h.call("DetachUserPolicy", { UserName: "alice", PolicyArn: p.Policy.Arn }), "NoSuchEntity", 404, `Policy ${p.Policy.Arn} was not found.`);
    const none = await h.call<AttachedOut>("ListAttachedUserPolicies", { UserName: "alice" });
    assert.deepEqual(none.AttachedPolicies, []);
  });

  test("attach errors: unknown policy, another account's policy, malformed ARN, missing entity, denied", async () => {
    const h = createHarness();
    await h.call("CreateRole", { RoleName: "r", AssumeRolePolicyDocument: TRUST_EC2 });
    await assertAwsError(
      h.call("AttachRolePolicy", { RoleName: "r", PolicyArn: `arn:aws:iam::${ACCOUNT}:policy/nonexistent-policy` }),
      "NoSuchEntity",
      404,
      `Policy arn:aws:iam::${ACCOUNT}:policy/nonexistent-policy does not exist or is not attachable.`,
    );
    await h.call("CreatePolicy", { PolicyName: "theirs", PolicyDocument: ALLOW_S3 }, { accountId: "444455556666" });
    await assertAwsError(
      h.call("AttachRolePolicy", { RoleName: "r", PolicyArn: "arn:aws:iam::444455556666:policy/theirs" }),
      "NoSuchEntity",
      404,
      "Policy arn:aws:iam::444455556666:policy/theirs does not exist or is not attachable.",
    );
    await assertAwsError(h.call("AttachRolePolicy", { RoleName: "r", PolicyArn: "longpolicynamebutnoarn" }), "ValidationError", 400, "ARN longpolicynamebutnoarn is not valid.");
    // A policy ARN of another partition (aws-cn, here in aws): IAM's "Invalid ARN partition"; one of no partition is not valid.
    await assertAwsError(h.call("AttachRolePolicy", { RoleName: "r", PolicyArn: "arn:aws-cn:iam::aws:policy/ReadOnlyAccess" }), "ValidationError", 400, "Invalid ARN partition");
    await assertAwsError(h.call("AttachRolePolicy", { RoleName: "r", PolicyArn: "arn:aws-mars:iam::aws:policy/ReadOnlyAccess" }), "ValidationError", 400, "ARN arn:aws-mars:iam::aws:policy/ReadOnlyAccess is not valid.");
    await assertAwsError(
      h.call("AttachRolePolicy", { RoleName: "ghost", PolicyArn: "arn:aws:iam::aws:policy/ReadOnlyAccess" }),
      "NoSuchEntity",
      404,
      "The role with name ghost cannot be found.",
    );
    h.deny.add("iam:AttachRolePolicy");
    await assertAwsError(h.call("AttachRolePolicy", { RoleName: "r", PolicyArn: "arn:aws:iam::aws:policy/ReadOnlyAccess" }), "AccessDeniedException", 400, /iam:AttachRolePolicy/);
    h.deny.clear();
    const listed = await h.call<AttachedOut>("ListAttachedRolePolicies", { RoleName: "r" });
    assert.deepEqual(listed.AttachedPolicies, []);
  });

  test("at most 10 managed policies per entity", async () => {
    const h = createHarness();
    await h.call("CreateGroup", { GroupName: "g" });
    for (let i = 0; i < 10; i++) {
      const p = await h.call<{ Policy: { Arn: string } }>("CreatePolicy", { PolicyName: `p${i}`, PolicyDocument: ALLOW_S3 });
      await h.call("AttachGroupPolicy", { GroupName: "g", PolicyArn: p.Policy.Arn });
    }
    await assertAwsError(
      h.call("AttachGroupPolicy", { GroupName: "g", PolicyArn: "arn:aws:iam::aws:policy/ReadOnlyAccess" }),
      "LimitExceeded",
      409,
      "Cannot exceed quota for PoliciesPerGroup: 10",
    );
    const page = await h.call<AttachedOut>("ListAttachedGroupPolicies", { GroupName: "g", MaxItems: 4 });
    assert.equal(page.AttachedPolicies.length, 4);
    assert.equal(page.IsTruncated, true);
    const rest = await h.call<AttachedOut>("ListAttachedGroupPolicies", { GroupName: "g", Marker: page.Marker });
    assert.equal(rest.AttachedPolicies.length, 6);
  });

  test("each Attach*/Detach*Policy authorises its own action on the entity its request names", async () => {
    const h = createHarness();
    const arn = "arn:aws:iam::aws:policy/ReadOnlyAccess";
    await h.call("CreateUser", { UserName: "alice" });
    await h.call("CreateGroup", { GroupName: "devs" });
    await h.call("CreateRole", { RoleName: "r", AssumeRolePolicyDocument: TRUST_EC2 });
    const kinds = [
      { kind: "User", member: "UserName", field: "userName", name: "alice", resource: `arn:aws:iam::${ACCOUNT}:user/alice` },
      { kind: "Group", member: "GroupName", field: "groupName", name: "devs", resource: `arn:aws:iam::${ACCOUNT}:group/devs` },
      { kind: "Role", member: "RoleName", field: "roleName", name: "r", resource: `arn:aws:iam::${ACCOUNT}:role/r` },
    ];
    for (const k of kinds) {
      for (const verb of ["Attach", "Detach"]) {
        h.calls.length = 0;
        await h.call(`${verb}${k.kind}Policy`, { [k.member]: k.name, PolicyArn: arn });
        assert.deepEqual(h.calls, [{ action: `iam:${verb}${k.kind}Policy`, resource: k.resource, context: { "iam:PolicyARN": arn } }]);
        const listed = await h.call<AttachedOut>(`ListAttached${k.kind}Policies`, { [k.member]: k.name });
        assert.deepEqual(listed.AttachedPolicies.map((p) => p.PolicyArn), verb === "Attach" ? [arn] : []);
      }
      await assertAwsError(h.call(`Detach${k.kind}Policy`, { [k.member]: k.name, PolicyArn: arn }), "NoSuchEntity", 404, `Policy ${arn} was not found.`);
      await assertAwsError(h.call(`Attach${k.kind}Policy`, { PolicyArn: arn }), "ValidationError", 400, new RegExp(`'${k.field}'`));
      await assertAwsError(h.call(`Detach${k.kind}Policy`, { [k.member]: `${k.name}-missing`, PolicyArn: arn }), "NoSuchEntity", 404, new RegExp(`${k.name}-missing`));
    }
  });

  test("ListEntitiesForPolicy lists users, groups and roles, with filters", async () => {
    const h = createHarness();
    const arn = "arn:aws:iam::aws:policy/ReadOnlyAccess";
    await h.call("CreateUser", { UserName: "alice" });
    await h.call("CreateGroup", { GroupName: "devs" });
    await h.call("CreateRole", { RoleName: "r", AssumeRolePolicyDocument: TRUST_EC2 });
    await h.call("CreateRole", { RoleName: "bounded", AssumeRolePolicyDocument: TRUST_EC2, PermissionsBoundary: arn });
    await h.call("AttachUserPolicy", { UserName: "alice", PolicyArn: arn });
    await h.call("AttachGroupPolicy", { GroupName: "devs", PolicyArn: arn });
    await h.call("AttachRolePolicy", { RoleName: "r", PolicyArn: arn });
    const all = await h.call<Record<string, unknown>>("ListEntitiesForPolicy", { PolicyArn: arn });
    const missing = `arn:aws:iam::${ACCOUNT}:policy/NonExistentPolicy`;
    await assertAwsError(h.call("ListEntitiesForPolicy", { PolicyArn: missing }), "NoSuchEntity", 404, `Policy ${missing} does not exist or is not attachable.`);
    assert.deepEqual(
      [all.PolicyUsers, all.PolicyGroups, (all.PolicyRoles as Array<{ RoleName: string }>).map((r) => r.RoleName), all.IsTruncated],
      [[{ UserName: "alice", UserId: (all.PolicyUsers as Array<{ UserId: string }>)[0]?.UserId }], [{ GroupName: "devs", GroupId: (all.PolicyGroups as Array<{ GroupId: string }>)[0]?.GroupId }], ["bounded", "r"], false],
    );
    const attachedOnly = await h.call<{ PolicyRoles: Array<{ RoleName: string }> }>("ListEntitiesForPolicy", { PolicyArn: arn, PolicyUsageFilter: "PermissionsPolicy", EntityFilter: "Role" });
    assert.deepEqual(attachedOnly.PolicyRoles.map((r) => r.RoleName), ["r"]);
    const boundaries = await h.call<{ PolicyRoles: Array<{ RoleName: string }>; PolicyUsers: unknown[] }>("ListEntitiesForPolicy", { PolicyArn: arn, PolicyUsageFilter: "PermissionsBoundary" });
    assert.deepEqual([boundaries.PolicyRoles.map((r) => r.RoleName), boundaries.PolicyUsers], [["bounded"], []]);
    // Every failing member in one answer, in the model's member order.
    await assertAwsError(
      h.call("ListEntitiesForPolicy", { PolicyArn: arn, EntityFilter: "Users", PolicyUsageFilter: "Both", MaxItems: 1001 }),
      "ValidationError",
      400,
      "3 validation errors detected: Value 'Users' at 'entityFilter' failed to satisfy constraint: Member must satisfy enum value set: [User, Role, Group, LocalManagedPolicy, AWSManagedPolicy]; " +
        "Value 'Both' at 'policyUsageFilter' failed to satisfy constraint: Member must satisfy enum value set: [PermissionsPolicy, PermissionsBoundary]; " +
        "Value '1001' at 'maxItems' failed to satisfy constraint: Member must have value less than or equal to 1000",
    );
  });
});
