/**
 * Effective management policies: the handler table (domain in effective.ts). DescribeEffectivePolicy
 * may be called from any account of the organization for its own account; naming another account
 * takes the management account or a member the delegation policy allows (resource-policy.ts).
 * The two invalid-policy operations are management calls. Requests carry
 * `organizations:PolicyType`, as the Service Authorization Reference lists for these actions.
 */
import { DescribeEffectivePolicy$, ListAccountsWithInvalidEffectivePolicy$, ListEffectivePolicyValidationErrors$ } from "@aws-sdk/client-organizations";
import type { ConditionContext } from "../../core/types.js";
import type { OperationDefinition } from "../types.js";
import { EffectivePolicyReader } from "./effective.js";
import { accountNotFound, effectivePolicyNotFound, invalidInput, notInUse, targetNotFound } from "./errors.js";
import { noteResource, type OrgCalls } from "./handler-support.js";
import { ACCOUNT_ID, checkPage, paginate, requireId, requireString, TARGET_ID } from "./input.js";
import { accountArn, accountView } from "./model.js";
import { organizationAccounts, type OrganizationsDomainDeps } from "./organization.js";
import type { PageInput } from "./ou-handlers.js";
import { effectivePolicyType } from "./policy-types.js";

const ACCOUNT_RESOURCE = "AWS::Organizations::Account";
const typeContext = (type: string): ConditionContext => ({ "organizations:PolicyType": type });

export function effectivePolicyOperations(deps: OrganizationsDomainDeps, calls: OrgCalls): Record<string, OperationDefinition> {
  return {
    DescribeEffectivePolicy: {
      schema: DescribeEffectivePolicy$,
      handler: async (input: { PolicyType?: string; TargetId?: string }, ctx) => {
        const type = effectivePolicyType(requireString(input?.PolicyType));
        const named = input?.TargetId === undefined ? undefined : requireId(input.TargetId, TARGET_ID, "INVALID_PATTERN_TARGET_ID");
        if (named !== undefined && !ACCOUNT_ID.test(named)) throw invalidInput("TARGET_NOT_SUPPORTED");
        const caller = calls.caller(ctx);
        const target = named ?? caller;
        let m = await calls.membership(caller);
        if (target === caller) {
          await ctx.authorize({ action: "organizations:DescribeEffectivePolicy", resource: m ? accountArn(m.org, target) : "*", context: typeContext(type) });
          if (!m) throw notInUse();
        } else {
          m = await calls.managementCall(ctx, "DescribeEffectivePolicy", (o) => accountArn(o, target), typeContext(type));
        }
        if (!(await calls.memberOf(m.org, target))) throw targetNotFound();
        const effective = await new EffectivePolicyReader(deps.store, m.org, type).effectiveFor(target);
        if (!effective) throw effectivePolicyNotFound();
        noteResource(ctx, m, accountArn(m.org, target), ACCOUNT_RESOURCE);
        return { EffectivePolicy: { PolicyContent: effective.content, LastUpdatedTimestamp: new Date(effective.lastUpdated), TargetId: target, PolicyType: type } };
      },
    },
    ListAccountsWithInvalidEffectivePolicy: {
      schema: ListAccountsWithInvalidEffectivePolicy$,
      handler: async (input: PageInput & { PolicyType?: string }, ctx) => {
        const type = effectivePolicyType(requireString(input?.PolicyType));
        const pageOp = checkPage(`ListAccountsWithInvalidEffectivePolicy:${type}`, input);
        const { org } = await calls.managementCall(ctx, "ListAccountsWithInvalidEffectivePolicy", undefined, typeContext(type));
        const reader = new EffectivePolicyReader(deps.store, org, type);
        if (!reader.enabled) throw effectivePolicyNotFound();
        const invalid = [];
        for (const a of await organizationAccounts(deps, org)) {
          const checked = await reader.validate(a.id);
          if (checked && checked.errors.length > 0) invalid.push(a);
        }
        const { page, next } = paginate(invalid, (a) => a.id, pageOp, input?.NextToken, input?.MaxResults);
        return { Accounts: page.map((a) => accountView(org, a, ctx.now)), PolicyType: type, ...(next ? { NextToken: next } : {}) };
      },
    },
    ListEffectivePolicyValidationErrors: {
      schema: ListEffectivePolicyValidationErrors$,
      handler: async (input: PageInput & { AccountId?: string; PolicyType?: string }, ctx) => {
        const accountId = requireId(input?.AccountId, ACCOUNT_ID);
        const type = effectivePolicyType(requireString(input?.PolicyType));
        const pageOp = checkPage(`ListEffectivePolicyValidationErrors:${accountId}:${type}`, input);
        const m = await calls.managementCall(ctx, "ListEffectivePolicyValidationErrors", (o) => accountArn(o, accountId), typeContext(type));
        if (!(await calls.memberOf(m.org, accountId))) throw accountNotFound();
        const checked = await new EffectivePolicyReader(deps.store, m.org, type).validate(accountId);
        if (!checked) throw effectivePolicyNotFound();
        // Errors have no identity of their own: their position in the (deterministic) list serves as the page key.
        const keyed = checked.errors.map((e, i) => ({ e, key: String(i).padStart(6, "0") }));
        const { page, next } = paginate(keyed, (k) => k.key, pageOp, input?.NextToken, input?.MaxResults);
        noteResource(ctx, m, accountArn(m.org, accountId), ACCOUNT_RESOURCE);
        return {
          AccountId: accountId,
          PolicyType: type,
          Path: checked.policy.path,
          EvaluationTimestamp: new Date(checked.policy.lastUpdated),
          EffectivePolicyValidationErrors: page.map(({ e }) => ({ ErrorCode: e.code, ErrorMessage: e.message, PathToError: e.path, ContributingPolicies: e.contributingPolicies })),
          ...(next ? { NextToken: next } : {}),
        };
      },
    },
  };
}
