/**
 * The rule Shield puts into a protected resource's web ACL while it mitigates an HTTP flood.
 *
 * AWS names its rule group reference ShieldMitigationRuleGroup_<account>_<web ACL id>_<unique
 * id> at priority 10,000,000 (after the customer's rules). Bulwark places a rate-based rule
 * with that name and priority directly in the web ACL: per source IP (AggregateKeyType IP),
 * over a 60-second window, with the action the protection's automatic response asks for.
 * The unique id is derived from the web ACL ARN, so the name is stable for a web ACL and
 * putting the rule twice replaces it instead of adding a second one.
 */
import { createHash } from "node:crypto";
import type { Rule } from "@aws-sdk/client-wafv2";
import type { ResponseActionKind } from "./types.js";
import { arnPattern } from "../../../core/partition.js";

export const MITIGATION_RULE_PREFIX = "ShieldMitigationRuleGroup_";
export const MITIGATION_RULE_PRIORITY = 10_000_000;
/** WAF's smallest rate-based limit. */
export const MIN_RATE_LIMIT = 10;
export const RATE_WINDOW_SECONDS = 60;

const WEB_ACL_ARN = arnPattern(/^arn:aws:wafv2:[a-z0-9-]+:(\d{12}):(?:regional|global)\/webacl\/[^/]+\/([0-9a-f-]{1,64})$/);

function stableUuid(text: string): string {
  const h = createHash("sha256").update(text).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

export function mitigationRuleName(webAclArn: string): string {
  const m = WEB_ACL_ARN.exec(webAclArn);
  const account = m?.[1] ?? "000000000000";
  const id = m?.[2] ?? stableUuid(`id:${webAclArn}`);
  return `${MITIGATION_RULE_PREFIX}${account}_${id}_${stableUuid(webAclArn)}`;
}

/** Requests per source IP per 60 s: multiplier × the baseline's per-IP p99 rate, at least WAF's minimum. */
export function rateLimitFromBaseline(perIpRps: number, multiplier: number): number {
  return Math.max(MIN_RATE_LIMIT, Math.ceil(multiplier * perIpRps * RATE_WINDOW_SECONDS));
}

export function buildMitigationRule(webAclArn: string, action: ResponseActionKind, limit: number): { ruleName: string; rule: Rule } {
  const ruleName = mitigationRuleName(webAclArn);
  return {
    ruleName,
    rule: {
      Name: ruleName,
      Priority: MITIGATION_RULE_PRIORITY,
      Action: action === "BLOCK" ? { Block: {} } : { Count: {} },
      Statement: { RateBasedStatement: { Limit: limit, EvaluationWindowSec: RATE_WINDOW_SECONDS, AggregateKeyType: "IP" } },
      VisibilityConfig: { SampledRequestsEnabled: true, CloudWatchMetricsEnabled: true, MetricName: ruleName },
    },
  };
}
