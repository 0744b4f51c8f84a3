/** AddTags, RemoveTags and DescribeTags over load balancers, target groups and listeners. */
import type { AddTagsInput, DescribeTagsInput, DescribeTagsOutput, RemoveTagsInput } from "@aws-sdk/client-elastic-load-balancing-v2";
import type { Scope } from "../../core/types.js";
import type { DocStore } from "../../storage/types.js";
import { parseArn } from "./arn.js";
import { RESOURCE_TYPES, noteResource, requestTagContext, resourceTagContext, type Caller, type Elbv2Env } from "./env.js";
import { listenerNotFound, loadBalancerNotFound, targetGroupNotFound, validationError } from "./errors.js";
import type { TagDoc } from "./model.js";
import { listeners, loadBalancers, targetGroups } from "./store.js";
import { checkTags, mergeTags } from "./validation.js";

interface Tagged {
  tags: TagDoc[];
  save(db: DocStore): Promise<void>;
}

const TYPES = { loadbalancer: RESOURCE_TYPES.loadBalancer, targetgroup: RESOURCE_TYPES.targetGroup, listener: RESOURCE_TYPES.listener } as const;

function kindOf(arn: string): keyof typeof TYPES {
  const p = parseArn(arn);
  if (!p) throw validationError(`'${arn}' is not a valid resource ARN`);
  return p.kind;
}

async function load(db: DocStore, scope: Scope, arn: string): Promise<Tagged> {
  switch (kindOf(arn)) {
    case "loadbalancer": {
      const d = await loadBalancers.byArn(db, scope, arn);
      if (!d) throw loadBalancerNotFound();
      return { tags: d.tags, save: (tx) => loadBalancers.put(tx, d) };
    }
    case "targetgroup": {
      const d = await targetGroups.byArn(db, scope, arn);
      if (!d) throw targetGroupNotFound();
      return { tags: d.tags, save: (tx) => targetGroups.put(tx, d) };
    }
    case "listener": {
      const d = await listeners.byArn(db, scope, arn);
      if (!d) throw listenerNotFound();
      return { tags: d.tags, save: (tx) => listeners.put(tx, d) };
    }
  }
}

function checkArns(arns: string[] | undefined, max: number): string[] {
  if (!arns || arns.length === 0) throw validationError("At least one resource ARN must be specified");
  if (arns.length > max) throw validationError(`You can specify up to ${max} resource ARNs`);
  for (const a of arns) kindOf(a);
  return arns;
}

export async function addTags(env: Elbv2Env, caller: Caller, input: AddTagsInput): Promise<Record<string, never>> {
  const arns = checkArns(input.ResourceArns, 20);
  const tags = checkTags(input.Tags, env.quotas.tagsPerResource);
  if (tags.length === 0) throw validationError("At least one tag must be specified");
  for (const arn of arns) {
    const current = await load(env.store, caller.scope, arn).catch(() => undefined);
    await caller.authorize("AddTags", arn, { ...resourceTagContext(current?.tags), ...requestTagContext(tags) });
    noteResource(caller, arn, TYPES[kindOf(arn)]);
  }
  await env.store.transaction(async (tx) => {
    for (const arn of arns) {
      const r = await load(tx, caller.scope, arn);
      const merged = mergeTags(r.tags, tags, env.quotas.tagsPerResource);
      r.tags.splice(0, r.tags.length, ...merged);
      await r.save(tx);
    }
  });
  return {};
}

export async function removeTags(env: Elbv2Env, caller: Caller, input: RemoveTagsInput): Promise<Record<string, never>> {
  const arns = checkArns(input.ResourceArns, 20);
  const keys = input.TagKeys ?? [];
  if (keys.length === 0) throw validationError("At least one tag key must be specified");
  for (const arn of arns) {
    const current = await load(env.store, caller.scope, arn).catch(() => undefined);
    await caller.authorize("RemoveTags", arn, { ...resourceTagContext(current?.tags), "aws:TagKeys": keys });
    noteResource(caller, arn, TYPES[kindOf(arn)]);
  }
  await env.store.transaction(async (tx) => {
    for (const arn of arns) {
      const r = await load(tx, caller.scope, arn);
      const kept = r.tags.filter((t) => !keys.includes(t.Key));
      r.tags.splice(0, r.tags.length, ...kept);
      await r.save(tx);
    }
  });
  return {};
}

export async function describeTags(env: Elbv2Env, caller: Caller, input: DescribeTagsInput): Promise<DescribeTagsOutput> {
  await caller.authorize("DescribeTags", "*");
  const arns = checkArns(input.ResourceArns, 20);
  const out: NonNullable<DescribeTagsOutput["TagDescriptions"]> = [];
  for (const arn of arns) {
    const r = await load(env.store, caller.scope, arn);
    out.push({ ResourceArn: arn, Tags: r.tags.map((t) => ({ Key: t.Key, Value: t.Value })) });
  }
  return { TagDescriptions: out };
}
