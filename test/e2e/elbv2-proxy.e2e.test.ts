/**
 * ELBv2 through the real server and the official SDK, with real traffic: a load balancer,
 * a target group of a local upstream and HTTP + HTTPS listeners that really proxy —
 * X-Forwarded-*, streaming, keep-alive, health checks, 502/503, a web ACL's decisions,
 * and a deleted listener's port closing.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import https from "node:https";
import net from "node:net";
import type { TLSSocket } from "node:tls";
import type { AddressInfo } from "node:net";
import {
  ElasticLoadBalancingV2Client,
  CreateLoadBalancerCommand,
  CreateTargetGroupCommand,
  ModifyTargetGroupAttributesCommand,
  RegisterTargetsCommand,
  DeregisterTargetsCommand,
  CreateListenerCommand,
  DeleteListenerCommand,
  DescribeTargetHealthCommand,
  ModifyLoadBalancerAttributesCommand,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { startTestServer, eventually, type TestServer, freePort } from "./harness.js";
import type { InspectedRequest, WafDecision, WafEvaluator } from "../../src/dataplane/types.js";

let s: TestServer;
let elb: ElasticLoadBalancingV2Client;
let upstream: http.Server;
let upstreamPort: number;
let lbArn: string;
let dnsName: string;
let tgArn: string;
let httpPort: number;
const BIG = Buffer.alloc(6 * 1024 * 1024, 0x7a);

function startUpstream(port = 0): Promise<http.Server> {
  const srv = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      if (req.url === "/big") {
        res.writeHead(200, { "content-type": "application/octet-stream" });
        let off = 0;
        const pump = (): void => {
          while (off < BIG.length) {
            const ok = res.write(BIG.subarray(off, off + 65536));
            off += 65536;
            if (!ok) return void res.once("drain", pump);
          }
          res.end();
        };
        return pump();
      }
      res.writeHead(200, { "content-type": "application/json", "x-served-by": "upstream" });
      res.end(JSON.stringify({ url: req.url, method: req.method, headers: req.headers, body: Buffer.concat(chunks).toString() }));
    });
  });
  return new Promise((resolve) => srv.listen(port, "127.0.0.1", () => resolve(srv)));
}

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  reused: boolean;
}

function send(port: number, opts: { path?: string; method?: string; headers?: Record<string, string>; body?: string; agent?: http.Agent | false } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port, path: opts.path ?? "/", method: opts.method ?? "GET", headers: opts.headers, agent: opts.agent ?? false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), reused: req.reusedSocket }));
    });
    req.on("error", reject);
    req.end(opts.body);
  });
}

async function health(): Promise<Array<[string, string | undefined]>> {
  const out = await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: tgArn }));
  return (out.TargetHealthDescriptions ?? []).map((d) => [d.TargetHealth!.State!, d.TargetHealth!.Reason]);
}

before(async () => {
  s = await startTestServer({ env: { BULWARK_DATAPLANE_HEALTH_CHECK_TIME_SCALE: "0.02" } });
  elb = new ElasticLoadBalancingV2Client(s.clientConfig());
  upstream = await startUpstream();
  upstreamPort = (upstream.address() as AddressInfo).port;
  const lb = await elb.send(new CreateLoadBalancerCommand({ Name: "web", Subnets: ["subnet-a", "subnet-b"] }));
  lbArn = lb.LoadBalancers![0]!.LoadBalancerArn!;
  dnsName = lb.LoadBalancers![0]!.DNSName!;
  const tg = await elb.send(
    new CreateTargetGroupCommand({ Name: "app", Protocol: "HTTP", Port: upstreamPort, TargetType: "ip", HealthCheckIntervalSeconds: 5, HealthCheckTimeoutSeconds: 2, HealthyThresholdCount: 2, UnhealthyThresholdCount: 2, HealthCheckPath: "/health" }),
  );
  tgArn = tg.TargetGroups![0]!.TargetGroupArn!;
  await elb.send(new ModifyTargetGroupAttributesCommand({ TargetGroupArn: tgArn, Attributes: [{ Key: "deregistration_delay.timeout_seconds", Value: "0" }] }));
  await elb.send(new RegisterTargetsCommand({ TargetGroupArn: tgArn, Targets: [{ Id: "127.0.0.1" }] }));
  assert.deepEqual(await health(), [["unused", "Target.NotInUse"]]);
  httpPort = await freePort();
  await elb.send(new CreateListenerCommand({ LoadBalancerArn: lbArn, Protocol: "HTTP", Port: httpPort, DefaultActions: [{ Type: "forward", TargetGroupArn: tgArn }] }));
});

after(async () => {
  upstream.closeAllConnections();
  await new Promise((r) => upstream.close(r));
  await s.destroy();
});

test("targets become healthy once the listener uses the group", async () => {
  await eventually(async () => (await health())[0]?.[0] === "healthy", 5000);
});

test("requests are proxied with X-Forwarded-* and a trace id; large responses stream; connections are reused", async () => {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const r = await send(httpPort, { method: "POST", path: "/orders?id=7", headers: { "content-type": "text/plain", "x-forwarded-for": "203.0.113.9" }, body: "payload", agent });
  assert.equal(r.status, 200);
  assert.equal(r.headers["x-served-by"], "upstream");
  const echo = JSON.parse(r.body.toString()) as { url: string; method: string; body: string; headers: Record<string, string> };
  assert.equal(echo.url, "/orders?id=7");
  assert.equal(echo.method, "POST");
  assert.equal(echo.body, "payload");
  assert.equal(echo.headers["x-forwarded-for"], "203.0.113.9, 127.0.0.1");
  assert.equal(echo.headers["x-forwarded-proto"], "http");
  assert.equal(echo.headers["x-forwarded-port"], String(httpPort));
  assert.match(echo.headers["x-amzn-trace-id"]!, /^Root=1-[0-9a-f]{8}-[0-9a-f]{24}$/);
  const big = await send(httpPort, { path: "/big", agent });
  assert.equal(big.body.length, BIG.length);
  assert.ok(big.body.equals(BIG));
  assert.equal(big.reused, true);
  agent.destroy();
});

test("a web ACL set on the load balancer blocks, or allows with inserted headers", async () => {
  const seen: InspectedRequest[] = [];
  const acl = (d: Partial<WafDecision>): WafEvaluator => ({
    webAclArn: `arn:aws:wafv2:us-east-1:${s.accountId}:regional/webacl/test/1`,
    webAclName: "test",
    bodyInspectionLimit: 8192,
    evaluate: async (req) => {
      seen.push(req);
      return { action: "ALLOW", terminatingRuleId: "Default_Action", insertHeaders: [], labels: [], countedRules: [], matchedRules: [], ...d };
    },
  });
  s.app.dataPlane.setWebAcl(lbArn, acl({ action: "BLOCK", terminatingRuleId: "BlockAll" }));
  const blocked = await send(httpPort, { path: "/admin?x=%27" });
  assert.equal(blocked.status, 403);
  assert.match(blocked.body.toString(), /403 Forbidden/);
  assert.equal(seen[0]!.uri, "/admin?x=%27");
  s.app.dataPlane.setWebAcl(lbArn, acl({ insertHeaders: [["x-amzn-waf-tier", "gold"]] }));
  const allowed = await send(httpPort, { path: "/ok" });
  assert.equal(allowed.status, 200);
  assert.equal((JSON.parse(allowed.body.toString()) as { headers: Record<string, string> }).headers["x-amzn-waf-tier"], "gold");
  s.app.dataPlane.setWebAcl(lbArn, undefined);
});

test("an HTTPS listener presents a Bulwark-CA certificate for the load balancer's DNS name", async () => {
  const port = await freePort();
  const l = await elb.send(new CreateListenerCommand({ LoadBalancerArn: lbArn, Protocol: "HTTPS", Port: port, DefaultActions: [{ Type: "forward", TargetGroupArn: tgArn }] }));
  assert.equal(l.Listeners![0]!.Certificates![0]!.CertificateArn, `arn:aws:acm:us-east-1:${s.accountId}:certificate/bulwark-ca`);
  const body = await new Promise<string>((resolve, reject) => {
    const req = https.request({ host: "127.0.0.1", port, path: "/tls", ca: s.app.caCertPem, servername: dnsName, agent: false }, (res) => {
      let b = "";
      res.on("data", (c: Buffer) => (b += c.toString()));
      res.on("end", () => resolve(b));
    });
    req.on("error", reject);
    req.end();
  });
  const echo = JSON.parse(body) as { url: string; headers: Record<string, string> };
  assert.equal(echo.url, "/tls");
  assert.equal(echo.headers["x-forwarded-proto"], "https");
  await elb.send(new DeleteListenerCommand({ ListenerArn: l.Listeners![0]!.ListenerArn! }));
  await assert.rejects(
    new Promise((resolve, reject) => {
      const c = net.connect({ host: "127.0.0.1", port }, () => resolve(c));
      c.on("error", reject);
    }),
    (e: NodeJS.ErrnoException) => e.code === "ECONNREFUSED",
  );
});

test("with x_amzn_tls_version_and_cipher_suite on, the target gets the listener's TLS facts, never a client's header of the same name", async () => {
  const port = await freePort();
  const l = await elb.send(new CreateListenerCommand({ LoadBalancerArn: lbArn, Protocol: "HTTPS", Port: port, DefaultActions: [{ Type: "forward", TargetGroupArn: tgArn }] }));
  const forged = { "x-amzn-tls-version": "TLSv1", "X-Amzn-Tls-Cipher-Suite": "NULL-SHA" };
  const get = (): Promise<{ headers: Record<string, string>; version: string; cipher: string }> =>
    new Promise((resolve, reject) => {
      const req = https.request({ host: "127.0.0.1", port, path: "/tls-facts", ca: s.app.caCertPem, servername: dnsName, agent: false, headers: forged }, (res) => {
        const sock = res.socket as TLSSocket;
        const version = sock.getProtocol() ?? "";
        const cipher = sock.getCipher().name;
        let b = "";
        res.on("data", (c: Buffer) => (b += c.toString()));
        res.on("end", () => resolve({ headers: (JSON.parse(b) as { headers: Record<string, string> }).headers, version, cipher }));
      });
      req.on("error", reject);
      req.end();
    });
  try {
    // Off (the default): the load balancer adds nothing, and the client's headers pass as sent.
    const off = await get();
    assert.equal(off.headers["x-amzn-tls-version"], "TLSv1");
    assert.equal(off.headers["x-amzn-tls-cipher-suite"], "NULL-SHA");
    await elb.send(new ModifyLoadBalancerAttributesCommand({ LoadBalancerArn: lbArn, Attributes: [{ Key: "routing.http.x_amzn_tls_version_and_cipher_suite.enabled", Value: "true" }] }));
    const on = await get();
    assert.match(on.version, /^TLSv1\.[23]$/);
    assert.equal(on.headers["x-amzn-tls-version"], on.version);
    assert.equal(on.headers["x-amzn-tls-cipher-suite"], on.cipher);
  } finally {
    await elb.send(new ModifyLoadBalancerAttributesCommand({ LoadBalancerArn: lbArn, Attributes: [{ Key: "routing.http.x_amzn_tls_version_and_cipher_suite.enabled", Value: "false" }] }));
    await elb.send(new DeleteListenerCommand({ ListenerArn: l.Listeners![0]!.ListenerArn! }));
  }
});

test("a dead target turns unhealthy and answers 502; no registered target answers 503", async () => {
  upstream.closeAllConnections();
  await new Promise((r) => upstream.close(r));
  // A refused connection is Target.FailedHealthChecks; on a loaded machine one check may instead
  // outlive its (time-scaled, 40 ms) timeout, so wait for a check that saw the refusal.
  await eventually(async () => JSON.stringify(await health()) === JSON.stringify([["unhealthy", "Target.FailedHealthChecks"]]), 5000);
  // With no healthy target the group fails open, as ALB does: the dead target is tried.
  const dead = await send(httpPort);
  assert.equal(dead.status, 502);
  assert.match(dead.body.toString(), /502 Bad Gateway/);
  upstream = await startUpstream(upstreamPort);
  await eventually(async () => (await health())[0]?.[0] === "healthy", 5000);
  assert.equal((await send(httpPort)).status, 200);
  await elb.send(new DeregisterTargetsCommand({ TargetGroupArn: tgArn, Targets: [{ Id: "127.0.0.1" }] }));
  // The group's deregistration delay is 0: no draining.
  assert.deepEqual(await health(), []);
  const none = await send(httpPort);
  assert.equal(none.status, 503);
  assert.match(none.body.toString(), /503 Service Temporarily Unavailable/);
});
