/**
 * WAFv2 enforcing real traffic: a load balancer in front of a local upstream, a web ACL with
 * a ByteMatch Block rule, a labelling Count rule, a rate-based rule and the managed SQLi rule
 * group, associated through @aws-sdk/client-wafv2. Real requests through the listener are
 * allowed, blocked, counted, rate-limited and labelled; GetSampledRequests, the WAF log file
 * and /metrics show them; an update of the web ACL takes effect on the next request.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import https from "node:https";
import { readFileSync, existsSync } from "node:fs";
import path from "node:path";
import type { AddressInfo } from "node:net";
import { ElasticLoadBalancingV2Client, DeleteLoadBalancerCommand } from "@aws-sdk/client-elastic-load-balancing-v2";
import {
  WAFV2Client,
  CreateWebACLCommand,
  GetWebACLCommand,
  UpdateWebACLCommand,
  DeleteWebACLCommand,
  AssociateWebACLCommand,
  DisassociateWebACLCommand,
  GetWebACLForResourceCommand,
  ListResourcesForWebACLCommand,
  GetSampledRequestsCommand,
  GetRateBasedStatementManagedKeysCommand,
  PutLoggingConfigurationCommand,
  type Rule,
} from "@aws-sdk/client-wafv2";
import { startTestServer, eventually, type TestServer } from "./harness.js";
import { loadBalancerInFront } from "./dataplane-support.js";

let s: TestServer;
let waf: WAFV2Client;
let elb: ElasticLoadBalancingV2Client;
let upstream: http.Server;
let lbArn: string;
let port: number;
let acl: { ARN: string; Id: string; LockToken: string };

const vis = (MetricName: string) => ({ SampledRequestsEnabled: true, CloudWatchMetricsEnabled: true, MetricName });
const uriStartsWith = (value: string) => ({
  ByteMatchStatement: { SearchString: new TextEncoder().encode(value), FieldToMatch: { UriPath: {} }, TextTransformations: [{ Priority: 0, Type: "LOWERCASE" as const }], PositionalConstraint: "STARTS_WITH" as const },
});

function rules(blockPrefix: string): Rule[] {
  return [
    { Name: "block-admin", Priority: 0, Action: { Block: {} }, Statement: uriStartsWith(blockPrefix), VisibilityConfig: vis("block-admin") },
    {
      Name: "flag-suspicious",
      Priority: 1,
      Action: { Count: { CustomRequestHandling: { InsertHeaders: [{ Name: "suspicious", Value: "yes" }] } } },
      RuleLabels: [{ Name: "suspicious" }],
      Statement: { ByteMatchStatement: { SearchString: new TextEncoder().encode("evil-bot"), FieldToMatch: { SingleHeader: { Name: "user-agent" } }, TextTransformations: [{ Priority: 0, Type: "NONE" }], PositionalConstraint: "CONTAINS" } },
      VisibilityConfig: vis("flag-suspicious"),
    },
    {
      Name: "rate-limit",
      Priority: 2,
      Action: { Block: { CustomResponse: { ResponseCode: 429, CustomResponseBodyKey: "slow-down" } } },
      Statement: { RateBasedStatement: { Limit: 10, AggregateKeyType: "IP", EvaluationWindowSec: 60, ScopeDownStatement: uriStartsWith("/limited") } },
      VisibilityConfig: vis("rate-limit"),
    },
    { Name: "sqli", Priority: 3, OverrideAction: { None: {} }, Statement: { ManagedRuleGroupStatement: { VendorName: "AWS", Name: "AWSManagedRulesSQLiRuleSet" } }, VisibilityConfig: vis("sqli") },
  ];
}

interface Reply {
  status: number;
  body: string;
}

function send(p: string, headers: Record<string, string> = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port, path: p, method: "GET", headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
    });
    req.on("error", reject);
    req.end();
  });
}

before(async () => {
  s = await startTestServer({ env: { BULWARK_DATAPLANE_HEALTH_CHECK_TIME_SCALE: "0.02" } });
  waf = new WAFV2Client(s.clientConfig());
  elb = new ElasticLoadBalancingV2Client(s.clientConfig());
  upstream = http.createServer((req, res) => {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ url: req.url, headers: req.headers }));
  });
  await new Promise<void>((r) => upstream.listen(0, "127.0.0.1", r));
  ({ lbArn, port } = await loadBalancerInFront(elb, "waf-front", (upstream.address() as AddressInfo).port));
  await eventually(async () => (await send("/")).status === 200, 10_000);

  const created = await waf.send(
    new CreateWebACLCommand({
      Name: "front",
      Scope: "REGIONAL",
      DefaultAction: { Allow: {} },
      Rules: rules("/admin"),
      VisibilityConfig: vis("front"),
      CustomResponseBodies: { "slow-down": { ContentType: "TEXT_PLAIN", Content: "slow down" } },
    }),
  );
  acl = { ARN: created.Summary!.ARN!, Id: created.Summary!.Id!, LockToken: created.Summary!.LockToken! };
  await waf.send(new PutLoggingConfigurationCommand({ LoggingConfiguration: { ResourceArn: acl.ARN, LogDestinationConfigs: [`arn:aws:logs:us-east-1:${s.accountId}:log-group:aws-waf-logs-front`], RedactedFields: [{ SingleHeader: { Name: "authorization" } }] } }));
  await waf.send(new AssociateWebACLCommand({ WebACLArn: acl.ARN, ResourceArn: lbArn }));
});

after(async () => {
  upstream.closeAllConnections();
  await new Promise((r) => upstream.close(r));
  await s.destroy();
});

const logFile = (): string => path.join(s.dataDir, "waf-logs", s.accountId, "us-east-1", "aws-waf-logs-front.log");

function logRecords(): Array<Record<string, any>> {
  if (!existsSync(logFile())) return [];
  return readFileSync(logFile(), "utf8").trim().split("\n").filter(Boolean).map((l) => JSON.parse(l) as Record<string, any>);
}

test("the association is visible through the API", async () => {
  assert.equal((await waf.send(new GetWebACLForResourceCommand({ ResourceArn: lbArn }))).WebACL?.ARN, acl.ARN);
  assert.deepEqual((await waf.send(new ListResourcesForWebACLCommand({ WebACLArn: acl.ARN }))).ResourceArns, [lbArn]);
});

test("real requests are allowed, blocked, counted with labels and inserted headers, and SQL injection is blocked", async () => {
  const ok = await send("/hello");
  assert.equal(ok.status, 200);
  assert.equal((JSON.parse(ok.body) as { url: string }).url, "/hello");

  const blocked = await send("/ADMIN/panel", { authorization: "Bearer top-secret" });
  assert.equal(blocked.status, 403, "LOWERCASE transformation, then STARTS_WITH /admin");

  const counted = await send("/catalog", { "user-agent": "evil-bot/1.0" });
  assert.equal(counted.status, 200, "Count does not stop the request");
  assert.equal((JSON.parse(counted.body) as { headers: Record<string, string> }).headers["x-amzn-waf-suspicious"], "yes");

  const sqli = await send(`/search?q=${encodeURIComponent("1' OR '1'='1' --")}`);
  assert.equal(sqli.status, 403);

  await eventually(async () => logRecords().length >= 4, 5000);
  const recs = logRecords();
  const byUri = (uri: string) => recs.find((r) => r.httpRequest.uri === uri);
  const admin = byUri("/ADMIN/panel");
  assert.equal(admin?.action, "BLOCK");
  assert.equal(admin?.terminatingRuleId, "block-admin");
  assert.equal(admin?.terminatingRuleType, "REGULAR");
  assert.equal(admin?.httpSourceName, "ALB");
  assert.match(admin?.httpSourceId, new RegExp(`^${s.accountId}-app/waf-front/[0-9a-f]+$`));
  assert.equal(admin?.webaclId, acl.ARN);
  assert.deepEqual(admin?.httpRequest.headers.find((h: { name: string }) => h.name.toLowerCase() === "authorization"), { name: "authorization", value: "REDACTED" });
  const cat = byUri("/catalog");
  assert.equal(cat?.action, "ALLOW");
  assert.equal(cat?.terminatingRuleId, "Default_Action");
  assert.deepEqual(cat?.nonTerminatingMatchingRules, [{ ruleId: "flag-suspicious", action: "COUNT", ruleMatchDetails: [] }]);
  assert.deepEqual(cat?.labels, [{ name: `awswaf:${s.accountId}:webacl:front:suspicious` }]);
  const inj = byUri("/search");
  assert.equal(inj?.terminatingRuleId, "sqli");
  assert.equal(inj?.terminatingRuleType, "MANAGED_RULE_GROUP");
  assert.equal(inj?.ruleGroupList[0]?.ruleGroupId, "AWS#AWSManagedRulesSQLiRuleSet");
  assert.match(inj?.ruleGroupList[0]?.terminatingRule?.ruleId, /^SQLi/);
  assert.equal(inj?.httpRequest.args, `q=${encodeURIComponent("1' OR '1'='1' --")}`);
});

test("the rate-based rule blocks a client past its limit with the custom response", async () => {
  const statuses: number[] = [];
  for (let i = 0; i < 14; i++) statuses.push((await send(`/limited/${i}`)).status);
  assert.deepEqual(statuses.slice(0, 10), Array(10).fill(200));
  assert.deepEqual(statuses.slice(10), [429, 429, 429, 429]);
  const r = await send("/limited/again");
  assert.deepEqual([r.status, r.body], [429, "slow down"]);
  assert.equal((await send("/elsewhere")).status, 200, "the scope-down statement limits what is counted");
  await eventually(async () => logRecords().some((x) => x.terminatingRuleId === "rate-limit"), 5000);
  const rec = logRecords().find((x) => x.terminatingRuleId === "rate-limit");
  assert.equal(rec?.terminatingRuleType, "RATE_BASED");
  assert.equal(rec?.responseCodeSent, 429);
  assert.deepEqual(rec?.rateBasedRuleList[0], { rateBasedRuleId: "rate-limit", rateBasedRuleName: "rate-limit", limitKey: "IP", maxRateAllowed: 10, evaluationWindowSec: "60" });

  // The client over the limit is the rule's managed key.
  const keys = await waf.send(new GetRateBasedStatementManagedKeysCommand({ Scope: "REGIONAL", WebACLName: "front", WebACLId: acl.Id, RuleName: "rate-limit" }));
  assert.deepEqual(keys.ManagedKeysIPV4, { IPAddressVersion: "IPV4", Addresses: ["127.0.0.1/32"] });
  assert.deepEqual(keys.ManagedKeysIPV6, { IPAddressVersion: "IPV6", Addresses: [] });
  await assert.rejects(waf.send(new GetRateBasedStatementManagedKeysCommand({ Scope: "REGIONAL", WebACLName: "front", WebACLId: acl.Id, RuleName: "block-admin" })), (e: Error) => e.name === "WAFInvalidParameterException");
  await assert.rejects(waf.send(new GetRateBasedStatementManagedKeysCommand({ Scope: "REGIONAL", WebACLName: "front", WebACLId: acl.Id, RuleName: "no-such-rule" })), (e: Error) => e.name === "WAFNonexistentItemException");
});

test("GetSampledRequests and /metrics show the traffic", async () => {
  const window = { StartTime: new Date(Date.now() - 3600_000), EndTime: new Date(Date.now() + 1000) };
  const blocked = await waf.send(new GetSampledRequestsCommand({ WebAclArn: acl.ARN, RuleMetricName: "block-admin", Scope: "REGIONAL", TimeWindow: window, MaxItems: 100 }));
  assert.equal(blocked.PopulationSize, 1);
  assert.equal(blocked.SampledRequests?.[0]?.Action, "BLOCK");
  assert.equal(blocked.SampledRequests?.[0]?.Request?.URI, "/ADMIN/panel");
  assert.equal(blocked.SampledRequests?.[0]?.Request?.ClientIP, "127.0.0.1");
  assert.equal(blocked.SampledRequests?.[0]?.Request?.Method, "GET");
  assert.equal(blocked.SampledRequests?.[0]?.Request?.HTTPVersion, "HTTP/1.1");
  assert.ok(
    blocked.SampledRequests?.[0]?.Request?.Headers?.some((h) => h.Name?.toLowerCase() === "authorization" && h.Value === "Bearer top-secret"),
    "the sample carries the request's headers as sent",
  );
  const counted = await waf.send(new GetSampledRequestsCommand({ WebAclArn: acl.ARN, RuleMetricName: "flag-suspicious", Scope: "REGIONAL", TimeWindow: window, MaxItems: 100 }));
  assert.equal(counted.SampledRequests?.[0]?.Action, "COUNT");
  assert.deepEqual(counted.SampledRequests?.[0]?.Labels, [{ Name: `awswaf:${s.accountId}:webacl:front:suspicious` }]);
  assert.deepEqual(counted.SampledRequests?.[0]?.RequestHeadersInserted, [{ Name: "x-amzn-waf-suspicious", Value: "yes" }]);
  const sqli = await waf.send(new GetSampledRequestsCommand({ WebAclArn: acl.ARN, RuleMetricName: "sqli", Scope: "REGIONAL", TimeWindow: window, MaxItems: 100 }));
  assert.match(sqli.SampledRequests?.[0]?.RuleNameWithinRuleGroup ?? "", /^SQLi/);
  const defaults = await waf.send(new GetSampledRequestsCommand({ WebAclArn: acl.ARN, RuleMetricName: "front", Scope: "REGIONAL", TimeWindow: window, MaxItems: 2 }));
  assert.equal(defaults.SampledRequests?.length, 2);
  assert.ok((defaults.PopulationSize ?? 0) >= 12, "every default-action request is counted");
  assert.ok(defaults.SampledRequests?.every((x) => x.Action === "ALLOW"));

  const text = await new Promise<string>((resolve, reject) => {
    https.get(`${s.url}/metrics`, { ca: s.app.caCertPem }, (res) => {
      let b = "";
      res.on("data", (c: Buffer) => (b += c.toString()));
      res.on("end", () => resolve(b));
    }).on("error", reject);
  });
  assert.match(text, /bulwark_waf_requests_total\{web_acl="front",rule="block-admin",action="BLOCK"\} 1/);
  assert.match(text, /bulwark_waf_requests_total\{web_acl="front",rule="flag-suspicious",action="COUNT"\} 1/);
});

test("an update of the web ACL is re-pushed and takes effect on the next request; disassociation lifts it", async () => {
  const cur = await waf.send(new GetWebACLCommand({ ARN: acl.ARN }));
  const next = await waf.send(
    new UpdateWebACLCommand({
      Name: "front",
      Scope: "REGIONAL",
      Id: acl.Id,
      LockToken: cur.LockToken,
      DefaultAction: { Allow: {} },
      Rules: rules("/secret"),
      VisibilityConfig: vis("front"),
      CustomResponseBodies: { "slow-down": { ContentType: "TEXT_PLAIN", Content: "slow down" } },
    }),
  );
  assert.equal((await send("/admin")).status, 200);
  assert.equal((await send("/secret/x")).status, 403);
  await waf.send(new DisassociateWebACLCommand({ ResourceArn: lbArn }));
  assert.equal((await send("/secret/x")).status, 200);
  assert.deepEqual(await waf.send(new GetWebACLForResourceCommand({ ResourceArn: lbArn })).then((r) => r.WebACL), undefined);
  await waf.send(new AssociateWebACLCommand({ WebACLArn: acl.ARN, ResourceArn: lbArn }));
  assert.equal((await send("/secret/x")).status, 403);
  await elb.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: lbArn }));
  // The deleted load balancer no longer holds the web ACL, which can now be deleted.
  assert.deepEqual((await waf.send(new ListResourcesForWebACLCommand({ WebACLArn: acl.ARN }))).ResourceArns, []);
  await waf.send(new DeleteWebACLCommand({ Name: "front", Scope: "REGIONAL", Id: acl.Id, LockToken: next.NextLockToken }));
});
