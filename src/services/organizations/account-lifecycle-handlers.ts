/** RemoveAccountFromOrganization, LeaveOrganization and CloseAccount: the handler table (domain in account-lifecycle.ts). */
import { CloseAccount$, LeaveOrganization$, RemoveAccountFromOrganization$ } from "@aws-sdk/client-organizations";
import type { OperationDefinition } from "../types.js";
import { closeMember, removeMember } from "./account-lifecycle.js";
import { accountNotFound } from "./errors.js";
import { noteResource, type OrgCalls } from "./handler-support.js";
import { ACCOUNT_ID, requireId } from "./input.js";
import { accountArn } from "./model.js";
import type { OrganizationsDomainDeps } from "./organization.js";

const ACCOUNT_TYPE = "AWS::Organizations::Account";

export function accountLifecycleOperations(deps: OrganizationsDomainDeps, calls: OrgCalls): Record<string, OperationDefinition> {
  return {
    RemoveAccountFromOrganization: {
      schema: RemoveAccountFromOrganization$,
      handler: async (input: { AccountId?: string }, ctx) => {
        const id = requireId(input?.AccountId, ACCOUNT_ID);
        const m = await calls.managementCall(ctx, "RemoveAccountFromOrganization", (o) => accountArn(o, id));
        if (id !== m.org.managementAccountId && !(await calls.memberOf(m.org, id))) throw accountNotFound();
        await removeMember(deps, m.org.id, id, "management", ctx.now);
        noteResource(ctx, m, accountArn(m.org, id), ACCOUNT_TYPE);
        return {};
      },
    },
    LeaveOrganization: {
      schema: LeaveOrganization$,
      handler: async (_input: unknown, ctx) => {
        await ctx.authorize({ action: "organizations:LeaveOrganization", resource: "*" });
        const m = await calls.requireMembership(calls.caller(ctx));
        await removeMember(deps, m.org.id, calls.caller(ctx), "self", ctx.now);
        noteResource(ctx, m, accountArn(m.org, calls.caller(ctx)), ACCOUNT_TYPE);
        return {};
      },
    },
    CloseAccount: {
      schema: CloseAccount$,
      handler: async (input: { AccountId?: string }, ctx) => {
        const id = requireId(input?.AccountId, ACCOUNT_ID);
        const m = await calls.managementCall(ctx, "CloseAccount", (o) => accountArn(o, id));
        if (id !== m.org.managementAccountId && !(await calls.memberOf(m.org, id))) throw accountNotFound();
        await closeMember(deps, m.org, id, ctx.now);
        noteResource(ctx, m, accountArn(m.org, id), ACCOUNT_TYPE);
        return {};
      },
    },
  };
}
