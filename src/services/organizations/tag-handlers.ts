/** TagResource, UntagResource and ListTagsForResource on accounts, the root, OUs and policies (domain in tags.ts). */
import { ListTagsForResource$, TagResource$, UntagResource$ } from "@aws-sdk/client-organizations";
import type { ConditionContext, RequestContext } from "../../core/types.js";
import { requestTagContext, resourceTagContext } from "../iam/tags.js";
import type { OperationDefinition } from "../types.js";
import { invalidInput } from "./errors.js";
import { noteResource, type OrgCalls } from "./handler-support.js";
import { checkString, paginate, requireId, requireString, TAGGABLE_ID } from "./input.js";
import type { CachedMembership } from "./membership-cache.js";
import type { OrganizationsDomainDeps } from "./organization.js";
import { changeTags, checkTags, checkUserTagKeys, mergeTags, removeTags, TAG_PATTERN, taggedResource, type TaggedResource } from "./tags.js";
import type { Tag } from "./model.js";

/** The resource's ARN and tags for authorisation ("*" while it cannot be found), then the management-account rule. */
async function onTaggable(
  deps: OrganizationsDomainDeps,
  calls: OrgCalls,
  ctx: RequestContext,
  action: string,
  id: string,
  requestContext: ConditionContext,
): Promise<{ m: CachedMembership; resource: TaggedResource }> {
  const caller = await calls.membership(calls.caller(ctx));
  const found = caller ? await taggedResource(deps.store, caller.org, id).catch(() => undefined) : undefined;
  const m = await calls.managementCall(ctx, action, found && (() => found.arn), { ...resourceTagContext(found?.tags), ...requestContext });
  // Not found before authorising: the fresh lookup answers TargetNotFoundException.
  return { m, resource: found ?? (await taggedResource(deps.store, m.org, id)) };
}

export function tagOperations(deps: OrganizationsDomainDeps, calls: OrgCalls): Record<string, OperationDefinition> {
  return {
    TagResource: {
      schema: TagResource$,
      handler: async (input: { ResourceId?: string; Tags?: Array<{ Key?: string; Value?: string }> }, ctx) => {
        const id = requireId(input?.ResourceId, TAGGABLE_ID);
        const tags = checkTags(input?.Tags);
        const { m, resource } = await onTaggable(deps, calls, ctx, "TagResource", id, requestTagContext(tags));
        await changeTags(deps, m.org.id, id, (current) => mergeTags(current, tags));
        noteResource(ctx, m, resource.arn, resource.type);
        return {};
      },
    },
    UntagResource: {
      schema: UntagResource$,
      handler: async (input: { ResourceId?: string; TagKeys?: string[] }, ctx) => {
        const id = requireId(input?.ResourceId, TAGGABLE_ID);
        if (!Array.isArray(input?.TagKeys)) throw invalidInput("INPUT_REQUIRED");
        const keys = input.TagKeys.map((k) => {
          const key = requireString(k);
          checkString(key, { min: 1, max: 128, pattern: TAG_PATTERN });
          return key;
        });
        checkUserTagKeys(keys);
        const { m, resource } = await onTaggable(deps, calls, ctx, "UntagResource", id, keys.length > 0 ? { "aws:TagKeys": keys } : {});
        await changeTags(deps, m.org.id, id, (current) => removeTags(current, keys));
        noteResource(ctx, m, resource.arn, resource.type);
        return {};
      },
    },
    ListTagsForResource: {
      schema: ListTagsForResource$,
      handler: async (input: { ResourceId?: string; NextToken?: string }, ctx) => {
        const id = requireId(input?.ResourceId, TAGGABLE_ID);
        const { resource } = await onTaggable(deps, calls, ctx, "ListTagsForResource", id, {});
        const sorted = [...resource.tags].sort((a, b) => (a.Key < b.Key ? -1 : a.Key > b.Key ? 1 : 0));
        const { page, next } = paginate<Tag>(sorted, (t) => t.Key, `ListTagsForResource:${id}`, input?.NextToken, undefined);
        return { Tags: page, ...(next ? { NextToken: next } : {}) };
      },
    },
  };
}
