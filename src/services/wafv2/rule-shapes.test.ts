import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { expectAwsError } from "../sts/testing/expect-error.js";
import { MANAGED, VIS, wafFixture, type WafFixture } from "./testing/fixture.js";

const TT = [{ Priority: 0, Type: "NONE" }];
const byteMatch = (fieldToMatch: object, extra: object = {}) => ({
  ByteMatchStatement: { SearchString: new Uint8Array(Buffer.from("/x")), FieldToMatch: fieldToMatch, TextTransformations: TT, PositionalConstraint: "STARTS_WITH", ...extra },
});
const rule = (statement: object, extra: object = {}) => ({ Name: "r", Priority: 0, Action: { Block: {} }, Statement: statement, VisibilityConfig: VIS("r"), ...extra });
const one = (path: string, value: string, constraint: string) => `1 validation error detected: Value '${value}' at '${path}' failed to satisfy constraint: ${constraint}`;
const enumSet = (...values: string[]) => `Member must satisfy enum value set: [${values.join(", ")}]`;

async function rejectsEverywhere(f: WafFixture, rules: object[], code: string, message: string | RegExp): Promise<void> {
  await expectAwsError(f.call("CheckCapacity", { Scope: "REGIONAL", Rules: rules }), code, message, 400);
  await expectAwsError(f.call("CreateWebACL", { Name: "acl", Scope: "REGIONAL", DefaultAction: { Allow: {} }, Rules: rules, VisibilityConfig: VIS("acl") }), code, message, 400);
  await expectAwsError(f.call("CreateRuleGroup", { Name: "g", Scope: "REGIONAL", Capacity: 100, Rules: rules, VisibilityConfig: VIS("g") }), code, message, 400);
}

describe("nested members of rules are checked against the model before anything is stored", () => {
  test("enum values: oversize handling, match scopes, fallback behaviours, positions, label scope, sensitivity, operators", async () => {
    const f = wafFixture();
    const p = "rules.1.member.statement";
    const cases: Array<[object, string, string, string]> = [
      [byteMatch({ Body: { OversizeHandling: "DROP" } }), `${p}.byteMatchStatement.fieldToMatch.body.oversizeHandling`, "DROP", enumSet("CONTINUE", "MATCH", "NO_MATCH")],
      [byteMatch({ Headers: { MatchPattern: { All: {} }, MatchScope: "BOTH", OversizeHandling: "CONTINUE" } }), `${p}.byteMatchStatement.fieldToMatch.headers.matchScope`, "BOTH", enumSet("ALL", "KEY", "VALUE")],
      [byteMatch({ Cookies: { MatchPattern: { All: {} }, MatchScope: "ALL", OversizeHandling: "IGNORE" } }), `${p}.byteMatchStatement.fieldToMatch.cookies.oversizeHandling`, "IGNORE", enumSet("CONTINUE", "MATCH", "NO_MATCH")],
      [
        byteMatch({ JsonBody: { MatchPattern: { All: {} }, MatchScope: "ALL", InvalidFallbackBehavior: "SKIP" } }),
        `${p}.byteMatchStatement.fieldToMatch.jsonBody.invalidFallbackBehavior`,
        "SKIP",
        enumSet("MATCH", "NO_MATCH", "EVALUATE_AS_STRING"),
      ],
      [byteMatch({ UriPath: {} }, { PositionalConstraint: "SOMEWHERE" }), `${p}.byteMatchStatement.positionalConstraint`, "SOMEWHERE", enumSet("EXACTLY", "STARTS_WITH", "ENDS_WITH", "CONTAINS", "CONTAINS_WORD")],
      [{ LabelMatchStatement: { Scope: "PREFIX", Key: "a:b" } }, `${p}.labelMatchStatement.scope`, "PREFIX", enumSet("LABEL", "NAMESPACE")],
      [{ SqliMatchStatement: { FieldToMatch: { UriPath: {} }, TextTransformations: TT, SensitivityLevel: "MEDIUM" } }, `${p}.sqliMatchStatement.sensitivityLevel`, "MEDIUM", enumSet("LOW", "HIGH")],
      [
        { SizeConstraintStatement: { FieldToMatch: { UriPath: {} }, TextTransformations: TT, ComparisonOperator: "GTE", Size: 1 } },
        `${p}.sizeConstraintStatement.comparisonOperator`,
        "GTE",
        enumSet("EQ", "NE", "LE", "LT", "GE", "GT"),
      ],
      [
        { IPSetReferenceStatement: { ARN: "arn:aws:wafv2:eu-west-1:111122223333:regional/ipset/s/1", IPSetForwardedIPConfig: { HeaderName: "X-Forwarded-For", FallbackBehavior: "MATCH", Position: "MIDDLE" } } },
        `${p}.iPSetReferenceStatement.iPSetForwardedIPConfig.position`,
        "MIDDLE",
        enumSet("FIRST", "LAST", "ANY"),
      ],
      [
        { GeoMatchStatement: { CountryCodes: ["US"], ForwardedIPConfig: { HeaderName: "X-Forwarded-For", FallbackBehavior: "MAYBE" } } },
        `${p}.geoMatchStatement.forwardedIPConfig.fallbackBehavior`,
        "MAYBE",
        enumSet("MATCH", "NO_MATCH"),
      ],
      [{ RateBasedStatement: { Limit: 100, AggregateKeyType: "SESSION" } }, `${p}.rateBasedStatement.aggregateKeyType`, "SESSION", enumSet("IP", "FORWARDED_IP", "CUSTOM_KEYS", "CONSTANT")],
    ];
    for (const [statement, path, value, constraint] of cases) await rejectsEverywhere(f, [rule(statement)], "ValidationException", one(path, value, constraint));
    const list = await f.call<{ WebACLs: unknown[]; }>("ListWebACLs", { Scope: "REGIONAL" });
    assert.equal(list.WebACLs.length, 0);
    const groups = await f.call<{ RuleGroups: unknown[] }>("ListRuleGroups", { Scope: "REGIONAL" });
    assert.equal(groups.RuleGroups.length, 0);
  });

  test("lists of simple values are reported at the list, as Coral does; list lengths", async () => {
    const f = wafFixture();
    const geo = (CountryCodes: string[]) => rule({ GeoMatchStatement: { CountryCodes } });
    await rejectsEverywhere(f, [geo(["US", "XX"])], "ValidationException", /^1 validation error detected: Value '\[US, XX\]' at 'rules\.1\.member\.statement\.geoMatchStatement\.countryCodes' failed to satisfy constraint: Member must satisfy constraint: \[Member must satisfy enum value set: \[AF, AX, AL, .*, XK.*\], Member must not be null\]$/);
    await rejectsEverywhere(f, [geo([])], "ValidationException", one("rules.1.member.statement.geoMatchStatement.countryCodes", "[]", "Member must have length greater than or equal to 1"));
    await rejectsEverywhere(
      f,
      [rule(byteMatch({ JsonBody: { MatchPattern: { IncludedPaths: ["/a", "no-slash"] }, MatchScope: "ALL" } }))],
      "ValidationException",
      one(
        "rules.1.member.statement.byteMatchStatement.fieldToMatch.jsonBody.matchPattern.includedPaths",
        "[/a, no-slash]",
        "Member must satisfy constraint: [Member must have length less than or equal to 512, Member must have length greater than or equal to 1, Member must satisfy regular expression pattern: ([/])|([/](([^~])|(~[01]))+), Member must not be null]",
      ),
    );
    await rejectsEverywhere(f, [rule(byteMatch({ UriPath: {} }, { TextTransformations: [] }))], "ValidationException", one("rules.1.member.statement.byteMatchStatement.textTransformations", "[]", "Member must have length greater than or equal to 1"));
  });

  test("ranges and patterns: response code, rate limit, size, label names, metric names, header names and values", async () => {
    const f = wafFixture();
    const p = "rules.1.member";
    for (const code of [600, 700]) {
      await rejectsEverywhere(f, [rule(byteMatch({ UriPath: {} }), { Action: { Block: { CustomResponse: { ResponseCode: code } } } })], "ValidationException", one(`${p}.action.block.customResponse.responseCode`, String(code), "Member must have value less than or equal to 599"));
    }
    await expectAwsError(
      f.call("CreateWebACL", { Name: "acl", Scope: "REGIONAL", DefaultAction: { Block: { CustomResponse: { ResponseCode: 600 } } }, Rules: [], VisibilityConfig: VIS("acl") }),
      "ValidationException",
      one("defaultAction.block.customResponse.responseCode", "600", "Member must have value less than or equal to 599"),
    );
    await f.call("CheckCapacity", { Scope: "REGIONAL", Rules: [rule(byteMatch({ UriPath: {} }), { Action: { Block: { CustomResponse: { ResponseCode: 599 } } } })] });
    await rejectsEverywhere(f, [rule({ RateBasedStatement: { Limit: 9, AggregateKeyType: "IP" } })], "ValidationException", one(`${p}.statement.rateBasedStatement.limit`, "9", "Member must have value greater than or equal to 10"));
    await rejectsEverywhere(
      f,
      [rule({ SizeConstraintStatement: { FieldToMatch: { UriPath: {} }, TextTransformations: TT, ComparisonOperator: "GT", Size: 21_474_836_481 } })],
      "ValidationException",
      one(`${p}.statement.sizeConstraintStatement.size`, "21474836481", "Member must have value less than or equal to 21474836480"),
    );
    await rejectsEverywhere(f, [rule({ LabelMatchStatement: { Scope: "LABEL", Key: "bad label" } })], "ValidationException", one(`${p}.statement.labelMatchStatement.key`, "bad label", "Member must satisfy regular expression pattern: ^[0-9A-Za-z_\\-:]+$"));
    await rejectsEverywhere(f, [rule(byteMatch({ UriPath: {} }), { VisibilityConfig: { ...VIS("r"), MetricName: "has space" } })], "ValidationException", one(`${p}.visibilityConfig.metricName`, "has space", "Member must satisfy regular expression pattern: ^[\\w#:.\\-/]+$"));
    await rejectsEverywhere(
      f,
      [rule(byteMatch({ UriPath: {} }), { Action: { Count: { CustomRequestHandling: { InsertHeaders: [{ Name: "bad header", Value: "v" }] } } } })],
      "ValidationException",
      one(`${p}.action.count.customRequestHandling.insertHeaders.1.member.name`, "bad header", "Member must satisfy regular expression pattern: ^[a-zA-Z0-9._$-]+$"),
    );
    for (const value of ["a\r\nSet-Cookie: x=1", "a\nb", "a\u2028b"]) {
      await rejectsEverywhere(
        f,
        [rule(byteMatch({ UriPath: {} }), { Action: { Block: { CustomResponse: { ResponseCode: 403, ResponseHeaders: [{ Name: "x-h", Value: value }] } } } })],
        "ValidationException",
        one(`${p}.action.block.customResponse.responseHeaders.1.member.value`, value, "Member must satisfy regular expression pattern: .*"),
      );
      await rejectsEverywhere(
        f,
        [rule(byteMatch({ UriPath: {} }), { Action: { Allow: { CustomRequestHandling: { InsertHeaders: [{ Name: "x-h", Value: value }] } } } })],
        "ValidationException",
        one(`${p}.action.allow.customRequestHandling.insertHeaders.1.member.value`, value, "Member must satisfy regular expression pattern: .*"),
      );
    }
    await rejectsEverywhere(
      f,
      [rule({ RateBasedStatement: { Limit: 100, AggregateKeyType: "CUSTOM_KEYS", CustomKeys: [{ LabelNamespace: { Namespace: "no-colon" } }] } })],
      "ValidationException",
      one(`${p}.statement.rateBasedStatement.customKeys.1.member.labelNamespace.namespace`, "no-colon", "Member must satisfy regular expression pattern: ^[0-9A-Za-z_\\-:]+:$"),
    );
  });

  test("paths run through And/Or/Not and scope-down statements; every violation is reported at once", async () => {
    const f = wafFixture();
    const nested = rule({
      AndStatement: {
        Statements: [
          { LabelMatchStatement: { Scope: "LABEL", Key: "ok" } },
          { OrStatement: { Statements: [{ LabelMatchStatement: { Scope: "LABEL", Key: "ok" } }, { NotStatement: { Statement: byteMatch({ Body: { OversizeHandling: "DROP" } }) } }] } },
        ],
      },
    });
    await rejectsEverywhere(
      f,
      [nested],
      "ValidationException",
      one("rules.1.member.statement.andStatement.statements.2.member.orStatement.statements.2.member.notStatement.statement.byteMatchStatement.fieldToMatch.body.oversizeHandling", "DROP", enumSet("CONTINUE", "MATCH", "NO_MATCH")),
    );
    const scopeDown = { ...rule({ RateBasedStatement: { Limit: 100, AggregateKeyType: "IP", ScopeDownStatement: { SqliMatchStatement: { FieldToMatch: { UriPath: {} }, TextTransformations: [{ Priority: 0, Type: "NOPE" }] } } } }), Name: "rate", Priority: 1 };
    const managed = {
      Name: "m",
      Priority: 2,
      OverrideAction: { None: {} },
      VisibilityConfig: VIS("m"),
      Statement: { ManagedRuleGroupStatement: { VendorName: "AWS", Name: "AWSManagedRulesCommonRuleSet", ScopeDownStatement: { GeoMatchStatement: { CountryCodes: ["XX"] } }, RuleActionOverrides: [{ Name: "bad name", ActionToUse: { Count: {} } }] } },
    };
    const e = await expectAwsError(f.call("CheckCapacity", { Scope: "REGIONAL", Rules: [nested, scopeDown, managed] }), "ValidationException", /^4 validation errors detected: /);
    const paths = [...e.message.matchAll(/ at '([^']+)'/g)].map((m) => m[1]);
    assert.deepEqual(paths, [
      "rules.1.member.statement.andStatement.statements.2.member.orStatement.statements.2.member.notStatement.statement.byteMatchStatement.fieldToMatch.body.oversizeHandling",
      "rules.2.member.statement.rateBasedStatement.scopeDownStatement.sqliMatchStatement.textTransformations.1.member.type",
      "rules.3.member.statement.managedRuleGroupStatement.scopeDownStatement.geoMatchStatement.countryCodes",
      "rules.3.member.statement.managedRuleGroupStatement.ruleActionOverrides.1.member.name",
    ]);
  });

  test("what the service checks itself: repeated text transformation priorities, repeated header names (after the model's constraints)", async () => {
    const f = wafFixture();
    const dup = [{ Priority: 1, Type: "LOWERCASE" }, { Priority: 1, Type: "URL_DECODE" }];
    const e = await expectAwsError(
      f.call("CheckCapacity", { Scope: "REGIONAL", Rules: [rule({ NotStatement: { Statement: byteMatch({ UriPath: {} }, { TextTransformations: dup }) } })] }),
      "WAFInvalidParameterException",
      "Error reason: The text transformation priorities within a statement must all be different., field: TEXT_TRANSFORMATION, parameter: 1",
      400,
    );
    assert.deepEqual(e.fields, { Field: "TEXT_TRANSFORMATION", Parameter: "1", Reason: "The text transformation priorities within a statement must all be different." });
    await rejectsEverywhere(
      f,
      [rule({ RateBasedStatement: { Limit: 100, AggregateKeyType: "CUSTOM_KEYS", CustomKeys: [{ UriPath: { TextTransformations: dup } }] } })],
      "WAFInvalidParameterException",
      /field: TEXT_TRANSFORMATION, parameter: 1$/,
    );
    // Equal priorities in different statements are fine.
    await f.call("CheckCapacity", { Scope: "REGIONAL", Rules: [rule({ AndStatement: { Statements: [byteMatch({ UriPath: {} }), byteMatch({ QueryString: {} })] } })] });
    // A model violation anywhere wins over the service's own checks.
    await expectAwsError(
      f.call("CheckCapacity", { Scope: "REGIONAL", Rules: [rule(byteMatch({ UriPath: {} }, { TextTransformations: dup })), { ...rule(byteMatch({ UriPath: {} }, { PositionalConstraint: "X" })), Name: "s", Priority: 1 }] }),
      "ValidationException",
      /at 'rules\.2\.member\.statement\.byteMatchStatement\.positionalConstraint'/,
    );
    const headers = [{ Name: "x-a", Value: "1" }, { Name: "X-A", Value: "2" }];
    await rejectsEverywhere(f, [rule(byteMatch({ UriPath: {} }), { Action: { Allow: { CustomRequestHandling: { InsertHeaders: headers } } } })], "WAFInvalidParameterException", "Error reason: Duplicate header names aren't allowed., field: CUSTOM_REQUEST_HANDLING, parameter: X-A");
  });

  test("what the service checks itself: at most 10 text transformations per statement, a search string of 1 to 200 bytes", async () => {
    const f = wafFixture();
    const tts = (n: number) => Array.from({ length: n }, (_, i) => ({ Priority: i, Type: "NONE" }));
    await rejectsEverywhere(
      f,
      [rule({ NotStatement: { Statement: byteMatch({ UriPath: {} }, { TextTransformations: tts(11) }) } })],
      "WAFInvalidParameterException",
      "Error reason: A statement can have at most 10 text transformations., field: TEXT_TRANSFORMATION, parameter: 11",
    );
    await f.call("CheckCapacity", { Scope: "REGIONAL", Rules: [rule(byteMatch({ UriPath: {} }, { TextTransformations: tts(10) }))] });
    for (const n of [0, 201]) {
      await rejectsEverywhere(
        f,
        [rule(byteMatch({ UriPath: {} }, { SearchString: new Uint8Array(n).fill(97) }))],
        "WAFInvalidParameterException",
        `Error reason: The search string must be between 1 and 200 bytes long., field: BYTE_MATCH_STATEMENT, parameter: ${n}`,
      );
    }
    await f.call("CheckCapacity", { Scope: "REGIONAL", Rules: [rule(byteMatch({ UriPath: {} }, { SearchString: new Uint8Array(200).fill(97) }))] });
  });

  test("CONTAINS_WORD: the search string holds only alphanumeric characters or underscore", async () => {
    const f = wafFixture();
    const word = (s: string) => byteMatch({ SingleHeader: { Name: "user-agent" } }, { SearchString: new Uint8Array(Buffer.from(s, "latin1")), PositionalConstraint: "CONTAINS_WORD" });
    for (const s of ["bad bot", "BadBot;", "/admin", "caf\xe9"]) {
      await rejectsEverywhere(
        f,
        [rule({ NotStatement: { Statement: word(s) } })],
        "WAFInvalidParameterException",
        `Error reason: With CONTAINS_WORD, the search string must contain only alphanumeric characters or underscore (A-Z, a-z, 0-9, or _)., field: BYTE_MATCH_STATEMENT, parameter: ${s}`,
      );
    }
    await f.call("CheckCapacity", { Scope: "REGIONAL", Rules: [rule(word("BadBot_2"))] });
    // The other positional constraints take any byte.
    await f.call("CheckCapacity", { Scope: "REGIONAL", Rules: [rule(byteMatch({ UriPath: {} }, { SearchString: new Uint8Array(Buffer.from("bad bot;")), PositionalConstraint: "CONTAINS" }))] });
  });

  test("pre-parse text transformations: only on SingleQueryArgument and AllQueryArguments", async () => {
    const f = wafFixture();
    const pre = [{ Priority: 0, Type: "URL_DECODE" }, { Priority: 1, Type: "REPLACE_SEMICOLONS_WITH_AMPERSANDS" }];
    for (const [field, kind] of [[{ UriPath: {} }, "UriPath"], [{ QueryString: {} }, "QueryString"], [{ Body: { OversizeHandling: "CONTINUE" } }, "Body"]] as const) {
      await rejectsEverywhere(
        f,
        [rule({ NotStatement: { Statement: byteMatch(field, { PreParseTextTransformations: pre }) } })],
        "WAFInvalidParameterException",
        `Error reason: Pre-parse text transformations are only supported when FieldToMatch is SingleQueryArgument or AllQueryArguments., field: PRE_PARSE_TEXT_TRANSFORMATION, parameter: ${kind}`,
      );
    }
    await rejectsEverywhere(f, [rule({ SqliMatchStatement: { FieldToMatch: { SingleHeader: { Name: "a" } }, TextTransformations: TT, PreParseTextTransformations: pre } })], "WAFInvalidParameterException", /field: PRE_PARSE_TEXT_TRANSFORMATION, parameter: SingleHeader$/);
    await f.call("CheckCapacity", { Scope: "REGIONAL", Rules: [rule(byteMatch({ AllQueryArguments: {} }, { PreParseTextTransformations: pre }))] });
    await f.call("CheckCapacity", { Scope: "REGIONAL", Rules: [rule(byteMatch({ SingleQueryArgument: { Name: "x" } }, { PreParseTextTransformations: pre }))] });
  });

  test("rule labels: at most five namespaces, components of 1 to 128 characters, no reserved strings", async () => {
    const f = wafFixture();
    const labelled = (Name: string) => [rule(byteMatch({ UriPath: {} }), { Action: { Count: {} }, RuleLabels: [{ Name: "ok" }, { Name }] })];
    const cases: Array<[string, string]> = [
      ["a:b:c:d:e:f:name", "A label can have at most 5 namespaces."],
      ["a::b", "A label's namespaces and name can't be empty."],
      ["a:", "A label's namespaces and name can't be empty."],
      ["x".repeat(129), "A label's namespaces and name can have at most 128 characters each."],
    ];
    for (const reserved of ["awswaf", "aws", "waf", "rulegroup", "webacl", "regexpatternset", "ipset", "managed"]) {
      cases.push([`${reserved}:x`, "A label can't use the reserved strings awswaf, aws, waf, rulegroup, webacl, regexpatternset, ipset or managed as a namespace or name."]);
      cases.push([`ns:${reserved}`, "A label can't use the reserved strings awswaf, aws, waf, rulegroup, webacl, regexpatternset, ipset or managed as a namespace or name."]);
    }
    for (const [name, reason] of cases) await rejectsEverywhere(f, labelled(name), "WAFInvalidParameterException", `Error reason: ${reason}, field: RULE, parameter: ${name}`);
    // Five namespaces, 128-character components, reserved strings inside longer ones, other case: accepted.
    for (const name of ["a:b:c:d:e:name", `${"x".repeat(128)}:${"y".repeat(128)}`, "awswafx:managed-bots", "AWS:Managed"]) {
      await f.call("CheckCapacity", { Scope: "REGIONAL", Rules: labelled(name) });
    }
  });

  test("Headers and Cookies MatchPattern: exactly one of All, Included…, Excluded…", async () => {
    const f = wafFixture();
    const headers = (MatchPattern: object) => byteMatch({ Headers: { MatchPattern, MatchScope: "ALL", OversizeHandling: "CONTINUE" } });
    const cookies = (MatchPattern: object) => byteMatch({ Cookies: { MatchPattern, MatchScope: "ALL", OversizeHandling: "CONTINUE" } });
    const reason = "Error reason: You have used none or multiple values for a field that requires exactly one value.";
    await rejectsEverywhere(f, [rule(headers({ All: {}, IncludedHeaders: ["a"] }))], "WAFInvalidParameterException", `${reason}, field: HEADER_MATCH_PATTERN, parameter: All,IncludedHeaders`);
    await rejectsEverywhere(f, [rule(headers({ IncludedHeaders: ["a"], ExcludedHeaders: ["b"] }))], "WAFInvalidParameterException", `${reason}, field: HEADER_MATCH_PATTERN, parameter: IncludedHeaders,ExcludedHeaders`);
    await rejectsEverywhere(f, [rule(headers({}))], "WAFInvalidParameterException", `${reason}, field: HEADER_MATCH_PATTERN, parameter: MatchPattern`);
    await rejectsEverywhere(f, [rule({ NotStatement: { Statement: cookies({ All: {}, ExcludedCookies: ["a"] }) } })], "WAFInvalidParameterException", `${reason}, field: COOKIE_MATCH_PATTERN, parameter: All,ExcludedCookies`);
    await f.call("CheckCapacity", { Scope: "REGIONAL", Rules: [rule(headers({ ExcludedHeaders: ["b"] })), { ...rule(cookies({ All: {} })), Name: "c", Priority: 1 }] });
  });

  test("JsonBody MatchPattern: All or IncludedPaths, not both", async () => {
    const f = wafFixture();
    const json = (MatchPattern: object) => byteMatch({ JsonBody: { MatchPattern, MatchScope: "VALUE", InvalidFallbackBehavior: "EVALUATE_AS_STRING", OversizeHandling: "MATCH" } });
    const reason = "Error reason: You have used none or multiple values for a field that requires exactly one value.";
    await rejectsEverywhere(f, [rule(json({ All: {}, IncludedPaths: ["/dogs/0/name"] }))], "WAFInvalidParameterException", `${reason}, field: JSON_MATCH_PATTERN, parameter: All,IncludedPaths`);
    await rejectsEverywhere(f, [rule({ NotStatement: { Statement: json({}) } })], "WAFInvalidParameterException", `${reason}, field: JSON_MATCH_PATTERN, parameter: MatchPattern`);
    await f.call("CheckCapacity", { Scope: "REGIONAL", Rules: [rule(json({ IncludedPaths: ["/dogs/0/name", "/dogs/1/name"] })), { ...rule(json({ All: {} })), Name: "c", Priority: 1 }] });
  });

  test("rate-based CUSTOM_KEYS: IP or ForwardedIP needs at least one other key", async () => {
    const f = wafFixture();
    const fwd = { HeaderName: "X-Forwarded-For", FallbackBehavior: "MATCH" };
    const reason = "Error reason: When you specify an IP or forwarded IP custom key, you must also specify at least one other key.";
    await rejectsEverywhere(f, [rule({ RateBasedStatement: { Limit: 100, AggregateKeyType: "CUSTOM_KEYS", CustomKeys: [{ IP: {} }] } })], "WAFInvalidParameterException", `${reason}, field: CUSTOM_KEYS, parameter: IP`);
    await rejectsEverywhere(f, [rule({ RateBasedStatement: { Limit: 100, AggregateKeyType: "CUSTOM_KEYS", CustomKeys: [{ ForwardedIP: {} }], ForwardedIPConfig: fwd } })], "WAFInvalidParameterException", `${reason}, field: CUSTOM_KEYS, parameter: ForwardedIP`);
    await f.call("CheckCapacity", { Scope: "REGIONAL", Rules: [rule({ RateBasedStatement: { Limit: 100, AggregateKeyType: "CUSTOM_KEYS", CustomKeys: [{ IP: {} }, { HTTPMethod: {} }] } })] });
    await f.call("CheckCapacity", { Scope: "REGIONAL", Rules: [rule({ RateBasedStatement: { Limit: 100, AggregateKeyType: "CUSTOM_KEYS", CustomKeys: [{ HTTPMethod: {} }] } })] });
  });

  test("rate-based CUSTOM_KEYS: each custom key names exactly one request component", async () => {
    const f = wafFixture();
    const reason = "Error reason: You have used none or multiple values for a field that requires exactly one value.";
    const header = { Header: { Name: "x-api-key", TextTransformations: TT } };
    await rejectsEverywhere(f, [rule({ RateBasedStatement: { Limit: 100, AggregateKeyType: "CUSTOM_KEYS", CustomKeys: [{ HTTPMethod: {}, IP: {} }, header] } })], "WAFInvalidParameterException", `${reason}, field: CUSTOM_KEYS, parameter: HTTPMethod,IP`);
    await rejectsEverywhere(f, [rule({ RateBasedStatement: { Limit: 100, AggregateKeyType: "CUSTOM_KEYS", CustomKeys: [header, {}] } })], "WAFInvalidParameterException", `${reason}, field: CUSTOM_KEYS, parameter: CustomKey`);
    await f.call("CheckCapacity", { Scope: "REGIONAL", Rules: [rule({ RateBasedStatement: { Limit: 100, AggregateKeyType: "CUSTOM_KEYS", CustomKeys: [{ HTTPMethod: {} }, { IP: {} }, header] } })] });
  });

  test("a web ACL's default action goes through the same table; valid nested members are stored as sent", async () => {
    const f = wafFixture();
    await expectAwsError(
      f.call("CreateWebACL", { Name: "acl", Scope: "REGIONAL", DefaultAction: { Block: { CustomResponse: { ResponseCode: 199 } } }, Rules: [], VisibilityConfig: VIS("acl") }),
      "ValidationException",
      one("defaultAction.block.customResponse.responseCode", "199", "Member must have value greater than or equal to 200"),
    );
    const statement = {
      AndStatement: {
        Statements: [
          byteMatch({ JsonBody: { MatchPattern: { IncludedPaths: ["/a/b", "/c~1d"] }, MatchScope: "VALUE", InvalidFallbackBehavior: "EVALUATE_AS_STRING", OversizeHandling: "MATCH" } }),
          { GeoMatchStatement: { CountryCodes: ["US", "XK"], ForwardedIPConfig: { HeaderName: "X-Forwarded-For", FallbackBehavior: "NO_MATCH" } } },
          { SqliMatchStatement: { FieldToMatch: { Cookies: { MatchPattern: { IncludedCookies: ["session"] }, MatchScope: "KEY", OversizeHandling: "NO_MATCH" } }, TextTransformations: [{ Priority: 0, Type: "URL_DECODE" }, { Priority: 1, Type: "SHA256" }], SensitivityLevel: "HIGH" } },
        ],
      },
    };
    const { Summary: s } = await f.call<{ Summary: { Id: string } }>("CreateWebACL", { Name: "acl", Scope: "REGIONAL", DefaultAction: { Allow: {} }, Rules: [rule(statement)], VisibilityConfig: VIS("acl") });
    const got = await f.call<{ WebACL: { Rules: Array<{ Statement: unknown }> } }>("GetWebACL", { Name: "acl", Scope: "REGIONAL", Id: s.Id });
    assert.deepEqual(JSON.parse(JSON.stringify(got.WebACL.Rules[0]?.Statement)).AndStatement.Statements[1], statement.AndStatement.Statements[1]);
  });

  test("an empty ManagedRuleGroupConfigs list is accepted: the model gives that list no minimum", async () => {
    const f = wafFixture();
    const managed = { Name: "m", Priority: 0, OverrideAction: { None: {} }, Statement: { ManagedRuleGroupStatement: { VendorName: "AWS", Name: MANAGED.Name, ManagedRuleGroupConfigs: [] } }, VisibilityConfig: VIS("m") };
    // The fixture's cost of a managed rule group.
    assert.equal((await f.call<{ Capacity: number }>("CheckCapacity", { Scope: "REGIONAL", Rules: [managed] })).Capacity, 25);
    await f.call("CreateWebACL", { Name: "acl", Scope: "REGIONAL", DefaultAction: { Allow: {} }, Rules: [managed], VisibilityConfig: VIS("acl") });
  });
});
