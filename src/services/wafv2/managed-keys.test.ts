import assert from "node:assert/strict";
import { test } from "node:test";
import { expectAwsError } from "../sts/testing/expect-error.js";
import { ACCOUNT, REGION, VIS, wafFixture, type WafFixture } from "./testing/fixture.js";

interface Summary {
  Name: string;
  Id: string;
  LockToken: string;
  ARN: string;
}

const rate = (name: string, priority: number, statement: object) => ({
  Name: name,
  Priority: priority,
  Action: { Block: {} },
  Statement: { RateBasedStatement: { Limit: 100, EvaluationWindowSec: 120, ...statement } },
  VisibilityConfig: VIS(name),
});
const geo = { GeoMatchStatement: { CountryCodes: ["NL"] } };

async function setUp(f: WafFixture): Promise<{ acl: Summary; group: Summary }> {
  const { Summary: group } = await f.call<{ Summary: Summary }>("CreateRuleGroup", {
    Name: "limits",
    Scope: "REGIONAL",
    Capacity: 10,
    Rules: [rate("per-ip", 0, { AggregateKeyType: "IP" })],
    VisibilityConfig: VIS("limits"),
  });
  const { Summary: acl } = await f.call<{ Summary: Summary }>("CreateWebACL", {
    Name: "front",
    Scope: "REGIONAL",
    DefaultAction: { Allow: {} },
    Rules: [
      rate("by-ip", 0, { AggregateKeyType: "IP" }),
      rate("by-forwarded-ip", 1, { AggregateKeyType: "FORWARDED_IP", ForwardedIPConfig: { HeaderName: "X-Forwarded-For", FallbackBehavior: "NO_MATCH" } }),
      rate("by-path", 2, { AggregateKeyType: "CUSTOM_KEYS", CustomKeys: [{ UriPath: { TextTransformations: [{ Priority: 0, Type: "NONE" }] } }] }),
      rate("everyone", 3, { AggregateKeyType: "CONSTANT", ScopeDownStatement: geo }),
      { Name: "geo", Priority: 4, Action: { Block: {} }, Statement: geo, VisibilityConfig: VIS("geo") },
      { Name: "shared", Priority: 5, OverrideAction: { None: {} }, Statement: { RuleGroupReferenceStatement: { ARN: group.ARN } }, VisibilityConfig: VIS("shared") },
    ],
    VisibilityConfig: VIS("front"),
  });
  return { acl, group };
}

test("GetRateBasedStatementManagedKeys answers the addresses of the rule instance the request names", async () => {
  const f = wafFixture();
  const { acl } = await setUp(f);
  f.engine.managedKeys = { ipv4: ["192.0.2.7/32"], ipv6: ["2001:db8::7/128"] };
  const ctx = f.ctx();
  const got = await f.call("GetRateBasedStatementManagedKeys", { Scope: "REGIONAL", WebACLName: "front", WebACLId: acl.Id, RuleName: "by-ip" }, ctx);
  assert.deepEqual(got, {
    ManagedKeysIPV4: { IPAddressVersion: "IPV4", Addresses: ["192.0.2.7/32"] },
    ManagedKeysIPV6: { IPAddressVersion: "IPV6", Addresses: ["2001:db8::7/128"] },
  });
  assert.deepEqual(ctx.calls[0], { action: "wafv2:GetRateBasedStatementManagedKeys", resource: acl.ARN });
  assert.equal(f.engine.managedKeysAsked[0]?.instanceId, `${acl.ARN}/by-ip`);
  assert.equal(f.engine.managedKeysAsked[0]?.statement.Limit, 100);

  // A rule of a referenced rule group: named by the web ACL's reference rule and its own name.
  await f.call("GetRateBasedStatementManagedKeys", { Scope: "REGIONAL", WebACLName: "front", WebACLId: acl.Id, RuleGroupRuleName: "shared", RuleName: "per-ip" });
  assert.equal(f.engine.managedKeysAsked[1]?.instanceId, `${acl.ARN}/shared/per-ip`);
  await f.call("GetRateBasedStatementManagedKeys", { Scope: "REGIONAL", WebACLName: "front", WebACLId: acl.Id, RuleName: "by-forwarded-ip" });
  assert.equal(f.engine.managedKeysAsked[2]?.instanceId, `${acl.ARN}/by-forwarded-ip`);

  f.engine.managedKeys = { ipv4: [], ipv6: [] };
  assert.deepEqual(await f.call("GetRateBasedStatementManagedKeys", { Scope: "REGIONAL", WebACLName: "front", WebACLId: acl.Id, RuleName: "by-ip" }), {
    ManagedKeysIPV4: { IPAddressVersion: "IPV4", Addresses: [] },
    ManagedKeysIPV6: { IPAddressVersion: "IPV6", Addresses: [] },
  });
});

test("GetRateBasedStatementManagedKeys: rules that are missing, not rate-based or not aggregating on the IP address", async () => {
  const f = wafFixture();
  const { acl } = await setUp(f);
  const ask = (input: object) => f.call("GetRateBasedStatementManagedKeys", { Scope: "REGIONAL", WebACLName: "front", WebACLId: acl.Id, ...input });
  for (const RuleName of ["by-path", "everyone"]) {
    await expectAwsError(ask({ RuleName }), "WAFUnsupportedAggregateKeyTypeException", /solely on the IP address/);
  }
  await expectAwsError(ask({ RuleName: "geo" }), "WAFInvalidParameterException", "Error reason: The rule isn't a rate-based rule, field: RULE, parameter: geo");
  await expectAwsError(ask({ RuleName: "nope" }), "WAFNonexistentItemException", /doesn’t exist/);
  // The rate-based rule of the group is not a rule of the web ACL itself, and the other way round.
  await expectAwsError(ask({ RuleName: "per-ip" }), "WAFNonexistentItemException", /doesn’t exist/);
  await expectAwsError(ask({ RuleGroupRuleName: "shared", RuleName: "by-ip" }), "WAFNonexistentItemException", /doesn’t exist/);
  await expectAwsError(ask({ RuleGroupRuleName: "geo", RuleName: "per-ip" }), "WAFNonexistentItemException", /doesn’t exist/);
  await expectAwsError(
    f.call("GetRateBasedStatementManagedKeys", { Scope: "REGIONAL", WebACLName: "front", WebACLId: "00000000-0000-4000-8000-000000000000", RuleName: "by-ip" }),
    "WAFNonexistentItemException",
    /doesn’t exist/,
  );
  await expectAwsError(ask({ RuleName: "bad name!" }), "ValidationException", /ruleName/);
  await expectAwsError(
    f.call("GetRateBasedStatementManagedKeys", { Scope: "CLOUDFRONT", WebACLName: "front", WebACLId: acl.Id, RuleName: "by-ip" }, f.ctx({ region: "us-east-1" })),
    "WAFNonexistentItemException",
    /doesn’t exist/,
  );
  // Authorised on the web ACL first: denied before anything is looked up.
  const denied = f.ctx({ deny: (r) => r.action === "wafv2:GetRateBasedStatementManagedKeys" });
  await expectAwsError(f.call("GetRateBasedStatementManagedKeys", { Scope: "REGIONAL", WebACLName: "front", WebACLId: acl.Id, RuleName: "nope" }, denied), "AccessDeniedException", /not authorized to perform: wafv2:GetRateBasedStatementManagedKeys/);
  assert.equal(denied.calls[0]?.resource, `arn:aws:wafv2:${REGION}:${ACCOUNT}:regional/webacl/front/${acl.Id}`);
});
