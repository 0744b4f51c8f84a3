/**
 * A WafResolver over in-memory maps, with Bulwark's managed rule groups built in. The WAFv2
 * control plane can use it as its snapshot (rebuild it, then recompile, when anything changes).
 */
import type { IPSet, RegexPatternSet, RuleGroup } from "@aws-sdk/client-wafv2";
import type { WafResolver } from "./types.js";
import { getManagedRuleGroup } from "./managed/catalogue.js";
import type { ManagedIpLists } from "./managed/ip-lists.js";

export interface StaticResolverInput {
  ipSets?: IPSet[];
  regexPatternSets?: RegexPatternSet[];
  ruleGroups?: RuleGroup[];
  managedIpLists?: ManagedIpLists;
}

export function createStaticResolver(input: StaticResolverInput = {}): WafResolver {
  const ipSets = new Map((input.ipSets ?? []).map((s) => [s.ARN ?? "", s]));
  const regexSets = new Map((input.regexPatternSets ?? []).map((s) => [s.ARN ?? "", s]));
  const groups = new Map((input.ruleGroups ?? []).map((g) => [g.ARN ?? "", g]));
  return {
    ipSet: (arn) => ipSets.get(arn),
    regexPatternSet: (arn) => regexSets.get(arn),
    ruleGroup: (arn) => groups.get(arn),
    managedRuleGroup: (vendor, name, version) => getManagedRuleGroup(vendor, name, version, input.managedIpLists),
  };
}
