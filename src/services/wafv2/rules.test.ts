/** The references a call's rules make, read before the rules are checked (for authorisation). */
import { test } from "node:test";
import assert from "node:assert/strict";
import { referencedArns } from "./rules.js";

const IP = "arn:aws:wafv2:eu-west-1:111122223333:regional/ipset/a/1";
const RX = "arn:aws:wafv2:eu-west-1:111122223333:regional/regexpatternset/b/2";
const RG = "arn:aws:wafv2:eu-west-1:111122223333:regional/rulegroup/c/3";

test("referencedArns: every IP set, regex pattern set and rule group, nested or not, once each, in order of first use", () => {
  const rules = [
    { Statement: { RuleGroupReferenceStatement: { ARN: RG } } },
    {
      Statement: {
        AndStatement: {
          Statements: [
            { NotStatement: { Statement: { IPSetReferenceStatement: { ARN: IP } } } },
            { OrStatement: { Statements: [{ RegexPatternSetReferenceStatement: { ARN: RX } }, { IPSetReferenceStatement: { ARN: IP } }] } },
          ],
        },
      },
    },
    { Statement: { RateBasedStatement: { ScopeDownStatement: { IPSetReferenceStatement: { ARN: IP } } } } },
  ];
  assert.deepEqual(referencedArns(rules), [RG, IP, RX]);
  assert.deepEqual(referencedArns([{ Statement: { ManagedRuleGroupStatement: { ScopeDownStatement: { RegexPatternSetReferenceStatement: { ARN: RX } } } } }]), [RX]);
});

test("referencedArns: input not yet checked is read without failing; what is not an ARN string is skipped", () => {
  assert.deepEqual(referencedArns(undefined), []);
  assert.deepEqual(referencedArns("rules"), []);
  assert.deepEqual(referencedArns([null, 1, { Statement: null }, { Statement: { IPSetReferenceStatement: { ARN: 7 } } }, { Statement: { AndStatement: { Statements: "x" } } }]), []);
  // Deeper than any valid rule nests (and deep enough to exhaust the stack if it were walked): not walked.
  let st: Record<string, unknown> = { IPSetReferenceStatement: { ARN: IP } };
  for (let i = 0; i < 100_000; i++) st = { NotStatement: { Statement: st } };
  assert.deepEqual(referencedArns([{ Statement: st }]), []);
  let shallow: Record<string, unknown> = { IPSetReferenceStatement: { ARN: IP } };
  for (let i = 0; i < 5; i++) shallow = { NotStatement: { Statement: shallow } };
  assert.deepEqual(referencedArns([{ Statement: shallow }]), [IP]);
});

test("referencedArns: a request naming more IP sets than any web ACL can hold stops being collected past the limit", () => {
  const rules = Array.from({ length: 100_000 }, (_, i) => ({ Statement: { IPSetReferenceStatement: { ARN: `${IP}-${i}` } } }));
  const got = referencedArns(rules);
  assert.equal(got.length, 5_001);
  assert.deepEqual(got.slice(0, 2), [`${IP}-0`, `${IP}-1`]);
});
