import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { Rule } from "@aws-sdk/client-wafv2";
import { ManualClock } from "../../core/clock.js";
import { expectAwsError } from "../sts/testing/expect-error.js";
import { createWafEngine } from "./engine.js";
import { Snapshot } from "./snapshot.js";
import { request, START, VIS } from "./testing/fixture.js";

const engine = createWafEngine({ clock: new ManualClock(START), tokenKey: Buffer.alloc(32, 1) });
const startsWith = (s: string): Rule["Statement"] => ({ ByteMatchStatement: { SearchString: new Uint8Array(Buffer.from(s)), FieldToMatch: { UriPath: {} }, TextTransformations: [{ Priority: 0, Type: "NONE" }], PositionalConstraint: "STARTS_WITH" } });

describe("engine adapter (real WAF engine)", () => {
  test("capacity follows the engine's WCU table and managed group capacities", () => {
    const rules: Rule[] = [
      { Name: "admin", Priority: 0, Action: { Block: {} }, Statement: startsWith("/admin"), VisibilityConfig: VIS("admin") },
      { Name: "sqli", Priority: 1, OverrideAction: { None: {} }, Statement: { ManagedRuleGroupStatement: { VendorName: "AWS", Name: "AWSManagedRulesSQLiRuleSet" } }, VisibilityConfig: VIS("sqli") },
    ];
    assert.equal(engine.capacity(rules, new Snapshot()), 2 + 200);
  });

  test("each pre-parse text transformation adds 10 WCUs (NONE, which applies nothing, adds none)", () => {
    const pre = [{ Priority: 0, Type: "URL_DECODE" as const }, { Priority: 1, Type: "REPLACE_SEMICOLONS_WITH_AMPERSANDS" as const }];
    const query = (FieldToMatch: object, PreParseTextTransformations: typeof pre | undefined): Rule[] => [
      { Name: "q", Priority: 0, Action: { Block: {} }, VisibilityConfig: VIS("q"), Statement: { ByteMatchStatement: { SearchString: new Uint8Array(Buffer.from("x")), FieldToMatch, TextTransformations: [{ Priority: 0, Type: "NONE" }], PositionalConstraint: "STARTS_WITH", PreParseTextTransformations } } },
    ];
    // STARTS_WITH 2, AllQueryArguments +10, two pre-parse transformations +20.
    assert.equal(engine.capacity(query({ AllQueryArguments: {} }, undefined), new Snapshot()), 12);
    assert.equal(engine.capacity(query({ AllQueryArguments: {} }, pre), new Snapshot()), 32);
    assert.equal(engine.capacity(query({ SingleQueryArgument: { Name: "a" } }, pre), new Snapshot()), 22);
    assert.equal(engine.capacity(query({ SingleQueryArgument: { Name: "a" } }, [{ Priority: 0, Type: "NONE" as never }]), new Snapshot()), 2);
  });

  test("rules the engine cannot run are WAFInvalidParameterException at save time", async () => {
    const bad: Rule[] = [{ Name: "grp", Priority: 0, OverrideAction: { None: {} }, Statement: { RuleGroupReferenceStatement: { ARN: "arn:aws:wafv2:eu-west-1:111122223333:regional/rulegroup/g/00000000-0000-4000-8000-000000000000" } }, VisibilityConfig: VIS("grp") }];
    await expectAwsError(Promise.resolve().then(() => engine.capacity(bad, new Snapshot())), "WAFInvalidParameterException", /field: RULE, parameter: Rules$/);
  });

  test("the managed catalogue is the engine's", () => {
    assert.ok(engine.listManagedRuleGroups().some((g) => g.Name === "AWSManagedRulesSQLiRuleSet" && g.VendorName === "AWS"));
    assert.equal(engine.describeManagedRuleGroup("AWS", "AWSManagedRulesSQLiRuleSet")?.Capacity, 200);
    assert.equal(engine.describeManagedRuleGroup("Other", "AWSManagedRulesSQLiRuleSet"), undefined);
    assert.equal(engine.managedRuleGroupVersions("AWS", "AWSManagedRulesSQLiRuleSet")?.currentDefaultVersion, "Version_1.0");
  });

  test("a compiled web ACL blocks what its rules match", async () => {
    const ev = engine.compile(
      {
        Name: "acl",
        Id: "00000000-0000-4000-8000-000000000001",
        ARN: "arn:aws:wafv2:eu-west-1:111122223333:regional/webacl/acl/00000000-0000-4000-8000-000000000001",
        DefaultAction: { Allow: {} },
        Rules: [{ Name: "admin", Priority: 0, Action: { Block: {} }, Statement: startsWith("/admin"), VisibilityConfig: VIS("admin") }],
        VisibilityConfig: VIS("acl"),
      },
      new Snapshot(),
    );
    assert.equal((await ev.evaluate(request({ path: "/admin/x", uri: "/admin/x" }))).action, "BLOCK");
    const ok = await ev.evaluate(request({ path: "/home", uri: "/home" }));
    assert.deepEqual([ok.action, ok.terminatingRuleId], ["ALLOW", "Default_Action"]);
  });
});
