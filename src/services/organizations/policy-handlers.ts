/**
 * Organization policies, their attachments and policy types in the root: the handler table
 * (domain in policies.ts and attachments.ts). Requests carry `organizations:PolicyType` where the
 * type is known, as the Service Authorization Reference lists for these actions.
 */
import {
  AttachPolicy$,
  CreatePolicy$,
  DeletePolicy$,
  DescribePolicy$,
  DetachPolicy$,
  DisablePolicyType$,
  EnablePolicyType$,
  ListPolicies$,
  ListPoliciesForTarget$,
  ListTargetsForPolicy$,
  UpdatePolicy$,
} from "@aws-sdk/client-organizations";
import type { ConditionContext, RequestContext } from "../../core/types.js";
import { requestTagContext } from "../iam/tags.js";
import type { OperationDefinition } from "../types.js";
import { allAttachments, attachmentsOf, attachPolicy, detachPolicy, disablePolicyType, enablePolicyType, findTarget, type Target } from "./attachments.js";
import { policyNotFound, policyTypeNotAvailable, targetNotFound } from "./errors.js";
import { noteResource, type OrgCalls } from "./handler-support.js";
import { checkPage, checkString, paginate, POLICY_ID, requireId, requireString, ROOT_ID, TARGET_ID } from "./input.js";
import type { CachedMembership } from "./membership-cache.js";
import { accountArn, awsManagedPolicyArn, ouArn, policyArn, rootArn, rootView, type OrganizationRecord } from "./model.js";
import type { OrganizationsDomainDeps } from "./organization.js";
import { createPolicy, deletePolicy, findPolicy, listPolicies, policySummary, policyView, updatePolicy, type FoundPolicy } from "./policies.js";
import { offeredPolicyType } from "./policy-types.js";
import { checkTags } from "./tags.js";
import type { PageInput } from "./ou-handlers.js";

const POLICY_TYPE_RESOURCE = "AWS::Organizations::Policy";
const typeContext = (type: string): ConditionContext => ({ "organizations:PolicyType": type });

/** ARN of a target id (root, OU or account), whether or not it exists. */
function targetArn(org: Readonly<OrganizationRecord>, id: string): string {
  if (id.startsWith("r-")) return rootArn(org);
  return id.startsWith("ou-") ? ouArn(org, id) : accountArn(org, id);
}

const arnOfPolicy = (org: Readonly<OrganizationRecord>, p: FoundPolicy): string => (p.awsManaged ? awsManagedPolicyArn(p.type, p.id) : policyArn(org, p.type, p.id));

function checkName(v: unknown): string {
  const name = requireString(v);
  checkString(name, { min: 1, max: 128 });
  return name;
}

function checkDescription(v: unknown): string {
  const d = requireString(v);
  checkString(d, { max: 512 });
  return d;
}

function checkContent(v: unknown): string {
  const c = requireString(v);
  checkString(c, { min: 1, max: 1_000_000 });
  return c;
}

/**
 * Authorises a call on an existing policy (on its ARN, with its type) and applies the
 * management-account rule; PolicyNotFoundException only after both.
 */
async function onPolicy(deps: OrganizationsDomainDeps, calls: OrgCalls, ctx: RequestContext, action: string, policyId: string): Promise<{ m: CachedMembership; policy: FoundPolicy }> {
  const caller = await calls.membership(calls.caller(ctx));
  const policy = caller ? await findPolicy(deps.store, caller.org, policyId).catch(() => undefined) : undefined;
  const m = await calls.managementCall(ctx, action, policy && ((o) => arnOfPolicy(o, policy)), policy && typeContext(policy.type));
  if (!policy) throw policyNotFound();
  return { m, policy };
}

export function policyOperations(deps: OrganizationsDomainDeps, calls: OrgCalls): Record<string, OperationDefinition> {
  return {
    CreatePolicy: {
      schema: CreatePolicy$,
      handler: async (input: { Content?: string; Description?: string; Name?: string; Type?: string; Tags?: Array<{ Key?: string; Value?: string }> }, ctx) => {
        const content = checkContent(input?.Content);
        const description = checkDescription(input?.Description);
        const name = checkName(input?.Name);
        const typeName = requireString(input?.Type);
        const type = offeredPolicyType(typeName);
        const tags = checkTags(input?.Tags);
        const m = await calls.managementCall(ctx, "CreatePolicy", undefined, { ...typeContext(typeName), ...requestTagContext(tags) });
        if (tags.length > 0) await ctx.authorize({ action: "organizations:TagResource", resource: "*", context: requestTagContext(tags) });
        if (type === undefined || m.org.featureSet !== "ALL") throw policyTypeNotAvailable();
        const { org, policy } = await createPolicy(deps, m.org.id, { type, name, description, content, tags, now: ctx.now });
        noteResource(ctx, m, arnOfPolicy(org, policy), POLICY_TYPE_RESOURCE);
        return { Policy: policyView(org, policy) };
      },
    },
    DescribePolicy: {
      schema: DescribePolicy$,
      handler: async (input: { PolicyId?: string }, ctx) => {
        const id = requireId(input?.PolicyId, POLICY_ID, "INVALID_SYNTAX_POLICY_ID");
        const { m, policy } = await onPolicy(deps, calls, ctx, "DescribePolicy", id);
        return { Policy: policyView(m.org, policy) };
      },
    },
    UpdatePolicy: {
      schema: UpdatePolicy$,
      handler: async (input: { PolicyId?: string; Name?: string; Description?: string; Content?: string }, ctx) => {
        const id = requireId(input?.PolicyId, POLICY_ID, "INVALID_SYNTAX_POLICY_ID");
        const change = {
          ...(input?.Name !== undefined ? { name: checkName(input.Name) } : {}),
          ...(input?.Description !== undefined ? { description: checkDescription(input.Description) } : {}),
          ...(input?.Content !== undefined ? { content: checkContent(input.Content) } : {}),
        };
        const { m } = await onPolicy(deps, calls, ctx, "UpdatePolicy", id);
        const { org, policy } = await updatePolicy(deps, m.org.id, id, change, ctx.now);
        noteResource(ctx, m, arnOfPolicy(org, policy), POLICY_TYPE_RESOURCE);
        return { Policy: policyView(org, policy) };
      },
    },
    DeletePolicy: {
      schema: DeletePolicy$,
      handler: async (input: { PolicyId?: string }, ctx) => {
        const id = requireId(input?.PolicyId, POLICY_ID, "INVALID_SYNTAX_POLICY_ID");
        const { m, policy } = await onPolicy(deps, calls, ctx, "DeletePolicy", id);
        await deletePolicy(deps, m.org.id, id);
        noteResource(ctx, m, arnOfPolicy(m.org, policy), POLICY_TYPE_RESOURCE);
        return {};
      },
    },
    ListPolicies: {
      schema: ListPolicies$,
      handler: async (input: PageInput & { Filter?: string }, ctx) => {
        const filter = requireString(input?.Filter);
        const type = offeredPolicyType(filter);
        const pageOp = checkPage(`ListPolicies:${filter}`, input);
        const { org } = await calls.managementCall(ctx, "ListPolicies", undefined, typeContext(filter));
        const all = type === undefined ? [] : await listPolicies(deps.store, org, type);
        const { page, next } = paginate(all, (p) => p.id, pageOp, input?.NextToken, input?.MaxResults);
        return { Policies: page.map((p) => policySummary(org, p)), ...(next ? { NextToken: next } : {}) };
      },
    },
    AttachPolicy: {
      schema: AttachPolicy$,
      handler: async (input: { PolicyId?: string; TargetId?: string }, ctx) => {
        const policyId = requireId(input?.PolicyId, POLICY_ID, "INVALID_SYNTAX_POLICY_ID");
        const targetId = requireId(input?.TargetId, TARGET_ID, "INVALID_PATTERN_TARGET_ID");
        const { m } = await onPolicy(deps, calls, ctx, "AttachPolicy", policyId);
        await calls.managementCall(ctx, "AttachPolicy", (o) => targetArn(o, targetId));
        await attachPolicy(deps, m.org.id, policyId, targetId, ctx.now);
        return {};
      },
    },
    DetachPolicy: {
      schema: DetachPolicy$,
      handler: async (input: { PolicyId?: string; TargetId?: string }, ctx) => {
        const policyId = requireId(input?.PolicyId, POLICY_ID, "INVALID_SYNTAX_POLICY_ID");
        const targetId = requireId(input?.TargetId, TARGET_ID, "INVALID_PATTERN_TARGET_ID");
        const { m } = await onPolicy(deps, calls, ctx, "DetachPolicy", policyId);
        await calls.managementCall(ctx, "DetachPolicy", (o) => targetArn(o, targetId));
        await detachPolicy(deps, m.org.id, policyId, targetId);
        return {};
      },
    },
    ListPoliciesForTarget: {
      schema: ListPoliciesForTarget$,
      handler: async (input: PageInput & { TargetId?: string; Filter?: string }, ctx) => {
        const targetId = requireId(input?.TargetId, TARGET_ID, "INVALID_PATTERN_TARGET_ID");
        const filter = requireString(input?.Filter);
        const type = offeredPolicyType(filter);
        const pageOp = checkPage(`ListPoliciesForTarget:${targetId}:${filter}`, input);
        const { org } = await calls.managementCall(ctx, "ListPoliciesForTarget", (o) => targetArn(o, targetId), typeContext(filter));
        if (!(await findTarget(deps.store, org, targetId))) throw targetNotFound();
        const attached = (await attachmentsOf(deps.store, org.id, targetId)).filter((a) => a.type === type);
        const policies: FoundPolicy[] = [];
        for (const a of attached) policies.push(await findPolicy(deps.store, org, a.policyId));
        const { page, next } = paginate(policies, (p) => p.id, pageOp, input?.NextToken, input?.MaxResults);
        return { Policies: page.map((p) => policySummary(org, p)), ...(next ? { NextToken: next } : {}) };
      },
    },
    ListTargetsForPolicy: {
      schema: ListTargetsForPolicy$,
      handler: async (input: PageInput & { PolicyId?: string }, ctx) => {
        const policyId = requireId(input?.PolicyId, POLICY_ID, "INVALID_SYNTAX_POLICY_ID");
        const pageOp = checkPage(`ListTargetsForPolicy:${policyId}`, input);
        const { m } = await onPolicy(deps, calls, ctx, "ListTargetsForPolicy", policyId);
        const targets: Target[] = [];
        for (const a of await allAttachments(deps.store, m.org.id)) {
          if (a.policyId !== policyId) continue;
          const t = await findTarget(deps.store, m.org, a.targetId);
          if (t) targets.push(t);
        }
        targets.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
        const { page, next } = paginate(targets, (t) => t.id, pageOp, input?.NextToken, input?.MaxResults);
        return {
          Targets: page.map((t) => ({ TargetId: t.id, Arn: targetArn(m.org, t.id), Name: t.name, Type: t.type })),
          ...(next ? { NextToken: next } : {}),
        };
      },
    },
    EnablePolicyType: {
      schema: EnablePolicyType$,
      handler: async (input: { RootId?: string; PolicyType?: string }, ctx) => {
        const rootId = requireId(input?.RootId, ROOT_ID);
        const typeName = requireString(input?.PolicyType);
        const type = offeredPolicyType(typeName);
        const m = await calls.managementCall(ctx, "EnablePolicyType", (o) => (rootId === o.rootId ? rootArn(o) : undefined), typeContext(typeName));
        const org = await enablePolicyType(deps, m.org.id, rootId, type);
        noteResource(ctx, m, rootArn(org), "AWS::Organizations::Root");
        return { Root: rootView(org) };
      },
    },
    DisablePolicyType: {
      schema: DisablePolicyType$,
      handler: async (input: { RootId?: string; PolicyType?: string }, ctx) => {
        const rootId = requireId(input?.RootId, ROOT_ID);
        const typeName = requireString(input?.PolicyType);
        const type = offeredPolicyType(typeName);
        const m = await calls.managementCall(ctx, "DisablePolicyType", (o) => (rootId === o.rootId ? rootArn(o) : undefined), typeContext(typeName));
        const org = await disablePolicyType(deps, m.org.id, rootId, type);
        noteResource(ctx, m, rootArn(org), "AWS::Organizations::Root");
        return { Root: rootView(org) };
      },
    },
  };
}
