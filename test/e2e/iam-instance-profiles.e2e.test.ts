/**
 * IAM instance profiles through the real server and @aws-sdk/client-iam: the sequence a tool
 * such as Terraform runs (create role and profile, add the role, list the role's profiles,
 * remove, delete), the DeleteRole/DeleteInstanceProfile conflicts, iam:PassRole, CloudTrail,
 * and that it all survives a restart.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  IAMClient,
  AddRoleToInstanceProfileCommand,
  CreateInstanceProfileCommand,
  CreateRoleCommand,
  DeleteInstanceProfileCommand,
  DeleteRoleCommand,
  GetInstanceProfileCommand,
  ListInstanceProfilesCommand,
  ListInstanceProfilesForRoleCommand,
  ListInstanceProfileTagsCommand,
  RemoveRoleFromInstanceProfileCommand,
  TagInstanceProfileCommand,
  UntagInstanceProfileCommand,
} from "@aws-sdk/client-iam";
import { CloudTrailClient, LookupEventsCommand } from "@aws-sdk/client-cloudtrail";
import { startTestServer, newUser, type TestServer } from "./harness.js";

let s: TestServer;
before(async () => {
  s = await startTestServer();
});
after(async () => {
  await s.destroy();
});

const TRUST = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }] });
const CONFLICT = "Cannot delete entity, must remove roles from instance profile first.";

function rejectsWith(code: string, status: number, message: string): (e: any) => boolean {
  return (e: any) => {
    assert.equal(e.name, `${code}Exception`);
    assert.equal(e.Code, code);
    assert.equal(e.$metadata.httpStatusCode, status);
    assert.equal(e.message, message);
    return true;
  };
}

test("instance profiles: lifecycle with a role, conflicts, tags, PassRole and CloudTrail", async () => {
  const iam = new IAMClient(s.clientConfig());
  const role = await iam.send(new CreateRoleCommand({ RoleName: "web-role", Path: "/svc/", AssumeRolePolicyDocument: TRUST }));
  const created = await iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: "web", Path: "/ec2/", Tags: [{ Key: "team", Value: "a" }] }));
  const p = created.InstanceProfile!;
  assert.equal(p.Arn, `arn:aws:iam::${s.accountId}:instance-profile/ec2/web`);
  assert.match(p.InstanceProfileId!, /^AIPA[A-Z2-7]{17}$/);
  assert.ok(p.CreateDate instanceof Date);
  assert.deepEqual(p.Roles, []);
  assert.deepEqual(p.Tags, [{ Key: "team", Value: "a" }]);
  await assert.rejects(iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: "WEB" })), rejectsWith("EntityAlreadyExists", 409, "Instance Profile WEB already exists."));

  await iam.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: "web", RoleName: "web-role" }));
  await iam.send(new CreateRoleCommand({ RoleName: "other-role", AssumeRolePolicyDocument: TRUST }));
  await assert.rejects(
    iam.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: "web", RoleName: "other-role" })),
    rejectsWith("LimitExceeded", 409, "Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1"),
  );
  await assert.rejects(
    iam.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: "ghost", RoleName: "web-role" })),
    rejectsWith("NoSuchEntity", 404, "Instance Profile ghost cannot be found."),
  );

  const got = await iam.send(new GetInstanceProfileCommand({ InstanceProfileName: "web" }));
  assert.equal(got.InstanceProfile?.Roles?.length, 1);
  const embedded = got.InstanceProfile!.Roles![0]!;
  assert.equal(embedded.RoleName, "web-role");
  assert.equal(embedded.RoleId, role.Role!.RoleId);
  assert.equal(embedded.Arn, `arn:aws:iam::${s.accountId}:role/svc/web-role`);
  assert.equal(decodeURIComponent(embedded.AssumeRolePolicyDocument!), TRUST);

  // What Terraform does before DeleteRole.
  const forRole = await iam.send(new ListInstanceProfilesForRoleCommand({ RoleName: "web-role" }));
  assert.deepEqual(forRole.InstanceProfiles?.map((x) => x.InstanceProfileName), ["web"]);
  assert.equal(forRole.IsTruncated, false);
  await assert.rejects(iam.send(new DeleteRoleCommand({ RoleName: "web-role" })), rejectsWith("DeleteConflict", 409, CONFLICT));
  await assert.rejects(iam.send(new DeleteInstanceProfileCommand({ InstanceProfileName: "web" })), rejectsWith("DeleteConflict", 409, CONFLICT));

  await iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: "batch", Path: "/ec2/" }));
  const page1 = await iam.send(new ListInstanceProfilesCommand({ PathPrefix: "/ec2/", MaxItems: 1 }));
  assert.deepEqual(page1.InstanceProfiles?.map((x) => x.InstanceProfileName), ["batch"]);
  assert.equal(page1.IsTruncated, true);
  const page2 = await iam.send(new ListInstanceProfilesCommand({ PathPrefix: "/ec2/", Marker: page1.Marker }));
  assert.deepEqual(page2.InstanceProfiles?.map((x) => x.InstanceProfileName), ["web"]);
  assert.equal(page2.InstanceProfiles?.[0]?.Tags, undefined);

  await iam.send(new TagInstanceProfileCommand({ InstanceProfileName: "web", Tags: [{ Key: "env", Value: "prod" }] }));
  await iam.send(new UntagInstanceProfileCommand({ InstanceProfileName: "web", TagKeys: ["team"] }));
  assert.deepEqual((await iam.send(new ListInstanceProfileTagsCommand({ InstanceProfileName: "web" }))).Tags, [{ Key: "env", Value: "prod" }]);

  // A user allowed the profile actions but not iam:PassRole cannot hand the role over.
  const policy = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: ["iam:AddRoleToInstanceProfile", "iam:GetInstanceProfile"], Resource: "*" }] };
  const ops = new IAMClient(s.clientConfig(await newUser(s, "ops", policy)));
  await assert.rejects(ops.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: "batch", RoleName: "other-role" })), (e: any) => {
    assert.equal(e.name, "AccessDenied");
    assert.match(e.message, new RegExp(`iam:PassRole on resource: arn:aws:iam::${s.accountId}:role/other-role`));
    return true;
  });

  // PassRole for an instance profile passes the role to EC2, for the account's instances: a policy
  // allowing it only to ec2.amazonaws.com (and, with the ARN IAM's reference prescribes, any
  // instance of the account) allows it; one allowing it only to another service does not.
  const toEc2 = {
    Version: "2012-10-17",
    Statement: [
      { Effect: "Allow", Action: ["iam:AddRoleToInstanceProfile", "iam:RemoveRoleFromInstanceProfile"], Resource: "*" },
      {
        Effect: "Allow",
        Action: "iam:PassRole",
        Resource: "*",
        Condition: {
          StringEquals: { "iam:PassedToService": "ec2.amazonaws.com" },
          ArnLike: { "iam:AssociatedResourceARN": `arn:aws:ec2:*:${s.accountId}:instance/*` },
        },
      },
    ],
  };
  const ec2Admin = new IAMClient(s.clientConfig(await newUser(s, "ec2-admin", toEc2)));
  await ec2Admin.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: "batch", RoleName: "other-role" }));
  await ec2Admin.send(new RemoveRoleFromInstanceProfileCommand({ InstanceProfileName: "batch", RoleName: "other-role" }));
  const toLambda = { ...toEc2, Statement: [toEc2.Statement[0], { Effect: "Allow", Action: "iam:PassRole", Resource: "*", Condition: { StringEquals: { "iam:PassedToService": "lambda.amazonaws.com" } } }] };
  const lambdaAdmin = new IAMClient(s.clientConfig(await newUser(s, "lambda-admin", toLambda)));
  await assert.rejects(lambdaAdmin.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: "batch", RoleName: "other-role" })), (e: any) => {
    assert.equal(e.name, "AccessDenied");
    assert.match(e.message, /iam:PassRole/);
    return true;
  });

  await iam.send(new RemoveRoleFromInstanceProfileCommand({ InstanceProfileName: "web", RoleName: "web-role" }));
  assert.deepEqual((await iam.send(new ListInstanceProfilesForRoleCommand({ RoleName: "web-role" }))).InstanceProfiles, []);
  await iam.send(new DeleteRoleCommand({ RoleName: "web-role" }));
  await iam.send(new DeleteInstanceProfileCommand({ InstanceProfileName: "web" }));
  await assert.rejects(iam.send(new GetInstanceProfileCommand({ InstanceProfileName: "web" })), rejectsWith("NoSuchEntity", 404, "Instance Profile web cannot be found."));

  const events = await new CloudTrailClient(s.clientConfig()).send(
    new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: "EventName", AttributeValue: "CreateInstanceProfile" }] }),
  );
  assert.ok((events.Events ?? []).some((e) => e.Resources?.some((r) => r.ResourceName === `arn:aws:iam::${s.accountId}:instance-profile/ec2/web`)));

  // Durable: a restarted server on the same data directory still has the profile and its role.
  await iam.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: "batch", RoleName: "other-role" }));
  await s.stop();
  s = await startTestServer({ dataDir: s.dataDir, rootKey: s.rootKey });
  const again = await new IAMClient(s.clientConfig()).send(new GetInstanceProfileCommand({ InstanceProfileName: "batch" }));
  assert.deepEqual(again.InstanceProfile?.Roles?.map((r) => r.RoleName), ["other-role"]);
  await assert.rejects(new IAMClient(s.clientConfig()).send(new DeleteRoleCommand({ RoleName: "other-role" })), rejectsWith("DeleteConflict", 409, CONFLICT));
});
