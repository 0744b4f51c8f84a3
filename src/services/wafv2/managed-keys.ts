/**
 * GetRateBasedStatementManagedKeys: the addresses a rate-based rule instance limits now.
 *
 * An instance is one use of a rate-based rule: a rule of the web ACL, or (with RuleGroupRuleName)
 * a rule of the rule group that the web ACL's rule of that name references, so one rule group
 * used by two web ACLs, or twice in one, counts and limits each use apart (as AWS WAF manages
 * keys "independently for each unique combination of web ACL, optional rule group, and
 * rate-based rule"). The instance ids are those the engine counts under (compile-acl.ts).
 */
import type { GetRateBasedStatementManagedKeysResponse, Rule } from "@aws-sdk/client-wafv2";
import { parseEntityArn, type WafScope } from "./arn.js";
import type { Caller, WafDomainDeps } from "./domain-deps.js";
import { entityByArn } from "./entities.js";
import { invalidParameter, nonexistentItem } from "./errors.js";
import { foreignRuleGroup } from "./permission-policy.js";
import { ruleGroupView } from "./rule-group.js";
import { requireWebAcl, webAclView } from "./web-acl.js";

export interface ManagedKeysRequest {
  webAclName: string;
  webAclId: string;
  ruleName: string;
  ruleGroupRuleName?: string | undefined;
}

export async function rateBasedManagedKeys(deps: WafDomainDeps, c: Caller, scope: WafScope, req: ManagedKeysRequest): Promise<GetRateBasedStatementManagedKeysResponse> {
  const rec = await requireWebAcl(deps, c, scope, req.webAclName, req.webAclId);
  const acl = webAclView(rec).WebACL;
  let rule: Rule | undefined;
  let instanceId: string;
  if (req.ruleGroupRuleName !== undefined) {
    // Managed rule groups hold no rate-based rules: only a reference to a rule group, the
    // account's own or one another account shares (the web ACL was authorised to use it).
    const groupArn = acl.Rules?.find((r) => r.Name === req.ruleGroupRuleName)?.Statement?.RuleGroupReferenceStatement?.ARN;
    const parsed = groupArn === undefined ? undefined : parseEntityArn(groupArn);
    const group =
      groupArn === undefined || parsed === undefined
        ? undefined
        : parsed.accountId === c.accountId
          ? await entityByArn(deps.store, groupArn, c.accountId, c.region, "rulegroup")
          : await foreignRuleGroup(deps.store, parsed, groupArn);
    if (group === undefined) throw nonexistentItem();
    rule = ruleGroupView(group).RuleGroup.Rules?.find((r) => r.Name === req.ruleName);
    instanceId = `${rec.arn}/${req.ruleGroupRuleName}/${req.ruleName}`;
  } else {
    rule = acl.Rules?.find((r) => r.Name === req.ruleName);
    instanceId = `${rec.arn}/${req.ruleName}`;
  }
  if (rule === undefined) throw nonexistentItem();
  const statement = rule.Statement?.RateBasedStatement;
  if (statement === undefined) throw invalidParameter("RULE", req.ruleName, "The rule isn't a rate-based rule");
  const keys = await deps.engine.rateBasedManagedKeys(instanceId, statement);
  return {
    ManagedKeysIPV4: { IPAddressVersion: "IPV4", Addresses: keys.ipv4 },
    ManagedKeysIPV6: { IPAddressVersion: "IPV6", Addresses: keys.ipv6 },
  };
}
