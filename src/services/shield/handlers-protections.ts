/**
 * Subscription, protections, automatic application-layer response and tags. Each handler
 * authorises first, checks the model's constraints, then calls the domain.
 */
import {
  CreateProtection$,
  CreateSubscription$,
  DeleteProtection$,
  DeleteSubscription$,
  DescribeProtection$,
  DescribeSubscription$,
  DisableApplicationLayerAutomaticResponse$,
  EnableApplicationLayerAutomaticResponse$,
  GetSubscriptionState$,
  ListProtections$,
  ListTagsForResource$,
  TagResource$,
  UntagResource$,
  UpdateApplicationLayerAutomaticResponse$,
  UpdateSubscription$,
  type CreateProtectionRequest,
  type ListProtectionsRequest,
  type ResponseAction,
  type Tag,
} from "@aws-sdk/client-shield";
import type { RequestContext } from "../../core/types.js";
import type { ResponseActionKind } from "../../dataplane/shield/detection/types.js";
import type { OperationDefinition } from "../types.js";
import type { ShieldEnv } from "./env.js";
import { invalidPaginationToken, invalidParameter } from "./errors.js";
import { authorize, callerAccount, noteResource, requestTagContext, resourceTagContext } from "./handler-support.js";
import { checks, PROTECTION_ID, PROTECTION_NAME } from "./input.js";
import { protectionArn, RESOURCE_TYPES } from "./model.js";
import { createProtection, deleteProtection, getProtection, listProtections, protectionNotFound, protectionOfResource, protectionView, setAutomaticResponse } from "./protections.js";
import { activeSubscription, createSubscription, deleteSubscription, requireSubscription, subscriptionView, updateSubscription } from "./subscription.js";
import { listTags, tagResource, untagResource } from "./tags.js";

const PROTECTION_TYPE = "AWS::Shield::Protection";

/** ResponseAction: exactly one of Block and Count. */
function responseAction(a: ResponseAction | undefined): ResponseActionKind {
  const block = a?.Block !== undefined;
  const count = a?.Count !== undefined;
  if (block === count) throw invalidParameter("You must specify exactly one action, either Block or Count.");
  return block ? "BLOCK" : "COUNT";
}

export function protectionOperations(env: ShieldEnv): Record<string, OperationDefinition> {
  const now = (ctx: RequestContext): number => ctx.now;
  return {
    CreateSubscription: {
      schema: CreateSubscription$,
      handler: async (_input: unknown, ctx) => {
        await authorize(ctx, "CreateSubscription");
        await createSubscription(env.store, callerAccount(ctx), now(ctx));
        return {};
      },
    },
    DescribeSubscription: {
      schema: DescribeSubscription$,
      handler: async (_input: unknown, ctx) => {
        await authorize(ctx, "DescribeSubscription");
        const rec = await requireSubscription(env.store, callerAccount(ctx), now(ctx));
        return { Subscription: subscriptionView(rec, now(ctx)) };
      },
    },
    GetSubscriptionState: {
      schema: GetSubscriptionState$,
      handler: async (_input: unknown, ctx) => {
        await authorize(ctx, "GetSubscriptionState");
        return { SubscriptionState: (await activeSubscription(env.store, callerAccount(ctx), now(ctx))) ? "ACTIVE" : "INACTIVE" };
      },
    },
    UpdateSubscription: {
      schema: UpdateSubscription$,
      handler: async (input: { AutoRenew?: string }, ctx) => {
        await authorize(ctx, "UpdateSubscription");
        checks().enumValue("autoRenew", input.AutoRenew, ["ENABLED", "DISABLED"]).done();
        await updateSubscription(env.store, callerAccount(ctx), input.AutoRenew as "ENABLED" | "DISABLED" | undefined, now(ctx));
        return {};
      },
    },
    DeleteSubscription: {
      schema: DeleteSubscription$,
      handler: async (_input: unknown, ctx) => {
        await authorize(ctx, "DeleteSubscription");
        return deleteSubscription(env.store, callerAccount(ctx), now(ctx));
      },
    },
    CreateProtection: {
      schema: CreateProtection$,
      handler: async (input: CreateProtectionRequest, ctx) => {
        await authorize(ctx, "CreateProtection", "*", requestTagContext(input.Tags));
        if ((input.Tags?.length ?? 0) > 0) await authorize(ctx, "TagResource", "*", requestTagContext(input.Tags));
        checks()
          .string("name", input.Name, { min: 1, max: 128, pattern: PROTECTION_NAME })
          .resourceArn("resourceArn", input.ResourceArn)
          .tags("tags", input.Tags)
          .done();
        await requireSubscription(env.store, callerAccount(ctx), now(ctx));
        const rec = await createProtection(env, callerAccount(ctx), { name: input.Name as string, resourceArn: input.ResourceArn as string, tags: (input.Tags ?? []) as Tag[] }, now(ctx));
        noteResource(ctx, protectionArn(rec.accountId, rec.id), PROTECTION_TYPE);
        return { ProtectionId: rec.id };
      },
    },
    DescribeProtection: {
      schema: DescribeProtection$,
      handler: async (input: { ProtectionId?: string; ResourceArn?: string }, ctx) => {
        const account = callerAccount(ctx);
        checks().string("protectionId", input.ProtectionId, { min: 36, max: 36, pattern: PROTECTION_ID }).resourceArn("resourceArn", input.ResourceArn).done();
        const found =
          input.ProtectionId !== undefined && input.ResourceArn === undefined
            ? await getProtection(env.store, account, input.ProtectionId)
            : input.ResourceArn !== undefined && input.ProtectionId === undefined
              ? await protectionOfResource(env.store, account, input.ResourceArn)
              : undefined;
        await authorize(ctx, "DescribeProtection", found ? protectionArn(account, found.id) : "*", resourceTagContext(found?.tags));
        if ((input.ProtectionId === undefined) === (input.ResourceArn === undefined)) {
          throw invalidParameter("You must provide either the ResourceArn of the protected resource or the ProtectionId of the protection, but not both.");
        }
        await requireSubscription(env.store, account, now(ctx));
        if (!found) throw protectionNotFound();
        return { Protection: protectionView(found) };
      },
    },
    ListProtections: {
      schema: ListProtections$,
      handler: async (input: ListProtectionsRequest, ctx) => {
        await authorize(ctx, "ListProtections");
        const f = input.InclusionFilters ?? {};
        const c = checks().string("nextToken", input.NextToken, { min: 1, max: 4096 }).maxResults("maxResults", input.MaxResults);
        c.listLength("inclusionFilters.resourceArns", f.ResourceArns, 1, 1).listLength("inclusionFilters.protectionNames", f.ProtectionNames, 1, 1).listLength("inclusionFilters.resourceTypes", f.ResourceTypes, 1, 1);
        f.ResourceArns?.forEach((a, i) => c.resourceArn(`inclusionFilters.resourceArns.${i + 1}.member`, a));
        f.ProtectionNames?.forEach((n, i) => c.string(`inclusionFilters.protectionNames.${i + 1}.member`, n, { min: 1, max: 128, pattern: PROTECTION_NAME }));
        f.ResourceTypes?.forEach((t, i) => c.enumValue(`inclusionFilters.resourceTypes.${i + 1}.member`, t, RESOURCE_TYPES));
        c.done();
        const account = callerAccount(ctx);
        await requireSubscription(env.store, account, now(ctx));
        const all = (await listProtections(env.store, account)).filter(
          (p) => (!f.ResourceArns || f.ResourceArns.includes(p.resourceArn)) && (!f.ProtectionNames || f.ProtectionNames.includes(p.name)) && (!f.ResourceTypes || (f.ResourceTypes as string[]).includes(p.resourceType)),
        );
        const binding = ["ListProtections", account, f.ResourceArns ?? null, f.ProtectionNames ?? null, f.ResourceTypes ?? null];
        const { page, next } = env.tokens.page(all, (p) => p.id, binding, input.NextToken, input.MaxResults, invalidPaginationToken);
        return { Protections: page.map(protectionView), ...(next ? { NextToken: next } : {}) };
      },
    },
    DeleteProtection: {
      schema: DeleteProtection$,
      handler: async (input: { ProtectionId: string }, ctx) => {
        const account = callerAccount(ctx);
        checks().string("protectionId", input.ProtectionId, { min: 36, max: 36, pattern: PROTECTION_ID }).done();
        const found = await getProtection(env.store, account, input.ProtectionId);
        await authorize(ctx, "DeleteProtection", protectionArn(account, input.ProtectionId), resourceTagContext(found?.tags));
        await requireSubscription(env.store, account, now(ctx));
        const rec = await deleteProtection(env, account, input.ProtectionId);
        noteResource(ctx, protectionArn(account, rec.id), PROTECTION_TYPE);
        return {};
      },
    },
    EnableApplicationLayerAutomaticResponse: automaticResponse(env, "enable"),
    UpdateApplicationLayerAutomaticResponse: automaticResponse(env, "update"),
    DisableApplicationLayerAutomaticResponse: automaticResponse(env, "disable"),
    TagResource: {
      schema: TagResource$,
      handler: async (input: { ResourceARN: string; Tags: Tag[] }, ctx) => {
        await authorize(ctx, "TagResource", input.ResourceARN, requestTagContext(input.Tags));
        checks().resourceArn("resourceARN", input.ResourceARN).tags("tags", input.Tags).done();
        await requireSubscription(env.store, callerAccount(ctx), now(ctx));
        await tagResource(env.store, callerAccount(ctx), input.ResourceARN, input.Tags);
        return {};
      },
    },
    UntagResource: {
      schema: UntagResource$,
      handler: async (input: { ResourceARN: string; TagKeys: string[] }, ctx) => {
        await authorize(ctx, "UntagResource", input.ResourceARN, (input.TagKeys ?? []).length > 0 ? { "aws:TagKeys": input.TagKeys } : {});
        const c = checks().resourceArn("resourceARN", input.ResourceARN).listLength("tagKeys", input.TagKeys, 0, 200);
        input.TagKeys.forEach((k, i) => c.string(`tagKeys.${i + 1}.member`, k, { min: 1, max: 128 }));
        c.done();
        await requireSubscription(env.store, callerAccount(ctx), now(ctx));
        await untagResource(env.store, callerAccount(ctx), input.ResourceARN, input.TagKeys);
        return {};
      },
    },
    ListTagsForResource: {
      schema: ListTagsForResource$,
      handler: async (input: { ResourceARN: string }, ctx) => {
        await authorize(ctx, "ListTagsForResource", input.ResourceARN);
        checks().resourceArn("resourceARN", input.ResourceARN).done();
        await requireSubscription(env.store, callerAccount(ctx), now(ctx));
        return { Tags: await listTags(env.store, callerAccount(ctx), input.ResourceARN) };
      },
    },
  };
}

function automaticResponse(env: ShieldEnv, op: "enable" | "update" | "disable"): OperationDefinition {
  const names = { enable: "EnableApplicationLayerAutomaticResponse", update: "UpdateApplicationLayerAutomaticResponse", disable: "DisableApplicationLayerAutomaticResponse" } as const;
  const schemas = { enable: EnableApplicationLayerAutomaticResponse$, update: UpdateApplicationLayerAutomaticResponse$, disable: DisableApplicationLayerAutomaticResponse$ } as const;
  return {
    schema: schemas[op],
    readOnly: false,
    handler: async (input: { ResourceArn: string; Action?: ResponseAction }, ctx) => {
      const account = callerAccount(ctx);
      checks().resourceArn("resourceArn", input.ResourceArn).done();
      const found = await protectionOfResource(env.store, account, input.ResourceArn);
      await authorize(ctx, names[op], found ? protectionArn(account, found.id) : "*", resourceTagContext(found?.tags));
      const action = op === "disable" ? undefined : responseAction(input.Action);
      await requireSubscription(env.store, account, ctx.now);
      // Shield acts on the web ACL as its service-linked role, created by the first enable that can proceed.
      const ensureRole = env.ensureServiceLinkedRole;
      const rec = await setAutomaticResponse(env, account, input.ResourceArn, { op, ...(action ? { action } : {}) }, ensureRole && (() => ensureRole(ctx)));
      noteResource(ctx, protectionArn(account, rec.id), PROTECTION_TYPE);
      return {};
    },
  };
}
