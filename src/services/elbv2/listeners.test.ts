import { describe, test } from "node:test";
import assert from "node:assert/strict";
import type { Listener, TargetGroup, TargetHealthDescription } from "@aws-sdk/client-elastic-load-balancing-v2";
import { ACCOUNT, REGION, createFixture, expectError, type Fixture } from "./testing/fixture.js";
import { createElbv2Service } from "./service.js";

async function lb(f: Fixture, name = "web"): Promise<string> {
  return (await f.call<{ LoadBalancers: Array<{ LoadBalancerArn: string }> }>("CreateLoadBalancer", { Name: name })).LoadBalancers[0]!.LoadBalancerArn;
}

async function tg(f: Fixture, name = "app", extra: Record<string, unknown> = {}): Promise<string> {
  return (await f.call<{ TargetGroups: TargetGroup[] }>("CreateTargetGroup", { Name: name, Protocol: "HTTP", Port: 80, TargetType: "ip", ...extra })).TargetGroups[0]!.TargetGroupArn!;
}

const forward = (arn: string): Array<Record<string, unknown>> => [{ Type: "forward", TargetGroupArn: arn }];

describe("target groups and targets", () => {
  test("defaults, health-check validation and idempotency", async () => {
    const f = createFixture();
    const out = await f.call<{ TargetGroups: TargetGroup[] }>("CreateTargetGroup", { Name: "app", Protocol: "HTTP", Port: 8080 });
    const g = out.TargetGroups[0]!;
    assert.match(g.TargetGroupArn!, new RegExp(`^arn:aws:elasticloadbalancing:${REGION}:${ACCOUNT}:targetgroup/app/[0-9a-f]{16}$`));
    assert.deepEqual(
      [g.HealthCheckProtocol, g.HealthCheckPort, g.HealthCheckPath, g.HealthCheckIntervalSeconds, g.HealthCheckTimeoutSeconds, g.HealthyThresholdCount, g.UnhealthyThresholdCount, g.Matcher?.HttpCode, g.TargetType],
      ["HTTP", "traffic-port", "/", 30, 5, 5, 2, "200", "instance"],
    );
    const again = await f.call<{ TargetGroups: TargetGroup[] }>("CreateTargetGroup", { Name: "app", Protocol: "HTTP", Port: 8080 });
    assert.equal(again.TargetGroups[0]!.TargetGroupArn, g.TargetGroupArn);
    await expectError(f.call("CreateTargetGroup", { Name: "app", Protocol: "HTTP", Port: 9090 }), "DuplicateTargetGroupName", "A target group with the same name 'app' exists, but with different settings");
    await expectError(f.call("CreateTargetGroup", { Name: "x", Protocol: "HTTP", Port: 80, HealthCheckIntervalSeconds: 5, HealthCheckTimeoutSeconds: 5 }), "ValidationError", "Health check timeout '5' must be smaller than the interval '5'");
    await expectError(f.call("CreateTargetGroup", { Name: "x", Protocol: "HTTP", Port: 80, Matcher: { HttpCode: "600" } }), "ValidationError", /matcher HTTP code '600'/);
    await expectError(f.call("CreateTargetGroup", { Name: "x", Protocol: "TCP", Port: 80 }), "ValidationError", /Protocol 'TCP' is not supported/);
    await expectError(f.call("CreateTargetGroup", { Name: "x", Protocol: "HTTP", Port: 0 }), "ValidationError", /between 1 and 65535/);
    await expectError(f.call("CreateTargetGroup", { Name: "x", Protocol: "HTTP", Port: 80, HealthyThresholdCount: 11 }), "ValidationError", /between 2 and 10/);
    for (const path of ["/health check", "/h\u00e9", "/a\tb"]) {
      await expectError(f.call("CreateTargetGroup", { Name: "x", Protocol: "HTTP", Port: 80, HealthCheckPath: path }), "ValidationError", `Health check path '${path}' must contain only printable ASCII characters, without spaces`);
      await expectError(f.call("ModifyTargetGroup", { TargetGroupArn: g.TargetGroupArn, HealthCheckPath: path }), "ValidationError", /printable ASCII/);
    }
    for (const name of ["AWSALB", "AWSALBAPP-1", "AWSALBTGx"]) {
      await expectError(
        f.call("ModifyTargetGroupAttributes", { TargetGroupArn: g.TargetGroupArn, Attributes: [{ Key: "stickiness.app_cookie.cookie_name", Value: name }] }),
        "ValidationError",
        `Target group attribute value '${name}' is not valid for key 'stickiness.app_cookie.cookie_name'`,
      );
    }
    await f.call("ModifyTargetGroupAttributes", { TargetGroupArn: g.TargetGroupArn, Attributes: [{ Key: "stickiness.app_cookie.cookie_name", Value: "SESSION" }] });
    const mod = await f.call<{ TargetGroups: TargetGroup[] }>("ModifyTargetGroup", { TargetGroupArn: g.TargetGroupArn, HealthCheckPath: "/health", Matcher: { HttpCode: "200-299" } });
    assert.equal(mod.TargetGroups[0]!.HealthCheckPath, "/health");
    assert.equal(f.runtime.groups.get(g.TargetGroupArn!)?.healthCheck.matcher, "200-299");
  });

  test("register, deregister, health and quotas", async () => {
    const f = createFixture({ quotas: { targetsPerTargetGroup: 2 } });
    const arn = await tg(f);
    await f.call("RegisterTargets", { TargetGroupArn: arn, Targets: [{ Id: "10.0.0.1" }, { Id: "backend.internal", Port: 8081 }] });
    await f.call("RegisterTargets", { TargetGroupArn: arn, Targets: [{ Id: "10.0.0.1" }] });
    assert.deepEqual(f.runtime.groups.get(arn)?.targets, [
      { id: "10.0.0.1", port: 80 },
      { id: "backend.internal", port: 8081 },
    ]);
    await expectError(f.call("RegisterTargets", { TargetGroupArn: arn, Targets: [{ Id: "10.0.0.3" }] }), "TooManyTargets");
    await expectError(f.call("RegisterTargets", { TargetGroupArn: arn, Targets: [{ Id: "bad host!" }] }), "InvalidTarget", "The target Id 'bad host!' is not a valid IP address or host name");
    // Neither addresses nor host names: a bad dotted quad, too many IPv6 groups, a zone index, an all-numeric last label.
    for (const id of ["256.0.0.1", "1.2.3.4.5", "1:2:3:4:5:6:7:8:9", ":::", "fe80::1%eth0", "host.123"]) {
      await expectError(f.call("RegisterTargets", { TargetGroupArn: arn, Targets: [{ Id: id }] }), "InvalidTarget", `The target Id '${id}' is not a valid IP address or host name`);
    }
    const health = await f.call<{ TargetHealthDescriptions: TargetHealthDescription[] }>("DescribeTargetHealth", { TargetGroupArn: arn, Targets: [{ Id: "10.0.0.1" }, { Id: "10.9.9.9" }] });
    assert.deepEqual(
      health.TargetHealthDescriptions.map((d) => [d.Target?.Id, d.Target?.Port, d.TargetHealth?.State, d.TargetHealth?.Reason]),
      [
        ["10.0.0.1", 80, "healthy", undefined],
        ["10.9.9.9", 80, "unused", "Target.NotRegistered"],
      ],
    );
    await expectError(f.call("DeregisterTargets", { TargetGroupArn: arn, Targets: [{ Id: "10.9.9.9" }] }), "InvalidTarget", `The following targets are not registered in target group '${arn}': '10.9.9.9:80'`);
    await f.call("DeregisterTargets", { TargetGroupArn: arn, Targets: [{ Id: "10.0.0.1" }] });
    assert.deepEqual(f.runtime.groups.get(arn)?.targets, [{ id: "backend.internal", port: 8081 }]);
  });
});

describe("listeners", () => {
  test("CreateListener binds the port with the forward action and reports the listener", async () => {
    const f = createFixture();
    const lbArn = await lb(f);
    const tgArn = await tg(f);
    const out = await f.call<{ Listeners: Listener[] }>("CreateListener", { LoadBalancerArn: lbArn, Protocol: "HTTP", Port: 8080, DefaultActions: forward(tgArn) });
    const l = out.Listeners[0]!;
    assert.match(l.ListenerArn!, new RegExp(`^arn:aws:elasticloadbalancing:${REGION}:${ACCOUNT}:listener/app/web/[0-9a-f]{16}/[0-9a-f]{16}$`));
    assert.deepEqual(l.DefaultActions, [{ Type: "forward", Order: 1, TargetGroupArn: tgArn, ForwardConfig: { TargetGroups: [{ TargetGroupArn: tgArn, Weight: 1 }], TargetGroupStickinessConfig: { Enabled: false } } }]);
    assert.deepEqual(f.runtime.listeners.get(l.ListenerArn!), { arn: l.ListenerArn, loadBalancerArn: lbArn, port: 8080, protocol: "HTTP", action: { type: "forward", targetGroups: [{ arn: tgArn, weight: 1 }] } });
    assert.equal(f.authorized.find((a) => a.action === "elasticloadbalancing:CreateListener")?.resource, lbArn);
    const groups = await f.call<{ TargetGroups: TargetGroup[] }>("DescribeTargetGroups", { LoadBalancerArn: lbArn });
    assert.deepEqual(groups.TargetGroups.map((g) => [g.TargetGroupArn, g.LoadBalancerArns]), [[tgArn, [lbArn]]]);
    const listed = await f.call<{ Listeners: Listener[] }>("DescribeListeners", { LoadBalancerArn: lbArn });
    assert.deepEqual(listed.Listeners.map((x) => x.Port), [8080]);
  });

  test("port conflicts: same load balancer → DuplicateListener; another load balancer or another program → InvalidConfigurationRequest", async () => {
    const f = createFixture();
    const a = await lb(f, "a");
    const b = await lb(f, "b");
    const fixed = [{ Type: "fixed-response", FixedResponseConfig: { StatusCode: "204" } }];
    await f.call("CreateListener", { LoadBalancerArn: a, Protocol: "HTTP", Port: 8080, DefaultActions: fixed });
    // Same settings again: idempotent.
    await f.call("CreateListener", { LoadBalancerArn: a, Protocol: "HTTP", Port: 8080, DefaultActions: fixed });
    await expectError(
      f.call("CreateListener", { LoadBalancerArn: a, Protocol: "HTTP", Port: 8080, DefaultActions: [{ Type: "fixed-response", FixedResponseConfig: { StatusCode: "503" } }] }),
      "DuplicateListener",
      `A listener already exists on this port for this load balancer '${a}'`,
    );
    await expectError(f.call("CreateListener", { LoadBalancerArn: b, Protocol: "HTTP", Port: 8080, DefaultActions: fixed }), "InvalidConfigurationRequest", "Port 8080 is not available on the data-plane address 127.0.0.1: it is used by a listener of another load balancer");
    f.runtime.taken.add(9090);
    await expectError(f.call("CreateListener", { LoadBalancerArn: b, Protocol: "HTTP", Port: 9090, DefaultActions: fixed }), "InvalidConfigurationRequest", "Port 9090 is not available on the data-plane address 127.0.0.1: the address cannot be bound (EADDRINUSE)");
    const listed = await f.call<{ Listeners: Listener[] }>("DescribeListeners", { LoadBalancerArn: b });
    assert.deepEqual(listed.Listeners, [], "nothing stored for the failed creates");
  });

  test("target-group rules: unknown, shared between load balancers, deleted while in use", async () => {
    const f = createFixture();
    const a = await lb(f, "a");
    const b = await lb(f, "b");
    const g = await tg(f);
    await expectError(f.call("CreateListener", { LoadBalancerArn: a, Protocol: "HTTP", Port: 80, DefaultActions: forward(g.replace(/[0-9a-f]{16}$/, "0000000000000000")) }), "TargetGroupNotFound", /^Target group 'arn:.*' not found$/);
    const l = await f.call<{ Listeners: Listener[] }>("CreateListener", { LoadBalancerArn: a, Protocol: "HTTP", Port: 80, DefaultActions: forward(g) });
    await expectError(f.call("CreateListener", { LoadBalancerArn: b, Protocol: "HTTP", Port: 81, DefaultActions: forward(g) }), "TargetGroupAssociationLimit");
    await expectError(f.call("DeleteTargetGroup", { TargetGroupArn: g }), "ResourceInUse", `Target group '${g}' is currently in use by a listener or a rule`);
    await f.call("DeleteListener", { ListenerArn: l.Listeners[0]!.ListenerArn });
    assert.ok(f.runtime.calls.includes("closeListener"));
    await f.call("DeleteTargetGroup", { TargetGroupArn: g });
    await f.call("DeleteTargetGroup", { TargetGroupArn: g });
    assert.equal(f.runtime.groups.size, 0);
    await expectError(f.call("DeleteListener", { ListenerArn: l.Listeners[0]!.ListenerArn }), "ListenerNotFound", "One or more listeners not found");
  });

  test("actions: redirect and fixed-response are checked; authenticate actions are refused", async () => {
    const f = createFixture();
    const a = await lb(f);
    await expectError(f.call("CreateListener", { LoadBalancerArn: a, Port: 80, DefaultActions: [{ Type: "redirect", RedirectConfig: { StatusCode: "HTTP_301" } }] }), "InvalidLoadBalancerAction");
    await expectError(f.call("CreateListener", { LoadBalancerArn: a, Port: 80, DefaultActions: [{ Type: "fixed-response", FixedResponseConfig: { StatusCode: "302" } }] }), "ValidationError");
    await expectError(f.call("CreateListener", { LoadBalancerArn: a, Port: 80, DefaultActions: [{ Type: "authenticate-oidc", Order: 1 }] }), "InvalidLoadBalancerAction");
    await expectError(f.call("CreateListener", { LoadBalancerArn: a, Port: 80, Protocol: "TCP", DefaultActions: [] }), "UnsupportedProtocol");
    const out = await f.call<{ Listeners: Listener[] }>("CreateListener", { LoadBalancerArn: a, Port: 80, DefaultActions: [{ Type: "redirect", RedirectConfig: { Protocol: "HTTPS", Port: "443", StatusCode: "HTTP_301" } }] });
    assert.deepEqual(out.Listeners[0]!.DefaultActions![0]!.RedirectConfig, { Protocol: "HTTPS", Port: "443", Host: "#{host}", Path: "/#{path}", Query: "#{query}", StatusCode: "HTTP_301" });
    assert.deepEqual(f.runtime.listeners.get(out.Listeners[0]!.ListenerArn!)?.action, { type: "redirect", protocol: "HTTPS", host: "#{host}", port: "443", path: "/#{path}", query: "#{query}", statusCode: 301 });
  });

  test("redirect actions: HTTPS is never redirected to HTTP; status codes, keywords and lengths as API_RedirectActionConfig documents", async () => {
    const f = createFixture();
    const a = await lb(f);
    const red = (cfg: Record<string, unknown>) => [{ Type: "redirect", RedirectConfig: { StatusCode: "HTTP_301", ...cfg } }];
    await expectError(
      f.call("CreateListener", { LoadBalancerArn: a, Protocol: "HTTPS", Port: 8443, DefaultActions: red({ Protocol: "HTTP", Port: "80" }) }),
      "ValidationError",
      "You cannot redirect HTTPS to HTTP: an HTTPS listener's redirect protocol must be HTTPS or #{protocol}",
    );
    assert.equal(f.runtime.listeners.size, 0);
    const https = (await f.call<{ Listeners: Listener[] }>("CreateListener", { LoadBalancerArn: a, Protocol: "HTTPS", Port: 8443, DefaultActions: red({ Host: "other.example.com" }) })).Listeners[0]!.ListenerArn!;
    await expectError(f.call("ModifyListener", { ListenerArn: https, DefaultActions: red({ Protocol: "HTTP" }) }), "ValidationError", /You cannot redirect HTTPS to HTTP/);
    // HTTP to HTTP and HTTP to HTTPS are allowed; switching that listener to HTTPS is not while it redirects to HTTP.
    const http = (await f.call<{ Listeners: Listener[] }>("CreateListener", { LoadBalancerArn: a, Protocol: "HTTP", Port: 8080, DefaultActions: red({ Protocol: "HTTP", Host: "x.example.com" }) })).Listeners[0]!.ListenerArn!;
    await expectError(f.call("ModifyListener", { ListenerArn: http, Protocol: "HTTPS" }), "ValidationError", /You cannot redirect HTTPS to HTTP/);
    assert.equal(f.runtime.listeners.get(http)?.protocol, "HTTP");
    await f.call("ModifyListener", { ListenerArn: http, DefaultActions: red({ Protocol: "HTTPS" }) });

    const at = "defaultActions.1.member.redirectConfig";
    await expectError(
      f.call("ModifyListener", { ListenerArn: http, DefaultActions: red({ Host: "x.example.com", StatusCode: "HTTP_303" }) }),
      "ValidationError",
      `1 validation error detected: Value 'HTTP_303' at '${at}.statusCode' failed to satisfy constraint: Member must satisfy enum value set: [HTTP_301, HTTP_302]`,
    );
    const longHost = `${"h".repeat(121)}.example`;
    await expectError(f.call("ModifyListener", { ListenerArn: http, DefaultActions: red({ Host: longHost }) }), "ValidationError", `1 validation error detected: Value '${longHost}' at '${at}.host' failed to satisfy constraint: Member must have length less than or equal to 128`);
    await expectError(f.call("ModifyListener", { ListenerArn: http, DefaultActions: red({ Host: "" }) }), "ValidationError", `1 validation error detected: Value '' at '${at}.host' failed to satisfy constraint: Member must have length greater than or equal to 1`);
    await expectError(f.call("ModifyListener", { ListenerArn: http, DefaultActions: red({ Path: `/${"p".repeat(128)}` }) }), "ValidationError", /at 'defaultActions\.1\.member\.redirectConfig\.path' failed to satisfy constraint: Member must have length less than or equal to 128$/);
    await expectError(f.call("ModifyListener", { ListenerArn: http, DefaultActions: red({ Host: "x.example.com", Query: `q=${"v".repeat(127)}` }) }), "ValidationError", /redirectConfig\.query' failed to satisfy constraint: Member must have length less than or equal to 128$/);
    await expectError(f.call("ModifyListener", { ListenerArn: http, DefaultActions: red({ Host: "#{path}.example.com" }) }), "ValidationError", "Redirect host '#{path}.example.com' cannot contain #{path}: it can contain #{host}");
    await expectError(f.call("ModifyListener", { ListenerArn: http, DefaultActions: red({ Path: "/#{query}" }) }), "ValidationError", "Redirect path '/#{query}' cannot contain #{query}: it can contain #{host}, #{path}, #{port}");
    await expectError(f.call("ModifyListener", { ListenerArn: http, DefaultActions: red({ Path: "/#{protocol}/x" }) }), "ValidationError", /Redirect path '\/#\{protocol\}\/x' cannot contain #\{protocol\}/);
    await expectError(f.call("ModifyListener", { ListenerArn: http, DefaultActions: red({ Host: "x.example.com", Port: "#{query}" }) }), "ValidationError", "Redirect port '#{query}' is not valid");
    await expectError(f.call("ModifyListener", { ListenerArn: http, DefaultActions: red({ Host: "x.example.com", Query: "#{nope}" }) }), "ValidationError", /cannot contain #\{nope\}/);
    // At the limits, with every keyword where it is allowed.
    const ok = { Host: `#{host}.${"h".repeat(120)}`, Path: `/#{host}/#{port}/#{path}${"p".repeat(100)}`, Query: `#{protocol}#{host}#{port}#{path}#{query}${"q".repeat(80)}`, StatusCode: "HTTP_302" };
    const out = await f.call<{ Listeners: Listener[] }>("ModifyListener", { ListenerArn: http, DefaultActions: red(ok) });
    assert.deepEqual(out.Listeners[0]!.DefaultActions![0]!.RedirectConfig, { Protocol: "#{protocol}", Port: "#{port}", ...ok });
    await f.call("ModifyListener", { ListenerArn: http, DefaultActions: red({ Host: "x.example.com", Query: "" }) });
  });

  test("forward stickiness: DurationSeconds between 1 and 604800, required when Enabled is true", async () => {
    const f = createFixture();
    const a = await lb(f);
    const g = await tg(f);
    const fwd = (st: Record<string, unknown>) => [{ Type: "forward", ForwardConfig: { TargetGroups: [{ TargetGroupArn: g }], TargetGroupStickinessConfig: st } }];
    const at = "defaultActions.1.member.forwardConfig.targetGroupStickinessConfig.durationSeconds";
    for (const d of [0, 604801]) {
      await expectError(
        f.call("CreateListener", { LoadBalancerArn: a, Port: 80, DefaultActions: fwd({ Enabled: true, DurationSeconds: d }) }),
        "ValidationError",
        `1 validation error detected: Value '${d}' at '${at}' failed to satisfy constraint: Member must have value between 1 and 604800`,
      );
    }
    await expectError(
      f.call("CreateListener", { LoadBalancerArn: a, Port: 80, DefaultActions: fwd({ Enabled: true }) }),
      "ValidationError",
      "The target group stickiness duration must be specified when target group stickiness is enabled",
    );
    assert.equal(f.runtime.listeners.size, 0);
    const out = await f.call<{ Listeners: Listener[] }>("CreateListener", { LoadBalancerArn: a, Port: 80, DefaultActions: fwd({ Enabled: true, DurationSeconds: 604800 }) });
    assert.deepEqual(out.Listeners[0]!.DefaultActions![0]!.ForwardConfig?.TargetGroupStickinessConfig, { Enabled: true, DurationSeconds: 604800 });
    const off = await f.call<{ Listeners: Listener[] }>("ModifyListener", { ListenerArn: out.Listeners[0]!.ListenerArn, DefaultActions: fwd({ Enabled: false }) });
    assert.deepEqual(off.Listeners[0]!.DefaultActions![0]!.ForwardConfig?.TargetGroupStickinessConfig, { Enabled: false });
  });

  test("HTTPS without certificates presents a Bulwark-CA certificate for the DNS name; unknown certificates are refused", async () => {
    const f = createFixture();
    const a = await lb(f);
    const out = await f.call<{ Listeners: Listener[] }>("CreateListener", { LoadBalancerArn: a, Protocol: "HTTPS", Port: 8443, DefaultActions: [{ Type: "fixed-response", FixedResponseConfig: { StatusCode: "200" } }] });
    const l = out.Listeners[0]!;
    assert.deepEqual(l.Certificates, [{ CertificateArn: `arn:aws:acm:${REGION}:${ACCOUNT}:certificate/bulwark-ca` }]);
    assert.equal(l.SslPolicy, "ELBSecurityPolicy-2016-08");
    const spec = f.runtime.listeners.get(l.ListenerArn!)!;
    const dns = f.runtime.lbs.get(a)!.dnsName;
    assert.equal(spec.tls?.certPem, `CERT ${dns},localhost,127.0.0.1`);
    assert.equal(spec.tls?.keyPem, "KEY");
    assert.equal(spec.tls?.minVersion, "TLSv1.2");
    await expectError(
      f.call("CreateListener", { LoadBalancerArn: a, Protocol: "HTTPS", Port: 9443, Certificates: [{ CertificateArn: `arn:aws:acm:${REGION}:${ACCOUNT}:certificate/00000000-0000-0000-0000-000000000000` }], DefaultActions: [{ Type: "fixed-response", FixedResponseConfig: { StatusCode: "200" } }] }),
      "CertificateNotFound",
    );
    for (const SslPolicy of ["ELBSecurityPolicy-Nope", "ELBSecurityPolicy-2016-13", "ELBSecurityPolicy-"]) {
      await expectError(f.call("ModifyListener", { ListenerArn: l.ListenerArn, SslPolicy }), "SSLPolicyNotFound", `SSL policy '${SslPolicy}' not found`);
    }
    const mod = await f.call<{ Listeners: Listener[] }>("ModifyListener", { ListenerArn: l.ListenerArn, Port: 9443, SslPolicy: "ELBSecurityPolicy-TLS13-1-3-2021-06" });
    assert.equal(mod.Listeners[0]!.Port, 9443);
    assert.equal(f.runtime.listeners.get(l.ListenerArn!)?.port, 9443);
    assert.equal(f.runtime.listeners.get(l.ListenerArn!)?.tls?.minVersion, "TLSv1.3");
    const toHttp = await f.call<{ Listeners: Listener[] }>("ModifyListener", { ListenerArn: l.ListenerArn, Protocol: "HTTP" });
    assert.equal(toHttp.Listeners[0]!.Certificates, undefined);
  });

  test("restore reopens every stored listener in a fresh service", async () => {
    const f = createFixture();
    const a = await lb(f);
    const g = await tg(f);
    await f.call("CreateListener", { LoadBalancerArn: a, Protocol: "HTTP", Port: 8080, DefaultActions: forward(g) });
    await f.call("RegisterTargets", { TargetGroupArn: g, Targets: [{ Id: "127.0.0.1", Port: 9000 }] });
    const again = createFixture({ store: f.store });
    const r = await again.service.restore();
    assert.deepEqual(r, { opened: 1, failed: [] });
    assert.equal([...again.runtime.listeners.values()][0]?.port, 8080);
    assert.deepEqual(again.runtime.groups.get(g)?.targets, [{ id: "127.0.0.1", port: 9000 }]);
    assert.ok(again.runtime.lbs.has(a));
    const blocked = createFixture({ store: f.store });
    blocked.runtime.taken.add(8080);
    assert.equal((await blocked.service.restore()).failed.length, 1);
    assert.equal(typeof createElbv2Service, "function");
  });
});

describe("tags", () => {
  test("add, replace, remove and describe across resource kinds", async () => {
    const f = createFixture({ quotas: { tagsPerResource: 3 } });
    const a = await lb(f);
    const g = await tg(f);
    await f.call("AddTags", { ResourceArns: [a, g], Tags: [{ Key: "team", Value: "red" }] });
    await f.call("AddTags", { ResourceArns: [a], Tags: [{ Key: "team", Value: "blue" }, { Key: "env", Value: "dev" }] });
    const d = await f.call<{ TagDescriptions: Array<{ ResourceArn: string; Tags: Array<{ Key: string; Value: string }> }> }>("DescribeTags", { ResourceArns: [a, g] });
    assert.deepEqual(d.TagDescriptions, [
      { ResourceArn: a, Tags: [{ Key: "team", Value: "blue" }, { Key: "env", Value: "dev" }] },
      { ResourceArn: g, Tags: [{ Key: "team", Value: "red" }] },
    ]);
    await expectError(f.call("AddTags", { ResourceArns: [a], Tags: [{ Key: "k", Value: "1" }, { Key: "k", Value: "2" }] }), "DuplicateTagKeys");
    await expectError(f.call("AddTags", { ResourceArns: [a], Tags: [{ Key: "x", Value: "1" }, { Key: "y", Value: "2" }] }), "TooManyTags");
    await f.call("RemoveTags", { ResourceArns: [a], TagKeys: ["team"] });
    const after = await f.call<{ TagDescriptions: Array<{ Tags: unknown[] }> }>("DescribeTags", { ResourceArns: [a] });
    assert.deepEqual(after.TagDescriptions[0]!.Tags, [{ Key: "env", Value: "dev" }]);
    await expectError(f.call("DescribeTags", { ResourceArns: [g.replace(/[0-9a-f]{16}$/, "0000000000000000")] }), "TargetGroupNotFound");
    const denyTagged = f.ctx((r) => r.action === "elasticloadbalancing:AddTags" && r.context?.["aws:ResourceTag/env"] === "dev");
    await expectError(f.call("AddTags", { ResourceArns: [a], Tags: [{ Key: "z", Value: "1" }] }, denyTagged), "AccessDeniedException");
  });
});
