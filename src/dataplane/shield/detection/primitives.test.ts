import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { QuantileWindow } from "./quantile-window.js";
import { SpaceSaving } from "./space-saving.js";
import { buildMitigationRule, mitigationRuleName, rateLimitFromBaseline } from "./mitigation-rule.js";
import { resolveDetectionSettings } from "./settings.js";

describe("QuantileWindow", () => {
  test("small values are exact and the oldest value leaves the window", () => {
    const w = new QuantileWindow(4);
    assert.equal(w.quantile(0.99), 0);
    for (const v of [5, 1, 9, 3]) w.push(v);
    assert.equal(w.size, 4);
    assert.equal(w.quantile(0.99), 9);
    assert.equal(w.quantile(0.5), 3);
    w.push(2); // evicts 5
    w.push(2); // evicts 1
    w.push(2); // evicts 9
    assert.equal(w.size, 4);
    assert.equal(w.quantile(0.99), 3);
  });

  test("large values are reported at their bin's upper edge, never below the value", () => {
    const w = new QuantileWindow(10);
    w.push(1000);
    const q = w.quantile(1);
    assert.ok(q >= 1000 && q <= 1000 * 2 ** (1 / 8) + 1, `got ${q}`);
    w.push(4_000_000_000);
    assert.ok(w.quantile(1) >= 4_000_000_000);
  });
});

describe("SpaceSaving", () => {
  test("keeps at most capacity keys and always holds the heavy hitter with its exact count", () => {
    const s = new SpaceSaving(8);
    for (let i = 0; i < 1000; i++) {
      s.add("heavy");
      s.add(`noise-${i}`);
    }
    assert.equal(s.total, 2000);
    const top = s.top(3);
    assert.equal(top.length, 3);
    assert.deepEqual(top[0], { name: "heavy", value: 1000 });
    assert.equal(s.top(100).length, 8);
  });

  test("merge adds counts and totals; long keys are truncated", () => {
    const a = new SpaceSaving(4, 5);
    const b = new SpaceSaving(4, 5);
    a.add("abcdefgh", 2);
    b.add("abcde", 3);
    b.add("x", 1);
    a.merge(b);
    assert.equal(a.total, 6);
    assert.deepEqual(a.top(2), [
      { name: "abcde", value: 5 },
      { name: "x", value: 1 },
    ]);
    assert.equal(a.max(), 5);
    a.clear();
    assert.equal(a.total, 0);
    assert.deepEqual(a.top(1), []);
  });
});

describe("mitigation rule", () => {
  const acl = "arn:aws:wafv2:eu-west-1:111122223333:regional/webacl/site/a1b2c3d4-5678-90ab-cdef-111111111111";

  test("is a rate-based rule named after the account and web ACL, at priority 10,000,000", () => {
    const { ruleName, rule } = buildMitigationRule(acl, "BLOCK", 180);
    assert.match(ruleName, /^ShieldMitigationRuleGroup_111122223333_a1b2c3d4-5678-90ab-cdef-111111111111_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    assert.ok(ruleName.length <= 128);
    assert.equal(mitigationRuleName(acl), ruleName, "the name is stable for a web ACL");
    assert.deepEqual(rule, {
      Name: ruleName,
      Priority: 10_000_000,
      Action: { Block: {} },
      Statement: { RateBasedStatement: { Limit: 180, EvaluationWindowSec: 60, AggregateKeyType: "IP" } },
      VisibilityConfig: { SampledRequestsEnabled: true, CloudWatchMetricsEnabled: true, MetricName: ruleName },
    });
    assert.deepEqual(buildMitigationRule(acl, "COUNT", 10).rule.Action, { Count: {} });
  });

  test("the limit is multiplier × per-IP baseline × 60 s, at least WAF's minimum of 10", () => {
    assert.equal(rateLimitFromBaseline(0, 3), 10);
    assert.equal(rateLimitFromBaseline(1, 3), 180);
    assert.equal(rateLimitFromBaseline(0.02, 2), 10);
  });
});

test("settings: defaults, and given values made sane", () => {
  const d = resolveDetectionSettings();
  assert.deepEqual(d, { baselineSeconds: 3600, multiplier: 3, minRequestsPerSecond: 100, sustainSeconds: 10, cooldownSeconds: 30, topK: 64, tickMs: 1000, persistSeconds: 5 });
  const s = resolveDetectionSettings({ baselineSeconds: 2.7, multiplier: 0.5, sustainSeconds: 0, topK: 1, tickMs: 1 });
  assert.equal(s.baselineSeconds, 2);
  assert.equal(s.multiplier, 1);
  assert.equal(s.sustainSeconds, 1);
  assert.equal(s.topK, 5);
  assert.equal(s.tickMs, 10);
});
