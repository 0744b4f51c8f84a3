/**
 * AWS managed policies of the services served, attached by the ARN their documentation gives and
 * enforced through the real server: what they grant is allowed, what they leave out is denied; and
 * the others AWS publishes, listed and enforced with AWS's own documents.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  IAMClient,
  AttachUserPolicyCommand,
  AttachGroupPolicyCommand,
  AttachRolePolicyCommand,
  CreateGroupCommand,
  CreateRoleCommand,
  AddUserToGroupCommand,
  ListPoliciesCommand,
  ListUsersCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  ListPolicyVersionsCommand,
  CreateUserCommand,
  DetachUserPolicyCommand,
  paginateListPolicies,
} from "@aws-sdk/client-iam";
import { KMSClient, CreateKeyCommand, DescribeKeyCommand, EncryptCommand } from "@aws-sdk/client-kms";
import { WAFV2Client, CreateIPSetCommand, ListAvailableManagedRuleGroupsCommand, ListWebACLsCommand } from "@aws-sdk/client-wafv2";
import { ShieldClient, AssociateDRTRoleCommand, CreateSubscriptionCommand, DescribeDRTAccessCommand, GetSubscriptionStateCommand } from "@aws-sdk/client-shield";
import { ElasticLoadBalancingV2Client, CreateLoadBalancerCommand, DescribeLoadBalancersCommand } from "@aws-sdk/client-elastic-load-balancing-v2";
import { awsError, newUser, startTestServer, type TestServer } from "./harness.js";

let s: TestServer;
let iam: IAMClient;

before(async () => {
  s = await startTestServer();
  iam = new IAMClient(s.clientConfig());
});

after(async () => {
  await s.destroy();
});

test("AWSKeyManagementServicePowerUser: creates and reads keys, but may not use them", async () => {
  const u = await newUser(s, "kms-power-user");
  await iam.send(new AttachUserPolicyCommand({ UserName: "kms-power-user", PolicyArn: "arn:aws:iam::aws:policy/AWSKeyManagementServicePowerUser" }));
  const kms = new KMSClient(s.clientConfig(u));
  const key = (await kms.send(new CreateKeyCommand({ Description: "power user's key" }))).KeyMetadata!;
  assert.equal((await kms.send(new DescribeKeyCommand({ KeyId: key.KeyId! }))).KeyMetadata!.Description, "power user's key");
  await assert.rejects(
    kms.send(new EncryptCommand({ KeyId: key.KeyId!, Plaintext: Buffer.from("secret") })),
    awsError("AccessDeniedException", 400, `User: ${u.arn} is not authorized to perform: kms:Encrypt on resource: ${key.Arn} because no identity-based policy allows the kms:Encrypt action`),
  );
});

test("every AWS managed policy AWS publishes is listed through the SDK's paginator, and one attached by its ARN is enforced with AWS's document", async () => {
  const names: string[] = [];
  for await (const page of paginateListPolicies({ client: iam, pageSize: 1000 }, { Scope: "AWS" })) names.push(...(page.Policies ?? []).map((p) => p.PolicyName!));
  assert.ok(names.length > 1_500, `${names.length} policies`);
  assert.equal(new Set(names).size, names.length);
  for (const n of ["AdministratorAccess", "AWSLambdaBasicExecutionRole", "AmazonSSMManagedInstanceCore", "IAMAccessAdvisorReadOnly"]) assert.ok(names.includes(n), n);
  const arn = "arn:aws:iam::aws:policy/IAMAccessAdvisorReadOnly";
  const got = (await iam.send(new GetPolicyCommand({ PolicyArn: arn }))).Policy!;
  assert.deepEqual([got.Path, got.IsAttachable, got.AttachmentCount], ["/", true, 0]);
  // Its document lets the user list IAM users, nothing else of IAM's writes.
  const u = await newUser(s, "access-advisor");
  await iam.send(new AttachUserPolicyCommand({ UserName: "access-advisor", PolicyArn: arn }));
  const asUser = new IAMClient(s.clientConfig(u));
  assert.ok((await asUser.send(new ListUsersCommand({}))).Users!.some((x) => x.UserName === "access-advisor"));
  await assert.rejects(
    asUser.send(new CreateUserCommand({ UserName: "not-allowed" })),
    awsError("AccessDenied", 403, `User: ${u.arn} is not authorized to perform: iam:CreateUser on resource: arn:aws:iam::${s.accountId}:user/not-allowed because no identity-based policy allows the iam:CreateUser action`),
  );
  // Every version AWS publishes, newest first, each readable.
  const versions = (await iam.send(new ListPolicyVersionsCommand({ PolicyArn: "arn:aws:iam::aws:policy/PowerUserAccess" }))).Versions!;
  assert.deepEqual(versions.map((v) => v.VersionId), ["v12", "v10", "v8", "v7", "v6", "v5", "v4", "v3", "v2", "v1"]);
  assert.deepEqual(versions.map((v) => v.IsDefaultVersion), [true, ...Array(9).fill(false)]);
  const v1 = (await iam.send(new GetPolicyVersionCommand({ PolicyArn: "arn:aws:iam::aws:policy/PowerUserAccess", VersionId: "v1" }))).PolicyVersion!;
  assert.deepEqual(JSON.parse(decodeURIComponent(v1.Document!)).Statement[0].NotAction, "iam:*");
  // Detached again: the other tests count the AWS managed policies attached in this account.
  await iam.send(new DetachUserPolicyCommand({ UserName: "access-advisor", PolicyArn: arn }));
});

test("AWSWAFReadOnlyAccess, attached to a group: lists web ACLs, may not create an IP set", async () => {
  const u = await newUser(s, "waf-reader");
  await iam.send(new CreateGroupCommand({ GroupName: "waf-readers" }));
  await iam.send(new AddUserToGroupCommand({ GroupName: "waf-readers", UserName: "waf-reader" }));
  await iam.send(new AttachGroupPolicyCommand({ GroupName: "waf-readers", PolicyArn: "arn:aws:iam::aws:policy/AWSWAFReadOnlyAccess" }));
  const waf = new WAFV2Client(s.clientConfig(u));
  // AWS's document grants `wafv2:List*` on the ARNs of each kind, which is what WAF authorises a list on.
  assert.deepEqual((await waf.send(new ListWebACLsCommand({ Scope: "REGIONAL" }))).WebACLs, []);
  assert.ok(((await waf.send(new ListAvailableManagedRuleGroupsCommand({ Scope: "REGIONAL" }))).ManagedRuleGroups ?? []).length > 0);
  await assert.rejects(
    waf.send(new CreateIPSetCommand({ Name: "blocked", Scope: "REGIONAL", IPAddressVersion: "IPV4", Addresses: ["192.0.2.0/24"] })),
    awsError(
      "AccessDeniedException",
      400,
      `User: ${u.arn} is not authorized to perform: wafv2:CreateIPSet on resource: arn:aws:wafv2:us-east-1:${s.accountId}:regional/ipset/blocked/* because no identity-based policy allows the wafv2:CreateIPSet action`,
    ),
  );
  const attached = await iam.send(new ListPoliciesCommand({ Scope: "AWS", OnlyAttached: true }));
  assert.deepEqual(
    attached.Policies!.map((p) => p.Arn),
    ["arn:aws:iam::aws:policy/AdministratorAccess", "arn:aws:iam::aws:policy/AWSKeyManagementServicePowerUser", "arn:aws:iam::aws:policy/AWSWAFReadOnlyAccess"],
  );
});

test("AWSShieldDRTAccessPolicy: AssociateDRTRole takes a role that trusts the SRT and holds the policy, and only such a role", async () => {
  const shield = new ShieldClient(s.clientConfig());
  await shield.send(new CreateSubscriptionCommand({}));
  const role = async (name: string, service: string) =>
    (
      await iam.send(
        new CreateRoleCommand({
          RoleName: name,
          AssumeRolePolicyDocument: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: service }, Action: "sts:AssumeRole" }] }),
        }),
      )
    ).Role!.Arn!;
  const drtPolicy = "arn:aws:iam::aws:policy/service-role/AWSShieldDRTAccessPolicy";
  const srt = await role("srt-access", "drt.shield.amazonaws.com");
  const untrusted = await role("srt-ec2", "ec2.amazonaws.com");
  await iam.send(new AttachRolePolicyCommand({ RoleName: "srt-ec2", PolicyArn: drtPolicy }));

  await assert.rejects(
    shield.send(new AssociateDRTRoleCommand({ RoleArn: srt })),
    awsError("InvalidParameterException", 400, `The AWSShieldDRTAccessPolicy managed policy must be attached to the role ${srt}.`),
  );
  await assert.rejects(
    shield.send(new AssociateDRTRoleCommand({ RoleArn: untrusted })),
    awsError("InvalidParameterException", 400, `The role ${untrusted} must trust the service principal drt.shield.amazonaws.com.`),
  );
  assert.equal((await shield.send(new DescribeDRTAccessCommand({}))).RoleArn, undefined);

  await iam.send(new AttachRolePolicyCommand({ RoleName: "srt-access", PolicyArn: drtPolicy }));
  await shield.send(new AssociateDRTRoleCommand({ RoleArn: srt }));
  assert.equal((await shield.send(new DescribeDRTAccessCommand({}))).RoleArn, srt);
});

test("ReadOnlyAccess reads the load balancers, WAF and Shield as it reads the other services, and changes nothing", async () => {
  const u = await newUser(s, "reader");
  await iam.send(new AttachUserPolicyCommand({ UserName: "reader", PolicyArn: "arn:aws:iam::aws:policy/ReadOnlyAccess" }));
  await new ElasticLoadBalancingV2Client(s.clientConfig()).send(new CreateLoadBalancerCommand({ Name: "read-me" }));
  const elb = new ElasticLoadBalancingV2Client(s.clientConfig(u));
  assert.deepEqual((await elb.send(new DescribeLoadBalancersCommand({}))).LoadBalancers!.map((l) => l.LoadBalancerName), ["read-me"]);
  assert.deepEqual((await new WAFV2Client(s.clientConfig(u)).send(new ListWebACLsCommand({ Scope: "REGIONAL" }))).WebACLs, []);
  assert.equal((await new ShieldClient(s.clientConfig(u)).send(new GetSubscriptionStateCommand({}))).SubscriptionState, "ACTIVE");
  await assert.rejects(
    elb.send(new CreateLoadBalancerCommand({ Name: "not-mine" })),
    awsError(
      "AccessDenied",
      403,
      new RegExp(
        `^User: ${u.arn} is not authorized to perform: elasticloadbalancing:CreateLoadBalancer on resource: arn:aws:elasticloadbalancing:us-east-1:${s.accountId}:loadbalancer/app/not-mine/[0-9a-f]{16} because no identity-based policy allows the elasticloadbalancing:CreateLoadBalancer action$`,
      ),
    ),
  );
});
