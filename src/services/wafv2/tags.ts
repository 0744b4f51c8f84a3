/**
 * TagResource / UntagResource / ListTagsForResource on web ACLs, rule groups, IP sets and
 * regex pattern sets. Tags are part of the entity record but do not change its LockToken
 * (tagging is not an edit of the entity in AWS either).
 */
import type { DocStore, Storage } from "../../storage/types.js";
import { parseEntityArn } from "./arn.js";
import type { Caller } from "./domain-deps.js";
import { entityByArn, replaceEntity } from "./entities.js";
import { invalidParameter, limitsExceeded, nonexistentItem } from "./errors.js";
import { checkArn, MAX_TAGS } from "./input.js";
import type { EntityRecord, Tag } from "./model.js";

async function requireTagged(db: DocStore, c: Caller, arn: string): Promise<EntityRecord> {
  checkArn(arn, "resourceARN");
  if (!parseEntityArn(arn)) throw invalidParameter("RESOURCE_ARN", arn, "The ARN isn't valid.");
  const rec = await entityByArn(db, arn, c.accountId, c.region);
  if (!rec) throw nonexistentItem();
  return rec;
}

/** `tags` as checkTags gives them (no aws: keys, each key once). */
export async function tagResource(store: Storage, c: Caller, arn: string, tags: Tag[]): Promise<void> {
  await store.transaction(async (tx) => {
    const rec = await requireTagged(tx, c, arn);
    const merged = new Map(rec.tags.map((t) => [t.Key, t.Value]));
    for (const t of tags) merged.set(t.Key, t.Value);
    if (merged.size > MAX_TAGS) throw limitsExceeded("Tags");
    await replaceEntity(tx, { ...rec, tags: [...merged].map(([Key, Value]) => ({ Key, Value })) }, rec.updatedAt, { keepToken: true });
  });
}

export async function untagResource(store: Storage, c: Caller, arn: string, keys: readonly string[]): Promise<void> {
  await store.transaction(async (tx) => {
    const rec = await requireTagged(tx, c, arn);
    const drop = new Set(keys);
    await replaceEntity(tx, { ...rec, tags: rec.tags.filter((t) => !drop.has(t.Key)) }, rec.updatedAt, { keepToken: true });
  });
}

export async function listTags(store: Storage, c: Caller, arn: string): Promise<{ arn: string; tags: Tag[] }> {
  const rec = await requireTagged(store, c, arn);
  return { arn: rec.arn, tags: rec.tags };
}
