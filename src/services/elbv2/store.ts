/**
 * Where ELBv2 documents live. Every key starts with "<account>/<region>/": a caller only
 * ever reaches its own account's resources in the region it called.
 */
import type { Scope } from "../../core/types.js";
import type { DocStore } from "../../storage/types.js";
import { parseArn } from "./arn.js";
import { COLLECTIONS, type CertificateDoc, type ListenerDoc, type LoadBalancerDoc, type NameIndexDoc, type TargetGroupDoc } from "./model.js";

export function scopePrefix(s: Scope): string {
  return `${s.accountId}/${s.region}/`;
}

function inScope(s: Scope, p: { accountId: string; region: string }): boolean {
  return p.accountId === s.accountId && p.region === s.region;
}

async function values<T>(db: DocStore, collection: string, prefix: string): Promise<T[]> {
  return (await db.list<T>(collection, { prefix })).map((e) => e.value);
}

export const loadBalancers = {
  key: (s: Scope, id: string): string => scopePrefix(s) + id,
  nameKey: (s: Scope, name: string): string => scopePrefix(s) + name.toLowerCase(),
  async byId(db: DocStore, s: Scope, id: string): Promise<LoadBalancerDoc | undefined> {
    return db.get<LoadBalancerDoc>(COLLECTIONS.loadBalancers, this.key(s, id));
  },
  async byName(db: DocStore, s: Scope, name: string): Promise<LoadBalancerDoc | undefined> {
    const idx = await db.get<NameIndexDoc>(COLLECTIONS.loadBalancerNames, this.nameKey(s, name));
    return idx ? this.byId(db, s, idx.id) : undefined;
  },
  async byArn(db: DocStore, s: Scope, arn: string): Promise<LoadBalancerDoc | undefined> {
    const p = parseArn(arn);
    if (!p || p.kind !== "loadbalancer" || !inScope(s, p)) return undefined;
    const doc = await this.byId(db, s, p.id);
    return doc?.arn === arn ? doc : undefined;
  },
  all(db: DocStore, s: Scope): Promise<LoadBalancerDoc[]> {
    return values(db, COLLECTIONS.loadBalancers, scopePrefix(s));
  },
  /** Every Region's load balancers of an account (keys start "<account>/<region>/"). */
  inAccount(db: DocStore, accountId: string): Promise<LoadBalancerDoc[]> {
    return values(db, COLLECTIONS.loadBalancers, `${accountId}/`);
  },
  async put(db: DocStore, doc: LoadBalancerDoc): Promise<void> {
    const s = { accountId: doc.accountId, region: doc.region };
    await db.put(COLLECTIONS.loadBalancers, this.key(s, doc.id), doc);
    await db.put<NameIndexDoc>(COLLECTIONS.loadBalancerNames, this.nameKey(s, doc.name), { id: doc.id });
  },
  async remove(db: DocStore, doc: LoadBalancerDoc): Promise<void> {
    const s = { accountId: doc.accountId, region: doc.region };
    await db.delete(COLLECTIONS.loadBalancers, this.key(s, doc.id));
    await db.delete(COLLECTIONS.loadBalancerNames, this.nameKey(s, doc.name));
  },
};

export const targetGroups = {
  key: (s: Scope, id: string): string => scopePrefix(s) + id,
  nameKey: (s: Scope, name: string): string => scopePrefix(s) + name.toLowerCase(),
  async byId(db: DocStore, s: Scope, id: string): Promise<TargetGroupDoc | undefined> {
    return db.get<TargetGroupDoc>(COLLECTIONS.targetGroups, this.key(s, id));
  },
  async byName(db: DocStore, s: Scope, name: string): Promise<TargetGroupDoc | undefined> {
    const idx = await db.get<NameIndexDoc>(COLLECTIONS.targetGroupNames, this.nameKey(s, name));
    return idx ? this.byId(db, s, idx.id) : undefined;
  },
  async byArn(db: DocStore, s: Scope, arn: string): Promise<TargetGroupDoc | undefined> {
    const p = parseArn(arn);
    if (!p || p.kind !== "targetgroup" || !inScope(s, p)) return undefined;
    const doc = await this.byId(db, s, p.id);
    return doc?.arn === arn ? doc : undefined;
  },
  all(db: DocStore, s: Scope): Promise<TargetGroupDoc[]> {
    return values(db, COLLECTIONS.targetGroups, scopePrefix(s));
  },
  async put(db: DocStore, doc: TargetGroupDoc): Promise<void> {
    const s = { accountId: doc.accountId, region: doc.region };
    await db.put(COLLECTIONS.targetGroups, this.key(s, doc.id), doc);
    await db.put<NameIndexDoc>(COLLECTIONS.targetGroupNames, this.nameKey(s, doc.name), { id: doc.id });
  },
  async remove(db: DocStore, doc: TargetGroupDoc): Promise<void> {
    const s = { accountId: doc.accountId, region: doc.region };
    await db.delete(COLLECTIONS.targetGroups, this.key(s, doc.id));
    await db.delete(COLLECTIONS.targetGroupNames, this.nameKey(s, doc.name));
  },
};

export const listeners = {
  key: (s: Scope, lbId: string, id: string): string => `${scopePrefix(s)}${lbId}/${id}`,
  async byArn(db: DocStore, s: Scope, arn: string): Promise<ListenerDoc | undefined> {
    const p = parseArn(arn);
    if (!p || p.kind !== "listener" || !inScope(s, p)) return undefined;
    const doc = await db.get<ListenerDoc>(COLLECTIONS.listeners, this.key(s, p.lbId, p.id));
    return doc?.arn === arn ? doc : undefined;
  },
  ofLoadBalancer(db: DocStore, s: Scope, lbId: string): Promise<ListenerDoc[]> {
    return values(db, COLLECTIONS.listeners, `${scopePrefix(s)}${lbId}/`);
  },
  all(db: DocStore, s: Scope): Promise<ListenerDoc[]> {
    return values(db, COLLECTIONS.listeners, scopePrefix(s));
  },
  /** Every Region's listeners of an account. */
  inAccount(db: DocStore, accountId: string): Promise<ListenerDoc[]> {
    return values(db, COLLECTIONS.listeners, `${accountId}/`);
  },
  put(db: DocStore, doc: ListenerDoc): Promise<void> {
    return db.put(COLLECTIONS.listeners, this.key({ accountId: doc.accountId, region: doc.region }, doc.lbId, doc.id), doc);
  },
  async remove(db: DocStore, doc: ListenerDoc): Promise<void> {
    await db.delete(COLLECTIONS.listeners, this.key({ accountId: doc.accountId, region: doc.region }, doc.lbId, doc.id));
  },
};

export const certificates = {
  key: (s: Scope, id: string): string => scopePrefix(s) + id,
  get(db: DocStore, s: Scope, id: string): Promise<CertificateDoc | undefined> {
    return db.get<CertificateDoc>(COLLECTIONS.certificates, this.key(s, id));
  },
  put(db: DocStore, doc: CertificateDoc): Promise<void> {
    return db.put(COLLECTIONS.certificates, this.key({ accountId: doc.accountId, region: doc.region }, doc.id), doc);
  },
  async remove(db: DocStore, s: Scope, id: string): Promise<void> {
    await db.delete(COLLECTIONS.certificates, this.key(s, id));
  },
};

/** Every document of a collection across accounts and regions (start-up restore). */
export async function everything<T>(db: DocStore, collection: string): Promise<T[]> {
  return (await db.list<T>(collection)).map((e) => e.value);
}
