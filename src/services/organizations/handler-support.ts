/**
 * What the Organizations handler tables share: the caller's membership (through the
 * MembershipCache), the management-account rule, and authorisation on a resource of the
 * caller's organization.
 */
import type { ConditionContext, RequestContext } from "../../core/types.js";
import { notInUse, notManagementAccount } from "./errors.js";
import type { MembershipCache, CachedMembership } from "./membership-cache.js";
import type { OrganizationRecord } from "./model.js";
import { loadMembership, type OrganizationsDomainDeps } from "./organization.js";
import { DELEGATABLE_ACTIONS, getResourcePolicy } from "./resource-policy.js";

export interface OrgCalls {
  caller(ctx: RequestContext): string;
  membership(accountId: string): Promise<CachedMembership | undefined>;
  requireMembership(accountId: string): Promise<CachedMembership>;
  /** Only the management account may manage the organization; members get AccessDeniedException. */
  requireManagement(accountId: string): Promise<CachedMembership>;
  /** The account, if it is a member of `org`. */
  memberOf(org: Readonly<OrganizationRecord>, accountId: string): Promise<CachedMembership | undefined>;
  /**
   * Authorises `action` on the resource `arn` names in the caller's organization ("*" when the
   * caller is in none, or `arn` gives undefined), then requires the management account. A member
   * account may call a delegatable action when the organization has a resource-based delegation
   * policy: the policy engine then evaluates the call as cross-account to the management account,
   * so both the member's IAM policies and the delegation policy must allow it.
   */
  managementCall(
    ctx: RequestContext,
    action: string,
    arn?: (org: Readonly<OrganizationRecord>) => string | undefined,
    context?: ConditionContext,
  ): Promise<CachedMembership>;
}

export function createOrgCalls(deps: OrganizationsDomainDeps, memberships: MembershipCache): OrgCalls {
  const caller = (ctx: RequestContext): string => ctx.principal.accountId;
  const membership = (accountId: string): Promise<CachedMembership | undefined> => memberships.get(accountId, () => loadMembership(deps, accountId));
  const requireMembership = async (accountId: string): Promise<CachedMembership> => {
    const m = await membership(accountId);
    if (!m) throw notInUse();
    return m;
  };
  const isManagement = (m: CachedMembership, accountId: string): boolean => m.org.managementAccountId === accountId;
  return {
    caller,
    membership,
    requireMembership,
    async requireManagement(accountId) {
      const m = await requireMembership(accountId);
      if (!isManagement(m, accountId)) throw notManagementAccount();
      return m;
    },
    async memberOf(org, accountId) {
      const m = await membership(accountId);
      return m && m.org.id === org.id ? m : undefined;
    },
    async managementCall(ctx, action, arn, context) {
      const m = await membership(caller(ctx));
      const resource = (m && arn?.(m.org)) ?? "*";
      const delegation = m && !isManagement(m, caller(ctx)) && DELEGATABLE_ACTIONS.has(action) ? await getResourcePolicy(deps, m.org) : undefined;
      await ctx.authorize({
        action: `organizations:${action}`,
        resource,
        ...(m && delegation ? { resourceAccount: m.org.managementAccountId, resourcePolicy: delegation.content } : {}),
        ...(context && Object.keys(context).length > 0 ? { context } : {}),
      });
      if (!m) throw notInUse();
      if (!isManagement(m, caller(ctx)) && !delegation) throw notManagementAccount();
      return m;
    },
  };
}

/** Records the resource a call acted on in its CloudTrail event. */
export function noteResource(ctx: RequestContext, m: CachedMembership, arn: string, type: string): void {
  (ctx.audit.resources ??= []).push({ ARN: arn, accountId: m.org.managementAccountId, type });
}
