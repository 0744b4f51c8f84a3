/**
 * ELBv2's API on the wire through the official SDK: error codes and statuses the SDK maps to
 * its exception classes, pagination, attributes, tags, IAM enforcement, CloudTrail events,
 * and listeners that come back after a restart.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import {
  ElasticLoadBalancingV2Client,
  CreateLoadBalancerCommand,
  DescribeLoadBalancersCommand,
  DeleteLoadBalancerCommand,
  CreateTargetGroupCommand,
  DescribeTargetGroupsCommand,
  DeleteTargetGroupCommand,
  RegisterTargetsCommand,
  CreateListenerCommand,
  DescribeListenersCommand,
  ModifyListenerCommand,
  ModifyLoadBalancerAttributesCommand,
  DescribeLoadBalancerAttributesCommand,
  DescribeTargetGroupAttributesCommand,
  ModifyTargetGroupAttributesCommand,
  AddTagsCommand,
  DescribeTagsCommand,
  RemoveTagsCommand,
  LoadBalancerNotFoundException,
  DuplicateLoadBalancerNameException,
  ResourceInUseException,
  DuplicateListenerException,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { IAMClient, CreateUserCommand, CreateAccessKeyCommand, PutUserPolicyCommand, GetRoleCommand, ListRolesCommand, ListAttachedRolePoliciesCommand, NoSuchEntityException } from "@aws-sdk/client-iam";
import { CloudTrailClient, LookupEventsCommand } from "@aws-sdk/client-cloudtrail";
import { startTestServer, eventually, type TestServer, freePort } from "./harness.js";

let s: TestServer;
let elb: ElasticLoadBalancingV2Client;
let upstream: http.Server;

before(async () => {
  s = await startTestServer({ env: { BULWARK_DATAPLANE_HEALTH_CHECK_TIME_SCALE: "0.02" } });
  elb = new ElasticLoadBalancingV2Client(s.clientConfig());
  upstream = http.createServer((req, res) => res.end(`up ${req.url}`));
  await new Promise<void>((r) => upstream.listen(0, "127.0.0.1", r));
});

after(async () => {
  upstream.closeAllConnections();
  await new Promise((r) => upstream.close(r));
  await s.destroy();
});

function get(port: number, path = "/"): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: "127.0.0.1", port, path, agent: false }, (res) => {
      let b = "";
      res.on("data", (c: Buffer) => (b += c.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: b }));
    });
    req.on("error", reject);
  });
}

// Runs first: the account has no load balancer or target group yet.
test("the first load balancer or target group creates ELB's service-linked role, as the caller", async () => {
  const iam = new IAMClient(s.clientConfig());
  const ROLE = "AWSServiceRoleForElasticLoadBalancing";
  const roleArn = `arn:aws:iam::${s.accountId}:role/aws-service-role/elasticloadbalancing.amazonaws.com/${ROLE}`;
  await assert.rejects(iam.send(new GetRoleCommand({ RoleName: ROLE })), (e: unknown) => e instanceof NoSuchEntityException);

  // A principal allowed ELB but not iam:CreateServiceLinkedRole cannot be the first.
  await iam.send(new CreateUserCommand({ UserName: "elb-only" }));
  await iam.send(
    new PutUserPolicyCommand({
      UserName: "elb-only",
      PolicyName: "elb",
      PolicyDocument: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "elasticloadbalancing:*", Resource: "*" }] }),
    }),
  );
  const k = await iam.send(new CreateAccessKeyCommand({ UserName: "elb-only" }));
  const elbOnly = new ElasticLoadBalancingV2Client(s.clientConfig({ accessKeyId: k.AccessKey!.AccessKeyId!, secretAccessKey: k.AccessKey!.SecretAccessKey! }));
  for (const create of [() => elbOnly.send(new CreateLoadBalancerCommand({ Name: "first-lb" })), () => elbOnly.send(new CreateTargetGroupCommand({ Name: "first-tg", Protocol: "HTTP", Port: 80 }))]) {
    await assert.rejects(create(), (e: { name?: string; message?: string; $metadata?: { httpStatusCode?: number } }) => {
      assert.equal(e.name, "AccessDenied");
      assert.equal(e.$metadata?.httpStatusCode, 403);
      assert.match(e.message ?? "", new RegExp(`not authorized to perform: iam:CreateServiceLinkedRole on resource: ${roleArn.replace(/[.]/g, "\\.")}`));
      return true;
    });
  }
  assert.deepEqual((await elb.send(new DescribeLoadBalancersCommand({}))).LoadBalancers, []);
  assert.deepEqual((await elb.send(new DescribeTargetGroupsCommand({}))).TargetGroups, []);
  await assert.rejects(iam.send(new GetRoleCommand({ RoleName: ROLE })), (e: unknown) => e instanceof NoSuchEntityException);

  // A target group created by a principal that may create the role brings it.
  const tg = (await elb.send(new CreateTargetGroupCommand({ Name: "first-tg", Protocol: "HTTP", Port: 80 }))).TargetGroups![0]!;
  const role = (await iam.send(new GetRoleCommand({ RoleName: ROLE }))).Role!;
  assert.deepEqual([role.Path, role.Arn], ["/aws-service-role/elasticloadbalancing.amazonaws.com/", roleArn]);
  assert.deepEqual(JSON.parse(decodeURIComponent(role.AssumeRolePolicyDocument!)).Statement, [
    { Effect: "Allow", Principal: { Service: "elasticloadbalancing.amazonaws.com" }, Action: "sts:AssumeRole" },
  ]);
  assert.deepEqual((await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: ROLE }))).AttachedPolicies, [
    { PolicyName: "AWSElasticLoadBalancingServiceRolePolicy", PolicyArn: "arn:aws:iam::aws:policy/aws-service-role/AWSElasticLoadBalancingServiceRolePolicy" },
  ]);
  // Once it exists, ELB permissions alone suffice, and the role is not created again.
  const lb = (await elbOnly.send(new CreateLoadBalancerCommand({ Name: "first-lb" }))).LoadBalancers![0]!;
  const again = (await iam.send(new GetRoleCommand({ RoleName: ROLE }))).Role!;
  assert.equal(again.RoleId, role.RoleId);
  assert.equal((await iam.send(new ListRolesCommand({ PathPrefix: "/aws-service-role/" }))).Roles!.length, 1);
  await elb.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: lb.LoadBalancerArn }));
  await elb.send(new DeleteTargetGroupCommand({ TargetGroupArn: tg.TargetGroupArn }));

  // CloudTrail: each attempt is an IAM CreateServiceLinkedRole of the caller, invoked by ELB.
  const ct = new CloudTrailClient(s.clientConfig());
  const found = await ct.send(new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: "EventName", AttributeValue: "CreateServiceLinkedRole" }] }));
  const evs = found.Events!.map((e) => JSON.parse(e.CloudTrailEvent!) as Record<string, unknown> & { userIdentity: Record<string, unknown> });
  const host = "elasticloadbalancing.amazonaws.com";
  assert.deepEqual(
    evs.map((e) => [e.userIdentity.userName, e.errorCode ?? "ok"]),
    [["admin", "ok"], ["elb-only", "AccessDenied"], ["elb-only", "AccessDenied"]],
  );
  for (const e of evs) {
    assert.deepEqual([e.eventSource, e.awsRegion, e.sourceIPAddress, e.userAgent, e.userIdentity.invokedBy, e.readOnly], ["iam.amazonaws.com", "us-east-1", host, host, host, false]);
    assert.deepEqual(e.requestParameters, { aWSServiceName: host });
    assert.equal(Object.keys(e.userIdentity).at(-1), "invokedBy");
  }
  const made = evs[0]!;
  const response = made.responseElements as { role: { roleName: string; roleId: string; arn: string; path: string } };
  assert.deepEqual([response.role.roleName, response.role.roleId, response.role.arn, response.role.path], [ROLE, role.RoleId, roleArn, role.Path]);
  assert.deepEqual(made.resources, [{ accountId: s.accountId, type: "AWS::IAM::Role", ARN: roleArn }]);
  assert.equal(found.Events![0]!.Username, "admin");
  assert.equal(evs[1]!.responseElements, null);
  assert.match(String(evs[1]!.errorMessage), /not authorized to perform: iam:CreateServiceLinkedRole/);
});

test("errors reach the SDK as its modelled exceptions with status 400", async () => {
  await assert.rejects(elb.send(new DescribeLoadBalancersCommand({ Names: ["missing"] })), (e: unknown) => {
    assert.ok(e instanceof LoadBalancerNotFoundException);
    assert.equal(e.name, "LoadBalancerNotFoundException");
    assert.equal(e.$metadata.httpStatusCode, 400);
    assert.equal(e.message, "Load balancers '[missing]' not found");
    return true;
  });
  await elb.send(new CreateLoadBalancerCommand({ Name: "dup" }));
  await assert.rejects(elb.send(new CreateLoadBalancerCommand({ Name: "dup", Scheme: "internal" })), (e: unknown) => e instanceof DuplicateLoadBalancerNameException);
  await assert.rejects(elb.send(new CreateLoadBalancerCommand({ Name: "bad_name" })), (e: { name?: string; $metadata?: { httpStatusCode?: number } }) => {
    assert.equal(e.name, "ValidationError");
    assert.equal(e.$metadata?.httpStatusCode, 400);
    return true;
  });
});

test("names holding NUL are not found, never an internal error", async () => {
  await assert.rejects(elb.send(new DescribeLoadBalancersCommand({ Names: ["a\u0000b"] })), (e: unknown) => e instanceof LoadBalancerNotFoundException);
  await assert.rejects(elb.send(new DescribeTargetGroupsCommand({ Names: ["\u0000"] })), (e: { name?: string; $metadata?: { httpStatusCode?: number } }) => {
    assert.equal(e.name, "TargetGroupNotFoundException");
    assert.equal(e.$metadata?.httpStatusCode, 400);
    return true;
  });
});

test("pagination, attributes and tags", async () => {
  for (const n of ["p1", "p2", "p3"]) await elb.send(new CreateLoadBalancerCommand({ Name: n }));
  const names: string[] = [];
  let marker: string | undefined;
  do {
    const page = await elb.send(new DescribeLoadBalancersCommand({ PageSize: 2, ...(marker ? { Marker: marker } : {}) }));
    names.push(...page.LoadBalancers!.map((l) => l.LoadBalancerName!));
    marker = page.NextMarker;
  } while (marker);
  assert.deepEqual(names, ["dup", "p1", "p2", "p3"]);
  const arn = (await elb.send(new DescribeLoadBalancersCommand({ Names: ["p1"] }))).LoadBalancers![0]!.LoadBalancerArn!;
  await elb.send(new ModifyLoadBalancerAttributesCommand({ LoadBalancerArn: arn, Attributes: [{ Key: "idle_timeout.timeout_seconds", Value: "120" }] }));
  const attrs = await elb.send(new DescribeLoadBalancerAttributesCommand({ LoadBalancerArn: arn }));
  assert.equal(attrs.Attributes!.find((a) => a.Key === "idle_timeout.timeout_seconds")?.Value, "120");
  await elb.send(new AddTagsCommand({ ResourceArns: [arn], Tags: [{ Key: "team", Value: "edge" }] }));
  const tags = await elb.send(new DescribeTagsCommand({ ResourceArns: [arn] }));
  assert.deepEqual(tags.TagDescriptions, [{ ResourceArn: arn, Tags: [{ Key: "team", Value: "edge" }] }]);
  await elb.send(new RemoveTagsCommand({ ResourceArns: [arn], TagKeys: ["team"] }));
  assert.deepEqual((await elb.send(new DescribeTagsCommand({ ResourceArns: [arn] }))).TagDescriptions![0]!.Tags, []);
  const tg = await elb.send(new CreateTargetGroupCommand({ Name: "attrs", Protocol: "HTTP", Port: 80 }));
  const tga = await elb.send(new DescribeTargetGroupAttributesCommand({ TargetGroupArn: tg.TargetGroups![0]!.TargetGroupArn }));
  assert.equal(tga.Attributes!.find((a) => a.Key === "deregistration_delay.timeout_seconds")?.Value, "300");
});

test("attribute members beyond the model's limits are a ValidationError (400): load-balancer values over 1,024 characters, keys off the pattern, over 20 attributes", async () => {
  const lb = await elb.send(new CreateLoadBalancerCommand({ Name: "attr-limits" }));
  const arn = lb.LoadBalancers![0]!.LoadBalancerArn!;
  const refused = async (p: Promise<unknown>, message: string): Promise<void> =>
    assert.rejects(p, (e: { name?: string; message?: string; $metadata?: { httpStatusCode?: number } }) => {
      assert.equal(e.name, "ValidationError");
      assert.equal(e.$metadata?.httpStatusCode, 400);
      assert.equal(e.message, message);
      return true;
    });
  const atMost = "p".repeat(1024);
  await elb.send(new ModifyLoadBalancerAttributesCommand({ LoadBalancerArn: arn, Attributes: [{ Key: "access_logs.s3.prefix", Value: atMost }] }));
  const tooLong = "p".repeat(1025);
  await refused(
    elb.send(new ModifyLoadBalancerAttributesCommand({ LoadBalancerArn: arn, Attributes: [{ Key: "access_logs.s3.prefix", Value: tooLong }] })),
    `1 validation error detected: Value '${tooLong}' at 'attributes.1.member.value' failed to satisfy constraint: Member must have length less than or equal to 1024`,
  );
  // Every failing member is listed, the model's checks before the service's own ("not recognized").
  await refused(
    elb.send(new ModifyLoadBalancerAttributesCommand({ LoadBalancerArn: arn, Attributes: [{ Key: "idle_timeout.timeout_seconds", Value: "61" }, { Key: "bad key", Value: tooLong }] })),
    "2 validation errors detected: Value 'bad key' at 'attributes.2.member.key' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9._]+$; " +
      `Value '${tooLong}' at 'attributes.2.member.value' failed to satisfy constraint: Member must have length less than or equal to 1024`,
  );
  await refused(
    elb.send(new ModifyLoadBalancerAttributesCommand({ LoadBalancerArn: arn, Attributes: Array.from({ length: 21 }, () => ({ Key: "idle_timeout.timeout_seconds", Value: "61" })) })),
    "1 validation error detected: Value at 'attributes' failed to satisfy constraint: Member must have length less than or equal to 20",
  );
  const attrs = await elb.send(new DescribeLoadBalancerAttributesCommand({ LoadBalancerArn: arn }));
  assert.equal(attrs.Attributes!.find((a) => a.Key === "access_logs.s3.prefix")?.Value, atMost);
  assert.equal(attrs.Attributes!.find((a) => a.Key === "idle_timeout.timeout_seconds")?.Value, "60");
  // Target-group values have no length limit in the model; their keys have the same shape.
  const tg = await elb.send(new CreateTargetGroupCommand({ Name: "attr-limits", Protocol: "HTTP", Port: 80 }));
  const tgArn = tg.TargetGroups![0]!.TargetGroupArn!;
  const key = "k".repeat(257);
  await refused(
    elb.send(new ModifyTargetGroupAttributesCommand({ TargetGroupArn: tgArn, Attributes: [{ Key: key, Value: "1" }] })),
    `1 validation error detected: Value '${key}' at 'attributes.1.member.key' failed to satisfy constraint: Member must have length less than or equal to 256`,
  );
  const cookie = "c".repeat(1500);
  await elb.send(new ModifyTargetGroupAttributesCommand({ TargetGroupArn: tgArn, Attributes: [{ Key: "stickiness.app_cookie.cookie_name", Value: cookie }] }));
  const tga = await elb.send(new DescribeTargetGroupAttributesCommand({ TargetGroupArn: tgArn }));
  assert.equal(tga.Attributes!.find((a) => a.Key === "stickiness.app_cookie.cookie_name")?.Value, cookie);
  await elb.send(new DeleteTargetGroupCommand({ TargetGroupArn: tgArn }));
  await elb.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: arn }));
});

test("IAM decides on the resource ARN; CloudTrail records the calls", async () => {
  const iam = new IAMClient(s.clientConfig());
  await iam.send(new CreateUserCommand({ UserName: "ops" }));
  await iam.send(
    new PutUserPolicyCommand({
      UserName: "ops",
      PolicyName: "elb",
      PolicyDocument: JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Action: "elasticloadbalancing:CreateLoadBalancer", Resource: "arn:aws:elasticloadbalancing:*:*:loadbalancer/app/ops-*/*" }],
      }),
    }),
  );
  const k = await iam.send(new CreateAccessKeyCommand({ UserName: "ops" }));
  const ops = new ElasticLoadBalancingV2Client(s.clientConfig({ accessKeyId: k.AccessKey!.AccessKeyId!, secretAccessKey: k.AccessKey!.SecretAccessKey! }));
  await ops.send(new CreateLoadBalancerCommand({ Name: "ops-1" }));
  await assert.rejects(ops.send(new CreateLoadBalancerCommand({ Name: "other" })), (e: { name?: string; $metadata?: { httpStatusCode?: number } }) => e.name === "AccessDenied" && e.$metadata?.httpStatusCode === 403);
  await assert.rejects(ops.send(new DescribeLoadBalancersCommand({})), (e: { name?: string }) => e.name === "AccessDenied");
  const trail = new CloudTrailClient(s.clientConfig());
  const events = await eventually(async () => {
    const out = await trail.send(new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: "EventSource", AttributeValue: "elasticloadbalancing.amazonaws.com" }] }));
    return (out.Events ?? []).some((e) => e.EventName === "CreateLoadBalancer") ? out.Events : undefined;
  });
  assert.ok(events!.every((e) => e.EventSource === "elasticloadbalancing.amazonaws.com"));
});

test("listeners come back after a restart; deleting the load balancer closes its port", async () => {
  const upPort = (upstream.address() as AddressInfo).port;
  const lb = await elb.send(new CreateLoadBalancerCommand({ Name: "durable" }));
  const lbArn = lb.LoadBalancers![0]!.LoadBalancerArn!;
  const tg = await elb.send(new CreateTargetGroupCommand({ Name: "durable", Protocol: "HTTP", Port: upPort, TargetType: "ip", HealthCheckIntervalSeconds: 5, HealthCheckTimeoutSeconds: 2 }));
  const tgArn = tg.TargetGroups![0]!.TargetGroupArn!;
  await elb.send(new RegisterTargetsCommand({ TargetGroupArn: tgArn, Targets: [{ Id: "127.0.0.1" }] }));
  const port = await freePort();
  const l = await elb.send(new CreateListenerCommand({ LoadBalancerArn: lbArn, Protocol: "HTTP", Port: port, DefaultActions: [{ Type: "forward", TargetGroupArn: tgArn }] }));
  await assert.rejects(
    elb.send(new CreateListenerCommand({ LoadBalancerArn: lbArn, Protocol: "HTTP", Port: port, DefaultActions: [{ Type: "fixed-response", FixedResponseConfig: { StatusCode: "404" } }] })),
    (e: unknown) => e instanceof DuplicateListenerException,
  );
  await assert.rejects(elb.send(new DeleteTargetGroupCommand({ TargetGroupArn: tgArn })), (e: unknown) => e instanceof ResourceInUseException);
  assert.deepEqual(await get(port, "/one"), { status: 200, body: "up /one" });

  // Restart on the same data directory: the listener is reopened from storage.
  await s.stop();
  await assert.rejects(get(port), (e: NodeJS.ErrnoException) => e.code === "ECONNREFUSED");
  s = await startTestServer({ dataDir: s.dataDir, rootKey: s.rootKey, env: { BULWARK_DATAPLANE_HEALTH_CHECK_TIME_SCALE: "0.02" } });
  elb = new ElasticLoadBalancingV2Client(s.clientConfig());
  assert.deepEqual(await get(port, "/two"), { status: 200, body: "up /two" });
  const listed = await elb.send(new DescribeListenersCommand({ LoadBalancerArn: lbArn }));
  assert.deepEqual(listed.Listeners!.map((x) => x.Port), [port]);
  assert.deepEqual((await elb.send(new DescribeTargetGroupsCommand({ LoadBalancerArn: lbArn }))).TargetGroups!.map((g) => g.TargetGroupArn), [tgArn]);

  // A fixed response replaces forwarding on the same port without rebinding.
  await elb.send(new ModifyListenerCommand({ ListenerArn: l.Listeners![0]!.ListenerArn!, DefaultActions: [{ Type: "fixed-response", FixedResponseConfig: { StatusCode: "418", ContentType: "text/plain", MessageBody: "teapot" } }] }));
  assert.deepEqual(await get(port), { status: 418, body: "teapot" });

  await elb.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: lbArn }));
  await assert.rejects(get(port), (e: NodeJS.ErrnoException) => e.code === "ECONNREFUSED");
  await elb.send(new DeleteTargetGroupCommand({ TargetGroupArn: tgArn }));
});
