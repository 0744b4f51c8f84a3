/**
 * Per-rule WAF counters (the CloudWatch AllowedRequests / BlockedRequests / CountedRequests
 * metrics, as Prometheus): bulwark_waf_requests_total{web_acl, rule, action}. `rule` is the
 * rule (or "Default_Action") and `action` ALLOW | BLOCK | COUNT | CAPTCHA | CHALLENGE.
 * Registered on the registry given (the gateway's, so /metrics shows them) or a private one.
 */
import { Counter, Registry } from "prom-client";
import type { WafDecision } from "../../dataplane/types.js";

export const WAF_REQUESTS_METRIC = "bulwark_waf_requests_total";

export class WafMetrics {
  readonly registry: Registry;
  private readonly requests: Counter<"web_acl" | "rule" | "action">;

  constructor(registry?: Registry) {
    this.registry = registry ?? new Registry();
    const existing = this.registry.getSingleMetric(WAF_REQUESTS_METRIC);
    this.requests =
      (existing as Counter<"web_acl" | "rule" | "action"> | undefined) ??
      new Counter({
        name: WAF_REQUESTS_METRIC,
        help: "Web requests inspected by WAF, by web ACL, rule and action",
        labelNames: ["web_acl", "rule", "action"] as const,
        registers: [this.registry],
      });
  }

  observe(webAcl: string, decision: WafDecision): void {
    this.requests.inc({ web_acl: webAcl, rule: decision.terminatingRuleId, action: decision.action });
    for (const m of decision.matchedRules) {
      // The terminating rule is counted above; other matches are counted under their own action.
      if (m.ruleGroupId === undefined && m.ruleId === decision.terminatingRuleId && m.action === decision.action) continue;
      if (m.action === "COUNT" || m.action === "CAPTCHA" || m.action === "CHALLENGE") this.requests.inc({ web_acl: webAcl, rule: m.ruleId, action: m.action });
    }
  }

  /** The WAF counters alone, in Prometheus text format. */
  async text(): Promise<string> {
    return this.registry.getSingleMetricAsString(WAF_REQUESTS_METRIC);
  }
}
