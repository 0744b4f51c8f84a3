/**
 * Requests with methods node's HTTP parser does not know (FOO, PROBE …) and CONNECT, sent on
 * raw sockets through a load-balancer listener with a web ACL: the web ACL judges them like
 * any request (Method field-to-match, URI, headers, labels), a Block rule answers with its
 * custom response, and what the web ACL lets through is refused as the load balancer cannot
 * forward it (405; 400 for CONNECT). The WAF log, GetSampledRequests and the target show it.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import net from "node:net";
import { readFileSync, existsSync } from "node:fs";
import path from "node:path";
import type { AddressInfo } from "node:net";
import { ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import { WAFV2Client, CreateWebACLCommand, AssociateWebACLCommand, GetSampledRequestsCommand, PutLoggingConfigurationCommand } from "@aws-sdk/client-wafv2";
import { startTestServer, eventually, type TestServer } from "./harness.js";
import { loadBalancerInFront } from "./dataplane-support.js";
import { rawAnswer, type RawAnswer } from "./raw-socket.js";

let s: TestServer;
let upstream: http.Server;
const reached: string[] = [];
let port: number;
let aclArn: string;

const vis = (MetricName: string) => ({ SampledRequestsEnabled: true, CloudWatchMetricsEnabled: true, MetricName });

/** One request written as raw bytes; resolves with everything the listener sent until it closed. */
function raw(bytes: string): Promise<RawAnswer> {
  const c = net.connect(port, "127.0.0.1", () => c.write(bytes));
  return rawAnswer(c);
}

function get(p: string): Promise<number> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: "127.0.0.1", port, path: p, agent: false }, (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      })
      .on("error", reject);
  });
}

before(async () => {
  s = await startTestServer({ env: { BULWARK_DATAPLANE_HEALTH_CHECK_TIME_SCALE: "0.02" } });
  const waf = new WAFV2Client(s.clientConfig());
  const elb = new ElasticLoadBalancingV2Client(s.clientConfig());
  upstream = http.createServer((req, res) => {
    if (req.headers["user-agent"] !== "ELB-HealthChecker/2.0") reached.push(`${req.method} ${req.url}`);
    res.end("ok");
  });
  await new Promise<void>((r) => upstream.listen(0, "127.0.0.1", r));
  const front = await loadBalancerInFront(elb, "methods", (upstream.address() as AddressInfo).port);
  const lbArn = front.lbArn;
  port = front.port;
  await eventually(async () => (await get("/")) === 200, 10_000);
  reached.length = 0;

  const created = await waf.send(
    new CreateWebACLCommand({
      Name: "methods",
      Scope: "REGIONAL",
      DefaultAction: { Allow: {} },
      VisibilityConfig: vis("methods"),
      CustomResponseBodies: { nope: { ContentType: "TEXT_PLAIN", Content: "no FOO here" } },
      Rules: [
        {
          Name: "no-foo",
          Priority: 0,
          Action: { Block: { CustomResponse: { ResponseCode: 451, CustomResponseBodyKey: "nope", ResponseHeaders: [{ Name: "reason", Value: "method" }] } } },
          Statement: { ByteMatchStatement: { SearchString: new TextEncoder().encode("FOO"), FieldToMatch: { Method: {} }, TextTransformations: [{ Priority: 0, Type: "NONE" }], PositionalConstraint: "EXACTLY" } },
          VisibilityConfig: vis("no-foo"),
        },
        {
          Name: "no-secrets",
          Priority: 1,
          Action: { Block: {} },
          Statement: { ByteMatchStatement: { SearchString: new TextEncoder().encode("/secrets"), FieldToMatch: { UriPath: {} }, TextTransformations: [{ Priority: 0, Type: "LOWERCASE" }], PositionalConstraint: "STARTS_WITH" } },
          VisibilityConfig: vis("no-secrets"),
        },
        {
          Name: "tag-probes",
          Priority: 2,
          Action: { Count: {} },
          RuleLabels: [{ Name: "probe" }],
          Statement: { ByteMatchStatement: { SearchString: new TextEncoder().encode("yes"), FieldToMatch: { SingleHeader: { Name: "x-probe" } }, TextTransformations: [{ Priority: 0, Type: "NONE" }], PositionalConstraint: "EXACTLY" } },
          VisibilityConfig: vis("tag-probes"),
        },
      ],
    }),
  );
  aclArn = created.Summary!.ARN!;
  await waf.send(new PutLoggingConfigurationCommand({ LoggingConfiguration: { ResourceArn: aclArn, LogDestinationConfigs: [`arn:aws:logs:us-east-1:${s.accountId}:log-group:aws-waf-logs-methods`] } }));
  await waf.send(new AssociateWebACLCommand({ WebACLArn: aclArn, ResourceArn: lbArn }));
});

after(async () => {
  upstream.closeAllConnections();
  await new Promise((r) => upstream.close(r));
  await s.destroy();
});

const logFile = (): string => path.join(s.dataDir, "waf-logs", s.accountId, "us-east-1", "aws-waf-logs-methods.log");
function logRecords(): Array<Record<string, any>> {
  if (!existsSync(logFile())) return [];
  return readFileSync(logFile(), "utf8").trim().split("\n").filter(Boolean).map((l) => JSON.parse(l) as Record<string, any>);
}

test("a rule on the Method field blocks an unknown method with its custom response", async () => {
  const r = await raw("FOO /anything?x=1 HTTP/1.1\r\nHost: shop.example.test\r\nUser-Agent: raw/1\r\n\r\n");
  assert.equal(r.status, 451);
  assert.equal(r.body, "no FOO here");
  assert.match(r.headers, /\r\nreason: method\r\n/);
  assert.match(r.headers, /\r\nConnection: close(\r\n|$)/);
  const rec = await eventually(async () => logRecords().find((x) => x.httpRequest.httpMethod === "FOO"), 5000);
  assert.equal(rec.action, "BLOCK");
  assert.equal(rec.terminatingRuleId, "no-foo");
  assert.equal(rec.responseCodeSent, 451);
  assert.equal(rec.httpRequest.uri, "/anything");
  assert.equal(rec.httpRequest.args, "x=1");
  assert.deepEqual(rec.httpRequest.headers, [{ name: "Host", value: "shop.example.test" }, { name: "User-Agent", value: "raw/1" }]);
});

test("the URI and headers of an unknown-method request are inspected too; what the web ACL allows is refused with 405", async () => {
  const blocked = await raw("TEST /Secrets/keys HTTP/1.1\r\nHost: shop.example.test\r\n\r\n");
  assert.equal(blocked.status, 403);
  assert.match(blocked.body, /403 Forbidden/);

  const allowed = await raw("PROBE /status HTTP/1.1\r\nHost: shop.example.test\r\nX-Probe: yes\r\n\r\n");
  assert.equal(allowed.status, 405);
  assert.match(allowed.headers, /\r\nServer: awselb\/2\.0\r\n/);
  assert.match(allowed.body, /405 Method Not Allowed/);

  const recs = await eventually(async () => {
    const l = logRecords();
    return l.some((x) => x.httpRequest.httpMethod === "TEST") && l.some((x) => x.httpRequest.httpMethod === "PROBE") ? l : undefined;
  }, 5000);
  const test = recs.find((x) => x.httpRequest.httpMethod === "TEST")!;
  assert.deepEqual([test.action, test.terminatingRuleId], ["BLOCK", "no-secrets"]);
  const probe = recs.find((x) => x.httpRequest.httpMethod === "PROBE")!;
  assert.deepEqual([probe.action, probe.terminatingRuleId], ["ALLOW", "Default_Action"]);
  assert.deepEqual(probe.labels, [{ name: `awswaf:${s.accountId}:webacl:methods:probe` }]);
  assert.deepEqual(probe.nonTerminatingMatchingRules, [{ ruleId: "tag-probes", action: "COUNT", ruleMatchDetails: [] }]);

  const window = { StartTime: new Date(Date.now() - 3600_000), EndTime: new Date(Date.now() + 1000) };
  const waf = new WAFV2Client(s.clientConfig());
  const sampled = await waf.send(new GetSampledRequestsCommand({ WebAclArn: aclArn, RuleMetricName: "tag-probes", Scope: "REGIONAL", TimeWindow: window, MaxItems: 10 }));
  assert.deepEqual(
    sampled.SampledRequests?.map((x) => [x.Request?.Method, x.Request?.URI, x.Action]),
    [["PROBE", "/status", "COUNT"]],
  );
  assert.deepEqual(reached, [], "none of them reached the target");
});

test("CONNECT is judged by the web ACL and refused with 400; ordinary requests still pass", async () => {
  const r = await raw("CONNECT internal.example.test:443 HTTP/1.1\r\nHost: internal.example.test:443\r\n\r\n");
  assert.equal(r.status, 400);
  const rec = await eventually(async () => logRecords().find((x) => x.httpRequest.httpMethod === "CONNECT"), 5000);
  assert.deepEqual([rec.action, rec.httpRequest.uri], ["ALLOW", "internal.example.test:443"]);
  assert.equal(await get("/fine"), 200);
  assert.deepEqual(reached, ["GET /fine"]);
});
