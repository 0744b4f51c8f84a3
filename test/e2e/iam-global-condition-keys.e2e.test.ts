/**
 * Condition keys the request context carries, through the real server, as the IAM User Guide and
 * the Service Authorization Reference document them:
 *  - iam:ResourceTag/<key> (besides aws:ResourceTag/<key>) for IAM users and roles, and for the
 *    role of sts:AssumeRole — the ABAC tutorial's "access-assume-role" policy;
 *  - aws:RequestedRegion of a global service (IAM) is its endpoint's Region, whatever Region the
 *    client signed for.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { IAMClient, CreateRoleCommand, CreateUserCommand, ListAccessKeysCommand, ListUsersCommand, TagUserCommand } from "@aws-sdk/client-iam";
import { STSClient, AssumeRoleCommand } from "@aws-sdk/client-sts";
import { startTestServer, newUser, awsError, type TestServer } from "./harness.js";

let s: TestServer;
before(async () => {
  s = await startTestServer();
});
after(async () => {
  await s.destroy();
});

const policy = (...Statement: object[]) => ({ Version: "2012-10-17", Statement });

test("iam:ResourceTag/<key> holds the tags of the IAM user a request acts on", async () => {
  const admin = new IAMClient(s.clientConfig());
  await admin.send(new CreateUserCommand({ UserName: "tagged", Tags: [{ Key: "team", Value: "eng" }] }));
  await admin.send(new CreateUserCommand({ UserName: "untagged" }));
  const me = await newUser(s, "tag-reader", policy({ Effect: "Allow", Action: ["iam:ListAccessKeys", "iam:TagUser"], Resource: "*", Condition: { StringEquals: { "iam:ResourceTag/team": "eng" } } }));
  const iam = new IAMClient(s.clientConfig(me));
  const out = await iam.send(new ListAccessKeysCommand({ UserName: "tagged" }));
  assert.deepEqual(out.AccessKeyMetadata, []);
  await iam.send(new TagUserCommand({ UserName: "tagged", Tags: [{ Key: "cost", Value: "1" }] }));
  await assert.rejects(
    iam.send(new ListAccessKeysCommand({ UserName: "untagged" })),
    awsError("AccessDenied", 403, `User: ${me.arn} is not authorized to perform: iam:ListAccessKeys on resource: user untagged because no identity-based policy allows the iam:ListAccessKeys action`),
  );
});

test("sts:AssumeRole sees the role's tags as iam:ResourceTag/<key> and aws:ResourceTag/<key> (ABAC tutorial)", async () => {
  const admin = new IAMClient(s.clientConfig());
  const trust = JSON.stringify(policy({ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${s.accountId}:root` }, Action: "sts:AssumeRole" }));
  await admin.send(new CreateRoleCommand({ RoleName: "access-peg-engineering", AssumeRolePolicyDocument: trust, Tags: [{ Key: "access-project", Value: "peg" }, { Key: "cost-center", Value: "987654" }] }));
  await admin.send(new CreateRoleCommand({ RoleName: "access-uni-engineering", AssumeRolePolicyDocument: trust, Tags: [{ Key: "access-project", Value: "uni" }, { Key: "cost-center", Value: "987654" }] }));
  // The tutorial's access-assume-role policy, for a user tagged access-project=peg.
  const me = await newUser(
    s,
    "access-Arnav-peg-eng",
    policy({
      Effect: "Allow",
      Action: "sts:AssumeRole",
      Resource: `arn:aws:iam::${s.accountId}:role/access-*`,
      Condition: { StringEquals: { "iam:ResourceTag/access-project": "${aws:PrincipalTag/access-project}", "aws:ResourceTag/cost-center": "${aws:PrincipalTag/cost-center}" } },
    }),
  );
  await admin.send(new TagUserCommand({ UserName: "access-Arnav-peg-eng", Tags: [{ Key: "access-project", Value: "peg" }, { Key: "cost-center", Value: "987654" }] }));
  const sts = new STSClient(s.clientConfig(me));
  const ok = await sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${s.accountId}:role/access-peg-engineering`, RoleSessionName: "peg" }));
  assert.equal(ok.AssumedRoleUser?.Arn, `arn:aws:sts::${s.accountId}:assumed-role/access-peg-engineering/peg`);
  await assert.rejects(
    sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${s.accountId}:role/access-uni-engineering`, RoleSessionName: "uni" })),
    awsError("AccessDenied", 403, `User: ${me.arn} is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::${s.accountId}:role/access-uni-engineering`),
  );
});

test("aws:RequestedRegion of an IAM call is us-east-1 even when the client signs for another Region", async () => {
  // The guide's example: a Deny on every Region but eu-west-1 must exempt IAM (NotAction), because
  // "all requests to these services are made to the us-east-1 Region".
  const me = await newUser(
    s,
    "region-bound",
    policy(
      { Effect: "Allow", Action: "iam:ListUsers", Resource: "*" },
      { Effect: "Deny", Action: "*", Resource: "*", Condition: { StringNotEquals: { "aws:RequestedRegion": "eu-west-1" } } },
    ),
  );
  const denied = `User: ${me.arn} is not authorized to perform: iam:ListUsers on resource: arn:aws:iam::${s.accountId}:user/ with an explicit deny in an identity-based policy`;
  await assert.rejects(new IAMClient(s.clientConfig(me, "eu-west-1")).send(new ListUsersCommand({})), awsError("AccessDenied", 403, denied));
  await assert.rejects(new IAMClient(s.clientConfig(me, "us-east-1")).send(new ListUsersCommand({})), awsError("AccessDenied", 403, denied));
  const usEast = await newUser(
    s,
    "us-east-only",
    policy({ Effect: "Allow", Action: "iam:ListUsers", Resource: "*", Condition: { StringEquals: { "aws:RequestedRegion": "us-east-1" } } }),
  );
  const out = await new IAMClient(s.clientConfig(usEast, "ap-southeast-2")).send(new ListUsersCommand({ MaxItems: 1 }));
  assert.equal(out.Users?.length, 1);
});
