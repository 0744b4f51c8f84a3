import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { Statement } from "@aws-sdk/client-wafv2";
import { statementCapacity } from "./capacity.js";
import type { WafResolver } from "./types.js";

const resolver: WafResolver = { ipSet: () => undefined, regexPatternSet: () => undefined, ruleGroup: () => undefined, managedRuleGroup: () => undefined };
const arn = "arn:aws:wafv2:us-east-1:111122223333:regional/ipset/bad/00000000-0000-4000-8000-000000000000";

describe("WCUs (AWS WAF developer guide)", () => {
  test("an IP set match costs 1, and 4 more when it inspects any address of a forwarded-IP header", () => {
    const ref = (Position?: "FIRST" | "LAST" | "ANY"): Statement => ({
      IPSetReferenceStatement: { ARN: arn, ...(Position ? { IPSetForwardedIPConfig: { HeaderName: "X-Forwarded-For", FallbackBehavior: "MATCH", Position } } : {}) },
    });
    assert.equal(statementCapacity(ref(), resolver), 1);
    assert.equal(statementCapacity(ref("FIRST"), resolver), 1);
    assert.equal(statementCapacity(ref("LAST"), resolver), 1);
    assert.equal(statementCapacity(ref("ANY"), resolver), 5);
    // Nested, it counts the same.
    assert.equal(statementCapacity({ NotStatement: { Statement: ref("ANY") } }, resolver), 5);
    assert.equal(statementCapacity({ AndStatement: { Statements: [ref("ANY"), ref()] } }, resolver), 6);
  });
});
