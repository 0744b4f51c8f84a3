import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { expectAwsError } from "../sts/testing/expect-error.js";
import { webAclCapacityLimit } from "./service.js";
import { ACCOUNT, MANAGED, REGION, VIS, wafFixture, type WafFixture } from "./testing/fixture.js";

interface Summary {
  Name: string;
  Id: string;
  LockToken: string;
  ARN: string;
}

const block = (name: string, priority: number, statement: object) => ({ Name: name, Priority: priority, Action: { Block: {} }, Statement: statement, VisibilityConfig: VIS(name) });
const byteMatch = { ByteMatchStatement: { SearchString: new Uint8Array(Buffer.from("/admin")), FieldToMatch: { UriPath: {} }, TextTransformations: [{ Priority: 0, Type: "NONE" }], PositionalConstraint: "STARTS_WITH" } };

async function ipSet(f: WafFixture, name = "bad"): Promise<Summary> {
  return (await f.call<{ Summary: Summary }>("CreateIPSet", { Name: name, Scope: "REGIONAL", IPAddressVersion: "IPV4", Addresses: ["192.0.2.0/24"] })).Summary;
}

async function webAcl(f: WafFixture, rules: object[], extra: object = {}): Promise<Summary> {
  return (await f.call<{ Summary: Summary }>("CreateWebACL", { Name: "acl", Scope: "REGIONAL", DefaultAction: { Allow: {} }, Rules: rules, VisibilityConfig: VIS("acl"), ...extra })).Summary;
}

describe("rule groups", () => {
  test("capacity is fixed at creation and enforced on every save; labels are namespaced", async () => {
    const f = wafFixture();
    const ip = await ipSet(f);
    const rules = [
      { ...block("ip", 0, { IPSetReferenceStatement: { ARN: ip.ARN } }), RuleLabels: [{ Name: "bad:ip" }] },
      block("admin", 1, { LabelMatchStatement: { Scope: "LABEL", Key: "awswaf:managed:token:absent" } }),
    ];
    await expectAwsError(
      f.call("CreateRuleGroup", { Name: "g", Scope: "REGIONAL", Capacity: 1, Rules: rules, VisibilityConfig: VIS("g") }),
      "WAFInvalidParameterException",
      "Error reason: You exceeded the capacity limit for a rule group or web ACL., field: RULE_GROUP, parameter: 2",
    );
    await expectAwsError(f.call("CreateRuleGroup", { Name: "g", Scope: "REGIONAL", Capacity: 5001, Rules: [], VisibilityConfig: VIS("g") }), "WAFLimitsExceededException", /resource limit/);
    const { Summary: g } = await f.call<{ Summary: Summary }>("CreateRuleGroup", { Name: "g", Scope: "REGIONAL", Capacity: 2, Rules: rules, VisibilityConfig: VIS("g") });
    assert.equal(g.ARN, `arn:aws:wafv2:${REGION}:${ACCOUNT}:regional/rulegroup/g/${g.Id}`);
    const got = await f.call<{ RuleGroup: Record<string, unknown>; LockToken: string }>("GetRuleGroup", { ARN: g.ARN });
    assert.equal(got.RuleGroup["Capacity"], 2);
    assert.equal(got.RuleGroup["LabelNamespace"], `awswaf:${ACCOUNT}:rulegroup:g:`);
    assert.deepEqual(got.RuleGroup["AvailableLabels"], [{ Name: `awswaf:${ACCOUNT}:rulegroup:g:bad:ip` }]);
    assert.deepEqual(got.RuleGroup["ConsumedLabels"], [{ Name: "awswaf:managed:token:absent" }]);
    assert.deepEqual(await f.call("GetRuleGroup", { Name: "g", Scope: "REGIONAL", Id: g.Id }), got);
    const third = block("third", 2, byteMatch);
    await expectAwsError(
      f.call("UpdateRuleGroup", { Name: "g", Scope: "REGIONAL", Id: g.Id, LockToken: g.LockToken, Rules: [...rules, third], VisibilityConfig: VIS("g") }),
      "WAFInvalidParameterException",
      /field: RULE_GROUP, parameter: 3$/,
    );
    // The failed update did not consume the token.
    await f.call("UpdateRuleGroup", { Name: "g", Scope: "REGIONAL", Id: g.Id, LockToken: g.LockToken, Rules: [third], VisibilityConfig: VIS("g") });
  });

  test("references must exist; a referenced set or group cannot be deleted (WAFAssociatedItemException)", async () => {
    const f = wafFixture();
    const ip = await ipSet(f);
    const ghost = ip.ARN.replace(ip.Id, "00000000-0000-4000-8000-000000000000");
    await expectAwsError(f.call("CreateRuleGroup", { Name: "g", Scope: "REGIONAL", Capacity: 5, Rules: [block("ip", 0, { IPSetReferenceStatement: { ARN: ghost } })], VisibilityConfig: VIS("g") }), "WAFNonexistentItemException", /doesn’t exist/);
    await expectAwsError(
      f.call("CreateRuleGroup", { Name: "g", Scope: "REGIONAL", Capacity: 5, Rules: [block("ip", 0, { IPSetReferenceStatement: { ARN: "arn:aws:wafv2:not-an-ip-set" } })], VisibilityConfig: VIS("g") }),
      "WAFInvalidParameterException",
      "Error reason: The ARN isn't valid., field: IP_SET_REFERENCE_STATEMENT, parameter: arn:aws:wafv2:not-an-ip-set",
    );
    await expectAwsError(
      f.call("CreateRuleGroup", { Name: "g", Scope: "REGIONAL", Capacity: 5, Rules: [block("ip", 0, { IPSetReferenceStatement: { ARN: "arn:aws:wafv2:x" } })], VisibilityConfig: VIS("g") }),
      "ValidationException",
      "1 validation error detected: Value 'arn:aws:wafv2:x' at 'rules.1.member.statement.iPSetReferenceStatement.aRN' failed to satisfy constraint: Member must have length greater than or equal to 20",
    );
    const { Summary: g } = await f.call<{ Summary: Summary }>("CreateRuleGroup", { Name: "g", Scope: "REGIONAL", Capacity: 5, Rules: [block("ip", 0, { IPSetReferenceStatement: { ARN: ip.ARN } })], VisibilityConfig: VIS("g") });
    await expectAwsError(
      f.call("DeleteIPSet", { Name: "bad", Scope: "REGIONAL", Id: ip.Id, LockToken: ip.LockToken }),
      "WAFAssociatedItemException",
      "AWS WAF couldn’t perform the operation because your resource is being used by another resource or it’s associated with another resource.",
    );
    const acl = await webAcl(f, [{ Name: "grp", Priority: 0, OverrideAction: { None: {} }, Statement: { RuleGroupReferenceStatement: { ARN: g.ARN } }, VisibilityConfig: VIS("grp") }]);
    await expectAwsError(f.call("DeleteRuleGroup", { Name: "g", Scope: "REGIONAL", Id: g.Id, LockToken: g.LockToken }), "WAFAssociatedItemException", /being used/);
    const got = await f.call<{ WebACL: { Capacity: number }; LockToken: string }>("GetWebACL", { Name: "acl", Scope: "REGIONAL", Id: acl.Id });
    assert.equal(got.WebACL.Capacity, 5);
    await f.call("DeleteWebACL", { Name: "acl", Scope: "REGIONAL", Id: acl.Id, LockToken: got.LockToken });
    await f.call("DeleteRuleGroup", { Name: "g", Scope: "REGIONAL", Id: g.Id, LockToken: g.LockToken });
    await f.call("DeleteIPSet", { Name: "bad", Scope: "REGIONAL", Id: ip.Id, LockToken: ip.LockToken });
  });

  test("rule groups cannot hold rule group statements", async () => {
    const f = wafFixture();
    await expectAwsError(
      f.call("CreateRuleGroup", { Name: "g", Scope: "REGIONAL", Capacity: 500, Rules: [{ Name: "m", Priority: 0, OverrideAction: { None: {} }, Statement: { ManagedRuleGroupStatement: { VendorName: "AWS", Name: MANAGED.Name } }, VisibilityConfig: VIS("m") }], VisibilityConfig: VIS("g") }),
      "WAFInvalidParameterException",
      /field: MANAGED_RULE_SET_STATEMENT/,
    );
  });
});

describe("web ACLs", () => {
  test("create and get: the stored shape, capacity, label namespace and summary", async () => {
    const f = wafFixture();
    const acl = await webAcl(f, [block("admin", 0, byteMatch)], { Description: "front door", CustomResponseBodies: { denied: { ContentType: "TEXT_PLAIN", Content: "no" } }, TokenDomains: ["example.com"] });
    const got = await f.call<{ WebACL: Record<string, unknown>; LockToken: string }>("GetWebACL", { ARN: acl.ARN });
    assert.equal(got.LockToken, acl.LockToken);
    const rules = got.WebACL["Rules"] as Array<{ Statement: { ByteMatchStatement: { SearchString: Uint8Array } } }>;
    assert.equal(Buffer.from(rules[0]?.Statement.ByteMatchStatement.SearchString as Uint8Array).toString(), "/admin");
    assert.ok(rules[0]?.Statement.ByteMatchStatement.SearchString instanceof Uint8Array);
    assert.deepEqual({ ...got.WebACL, Rules: undefined }, {
      Name: "acl",
      Id: acl.Id,
      ARN: `arn:aws:wafv2:${REGION}:${ACCOUNT}:regional/webacl/acl/${acl.Id}`,
      DefaultAction: { Allow: {} },
      Description: "front door",
      Rules: undefined,
      VisibilityConfig: VIS("acl"),
      Capacity: 1,
      PreProcessFirewallManagerRuleGroups: [],
      PostProcessFirewallManagerRuleGroups: [],
      ManagedByFirewallManager: false,
      LabelNamespace: `awswaf:${ACCOUNT}:webacl:acl:`,
      CustomResponseBodies: { denied: { ContentType: "TEXT_PLAIN", Content: "no" } },
      TokenDomains: ["example.com"],
      RetrofittedByFirewallManager: false,
    });
    await expectAwsError(f.call("GetWebACL", { Name: "acl" }), "WAFInvalidParameterException", /Specify either the ARN or the Name, Scope and Id/);
  });

  test("WCUs are checked against the web ACL limit; CheckCapacity reports them", async () => {
    const f = wafFixture({ webAclCapacityLimit: 30 });
    const managed = { Name: "sqli", Priority: 0, OverrideAction: { None: {} }, Statement: { ManagedRuleGroupStatement: { VendorName: "AWS", Name: MANAGED.Name } }, VisibilityConfig: VIS("sqli") };
    const rules = [managed, ...Array.from({ length: 6 }, (_, i) => block(`r${i}`, i + 1, byteMatch))];
    assert.deepEqual(await f.call("CheckCapacity", { Scope: "REGIONAL", Rules: rules }), { Capacity: 31 });
    await expectAwsError(f.call("CreateWebACL", { Name: "big", Scope: "REGIONAL", DefaultAction: { Allow: {} }, Rules: rules, VisibilityConfig: VIS("big") }), "WAFInvalidParameterException", "Error reason: You exceeded the capacity limit for a rule group or web ACL., field: WEB_ACL, parameter: 31");
    const ok = await webAcl(f, rules.slice(0, 6));
    assert.equal((await f.call<{ WebACL: { Capacity: number } }>("GetWebACL", { ARN: ok.ARN })).WebACL.Capacity, 30);
    await expectAwsError(
      f.call("CheckCapacity", { Scope: "REGIONAL", Rules: [{ ...managed, Statement: { ManagedRuleGroupStatement: { VendorName: "AWS", Name: "NoSuchGroup" } } }] }),
      "WAFNonexistentItemException",
      /doesn’t exist/,
    );
  });

  test("by default a web ACL may use AWS's maximum of 5,000 WCUs: beyond it create and update are refused and nothing changes", async () => {
    const f = wafFixture();
    const group = async (name: string, capacity: number): Promise<Summary> =>
      (await f.call<{ Summary: Summary }>("CreateRuleGroup", { Name: name, Scope: "REGIONAL", Capacity: capacity, Rules: [], VisibilityConfig: VIS(name) })).Summary;
    const big = await group("big", 3000);
    const more = await group("more", 1999);
    const ref = (g: Summary, priority: number) => ({ Name: g.Name, Priority: priority, OverrideAction: { None: {} }, Statement: { RuleGroupReferenceStatement: { ARN: g.ARN } }, VisibilityConfig: VIS(g.Name) });
    const full = [ref(big, 0), ref(more, 1), block("one", 2, byteMatch)];
    assert.deepEqual(await f.call("CheckCapacity", { Scope: "REGIONAL", Rules: full }), { Capacity: 5000 });
    const acl = await webAcl(f, full);
    const got = await f.call<{ WebACL: { Capacity: number }; LockToken: string }>("GetWebACL", { ARN: acl.ARN });
    assert.equal(got.WebACL.Capacity, 5000, "well past the 1,500 WCUs of AWS's base price");
    const over = [...full, block("two", 3, byteMatch)];
    assert.deepEqual(await f.call("CheckCapacity", { Scope: "REGIONAL", Rules: over }), { Capacity: 5001 }, "CheckCapacity reports, it does not enforce");
    const exceeded = "Error reason: You exceeded the capacity limit for a rule group or web ACL., field: WEB_ACL, parameter: 5001";
    await expectAwsError(f.call("CreateWebACL", { Name: "over", Scope: "REGIONAL", DefaultAction: { Allow: {} }, Rules: over, VisibilityConfig: VIS("over") }), "WAFInvalidParameterException", exceeded);
    await expectAwsError(
      f.call("UpdateWebACL", { Name: "acl", Scope: "REGIONAL", Id: acl.Id, LockToken: got.LockToken, DefaultAction: { Allow: {} }, Rules: over, VisibilityConfig: VIS("acl") }),
      "WAFInvalidParameterException",
      exceeded,
    );
    const after = await f.call<{ WebACL: { Capacity: number; Rules: unknown[] }; LockToken: string }>("GetWebACL", { ARN: acl.ARN });
    assert.equal(after.LockToken, got.LockToken);
    assert.equal(after.WebACL.Capacity, 5000);
    assert.equal(after.WebACL.Rules.length, 3);
    assert.equal((await group("max", 5000)).Name, "max", "a rule group may declare up to 5,000 WCUs");
  });

  test("the web ACL capacity limit is configurable between 1 and 5,000 WCUs", () => {
    assert.equal(webAclCapacityLimit(undefined), 5000);
    assert.equal(webAclCapacityLimit(1500), 1500);
    assert.equal(webAclCapacityLimit(9000), 5000);
    assert.equal(webAclCapacityLimit(0), 1);
    assert.equal(webAclCapacityLimit(Number.NaN), 5000);
  });

  test("rule structure: unique names and priorities, Action vs OverrideAction, reserved metric names, response body keys", async () => {
    const f = wafFixture();
    await expectAwsError(webAcl(f, [block("a", 0, byteMatch), block("a", 1, byteMatch)]), "WAFDuplicateItemException", /duplicate/);
    await expectAwsError(webAcl(f, [block("a", 0, byteMatch), block("b", 0, byteMatch)]), "WAFDuplicateItemException", /duplicate/);
    await expectAwsError(webAcl(f, [{ ...block("a", 0, byteMatch), OverrideAction: { None: {} } }]), "WAFInvalidParameterException", /field: OVERRIDE_ACTION, parameter: a/);
    await expectAwsError(webAcl(f, [{ Name: "a", Priority: 0, Statement: byteMatch, VisibilityConfig: VIS("a") }]), "WAFInvalidParameterException", /field: RULE_ACTION, parameter: a/);
    await expectAwsError(webAcl(f, [block("a", 0, byteMatch)], { VisibilityConfig: VIS("Default_Action") }), "WAFInvalidParameterException", /field: METRIC_NAME, parameter: Default_Action/);
    await expectAwsError(
      webAcl(f, [{ ...block("a", 0, byteMatch), Action: { Block: { CustomResponse: { ResponseCode: 429, CustomResponseBodyKey: "missing" } } } }]),
      "WAFInvalidParameterException",
      /field: CUSTOM_RESPONSE_BODY, parameter: missing/,
    );
    await expectAwsError(webAcl(f, [], { DefaultAction: { Allow: {}, Block: {} } }), "WAFInvalidParameterException", /field: DEFAULT_ACTION/);
    await expectAwsError(webAcl(f, [], { AssociationConfig: { RequestBody: { CLOUDFRONT: { DefaultSizeInspectionLimit: "KB_16" } } } }), "WAFInvalidParameterException", /field: ASSOCIATED_RESOURCE_TYPE, parameter: CLOUDFRONT/);
    await expectAwsError(
      webAcl(f, [block("a", 0, { NotStatement: { Statement: { ManagedRuleGroupStatement: { VendorName: "AWS", Name: MANAGED.Name } } } })]),
      "WAFInvalidParameterException",
      /field: MANAGED_RULE_SET_STATEMENT/,
    );
    await expectAwsError(webAcl(f, [block("a", 0, {})]), "WAFInvalidParameterException", /field: STATEMENT, parameter: a/);
    await expectAwsError(
      webAcl(f, [{ ...block("a", 0, byteMatch), CaptchaConfig: { ImmunityTimeProperty: { ImmunityTime: 300.5 } } }]),
      "ValidationException",
      /Value '300.5' at 'rules.1.member.captchaConfig.immunityTimeProperty.immunityTime'/,
    );
    await expectAwsError(
      webAcl(f, [{ ...block("a", 0, byteMatch), ChallengeConfig: { ImmunityTimeProperty: { ImmunityTime: 10 } } }]),
      "ValidationException",
      /at 'rules.1.member.challengeConfig.immunityTimeProperty.immunityTime' failed to satisfy constraint: Member must have value greater than or equal to 300/,
    );
    const list = await f.call<{ WebACLs: unknown[] }>("ListWebACLs", { Scope: "REGIONAL" });
    assert.equal(list.WebACLs.length, 0);
  });

  test("update needs the current token; the name in the request must be the web ACL's", async () => {
    const f = wafFixture();
    const acl = await webAcl(f, []);
    const update = { Name: "acl", Scope: "REGIONAL", Id: acl.Id, DefaultAction: { Block: {} }, VisibilityConfig: VIS("acl") };
    await expectAwsError(f.call("UpdateWebACL", { ...update, Name: "other", LockToken: acl.LockToken }), "WAFNonexistentItemException", /doesn’t exist/);
    const { NextLockToken } = await f.call<{ NextLockToken: string }>("UpdateWebACL", { ...update, LockToken: acl.LockToken });
    await expectAwsError(f.call("UpdateWebACL", { ...update, LockToken: acl.LockToken }), "WAFOptimisticLockException", /someone changed/);
    const got = await f.call<{ WebACL: { DefaultAction: unknown }; LockToken: string }>("GetWebACL", { ARN: acl.ARN });
    assert.deepEqual(got.WebACL.DefaultAction, { Block: {} });
    assert.equal(got.LockToken, NextLockToken);
    const list = await f.call<{ WebACLs: Summary[] }>("ListWebACLs", { Scope: "REGIONAL" });
    assert.deepEqual(list.WebACLs, [{ Name: "acl", Id: acl.Id, LockToken: NextLockToken, ARN: acl.ARN }]);
  });
});

describe("managed rule groups", () => {
  test("list, versions and describe come from the engine's catalogue", async () => {
    const f = wafFixture();
    const list = await f.call<{ ManagedRuleGroups: Array<{ Name: string }>; NextMarker?: string }>("ListAvailableManagedRuleGroups", { Scope: "REGIONAL", Limit: 1 });
    assert.deepEqual(list.ManagedRuleGroups.map((g) => g.Name), ["AWSManagedRulesCommonRuleSet"]);
    const rest = await f.call<{ ManagedRuleGroups: Array<{ Name: string }> }>("ListAvailableManagedRuleGroups", { Scope: "REGIONAL", NextMarker: list.NextMarker });
    assert.deepEqual(rest.ManagedRuleGroups.map((g) => g.Name), ["AWSManagedRulesSQLiRuleSet"]);
    const versions = await f.call<{ Versions: Array<{ Name: string }>; CurrentDefaultVersion: string }>("ListAvailableManagedRuleGroupVersions", { VendorName: "AWS", Name: MANAGED.Name, Scope: "REGIONAL" });
    assert.equal(versions.CurrentDefaultVersion, "Version_1.0");
    assert.deepEqual(versions.Versions.map((v) => v.Name), ["Version_1.0"]);
    const d = await f.call<{ Capacity: number }>("DescribeManagedRuleGroup", { VendorName: "AWS", Name: MANAGED.Name, Scope: "REGIONAL" });
    assert.equal(d.Capacity, 200);
    await expectAwsError(f.call("DescribeManagedRuleGroup", { VendorName: "AWS", Name: "Nope", Scope: "REGIONAL" }), "WAFNonexistentItemException", /doesn’t exist/);
    await expectAwsError(f.call("ListAvailableManagedRuleGroupVersions", { VendorName: "AWS", Name: "Nope", Scope: "REGIONAL" }), "WAFNonexistentItemException", /doesn’t exist/);
  });
});
