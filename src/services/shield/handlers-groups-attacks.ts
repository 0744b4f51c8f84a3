/** Protection groups and attacks (ListAttacks, DescribeAttack, DescribeAttackStatistics). */
import {
  CreateProtectionGroup$,
  DeleteProtectionGroup$,
  DescribeAttack$,
  DescribeAttackStatistics$,
  DescribeProtectionGroup$,
  ListAttacks$,
  ListProtectionGroups$,
  ListResourcesInProtectionGroup$,
  UpdateProtectionGroup$,
  type CreateProtectionGroupRequest,
  type ListAttacksRequest,
  type ListProtectionGroupsRequest,
  type Tag,
  type TimeRange,
  type UpdateProtectionGroupRequest,
} from "@aws-sdk/client-shield";
import type { OperationDefinition } from "../types.js";
import { accountAttacks, attackDetail, attackOrderKey, attackStatistics, attackSummary, getAttack, matchesFilter, type TimeWindow } from "./attacks.js";
import type { ShieldEnv } from "./env.js";
import { accessDenied, invalidPaginationToken, invalidParameter } from "./errors.js";
import { authorize, callerAccount, epochMs, noteResource, requestTagContext, resourceTagContext } from "./handler-support.js";
import { ATTACK_ID, checks, PROTECTION_ID, type Checks } from "./input.js";
import { attackArn, protectionGroupArn, RESOURCE_TYPES, type Aggregation, type Pattern, type ProtectedResourceType } from "./model.js";
import { createGroup, deleteGroup, getGroup, groupResources, groupView, listGroups, requireGroup, updateGroup, type GroupSpec } from "./protection-groups.js";
import { requireSubscription } from "./subscription.js";

const GROUP_TYPE = "AWS::Shield::ProtectionGroup";
const AGGREGATIONS = ["SUM", "MEAN", "MAX"];
const PATTERNS = ["ALL", "ARBITRARY", "BY_RESOURCE_TYPE"];

function checkGroupId(c: Checks, id: string | undefined, path = "protectionGroupId"): Checks {
  return c.string(path, id, { min: 1, max: 36, pattern: PROTECTION_ID });
}

/** The group's members checked in model order; CreateProtectionGroup's Tags come last, in the same report. */
function groupSpec(input: CreateProtectionGroupRequest | UpdateProtectionGroupRequest, tags?: readonly Tag[]): GroupSpec {
  const c = checkGroupId(checks(), input.ProtectionGroupId)
    .enumValue("aggregation", input.Aggregation, AGGREGATIONS)
    .enumValue("pattern", input.Pattern, PATTERNS)
    .enumValue("resourceType", input.ResourceType, RESOURCE_TYPES)
    .listLength("members", input.Members, 0, 10_000);
  input.Members?.forEach((m, i) => c.resourceArn(`members.${i + 1}.member`, m));
  c.tags("tags", tags).done();
  return {
    id: input.ProtectionGroupId as string,
    aggregation: input.Aggregation as Aggregation,
    pattern: input.Pattern as Pattern,
    ...(input.ResourceType ? { resourceType: input.ResourceType as ProtectedResourceType } : {}),
    ...(input.Members ? { members: input.Members } : {}),
  };
}

function timeWindow(path: string, r: TimeRange | undefined): TimeWindow | undefined {
  if (!r) return undefined;
  const from = epochMs(r.FromInclusive);
  const to = epochMs(r.ToExclusive);
  if (from !== undefined && to !== undefined && from > to) throw invalidParameter(`${path}: FromInclusive must not be later than ToExclusive.`);
  return { ...(from !== undefined ? { from } : {}), ...(to !== undefined ? { to } : {}) };
}

export function groupAndAttackOperations(env: ShieldEnv): Record<string, OperationDefinition> {
  return {
    CreateProtectionGroup: {
      schema: CreateProtectionGroup$,
      handler: async (input: CreateProtectionGroupRequest, ctx) => {
        const account = callerAccount(ctx);
        await authorize(ctx, "CreateProtectionGroup", protectionGroupArn(account, input.ProtectionGroupId ?? ""), requestTagContext(input.Tags));
        if ((input.Tags?.length ?? 0) > 0) await authorize(ctx, "TagResource", protectionGroupArn(account, input.ProtectionGroupId ?? ""), requestTagContext(input.Tags));
        const spec = groupSpec(input, input.Tags);
        await requireSubscription(env.store, account, ctx.now);
        await createGroup(env, account, spec, (input.Tags ?? []) as Tag[], ctx.now);
        noteResource(ctx, protectionGroupArn(account, spec.id), GROUP_TYPE);
        return {};
      },
    },
    UpdateProtectionGroup: {
      schema: UpdateProtectionGroup$,
      handler: async (input: UpdateProtectionGroupRequest, ctx) => {
        const account = callerAccount(ctx);
        const found = await getGroup(env.store, account, input.ProtectionGroupId ?? "");
        await authorize(ctx, "UpdateProtectionGroup", protectionGroupArn(account, input.ProtectionGroupId ?? ""), resourceTagContext(found?.tags));
        const spec = groupSpec(input);
        await requireSubscription(env.store, account, ctx.now);
        await updateGroup(env, account, spec);
        noteResource(ctx, protectionGroupArn(account, spec.id), GROUP_TYPE);
        return {};
      },
    },
    DeleteProtectionGroup: {
      schema: DeleteProtectionGroup$,
      handler: async (input: { ProtectionGroupId: string }, ctx) => {
        const account = callerAccount(ctx);
        const found = await getGroup(env.store, account, input.ProtectionGroupId);
        await authorize(ctx, "DeleteProtectionGroup", protectionGroupArn(account, input.ProtectionGroupId), resourceTagContext(found?.tags));
        checkGroupId(checks(), input.ProtectionGroupId).done();
        await requireSubscription(env.store, account, ctx.now);
        await deleteGroup(env, account, input.ProtectionGroupId);
        noteResource(ctx, protectionGroupArn(account, input.ProtectionGroupId), GROUP_TYPE);
        return {};
      },
    },
    DescribeProtectionGroup: {
      schema: DescribeProtectionGroup$,
      handler: async (input: { ProtectionGroupId: string }, ctx) => {
        const account = callerAccount(ctx);
        const found = await getGroup(env.store, account, input.ProtectionGroupId);
        await authorize(ctx, "DescribeProtectionGroup", protectionGroupArn(account, input.ProtectionGroupId), resourceTagContext(found?.tags));
        checkGroupId(checks(), input.ProtectionGroupId).done();
        await requireSubscription(env.store, account, ctx.now);
        return { ProtectionGroup: groupView(await requireGroup(env.store, account, input.ProtectionGroupId)) };
      },
    },
    ListProtectionGroups: {
      schema: ListProtectionGroups$,
      handler: async (input: ListProtectionGroupsRequest, ctx) => {
        await authorize(ctx, "ListProtectionGroups");
        const f = input.InclusionFilters ?? {};
        const c = checks().string("nextToken", input.NextToken, { min: 1, max: 4096 }).maxResults("maxResults", input.MaxResults);
        c.listLength("inclusionFilters.protectionGroupIds", f.ProtectionGroupIds, 1, 1)
          .listLength("inclusionFilters.patterns", f.Patterns, 1, 1)
          .listLength("inclusionFilters.resourceTypes", f.ResourceTypes, 1, 1)
          .listLength("inclusionFilters.aggregations", f.Aggregations, 1, 1);
        f.ProtectionGroupIds?.forEach((id, i) => checkGroupId(c, id, `inclusionFilters.protectionGroupIds.${i + 1}.member`));
        f.Patterns?.forEach((v, i) => c.enumValue(`inclusionFilters.patterns.${i + 1}.member`, v, PATTERNS));
        f.ResourceTypes?.forEach((v, i) => c.enumValue(`inclusionFilters.resourceTypes.${i + 1}.member`, v, RESOURCE_TYPES));
        f.Aggregations?.forEach((v, i) => c.enumValue(`inclusionFilters.aggregations.${i + 1}.member`, v, AGGREGATIONS));
        c.done();
        const account = callerAccount(ctx);
        await requireSubscription(env.store, account, ctx.now);
        const groups = (await listGroups(env.store, account)).filter(
          (g) =>
            (!f.ProtectionGroupIds || f.ProtectionGroupIds.includes(g.id)) &&
            (!f.Patterns || (f.Patterns as string[]).includes(g.pattern)) &&
            (!f.ResourceTypes || (g.resourceType !== undefined && (f.ResourceTypes as string[]).includes(g.resourceType))) &&
            (!f.Aggregations || (f.Aggregations as string[]).includes(g.aggregation)),
        );
        const binding = ["ListProtectionGroups", account, f.ProtectionGroupIds ?? null, f.Patterns ?? null, f.ResourceTypes ?? null, f.Aggregations ?? null];
        const { page, next } = env.tokens.page(groups, (g) => g.id, binding, input.NextToken, input.MaxResults, invalidPaginationToken);
        return { ProtectionGroups: page.map(groupView), ...(next ? { NextToken: next } : {}) };
      },
    },
    ListResourcesInProtectionGroup: {
      schema: ListResourcesInProtectionGroup$,
      handler: async (input: { ProtectionGroupId: string; NextToken?: string; MaxResults?: number }, ctx) => {
        const account = callerAccount(ctx);
        const found = await getGroup(env.store, account, input.ProtectionGroupId);
        await authorize(ctx, "ListResourcesInProtectionGroup", protectionGroupArn(account, input.ProtectionGroupId), resourceTagContext(found?.tags));
        checkGroupId(checks(), input.ProtectionGroupId).string("nextToken", input.NextToken, { min: 1, max: 4096 }).maxResults("maxResults", input.MaxResults).done();
        await requireSubscription(env.store, account, ctx.now);
        const g = await requireGroup(env.store, account, input.ProtectionGroupId);
        const arns = await groupResources(env.store, g);
        const { page, next } = env.tokens.page(arns, (a) => a, ["ListResourcesInProtectionGroup", account, g.id], input.NextToken, input.MaxResults, invalidPaginationToken);
        return { ResourceArns: page, ...(next ? { NextToken: next } : {}) };
      },
    },
    ListAttacks: {
      schema: ListAttacks$,
      handler: async (input: ListAttacksRequest, ctx) => {
        await authorize(ctx, "ListAttacks");
        const c = checks();
        input.ResourceArns?.forEach((a, i) => c.resourceArn(`resourceArns.${i + 1}.member`, a));
        c.string("nextToken", input.NextToken, { min: 1, max: 4096 }).maxResults("maxResults", input.MaxResults).done();
        const start = timeWindow("StartTime", input.StartTime);
        const end = timeWindow("EndTime", input.EndTime);
        const account = callerAccount(ctx);
        const filter = { ...(input.ResourceArns ? { resourceArns: input.ResourceArns } : {}), ...(start ? { start } : {}), ...(end ? { end } : {}) };
        const attacks = (await accountAttacks(env.store, account)).filter((a) => matchesFilter(a, filter)).sort((a, b) => (attackOrderKey(a) < attackOrderKey(b) ? -1 : 1));
        const binding = ["ListAttacks", account, input.ResourceArns ?? null, start ?? null, end ?? null];
        const { page, next } = env.tokens.page(attacks, attackOrderKey, binding, input.NextToken, input.MaxResults, () => invalidParameter("The NextToken specified in the request is invalid."));
        return { AttackSummaries: page.map(attackSummary), ...(next ? { NextToken: next } : {}) };
      },
    },
    DescribeAttack: {
      schema: DescribeAttack$,
      handler: async (input: { AttackId: string }, ctx) => {
        const account = callerAccount(ctx);
        await authorize(ctx, "DescribeAttack", attackArn(account, input.AttackId));
        checks().string("attackId", input.AttackId, { min: 1, max: 128, pattern: ATTACK_ID }).done();
        const a = await getAttack(env.store, account, input.AttackId);
        // Another account's event, or none: the caller has no access to it.
        if (!a) throw accessDenied(`You don't have access to the attack ${input.AttackId}.`);
        return { Attack: attackDetail(a) };
      },
    },
    DescribeAttackStatistics: {
      schema: DescribeAttackStatistics$,
      handler: async (_input: unknown, ctx) => {
        await authorize(ctx, "DescribeAttackStatistics");
        const s = attackStatistics(await accountAttacks(env.store, callerAccount(ctx)), ctx.now);
        return {
          TimeRange: { FromInclusive: new Date(s.from), ToExclusive: new Date(s.to) },
          DataItems: [{ AttackCount: s.count, ...(s.count > 0 ? { AttackVolume: { RequestsPerSecond: { Max: s.maxRps } } } : {}) }],
        };
      },
    },
  };
}
