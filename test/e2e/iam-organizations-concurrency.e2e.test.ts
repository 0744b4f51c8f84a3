/**
 * IAM, STS and Organizations under bursts of parallel calls, as Terraform or several SDK
 * clients make them, against a server in its own process: every limit holds exactly, names
 * stay unique (case-insensitively where IAM is), every call gets an AWS answer (never a 5xx),
 * and no credentials are issued by an AssumeRole sent after the role's deletion was answered.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import * as iamSdk from "@aws-sdk/client-iam";
import * as orgSdk from "@aws-sdk/client-organizations";
import { STSClient, AssumeRoleCommand, GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { burst, startServerProcess, tally, type ServerProcess } from "./bursts.js";

let server: ServerProcess;
let accountId: string;
let iam: iamSdk.IAMClient;
let org: orgSdk.OrganizationsClient;
let sts: STSClient;

before(async () => {
  server = await startServerProcess("bulwark-conc-iam-");
  iam = new iamSdk.IAMClient(server.clientConfig);
  org = new orgSdk.OrganizationsClient(server.clientConfig);
  sts = new STSClient(server.clientConfig);
  accountId = (await sts.send(new GetCallerIdentityCommand({}))).Account!;
});
after(() => server.stop());

const doc = (action = "s3:GetObject") => JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: action, Resource: "*" }] });

test("IAM limits hold under bursts: 2 access keys, 5 policy versions, 10 attached policies, 50 tags", async () => {
  await iam.send(new iamSdk.CreateUserCommand({ UserName: "burst-user" }));
  assert.deepEqual(tally(await burst(Array.from({ length: 30 }, () => () => iam.send(new iamSdk.CreateAccessKeyCommand({ UserName: "burst-user" }))))), { OK: 2, LimitExceededException: 28 });
  assert.equal((await iam.send(new iamSdk.ListAccessKeysCommand({ UserName: "burst-user" }))).AccessKeyMetadata!.length, 2);

  const arn = (await iam.send(new iamSdk.CreatePolicyCommand({ PolicyName: "burst-versions", PolicyDocument: doc() }))).Policy!.Arn!;
  const versions = await burst(Array.from({ length: 30 }, (_, i) => () => iam.send(new iamSdk.CreatePolicyVersionCommand({ PolicyArn: arn, PolicyDocument: doc(`s3:Get${i}`), SetAsDefault: i % 2 === 0 }))));
  assert.deepEqual(tally(versions), { OK: 4, LimitExceededException: 26 });
  const listed = (await iam.send(new iamSdk.ListPolicyVersionsCommand({ PolicyArn: arn }))).Versions!;
  assert.equal(listed.length, 5);
  assert.deepEqual(listed.filter((v) => v.IsDefaultVersion).map((v) => v.VersionId), [(await iam.send(new iamSdk.GetPolicyCommand({ PolicyArn: arn }))).Policy!.DefaultVersionId]);

  const arns = (await burst(Array.from({ length: 25 }, (_, i) => () => iam.send(new iamSdk.CreatePolicyCommand({ PolicyName: `burst-attach-${i}`, PolicyDocument: doc() }))))).map((r) => {
    assert.ok(r.ok);
    return r.value.Policy!.Arn!;
  });
  await iam.send(new iamSdk.CreateRoleCommand({ RoleName: "burst-role", AssumeRolePolicyDocument: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }] }) }));
  await iam.send(new iamSdk.CreateGroupCommand({ GroupName: "burst-group" }));
  assert.deepEqual(tally(await burst(arns.map((a) => () => iam.send(new iamSdk.AttachUserPolicyCommand({ UserName: "burst-user", PolicyArn: a }))))), { OK: 10, LimitExceededException: 15 });
  assert.deepEqual(tally(await burst(arns.map((a) => () => iam.send(new iamSdk.AttachRolePolicyCommand({ RoleName: "burst-role", PolicyArn: a }))))), { OK: 10, LimitExceededException: 15 });
  assert.deepEqual(tally(await burst(arns.map((a) => () => iam.send(new iamSdk.AttachGroupPolicyCommand({ GroupName: "burst-group", PolicyArn: a }))))), { OK: 10, LimitExceededException: 15 });
  assert.equal((await iam.send(new iamSdk.ListAttachedUserPoliciesCommand({ UserName: "burst-user" }))).AttachedPolicies!.length, 10);
  // Attachment counts agree with the entities listed for each policy.
  for (const a of arns) {
    const p = (await iam.send(new iamSdk.GetPolicyCommand({ PolicyArn: a }))).Policy!;
    const e = await iam.send(new iamSdk.ListEntitiesForPolicyCommand({ PolicyArn: a }));
    assert.equal(p.AttachmentCount, e.PolicyUsers!.length + e.PolicyRoles!.length + e.PolicyGroups!.length);
  }

  assert.deepEqual(tally(await burst(Array.from({ length: 70 }, (_, i) => () => iam.send(new iamSdk.TagRoleCommand({ RoleName: "burst-role", Tags: [{ Key: `k${i}`, Value: "v" }] }))))), { OK: 50, LimitExceededException: 20 });
  assert.equal((await iam.send(new iamSdk.ListRoleTagsCommand({ RoleName: "burst-role" }))).Tags!.length, 50);
});

test("IAM names are unique case-insensitively under bursts: one create succeeds, the rest get EntityAlreadyExists", async () => {
  const variants = (base: string) => Array.from({ length: 30 }, (_, i) => (i % 3 === 0 ? base.toUpperCase() : i % 3 === 1 ? base : base[0]!.toUpperCase() + base.slice(1)));
  const creators: Array<[string, (n: string) => Promise<unknown>]> = [
    ["user", (n) => iam.send(new iamSdk.CreateUserCommand({ UserName: n }))],
    ["group", (n) => iam.send(new iamSdk.CreateGroupCommand({ GroupName: n }))],
    ["policy", (n) => iam.send(new iamSdk.CreatePolicyCommand({ PolicyName: n, PolicyDocument: doc() }))],
    ["instance-profile", (n) => iam.send(new iamSdk.CreateInstanceProfileCommand({ InstanceProfileName: n }))],
  ];
  for (const [kind, create] of creators) {
    const rs = await burst(variants(`same-${kind}`).map((n) => () => create(n)));
    assert.deepEqual(tally(rs), { OK: 1, EntityAlreadyExistsException: 29 }, kind);
  }
});

test("DeleteUser racing CreateAccessKey, AttachUserPolicy and AddUserToGroup: a deleted user leaves nothing behind", async () => {
  const arn = (await iam.send(new iamSdk.CreatePolicyCommand({ PolicyName: "del-race", PolicyDocument: doc() }))).Policy!.Arn!;
  await iam.send(new iamSdk.CreateGroupCommand({ GroupName: "del-race" }));
  for (let round = 0; round < 5; round++) {
    const u = `del-race-${round}`;
    await iam.send(new iamSdk.CreateUserCommand({ UserName: u }));
    const rs = await burst<unknown>([
      ...Array.from({ length: 4 }, () => () => iam.send(new iamSdk.DeleteUserCommand({ UserName: u }))),
      () => iam.send(new iamSdk.CreateAccessKeyCommand({ UserName: u })),
      () => iam.send(new iamSdk.AttachUserPolicyCommand({ UserName: u, PolicyArn: arn })),
      () => iam.send(new iamSdk.AddUserToGroupCommand({ UserName: u, GroupName: "del-race" })),
    ]);
    for (const r of rs) if (!r.ok) assert.ok(r.status !== undefined && r.status < 500, r.name);
    const deleted = rs.slice(0, 4).some((r) => r.ok);
    if (deleted) {
      // Each of the others either came first (and then the user could not be deleted) or found no user.
      for (const r of rs.slice(4)) assert.equal(r.ok ? "OK" : r.name, "NoSuchEntityException");
    }
  }
  const p = (await iam.send(new iamSdk.GetPolicyCommand({ PolicyArn: arn }))).Policy!;
  const e = await iam.send(new iamSdk.ListEntitiesForPolicyCommand({ PolicyArn: arn }));
  assert.equal(p.AttachmentCount, e.PolicyUsers!.length);
  for (const u of e.PolicyUsers!) await iam.send(new iamSdk.GetUserCommand({ UserName: u.UserName! }));
  for (const u of (await iam.send(new iamSdk.GetGroupCommand({ GroupName: "del-race" }))).Users!) await iam.send(new iamSdk.GetUserCommand({ UserName: u.UserName! }));
});

test("no AssumeRole sent after DeleteRole was answered gets credentials", async () => {
  const trust = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${accountId}:root` }, Action: "sts:AssumeRole" }] });
  const role = (await iam.send(new iamSdk.CreateRoleCommand({ RoleName: "assume-race", AssumeRolePolicyDocument: trust }))).Role!;
  let stop = false;
  const results: Array<{ sent: number; ok: boolean; name?: string; status?: number }> = [];
  const worker = async (): Promise<void> => {
    while (!stop) {
      const sent = performance.now();
      try {
        await sts.send(new AssumeRoleCommand({ RoleArn: role.Arn!, RoleSessionName: "race" }));
        results.push({ sent, ok: true });
      } catch (e) {
        results.push({ sent, ok: false, name: (e as Error).name, status: (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode });
      }
    }
  };
  const workers = Array.from({ length: 20 }, worker);
  await new Promise((r) => setTimeout(r, 200));
  await iam.send(new iamSdk.DeleteRoleCommand({ RoleName: "assume-race" }));
  const answeredAt = performance.now();
  await new Promise((r) => setTimeout(r, 200));
  stop = true;
  await Promise.all(workers);
  assert.ok(results.some((r) => r.ok), "some AssumeRole before the deletion succeeded");
  assert.deepEqual(results.filter((r) => r.sent > answeredAt && r.ok), []);
  for (const r of results) if (!r.ok) assert.equal(r.name, "AccessDenied");
});

test("Organizations under bursts: one OU of a name per parent, one attachment of a policy per target", async () => {
  await org.send(new orgSdk.CreateOrganizationCommand({ FeatureSet: "ALL" }));
  const root = (await org.send(new orgSdk.ListRootsCommand({}))).Roots![0]!.Id!;
  assert.deepEqual(
    tally(await burst(Array.from({ length: 10 }, () => () => org.send(new orgSdk.EnablePolicyTypeCommand({ RootId: root, PolicyType: "SERVICE_CONTROL_POLICY" }))))),
    { OK: 1, PolicyTypeAlreadyEnabledException: 9 },
  );
  const rs = await burst(Array.from({ length: 30 }, () => () => org.send(new orgSdk.CreateOrganizationalUnitCommand({ ParentId: root, Name: "same" }))));
  assert.deepEqual(tally(rs), { OK: 1, DuplicateOrganizationalUnitException: 29 });
  const ou = rs.find((r) => r.ok)!;
  assert.ok(ou.ok);
  const ouId = ou.value.OrganizationalUnit!.Id!;
  const content = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] });
  const policy = (await org.send(new orgSdk.CreatePolicyCommand({ Name: "burst", Description: "d", Type: "SERVICE_CONTROL_POLICY", Content: content }))).Policy!.PolicySummary!.Id!;
  assert.deepEqual(tally(await burst(Array.from({ length: 20 }, () => () => org.send(new orgSdk.AttachPolicyCommand({ PolicyId: policy, TargetId: ouId }))))), { OK: 1, DuplicatePolicyAttachmentException: 19 });
  // FullAWSAccess (attached to every new OU) and this one.
  const attached = (await org.send(new orgSdk.ListPoliciesForTargetCommand({ TargetId: ouId, Filter: "SERVICE_CONTROL_POLICY" }))).Policies!;
  assert.deepEqual(attached.map((p) => p.Name).sort(), ["FullAWSAccess", "burst"]);
  // Four more SCPs in parallel onto the OU: the target quota of 5 lets three of them in.
  const more = await burst(Array.from({ length: 4 }, (_, i) => async () => {
    const id = (await org.send(new orgSdk.CreatePolicyCommand({ Name: `more-${i}`, Description: "d", Type: "SERVICE_CONTROL_POLICY", Content: content }))).Policy!.PolicySummary!.Id!;
    return org.send(new orgSdk.AttachPolicyCommand({ PolicyId: id, TargetId: ouId }));
  }));
  assert.deepEqual(tally(more), { OK: 3, ConstraintViolationException: 1 });
});
