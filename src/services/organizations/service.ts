/**
 * The AWS Organizations service definition (awsJson1_1, AWSOrganizationsV20161128).
 * Every handler authorises first; the domain work is in organization.ts and create-account.ts.
 * Read-only handlers look memberships up through a MembershipCache (see membership-cache.ts);
 * the writes (CreateOrganization, DeleteOrganization, CreateAccount) decide on fresh reads.
 */
import {
  CreateAccount$,
  CreateOrganization$,
  DeleteOrganization$,
  DeregisterDelegatedAdministrator$,
  DescribeAccount$,
  DescribeCreateAccountStatus$,
  DescribeOrganization$,
  DisableAWSServiceAccess$,
  EnableAWSServiceAccess$,
  ListAccounts$,
  ListAccountsForParent$,
  ListAWSServiceAccessForOrganization$,
  ListCreateAccountStatus$,
  ListDelegatedAdministrators$,
  ListParents$,
  ListRoots$,
  RegisterDelegatedAdministrator$,
} from "@aws-sdk/client-organizations";
import type { RequestContext } from "../../core/types.js";
import type { ServiceDefinition } from "../types.js";
import { CreateAccountJobs, getCreateAccountRequest, requestCreateAccount, type CreateAccountInput } from "./create-account.js";
import { accessDeniedForDependency, accountNotFound, childNotFound, createAccountStatusNotFound, invalidInput, notInUse, notManagementAccount, parentNotFound } from "./errors.js";
import { checkString, maxResults, paginate, requireString } from "./input.js";
import {
  accountArn,
  accountView,
  CREATE_ACCOUNT_COLLECTION,
  createAccountStatusView,
  organizationView,
  rootArn,
  rootView,
  type CreateAccountRequestRecord,
  type CreateAccountState,
  type FeatureSet,
  type OrganizationRecord,
} from "./model.js";
import { MembershipCache, type CachedMembership, type MembershipCacheOptions } from "./membership-cache.js";
import { createOrganization, deleteOrganization, loadMembership, organizationAccounts, type OrganizationsDomainDeps } from "./organization.js";
import {
  delegatedAdministrators,
  deregisterDelegatedAdministrator,
  disableServiceAccess,
  enableServiceAccess,
  registerDelegatedAdministrator,
} from "./service-access.js";

export interface OrganizationsDeps extends OrganizationsDomainDeps {
  /** Schedules the CreateAccount job shortly after the response (default: setTimeout 10 ms). */
  runLater?: (fn: () => void) => void;
  /** Size and TTL of the membership cache. */
  membershipCache?: MembershipCacheOptions;
}

export type OrganizationsService = ServiceDefinition & {
  /** Finishes CreateAccount requests left IN_PROGRESS by a crash; call once at start-up. */
  resumePending(): Promise<number>;
  /** Resolves when no CreateAccount job is running. */
  idle(): Promise<void>;
};

const ACCOUNT_ID = /^\d{12}$/;
const CAR_ID = /^car-[a-z0-9]{8,32}$/;
const PARENT_ID = /^(r-[0-9a-z]{4,32})$|^(ou-[0-9a-z]{4,32}-[a-z0-9]{8,32})$/;
const CHILD_ID = /^(\d{12})$|^(ou-[0-9a-z]{4,32}-[a-z0-9]{8,32})$/;
const SERVICE_PRINCIPAL = /^[\w+=,.@-]*$/;
const STATES: readonly CreateAccountState[] = ["IN_PROGRESS", "SUCCEEDED", "FAILED"];
const SERVICE_LINKED_ROLE = (account: string): string =>
  `arn:aws:iam::${account}:role/aws-service-role/organizations.amazonaws.com/AWSServiceRoleForOrganizations`;

interface PageInput {
  NextToken?: string;
  MaxResults?: number;
}

export function createOrganizationsService(deps: OrganizationsDeps): OrganizationsService {
  const jobs = new CreateAccountJobs(deps);
  const runLater = deps.runLater ?? ((fn: () => void) => void setTimeout(fn, 10));
  const caller = (ctx: RequestContext): string => ctx.principal.accountId;
  const memberships = new MembershipCache(deps.accounts.changes, deps.clock, deps.membershipCache);
  const membership = (accountId: string): Promise<CachedMembership | undefined> => memberships.get(accountId, () => loadMembership(deps, accountId));
  const requireMembership = async (accountId: string): Promise<CachedMembership> => {
    const m = await membership(accountId);
    if (!m) throw notInUse();
    return m;
  };
  /** Only the management account may manage accounts; members get AccessDeniedException. */
  const requireManagement = async (accountId: string): Promise<CachedMembership> => {
    const m = await requireMembership(accountId);
    if (m.org.managementAccountId !== accountId) throw notManagementAccount();
    return m;
  };
  /** A ServicePrincipal parameter: required, 1–128 characters of [\w+=,.@-]. */
  const servicePrincipalOf = (v: unknown): string => {
    const sp = requireString(v);
    checkString(sp, { min: 1, max: 128, pattern: SERVICE_PRINCIPAL });
    return sp;
  };
  const servicePrincipalContext = (sp: string) => ({ "organizations:ServicePrincipal": sp });
  /** The account, if it is a member of `org`. */
  const memberOf = async (org: Readonly<OrganizationRecord>, accountId: string): Promise<CachedMembership | undefined> => {
    const m = await membership(accountId);
    return m && m.org.id === org.id ? m : undefined;
  };

  return {
    name: "organizations",
    signingName: "organizations",
    protocol: "awsJson1_1",
    targetPrefix: "AWSOrganizationsV20161128",
    eventSource: "organizations.amazonaws.com",
    global: true,
    missingRequiredError: () => invalidInput("INPUT_REQUIRED"),
    resumePending: () => jobs.resumePending(),
    idle: () => jobs.idle(),
    operations: {
      CreateOrganization: {
        schema: CreateOrganization$,
        handler: async (input: { FeatureSet?: string }, ctx) => {
          await ctx.authorize({ action: "organizations:CreateOrganization", resource: "*" });
          const featureSet = input?.FeatureSet ?? "ALL";
          if (featureSet !== "ALL" && featureSet !== "CONSOLIDATED_BILLING") throw invalidInput("INVALID_ENUM");
          // AWS creates the service-linked role AWSServiceRoleForOrganizations here, which needs this permission.
          const mayCreateRole = await ctx.isAllowed({
            action: "iam:CreateServiceLinkedRole",
            resource: SERVICE_LINKED_ROLE(caller(ctx)),
            context: { "iam:AWSServiceName": "organizations.amazonaws.com" },
          });
          if (!mayCreateRole) throw accessDeniedForDependency();
          const { org, managementEmail } = await createOrganization(deps, { accountId: caller(ctx), featureSet: featureSet as FeatureSet, now: ctx.now });
          return { Organization: organizationView(org, managementEmail) };
        },
      },
      DescribeOrganization: {
        schema: DescribeOrganization$,
        handler: async (_input: unknown, ctx) => {
          await ctx.authorize({ action: "organizations:DescribeOrganization", resource: "*" });
          const { org, managementEmail } = await requireMembership(caller(ctx));
          return { Organization: organizationView(org, managementEmail) };
        },
      },
      DeleteOrganization: {
        schema: DeleteOrganization$,
        handler: async (_input: unknown, ctx) => {
          await ctx.authorize({ action: "organizations:DeleteOrganization", resource: "*" });
          await deleteOrganization(deps, caller(ctx));
          return {};
        },
      },
      CreateAccount: {
        schema: CreateAccount$,
        handler: async (input: CreateAccountInput, ctx) => {
          await ctx.authorize({ action: "organizations:CreateAccount", resource: "*" });
          if ((input?.Tags?.length ?? 0) > 0) await ctx.authorize({ action: "organizations:TagResource", resource: "*" });
          const rec = await requestCreateAccount(deps, caller(ctx), input ?? {}, ctx.now);
          runLater(() => void jobs.run(rec.managementAccountId, rec.id));
          return { CreateAccountStatus: createAccountStatusView(rec) };
        },
      },
      DescribeCreateAccountStatus: {
        schema: DescribeCreateAccountStatus$,
        handler: async (input: { CreateAccountRequestId?: string }, ctx) => {
          await ctx.authorize({ action: "organizations:DescribeCreateAccountStatus", resource: "*" });
          const id = requireString(input?.CreateAccountRequestId);
          checkString(id, { pattern: CAR_ID });
          await requireManagement(caller(ctx));
          const rec = await getCreateAccountRequest(deps, caller(ctx), id);
          if (!rec) throw createAccountStatusNotFound();
          return { CreateAccountStatus: createAccountStatusView(rec) };
        },
      },
      ListCreateAccountStatus: {
        schema: ListCreateAccountStatus$,
        handler: async (input: PageInput & { States?: string[] }, ctx) => {
          await ctx.authorize({ action: "organizations:ListCreateAccountStatus", resource: "*" });
          const states = input?.States;
          if (states?.some((s) => !STATES.includes(s as CreateAccountState))) throw invalidInput("INVALID_ENUM");
          maxResults(input?.MaxResults);
          await requireManagement(caller(ctx));
          const all = await deps.store.list<CreateAccountRequestRecord>(CREATE_ACCOUNT_COLLECTION, { prefix: `${caller(ctx)}//` });
          const wanted = all.map((e) => e.value).filter((r) => !states || states.length === 0 || states.includes(r.state));
          const { page, next } = paginate(wanted, (r) => r.id, `ListCreateAccountStatus:${(states ?? []).join(",")}`, input?.NextToken, input?.MaxResults);
          return { CreateAccountStatuses: page.map(createAccountStatusView), ...(next ? { NextToken: next } : {}) };
        },
      },
      ListAccounts: {
        schema: ListAccounts$,
        handler: async (input: PageInput, ctx) => {
          await ctx.authorize({ action: "organizations:ListAccounts", resource: "*" });
          maxResults(input?.MaxResults);
          const { org } = await requireManagement(caller(ctx));
          const { page, next } = paginate(await organizationAccounts(deps, org), (a) => a.id, "ListAccounts", input?.NextToken, input?.MaxResults);
          return { Accounts: page.map((a) => accountView(org, a)), ...(next ? { NextToken: next } : {}) };
        },
      },
      DescribeAccount: {
        schema: DescribeAccount$,
        handler: async (input: { AccountId?: string }, ctx) => {
          const id = requireString(input?.AccountId);
          checkString(id, { pattern: ACCOUNT_ID });
          const m = await membership(caller(ctx));
          await ctx.authorize({ action: "organizations:DescribeAccount", resource: m ? accountArn(m.org, id) : "*" });
          if (!m) throw notInUse();
          if (m.org.managementAccountId !== caller(ctx)) throw notManagementAccount();
          const target = await memberOf(m.org, id);
          if (!target) throw accountNotFound();
          ctx.audit.resources = [{ ARN: accountArn(m.org, id), accountId: m.org.managementAccountId, type: "AWS::Organizations::Account" }];
          return { Account: accountView(m.org, target.account) };
        },
      },
      ListRoots: {
        schema: ListRoots$,
        handler: async (input: PageInput, ctx) => {
          await ctx.authorize({ action: "organizations:ListRoots", resource: "*" });
          maxResults(input?.MaxResults);
          const { org } = await requireManagement(caller(ctx));
          return { Roots: [rootView(org)] };
        },
      },
      ListAccountsForParent: {
        schema: ListAccountsForParent$,
        handler: async (input: PageInput & { ParentId?: string }, ctx) => {
          const parentId = requireString(input?.ParentId);
          checkString(parentId, { pattern: PARENT_ID });
          maxResults(input?.MaxResults);
          const m = await membership(caller(ctx));
          await ctx.authorize({ action: "organizations:ListAccountsForParent", resource: m && m.org.rootId === parentId ? rootArn(m.org) : "*" });
          const { org } = await requireManagement(caller(ctx));
          // Organizational units are not offered, so the root is the only parent.
          if (parentId !== org.rootId) throw parentNotFound();
          const { page, next } = paginate(await organizationAccounts(deps, org), (a) => a.id, `ListAccountsForParent:${parentId}`, input?.NextToken, input?.MaxResults);
          return { Accounts: page.map((a) => accountView(org, a)), ...(next ? { NextToken: next } : {}) };
        },
      },
      ListParents: {
        schema: ListParents$,
        handler: async (input: PageInput & { ChildId?: string }, ctx) => {
          const childId = requireString(input?.ChildId);
          checkString(childId, { pattern: CHILD_ID });
          maxResults(input?.MaxResults);
          const m = await membership(caller(ctx));
          await ctx.authorize({ action: "organizations:ListParents", resource: m && ACCOUNT_ID.test(childId) ? accountArn(m.org, childId) : "*" });
          const { org } = await requireManagement(caller(ctx));
          const child = ACCOUNT_ID.test(childId) ? await memberOf(org, childId) : undefined;
          if (!child) throw childNotFound();
          return { Parents: [{ Id: org.rootId, Type: "ROOT" }] };
        },
      },
      EnableAWSServiceAccess: {
        schema: EnableAWSServiceAccess$,
        handler: async (input: { ServicePrincipal?: string }, ctx) => {
          const sp = servicePrincipalOf(input?.ServicePrincipal);
          await ctx.authorize({ action: "organizations:EnableAWSServiceAccess", resource: "*", context: servicePrincipalContext(sp) });
          const { org } = await requireManagement(caller(ctx));
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
          await ctx.authorize({ action: "organizations:ListAWSServiceAccessForOrganization", resource: "*" });
          maxResults(input?.MaxResults);
          const { org } = await requireManagement(caller(ctx));
          const { page, next } = paginate(org.enabledServices ?? [], (e) => e.servicePrincipal, "ListAWSServiceAccessForOrganization", input?.NextToken, input?.MaxResults);
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
          maxResults(input?.MaxResults);
          // The management account, or a member that is itself a delegated administrator, may list them.
          const { org } = await requireMembership(caller(ctx));
          if (org.managementAccountId !== caller(ctx) && !(org.delegatedAdministrators ?? []).some((d) => d.accountId === caller(ctx))) throw notManagementAccount();
          const all = await delegatedAdministrators(deps, org, sp);
          const { page, next } = paginate(all, (d) => d.account.id, `ListDelegatedAdministrators:${sp ?? ""}`, input?.NextToken, input?.MaxResults);
          return {
            DelegatedAdministrators: page.map((d) => ({ ...accountView(org, d.account), DelegationEnabledDate: new Date(d.delegatedAt) })),
            ...(next ? { NextToken: next } : {}),
          };
        },
      },
    },
  };
}
