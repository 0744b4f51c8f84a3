// The web ACL the WAF benchmarks evaluate in process, and waf-proxy-setup.mjs creates through
// the API: Bulwark's managed rule groups in order, each with override action None, and
// KnownBadInputs' Host_localhost_HEADER counted (every benchmark request targets localhost).
export const CORE3 = ["AWSManagedRulesCommonRuleSet", "AWSManagedRulesSQLiRuleSet", "AWSManagedRulesKnownBadInputsRuleSet"];
export const FULL = [...CORE3, "AWSManagedRulesUnixRuleSet", "AWSManagedRulesWindowsRuleSet", "AWSManagedRulesPHPRuleSet"];

export function managedWebAcl(name, groups, { sampled = false } = {}) {
  const visibility = (MetricName) => ({ SampledRequestsEnabled: sampled, CloudWatchMetricsEnabled: sampled, MetricName });
  return {
    Name: name,
    Id: "00000000-0000-0000-0000-000000000000",
    ARN: `arn:aws:wafv2:us-east-1:123456789012:regional/webacl/${name}/00000000-0000-0000-0000-000000000000`,
    DefaultAction: { Allow: {} },
    VisibilityConfig: visibility(name),
    Rules: groups.map((Name, Priority) => ({
      Name: `AWS-${Name}`,
      Priority,
      OverrideAction: { None: {} },
      Statement: {
        ManagedRuleGroupStatement: {
          VendorName: "AWS",
          Name,
          RuleActionOverrides: Name === "AWSManagedRulesKnownBadInputsRuleSet" ? [{ Name: "Host_localhost_HEADER", ActionToUse: { Count: {} } }] : undefined,
        },
      },
      VisibilityConfig: visibility(`AWS-${Name}`),
    })),
  };
}
