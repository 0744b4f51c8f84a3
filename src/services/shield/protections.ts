/**
 * Protections: one per resource, and in Bulwark the only resources are the Application Load
 * Balancers of this installation. Every change is told to the detector (watcher) after it
 * is durable, so detection starts and stops with the protection.
 */
import { randomUUID } from "node:crypto";
import type { Protection, Tag } from "@aws-sdk/client-shield";
import type { ResponseActionKind } from "../../dataplane/shield/detection/types.js";
import type { DocStore } from "../../storage/types.js";
import { watchedResource, type ShieldEnv } from "./env.js";
import { alreadyExists, invalidOperation, invalidResource, limitsExceeded, resourceNotFound } from "./errors.js";
import { checkTagSemantics } from "./input.js";
import {
  accountKey,
  classifyResourceArn,
  LIMIT_TYPES,
  MAX_PROTECTIONS_PER_TYPE,
  PROTECTED_RESOURCES,
  PROTECTION_GROUPS,
  PROTECTIONS,
  protectionArn,
  scopePrefix,
  type ProtectionGroupRecord,
  type ProtectionRecord,
} from "./model.js";

export function protectionView(p: ProtectionRecord): Protection {
  return {
    Id: p.id,
    Name: p.name,
    ResourceArn: p.resourceArn,
    HealthCheckIds: [],
    ProtectionArn: protectionArn(p.accountId, p.id),
    ApplicationLayerAutomaticResponseConfiguration: p.autoResponse
      ? { Status: "ENABLED", Action: p.autoResponse === "BLOCK" ? { Block: {} } : { Count: {} } }
      : { Status: "DISABLED", Action: { Block: {} } },
  };
}

export async function getProtection(db: DocStore, account: string, id: string): Promise<ProtectionRecord | undefined> {
  return db.get<ProtectionRecord>(PROTECTIONS, accountKey(account, id));
}

export async function protectionOfResource(db: DocStore, account: string, resourceArn: string): Promise<ProtectionRecord | undefined> {
  const idx = await db.get<{ protectionId: string }>(PROTECTED_RESOURCES, accountKey(account, resourceArn));
  return idx ? getProtection(db, account, idx.protectionId) : undefined;
}

/** Protections of an account, ordered by id. */
export async function listProtections(db: DocStore, account: string): Promise<ProtectionRecord[]> {
  return (await db.list<ProtectionRecord>(PROTECTIONS, { prefix: scopePrefix(account) })).map((e) => e.value);
}

/**
 * The resources of an account whose automatic application-layer mitigation is on, by the Region of
 * their ARN ("us-east-1" for a global resource such as a CloudFront distribution): what Shield's
 * service-linked role is in use for, so DeleteServiceLinkedRole refuses while any remain.
 */
export async function automaticResponseResources(db: DocStore, account: string): Promise<Array<{ region: string; resources: string[] }>> {
  const byRegion = new Map<string, string[]>();
  for (const p of await listProtections(db, account)) {
    if (p.autoResponse === undefined) continue;
    const region = p.resourceArn.split(":")[3] || "us-east-1";
    const list = byRegion.get(region);
    if (list) list.push(p.resourceArn);
    else byRegion.set(region, [p.resourceArn]);
  }
  return [...byRegion].map(([region, resources]) => ({ region, resources }));
}

/** Every stored protection (start-up: the detector watches them all). */
export async function allProtections(db: DocStore): Promise<ProtectionRecord[]> {
  return (await db.list<ProtectionRecord>(PROTECTIONS)).map((e) => e.value);
}

export function protectionNotFound(): Error {
  return resourceNotFound("protection", "The referenced protection does not exist.");
}

export async function requireProtection(db: DocStore, account: string, id: string): Promise<ProtectionRecord> {
  const p = await getProtection(db, account, id);
  if (!p) throw protectionNotFound();
  return p;
}

export async function requireProtectionOfResource(db: DocStore, account: string, resourceArn: string): Promise<ProtectionRecord> {
  const p = await protectionOfResource(db, account, resourceArn);
  if (!p) throw protectionNotFound();
  return p;
}

export async function createProtection(env: ShieldEnv, account: string, input: { name: string; resourceArn: string; tags: Tag[] }, now: number): Promise<ProtectionRecord> {
  const facts = classifyResourceArn(input.resourceArn);
  if (!facts) throw invalidResource(`Unrecognized resource ARN: ${input.resourceArn}. Shield Advanced protects CloudFront distributions, Route 53 hosted zones, Global Accelerator accelerators, Elastic IP addresses and load balancers.`);
  // Only Application Load Balancers exist in Bulwark; other protectable resources cannot be found.
  const exists = facts.type === "APPLICATION_LOAD_BALANCER" && facts.accountId === account && (await env.loadBalancerExists(input.resourceArn));
  if (!exists) throw invalidResource(`The resource ${input.resourceArn} does not exist or you don't have access to it.`);
  checkTagSemantics(input.tags);
  const limit = LIMIT_TYPES.find((l) => l.resources.includes(facts.type));
  const rec: ProtectionRecord = { id: randomUUID(), accountId: account, name: input.name, resourceArn: input.resourceArn, resourceType: facts.type, createdAt: now, tags: input.tags };
  await env.store.transaction(async (tx) => {
    if (!(await tx.putIfAbsent(PROTECTED_RESOURCES, accountKey(account, input.resourceArn), { protectionId: rec.id }))) {
      throw alreadyExists("protection", "The referenced protection already exists.");
    }
    const same = (await listProtections(tx, account)).filter((p) => limit?.resources.includes(p.resourceType));
    if (limit && same.length >= MAX_PROTECTIONS_PER_TYPE) {
      // Thrown inside the transaction: the index entry above is rolled back with it.
      throw limitsExceeded(limit.type, MAX_PROTECTIONS_PER_TYPE, `You have reached the maximum number of protections of type ${limit.type} (${MAX_PROTECTIONS_PER_TYPE}).`);
    }
    await tx.put(PROTECTIONS, accountKey(account, rec.id), rec);
  });
  env.watcher.setProtection(watchedResource(rec));
  return rec;
}

/** Deletes a protection; its resource leaves every ARBITRARY protection group and is no longer watched. */
export async function deleteProtection(env: ShieldEnv, account: string, id: string): Promise<ProtectionRecord> {
  const rec = await env.store.transaction(async (tx) => {
    const p = await getProtection(tx, account, id);
    if (!p) throw protectionNotFound();
    await tx.delete(PROTECTIONS, accountKey(account, id));
    await tx.delete(PROTECTED_RESOURCES, accountKey(account, p.resourceArn));
    for (const e of await tx.list<ProtectionGroupRecord>(PROTECTION_GROUPS, { prefix: scopePrefix(account) })) {
      const g = e.value;
      if (g.pattern === "ARBITRARY" && g.members.includes(p.resourceArn)) await tx.put(PROTECTION_GROUPS, e.key, { ...g, members: g.members.filter((m) => m !== p.resourceArn) });
    }
    return p;
  });
  env.watcher.removeProtection(rec.resourceArn);
  return rec;
}

/**
 * Enable / Update / Disable of the automatic application-layer response. Enabling needs a web
 * ACL associated with the resource (AWS puts its rules into it); enabling twice, or updating
 * or disabling while disabled, would change nothing (InvalidOperationException).
 */
export async function setAutomaticResponse(
  env: ShieldEnv,
  account: string,
  resourceArn: string,
  change: { op: "enable" | "update" | "disable"; action?: ResponseActionKind },
  /** Runs once an enable has passed its checks, before it is stored (Shield's service-linked role). */
  beforeEnable?: () => Promise<void>,
): Promise<ProtectionRecord> {
  const p = await requireProtectionOfResource(env.store, account, resourceArn);
  if (change.op === "enable") {
    if (p.autoResponse) throw invalidOperation("Automatic application layer DDoS mitigation is already enabled for this resource. Use UpdateApplicationLayerAutomaticResponse to change it.");
    if (p.resourceType !== "APPLICATION_LOAD_BALANCER" && p.resourceType !== "CLOUDFRONT_DISTRIBUTION") {
      throw invalidOperation("Automatic application layer DDoS mitigation is available for CloudFront distributions and Application Load Balancers only.");
    }
    if ((await env.webAclForResource(resourceArn)) === undefined) {
      throw invalidOperation("The resource must be associated with an AWS WAF (v2) web ACL before you can enable automatic application layer DDoS mitigation.");
    }
    await beforeEnable?.();
  } else if (!p.autoResponse) {
    throw invalidOperation("Automatic application layer DDoS mitigation is not enabled for this resource.");
  }
  const next = await env.store.transaction(async (tx) => {
    const cur = await getProtection(tx, account, p.id);
    if (!cur) throw protectionNotFound();
    const { autoResponse: _old, ...rest } = cur;
    const updated: ProtectionRecord = change.op === "disable" ? rest : { ...rest, autoResponse: change.action as ResponseActionKind };
    await tx.put(PROTECTIONS, accountKey(account, p.id), updated);
    return updated;
  });
  env.watcher.setProtection(watchedResource(next));
  return next;
}
