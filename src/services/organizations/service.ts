/**
 * The AWS Organizations service definition (awsJson1_1, AWSOrganizationsV20161128).
 * Every handler authorises first; the domain work is in organization.ts, create-account.ts,
 * tree.ts (OUs), policies.ts and attachments.ts (policies), effective.ts (effective management
 * policies), tags.ts. The OU, policy, effective-policy and tag operations are in their own tables
 * (ou-handlers.ts, policy-handlers.ts, effective-handlers.ts, tag-handlers.ts).
 * Handlers look the caller's membership up through a MembershipCache (see membership-cache.ts);
 * writes decide on fresh reads inside their transaction. The service also resolves the SCPs
 * the authoriser applies to each account (scp-cache.ts).
 */
import { requestTagContext } from "../iam/tags.js";
import { checkTags } from "./tags.js";
import {
  CreateAccount$,
  CreateOrganization$,
  DeleteOrganization$,
  DescribeAccount$,
  DescribeCreateAccountStatus$,
  DescribeOrganization$,
  ListAccounts$,
  ListAccountsForParent$,
  ListCreateAccountStatus$,
  ListParents$,
  ListRoots$,
} from "@aws-sdk/client-organizations";
import type { OperationDefinition, ServiceDefinition } from "../types.js";
import { CreateAccountJobs, getCreateAccountRequest, requestCreateAccount, type CreateAccountInput } from "./create-account.js";
import { accessDeniedForDependency, accountNotFound, childNotFound, createAccountStatusNotFound, invalidInput, parentNotFound } from "./errors.js";
import { createOrgCalls, noteResource, type OrgCalls } from "./handler-support.js";
import { revalidateEffectivePolicies } from "./effective-events.js";
import { ACCOUNT_ID, CHILD_ID, checkPage, checkString, paginate, PARENT_ID, requireId, requireString } from "./input.js";
import {
  accountArn,
  accountView,
  CREATE_ACCOUNT_COLLECTION,
  createAccountStatusView,
  organizationView,
  ouArn,
  rootView,
  type CreateAccountRequestRecord,
  type CreateAccountState,
  type FeatureSet,
} from "./model.js";
import { MembershipCache, type MembershipCacheOptions } from "./membership-cache.js";
import { createOrganization, deleteOrganization, errorMessage, organizationAccounts, type OrganizationsDomainDeps } from "./organization.js";
import { ClosedAccounts } from "./account-lifecycle.js";
import { accountLifecycleOperations } from "./account-lifecycle-handlers.js";
import { effectivePolicyOperations } from "./effective-handlers.js";
import { handshakeOperations } from "./handshake-handlers.js";
import { ouOperations, parentArn, type PageInput } from "./ou-handlers.js";
import { policyOperations } from "./policy-handlers.js";
import { resourcePolicyOperations } from "./resource-policy-handlers.js";
import { OrgPlaceCache, RcpCache, ScpCache } from "./scp-cache.js";
import { serviceAccessOperations } from "./service-access-handlers.js";
import { tagOperations } from "./tag-handlers.js";
import { accountsIn, getOu, parentExists, parentOfAccount, parentType } from "./tree.js";
import { iamArn } from "../../core/partition.js";

export interface OrganizationsDeps extends OrganizationsDomainDeps {
  /** Schedules the CreateAccount job shortly after the response (default: setTimeout 10 ms). */
  runLater?: (fn: () => void) => void;
  /** Size and TTL of the membership cache. */
  membershipCache?: MembershipCacheOptions;
  /** Size and TTL of the cache of each account's service control policies. */
  scpCache?: MembershipCacheOptions;
}

export type OrganizationsService = ServiceDefinition & {
  /**
   * Finishes CreateAccount requests left IN_PROGRESS by a crash: all of them once at start-up,
   * then periodically those requested before `requestedBefore` (left by another process).
   */
  resumePending(requestedBefore?: number): Promise<number>;
  /** Resolves when no CreateAccount job is running. */
  idle(): Promise<void>;
  /** The SCPs that apply to each account, for the authoriser. */
  serviceControlPolicies: ScpCache;
  /** The RCPs that apply to each account's resources, for the authoriser. */
  resourceControlPolicies: RcpCache;
  /** Each account's organization and OU path, for the aws:PrincipalOrg* / aws:ResourceOrg* condition keys. */
  orgPlaces: OrgPlaceCache;
  /** Closed accounts, whose principals the gateway refuses. */
  closedAccounts: ClosedAccounts;
};

const CAR_ID = /^car-[a-z0-9]{8,32}$/;
const STATES: readonly CreateAccountState[] = ["IN_PROGRESS", "SUCCEEDED", "FAILED"];
const ORGANIZATIONS_PRINCIPAL = "organizations.amazonaws.com";
const SERVICE_LINKED_ROLE = (account: string): string => iamArn(account, "role/aws-service-role/organizations.amazonaws.com/AWSServiceRoleForOrganizations");

export function createOrganizationsService(deps: OrganizationsDeps): OrganizationsService {
  const jobs = new CreateAccountJobs(deps);
  const runLater = deps.runLater ?? ((fn: () => void) => void setTimeout(fn, 10));
  const memberships = new MembershipCache(deps.accounts.changes, deps.clock, deps.membershipCache);
  const calls = createOrgCalls(deps, memberships);
  const { caller, requireMembership, memberOf } = calls;
  const scps = new ScpCache(deps.store, deps.accounts, deps.clock, deps.scpCache);

  return {
    name: "organizations",
    signingName: "organizations",
    protocol: "awsJson1_1",
    targetPrefix: "AWSOrganizationsV20161128",
    eventSource: "organizations.amazonaws.com",
    global: true,
    missingRequiredError: () => invalidInput("INPUT_REQUIRED"),
    resumePending: (requestedBefore) => jobs.resumePending(requestedBefore),
    idle: () => jobs.idle(),
    serviceControlPolicies: scps,
    resourceControlPolicies: new RcpCache(deps.store, deps.accounts, deps.clock, deps.scpCache),
    orgPlaces: new OrgPlaceCache(deps.store, deps.accounts, deps.clock, deps.scpCache),
    closedAccounts: new ClosedAccounts(deps.accounts, deps.clock, deps.membershipCache),
    operations: revalidatingAfterChanges(deps, calls, {
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
          // The service-linked role first (the dependency the caller was just checked for): a role
          // the account cannot hold refuses the call before any organization exists.
          await deps.iam.ensureServiceLinkedRole(caller(ctx), ORGANIZATIONS_PRINCIPAL, ctx.principal);
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
          // The tags a request gives are its aws:RequestTag/… and aws:TagKeys, as for the other
          // calls that tag what they make (tags that are not valid are refused after, by the check).
          let tagContext = {};
          try {
            tagContext = requestTagContext(checkTags(input?.Tags));
          } catch {
            // reported by requestCreateAccount's own check
          }
          await ctx.authorize({ action: "organizations:CreateAccount", resource: "*", context: tagContext });
          if ((input?.Tags?.length ?? 0) > 0) await ctx.authorize({ action: "organizations:TagResource", resource: "*", context: tagContext });
          const rec = await requestCreateAccount(deps, caller(ctx), input ?? {}, ctx.now);
          runLater(() => void jobs.run(rec.managementAccountId, rec.id));
          return { CreateAccountStatus: createAccountStatusView(rec) };
        },
      },
      DescribeCreateAccountStatus: {
        schema: DescribeCreateAccountStatus$,
        handler: async (input: { CreateAccountRequestId?: string }, ctx) => {
          const id = requireString(input?.CreateAccountRequestId);
          checkString(id, { pattern: CAR_ID });
          const { org } = await calls.managementCall(ctx, "DescribeCreateAccountStatus");
          const rec = await getCreateAccountRequest(deps, org.managementAccountId, id);
          if (!rec) throw createAccountStatusNotFound();
          return { CreateAccountStatus: createAccountStatusView(rec) };
        },
      },
      ListCreateAccountStatus: {
        schema: ListCreateAccountStatus$,
        handler: async (input: PageInput & { States?: string[] }, ctx) => {
          const states = input?.States;
          if (states?.some((s) => !STATES.includes(s as CreateAccountState))) throw invalidInput("INVALID_ENUM");
          const pageOp = checkPage(`ListCreateAccountStatus:${(states ?? []).join(",")}`, input);
          const { org } = await calls.managementCall(ctx, "ListCreateAccountStatus");
          const all = await deps.store.list<CreateAccountRequestRecord>(CREATE_ACCOUNT_COLLECTION, { prefix: `${org.managementAccountId}//` });
          const wanted = all.map((e) => e.value).filter((r) => !states || states.length === 0 || states.includes(r.state));
          const { page, next } = paginate(wanted, (r) => r.id, pageOp, input?.NextToken, input?.MaxResults);
          return { CreateAccountStatuses: page.map(createAccountStatusView), ...(next ? { NextToken: next } : {}) };
        },
      },
      ListAccounts: {
        schema: ListAccounts$,
        handler: async (input: PageInput, ctx) => {
          const pageOp = checkPage("ListAccounts", input);
          const { org } = await calls.managementCall(ctx, "ListAccounts");
          const { page, next } = paginate(await organizationAccounts(deps, org), (a) => a.id, pageOp, input?.NextToken, input?.MaxResults);
          return { Accounts: page.map((a) => accountView(org, a, ctx.now)), ...(next ? { NextToken: next } : {}) };
        },
      },
      DescribeAccount: {
        schema: DescribeAccount$,
        handler: async (input: { AccountId?: string }, ctx) => {
          const id = requireId(input?.AccountId, ACCOUNT_ID);
          const m = await calls.managementCall(ctx, "DescribeAccount", (o) => accountArn(o, id));
          const target = await memberOf(m.org, id);
          if (!target) throw accountNotFound();
          noteResource(ctx, m, accountArn(m.org, id), "AWS::Organizations::Account");
          return { Account: accountView(m.org, target.account, ctx.now) };
        },
      },
      ListRoots: {
        schema: ListRoots$,
        handler: async (input: PageInput, ctx) => {
          const pageOp = checkPage("ListRoots", input);
          const { org } = await calls.managementCall(ctx, "ListRoots");
          // One root, on one page; a NextToken is still checked like every other list's.
          const { page, next } = paginate([rootView(org)], (r) => r.Id, pageOp, input?.NextToken, input?.MaxResults);
          return { Roots: page, ...(next ? { NextToken: next } : {}) };
        },
      },
      ListAccountsForParent: {
        schema: ListAccountsForParent$,
        handler: async (input: PageInput & { ParentId?: string }, ctx) => {
          const parentId = requireId(input?.ParentId, PARENT_ID);
          const pageOp = checkPage(`ListAccountsForParent:${parentId}`, input);
          const { org } = await calls.managementCall(ctx, "ListAccountsForParent", (o) => parentArn(o, parentId));
          if (!(await parentExists(deps.store, org, parentId))) throw parentNotFound();
          const { page, next } = paginate(await accountsIn(deps.store, org, parentId), (a) => a.id, pageOp, input?.NextToken, input?.MaxResults);
          return { Accounts: page.map((a) => accountView(org, a, ctx.now)), ...(next ? { NextToken: next } : {}) };
        },
      },
      ListParents: {
        schema: ListParents$,
        handler: async (input: PageInput & { ChildId?: string }, ctx) => {
          const childId = requireId(input?.ChildId, CHILD_ID);
          const pageOp = checkPage(`ListParents:${childId}`, input);
          const isAccount = ACCOUNT_ID.test(childId);
          const { org } = await calls.managementCall(ctx, "ListParents", (o) => (isAccount ? accountArn(o, childId) : ouArn(o, childId)));
          let parentId: string | undefined;
          if (isAccount) parentId = (await memberOf(org, childId)) ? await parentOfAccount(deps.store, org, childId) : undefined;
          else parentId = (await getOu(deps.store, org, childId))?.parentId;
          if (parentId === undefined) throw childNotFound();
          // One parent, on one page; a NextToken is still checked like every other list's.
          const { page, next } = paginate([{ Id: parentId, Type: parentType(org, parentId) }], (p) => p.Id, pageOp, input?.NextToken, input?.MaxResults);
          return { Parents: page, ...(next ? { NextToken: next } : {}) };
        },
      },
      ...ouOperations(deps, calls),
      ...policyOperations(deps, calls),
      ...effectivePolicyOperations(deps, calls),
      ...tagOperations(deps, calls),
      ...serviceAccessOperations(deps, calls),
      ...accountLifecycleOperations(deps, calls),
      ...handshakeOperations(deps, calls),
      ...resourcePolicyOperations(deps, calls),
    }),
  };
}

/** Operations after which an account's effective management policies may have changed. */
const RESHAPING_OPERATIONS = new Set([
  "AttachPolicy",
  "DetachPolicy",
  "UpdatePolicy",
  "EnablePolicyType",
  "DisablePolicyType",
  "MoveAccount",
  "RemoveAccountFromOrganization",
  "LeaveOrganization",
  "AcceptHandshake",
  // Gone with the organization: what was last reported about it is let go.
  "DeleteOrganization",
]);

/**
 * Each operation that can reshape effective policies checks them again once it has succeeded
 * (effective-events.ts), in the organization the caller was in before the call (a member leaving)
 * or is in after it (a member joining). The call's answer does not depend on it: a failure is
 * reported to the operator's log and made up by the next change.
 */
function revalidatingAfterChanges(deps: OrganizationsDeps, calls: OrgCalls, ops: Record<string, OperationDefinition>): Record<string, OperationDefinition> {
  for (const name of RESHAPING_OPERATIONS) {
    const op = ops[name];
    if (!op) continue;
    const handler = op.handler;
    ops[name] = {
      ...op,
      handler: async (input, ctx) => {
        const before = await calls.membership(calls.caller(ctx)).catch(() => undefined);
        const out = await handler(input, ctx);
        const orgId = before?.org.id ?? (await calls.membership(calls.caller(ctx)).catch(() => undefined))?.org.id;
        if (orgId !== undefined) {
          await revalidateEffectivePolicies(deps, orgId, ctx.now).catch((e: unknown) =>
            deps.warn?.({ organizationId: orgId, error: errorMessage(e) }, "effective policies could not be checked again after a change; the next change does"),
          );
        }
        return out;
      },
    };
  }
  return ops;
}
