/** Tags of the taggable Shield resources: protections and protection groups, addressed by ARN. */
import type { Tag } from "@aws-sdk/client-shield";
import type { Storage } from "../../storage/types.js";
import { invalidResource, resourceNotFound } from "./errors.js";
import { checkTagSemantics, mergeTags } from "./input.js";
import { accountKey, parseShieldArn, PROTECTION_GROUPS, PROTECTIONS } from "./model.js";

interface Tagged {
  tags: Tag[];
}

function locate(account: string, arn: string): { collection: string; key: string; kind: string } {
  const p = parseShieldArn(arn);
  if (!p) throw invalidResource(`The resource ${arn} is not a Shield Advanced protection or protection group.`);
  if (p.accountId !== account) throw invalidResource(`The resource ${arn} does not exist or you don't have access to it.`);
  return p.kind === "protection" ? { collection: PROTECTIONS, key: accountKey(account, p.id), kind: "protection" } : { collection: PROTECTION_GROUPS, key: accountKey(account, p.id), kind: "protection-group" };
}

async function change(store: Storage, account: string, arn: string, fn: (tags: Tag[]) => Tag[]): Promise<void> {
  const where = locate(account, arn);
  await store.transaction(async (tx) => {
    const rec = await tx.get<Tagged>(where.collection, where.key);
    if (!rec) throw resourceNotFound(where.kind, `The referenced ${where.kind.replace("-", " ")} does not exist.`);
    const tags = fn(rec.tags);
    checkTagSemantics(tags);
    await tx.put(where.collection, where.key, { ...rec, tags });
  });
}

export async function tagResource(store: Storage, account: string, arn: string, tags: Tag[]): Promise<void> {
  checkTagSemantics(tags);
  await change(store, account, arn, (cur) => mergeTags(cur, tags));
}

export async function untagResource(store: Storage, account: string, arn: string, keys: readonly string[]): Promise<void> {
  const drop = new Set(keys);
  await change(store, account, arn, (cur) => cur.filter((t) => !drop.has(t.Key as string)));
}

export async function listTags(store: Storage, account: string, arn: string): Promise<Tag[]> {
  const where = locate(account, arn);
  const rec = await store.get<Tagged>(where.collection, where.key);
  if (!rec) throw resourceNotFound(where.kind, `The referenced ${where.kind.replace("-", " ")} does not exist.`);
  return rec.tags.map((t) => ({ Key: t.Key, Value: t.Value }));
}
