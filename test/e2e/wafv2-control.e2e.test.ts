/**
 * WAFv2 control plane through the real server and @aws-sdk/client-wafv2: CRUD with lock
 * tokens, capacity and limits, references, managed rule groups, logging configuration,
 * tags, IAM enforcement and persistence across a restart.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  WAFV2Client,
  CreateIPSetCommand,
  GetIPSetCommand,
  UpdateIPSetCommand,
  DeleteIPSetCommand,
  ListIPSetsCommand,
  CreateRegexPatternSetCommand,
  GetRegexPatternSetCommand,
  DeleteRegexPatternSetCommand,
  CreateRuleGroupCommand,
  GetRuleGroupCommand,
  DeleteRuleGroupCommand,
  CreateWebACLCommand,
  GetWebACLCommand,
  UpdateWebACLCommand,
  DeleteWebACLCommand,
  ListWebACLsCommand,
  ListRuleGroupsCommand,
  CheckCapacityCommand,
  ListAvailableManagedRuleGroupsCommand,
  DescribeManagedRuleGroupCommand,
  ListAvailableManagedRuleGroupVersionsCommand,
  PutLoggingConfigurationCommand,
  GetLoggingConfigurationCommand,
  ListLoggingConfigurationsCommand,
  DeleteLoggingConfigurationCommand,
  TagResourceCommand,
  UntagResourceCommand,
  ListTagsForResourceCommand,
  type Rule,
} from "@aws-sdk/client-wafv2";
import { IAMClient, CreateUserCommand, CreateAccessKeyCommand, PutUserPolicyCommand } from "@aws-sdk/client-iam";
import { startTestServer, type TestServer } from "./harness.js";

const REGION = "eu-west-1";
let s: TestServer;
let waf: WAFV2Client;

before(async () => {
  s = await startTestServer();
  waf = new WAFV2Client(s.clientConfig(undefined, REGION));
});
after(async () => {
  await s.destroy();
});

const vis = (MetricName: string) => ({ SampledRequestsEnabled: true, CloudWatchMetricsEnabled: true, MetricName });
const uriStartsWith = (name: string, priority: number, value: string): Rule => ({
  Name: name,
  Priority: priority,
  Action: { Block: {} },
  Statement: { ByteMatchStatement: { SearchString: new TextEncoder().encode(value), FieldToMatch: { UriPath: {} }, TextTransformations: [{ Priority: 0, Type: "NONE" }], PositionalConstraint: "STARTS_WITH" } },
  VisibilityConfig: vis(name),
});

async function rejects(p: Promise<unknown>, name: string, check?: (e: any) => void): Promise<void> {
  await assert.rejects(p, (e: any) => {
    assert.equal(e.name, name, e.message);
    assert.equal(e.$metadata.httpStatusCode, 400);
    check?.(e);
    return true;
  });
}

test("IP sets: create, get, update with lock tokens, list, delete", async () => {
  const { Summary } = await waf.send(new CreateIPSetCommand({ Name: "blocklist", Scope: "REGIONAL", IPAddressVersion: "IPV4", Addresses: ["192.0.2.0/24"], Description: "known bad" }));
  assert.ok(Summary?.Id && Summary.LockToken && Summary.ARN);
  assert.equal(Summary.ARN, `arn:aws:wafv2:${REGION}:${s.accountId}:regional/ipset/blocklist/${Summary.Id}`);
  const got = await waf.send(new GetIPSetCommand({ Name: "blocklist", Scope: "REGIONAL", Id: Summary.Id }));
  assert.deepEqual(got.IPSet, { Name: "blocklist", Id: Summary.Id, ARN: Summary.ARN, Description: "known bad", IPAddressVersion: "IPV4", Addresses: ["192.0.2.0/24"] });
  assert.equal(got.LockToken, Summary.LockToken);
  const upd = await waf.send(new UpdateIPSetCommand({ Name: "blocklist", Scope: "REGIONAL", Id: Summary.Id, LockToken: Summary.LockToken, Addresses: ["198.51.100.0/24", "2001:db8::/32"].slice(0, 1) }));
  assert.ok(upd.NextLockToken && upd.NextLockToken !== Summary.LockToken);
  await rejects(waf.send(new UpdateIPSetCommand({ Name: "blocklist", Scope: "REGIONAL", Id: Summary.Id, LockToken: Summary.LockToken, Addresses: [] })), "WAFOptimisticLockException");
  await rejects(waf.send(new CreateIPSetCommand({ Name: "blocklist", Scope: "REGIONAL", IPAddressVersion: "IPV4", Addresses: [] })), "WAFDuplicateItemException");
  await rejects(waf.send(new CreateIPSetCommand({ Name: "bad", Scope: "REGIONAL", IPAddressVersion: "IPV4", Addresses: ["300.1.1.1/32"] })), "WAFInvalidParameterException", (e) => {
    assert.equal(e.Field, "IP_ADDRESS");
    assert.equal(e.Parameter, "300.1.1.1/32");
    assert.equal(e.Reason, "The IP address isn't valid.");
  });
  await rejects(waf.send(new CreateIPSetCommand({ Name: "has space", Scope: "REGIONAL", IPAddressVersion: "IPV4", Addresses: [] })), "ValidationException");
  await rejects(waf.send(new CreateIPSetCommand({ Name: "cf", Scope: "CLOUDFRONT", IPAddressVersion: "IPV4", Addresses: [] })), "WAFInvalidParameterException", (e) => assert.equal(e.Field, "SCOPE_VALUE"));
  const list = await waf.send(new ListIPSetsCommand({ Scope: "REGIONAL" }));
  assert.deepEqual(list.IPSets?.map((x) => [x.Name, x.LockToken]), [["blocklist", upd.NextLockToken]]);
  await waf.send(new DeleteIPSetCommand({ Name: "blocklist", Scope: "REGIONAL", Id: Summary.Id, LockToken: upd.NextLockToken }));
  await rejects(waf.send(new GetIPSetCommand({ Name: "blocklist", Scope: "REGIONAL", Id: Summary.Id })), "WAFNonexistentItemException", (e) => assert.equal(e.message, "AWS WAF couldn’t perform the operation because your resource doesn’t exist."));
});

test("CLOUDFRONT scope works from us-east-1 with global ARNs", async () => {
  const global = new WAFV2Client(s.clientConfig(undefined, "us-east-1"));
  const { Summary } = await global.send(new CreateIPSetCommand({ Name: "edge", Scope: "CLOUDFRONT", IPAddressVersion: "IPV6", Addresses: ["2001:db8::/32"] }));
  assert.equal(Summary?.ARN, `arn:aws:wafv2:us-east-1:${s.accountId}:global/ipset/edge/${Summary?.Id}`);
  await global.send(new DeleteIPSetCommand({ Name: "edge", Scope: "CLOUDFRONT", Id: Summary?.Id, LockToken: Summary?.LockToken }));
});

test("rule groups and web ACLs: capacity, references, WAFAssociatedItemException", async () => {
  const ip = (await waf.send(new CreateIPSetCommand({ Name: "refd", Scope: "REGIONAL", IPAddressVersion: "IPV4", Addresses: ["203.0.113.0/24"] }))).Summary!;
  const regex = (await waf.send(new CreateRegexPatternSetCommand({ Name: "paths", Scope: "REGIONAL", RegularExpressionList: [{ RegexString: "^/wp-" }] }))).Summary!;
  const groupRules: Rule[] = [
    { Name: "ip", Priority: 0, Action: { Block: {} }, Statement: { IPSetReferenceStatement: { ARN: ip.ARN } }, VisibilityConfig: vis("ip") },
    { Name: "wp", Priority: 1, Action: { Count: {} }, Statement: { RegexPatternSetReferenceStatement: { ARN: regex.ARN, FieldToMatch: { UriPath: {} }, TextTransformations: [{ Priority: 0, Type: "LOWERCASE" }] } }, VisibilityConfig: vis("wp") },
  ];
  const needed = (await waf.send(new CheckCapacityCommand({ Scope: "REGIONAL", Rules: groupRules }))).Capacity!;
  assert.equal(needed, 1 + 25 + 10, "IP set 1, regex pattern set 25 + one transformation 10");
  await rejects(waf.send(new CreateRuleGroupCommand({ Name: "grp", Scope: "REGIONAL", Capacity: needed - 1, Rules: groupRules, VisibilityConfig: vis("grp") })), "WAFInvalidParameterException", (e) => {
    assert.equal(e.Field, "RULE_GROUP");
    assert.equal(e.Reason, "You exceeded the capacity limit for a rule group or web ACL.");
  });
  const grp = (await waf.send(new CreateRuleGroupCommand({ Name: "grp", Scope: "REGIONAL", Capacity: 100, Rules: groupRules, VisibilityConfig: vis("grp") }))).Summary!;
  const rg = await waf.send(new GetRuleGroupCommand({ ARN: grp.ARN }));
  assert.equal(rg.RuleGroup?.Capacity, 100);
  assert.equal(rg.RuleGroup?.LabelNamespace, `awswaf:${s.accountId}:rulegroup:grp:`);

  const aclRules: Rule[] = [
    uriStartsWith("admin", 0, "/admin"),
    { Name: "grp", Priority: 1, OverrideAction: { None: {} }, Statement: { RuleGroupReferenceStatement: { ARN: grp.ARN } }, VisibilityConfig: vis("grp-ref") },
    { Name: "sqli", Priority: 2, OverrideAction: { Count: {} }, Statement: { ManagedRuleGroupStatement: { VendorName: "AWS", Name: "AWSManagedRulesSQLiRuleSet" } }, VisibilityConfig: vis("sqli") },
  ];
  const acl = (await waf.send(new CreateWebACLCommand({ Name: "front", Scope: "REGIONAL", DefaultAction: { Allow: {} }, Rules: aclRules, VisibilityConfig: vis("front"), Tags: [{ Key: "env", Value: "test" }] }))).Summary!;
  const got = await waf.send(new GetWebACLCommand({ Name: "front", Scope: "REGIONAL", Id: acl.Id }));
  assert.equal(got.WebACL?.Capacity, 2 + 100 + 200);
  assert.equal(new TextDecoder().decode(got.WebACL?.Rules?.[0]?.Statement?.ByteMatchStatement?.SearchString), "/admin");
  assert.equal(got.WebACL?.LabelNamespace, `awswaf:${s.accountId}:webacl:front:`);

  const tooBig: Rule[] = ["AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet", "AWSManagedRulesLinuxRuleSet", "AWSManagedRulesWindowsRuleSet"].map((Name, i) => ({
    Name,
    Priority: 10 + i,
    OverrideAction: { None: {} },
    Statement: { ManagedRuleGroupStatement: { VendorName: "AWS", Name } },
    VisibilityConfig: vis(Name),
  }));
  // Past the 1,500 WCUs of AWS's base price, up to its maximum of 5,000.
  const bigger = await waf.send(new UpdateWebACLCommand({ Name: "front", Scope: "REGIONAL", Id: acl.Id, LockToken: got.LockToken, DefaultAction: { Allow: {} }, Rules: [...aclRules, ...tooBig], VisibilityConfig: vis("front") }));
  const wide = await waf.send(new GetWebACLCommand({ Name: "front", Scope: "REGIONAL", Id: acl.Id }));
  assert.equal(wide.WebACL?.Capacity, 2 + 100 + 200 + 700 + 200 + 200 + 200);
  assert.equal(wide.LockToken, bigger.NextLockToken);
  const reserve = (await waf.send(new CreateRuleGroupCommand({ Name: "reserve", Scope: "REGIONAL", Capacity: 3399, Rules: [], VisibilityConfig: vis("reserve") }))).Summary!;
  const reserveRule: Rule = { Name: "reserve", Priority: 20, OverrideAction: { None: {} }, Statement: { RuleGroupReferenceStatement: { ARN: reserve.ARN } }, VisibilityConfig: vis("reserve-ref") };
  const atMax = [...aclRules, ...tooBig, reserveRule];
  assert.equal((await waf.send(new CheckCapacityCommand({ Scope: "REGIONAL", Rules: atMax }))).Capacity, 5001);
  await rejects(waf.send(new UpdateWebACLCommand({ Name: "front", Scope: "REGIONAL", Id: acl.Id, LockToken: wide.LockToken, DefaultAction: { Allow: {} }, Rules: atMax, VisibilityConfig: vis("front") })), "WAFInvalidParameterException", (e) => {
    assert.equal(e.Field, "WEB_ACL");
    assert.equal(e.Parameter, "5001");
    assert.equal(e.Reason, "You exceeded the capacity limit for a rule group or web ACL.");
    assert.equal(e.message, "Error reason: You exceeded the capacity limit for a rule group or web ACL., field: WEB_ACL, parameter: 5001");
  });
  await rejects(waf.send(new CreateWebACLCommand({ Name: "over", Scope: "REGIONAL", DefaultAction: { Allow: {} }, Rules: atMax, VisibilityConfig: vis("over") })), "WAFInvalidParameterException", (e) => assert.equal(e.Parameter, "5001"));
  const unchanged = await waf.send(new GetWebACLCommand({ Name: "front", Scope: "REGIONAL", Id: acl.Id }));
  assert.equal(unchanged.WebACL?.Capacity, wide.WebACL?.Capacity);
  assert.equal(unchanged.LockToken, wide.LockToken);
  await waf.send(new DeleteRuleGroupCommand({ Name: "reserve", Scope: "REGIONAL", Id: reserve.Id, LockToken: reserve.LockToken }));

  await rejects(waf.send(new DeleteIPSetCommand({ Name: "refd", Scope: "REGIONAL", Id: ip.Id, LockToken: ip.LockToken })), "WAFAssociatedItemException");
  await rejects(waf.send(new DeleteRuleGroupCommand({ Name: "grp", Scope: "REGIONAL", Id: grp.Id, LockToken: grp.LockToken })), "WAFAssociatedItemException");
  const ghost = grp.ARN!.replace(grp.Id!, "00000000-0000-4000-8000-000000000000");
  await rejects(
    waf.send(new UpdateWebACLCommand({ Name: "front", Scope: "REGIONAL", Id: acl.Id, LockToken: wide.LockToken, DefaultAction: { Allow: {} }, Rules: [{ ...aclRules[1]!, Statement: { RuleGroupReferenceStatement: { ARN: ghost } } }], VisibilityConfig: vis("front") })),
    "WAFNonexistentItemException",
  );
  const next = await waf.send(new UpdateWebACLCommand({ Name: "front", Scope: "REGIONAL", Id: acl.Id, LockToken: wide.LockToken, DefaultAction: { Block: {} }, Rules: [aclRules[0]!], VisibilityConfig: vis("front") }));
  await waf.send(new DeleteRuleGroupCommand({ Name: "grp", Scope: "REGIONAL", Id: grp.Id, LockToken: grp.LockToken }));
  await waf.send(new DeleteIPSetCommand({ Name: "refd", Scope: "REGIONAL", Id: ip.Id, LockToken: ip.LockToken }));
  const list = await waf.send(new ListWebACLsCommand({ Scope: "REGIONAL" }));
  assert.deepEqual(list.WebACLs?.map((w) => [w.Name, w.LockToken]), [["front", next.NextLockToken]]);

  // Logging configuration and tags on the web ACL.
  const dest = `arn:aws:logs:${REGION}:${s.accountId}:log-group:aws-waf-logs-front`;
  const put = await waf.send(new PutLoggingConfigurationCommand({ LoggingConfiguration: { ResourceArn: acl.ARN, LogDestinationConfigs: [dest], RedactedFields: [{ SingleHeader: { Name: "cookie" } }] } }));
  assert.deepEqual(put.LoggingConfiguration, { ResourceArn: acl.ARN, LogDestinationConfigs: [dest], RedactedFields: [{ SingleHeader: { Name: "cookie" } }], ManagedByFirewallManager: false, LogType: "WAF_LOGS", LogScope: "CUSTOMER" });
  assert.deepEqual((await waf.send(new GetLoggingConfigurationCommand({ ResourceArn: acl.ARN }))).LoggingConfiguration, put.LoggingConfiguration);
  assert.deepEqual((await waf.send(new ListLoggingConfigurationsCommand({ Scope: "REGIONAL" }))).LoggingConfigurations, [put.LoggingConfiguration]);
  await rejects(waf.send(new PutLoggingConfigurationCommand({ LoggingConfiguration: { ResourceArn: acl.ARN, LogDestinationConfigs: [`arn:aws:logs:${REGION}:${s.accountId}:log-group:no-prefix`] } })), "WAFInvalidParameterException", (e) => assert.equal(e.Field, "LOG_DESTINATION"));
  await waf.send(new DeleteLoggingConfigurationCommand({ ResourceArn: acl.ARN }));
  await rejects(waf.send(new GetLoggingConfigurationCommand({ ResourceArn: acl.ARN })), "WAFNonexistentItemException");
  for (const odd of ["\u0000", "\ud800"]) {
    await rejects(waf.send(new GetLoggingConfigurationCommand({ ResourceArn: acl.ARN + odd })), "WAFNonexistentItemException");
    await rejects(waf.send(new DeleteLoggingConfigurationCommand({ ResourceArn: acl.ARN + odd })), "WAFNonexistentItemException");
  }

  await waf.send(new TagResourceCommand({ ResourceARN: acl.ARN, Tags: [{ Key: "team", Value: "sec" }] }));
  await waf.send(new UntagResourceCommand({ ResourceARN: acl.ARN, TagKeys: ["env"] }));
  const tags = await waf.send(new ListTagsForResourceCommand({ ResourceARN: acl.ARN }));
  assert.deepEqual(tags.TagInfoForResource, { ResourceARN: acl.ARN, TagList: [{ Key: "team", Value: "sec" }] });

  await waf.send(new DeleteWebACLCommand({ Name: "front", Scope: "REGIONAL", Id: acl.Id, LockToken: next.NextLockToken }));
});

test("rules the engine cannot run are WAFInvalidParameterException (never a 500) and nothing is stored", async () => {
  const byteMatch = (overrides: Record<string, unknown>): Rule => ({
    ...uriStartsWith("odd", 0, "/x"),
    Statement: { ByteMatchStatement: { SearchString: new TextEncoder().encode("/x"), FieldToMatch: { UriPath: {} }, TextTransformations: [{ Priority: 0, Type: "NONE" }], PositionalConstraint: "STARTS_WITH", ...overrides } },
  });
  const rateBased = (Limit: number): Rule => ({ Name: "rate", Priority: 0, Action: { Block: {} }, Statement: { RateBasedStatement: { Limit, AggregateKeyType: "IP" } }, VisibilityConfig: vis("rate") });
  const cases: Array<[string, Rule]> = [
    ["FieldToMatch without a component", byteMatch({ FieldToMatch: {} })],
    ["FieldToMatch with two components", byteMatch({ FieldToMatch: { UriPath: {}, QueryString: {} } })],
    ["regular expression that does not compile", { ...rateBased(100), Statement: { RegexMatchStatement: { RegexString: "(", FieldToMatch: { UriPath: {} }, TextTransformations: [{ Priority: 0, Type: "NONE" }] } } }],
  ];
  for (const [what, rule] of cases) {
    const expectRule = (e: any) => {
      assert.equal(e.Field, "RULE", what);
      assert.ok(e.Reason, what);
    };
    await rejects(waf.send(new CheckCapacityCommand({ Scope: "REGIONAL", Rules: [rule] })), "WAFInvalidParameterException", expectRule);
    await rejects(waf.send(new CreateWebACLCommand({ Name: "engine-refuses", Scope: "REGIONAL", DefaultAction: { Allow: {} }, Rules: [rule], VisibilityConfig: vis("x") })), "WAFInvalidParameterException", expectRule);
  }
  // Values outside the model's enums and ranges never reach the engine: they are the model's constraints.
  const p = "rules.1.member.statement";
  const constrained: Array<[Rule, string]> = [
    [byteMatch({ TextTransformations: [{ Priority: 0, Type: "NOT_A_TRANSFORMATION" }] }), `${p}.byteMatchStatement.textTransformations.1.member.type`],
    [byteMatch({ TextTransformations: [{ Priority: 0, Type: "constructor" }] }), `${p}.byteMatchStatement.textTransformations.1.member.type`],
    [byteMatch({ TextTransformations: [{ Priority: 0.5, Type: "NONE" }] }), `${p}.byteMatchStatement.textTransformations.1.member.priority`],
    [byteMatch({ FieldToMatch: { JsonBody: { MatchPattern: { All: {} }, MatchScope: "EVERYTHING" } } }), `${p}.byteMatchStatement.fieldToMatch.jsonBody.matchScope`],
    [rateBased(10.5), `${p}.rateBasedStatement.limit`],
    [rateBased(2_000_000_001), `${p}.rateBasedStatement.limit`],
    [{ ...rateBased(100), Statement: { SizeConstraintStatement: { FieldToMatch: { UriPath: {} }, ComparisonOperator: "GT", Size: 100.5, TextTransformations: [{ Priority: 0, Type: "NONE" }] } } }, `${p}.sizeConstraintStatement.size`],
  ];
  for (const [rule, path] of constrained) {
    await rejects(waf.send(new CheckCapacityCommand({ Scope: "REGIONAL", Rules: [rule] })), "ValidationException", (e) => assert.ok(e.message.includes(` at '${path}' failed to satisfy constraint: `), e.message));
    await rejects(waf.send(new CreateWebACLCommand({ Name: "engine-refuses", Scope: "REGIONAL", DefaultAction: { Allow: {} }, Rules: [rule], VisibilityConfig: vis("x") })), "ValidationException");
  }
  const listed = await waf.send(new ListWebACLsCommand({ Scope: "REGIONAL" }));
  assert.ok(!(listed.WebACLs ?? []).some((a) => a.Name === "engine-refuses"));

  // A regex pattern set holds only expressions the engine can run: a bad one never reaches a web ACL.
  await rejects(waf.send(new CreateRegexPatternSetCommand({ Name: "broken", Scope: "REGIONAL", RegularExpressionList: [{ RegexString: "^/ok" }, { RegexString: "(" }] })), "WAFInvalidParameterException", (e) => {
    assert.equal(e.Field, "REGEX_PATTERN_SET");
    assert.equal(e.Parameter, "(");
  });
});

test("regular expressions: the PCRE constructs the WAF guide supports are accepted; each it lists as unsupported is WAFInvalidParameterException", async () => {
  const supported = [
    "^\\p{L}+$", "\\pL\\PN", "\\p{Greek}", "[\\p{Han}\\p{L&}]", "\\p{Xan}\\p{Xwd}\\p{Xsp}", "\\p{^Lu}",
    "\\cA\\e\\a\\o{101}\\x{41}\\x41\\0101", "\\h\\H\\v\\V\\N", "\\X", "(*UTF8)^.$", "(*UCP)^\\w+$",
    "a(?# comment)b", "(?<n>a)(?'m'b)(?P<o>c)", "(?|a|b)", "foo(?i)bar(?-i)baz", "(?i:a)b", "(?x) a b # c",
    "\\Qa.b\\E", "[a-\\d]", "[[:alpha:][:^digit:]]", "\\Aa\\Z", "\\bword\\B", "a{2,3}?", "[\\b]",
  ];
  const set = (await waf.send(new CreateRegexPatternSetCommand({ Name: "pcre", Scope: "REGIONAL", RegularExpressionList: supported.slice(0, 10).map((RegexString) => ({ RegexString })) }))).Summary!;
  const got = await waf.send(new GetRegexPatternSetCommand({ Name: "pcre", Scope: "REGIONAL", Id: set.Id }));
  assert.deepEqual(got.RegexPatternSet!.RegularExpressionList!.map((r) => r.RegexString), supported.slice(0, 10));
  await waf.send(new DeleteRegexPatternSetCommand({ Name: "pcre", Scope: "REGIONAL", Id: set.Id, LockToken: got.LockToken }));
  const regexRule = (RegexString: string, i = 0): Rule => ({
    Name: `re${i}`,
    Priority: i,
    Action: { Block: {} },
    Statement: { RegexMatchStatement: { RegexString, FieldToMatch: { UriPath: {} }, TextTransformations: [{ Priority: 0, Type: "NONE" }] } },
    VisibilityConfig: vis(`re${i}`),
  });
  const capacity = await waf.send(new CheckCapacityCommand({ Scope: "REGIONAL", Rules: supported.map((p, i) => regexRule(p, i)) }));
  assert.equal(capacity.Capacity, 3 * supported.length);

  const unsupported = [
    "(a)\\1", "(?<n>a)\\k<n>", "(a)(?1)", "(?R)", "(a)?(?(1)b|c)", "a(*FAIL)", "a(*COMMIT)b", "a\\Cb", "a\\Rb", "a\\Kb",
    "(?C1)a", "(?>a+)b", "a++b", "(?=a)a", "(?<!a)b", "\\p{Nope}",
  ];
  for (const p of unsupported) {
    await rejects(waf.send(new CreateRegexPatternSetCommand({ Name: "unsupported", Scope: "REGIONAL", RegularExpressionList: [{ RegexString: p }] })), "WAFInvalidParameterException", (e) => {
      assert.equal(e.Field, "REGEX_PATTERN_SET", p);
      assert.equal(e.Parameter, p);
      assert.equal(e.Reason, "The regular expression isn't valid.");
      assert.equal(e.$metadata.httpStatusCode, 400);
    });
    await rejects(waf.send(new CheckCapacityCommand({ Scope: "REGIONAL", Rules: [regexRule(p)] })), "WAFInvalidParameterException", (e) => {
      assert.equal(e.Field, "RULE", p);
      assert.equal(e.Parameter, "Rules");
      assert.ok(String(e.Reason).endsWith(` in ${p}`) || String(e.Reason).startsWith(`Invalid regular expression ${p}: `), e.Reason);
    });
  }
});

test("nested members outside the model's enums are ValidationException with the member's path, before anything is stored", async () => {
  const rule: Rule = {
    Name: "nested",
    Priority: 0,
    Action: { Block: {} },
    VisibilityConfig: vis("nested"),
    Statement: {
      RateBasedStatement: {
        Limit: 100,
        AggregateKeyType: "IP",
        ScopeDownStatement: {
          NotStatement: { Statement: { ByteMatchStatement: { SearchString: new TextEncoder().encode("x"), FieldToMatch: { Body: { OversizeHandling: "DROP" as "CONTINUE" } }, TextTransformations: [{ Priority: 0, Type: "NONE" }], PositionalConstraint: "CONTAINS" } } },
        },
      },
    },
  };
  const message =
    "1 validation error detected: Value 'DROP' at 'rules.1.member.statement.rateBasedStatement.scopeDownStatement.notStatement.statement.byteMatchStatement.fieldToMatch.body.oversizeHandling' failed to satisfy constraint: Member must satisfy enum value set: [CONTINUE, MATCH, NO_MATCH]";
  await rejects(waf.send(new CreateWebACLCommand({ Name: "nested-enum", Scope: "REGIONAL", DefaultAction: { Allow: {} }, Rules: [rule], VisibilityConfig: vis("nested-enum") })), "ValidationException", (e) => {
    assert.equal(e.message, message);
  });
  await rejects(waf.send(new CheckCapacityCommand({ Scope: "REGIONAL", Rules: [rule] })), "ValidationException", (e) => assert.equal(e.message, message));
  const dup: Rule = {
    ...uriStartsWith("dup", 0, "/x"),
    Statement: { ByteMatchStatement: { SearchString: new TextEncoder().encode("/x"), FieldToMatch: { UriPath: {} }, TextTransformations: [{ Priority: 3, Type: "LOWERCASE" }, { Priority: 3, Type: "URL_DECODE" }], PositionalConstraint: "STARTS_WITH" } },
  };
  await rejects(waf.send(new CreateWebACLCommand({ Name: "nested-enum", Scope: "REGIONAL", DefaultAction: { Allow: {} }, Rules: [dup], VisibilityConfig: vis("nested-enum") })), "WAFInvalidParameterException", (e) => {
    assert.equal(e.Field, "TEXT_TRANSFORMATION");
    assert.equal(e.Parameter, "3");
  });
  const listed = await waf.send(new ListWebACLsCommand({ Scope: "REGIONAL" }));
  assert.ok(!(listed.WebACLs ?? []).some((a) => a.Name === "nested-enum"));
});

test("managed rule groups: list, describe, versions", async () => {
  const list = await waf.send(new ListAvailableManagedRuleGroupsCommand({ Scope: "REGIONAL" }));
  assert.ok(list.ManagedRuleGroups?.some((g) => g.VendorName === "AWS" && g.Name === "AWSManagedRulesSQLiRuleSet"));
  const d = await waf.send(new DescribeManagedRuleGroupCommand({ VendorName: "AWS", Name: "AWSManagedRulesSQLiRuleSet", Scope: "REGIONAL" }));
  assert.equal(d.Capacity, 200);
  assert.equal(d.LabelNamespace, "awswaf:managed:aws:sql-database:");
  assert.ok((d.Rules?.length ?? 0) > 0);
  const v = await waf.send(new ListAvailableManagedRuleGroupVersionsCommand({ VendorName: "AWS", Name: "AWSManagedRulesSQLiRuleSet", Scope: "REGIONAL" }));
  assert.equal(v.CurrentDefaultVersion, "Version_1.0");
  assert.ok(v.Versions?.[0]?.LastUpdateTimestamp instanceof Date);
  await rejects(waf.send(new DescribeManagedRuleGroupCommand({ VendorName: "AWS", Name: "NoSuchRuleSet", Scope: "REGIONAL" })), "WAFNonexistentItemException");
});

test("IAM decides: a user without wafv2 permissions is denied, a scoped policy allows", async () => {
  const iam = new IAMClient(s.clientConfig());
  await iam.send(new CreateUserCommand({ UserName: "waf-reader" }));
  const k = await iam.send(new CreateAccessKeyCommand({ UserName: "waf-reader" }));
  const creds = { accessKeyId: k.AccessKey!.AccessKeyId!, secretAccessKey: k.AccessKey!.SecretAccessKey! };
  const reader = new WAFV2Client(s.clientConfig(creds, REGION));
  await assert.rejects(reader.send(new ListWebACLsCommand({ Scope: "REGIONAL" })), (e: any) => e.name === "AccessDeniedException" && /wafv2:ListWebACLs/.test(e.message));
  await iam.send(new PutUserPolicyCommand({ UserName: "waf-reader", PolicyName: "read", PolicyDocument: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: ["wafv2:List*", "wafv2:Get*"], Resource: "*" }] }) }));
  await reader.send(new ListWebACLsCommand({ Scope: "REGIONAL" }));
  await assert.rejects(reader.send(new CreateIPSetCommand({ Name: "nope", Scope: "REGIONAL", IPAddressVersion: "IPV4", Addresses: [] })), (e: any) => e.name === "AccessDeniedException");
});

test("list and managed rule group calls are authorised on the ARNs of their kind in the request's scope, as the WAF developer guide gives them", async () => {
  const iam = new IAMClient(s.clientConfig());
  await iam.send(new CreateUserCommand({ UserName: "waf-lister" }));
  const k = await iam.send(new CreateAccessKeyCommand({ UserName: "waf-lister" }));
  const creds = { accessKeyId: k.AccessKey!.AccessKeyId!, secretAccessKey: k.AccessKey!.SecretAccessKey! };
  const arnOf = (region: string, rest: string) => `arn:aws:wafv2:${region}:${s.accountId}:${rest}`;
  await iam.send(
    new PutUserPolicyCommand({
      UserName: "waf-lister",
      PolicyName: "list",
      PolicyDocument: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          { Effect: "Allow", Action: ["wafv2:ListWebACLs", "wafv2:ListIPSets"], Resource: [arnOf(REGION, "regional/webacl/*"), arnOf(REGION, "regional/ipset/*")] },
          { Effect: "Allow", Action: "wafv2:ListAvailableManagedRuleGroups", Resource: "arn:aws:wafv2:*:*:regional/managedruleset/*" },
        ],
      }),
    }),
  );
  const lister = new WAFV2Client(s.clientConfig(creds, REGION));
  assert.ok(Array.isArray((await lister.send(new ListWebACLsCommand({ Scope: "REGIONAL" }))).WebACLs));
  assert.ok(Array.isArray((await lister.send(new ListIPSetsCommand({ Scope: "REGIONAL" }))).IPSets));
  assert.ok(((await lister.send(new ListAvailableManagedRuleGroupsCommand({ Scope: "REGIONAL" }))).ManagedRuleGroups ?? []).length > 0);
  const user = `arn:aws:iam::${s.accountId}:user/waf-lister`;
  const denied = (action: string, resource: string) => (e: any) => {
    assert.equal(e.name, "AccessDeniedException");
    assert.equal(e.message, `User: ${user} is not authorized to perform: wafv2:${action} on resource: ${resource} because no identity-based policy allows the wafv2:${action} action`);
    return true;
  };
  await assert.rejects(lister.send(new ListRuleGroupsCommand({ Scope: "REGIONAL" })), denied("ListRuleGroups", arnOf(REGION, "regional/rulegroup/*/*")));
  const global = new WAFV2Client(s.clientConfig(creds, "us-east-1"));
  await assert.rejects(global.send(new ListWebACLsCommand({ Scope: "CLOUDFRONT" })), denied("ListWebACLs", arnOf("us-east-1", "global/webacl/*/*")));
  await assert.rejects(
    lister.send(new DescribeManagedRuleGroupCommand({ Scope: "REGIONAL", VendorName: "AWS", Name: "AWSManagedRulesCommonRuleSet" })),
    denied("DescribeManagedRuleGroup", arnOf(REGION, "regional/managedruleset/*/*")),
  );
});

test("a web ACL or rule group that references an IP set needs its action on the IP set too; CheckCapacity needs its own on each reference", async () => {
  const iam = new IAMClient(s.clientConfig());
  await iam.send(new CreateUserCommand({ UserName: "waf-builder" }));
  const k = await iam.send(new CreateAccessKeyCommand({ UserName: "waf-builder" }));
  const creds = { accessKeyId: k.AccessKey!.AccessKeyId!, secretAccessKey: k.AccessKey!.SecretAccessKey! };
  const grant = (resources: string[]) =>
    iam.send(
      new PutUserPolicyCommand({
        UserName: "waf-builder",
        PolicyName: "build",
        PolicyDocument: JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            { Effect: "Allow", Action: ["wafv2:CreateWebACL", "wafv2:CreateRuleGroup", "wafv2:CheckCapacity"], Resource: resources },
            { Effect: "Allow", Action: "wafv2:CreateIPSet", Resource: "*" },
          ],
        }),
      }),
    );
  const acct = `arn:aws:wafv2:${REGION}:${s.accountId}`;
  await grant([`${acct}:regional/webacl/*`, `${acct}:regional/rulegroup/*`]);
  const builder = new WAFV2Client(s.clientConfig(creds, REGION));
  const ip = (await builder.send(new CreateIPSetCommand({ Name: "builder-ips", Scope: "REGIONAL", IPAddressVersion: "IPV4", Addresses: ["198.51.100.0/24"] }))).Summary!;
  const rules: Rule[] = [{ Name: "ip", Priority: 0, Action: { Block: {} }, Statement: { NotStatement: { Statement: { IPSetReferenceStatement: { ARN: ip.ARN } } } }, VisibilityConfig: vis("ip") }];
  const denied = (action: string) => (e: any) => {
    assert.equal(e.name, "AccessDeniedException");
    assert.equal(e.message, `User: arn:aws:iam::${s.accountId}:user/waf-builder is not authorized to perform: wafv2:${action} on resource: ${ip.ARN} because no identity-based policy allows the wafv2:${action} action`);
    return true;
  };
  await assert.rejects(builder.send(new CreateWebACLCommand({ Name: "built", Scope: "REGIONAL", DefaultAction: { Allow: {} }, Rules: rules, VisibilityConfig: vis("built") })), denied("CreateWebACL"));
  await assert.rejects(builder.send(new CreateRuleGroupCommand({ Name: "built", Scope: "REGIONAL", Capacity: 10, Rules: rules, VisibilityConfig: vis("built") })), denied("CreateRuleGroup"));
  await assert.rejects(builder.send(new CheckCapacityCommand({ Scope: "REGIONAL", Rules: rules })), denied("CheckCapacity"));
  // Nothing was stored for the refused calls.
  assert.deepEqual(((await waf.send(new ListWebACLsCommand({ Scope: "REGIONAL" }))).WebACLs ?? []).filter((w) => w.Name === "built"), []);
  await grant([`${acct}:regional/webacl/*`, `${acct}:regional/rulegroup/*`, `${acct}:regional/ipset/*`]);
  assert.equal((await builder.send(new CheckCapacityCommand({ Scope: "REGIONAL", Rules: rules }))).Capacity, 1);
  const acl = (await builder.send(new CreateWebACLCommand({ Name: "built", Scope: "REGIONAL", DefaultAction: { Allow: {} }, Rules: rules, VisibilityConfig: vis("built") }))).Summary!;
  await waf.send(new DeleteWebACLCommand({ Name: "built", Scope: "REGIONAL", Id: acl.Id!, LockToken: acl.LockToken! }));
  await waf.send(new DeleteIPSetCommand({ Name: "builder-ips", Scope: "REGIONAL", Id: ip.Id!, LockToken: ip.LockToken! }));
});

test("state survives a restart", async () => {
  const ip = (await waf.send(new CreateIPSetCommand({ Name: "durable", Scope: "REGIONAL", IPAddressVersion: "IPV4", Addresses: ["192.0.2.1/32"] }))).Summary!;
  await s.stop();
  s = await startTestServer({ dataDir: s.dataDir, rootKey: s.rootKey });
  waf = new WAFV2Client(s.clientConfig(undefined, REGION));
  const got = await waf.send(new GetIPSetCommand({ Name: "durable", Scope: "REGIONAL", Id: ip.Id }));
  assert.deepEqual(got.IPSet?.Addresses, ["192.0.2.1/32"]);
  assert.equal(got.LockToken, ip.LockToken);
});

test("an operator's lower web ACL capacity (BULWARK_WAF_MAX_WEB_ACL_WCU) is enforced the same way", async () => {
  await s.stop();
  s = await startTestServer({ dataDir: s.dataDir, rootKey: s.rootKey, env: { BULWARK_WAF_MAX_WEB_ACL_WCU: "1500" } });
  waf = new WAFV2Client(s.clientConfig(undefined, REGION));
  const managed = (Name: string, Priority: number): Rule => ({ Name, Priority, OverrideAction: { None: {} }, Statement: { ManagedRuleGroupStatement: { VendorName: "AWS", Name } }, VisibilityConfig: vis(Name) });
  const rules = ["AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet", "AWSManagedRulesLinuxRuleSet", "AWSManagedRulesWindowsRuleSet"].map(managed);
  assert.equal((await waf.send(new CheckCapacityCommand({ Scope: "REGIONAL", Rules: rules }))).Capacity, 1300);
  const acl = (await waf.send(new CreateWebACLCommand({ Name: "capped", Scope: "REGIONAL", DefaultAction: { Allow: {} }, Rules: rules, VisibilityConfig: vis("capped") }))).Summary!;
  const withSqli = [...rules, managed("AWSManagedRulesSQLiRuleSet", 4), uriStartsWith("admin", 5, "/admin")];
  await rejects(waf.send(new UpdateWebACLCommand({ Name: "capped", Scope: "REGIONAL", Id: acl.Id, LockToken: acl.LockToken, DefaultAction: { Allow: {} }, Rules: withSqli, VisibilityConfig: vis("capped") })), "WAFInvalidParameterException", (e) => {
    assert.equal(e.Field, "WEB_ACL");
    assert.equal(e.Parameter, "1502");
  });
  await waf.send(new UpdateWebACLCommand({ Name: "capped", Scope: "REGIONAL", Id: acl.Id, LockToken: acl.LockToken, DefaultAction: { Allow: {} }, Rules: withSqli.slice(0, 5), VisibilityConfig: vis("capped") }));
  assert.equal((await waf.send(new GetWebACLCommand({ Name: "capped", Scope: "REGIONAL", Id: acl.Id }))).WebACL?.Capacity, 1500);
});
