/**
 * Pagination as the AWS CLI drives it, through the real server and the SDK v3 clients: every
 * list pages whole (each item once, nothing missing) whatever the page size; the tokens a list
 * hands out are taken back by that list only, stay within the documented length, and are not
 * of the one form the CLI's `--starting-token` would mistake for its own (base64 of a JSON
 * object).
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  OrganizationsClient,
  CreateOrganizationCommand,
  EnableAWSServiceAccessCommand,
  ListAWSServiceAccessForOrganizationCommand,
  ListAccountsCommand,
} from "@aws-sdk/client-organizations";
import {
  IAMClient,
  AttachRolePolicyCommand,
  CreateGroupCommand,
  CreatePolicyCommand,
  CreateRoleCommand,
  CreateUserCommand,
  CreateVirtualMFADeviceCommand,
  ListAccessKeysCommand,
  ListAttachedRolePoliciesCommand,
  ListAttachedUserPoliciesCommand,
  ListGroupsCommand,
  ListRolesCommand,
  ListUsersCommand,
  ListVirtualMFADevicesCommand,
  type ListAttachedRolePoliciesCommandOutput,
  type ListVirtualMFADevicesCommandOutput,
} from "@aws-sdk/client-iam";
import {
  ElasticLoadBalancingV2Client,
  CreateLoadBalancerCommand,
  CreateTargetGroupCommand,
  DescribeLoadBalancersCommand,
  DescribeTargetGroupsCommand,
  type DescribeLoadBalancersCommandOutput,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { startTestServer, awsError, type TestServer } from "./harness.js";
import { readsAsCliToken } from "./cli-token.js";

let s: TestServer;
before(async () => {
  s = await startTestServer();
});
after(async () => {
  await s.destroy();
});

test("Organizations: ListAWSServiceAccessForOrganization pages whole in small pages, in the order services were enabled", async () => {
  const orgs = new OrganizationsClient(s.clientConfig());
  await orgs.send(new CreateOrganizationCommand({ FeatureSet: "ALL" }));
  // Enabled out of alphabetical order, one clock second apart: the list keeps the order of enabling.
  const principals = ["securityhub.amazonaws.com", "config.amazonaws.com", "sso.amazonaws.com", "access-analyzer.amazonaws.com", "ram.amazonaws.com"];
  for (const p of principals) {
    await orgs.send(new EnableAWSServiceAccessCommand({ ServicePrincipal: p }));
    s.clock.offsetMs += 1000;
  }
  for (const size of [1, 2, 3, 5]) {
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const r = await orgs.send(new ListAWSServiceAccessForOrganizationCommand({ MaxResults: size, ...(token ? { NextToken: token } : {}) }));
      seen.push(...r.EnabledServicePrincipals!.map((e) => e.ServicePrincipal!));
      token = r.NextToken;
      pages++;
      assert.ok(pages <= principals.length, `MaxResults ${size}: more pages than items`);
    } while (token);
    assert.deepEqual(seen, principals, `MaxResults ${size}`);
    assert.equal(pages, Math.ceil(principals.length / size), `MaxResults ${size}`);
  }
});

test("Organizations: a NextToken is not read by the CLI as its own token, and is refused by another operation", async () => {
  const orgs = new OrganizationsClient(s.clientConfig());
  const first = await orgs.send(new ListAWSServiceAccessForOrganizationCommand({ MaxResults: 1 }));
  const token = first.NextToken!;
  assert.equal(readsAsCliToken(token), false, token);
  const second = await orgs.send(new ListAWSServiceAccessForOrganizationCommand({ MaxResults: 1, NextToken: token }));
  assert.equal(second.EnabledServicePrincipals![0]!.ServicePrincipal, "config.amazonaws.com");
  await assert.rejects(
    orgs.send(new ListAccountsCommand({ NextToken: token })),
    (e: { name?: string; Reason?: string; $metadata?: { httpStatusCode?: number } }) =>
      e.name === "InvalidInputException" && e.Reason === "INVALID_NEXT_TOKEN" && e.$metadata?.httpStatusCode === 400,
  );
  // The form tokens had before: base64url of {"o":operation,"a":last key}.
  const legacy = Buffer.from(JSON.stringify({ o: "ListAWSServiceAccessForOrganization", a: "access-analyzer.amazonaws.com" })).toString("base64url");
  await assert.rejects(orgs.send(new ListAWSServiceAccessForOrganizationCommand({ NextToken: legacy })), awsError("InvalidInputException", 400, "You specified an invalid value for nextToken."));
});

const iamInvalidMarker = awsError("ValidationError", 400, "Invalid Marker.");

test("IAM: a Marker is taken back only by the list that issued it", async () => {
  const iam = new IAMClient(s.clientConfig());
  for (let i = 0; i < 4; i++) {
    await iam.send(new CreateUserCommand({ UserName: `mu${i}` }));
    await iam.send(new CreateGroupCommand({ GroupName: `mg${i}` }));
  }
  const users = await iam.send(new ListUsersCommand({ MaxItems: 2 }));
  assert.equal(users.IsTruncated, true);
  const marker = users.Marker!;
  assert.equal(readsAsCliToken(marker), false);
  // Its own list continues after it...
  const next = await iam.send(new ListUsersCommand({ MaxItems: 2, Marker: marker }));
  assert.deepEqual(next.Users!.map((u) => u.UserName), ["mu1", "mu2"]);
  // ...another list refuses it instead of starting at the position it names.
  await assert.rejects(iam.send(new ListGroupsCommand({ Marker: marker })), iamInvalidMarker);
  await assert.rejects(iam.send(new ListRolesCommand({ Marker: marker })), iamInvalidMarker);
  await assert.rejects(iam.send(new ListAccessKeysCommand({ UserName: "mu0", Marker: marker })), iamInvalidMarker);
  await assert.rejects(iam.send(new ListAttachedUserPoliciesCommand({ UserName: "mu0", Marker: marker })), iamInvalidMarker);
  // A bare base64url user name (what markers were before) is not a marker either.
  await assert.rejects(iam.send(new ListUsersCommand({ Marker: Buffer.from("mu0").toString("base64url") })), iamInvalidMarker);
});

test("IAM: lists whose sort keys are long page whole with Markers of at most 320 characters", async () => {
  const iam = new IAMClient(s.clientConfig());
  // Policy paths of 460 characters: the attached policies' ARNs are longer than a Marker may be.
  const path = `/${Array.from({ length: 9 }, () => "abcdefghij".repeat(5)).join("/")}/`;
  await iam.send(new CreateRoleCommand({ RoleName: "longpaths", AssumeRolePolicyDocument: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }] }) }));
  const arns: string[] = [];
  for (let i = 0; i < 3; i++) {
    const p = await iam.send(new CreatePolicyCommand({ PolicyName: `long${i}`, Path: path, PolicyDocument: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "*" }] }) }));
    arns.push(p.Policy!.Arn!);
    await iam.send(new AttachRolePolicyCommand({ RoleName: "longpaths", PolicyArn: p.Policy!.Arn! }));
  }
  const seen: string[] = [];
  let marker: string | undefined;
  let pages = 0;
  do {
    const r: ListAttachedRolePoliciesCommandOutput = await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: "longpaths", MaxItems: 1, ...(marker ? { Marker: marker } : {}) }));
    seen.push(...r.AttachedPolicies!.map((a) => a.PolicyArn!));
    marker = r.Marker;
    assert.equal(r.IsTruncated, marker !== undefined);
    if (marker !== undefined) assert.ok(marker.length <= 320, `Marker of ${marker.length} characters`);
    pages++;
  } while (marker && pages < 10);
  assert.deepEqual(seen, [...arns].sort());
  assert.equal(pages, 3);

  for (let i = 0; i < 3; i++) await iam.send(new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: `longmfa${i}`, Path: path }));
  const serials: string[] = [];
  marker = undefined;
  pages = 0;
  do {
    const r: ListVirtualMFADevicesCommandOutput = await iam.send(new ListVirtualMFADevicesCommand({ MaxItems: 1, ...(marker ? { Marker: marker } : {}) }));
    serials.push(...r.VirtualMFADevices!.map((d) => d.SerialNumber!));
    marker = r.Marker;
    if (marker !== undefined) assert.ok(marker.length <= 320, `Marker of ${marker.length} characters`);
    pages++;
  } while (marker && pages < 10);
  assert.deepEqual(serials.filter((x) => x.includes("longmfa")).length, 3);
  assert.equal(new Set(serials).size, serials.length);
});

test("ELBv2: a Marker pages its own list whole and is refused by another", async () => {
  const elb = new ElasticLoadBalancingV2Client(s.clientConfig());
  for (let i = 0; i < 5; i++) {
    await elb.send(new CreateLoadBalancerCommand({ Name: `lb${i}` }));
    await elb.send(new CreateTargetGroupCommand({ Name: `tg${i}`, Protocol: "HTTP", Port: 80, TargetType: "ip" }));
  }
  const names: string[] = [];
  let marker: string | undefined;
  do {
    const page: DescribeLoadBalancersCommandOutput = await elb.send(new DescribeLoadBalancersCommand({ PageSize: 2, ...(marker ? { Marker: marker } : {}) }));
    names.push(...page.LoadBalancers!.map((l) => l.LoadBalancerName!));
    marker = page.NextMarker;
    if (marker) assert.equal(readsAsCliToken(marker), false);
  } while (marker);
  assert.deepEqual(names, ["lb0", "lb1", "lb2", "lb3", "lb4"]);
  const lbMarker = (await elb.send(new DescribeLoadBalancersCommand({ PageSize: 2 }))).NextMarker!;
  // Before, the load balancers' marker ("lb1") positioned the target groups' list.
  await assert.rejects(elb.send(new DescribeTargetGroupsCommand({ Marker: lbMarker })), awsError("ValidationError", 400, "The marker is not valid"));
  await assert.rejects(elb.send(new DescribeLoadBalancersCommand({ Marker: Buffer.from("lb1").toString("base64url") })), awsError("ValidationError", 400, "The marker is not valid"));
});
