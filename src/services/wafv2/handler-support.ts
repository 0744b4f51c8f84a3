/** Small helpers shared by the WAFv2 handler tables. */
import type { RequestContext } from "../../core/types.js";
import { arn } from "../../core/partition.js";
import type { DocStore } from "../../storage/types.js";
import { entityArn, GLOBAL_REGION, parseEntityArn, scopeSegment, type EntityKind, type WafScope } from "./arn.js";
import type { Caller } from "./domain-deps.js";
import type { EntityRecord } from "./model.js";
import { evaluatedPolicy, foreignRuleGroup } from "./permission-policy.js";
import { referencedArns } from "./rules.js";

export function callerOf(ctx: RequestContext): Caller {
  return { accountId: ctx.scope.accountId, region: ctx.scope.region, now: ctx.now };
}

/**
 * The ARN a request is authorised against, built before any validation (authorisation comes
 * first): unknown parts become "*".
 */
export function requestArn(ctx: RequestContext, kind: EntityKind, scope: unknown, name: unknown, id: unknown): string {
  const s: WafScope = scope === "CLOUDFRONT" ? "CLOUDFRONT" : "REGIONAL";
  const region = s === "CLOUDFRONT" ? GLOBAL_REGION : ctx.scope.region;
  const part = (v: unknown): string => (typeof v === "string" && v !== "" ? v : "*");
  return entityArn(kind, s, region, ctx.scope.accountId, part(name), part(id));
}

/**
 * The owner of a resource named by ARN when it is not the caller's account: authorised as a
 * cross-account request (denied unless a resource policy allows it) instead of as the caller's own.
 */
export function ownerOf(ctx: RequestContext, resource: unknown): { resourceAccount?: string } {
  const p = typeof resource === "string" ? parseEntityArn(resource) : undefined;
  return p !== undefined && p.accountId !== ctx.scope.accountId ? { resourceAccount: p.accountId } : {};
}

/**
 * What a list or managed-rule-group operation is authorised against, as the AWS WAF developer
 * guide gives it ("arn:aws:wafv2:region:account-id:scope/webacl/*" for ListWebACLs,
 * ".../managedruleset/*" for the managed rule group calls): every resource of the kind in the
 * request's scope, with name and id wildcards, so that "*" or a policy granting the kind's ARNs
 * allows it (AWS's own AWSWAFReadOnlyAccess grants `wafv2:List*` on the web ACL ARNs of any
 * Region, account, scope, name and id).
 */
export function kindWildcardArn(ctx: RequestContext, kind: EntityKind | "managedruleset", scope: unknown): string {
  const s: WafScope = scope === "CLOUDFRONT" ? "CLOUDFRONT" : "REGIONAL";
  const region = s === "CLOUDFRONT" ? GLOBAL_REGION : ctx.scope.region;
  return arn("wafv2", region, ctx.scope.accountId, `${scopeSegment(s)}/${kind}/*/*`);
}

/**
 * A call whose rules reference IP sets, regex pattern sets or rule groups also needs its action
 * on each of them ("if a resource references any other resource by ARN, you must have permissions
 * to access the referenced resources", the WAF developer guide). Answers the other accounts' rule
 * groups the caller may use (loadReferences loads no others).
 */
export async function authorizeReferences(ctx: RequestContext, store: DocStore, action: string, rules: unknown): Promise<Set<string>> {
  const sharedWithCaller = new Set<string>();
  for (const resource of referencedArns(rules)) {
    // Another account's rule group is used when its permission policy shares it with the caller;
    // CheckCapacity of such rules is judged as the web ACL they preview would be. Anything else of
    // another account (sets cannot be shared, or nothing is there) is not found after this check.
    const shared = await otherAccountsRuleGroup(ctx, store, resource);
    if (shared === undefined) {
      await ctx.authorize({ action, resource });
      continue;
    }
    await authorizeSharedUse(ctx, action === "wafv2:CheckCapacity" ? "wafv2:CreateWebACL" : action, shared);
    sharedWithCaller.add(resource);
  }
  return sharedWithCaller;
}

/** The rule group another account owns (in the caller's Region) that `arn` names, if any. */
export async function otherAccountsRuleGroup(ctx: RequestContext, store: DocStore, arn: string): Promise<EntityRecord | undefined> {
  const p = parseEntityArn(arn);
  return p !== undefined && p.accountId !== ctx.scope.accountId && p.region === ctx.scope.region ? foreignRuleGroup(store, p, arn) : undefined;
}

/**
 * A use of another account's rule group, authorised against its permission policy as the
 * resource-based policy (cross-account, so the caller's IAM policies must allow it too; without a
 * policy it is denied).
 */
export async function authorizeSharedUse(ctx: RequestContext, action: string, group: EntityRecord): Promise<void> {
  await ctx.authorize({
    action,
    resource: group.arn,
    resourceAccount: group.accountId,
    ...(group.permissionPolicy !== undefined ? { resourcePolicy: evaluatedPolicy(group.permissionPolicy, group.arn) } : {}),
  });
}

export const CFN_TYPES: Record<EntityKind, string> = {
  webacl: "AWS::WAFv2::WebACL",
  rulegroup: "AWS::WAFv2::RuleGroup",
  ipset: "AWS::WAFv2::IPSet",
  regexpatternset: "AWS::WAFv2::RegexPatternSet",
};

/** Names the entity in the call's CloudTrail event. */
export function auditEntity(ctx: RequestContext, rec: Pick<EntityRecord, "arn" | "kind" | "accountId">): void {
  ctx.audit.resources = [{ ARN: rec.arn, accountId: rec.accountId, type: CFN_TYPES[rec.kind] }];
}

export function sortedByNameThenId<T extends { name: string; id: string }>(items: T[]): T[] {
  return items.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
