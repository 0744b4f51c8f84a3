/**
 * Shield Advanced's control plane through the real server and @aws-sdk/client-shield: the
 * subscription, a protection of a real load balancer, automatic response against a WAFv2
 * web ACL, protection groups, tags, modelled errors on the wire, IAM enforcement, the
 * global service seen from any region, and persistence across a restart.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  ShieldClient,
  CreateSubscriptionCommand,
  DescribeSubscriptionCommand,
  GetSubscriptionStateCommand,
  UpdateSubscriptionCommand,
  DeleteSubscriptionCommand,
  CreateProtectionCommand,
  DescribeProtectionCommand,
  ListProtectionsCommand,
  DeleteProtectionCommand,
  CreateProtectionGroupCommand,
  DescribeProtectionGroupCommand,
  UpdateProtectionGroupCommand,
  ListProtectionGroupsCommand,
  ListResourcesInProtectionGroupCommand,
  DeleteProtectionGroupCommand,
  EnableApplicationLayerAutomaticResponseCommand,
  UpdateApplicationLayerAutomaticResponseCommand,
  DisableApplicationLayerAutomaticResponseCommand,
  TagResourceCommand,
  ListTagsForResourceCommand,
  ListAttacksCommand,
  DescribeAttackCommand,
  DescribeAttackStatisticsCommand,
  DescribeDRTAccessCommand,
  ShieldServiceException,
  type CreateProtectionCommandInput,
} from "@aws-sdk/client-shield";
import { ElasticLoadBalancingV2Client, CreateLoadBalancerCommand } from "@aws-sdk/client-elastic-load-balancing-v2";
import { WAFV2Client, CreateWebACLCommand, AssociateWebACLCommand } from "@aws-sdk/client-wafv2";
import {
  IAMClient,
  CreateUserCommand,
  CreateAccessKeyCommand,
  PutUserPolicyCommand,
  GetRoleCommand,
  ListAttachedRolePoliciesCommand,
  GetPolicyVersionCommand,
  DeleteServiceLinkedRoleCommand,
  GetServiceLinkedRoleDeletionStatusCommand,
} from "@aws-sdk/client-iam";
import { eventually, startTestServer, type TestServer } from "./harness.js";

const SHIELD_ROLE = "AWSServiceRoleForAWSShield";

let s: TestServer;
let shield: ShieldClient;
let lbArn: string;
let lb2Arn: string;

async function rejectsWith(p: Promise<unknown>, name: string, message?: RegExp): Promise<ShieldServiceException> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof ShieldServiceException, `expected ${name}, got ${String(e)}`);
    assert.equal(e.name, name);
    assert.equal(e.$metadata.httpStatusCode, 400);
    if (message) assert.match(e.message, message);
    return e;
  }
  assert.fail(`expected ${name}, got success`);
}

before(async () => {
  s = await startTestServer();
  shield = new ShieldClient(s.clientConfig());
  const elb = new ElasticLoadBalancingV2Client(s.clientConfig());
  lbArn = (await elb.send(new CreateLoadBalancerCommand({ Name: "shielded-web" }))).LoadBalancers![0]!.LoadBalancerArn!;
  lb2Arn = (await elb.send(new CreateLoadBalancerCommand({ Name: "shielded-api" }))).LoadBalancers![0]!.LoadBalancerArn!;
});

after(async () => {
  await s?.destroy();
});

test("no subscription: Advanced calls answer ResourceNotFoundException; the state is INACTIVE", async () => {
  assert.equal((await shield.send(new GetSubscriptionStateCommand({}))).SubscriptionState, "INACTIVE");
  await rejectsWith(shield.send(new DescribeSubscriptionCommand({})), "ResourceNotFoundException", /^The subscription does not exist\.$/);
  await rejectsWith(shield.send(new CreateProtectionCommand({ Name: "web", ResourceArn: lbArn })), "ResourceNotFoundException");
  await rejectsWith(shield.send(new DescribeDRTAccessCommand({})), "ResourceNotFoundException");
});

test("subscription: created once, one-year commitment, locked AutoRenew and deletion", async () => {
  await shield.send(new CreateSubscriptionCommand({}));
  await rejectsWith(shield.send(new CreateSubscriptionCommand({})), "ResourceAlreadyExistsException");
  const sub = (await shield.send(new DescribeSubscriptionCommand({}))).Subscription!;
  assert.equal(sub.TimeCommitmentInSeconds, 31_536_000);
  assert.equal(sub.AutoRenew, "ENABLED");
  assert.equal(sub.EndTime!.getTime() - sub.StartTime!.getTime(), 31_536_000_000);
  assert.match(sub.SubscriptionArn!, new RegExp(`^arn:aws:shield::${s.accountId}:subscription/[0-9a-f]{16}$`));
  assert.equal(sub.SubscriptionLimits!.ProtectionGroupLimits!.MaxProtectionGroups, 100);
  await rejectsWith(shield.send(new UpdateSubscriptionCommand({ AutoRenew: "DISABLED" })), "LockedSubscriptionException");
  await rejectsWith(shield.send(new DeleteSubscriptionCommand({})), "LockedSubscriptionException");
  // Shield is global: a client configured for another region sees the same subscription.
  const eu = new ShieldClient(s.clientConfig(undefined, "eu-west-1"));
  assert.equal((await eu.send(new GetSubscriptionStateCommand({}))).SubscriptionState, "ACTIVE");
});

test("protections of load balancers: create, describe, list, field validation on the wire", async () => {
  const created = await shield.send(new CreateProtectionCommand({ Name: "web", ResourceArn: lbArn, Tags: [{ Key: "env", Value: "prod" }] }));
  const id = created.ProtectionId!;
  assert.match(id, /^[0-9a-f-]{36}$/);
  await rejectsWith(shield.send(new CreateProtectionCommand({ Name: "web", ResourceArn: lbArn })), "ResourceAlreadyExistsException");
  await rejectsWith(shield.send(new CreateProtectionCommand({ Name: "ghost", ResourceArn: lbArn.replace(/\/[0-9a-f]+$/, "/0123456789abcdef") })), "InvalidResourceException");
  const bad = (await rejectsWith(shield.send(new CreateProtectionCommand({ Name: "bad!name", ResourceArn: lbArn })), "InvalidParameterException", /^1 validation error detected: Value 'bad!name' at 'name'/)) as ShieldServiceException & { reason?: string; fields?: unknown };
  assert.equal(bad.reason, "FIELD_VALIDATION_FAILED");
  assert.equal((bad.fields as Array<{ name: string }>)[0]?.name, "name");
  // A missing required member is one more constraint violation: InvalidParameterException, not a ValidationException Shield does not model.
  const NULL_ARN = "Value null at 'resourceArn' failed to satisfy constraint: Member must not be null";
  const missing = (await rejectsWith(
    shield.send(new CreateProtectionCommand({ Name: "web" } as CreateProtectionCommandInput)),
    "InvalidParameterException",
    new RegExp(`^1 validation error detected: ${NULL_ARN}$`),
  )) as ShieldServiceException & { reason?: string; fields?: unknown };
  assert.equal(missing.reason, "FIELD_VALIDATION_FAILED");
  assert.deepEqual(missing.fields, [{ name: "resourceArn", message: NULL_ARN }]);

  const p = (await shield.send(new DescribeProtectionCommand({ ResourceArn: lbArn }))).Protection!;
  assert.deepEqual(p, {
    Id: id,
    Name: "web",
    ResourceArn: lbArn,
    HealthCheckIds: [],
    ProtectionArn: `arn:aws:shield::${s.accountId}:protection/${id}`,
    ApplicationLayerAutomaticResponseConfiguration: { Status: "DISABLED", Action: { Block: {} } },
  });
  await shield.send(new CreateProtectionCommand({ Name: "api", ResourceArn: lb2Arn }));
  const page1 = await shield.send(new ListProtectionsCommand({ MaxResults: 1 }));
  assert.equal(page1.Protections!.length, 1);
  const page2 = await shield.send(new ListProtectionsCommand({ MaxResults: 1, NextToken: page1.NextToken }));
  assert.equal(page2.Protections!.length, 1);
  assert.equal(page2.NextToken, undefined);
  await rejectsWith(shield.send(new ListProtectionsCommand({ NextToken: "forged" })), "InvalidPaginationTokenException");
  const tags = await shield.send(new ListTagsForResourceCommand({ ResourceARN: p.ProtectionArn! }));
  assert.deepEqual(tags.Tags, [{ Key: "env", Value: "prod" }]);
  await shield.send(new TagResourceCommand({ ResourceARN: p.ProtectionArn!, Tags: [{ Key: "team", Value: "edge" }] }));
  assert.equal((await shield.send(new ListTagsForResourceCommand({ ResourceARN: p.ProtectionArn! }))).Tags!.length, 2);
});

test("automatic application-layer response needs a WAFv2 web ACL on the load balancer", async () => {
  const iam = new IAMClient(s.clientConfig());
  await assert.rejects(iam.send(new GetRoleCommand({ RoleName: SHIELD_ROLE })), (e: Error) => e.name === "NoSuchEntityException");
  await rejectsWith(shield.send(new EnableApplicationLayerAutomaticResponseCommand({ ResourceArn: lbArn, Action: { Block: {} } })), "InvalidOperationException", /web ACL/);
  const waf = new WAFV2Client(s.clientConfig());
  const acl = await waf.send(
    new CreateWebACLCommand({ Name: "site", Scope: "REGIONAL", DefaultAction: { Allow: {} }, VisibilityConfig: { SampledRequestsEnabled: true, CloudWatchMetricsEnabled: true, MetricName: "site" }, Rules: [] }),
  );
  await waf.send(new AssociateWebACLCommand({ WebACLArn: acl.Summary!.ARN!, ResourceArn: lbArn }));
  await rejectsWith(shield.send(new EnableApplicationLayerAutomaticResponseCommand({ ResourceArn: lbArn, Action: { Block: {}, Count: {} } })), "InvalidParameterException");
  // Refused attempts created nothing; the first enable creates Shield's service-linked role.
  await assert.rejects(iam.send(new GetRoleCommand({ RoleName: SHIELD_ROLE })), (e: Error) => e.name === "NoSuchEntityException");
  await shield.send(new EnableApplicationLayerAutomaticResponseCommand({ ResourceArn: lbArn, Action: { Count: {} } }));
  assert.equal((await iam.send(new GetRoleCommand({ RoleName: SHIELD_ROLE }))).Role!.Arn, `arn:aws:iam::${s.accountId}:role/aws-service-role/shield.amazonaws.com/${SHIELD_ROLE}`);
  await rejectsWith(shield.send(new EnableApplicationLayerAutomaticResponseCommand({ ResourceArn: lbArn, Action: { Count: {} } })), "InvalidOperationException");
  await shield.send(new UpdateApplicationLayerAutomaticResponseCommand({ ResourceArn: lbArn, Action: { Block: {} } }));
  const cfg = (await shield.send(new DescribeProtectionCommand({ ResourceArn: lbArn }))).Protection!.ApplicationLayerAutomaticResponseConfiguration;
  assert.deepEqual(cfg, { Status: "ENABLED", Action: { Block: {} } });
  await shield.send(new DisableApplicationLayerAutomaticResponseCommand({ ResourceArn: lbArn }));
  await rejectsWith(shield.send(new DisableApplicationLayerAutomaticResponseCommand({ ResourceArn: lbArn })), "InvalidOperationException");
});

test("Shield's service-linked role: AWSShieldServiceRolePolicy, kept while automatic response is on, created again by the next enable", async () => {
  const iam = new IAMClient(s.clientConfig());
  assert.deepEqual((await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: SHIELD_ROLE }))).AttachedPolicies, [
    { PolicyName: "AWSShieldServiceRolePolicy", PolicyArn: "arn:aws:iam::aws:policy/aws-service-role/AWSShieldServiceRolePolicy" },
  ]);
  const version = (await iam.send(new GetPolicyVersionCommand({ PolicyArn: "arn:aws:iam::aws:policy/aws-service-role/AWSShieldServiceRolePolicy", VersionId: "v1" }))).PolicyVersion!;
  assert.deepEqual(JSON.parse(decodeURIComponent(version.Document!)).Statement, [
    {
      Sid: "AWSShield",
      Effect: "Allow",
      Action: ["wafv2:GetWebACL", "wafv2:UpdateWebACL", "wafv2:GetWebACLForResource", "wafv2:ListResourcesForWebACL", "cloudfront:ListDistributions", "cloudfront:GetDistribution"],
      Resource: "*",
    },
  ]);
  const deletion = async (status: string) => {
    const task = (await iam.send(new DeleteServiceLinkedRoleCommand({ RoleName: SHIELD_ROLE }))).DeletionTaskId!;
    return eventually(async () => {
      const st = await iam.send(new GetServiceLinkedRoleDeletionStatusCommand({ DeletionTaskId: task }));
      return st.Status === status ? st : undefined;
    });
  };
  await shield.send(new EnableApplicationLayerAutomaticResponseCommand({ ResourceArn: lbArn, Action: { Block: {} } }));
  const failed = await deletion("FAILED");
  assert.deepEqual(failed.Reason!.RoleUsageList, [{ Region: lbArn.split(":")[3], Resources: [lbArn] }]);
  await iam.send(new GetRoleCommand({ RoleName: SHIELD_ROLE }));
  await shield.send(new DisableApplicationLayerAutomaticResponseCommand({ ResourceArn: lbArn }));
  await deletion("SUCCEEDED");
  await assert.rejects(iam.send(new GetRoleCommand({ RoleName: SHIELD_ROLE })), (e: Error) => e.name === "NoSuchEntityException");
  // Creating the role is the caller's act: allowed every Shield action but not iam:CreateServiceLinkedRole, the enable is refused and changes nothing.
  await iam.send(new CreateUserCommand({ UserName: "shield-operator" }));
  await iam.send(new PutUserPolicyCommand({ UserName: "shield-operator", PolicyName: "shield", PolicyDocument: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "shield:*", Resource: "*" }] }) }));
  const key = (await iam.send(new CreateAccessKeyCommand({ UserName: "shield-operator" }))).AccessKey!;
  const operator = new ShieldClient(s.clientConfig({ accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! }));
  await rejectsWith(operator.send(new EnableApplicationLayerAutomaticResponseCommand({ ResourceArn: lbArn, Action: { Count: {} } })), "AccessDeniedException", /not authorized to perform: iam:CreateServiceLinkedRole/);
  assert.deepEqual((await shield.send(new DescribeProtectionCommand({ ResourceArn: lbArn }))).Protection!.ApplicationLayerAutomaticResponseConfiguration, { Status: "DISABLED", Action: { Block: {} } });
  await assert.rejects(iam.send(new GetRoleCommand({ RoleName: SHIELD_ROLE })), (e: Error) => e.name === "NoSuchEntityException");
  await shield.send(new EnableApplicationLayerAutomaticResponseCommand({ ResourceArn: lbArn, Action: { Count: {} } }));
  await iam.send(new GetRoleCommand({ RoleName: SHIELD_ROLE }));
  await shield.send(new DisableApplicationLayerAutomaticResponseCommand({ ResourceArn: lbArn }));
});

test("protection groups: patterns, members, listing and deletion", async () => {
  await shield.send(new CreateProtectionGroupCommand({ ProtectionGroupId: "all-albs", Aggregation: "MEAN", Pattern: "BY_RESOURCE_TYPE", ResourceType: "APPLICATION_LOAD_BALANCER" }));
  await shield.send(new CreateProtectionGroupCommand({ ProtectionGroupId: "web-only", Aggregation: "SUM", Pattern: "ARBITRARY", Members: [lbArn] }));
  await rejectsWith(shield.send(new CreateProtectionGroupCommand({ ProtectionGroupId: "bad", Aggregation: "SUM", Pattern: "ALL", Members: [lbArn] })), "InvalidParameterException");
  const g = (await shield.send(new DescribeProtectionGroupCommand({ ProtectionGroupId: "web-only" }))).ProtectionGroup!;
  assert.deepEqual(g, { ProtectionGroupId: "web-only", Aggregation: "SUM", Pattern: "ARBITRARY", Members: [lbArn], ProtectionGroupArn: `arn:aws:shield::${s.accountId}:protection-group/web-only` });
  const all = await shield.send(new ListResourcesInProtectionGroupCommand({ ProtectionGroupId: "all-albs" }));
  assert.deepEqual(all.ResourceArns, [lbArn, lb2Arn].sort());
  await shield.send(new UpdateProtectionGroupCommand({ ProtectionGroupId: "web-only", Aggregation: "MAX", Pattern: "ARBITRARY", Members: [lbArn, lb2Arn] }));
  assert.deepEqual((await shield.send(new ListResourcesInProtectionGroupCommand({ ProtectionGroupId: "web-only" }))).ResourceArns, [lbArn, lb2Arn].sort());
  const listed = await shield.send(new ListProtectionGroupsCommand({ InclusionFilters: { Aggregations: ["MAX"] } }));
  assert.deepEqual(listed.ProtectionGroups!.map((x) => x.ProtectionGroupId), ["web-only"]);
  await shield.send(new DeleteProtectionGroupCommand({ ProtectionGroupId: "web-only" }));
  await rejectsWith(shield.send(new DescribeProtectionGroupCommand({ ProtectionGroupId: "web-only" })), "ResourceNotFoundException");
});

test("ids and ARNs with NUL or an unpaired surrogate are refused or not found, never an internal error", async () => {
  for (const bad of ["\u0000", "web\u0000", "\ud800"]) {
    await rejectsWith(shield.send(new DescribeProtectionGroupCommand({ ProtectionGroupId: bad })), "InvalidParameterException");
    await rejectsWith(shield.send(new ListResourcesInProtectionGroupCommand({ ProtectionGroupId: bad })), "InvalidParameterException");
    await rejectsWith(shield.send(new UpdateProtectionGroupCommand({ ProtectionGroupId: bad, Aggregation: "SUM", Pattern: "ALL" })), "InvalidParameterException");
    await rejectsWith(shield.send(new DeleteProtectionGroupCommand({ ProtectionGroupId: bad })), "InvalidParameterException");
    await rejectsWith(shield.send(new DescribeProtectionCommand({ ResourceArn: lbArn + bad })), "ResourceNotFoundException");
    await rejectsWith(shield.send(new DisableApplicationLayerAutomaticResponseCommand({ ResourceArn: lbArn + bad })), "ResourceNotFoundException");
    await rejectsWith(shield.send(new DescribeAttackCommand({ AttackId: bad })), "InvalidParameterException");
    await rejectsWith(
      shield.send(new CreateProtectionGroupCommand({ ProtectionGroupId: "odd-members", Aggregation: "SUM", Pattern: "ARBITRARY", Members: [lbArn + bad] })),
      "ResourceNotFoundException",
    );
  }
});

test("attacks: none yet; unknown attack ids are not accessible; statistics cover the last year", async () => {
  assert.deepEqual((await shield.send(new ListAttacksCommand({}))).AttackSummaries, []);
  await rejectsWith(shield.send(new DescribeAttackCommand({ AttackId: "0123abcd" })), "AccessDeniedException");
  const stats = await shield.send(new DescribeAttackStatisticsCommand({}));
  assert.deepEqual(stats.DataItems, [{ AttackCount: 0 }]);
  assert.equal(stats.TimeRange!.ToExclusive!.getTime() % 86_400_000, 0);
});

test("IAM: a user without shield permissions is denied; one allowed only to read can list", async () => {
  const iam = new IAMClient(s.clientConfig());
  await iam.send(new CreateUserCommand({ UserName: "shield-reader" }));
  await iam.send(new PutUserPolicyCommand({ UserName: "shield-reader", PolicyName: "read", PolicyDocument: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: ["shield:List*", "shield:Describe*"], Resource: "*" }] }) }));
  const key = (await iam.send(new CreateAccessKeyCommand({ UserName: "shield-reader" }))).AccessKey!;
  const reader = new ShieldClient(s.clientConfig({ accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! }));
  assert.equal((await reader.send(new ListProtectionsCommand({}))).Protections!.length, 2);
  const denied = await rejectsWith(reader.send(new DeleteProtectionCommand({ ProtectionId: "00000000-0000-0000-0000-000000000000" })), "AccessDeniedException", /shield:DeleteProtection/);
  assert.ok(denied);
});

test("state survives a restart", async () => {
  await s.stop();
  s = await startTestServer({ dataDir: s.dataDir, rootKey: s.rootKey });
  shield = new ShieldClient(s.clientConfig());
  assert.equal((await shield.send(new GetSubscriptionStateCommand({}))).SubscriptionState, "ACTIVE");
  assert.equal((await shield.send(new ListProtectionsCommand({}))).Protections!.length, 2);
  assert.equal((await shield.send(new DescribeProtectionGroupCommand({ ProtectionGroupId: "all-albs" }))).ProtectionGroup!.Pattern, "BY_RESOURCE_TYPE");
});
