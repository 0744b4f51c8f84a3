/**
 * Protection groups: ALL protected resources, those of one resource type, or an ARBITRARY
 * list of protected resources. Membership of ALL and BY_RESOURCE_TYPE is computed from the
 * protections at read time, so newly protected resources join at once; ARBITRARY members
 * must be protected resources of the account and leave the group when their protection is
 * deleted. Rules enforced as documented: ResourceType exactly when Pattern is
 * BY_RESOURCE_TYPE, Members exactly when Pattern is ARBITRARY. Every change is told to the
 * detector (watcher) once it is durable: the group's combined traffic is judged from then on.
 */
import type { ProtectionGroup, Tag } from "@aws-sdk/client-shield";
import type { DocStore } from "../../storage/types.js";
import { watchedGroup, type ShieldEnv } from "./env.js";
import { alreadyExists, invalidParameter, limitsExceeded, resourceNotFound } from "./errors.js";
import { checkTagSemantics } from "./input.js";
import {
  accountKey,
  MAX_GROUP_MEMBERS,
  MAX_PROTECTION_GROUPS,
  PROTECTED_RESOURCES,
  PROTECTION_GROUPS,
  protectionGroupArn,
  scopePrefix,
  type Aggregation,
  type Pattern,
  type ProtectedResourceType,
  type ProtectionGroupRecord,
} from "./model.js";
import { listProtections } from "./protections.js";

export interface GroupSpec {
  id: string;
  aggregation: Aggregation;
  pattern: Pattern;
  resourceType?: ProtectedResourceType;
  members?: string[];
}

export function groupView(g: ProtectionGroupRecord): ProtectionGroup {
  return {
    ProtectionGroupId: g.id,
    Aggregation: g.aggregation,
    Pattern: g.pattern,
    ...(g.resourceType ? { ResourceType: g.resourceType } : {}),
    Members: g.pattern === "ARBITRARY" ? [...g.members] : [],
    ProtectionGroupArn: protectionGroupArn(g.accountId, g.id),
  };
}

function noGroup(): Error {
  return resourceNotFound("protection-group", "The referenced protection group does not exist.");
}

export async function getGroup(db: DocStore, account: string, id: string): Promise<ProtectionGroupRecord | undefined> {
  return db.get<ProtectionGroupRecord>(PROTECTION_GROUPS, accountKey(account, id));
}

export async function requireGroup(db: DocStore, account: string, id: string): Promise<ProtectionGroupRecord> {
  const g = await getGroup(db, account, id);
  if (!g) throw noGroup();
  return g;
}

/** Groups of an account, ordered by id. */
export async function listGroups(db: DocStore, account: string): Promise<ProtectionGroupRecord[]> {
  return (await db.list<ProtectionGroupRecord>(PROTECTION_GROUPS, { prefix: scopePrefix(account) })).map((e) => e.value);
}

/** Pattern/ResourceType/Members consistency and membership; returns the members to store. */
async function checkSpec(db: DocStore, account: string, spec: GroupSpec): Promise<string[]> {
  if (spec.pattern === "BY_RESOURCE_TYPE" && spec.resourceType === undefined) throw invalidParameter("ResourceType must be set when Pattern is BY_RESOURCE_TYPE.");
  if (spec.pattern !== "BY_RESOURCE_TYPE" && spec.resourceType !== undefined) throw invalidParameter("ResourceType must be set only when Pattern is BY_RESOURCE_TYPE.");
  if (spec.pattern === "ARBITRARY" && spec.members === undefined) throw invalidParameter("Members must be set when Pattern is ARBITRARY.");
  if (spec.pattern !== "ARBITRARY" && spec.members !== undefined && spec.members.length > 0) throw invalidParameter("Members must be set only when Pattern is ARBITRARY.");
  if (spec.pattern !== "ARBITRARY") return [];
  const members = [...new Set(spec.members)];
  if (members.length > MAX_GROUP_MEMBERS) throw limitsExceeded("PROTECTION_GROUP_MEMBERS", MAX_GROUP_MEMBERS, `A protection group can have at most ${MAX_GROUP_MEMBERS} members.`);
  for (const m of members) {
    if (!(await db.get(PROTECTED_RESOURCES, accountKey(account, m)))) {
      throw resourceNotFound("protection", `The resource ${m} is not protected by Shield Advanced. Add a protection for it first.`);
    }
  }
  return members;
}

export async function createGroup(env: ShieldEnv, account: string, spec: GroupSpec, tags: Tag[], now: number): Promise<ProtectionGroupRecord> {
  checkTagSemantics(tags);
  const created = await env.store.transaction(async (tx) => {
    const members = await checkSpec(tx, account, spec);
    const rec: ProtectionGroupRecord = {
      id: spec.id,
      accountId: account,
      aggregation: spec.aggregation,
      pattern: spec.pattern,
      ...(spec.resourceType ? { resourceType: spec.resourceType } : {}),
      members,
      createdAt: now,
      tags,
    };
    if ((await tx.count(PROTECTION_GROUPS, scopePrefix(account))) >= MAX_PROTECTION_GROUPS && !(await getGroup(tx, account, spec.id))) {
      throw limitsExceeded("PROTECTION_GROUP", MAX_PROTECTION_GROUPS, `You have reached the maximum number of protection groups (${MAX_PROTECTION_GROUPS}).`);
    }
    if (!(await tx.putIfAbsent(PROTECTION_GROUPS, accountKey(account, spec.id), rec))) {
      throw alreadyExists("protection-group", "The referenced protection group already exists.");
    }
    return rec;
  });
  env.watcher.setProtectionGroup(watchedGroup(created));
  return created;
}

/** Replaces the group's specification (tags and creation time stay). */
export async function updateGroup(env: ShieldEnv, account: string, spec: GroupSpec): Promise<ProtectionGroupRecord> {
  const updated = await env.store.transaction(async (tx) => {
    const cur = await requireGroup(tx, account, spec.id);
    const members = await checkSpec(tx, account, spec);
    const { resourceType: _r, ...rest } = cur;
    const rec: ProtectionGroupRecord = { ...rest, aggregation: spec.aggregation, pattern: spec.pattern, ...(spec.resourceType ? { resourceType: spec.resourceType } : {}), members };
    await tx.put(PROTECTION_GROUPS, accountKey(account, spec.id), rec);
    return rec;
  });
  env.watcher.setProtectionGroup(watchedGroup(updated));
  return updated;
}

export async function deleteGroup(env: ShieldEnv, account: string, id: string): Promise<void> {
  if (!(await env.store.delete(PROTECTION_GROUPS, accountKey(account, id)))) throw noGroup();
  env.watcher.removeProtectionGroup(account, id);
}

/** Every stored protection group (start-up: the detector watches them all). */
export async function allGroups(db: DocStore): Promise<ProtectionGroupRecord[]> {
  return (await db.list<ProtectionGroupRecord>(PROTECTION_GROUPS)).map((e) => e.value);
}

/** Resource ARNs in the group right now, sorted. */
export async function groupResources(db: DocStore, g: ProtectionGroupRecord): Promise<string[]> {
  if (g.pattern === "ARBITRARY") return [...g.members].sort();
  const protections = await listProtections(db, g.accountId);
  return protections
    .filter((p) => g.pattern === "ALL" || p.resourceType === g.resourceType)
    .map((p) => p.resourceArn)
    .sort();
}
