/**
 * Condition keys the request context carries, through the real server, as the IAM User Guide and
 * the Service Authorization Reference document them:
 *  - iam:ResourceTag/<key> (besides aws:ResourceTag/<key>) for IAM users and roles, and for the
 *    role of sts:AssumeRole — the ABAC tutorial's "access-assume-role" policy.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { IAMClient, CreateRoleCommand, CreateUserCommand, ListAccessKeysCommand, TagUserCommand } from "@aws-sdk/client-iam";
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
    awsError("AccessDenied", 403, `User: ${me.arn} is not authorized to perform: iam:ListAccessKeys on resource: arn:aws:iam::${s.accountId}:user/untagged because no identity-based policy allows the iam:ListAccessKeys action`),
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
