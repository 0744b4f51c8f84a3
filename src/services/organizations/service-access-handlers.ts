/**
 * Trusted access for AWS services (EnableAWSServiceAccess, DisableAWSServiceAccess,
 * ListAWSServiceAccessForOrganization) and delegated administrators (Register/Deregister/
 * ListDelegatedAdministrators); the domain is in service-access.ts.
 */
import {
  DeregisterDelegatedAdministrator$,
  DisableAWSServiceAccess$,
  EnableAWSServiceAccess$,
  ListAWSServiceAccessForOrganization$,
  ListDelegatedAdministrators$,
  ListDelegatedServicesForAccount$,
  RegisterDelegatedAdministrator$,
} from "@aws-sdk/client-organizations";
import type { OperationDefinition } from "../types.js";
import { accountNotFound, accountNotRegistered, constraintViolation, notManagementAccount } from "./errors.js";
import type { OrgCalls } from "./handler-support.js";
import { ACCOUNT_ID, checkPage, checkString, paginate, requireString } from "./input.js";
import { accountArn, accountView, type OrganizationRecord } from "./model.js";
import type { OrganizationsDomainDeps } from "./organization.js";
import type { PageInput } from "./ou-handlers.js";
import {
  delegatedAdministrators,
  delegatedServices,
  deregisterDelegatedAdministrator,
  disableServiceAccess,
  enableServiceAccess,
  registerDelegatedAdministrator,
} from "./service-access.js";

const SERVICE_PRINCIPAL = /^[\w+=,.@-]*$/;

/** A ServicePrincipal parameter: required, 1–128 characters of [\w+=,.@-]. */
function servicePrincipalOf(v: unknown): string {
  const sp = requireString(v);
  checkString(sp, { min: 1, max: 128, pattern: SERVICE_PRINCIPAL });
  return sp;
}

const servicePrincipalContext = (sp: string) => ({ "organizations:ServicePrincipal": sp });

/** Trusted access and delegated administrators need an organization with all features. */
function requireAllFeatures(org: Readonly<OrganizationRecord>): void {
  if (org.featureSet !== "ALL") throw constraintViolation("ORGANIZATION_NOT_IN_ALL_FEATURES_MODE");
}

/** Enabled services are listed in the order they were enabled; the principal breaks ties. */
const enabledOrder = (e: { servicePrincipal: string; enabledAt: number }): string => `${String(e.enabledAt).padStart(16, "0")}/${e.servicePrincipal}`;

export function serviceAccessOperations(deps: OrganizationsDomainDeps, calls: OrgCalls): Record<string, OperationDefinition> {
  const { caller, membership, requireMembership, requireManagement } = calls;
  return {
    EnableAWSServiceAccess: {
      schema: EnableAWSServiceAccess$,
      handler: async (input: { ServicePrincipal?: string }, ctx) => {
        const sp = servicePrincipalOf(input?.ServicePrincipal);
        await ctx.authorize({ action: "organizations:EnableAWSServiceAccess", resource: "*", context: servicePrincipalContext(sp) });
        const { org } = await requireManagement(caller(ctx));
        requireAllFeatures(org);
        await enableServiceAccess(deps, org, sp, ctx.now);
        return {};
      },
    },
    DisableAWSServiceAccess: {
      schema: DisableAWSServiceAccess$,
      handler: async (input: { ServicePrincipal?: string }, ctx) => {
        const sp = servicePrincipalOf(input?.ServicePrincipal);
        await ctx.authorize({ action: "organizations:DisableAWSServiceAccess", resource: "*", context: servicePrincipalContext(sp) });
        const { org } = await requireManagement(caller(ctx));
        await disableServiceAccess(deps, org, sp);
        return {};
      },
    },
    ListAWSServiceAccessForOrganization: {
      schema: ListAWSServiceAccessForOrganization$,
      handler: async (input: PageInput, ctx) => {
        const pageOp = checkPage("ListAWSServiceAccessForOrganization", input);
        const { org } = await calls.managementCall(ctx, "ListAWSServiceAccessForOrganization");
        const { page, next } = paginate(org.enabledServices ?? [], enabledOrder, pageOp, input?.NextToken, input?.MaxResults);
        return {
          EnabledServicePrincipals: page.map((e) => ({ ServicePrincipal: e.servicePrincipal, DateEnabled: new Date(e.enabledAt) })),
          ...(next ? { NextToken: next } : {}),
        };
      },
    },
    RegisterDelegatedAdministrator: {
      schema: RegisterDelegatedAdministrator$,
      handler: async (input: { AccountId?: string; ServicePrincipal?: string }, ctx) => {
        const id = requireString(input?.AccountId);
        checkString(id, { pattern: ACCOUNT_ID });
        const sp = servicePrincipalOf(input?.ServicePrincipal);
        const m = await membership(caller(ctx));
        await ctx.authorize({ action: "organizations:RegisterDelegatedAdministrator", resource: m ? accountArn(m.org, id) : "*", context: servicePrincipalContext(sp) });
        const { org } = await requireManagement(caller(ctx));
        requireAllFeatures(org);
        await registerDelegatedAdministrator(deps, org, id, sp, ctx.now);
        return {};
      },
    },
    DeregisterDelegatedAdministrator: {
      schema: DeregisterDelegatedAdministrator$,
      handler: async (input: { AccountId?: string; ServicePrincipal?: string }, ctx) => {
        const id = requireString(input?.AccountId);
        checkString(id, { pattern: ACCOUNT_ID });
        const sp = servicePrincipalOf(input?.ServicePrincipal);
        const m = await membership(caller(ctx));
        await ctx.authorize({ action: "organizations:DeregisterDelegatedAdministrator", resource: m ? accountArn(m.org, id) : "*", context: servicePrincipalContext(sp) });
        const { org } = await requireManagement(caller(ctx));
        await deregisterDelegatedAdministrator(deps, org, id, sp);
        return {};
      },
    },
    ListDelegatedAdministrators: {
      schema: ListDelegatedAdministrators$,
      handler: async (input: PageInput & { ServicePrincipal?: string }, ctx) => {
        const sp = input?.ServicePrincipal !== undefined ? servicePrincipalOf(input.ServicePrincipal) : undefined;
        await ctx.authorize({ action: "organizations:ListDelegatedAdministrators", resource: "*", ...(sp !== undefined ? { context: servicePrincipalContext(sp) } : {}) });
        const pageOp = checkPage(`ListDelegatedAdministrators:${sp ?? ""}`, input);
        // The management account, or a member that is itself a delegated administrator, may list them.
        const { org } = await requireMembership(caller(ctx));
        if (org.managementAccountId !== caller(ctx) && !(org.delegatedAdministrators ?? []).some((d) => d.accountId === caller(ctx))) throw notManagementAccount();
        const all = await delegatedAdministrators(deps, org, sp);
        const { page, next } = paginate(all, (d) => d.account.id, pageOp, input?.NextToken, input?.MaxResults);
        return {
          DelegatedAdministrators: page.map((d) => ({ ...accountView(org, d.account, ctx.now), DelegationEnabledDate: new Date(d.delegatedAt) })),
          ...(next ? { NextToken: next } : {}),
        };
      },
    },
    ListDelegatedServicesForAccount: {
      schema: ListDelegatedServicesForAccount$,
      handler: async (input: PageInput & { AccountId?: string }, ctx) => {
        const id = requireString(input?.AccountId);
        checkString(id, { pattern: ACCOUNT_ID });
        const pageOp = checkPage(`ListDelegatedServicesForAccount:${id}`, input);
        const m = await membership(caller(ctx));
        // The management account, or a member that is a delegated administrator, may list them
        // (another member may when the resource-based delegation policy allows it).
        let org;
        if (m && m.org.managementAccountId !== caller(ctx) && (m.org.delegatedAdministrators ?? []).some((d) => d.accountId === caller(ctx))) {
          await ctx.authorize({ action: "organizations:ListDelegatedServicesForAccount", resource: accountArn(m.org, id) });
          org = m.org;
        } else {
          ({ org } = await calls.managementCall(ctx, "ListDelegatedServicesForAccount", (o) => accountArn(o, id)));
        }
        if (!(await calls.memberOf(org, id))) throw accountNotFound();
        const services = delegatedServices(org, id);
        if (services.length === 0) throw accountNotRegistered();
        const { page, next } = paginate(services, (d) => d.servicePrincipal, pageOp, input?.NextToken, input?.MaxResults);
        return {
          DelegatedServices: page.map((d) => ({ ServicePrincipal: d.servicePrincipal, DelegationEnabledDate: new Date(d.delegatedAt) })),
          ...(next ? { NextToken: next } : {}),
        };
      },
    },
  };
}
