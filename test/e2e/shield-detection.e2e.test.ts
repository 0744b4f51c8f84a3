/**
 * Shield Advanced detection with real traffic: a load balancer forwarding to a local upstream,
 * protected with automatic response (Block) and a WAFv2 web ACL. A bounded HTTP flood from
 * loopback becomes an attack (ListAttacks / DescribeAttack with the flooding IP, URL and user
 * agent as top contributors); while it lasts Shield's rate-based rule is in the web ACL
 * (GetWebACL) and really blocks; when the flood stops the attack ends and the rule is removed.
 * Detection windows are shortened through BULWARK_SHIELD_DETECTION_*.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import {
  ShieldClient,
  CreateSubscriptionCommand,
  CreateProtectionCommand,
  EnableApplicationLayerAutomaticResponseCommand,
  ListAttacksCommand,
  DescribeAttackCommand,
  type AttackSummary,
} from "@aws-sdk/client-shield";
import { ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import { CloudTrailClient, LookupEventsCommand } from "@aws-sdk/client-cloudtrail";
import { WAFV2Client, CreateWebACLCommand, AssociateWebACLCommand, GetWebACLCommand, type Rule } from "@aws-sdk/client-wafv2";
import { startTestServer, eventually, type TestServer } from "./harness.js";
import { fastShieldDetectionEnv, loadBalancerInFront } from "./dataplane-support.js";

let s: TestServer;
let upstream: http.Server;
let port: number;
let lbArn: string;
let shield: ShieldClient;
let waf: WAFV2Client;
let acl: { Name: string; Id: string };
const MAX_FLOOD_REQUESTS = 8000;
const FLOOD_RPS = 1200;
/**
 * Detection floor (requests per second): low enough that even the first second of the flood on
 * a heavily loaded machine (where the pace ramps up slowly) is above it; a slower first second
 * would be learned as baseline and raise the threshold.
 */
const FLOOR_RPS = 10;

function get(agent: http.Agent | false, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port, path, agent, headers: { "user-agent": "flood-bot/1.0" } }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    req.on("error", reject);
    req.end();
  });
}

async function shieldRules(): Promise<Rule[]> {
  const got = await waf.send(new GetWebACLCommand({ Name: acl.Name, Scope: "REGIONAL", Id: acl.Id }));
  return (got.WebACL?.Rules ?? []).filter((r) => r.Name?.startsWith("ShieldMitigationRuleGroup_"));
}

before(async () => {
  s = await startTestServer({ env: fastShieldDetectionEnv(FLOOR_RPS) });
  upstream = http.createServer((_req, res) => res.end("ok"));
  await new Promise<void>((r) => upstream.listen(0, "127.0.0.1", r));
  const elb = new ElasticLoadBalancingV2Client(s.clientConfig());
  ({ lbArn, port } = await loadBalancerInFront(elb, "flooded", (upstream.address() as AddressInfo).port));

  waf = new WAFV2Client(s.clientConfig());
  const created = await waf.send(
    new CreateWebACLCommand({ Name: "site", Scope: "REGIONAL", DefaultAction: { Allow: {} }, VisibilityConfig: { SampledRequestsEnabled: true, CloudWatchMetricsEnabled: true, MetricName: "site" }, Rules: [] }),
  );
  acl = { Name: "site", Id: created.Summary!.Id! };
  await waf.send(new AssociateWebACLCommand({ WebACLArn: created.Summary!.ARN!, ResourceArn: lbArn }));

  shield = new ShieldClient(s.clientConfig());
  await shield.send(new CreateSubscriptionCommand({}));
  await shield.send(new CreateProtectionCommand({ Name: "flooded", ResourceArn: lbArn }));
  await shield.send(new EnableApplicationLayerAutomaticResponseCommand({ ResourceArn: lbArn, Action: { Block: {} } }));
});

after(async () => {
  upstream?.closeAllConnections();
  await new Promise((r) => upstream?.close(r));
  await s?.destroy();
});

test("a flood through the listener becomes an attack, mitigated by a rate-based rule while it lasts", async () => {
  assert.equal(await get(false, "/warm-up"), 200);
  assert.deepEqual(await shieldRules(), []);

  // Flood from loopback with 8 concurrent keep-alive connections until Shield's rule is in
  // the web ACL and has blocked some requests (bounded in count and in time).
  const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
  // Start at the top of a second (the server's clock is this process's): the flood's first
  // second is then a full one, above the threshold, instead of a sliver learned as baseline.
  await new Promise((r) => setTimeout(r, 1000 - (Date.now() % 1000) + 5));
  let sent = 0;
  let blockedAfterRule = 0;
  let ruleSeen = false;
  let stop = false;
  const started = Date.now();
  const worker = async (): Promise<void> => {
    while (!stop && sent < MAX_FLOOD_REQUESTS && Date.now() - started < 20_000) {
      // Paced at about FLOOD_RPS (or what the machine manages), far above the floor.
      if (sent > ((Date.now() - started) * FLOOD_RPS) / 1000) {
        await new Promise((r) => setTimeout(r, 2));
        continue;
      }
      sent++;
      const status = await get(agent, "/login").catch(() => 0);
      if (ruleSeen && status === 403) blockedAfterRule++;
    }
  };
  const workers = Array.from({ length: 8 }, worker);
  let rule: Rule | undefined;
  try {
    rule = await eventually(async () => (await shieldRules())[0], 15_000, 100);
    ruleSeen = true;
    await eventually(async () => blockedAfterRule >= 5, 5000, 20);
  } finally {
    stop = true;
    await Promise.all(workers);
    agent.destroy();
  }
  assert.ok(sent <= MAX_FLOOD_REQUESTS);
  assert.match(rule.Name!, new RegExp(`^ShieldMitigationRuleGroup_${s.accountId}_${acl.Id}_`));
  assert.equal(rule.Priority, 10_000_000);
  assert.deepEqual(rule.Action, { Block: {} });
  const rate = rule.Statement?.RateBasedStatement;
  assert.equal(rate?.AggregateKeyType, "IP");
  assert.equal(rate?.EvaluationWindowSec, 60);
  // 3 × the per-IP baseline (a second or two of warm-up traffic) × 60 s, at least WAF's minimum of 10.
  assert.ok(rate?.Limit !== undefined && rate.Limit >= 10 && rate.Limit % 10 === 0 && rate.Limit < 100 * 60, `limit ${rate?.Limit}`);

  // While it lasts the attack is listed without an end.
  const during = (await shield.send(new ListAttacksCommand({ ResourceArns: [lbArn] }))).AttackSummaries ?? [];
  assert.equal(during.length, 1);
  const attackId = during[0]!.AttackId!;

  // The flood has stopped: after the cooldown the attack ends and the rule goes away.
  const ended = await eventually(async () => {
    const list = (await shield.send(new ListAttacksCommand({}))).AttackSummaries ?? [];
    return list[0]?.EndTime ? list[0] : undefined;
  }, 10_000, 100);
  assert.equal((ended as AttackSummary).AttackId, attackId);
  assert.deepEqual((ended as AttackSummary).AttackVectors, [{ VectorType: "REQUEST_FLOOD" }]);
  await eventually(async () => (await shieldRules()).length === 0, 5000, 100);
  assert.equal(await get(false, "/after"), 200, "traffic flows again once the rule is gone");

  const a = (await shield.send(new DescribeAttackCommand({ AttackId: attackId }))).Attack!;
  assert.equal(a.ResourceArn, lbArn);
  assert.ok(a.StartTime! < a.EndTime!);
  const props = new Map((a.AttackProperties ?? []).map((p) => [p.AttackPropertyIdentifier, p]));
  const ip = props.get("SOURCE_IP_ADDRESS")!;
  assert.equal(ip.AttackLayer, "APPLICATION");
  assert.equal(ip.TopContributors![0]!.Name, "127.0.0.1");
  assert.equal(ip.TopContributors![0]!.Value, ip.Total);
  assert.equal(props.get("DESTINATION_URL")!.TopContributors![0]!.Name, "/login");
  assert.equal(props.get("SOURCE_USER_AGENT")!.TopContributors![0]!.Name, "flood-bot/1.0");
  const counter = a.AttackCounters![0]!;
  assert.equal(counter.Name, "REQUESTS");
  assert.ok(counter.Max! > FLOOR_RPS, `peak ${counter.Max} rps above the ${FLOOR_RPS} rps floor`);
  assert.ok(counter.Sum! <= sent + 1);
  assert.deepEqual(a.Mitigations, [{ MitigationName: rule.Name }]);
  assert.equal(a.SubResources![0]!.Id, "/login");

  // CloudTrail: Shield added and removed the rule as its service-linked role, invoked by Shield.
  const ct = new CloudTrailClient(s.clientConfig());
  const updates = (await ct.send(new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: "EventName", AttributeValue: "UpdateWebACL" }] }))).Events!.map(
    (e) =>
      JSON.parse(e.CloudTrailEvent!) as {
        userIdentity: { type: string; arn: string; accessKeyId: string; invokedBy?: string; sessionContext?: { sessionIssuer: { arn: string; userName: string } } };
        sourceIPAddress: string;
        requestParameters: { rules: Array<{ name: string }> };
      },
  );
  const byShield = updates.filter((e) => e.userIdentity.invokedBy === "shield.amazonaws.com");
  assert.equal(byShield.length, 2);
  for (const e of byShield) {
    assert.equal(e.userIdentity.type, "AssumedRole");
    assert.equal(e.userIdentity.arn, `arn:aws:sts::${s.accountId}:assumed-role/AWSServiceRoleForAWSShield/AWSShield`);
    assert.equal(e.userIdentity.sessionContext?.sessionIssuer.userName, "AWSServiceRoleForAWSShield");
    assert.equal(e.sourceIPAddress, "shield.amazonaws.com");
  }
  // Before its first call Shield assumed the role, as itself; the session's key is the one its calls carry.
  const assumed = (await ct.send(new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: "EventName", AttributeValue: "AssumeRole" }] }))).Events!.map(
    (e) => JSON.parse(e.CloudTrailEvent!) as { userIdentity: unknown; sourceIPAddress: string; eventSource: string; requestParameters: unknown; responseElements: { credentials: { accessKeyId: string } }; recipientAccountId: string },
  );
  const shieldAssumed = assumed.filter((e) => JSON.stringify(e.userIdentity) === '{"type":"AWSService","invokedBy":"shield.amazonaws.com"}');
  assert.equal(shieldAssumed.length, 1, JSON.stringify(shieldAssumed));
  const [session] = shieldAssumed as [(typeof shieldAssumed)[number]];
  assert.deepEqual([session.eventSource, session.sourceIPAddress, session.recipientAccountId], ["sts.amazonaws.com", "shield.amazonaws.com", s.accountId]);
  assert.deepEqual(session.requestParameters, { roleArn: `arn:aws:iam::${s.accountId}:role/aws-service-role/shield.amazonaws.com/AWSServiceRoleForAWSShield`, roleSessionName: "AWSShield" });
  assert.deepEqual(
    byShield.map((e) => e.userIdentity.accessKeyId),
    [session.responseElements.credentials.accessKeyId, session.responseElements.credentials.accessKeyId],
  );
  // Newest first: the removal, then the addition.
  assert.deepEqual(byShield.map((e) => e.requestParameters.rules.some((r) => r.name === rule.Name)), [false, true]);
});
