import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { describe, test } from "node:test";
import { ManualClock } from "../../core/clock.js";
import { AwsError } from "../../core/errors.js";
import { createSealer } from "../../crypto/seal.js";
import { openSqliteStorage } from "../../storage/sqlite/sqlite-storage.js";
import { createIamService } from "./service.js";
import { ACCOUNT, ALLOW_S3, assertAwsError, createHarness, T0, TRUST_EC2 } from "./testing/harness.js";

describe("IAM service", () => {
  test("definition: query protocol, global, and every operation bound to its own SDK schema", () => {
    const h = createHarness();
    const d = h.iam.definition;
    assert.deepEqual(
      [d.name, d.signingName, d.protocol, d.apiVersion, d.xmlNamespace, d.eventSource, d.global],
      ["iam", "iam", "awsQuery", "2010-05-08", "https://iam.amazonaws.com/doc/2010-05-08/", "iam.amazonaws.com", true],
    );
    const names = Object.keys(d.operations);
    assert.equal(names.length, 169);
    for (const name of names) {
      const schema = d.operations[name]?.schema as unknown[];
      assert.equal(schema[1], "com.amazonaws.iam", name);
      assert.equal(schema[2], name, `${name} is bound to the ${String(schema[2])} schema`);
    }
  });

  test("handlers name the resources they act on for the audit event", async () => {
    const h = createHarness();
    const ctx = h.ctx();
    await h.iam.definition.operations.CreateUser?.handler({ UserName: "alice", Path: "/p/" }, ctx);
    assert.deepEqual(ctx.audit.resources, [{ ARN: `arn:aws:iam::${ACCOUNT}:user/p/alice`, accountId: ACCOUNT, type: "AWS::IAM::User" }]);
  });

  test("every handler authorises before answering", async () => {
    const h = createHarness();
    for (const a of ["iam:GetUser", "iam:ListRoles", "iam:CreatePolicy", "iam:GetAccountAuthorizationDetails"]) h.deny.add(a);
    await assertAwsError(h.call("GetUser", { UserName: "x" }), "AccessDeniedException", 400, /iam:GetUser/);
    await assertAwsError(h.call("ListRoles", {}), "AccessDeniedException", 400, /iam:ListRoles/);
    await assertAwsError(h.call("CreatePolicy", { PolicyName: "p", PolicyDocument: ALLOW_S3 }), "AccessDeniedException", 400, /iam:CreatePolicy/);
    await assertAwsError(h.call("GetAccountAuthorizationDetails", {}), "AccessDeniedException", 400, /iam:GetAccountAuthorizationDetails/);
    assert.equal(await h.store.count("iam-policies"), 0);
  });

  test("IamApi: create, attach, bootstrap keys, managed policy documents", async () => {
    const h = createHarness();
    const scope = { accountId: ACCOUNT, region: "" };
    const user = await h.iam.api.createUser(scope, { userName: "admin" });
    assert.equal(user.arn, `arn:aws:iam::${ACCOUNT}:user/admin`);
    await assert.rejects(h.iam.api.createUser(scope, { userName: "ADMIN" }), (e) => e instanceof AwsError && e.code === "EntityAlreadyExists");
    await h.iam.api.attachUserPolicy(ACCOUNT, "admin", "arn:aws:iam::aws:policy/AdministratorAccess");
    const given = { accessKeyId: "AKIABOOTSTRAP0000001", secretAccessKey: "b".repeat(40) };
    assert.deepEqual(await h.iam.api.createAccessKey(ACCOUNT, "admin", given), given);
    const cred = await h.iam.directory.resolveAccessKey(given.accessKeyId);
    assert.equal(cred?.secretAccessKey, given.secretAccessKey);
    assert.equal(cred?.principal.name, "admin");
    const role = await h.iam.api.createRole(scope, { roleName: "OrganizationAccountAccessRole", assumeRolePolicyDocument: TRUST_EC2, maxSessionDuration: 7200 });
    assert.deepEqual(
      [role.roleName, role.maxSessionDuration, role.path, role.tags, role.createDate],
      ["OrganizationAccountAccessRole", 7200, "/", [], T0],
    );
    assert.deepEqual(await h.iam.api.getRoleByArn(role.arn), role);
    assert.equal(await h.iam.api.getRole(ACCOUNT, "nope"), undefined);
    assert.equal((await h.iam.api.getUser(ACCOUNT, "admin"))?.userId, user.userId);
    assert.match((await h.iam.api.getManagedPolicyDocument("arn:aws:iam::aws:policy/AdministratorAccess")) ?? "", /"Action": "\*"/);
    const p = await h.call<{ Policy: { Arn: string } }>("CreatePolicy", { PolicyName: "mine", PolicyDocument: ALLOW_S3 });
    assert.equal(await h.iam.api.getManagedPolicyDocument(p.Policy.Arn), ALLOW_S3);
    assert.equal(await h.iam.api.getManagedPolicyDocument(`arn:aws:iam::${ACCOUNT}:policy/none`), undefined);
    await assert.rejects(h.iam.api.attachRolePolicy(ACCOUNT, "OrganizationAccountAccessRole", "arn:aws:iam::aws:policy/Nope"), (e) => e instanceof AwsError && e.code === "NoSuchEntity");
  });

  test("GetAccountAuthorizationDetails reports users, groups, roles and used policies", async () => {
    const h = createHarness();
    await h.call("CreateUser", { UserName: "alice" });
    await h.call("CreateGroup", { GroupName: "devs" });
    await h.call("AddUserToGroup", { GroupName: "devs", UserName: "alice" });
    await h.call("PutUserPolicy", { UserName: "alice", PolicyName: "i", PolicyDocument: ALLOW_S3 });
    await h.call("CreateRole", { RoleName: "r", AssumeRolePolicyDocument: TRUST_EC2 });
    await h.call("AttachRolePolicy", { RoleName: "r", PolicyArn: "arn:aws:iam::aws:policy/ReadOnlyAccess" });
    await h.call("CreatePolicy", { PolicyName: "mine", PolicyDocument: ALLOW_S3 });
    type Out = {
      UserDetailList: Array<{ UserName: string; GroupList: string[]; UserPolicyList: Array<{ PolicyName: string; PolicyDocument: string }> }>;
      GroupDetailList: Array<{ GroupName: string }>;
      RoleDetailList: Array<{ RoleName: string; AttachedManagedPolicies: unknown[] }>;
      Policies: Array<{ PolicyName: string }>;
      IsTruncated: boolean;
    };
    const out = await h.call<Out>("GetAccountAuthorizationDetails", {});
    assert.deepEqual(out.UserDetailList.map((u) => [u.UserName, u.GroupList, u.UserPolicyList]), [["alice", ["devs"], [{ PolicyName: "i", PolicyDocument: encodeURIComponent(ALLOW_S3) }]]]);
    assert.deepEqual(out.GroupDetailList.map((g) => g.GroupName), ["devs"]);
    assert.deepEqual(out.RoleDetailList.map((r) => [r.RoleName, r.AttachedManagedPolicies]), [["r", [{ PolicyName: "ReadOnlyAccess", PolicyArn: "arn:aws:iam::aws:policy/ReadOnlyAccess" }]]]);
    assert.deepEqual(out.Policies.map((p) => p.PolicyName), ["mine", "ReadOnlyAccess"]);
    // Each policy's attachment and boundary counts (from one pass over the account's uses).
    const mine = `arn:aws:iam::${ACCOUNT}:policy/mine`;
    await h.call("AttachGroupPolicy", { GroupName: "devs", PolicyArn: mine });
    await h.call("AttachUserPolicy", { UserName: "alice", PolicyArn: mine });
    await h.call("PutRolePermissionsBoundary", { RoleName: "r", PermissionsBoundary: mine });
    await h.call("PutUserPermissionsBoundary", { UserName: "alice", PermissionsBoundary: "arn:aws:iam::aws:policy/ReadOnlyAccess" });
    type Counted = { Policies: Array<{ PolicyName: string; AttachmentCount: number; PermissionsBoundaryUsageCount: number }> };
    const counted = await h.call<Counted>("GetAccountAuthorizationDetails", { Filter: ["LocalManagedPolicy", "AWSManagedPolicy"] });
    assert.deepEqual(
      counted.Policies.map((p) => [p.PolicyName, p.AttachmentCount, p.PermissionsBoundaryUsageCount]),
      [
        ["mine", 2, 1],
        ["ReadOnlyAccess", 1, 1],
      ],
    );
    const onlyRoles = await h.call<Out>("GetAccountAuthorizationDetails", { Filter: ["Role"], MaxItems: 1 });
    assert.deepEqual([onlyRoles.UserDetailList, onlyRoles.RoleDetailList.length, onlyRoles.IsTruncated], [[], 1, false]);
  });

  test("runs on the real SQLite storage (transactions, listing, counts)", async () => {
    const store = openSqliteStorage({ path: ":memory:" });
    try {
      const clock = new ManualClock(T0);
      const iam = createIamService({ store, sealer: createSealer(randomBytes(32)), clock });
      const scope = { accountId: ACCOUNT, region: "" };
      await iam.api.createUser(scope, { userName: "alice" });
      const key = await iam.api.createAccessKey(ACCOUNT, "alice");
      await iam.api.attachUserPolicy(ACCOUNT, "alice", "arn:aws:iam::aws:policy/ReadOnlyAccess");
      const handler = iam.definition.operations.ListUsers?.handler;
      assert.ok(handler);
      const ctx = {
        requestId: "r",
        scope,
        principal: { type: "Root" as const, accountId: ACCOUNT, arn: `arn:aws:iam::${ACCOUNT}:root`, principalId: ACCOUNT, accessKeyId: "AKIAX" },
        service: "iam",
        operation: "ListUsers",
        sourceIp: "127.0.0.1",
        userAgent: "t",
        secureTransport: true,
        now: T0,
        authorize: async () => {},
        isAllowed: async () => true,
        evaluate: async () => "Allow" as const,
        audit: {},
      };
      const out = (await handler({}, ctx)) as { Users: Array<{ UserName: string }> };
      assert.deepEqual(out.Users.map((u) => u.UserName), ["alice"]);
      const deleteUser = iam.definition.operations.DeleteUser?.handler;
      await assert.rejects(deleteUser?.({ UserName: "alice" }, ctx) ?? Promise.resolve(), (e) => e instanceof AwsError && e.code === "DeleteConflict");
      const cred = await iam.directory.resolveAccessKey(key.accessKeyId);
      assert.equal(cred?.secretAccessKey, key.secretAccessKey);
      assert.equal((await iam.directory.policiesFor(cred.principal)).identity.length, 1);
    } finally {
      await store.close();
    }
  });
});
