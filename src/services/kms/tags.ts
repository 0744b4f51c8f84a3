/** Tags of KMS keys: TagResource, UntagResource, ListResourceTags and tag validation. */
import type { ListResourceTagsResponse } from "@aws-sdk/client-kms";
import type { ConditionContext, RequestContext } from "../../core/types.js";
import { authorizeKey } from "./authorize.js";
import type { KmsEnv } from "./env.js";
import { limitExceeded, tagException } from "./errors.js";
import { assertState, STATES } from "./key-state.js";
import { ID, resolveKey } from "./lookup.js";
import type { Tag } from "./model.js";
import { pageOf } from "./pagination.js";
import { validateKeyId, validateLimit, validateMarker, Violations } from "./validation.js";

export const MAX_TAGS = 50;
const TAG_CHARS = { re: /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u, text: "^([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*)$" };

export function validateTags(v: Violations, tags: readonly Tag[] | undefined, member = "tags"): void {
  if (tags === undefined) return;
  tags.forEach((t, i) => {
    const p = `${member}.${i + 1}.member`;
    if (typeof t.TagKey === "string") v.str(t.TagKey, `${p}.tagKey`, 1, 128);
    if (typeof t.TagValue === "string") v.str(t.TagValue, `${p}.tagValue`, 0, 256);
  });
}

/** Semantic tag rules: reserved aws: prefix, allowed characters, duplicates. */
export function checkTagRules(tags: readonly Tag[]): void {
  for (const t of tags) {
    if (t.TagKey.toLowerCase().startsWith("aws:")) throw tagException("Tags beginning with aws: are reserved");
    if (!TAG_CHARS.re.test(t.TagKey) || !TAG_CHARS.re.test(t.TagValue)) throw tagException("Tag key or value contains invalid characters.");
  }
  const seen = new Set<string>();
  for (const t of tags) {
    if (seen.has(t.TagKey)) throw tagException("Duplicate tag keys");
    seen.add(t.TagKey);
  }
}

/** aws:RequestTag/* and aws:TagKeys for a request that adds tags. */
export function requestTagContext(tags: readonly Tag[] | undefined): ConditionContext {
  const c: ConditionContext = {};
  if (!tags || tags.length === 0) return c;
  for (const t of tags) c[`aws:RequestTag/${t.TagKey}`] = t.TagValue;
  c["aws:TagKeys"] = tags.map((t) => t.TagKey);
  return c;
}

export function mergeTags(existing: readonly Tag[], add: readonly Tag[]): Tag[] {
  const map = new Map(existing.map((t) => [t.TagKey, t.TagValue] as const));
  for (const t of add) map.set(t.TagKey, t.TagValue);
  if (map.size > MAX_TAGS) throw limitExceeded(`Cannot exceed quota for TagsPerKey: ${MAX_TAGS}`);
  return [...map].map(([TagKey, TagValue]) => ({ TagKey, TagValue }));
}

export async function tagResource(env: KmsEnv, ctx: RequestContext, input: { KeyId: string; Tags: Tag[] }): Promise<void> {
  const v = new Violations();
  validateKeyId(v, input.KeyId);
  validateTags(v, input.Tags);
  v.throwIfAny();
  const { key } = await resolveKey(env, ctx, input.KeyId, ID.own);
  await authorizeKey(env, ctx, key, "TagResource", { context: requestTagContext(input.Tags) });
  assertState(key, STATES.manage);
  checkTagRules(input.Tags);
  await env.repo.updateKey(key.accountId, key.region, key.keyId, (rec) => ({ ...rec, tags: mergeTags(rec.tags, input.Tags) }));
}

export async function untagResource(env: KmsEnv, ctx: RequestContext, input: { KeyId: string; TagKeys: string[] }): Promise<void> {
  const v = new Violations();
  validateKeyId(v, input.KeyId);
  input.TagKeys.forEach((k, i) => v.str(k, `tagKeys.${i + 1}.member`, 1, 128));
  v.throwIfAny();
  const { key } = await resolveKey(env, ctx, input.KeyId, ID.own);
  await authorizeKey(env, ctx, key, "UntagResource", { context: input.TagKeys.length > 0 ? { "aws:TagKeys": input.TagKeys } : {} });
  assertState(key, STATES.manage);
  const drop = new Set(input.TagKeys);
  await env.repo.updateKey(key.accountId, key.region, key.keyId, (rec) => ({ ...rec, tags: rec.tags.filter((t) => !drop.has(t.TagKey)) }));
}

export async function listResourceTags(env: KmsEnv, ctx: RequestContext, input: { KeyId: string; Limit?: number; Marker?: string }): Promise<ListResourceTagsResponse> {
  const v = new Violations();
  validateKeyId(v, input.KeyId);
  validateLimit(v, input.Limit, 50);
  validateMarker(v, input.Marker);
  v.throwIfAny();
  const { key } = await resolveKey(env, ctx, input.KeyId, ID.own);
  await authorizeKey(env, ctx, key, "ListResourceTags");
  const sorted = [...key.tags].sort((a, b) => (a.TagKey < b.TagKey ? -1 : a.TagKey > b.TagKey ? 1 : 0));
  const { page, nextMarker } = pageOf(env.markerKey, `tags/${key.arn}`, sorted, (t) => t.TagKey, input.Marker, input.Limit ?? 50);
  return { Tags: page, Truncated: nextMarker !== undefined, ...(nextMarker ? { NextMarker: nextMarker } : {}) };
}
