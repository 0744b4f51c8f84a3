import { test, describe } from "node:test";
import assert from "node:assert/strict";
import type { Rule, UpdateWebACLRequest, WebACL } from "@aws-sdk/client-wafv2";
import { AwsError } from "../../core/errors.js";
import { ManualClock } from "../../core/clock.js";
import type { RequestContext } from "../../core/types.js";
import type { ApiCallRecord } from "../../audit/types.js";
import { buildMitigationRule } from "../../dataplane/shield/detection/mitigation-rule.js";
import type { OperationDefinition } from "../types.js";
import { createWafv2Bridge } from "./wafv2-bridge.js";
import { accessKeyIdAccount } from "../../crypto/access-key-id.js";

const ACL = "arn:aws:wafv2:eu-west-1:111122223333:regional/webacl/site/a1b2c3d4-5678-90ab-cdef-111111111111";
const LB = "arn:aws:elasticloadbalancing:eu-west-1:111122223333:loadbalancer/app/web/50dc6c495c0c9188";

const own: Rule = { Name: "mine", Priority: 1, Action: { Block: {} }, Statement: { GeoMatchStatement: { CountryCodes: ["US"] } }, VisibilityConfig: { SampledRequestsEnabled: true, CloudWatchMetricsEnabled: true, MetricName: "mine" } };

/** A one-web-ACL WAFv2 with lock tokens; `conflicts` makes that many updates fail as concurrent changes. */
function fakeWaf(conflicts = 0) {
  let acl: WebACL = { Name: "site", Id: "a1b2c3d4-5678-90ab-cdef-111111111111", ARN: ACL, DefaultAction: { Allow: {} }, Rules: [own], VisibilityConfig: { SampledRequestsEnabled: true, CloudWatchMetricsEnabled: true, MetricName: "site" }, Description: "keep me", TokenDomains: ["example.com"] };
  let lock = 1;
  const updates: UpdateWebACLRequest[] = [];
  const contexts: RequestContext[] = [];
  const ops: Record<string, OperationDefinition> = {
    GetWebACL: {
      schema: undefined,
      handler: async (input: { Name: string; Scope: string; Id: string }, ctx) => {
        contexts.push(ctx);
        assert.deepEqual(input, { Name: "site", Scope: "REGIONAL", Id: acl.Id });
        return { WebACL: structuredClone(acl), LockToken: `t${lock}` };
      },
    },
    UpdateWebACL: {
      schema: undefined,
      handler: async (input: UpdateWebACLRequest, ctx) => {
        contexts.push(ctx);
        updates.push(input);
        if (conflicts > 0 || input.LockToken !== `t${lock}`) {
          conflicts--;
          lock++;
          throw new AwsError("WAFOptimisticLockException", "stale", 400);
        }
        lock++;
        acl = { ...acl, Rules: input.Rules ?? [] };
        return { NextLockToken: `t${lock}` };
      },
    },
    GetWebACLForResource: {
      schema: undefined,
      handler: async (input: { ResourceArn: string }, ctx) => {
        contexts.push(ctx);
        if (input.ResourceArn !== LB) throw new AwsError("WAFNonexistentItemException", "none", 400);
        return { WebACL: acl };
      },
    },
  };
  return { ops, updates, contexts, rules: () => acl.Rules ?? [] };
}

describe("WAFv2 bridge", () => {
  test("puts Shield's rule after the customer's rules, replaces it, and removes only it", async () => {
    const w = fakeWaf();
    const bridge = createWafv2Bridge(w.ops, new ManualClock(0));
    const m = buildMitigationRule(ACL, "BLOCK", 100);
    await bridge.applyMitigation(ACL, m);
    assert.deepEqual(w.rules(), [own, m.rule]);
    const u = w.updates[0]!;
    assert.equal(u.Description, "keep me");
    assert.deepEqual(u.TokenDomains, ["example.com"]);
    assert.deepEqual(u.DefaultAction, { Allow: {} });
    assert.equal(u.LockToken, "t1");
    const ctx = w.contexts[0]!;
    assert.deepEqual(ctx.scope, { accountId: "111122223333", region: "eu-west-1" });
    assert.equal(ctx.principal.arn, "arn:aws:sts::111122223333:assumed-role/AWSServiceRoleForAWSShield/AWSShield");

    const m2 = buildMitigationRule(ACL, "COUNT", 50);
    await bridge.applyMitigation(ACL, m2);
    assert.deepEqual(w.rules(), [own, m2.rule]);
    await bridge.applyMitigation(ACL, undefined);
    assert.deepEqual(w.rules(), [own]);
    const n = w.updates.length;
    await bridge.applyMitigation(ACL, undefined);
    assert.equal(w.updates.length, n, "nothing to remove: no update");
  });

  test("a concurrent change is retried from a fresh read; too many give up with the WAF error", async () => {
    const w = fakeWaf(2);
    const bridge = createWafv2Bridge(w.ops, new ManualClock(0));
    await bridge.applyMitigation(ACL, buildMitigationRule(ACL, "BLOCK", 100));
    assert.equal(w.updates.length, 3);
    assert.equal(w.rules().length, 2);
    const busy = fakeWaf(10);
    await assert.rejects(createWafv2Bridge(busy.ops, new ManualClock(0)).applyMitigation(ACL, buildMitigationRule(ACL, "BLOCK", 10)), (e: unknown) => e instanceof AwsError && e.code === "WAFOptimisticLockException");
    assert.equal(busy.updates.length, 5);
  });

  test("web ACL of a resource: its ARN, or undefined when WAFv2 knows none", async () => {
    const w = fakeWaf();
    const bridge = createWafv2Bridge(w.ops, new ManualClock(0));
    assert.equal(await bridge.webAclForResource(LB), ACL);
    assert.equal(await bridge.webAclForResource(LB.replace("web", "other")), undefined);
    assert.equal(await bridge.webAclForResource("arn:aws:route53:::hostedzone/Z1"), undefined);
  });

  test("each call is recorded as the service-linked role's session, invoked by Shield", async () => {
    const w = fakeWaf(1);
    const records: ApiCallRecord[] = [];
    const audit = { record: async (r: ApiCallRecord) => void records.push(r), flush: async () => {}, close: async () => {} };
    const clock = new ManualClock(5_000);
    const bridge = createWafv2Bridge(w.ops, clock, { audit, serviceRoleId: async (a) => (a === "111122223333" ? "AROAEXAMPLESHIELD0001" : undefined) });
    await bridge.applyMitigation(ACL, buildMitigationRule(ACL, "BLOCK", 100));
    assert.deepEqual(
      records.map((r) => [r.operation, r.readOnly, r.error?.code ?? "ok"]),
      [
        ["AssumeRole", true, "ok"],
        ["GetWebACL", true, "ok"],
        ["UpdateWebACL", false, "WAFOptimisticLockException"],
        ["GetWebACL", true, "ok"],
        ["UpdateWebACL", false, "ok"],
      ],
    );
    const roleArn = "arn:aws:iam::111122223333:role/aws-service-role/shield.amazonaws.com/AWSServiceRoleForAWSShield";
    const [assume, ...calls] = records as [ApiCallRecord, ...ApiCallRecord[]];
    // Shield assumes the role as itself (CloudTrail userIdentity type AWSService), in the account's trail.
    assert.deepEqual(
      [assume.eventSource, assume.region, assume.principal, assume.accountId, assume.identityType, assume.invokedBy, assume.sourceIp, assume.userAgent],
      ["sts.amazonaws.com", "eu-west-1", undefined, "111122223333", "AWSService", "shield.amazonaws.com", "shield.amazonaws.com", "shield.amazonaws.com"],
    );
    const key = calls[0]!.principal!.accessKeyId;
    assert.match(key, /^ASIA[A-Z2-7]{16}$/);
    assert.equal(accessKeyIdAccount(key), "111122223333", "the session's key id names the account, like STS's");
    assert.deepEqual(assume.annotations, {
      requestParameters: { roleArn, roleSessionName: "AWSShield" },
      responseElements: {
        credentials: { accessKeyId: key, expiration: "Jan 1, 1970, 1:00:05 AM" },
        assumedRoleUser: { assumedRoleId: "AROAEXAMPLESHIELD0001:AWSShield", arn: "arn:aws:sts::111122223333:assumed-role/AWSServiceRoleForAWSShield/AWSShield" },
      },
      resources: [{ ARN: roleArn, accountId: "111122223333", type: "AWS::IAM::Role" }],
    });
    for (const r of calls) {
      assert.deepEqual([r.eventSource, r.region, r.sourceIp, r.userAgent, r.invokedBy], ["wafv2.amazonaws.com", "eu-west-1", "shield.amazonaws.com", "shield.amazonaws.com", "shield.amazonaws.com"]);
      assert.equal(r.principal!.principalId, "AROAEXAMPLESHIELD0001:AWSShield");
      assert.equal(r.principal!.roleArn, roleArn);
      assert.equal(r.principal!.sessionIssuedAt, 5_000);
      assert.equal(r.principal!.accessKeyId, key);
    }
    assert.equal(new Set(records.map((r) => r.requestId)).size, 5);
    assert.deepEqual((records[4]!.output as { NextLockToken: string }).NextLockToken, "t3");

    // The session serves later mitigations until five minutes before it ends; then Shield assumes the role again.
    records.length = 0;
    clock.advance(3_600_000 - 300_001);
    await bridge.applyMitigation(ACL, undefined);
    assert.deepEqual(records.map((r) => [r.operation, r.principal?.accessKeyId]), [["GetWebACL", key], ["UpdateWebACL", key]]);
    records.length = 0;
    clock.advance(1);
    await bridge.applyMitigation(ACL, buildMitigationRule(ACL, "BLOCK", 100));
    assert.equal(records[0]!.operation, "AssumeRole");
    const renewed = records[1]!.principal!;
    assert.notEqual(renewed.accessKeyId, key);
    assert.equal(renewed.sessionIssuedAt, 5_000 + 3_600_000 - 300_000);
  });

  test("calls that overlap share one session of the role (one AssumeRole)", async () => {
    const w = fakeWaf(0);
    const records: ApiCallRecord[] = [];
    const audit = { record: async (r: ApiCallRecord) => void records.push(r), flush: async () => {}, close: async () => {} };
    const clock = new ManualClock(5_000);
    // The first call's lookup answers last; the second call starts a millisecond later.
    let calls = 0;
    const serviceRoleId = async () => {
      if (++calls === 1) await new Promise((r) => setTimeout(r, 20));
      return "AROAEXAMPLESHIELD0001";
    };
    const bridge = createWafv2Bridge(w.ops, clock, { audit, serviceRoleId });
    const first = bridge.webAclForResource(LB);
    clock.advance(1);
    await Promise.all([first, bridge.webAclForResource(LB)]);
    assert.equal(records.filter((r) => r.operation === "AssumeRole").length, 1);
    assert.equal(new Set(records.filter((r) => r.operation !== "AssumeRole").map((r) => r.principal!.accessKeyId)).size, 1);
  });

  test("without the service-linked role there is nothing to assume: Shield's calls are its own", async () => {
    const w = fakeWaf(0);
    const records: ApiCallRecord[] = [];
    const audit = { record: async (r: ApiCallRecord) => void records.push(r), flush: async () => {}, close: async () => {} };
    const bridge = createWafv2Bridge(w.ops, new ManualClock(5_000), { audit, serviceRoleId: async () => undefined });
    await bridge.applyMitigation(ACL, buildMitigationRule(ACL, "BLOCK", 100));
    assert.deepEqual(
      records.map((r) => [r.operation, r.principal, r.accountId, r.identityType, r.invokedBy]),
      [
        ["GetWebACL", undefined, "111122223333", "AWSService", "shield.amazonaws.com"],
        ["UpdateWebACL", undefined, "111122223333", "AWSService", "shield.amazonaws.com"],
      ],
    );
  });
});
