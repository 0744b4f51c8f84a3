import assert from "node:assert/strict";
import { readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { describe, test } from "node:test";
import type { WafDecision } from "../../dataplane/types.js";
import { expectAwsError } from "../sts/testing/expect-error.js";
import { ACCOUNT, LB_ARN, REGION, START, VIS, request, wafFixture, type WafFixture } from "./testing/fixture.js";

interface Summary {
  Name: string;
  Id: string;
  LockToken: string;
  ARN: string;
}

const LOG_GROUP = `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:aws-waf-logs-front`;

async function deployed(f: WafFixture): Promise<Summary> {
  const acl = (
    await f.call<{ Summary: Summary }>("CreateWebACL", {
      Name: "acl",
      Scope: "REGIONAL",
      DefaultAction: { Allow: {} },
      Rules: [
        { Name: "admin", Priority: 0, Action: { Block: {} }, Statement: { ByteMatchStatement: { SearchString: new Uint8Array(Buffer.from("/admin")), FieldToMatch: { UriPath: {} }, TextTransformations: [{ Priority: 0, Type: "NONE" }], PositionalConstraint: "STARTS_WITH" } }, VisibilityConfig: VIS("admin-metric") },
        { Name: "watch", Priority: 1, Action: { Count: {} }, RuleLabels: [{ Name: "watched" }], Statement: { ByteMatchStatement: { SearchString: new Uint8Array(Buffer.from("/")), FieldToMatch: { UriPath: {} }, TextTransformations: [{ Priority: 0, Type: "NONE" }], PositionalConstraint: "STARTS_WITH" } }, VisibilityConfig: { ...VIS("watch-metric"), SampledRequestsEnabled: false } },
        { Name: "sqli", Priority: 2, OverrideAction: { None: {} }, Statement: { ManagedRuleGroupStatement: { VendorName: "AWS", Name: "AWSManagedRulesSQLiRuleSet" } }, VisibilityConfig: VIS("sqli-metric") },
      ],
      VisibilityConfig: VIS("acl-metric"),
    })
  ).Summary;
  await f.call("AssociateWebACL", { WebACLArn: acl.ARN, ResourceArn: LB_ARN });
  return acl;
}

const blocked: WafDecision = {
  action: "BLOCK",
  terminatingRuleId: "admin",
  response: { status: 403, headers: [], body: "" },
  insertHeaders: [],
  labels: [`awswaf:${ACCOUNT}:webacl:acl:watched`],
  countedRules: ["watch"],
  matchedRules: [
    { ruleId: "watch", action: "COUNT" },
    { ruleId: "admin", action: "BLOCK" },
  ],
};
const allowed: WafDecision = { action: "ALLOW", terminatingRuleId: "Default_Action", insertHeaders: [], labels: [], countedRules: [], matchedRules: [] };
const sqli: WafDecision = {
  action: "BLOCK",
  terminatingRuleId: "sqli",
  response: { status: 403, headers: [], body: "" },
  insertHeaders: [],
  labels: ["awswaf:managed:aws:sql-database:SQLi_QueryArguments"],
  countedRules: [],
  matchedRules: [{ ruleId: "SQLi_QUERYARGUMENTS", action: "BLOCK", ruleGroupId: "AWSManagedRulesSQLiRuleSet" }],
};

describe("sampled requests", () => {
  test("samples per metric name within the window; the web ACL's metric holds default-action requests", async () => {
    const f = wafFixture();
    const acl = await deployed(f);
    const obs = f.dataPlane.observers[0];
    assert.ok(obs);
    obs.onRequest(LB_ARN, request({ requestId: "a", time: START + 1000 }), blocked, 403, 1);
    obs.onRequest(LB_ARN, request({ requestId: "b", time: START + 2000, path: "/", uri: "/", query: "" }), allowed, 200, 1);
    obs.onRequest(LB_ARN, request({ requestId: "c", time: START + 3000, path: "/", query: "id=1' or 1=1" }), sqli, 403, 1);
    f.clock.advance(10_000);
    const window = { StartTime: new Date(START - 4 * 3600_000), EndTime: new Date(f.clock.now()) };
    const admin = await f.call<{ SampledRequests: Array<Record<string, unknown>>; PopulationSize: number; TimeWindow: { StartTime: Date } }>("GetSampledRequests", { WebAclArn: acl.ARN, RuleMetricName: "admin-metric", Scope: "REGIONAL", TimeWindow: window, MaxItems: 100 });
    assert.equal(admin.PopulationSize, 1);
    assert.deepEqual(admin.TimeWindow.StartTime, new Date(f.clock.now() - 3 * 3600_000), "a start before three hours ago is moved");
    assert.deepEqual(admin.SampledRequests[0], {
      Request: { ClientIP: "192.0.2.10", URI: "/admin", Method: "GET", HTTPVersion: "HTTP/1.1", Headers: [{ Name: "Host", Value: "example.com" }, { Name: "Authorization", Value: "secret-token" }] },
      Weight: 1,
      Timestamp: new Date(START + 1000),
      Action: "BLOCK",
      ResponseCodeSent: 403,
      Labels: [{ Name: `awswaf:${ACCOUNT}:webacl:acl:watched` }],
    });
    const def = await f.call<{ SampledRequests: Array<{ Action: string; Request: { URI: string } }>; PopulationSize: number }>("GetSampledRequests", { WebAclArn: acl.ARN, RuleMetricName: "acl-metric", Scope: "REGIONAL", TimeWindow: window, MaxItems: 100 });
    assert.deepEqual(def.SampledRequests.map((s) => [s.Action, s.Request.URI]), [["ALLOW", "/"]]);
    const watch = await f.call<{ SampledRequests: unknown[] }>("GetSampledRequests", { WebAclArn: acl.ARN, RuleMetricName: "watch-metric", Scope: "REGIONAL", TimeWindow: window, MaxItems: 100 });
    assert.deepEqual(watch.SampledRequests, [], "sampling disabled for that rule");
    const grp = await f.call<{ SampledRequests: Array<{ RuleNameWithinRuleGroup: string; Action: string }> }>("GetSampledRequests", { WebAclArn: acl.ARN, RuleMetricName: "sqli-metric", Scope: "REGIONAL", TimeWindow: window, MaxItems: 100 });
    assert.deepEqual(grp.SampledRequests.map((s) => [s.RuleNameWithinRuleGroup, s.Action]), [["SQLi_QUERYARGUMENTS", "BLOCK"]]);
    const narrow = await f.call<{ SampledRequests: unknown[]; PopulationSize: number }>("GetSampledRequests", { WebAclArn: acl.ARN, RuleMetricName: "admin-metric", Scope: "REGIONAL", TimeWindow: { StartTime: new Date(START + 1500), EndTime: new Date(START + 9000) }, MaxItems: 1 });
    assert.deepEqual([narrow.SampledRequests.length, narrow.PopulationSize], [0, 0]);
    await expectAwsError(f.call("GetSampledRequests", { WebAclArn: acl.ARN, RuleMetricName: "admin-metric", Scope: "REGIONAL", TimeWindow: window, MaxItems: 501 }), "ValidationException", /at 'maxItems'/);
    await expectAwsError(f.call("GetSampledRequests", { WebAclArn: acl.ARN, RuleMetricName: "admin-metric", Scope: "REGIONAL", TimeWindow: { StartTime: new Date(START - 5 * 3600_000), EndTime: new Date(START - 4 * 3600_000) }, MaxItems: 5 }), "WAFInvalidParameterException", /time window/);
    await expectAwsError(f.call("GetSampledRequests", { WebAclArn: acl.ARN.replace(acl.Id, "00000000-0000-4000-8000-000000000000"), RuleMetricName: "x", Scope: "REGIONAL", TimeWindow: window, MaxItems: 5 }), "WAFNonexistentItemException", /doesn’t exist/);
  });

  test("per-rule counters", async () => {
    const f = wafFixture();
    await deployed(f);
    const obs = f.dataPlane.observers[0];
    obs?.onRequest(LB_ARN, request(), blocked, 403, 1);
    obs?.onRequest(LB_ARN, request(), allowed, 200, 1);
    const text = await f.svc.metricsText();
    assert.match(text, /bulwark_waf_requests_total\{web_acl="acl",rule="admin",action="BLOCK"\} 1/);
    assert.match(text, /bulwark_waf_requests_total\{web_acl="acl",rule="watch",action="COUNT"\} 1/);
    assert.match(text, /bulwark_waf_requests_total\{web_acl="acl",rule="Default_Action",action="ALLOW"\} 1/);
  });
});

describe("logging configuration and WAF logs", () => {
  test("Put/Get/List/Delete, and records in the AWS WAF log format with redaction and filters", async () => {
    const f = wafFixture();
    try {
      const acl = await deployed(f);
      await expectAwsError(f.call("GetLoggingConfiguration", { ResourceArn: acl.ARN }), "WAFNonexistentItemException", /doesn’t exist/);
      await expectAwsError(f.call("PutLoggingConfiguration", { LoggingConfiguration: { ResourceArn: acl.ARN, LogDestinationConfigs: [`arn:aws:logs:${REGION}:${ACCOUNT}:log-group:my-logs`] } }), "WAFInvalidParameterException", /field: LOG_DESTINATION/);
      await expectAwsError(
        f.call("PutLoggingConfiguration", { LoggingConfiguration: { ResourceArn: acl.ARN, LogDestinationConfigs: [`arn:aws:firehose:${REGION}:${ACCOUNT}:deliverystream/aws-waf-logs-x`] } }),
        "WAFLogDestinationPermissionIssueException",
        /has no endpoint/,
      );
      const cfg = {
        ResourceArn: acl.ARN,
        LogDestinationConfigs: [LOG_GROUP],
        RedactedFields: [{ SingleHeader: { Name: "authorization" } }, { QueryString: {} }],
        LoggingFilter: { DefaultBehavior: "DROP", Filters: [{ Behavior: "KEEP", Requirement: "MEETS_ANY", Conditions: [{ ActionCondition: { Action: "BLOCK" } }, { LabelNameCondition: { LabelName: `awswaf:${ACCOUNT}:webacl:acl:watched` } }] }] },
      };
      const put = await f.call<{ LoggingConfiguration: unknown }>("PutLoggingConfiguration", { LoggingConfiguration: cfg });
      const expected = { ...cfg, ManagedByFirewallManager: false, LogType: "WAF_LOGS", LogScope: "CUSTOMER" };
      assert.deepEqual(put.LoggingConfiguration, expected);
      assert.deepEqual(await f.call("GetLoggingConfiguration", { ResourceArn: acl.ARN }), { LoggingConfiguration: expected });
      assert.deepEqual(await f.call("ListLoggingConfigurations", { Scope: "REGIONAL" }), { LoggingConfigurations: [expected] });

      const obs = f.dataPlane.observers[0];
      obs?.onRequest(LB_ARN, request({ requestId: "blocked-1" }), blocked, 403, 1);
      obs?.onRequest(LB_ARN, request({ requestId: "allowed-1" }), allowed, 200, 1);
      obs?.onRequest(LB_ARN, request({ requestId: "sqli-1" }), sqli, 403, 1);
      await f.svc.flushLogs();
      const file = path.join(f.logDir, ACCOUNT, REGION, "aws-waf-logs-front.log");
      const lines = readFileSync(file, "utf8").trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
      assert.deepEqual(lines.map((l) => (l["httpRequest"] as { requestId: string }).requestId), ["blocked-1", "sqli-1"], "the filter drops the allowed request");
      assert.deepEqual(lines[0], {
        timestamp: START,
        formatVersion: 1,
        webaclId: acl.ARN,
        terminatingRuleId: "admin",
        terminatingRuleType: "REGULAR",
        action: "BLOCK",
        terminatingRuleMatchDetails: [],
        httpSourceName: "ALB",
        httpSourceId: `${ACCOUNT}-app/web/50dc6c495c0c9188`,
        ruleGroupList: [],
        rateBasedRuleList: [],
        nonTerminatingMatchingRules: [{ ruleId: "watch", action: "COUNT", ruleMatchDetails: [] }],
        requestHeadersInserted: null,
        responseCodeSent: 403,
        httpRequest: {
          clientIp: "192.0.2.10",
          country: "-",
          headers: [{ name: "Host", value: "example.com" }, { name: "Authorization", value: "REDACTED" }],
          uri: "/admin",
          args: "REDACTED",
          httpVersion: "HTTP/1.1",
          httpMethod: "GET",
          requestId: "blocked-1",
        },
        labels: [{ name: `awswaf:${ACCOUNT}:webacl:acl:watched` }],
      });
      assert.equal(lines[1]?.["terminatingRuleType"], "MANAGED_RULE_GROUP");
      assert.deepEqual(lines[1]?.["ruleGroupList"], [{ ruleGroupId: "AWS#AWSManagedRulesSQLiRuleSet", terminatingRule: { ruleId: "SQLi_QUERYARGUMENTS", action: "BLOCK", ruleMatchDetails: [] }, nonTerminatingMatchingRules: [], excludedRules: null }]);

      await f.call("DeleteLoggingConfiguration", { ResourceArn: acl.ARN });
      obs?.onRequest(LB_ARN, request({ requestId: "after-delete" }), blocked, 403, 1);
      await f.svc.flushLogs();
      assert.equal(readFileSync(file, "utf8").trim().split("\n").length, 2, "no more records once logging is off");
      assert.deepEqual(await f.call("ListLoggingConfigurations", { Scope: "REGIONAL" }), { LoggingConfigurations: [] });
    } finally {
      await f.svc.close();
      rmSync(f.logDir, { recursive: true, force: true });
    }
  });

  test("HTTP (Firehose) destinations POST newline-delimited JSON to the configured URL", async () => {
    const posts: Array<{ url: string; body: string }> = [];
    const stream = `arn:aws:firehose:${REGION}:${ACCOUNT}:deliverystream/aws-waf-logs-http`;
    const f = wafFixture({ httpEndpoint: (arn) => (arn === stream ? "https://collector.example/waf" : undefined), logSink: { flushIntervalMs: 5, post: async (url, body) => void posts.push({ url, body }) } });
    const acl = await deployed(f);
    await f.call("PutLoggingConfiguration", { LoggingConfiguration: { ResourceArn: acl.ARN, LogDestinationConfigs: [stream] } });
    f.dataPlane.observers[0]?.onRequest(LB_ARN, request({ requestId: "h1" }), allowed, 200, 1);
    await f.svc.flushLogs();
    assert.equal(posts.length, 1);
    assert.equal(posts[0]?.url, "https://collector.example/waf");
    const rec = JSON.parse((posts[0]?.body ?? "").trim()) as { httpRequest: { requestId: string; headers: Array<{ value: string }> }; action: string };
    assert.equal(rec.httpRequest.requestId, "h1");
    assert.equal(rec.action, "ALLOW");
    assert.equal(rec.httpRequest.headers[1]?.value, "secret-token", "nothing redacted unless configured");
  });
});
