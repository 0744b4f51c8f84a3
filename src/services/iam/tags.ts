/**
 * Tags on users, roles and managed policies: merging (TagX), removal (UntagX), listing
 * (ListXTags, sorted by key), and the condition keys tagging requests carry.
 */
import type { ConditionContext } from "../../core/types.js";
import { quotaExceeded } from "./errors.js";
import { QUOTAS, type TagDoc } from "./model.js";

/** Returns the tags after adding/overwriting `added`; throws LimitExceeded beyond 50 tags. */
/** `quota`: the quota's name for IAM's "Cannot exceed quota for …" answer, or the error a resource answers instead. */
export function mergeTags(existing: readonly TagDoc[], added: readonly TagDoc[], caseInsensitive: boolean, quota: string | (() => Error)): TagDoc[] {
  const norm = (k: string) => (caseInsensitive ? k.toLowerCase() : k);
  const out = existing.map((t) => ({ ...t }));
  for (const t of added) {
    const i = out.findIndex((e) => norm(e.Key) === norm(t.Key));
    if (i >= 0) out[i] = { Key: t.Key, Value: t.Value };
    else out.push({ Key: t.Key, Value: t.Value });
  }
  if (out.length > QUOTAS.tagsPerResource) throw typeof quota === "string" ? quotaExceeded(quota, QUOTAS.tagsPerResource) : quota();
  return out;
}

export function removeTags(existing: readonly TagDoc[], keys: readonly string[], caseInsensitive: boolean): TagDoc[] {
  const norm = (k: string) => (caseInsensitive ? k.toLowerCase() : k);
  const drop = new Set(keys.map(norm));
  return existing.filter((t) => !drop.has(norm(t.Key)));
}

/** Tags as IAM lists them: ordered by key. */
export function sortedTags(tags: readonly TagDoc[]): TagDoc[] {
  return [...tags].sort((a, b) => (a.Key < b.Key ? -1 : a.Key > b.Key ? 1 : 0));
}

/** aws:RequestTag/<key> and aws:TagKeys for a request that sets tags. */
export function requestTagContext(tags: readonly TagDoc[]): ConditionContext {
  if (tags.length === 0) return {};
  const ctx: ConditionContext = { "aws:TagKeys": tags.map((t) => t.Key) };
  for (const t of tags) ctx[`aws:RequestTag/${t.Key}`] = t.Value;
  return ctx;
}

/** aws:ResourceTag/<key> of the resource a request acts on. */
export function resourceTagContext(tags: readonly TagDoc[] | undefined): ConditionContext {
  const ctx: ConditionContext = {};
  for (const t of tags ?? []) ctx[`aws:ResourceTag/${t.Key}`] = t.Value;
  return ctx;
}

/**
 * The tags of an IAM user or role a request acts on: aws:ResourceTag/<key> and
 * iam:ResourceTag/<key>. The Service Authorization Reference lists both keys for the `user` and
 * `role` resource types of IAM and for the `role` of sts:AssumeRole* ("Filters access by the tags
 * that are attached to the role that is being assumed"); the IAM User Guide's ABAC tutorial allows
 * sts:AssumeRole on `iam:ResourceTag/access-project`. Other IAM resources carry only aws:ResourceTag.
 */
export function entityTagContext(tags: readonly TagDoc[] | undefined): ConditionContext {
  const ctx: ConditionContext = {};
  for (const t of tags ?? []) {
    ctx[`aws:ResourceTag/${t.Key}`] = t.Value;
    ctx[`iam:ResourceTag/${t.Key}`] = t.Value;
  }
  return ctx;
}

export function tagMap(tags: readonly TagDoc[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const t of tags ?? []) out[t.Key] = t.Value;
  return out;
}
