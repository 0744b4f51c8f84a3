/**
 * Storage of the four WAFv2 entity kinds with the service's addressing (Name + Scope + Id,
 * or ARN) and optimistic locking: every change needs the current LockToken and issues a
 * new one. Functions take the DocStore of the surrounding transaction so that checks and
 * writes are atomic (transactions are serialised by storage).
 */
import { randomUUID } from "node:crypto";
import type { DocStore } from "../../storage/types.js";
import { entityKey, entityPrefix, parseEntityArn, type EntityKind, type WafScope } from "./arn.js";
import { duplicateItem, limitsExceeded, nonexistentItem, optimisticLock, type LimitSource } from "./errors.js";
import { COLLECTIONS, type EntityRecord } from "./model.js";

/** Default quotas per account and region (the AWS defaults). */
export const ENTITY_LIMITS: Record<EntityKind, number> = { webacl: 100, rulegroup: 100, ipset: 100, regexpatternset: 10 };

export const LIMIT_SOURCE: Record<EntityKind, LimitSource> = { webacl: "WebACL", rulegroup: "RuleGroup", ipset: "IPSet", regexpatternset: "RegexPatternSet" };

export interface Where {
  accountId: string;
  region: string;
  scope: WafScope;
}

export function newLockToken(): string {
  return randomUUID();
}

export async function getEntity(db: DocStore, kind: EntityKind, w: Where, id: string): Promise<EntityRecord | undefined> {
  return db.get<EntityRecord>(COLLECTIONS[kind], entityKey(w.accountId, w.region, w.scope, id));
}

/** The entity named by Name + Id (both must match), or WAFNonexistentItemException. */
export async function requireEntity(db: DocStore, kind: EntityKind, w: Where, name: string, id: string): Promise<EntityRecord> {
  const rec = await getEntity(db, kind, w, id);
  if (!rec || rec.name !== name) throw nonexistentItem();
  return rec;
}

/** Resolves an entity ARN of the caller's account in the request's region; undefined otherwise. */
export async function entityByArn(db: DocStore, arn: string, accountId: string, region: string, kind?: EntityKind): Promise<EntityRecord | undefined> {
  const p = parseEntityArn(arn);
  if (!p || p.accountId !== accountId || p.region !== region || (kind && p.kind !== kind)) return undefined;
  const rec = await getEntity(db, p.kind, { accountId, region, scope: p.scope }, p.id);
  return rec && rec.name === p.name ? rec : undefined;
}

export async function listEntities(db: DocStore, kind: EntityKind, w: Where): Promise<EntityRecord[]> {
  const rows = await db.list<EntityRecord>(COLLECTIONS[kind], { prefix: entityPrefix(w.accountId, w.region, w.scope) });
  return rows.map((r) => r.value);
}

/** Inserts a new entity; names are unique per kind, scope, account and region. */
export async function insertEntity(db: DocStore, rec: EntityRecord, limit = ENTITY_LIMITS[rec.kind]): Promise<void> {
  const w = { accountId: rec.accountId, region: rec.region, scope: rec.scope };
  const existing = await listEntities(db, rec.kind, w);
  if (existing.some((e) => e.name === rec.name)) throw duplicateItem();
  if (existing.length >= limit) throw limitsExceeded(LIMIT_SOURCE[rec.kind]);
  const inserted = await db.putIfAbsent(COLLECTIONS[rec.kind], entityKey(rec.accountId, rec.region, rec.scope, rec.id), rec);
  if (!inserted) throw duplicateItem();
}

/** Checks the lock token of an entity about to change. */
export function checkLock(rec: EntityRecord, lockToken: string): void {
  if (rec.lockToken !== lockToken) throw optimisticLock();
}

/** Writes a changed entity with a fresh lock token; returns the token. */
export async function replaceEntity(db: DocStore, rec: EntityRecord, now: number, opts: { keepToken?: boolean } = {}): Promise<string> {
  const next: EntityRecord = { ...rec, updatedAt: now, lockToken: opts.keepToken ? rec.lockToken : newLockToken() };
  await db.put(COLLECTIONS[rec.kind], entityKey(rec.accountId, rec.region, rec.scope, rec.id), next);
  return next.lockToken;
}

export async function removeEntity(db: DocStore, rec: EntityRecord): Promise<void> {
  await db.delete(COLLECTIONS[rec.kind], entityKey(rec.accountId, rec.region, rec.scope, rec.id));
}

/**
 * Web ACLs of every account in a Region and scope: a rule group shared through its permission
 * policy may be referenced from other accounts' web ACLs.
 */
export async function webAclsInEveryAccount(db: DocStore, region: string, scope: WafScope): Promise<EntityRecord[]> {
  const rows = await db.list<EntityRecord>(COLLECTIONS.webacl);
  return rows.map((r) => r.value).filter((e) => e.region === region && e.scope === scope);
}

/** Entities of `kind` (same account, region, scope) whose rules reference `arn`. */
export async function referrers(db: DocStore, kind: "webacl" | "rulegroup", w: Where, arn: string): Promise<EntityRecord[]> {
  return (await listEntities(db, kind, w)).filter((e) => e.refs.includes(arn));
}

/** Summary shape shared by IPSetSummary, WebACLSummary, RuleGroupSummary, RegexPatternSetSummary. */
export function summaryOf(rec: EntityRecord): { Name: string; Id: string; Description?: string; LockToken: string; ARN: string } {
  return { Name: rec.name, Id: rec.id, ...(rec.description !== undefined ? { Description: rec.description } : {}), LockToken: rec.lockToken, ARN: rec.arn };
}

/** Stable listing order: by name, then id. */
export function listingKey(rec: EntityRecord): string {
  return `${rec.name}\u0000${rec.id}`;
}
