import { describe, test } from "node:test";
import assert from "node:assert/strict";
import type { LoadBalancer } from "@aws-sdk/client-elastic-load-balancing-v2";
import { ACCOUNT, REGION, createFixture, expectError } from "./testing/fixture.js";

type LbOut = { LoadBalancers: LoadBalancer[]; NextMarker?: string };

describe("CreateLoadBalancer", () => {
  test("creates an application load balancer with an ELB-shaped ARN and DNS name, authorised on that ARN", async () => {
    const f = createFixture();
    const out = await f.call<LbOut>("CreateLoadBalancer", { Name: "web", Subnets: ["subnet-1", "subnet-2"], SecurityGroups: ["sg-1"], Scheme: "internal", Tags: [{ Key: "env", Value: "prod" }] });
    const lb = out.LoadBalancers[0]!;
    assert.match(lb.LoadBalancerArn!, new RegExp(`^arn:aws:elasticloadbalancing:${REGION}:${ACCOUNT}:loadbalancer/app/web/[0-9a-f]{16}$`));
    assert.match(lb.DNSName!, new RegExp(`^internal-web-\\d{10}\\.${REGION}\\.elb\\.localhost$`));
    assert.equal(lb.Type, "application");
    assert.equal(lb.Scheme, "internal");
    // Provisioning in CreateLoadBalancer's answer, active from then on.
    assert.equal(lb.State?.Code, "provisioning");
    const described = await f.call<LbOut>("DescribeLoadBalancers", { Names: ["web"] });
    assert.equal(described.LoadBalancers[0]!.State?.Code, "active");
    assert.deepEqual(lb.SecurityGroups, ["sg-1"]);
    assert.deepEqual(lb.AvailabilityZones?.map((z) => [z.ZoneName, z.SubnetId]), [
      [`${REGION}a`, "subnet-1"],
      [`${REGION}b`, "subnet-2"],
    ]);
    const auth = f.authorized.find((a) => a.action === "elasticloadbalancing:CreateLoadBalancer")!;
    assert.equal(auth.resource, lb.LoadBalancerArn);
    assert.deepEqual(auth.context, { "aws:TagKeys": ["env"], "aws:RequestTag/env": "prod" });
    assert.equal(f.runtime.lbs.get(lb.LoadBalancerArn!)?.settings.idleTimeoutSeconds, 60);
  });

  test("is idempotent for the same settings; other settings under the same name are a duplicate", async () => {
    const f = createFixture();
    const a = await f.call<LbOut>("CreateLoadBalancer", { Name: "web", Subnets: ["s-1", "s-2"] });
    const b = await f.call<LbOut>("CreateLoadBalancer", { Name: "web", Subnets: ["s-2", "s-1"] });
    assert.equal(b.LoadBalancers[0]!.LoadBalancerArn, a.LoadBalancers[0]!.LoadBalancerArn);
    assert.deepEqual([a.LoadBalancers[0]!.State?.Code, b.LoadBalancers[0]!.State?.Code], ["provisioning", "active"]);
    await expectError(f.call("CreateLoadBalancer", { Name: "web", Scheme: "internal" }), "DuplicateLoadBalancerName", "A load balancer with the same name 'web' exists, but with different settings");
  });

  test("an application load balancer needs two subnets, each in its own Availability Zone", async () => {
    const f = createFixture();
    await expectError(f.call("CreateLoadBalancer", { Name: "one", Subnets: ["subnet-a"] }), "ValidationError", "At least two subnets in two different Availability Zones must be specified");
    await expectError(f.call("CreateLoadBalancer", { Name: "one", SubnetMappings: [{ SubnetId: "subnet-a" }] }), "ValidationError", "At least two subnets in two different Availability Zones must be specified");
    await expectError(
      f.call("CreateLoadBalancer", { Name: "twice", Subnets: ["subnet-a", "subnet-a"] }),
      "InvalidConfigurationRequest",
      "A load balancer cannot be attached to multiple subnets in the same Availability Zone",
    );
    const ok = await f.call<LbOut>("CreateLoadBalancer", { Name: "two", Subnets: ["subnet-a", "subnet-b"] });
    assert.deepEqual(ok.LoadBalancers[0]!.AvailabilityZones!.map((z) => z.SubnetId), ["subnet-a", "subnet-b"]);
  });

  test("refuses bad names, unsupported types and the quota", async () => {
    const f = createFixture({ quotas: { loadBalancersPerRegion: 1 } });
    await expectError(f.call("CreateLoadBalancer", { Name: "-web" }), "ValidationError", "Load balancer name '-web' cannot begin or end with '-'");
    await expectError(f.call("CreateLoadBalancer", { Name: "internal-x" }), "ValidationError", /cannot begin with 'internal-'/);
    await expectError(f.call("CreateLoadBalancer", { Name: "a".repeat(33) }), "ValidationError", /between 1 and 32/);
    await expectError(f.call("CreateLoadBalancer", { Name: "web_1" }), "ValidationError", /alphanumeric/);
    await expectError(f.call("CreateLoadBalancer", { Name: "net", Type: "network" }), "ValidationError", /not supported/);
    await f.call("CreateLoadBalancer", { Name: "one" });
    await expectError(f.call("CreateLoadBalancer", { Name: "two" }), "TooManyLoadBalancers");
  });

  test("an implicit deny stores nothing", async () => {
    const f = createFixture();
    const deny = f.ctx((r) => r.action === "elasticloadbalancing:CreateLoadBalancer");
    await expectError(f.call("CreateLoadBalancer", { Name: "web" }, deny), "AccessDeniedException");
    const out = await f.call<LbOut>("DescribeLoadBalancers", {});
    assert.deepEqual(out.LoadBalancers, []);
  });
});

describe("DescribeLoadBalancers", () => {
  test("by name, by ARN, pages with PageSize and Marker", async () => {
    const f = createFixture();
    const arns: string[] = [];
    for (const n of ["c", "a", "b"]) arns.push((await f.call<LbOut>("CreateLoadBalancer", { Name: n })).LoadBalancers[0]!.LoadBalancerArn!);
    const p1 = await f.call<LbOut>("DescribeLoadBalancers", { PageSize: 2 });
    assert.deepEqual(p1.LoadBalancers.map((l) => l.LoadBalancerName), ["a", "b"]);
    assert.ok(p1.NextMarker);
    const p2 = await f.call<LbOut>("DescribeLoadBalancers", { PageSize: 2, Marker: p1.NextMarker });
    assert.deepEqual(p2.LoadBalancers.map((l) => l.LoadBalancerName), ["c"]);
    assert.equal(p2.NextMarker, undefined);
    const byArn = await f.call<LbOut>("DescribeLoadBalancers", { LoadBalancerArns: [arns[0]] });
    assert.equal(byArn.LoadBalancers[0]!.LoadBalancerName, "c");
    await expectError(f.call("DescribeLoadBalancers", { Names: ["a", "zz", "yy"] }), "LoadBalancerNotFound", "Load balancers '[zz, yy]' not found");
    await expectError(f.call("DescribeLoadBalancers", { LoadBalancerArns: [arns[0]!.replace(/[0-9a-f]{16}$/, "0000000000000000")] }), "LoadBalancerNotFound", "One or more load balancers not found");
    await expectError(f.call("DescribeLoadBalancers", { Names: ["a"], LoadBalancerArns: [arns[0]] }), "ValidationError");
    await expectError(f.call("DescribeLoadBalancers", { LoadBalancerArns: ["arn:aws:nope"] }), "ValidationError", "'arn:aws:nope' is not a valid load balancer ARN");
    await expectError(f.call("DescribeLoadBalancers", { Marker: "garbage!" }), "ValidationError", "The marker is not valid");
    assert.equal(f.authorized.filter((a) => a.action === "elasticloadbalancing:DescribeLoadBalancers").every((a) => a.resource === "*"), true);
  });

  test("another region or account sees nothing", async () => {
    const f = createFixture();
    const arn = (await f.call<LbOut>("CreateLoadBalancer", { Name: "web" })).LoadBalancers[0]!.LoadBalancerArn;
    const other = await f.call<LbOut>("DescribeLoadBalancers", {}, f.ctx(undefined, "us-west-2"));
    assert.deepEqual(other.LoadBalancers, []);
    await expectError(f.call("DescribeLoadBalancers", { LoadBalancerArns: [arn] }, f.ctx(undefined, REGION, "444455556666")), "LoadBalancerNotFound");
  });
});

describe("attributes and deletion", () => {
  test("ModifyLoadBalancerAttributes validates keys and values and reaches the data plane", async () => {
    const f = createFixture();
    const arn = (await f.call<LbOut>("CreateLoadBalancer", { Name: "web" })).LoadBalancers[0]!.LoadBalancerArn!;
    const out = await f.call<{ Attributes: Array<{ Key: string; Value: string }> }>("ModifyLoadBalancerAttributes", {
      LoadBalancerArn: arn,
      Attributes: [
        { Key: "idle_timeout.timeout_seconds", Value: "5" },
        { Key: "routing.http.xff_header_processing.mode", Value: "preserve" },
      ],
    });
    assert.equal(out.Attributes.find((a) => a.Key === "idle_timeout.timeout_seconds")?.Value, "5");
    const spec = f.runtime.lbs.get(arn)!;
    assert.equal(spec.settings.idleTimeoutSeconds, 5);
    assert.equal(spec.settings.xffMode, "preserve");
    await expectError(f.call("ModifyLoadBalancerAttributes", { LoadBalancerArn: arn, Attributes: [{ Key: "idle_timeout.timeout_seconds", Value: "0" }] }), "ValidationError", "Load balancer attribute value '0' is not valid for key 'idle_timeout.timeout_seconds'");
    await expectError(f.call("ModifyLoadBalancerAttributes", { LoadBalancerArn: arn, Attributes: [{ Key: "nope", Value: "1" }] }), "ValidationError", "Load balancer attribute key 'nope' is not recognized");
    const described = await f.call<{ Attributes: Array<{ Key: string; Value: string }> }>("DescribeLoadBalancerAttributes", { LoadBalancerArn: arn });
    assert.equal(described.Attributes.find((a) => a.Key === "deletion_protection.enabled")?.Value, "false");
  });

  test("has every Application Load Balancer attribute: IGW traffic denied to internal ones, health check and connection logs need a bucket", async () => {
    const f = createFixture();
    type Attrs = { Attributes: Array<{ Key: string; Value: string }> };
    const value = (out: Attrs, key: string): string | undefined => out.Attributes.find((a) => a.Key === key)?.Value;
    const external = (await f.call<LbOut>("CreateLoadBalancer", { Name: "web" })).LoadBalancers[0]!.LoadBalancerArn!;
    const internal = (await f.call<LbOut>("CreateLoadBalancer", { Name: "app", Scheme: "internal" })).LoadBalancers[0]!.LoadBalancerArn!;
    const described = await f.call<Attrs>("DescribeLoadBalancerAttributes", { LoadBalancerArn: external });
    assert.deepEqual(
      ["ipv6.deny_all_igw_traffic", "health_check_logs.s3.enabled", "health_check_logs.s3.bucket", "health_check_logs.s3.prefix"].map((k) => value(described, k)),
      ["false", "false", "", ""],
    );
    assert.equal(value(await f.call<Attrs>("DescribeLoadBalancerAttributes", { LoadBalancerArn: internal }), "ipv6.deny_all_igw_traffic"), "true");
    const modified = await f.call<Attrs>("ModifyLoadBalancerAttributes", {
      LoadBalancerArn: internal,
      Attributes: [
        { Key: "ipv6.deny_all_igw_traffic", Value: "false" },
        { Key: "health_check_logs.s3.enabled", Value: "true" },
        { Key: "health_check_logs.s3.bucket", Value: "logs" },
      ],
    });
    assert.deepEqual(["ipv6.deny_all_igw_traffic", "health_check_logs.s3.enabled", "health_check_logs.s3.bucket"].map((k) => value(modified, k)), ["false", "true", "logs"]);
    await expectError(f.call("ModifyLoadBalancerAttributes", { LoadBalancerArn: external, Attributes: [{ Key: "ipv6.deny_all_igw_traffic", Value: "yes" }] }), "ValidationError", "Load balancer attribute value 'yes' is not valid for key 'ipv6.deny_all_igw_traffic'");
    await expectError(f.call("ModifyLoadBalancerAttributes", { LoadBalancerArn: external, Attributes: [{ Key: "health_check_logs.s3.enabled", Value: "true" }] }), "ValidationError", "The value of 'health_check_logs.s3.bucket' cannot be empty when health check logs are enabled");
    await expectError(f.call("ModifyLoadBalancerAttributes", { LoadBalancerArn: external, Attributes: [{ Key: "connection_logs.s3.enabled", Value: "true" }] }), "ValidationError", "The value of 'connection_logs.s3.bucket' cannot be empty when connection logs are enabled");
  });

  test("deletion protection blocks DeleteLoadBalancer; deleting removes listeners; a missing load balancer deletes fine", async () => {
    const f = createFixture();
    const arn = (await f.call<LbOut>("CreateLoadBalancer", { Name: "web" })).LoadBalancers[0]!.LoadBalancerArn!;
    await f.call("CreateListener", { LoadBalancerArn: arn, Protocol: "HTTP", Port: 8080, DefaultActions: [{ Type: "fixed-response", FixedResponseConfig: { StatusCode: "200" } }] });
    await f.call("ModifyLoadBalancerAttributes", { LoadBalancerArn: arn, Attributes: [{ Key: "deletion_protection.enabled", Value: "true" }] });
    await expectError(f.call("DeleteLoadBalancer", { LoadBalancerArn: arn }), "OperationNotPermitted", `Load balancer '${arn}' cannot be deleted because deletion protection is enabled`);
    await f.call("ModifyLoadBalancerAttributes", { LoadBalancerArn: arn, Attributes: [{ Key: "deletion_protection.enabled", Value: "false" }] });
    await f.call("DeleteLoadBalancer", { LoadBalancerArn: arn });
    assert.equal(f.runtime.listeners.size, 0);
    assert.ok(f.runtime.calls.includes("removeLoadBalancer"));
    await f.call("DeleteLoadBalancer", { LoadBalancerArn: arn });
    await expectError(f.call("DescribeListeners", { LoadBalancerArn: arn }), "LoadBalancerNotFound");
  });
});

describe("routing.http.preserve_host_header.enabled", () => {
  test("is false by default, described, and reaches the data plane when modified", async () => {
    const f = createFixture();
    const arn = (await f.call<LbOut>("CreateLoadBalancer", { Name: "web" })).LoadBalancers[0]!.LoadBalancerArn!;
    const value = async () =>
      (await f.call<{ Attributes: Array<{ Key: string; Value: string }> }>("DescribeLoadBalancerAttributes", { LoadBalancerArn: arn })).Attributes.find((a) => a.Key === "routing.http.preserve_host_header.enabled")?.Value;
    assert.equal(await value(), "false");
    assert.equal(f.runtime.lbs.get(arn)?.settings.preserveHostHeader, false);
    await f.call("ModifyLoadBalancerAttributes", { LoadBalancerArn: arn, Attributes: [{ Key: "routing.http.preserve_host_header.enabled", Value: "true" }] });
    assert.equal(await value(), "true");
    assert.equal(f.runtime.lbs.get(arn)?.settings.preserveHostHeader, true);
    await expectError(f.call("ModifyLoadBalancerAttributes", { LoadBalancerArn: arn, Attributes: [{ Key: "routing.http.preserve_host_header.enabled", Value: "yes" }] }), "ValidationError");
  });
});
