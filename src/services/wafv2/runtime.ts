/**
 * What the traffic observer needs to know about a deployed web ACL, derived once per
 * deployment (not per request): metric names and sampling flags of the web ACL and of
 * each rule (and of the rules inside custom rule groups), rule types for logs, and the
 * ids under which rule groups appear in logs.
 */
import type { RuleGroup, WebACL } from "@aws-sdk/client-wafv2";
import type { WafResolver } from "./engine-types.js";
import type { CompiledLogging } from "./log-record.js";

export type LogRuleType = "REGULAR" | "RATE_BASED" | "GROUP" | "MANAGED_RULE_GROUP";

export interface Visibility {
  metricName: string;
  sampled: boolean;
  metrics: boolean;
}

export interface RuleRuntime extends Visibility {
  name: string;
  type: LogRuleType;
  /** Rule groups: the id logs use (the rule group ARN, or Vendor#Name[#Version] for managed groups). */
  groupId?: string;
  /** Rules inside a custom rule group, by name. */
  inner?: Map<string, Visibility>;
  /** Rate-based rules: what rateBasedRuleList reports. */
  rate?: { limit: number; aggregateKeyType: string; windowSec: number };
}

export interface AclRuntime extends Visibility {
  arn: string;
  id: string;
  name: string;
  accountId: string;
  region: string;
  rules: Map<string, RuleRuntime>;
  /** Every spelling of a rule group's id the engine may report → the web ACL rule using it. */
  groupAliases: Map<string, string>;
  logging?: CompiledLogging;
}

function visibility(v: { MetricName?: string | undefined; SampledRequestsEnabled?: boolean | undefined; CloudWatchMetricsEnabled?: boolean | undefined } | undefined): Visibility {
  return { metricName: v?.MetricName ?? "", sampled: v?.SampledRequestsEnabled === true, metrics: v?.CloudWatchMetricsEnabled === true };
}

export function buildRuntime(acl: WebACL, accountId: string, region: string, resolver: WafResolver): AclRuntime {
  const rules = new Map<string, RuleRuntime>();
  const groupAliases = new Map<string, string>();
  for (const r of acl.Rules ?? []) {
    const name = r.Name ?? "";
    const st = r.Statement ?? {};
    const base = { name, ...visibility(r.VisibilityConfig) };
    if (st.RuleGroupReferenceStatement) {
      const arn = st.RuleGroupReferenceStatement.ARN ?? "";
      const group: RuleGroup | undefined = resolver.ruleGroup(arn);
      const inner = new Map<string, Visibility>();
      for (const ir of group?.Rules ?? []) inner.set(ir.Name ?? "", visibility(ir.VisibilityConfig));
      rules.set(name, { ...base, type: "GROUP", groupId: arn, inner });
      for (const alias of [arn, name, group?.Name, group?.Id]) if (alias) groupAliases.set(alias, name);
    } else if (st.ManagedRuleGroupStatement) {
      const m = st.ManagedRuleGroupStatement;
      const id = `${m.VendorName ?? ""}#${m.Name ?? ""}${m.Version ? `#${m.Version}` : ""}`;
      rules.set(name, { ...base, type: "MANAGED_RULE_GROUP", groupId: id });
      for (const alias of [id, `${m.VendorName ?? ""}#${m.Name ?? ""}`, m.Name, name]) if (alias) groupAliases.set(alias, name);
    } else if (st.RateBasedStatement) {
      const rb = st.RateBasedStatement;
      rules.set(name, { ...base, type: "RATE_BASED", rate: { limit: rb.Limit ?? 0, aggregateKeyType: rb.AggregateKeyType ?? "IP", windowSec: rb.EvaluationWindowSec ?? 300 } });
    } else {
      rules.set(name, { ...base, type: "REGULAR" });
    }
  }
  return {
    arn: acl.ARN ?? "",
    id: acl.Id ?? "",
    name: acl.Name ?? "",
    accountId,
    region,
    ...visibility(acl.VisibilityConfig),
    rules,
    groupAliases,
  };
}

/** The web ACL rule a matched rule belongs to: itself, or the rule group reference holding it. */
export function outerRule(rt: AclRuntime, m: { ruleId: string; ruleGroupId?: string | undefined }): RuleRuntime | undefined {
  if (m.ruleGroupId !== undefined) {
    const outer = rt.groupAliases.get(m.ruleGroupId);
    return outer === undefined ? undefined : rt.rules.get(outer);
  }
  return rt.rules.get(m.ruleId);
}
