/**
 * The KMS service's storage access, with the caches the hot path needs.
 *
 * What must stay true:
 *  - every write goes through this module, so its caches (key records, aliases per
 *    account/Region, grants per key, unsealed material) are updated or dropped on write;
 *  - key material reaches storage only sealed (aad binds key ARN + material id) and is
 *    unsealed only into the bounded in-memory LRU, which is dropped for a key whenever its
 *    material, state or existence changes;
 *  - cached records are frozen: callers copy (structuredClone) before changing anything.
 */
import type { Scope } from "../../core/types.js";
import type { Sealer } from "../../crypto/seal-types.js";
import type { DocStore, Storage } from "../../storage/types.js";
import { parseKeyMaterial, serializeKeyMaterial, type KeyMaterial } from "./crypto/index.js";
import { Lru } from "./lru.js";
import { COLLECTIONS, keyDocKey, materialAad, type AliasRecord, type GrantRecord, type KeyRecord, type MaterialDoc } from "./model.js";

interface AliasView {
  byName: ReadonlyMap<string, AliasRecord>;
  byKey: ReadonlyMap<string, string[]>;
}

export interface RepoOptions {
  keyCacheSize?: number;
  materialCacheSize?: number;
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === "object" && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o as Record<string, unknown>)) deepFreeze(v);
  }
  return o;
}

export class KmsRepo {
  private readonly keys: Lru<string, KeyRecord | null>;
  private readonly materials: Lru<string, KeyMaterial>;
  private readonly aliases = new Lru<string, AliasView>(2000);
  private readonly grants = new Lru<string, readonly GrantRecord[]>(20_000);

  constructor(
    readonly store: Storage,
    private readonly sealer: Sealer,
    opts: RepoOptions = {},
  ) {
    this.keys = new Lru(opts.keyCacheSize ?? 20_000);
    this.materials = new Lru(opts.materialCacheSize ?? 10_000);
  }

  // ------------------------------------------------------------------ keys

  async getKey(accountId: string, region: string, keyId: string): Promise<KeyRecord | undefined> {
    const k = keyDocKey(accountId, region, keyId);
    const hit = this.keys.get(k);
    if (hit !== undefined) return hit ?? undefined;
    const rec = await this.store.get<KeyRecord>(COLLECTIONS.keys, k);
    this.keys.set(k, rec ? deepFreeze(rec) : null);
    return rec;
  }

  /**
   * Writes a key record. Outside a transaction the cache is refreshed; inside one the entry
   * is dropped, and the caller calls invalidateKey() again once the transaction settled.
   */
  async putKey(rec: KeyRecord, tx?: DocStore): Promise<KeyRecord> {
    const next = { ...rec, version: rec.version + 1 };
    const k = keyDocKey(rec.accountId, rec.region, rec.keyId);
    await (tx ?? this.store).put(COLLECTIONS.keys, k, next);
    if (tx) this.keys.delete(k);
    else this.keys.set(k, deepFreeze(structuredClone(next)));
    return next;
  }

  /** Records which account owns a key id in a Region (written with the key record). */
  async indexKey(tx: DocStore, key: Pick<KeyRecord, "accountId" | "region" | "keyId">): Promise<void> {
    await tx.put(COLLECTIONS.keyIndex, `${key.keyId}/${key.region}`, { accountId: key.accountId });
  }

  async ownerOf(keyId: string, region: string): Promise<string | undefined> {
    return (await this.store.get<{ accountId: string }>(COLLECTIONS.keyIndex, `${keyId}/${region}`))?.accountId;
  }

  invalidateKey(accountId: string, region: string, keyId: string): void {
    this.keys.delete(keyDocKey(accountId, region, keyId));
  }

  /**
   * Read-modify-write of one key in a transaction: `fn` gets a mutable copy of the current
   * record and returns it (or undefined to write nothing).
   */
  async updateKey(
    accountId: string,
    region: string,
    keyId: string,
    fn: (rec: KeyRecord, tx: DocStore) => Promise<KeyRecord | undefined> | KeyRecord | undefined,
  ): Promise<KeyRecord | undefined> {
    const k = keyDocKey(accountId, region, keyId);
    try {
      return await this.store.transaction(async (tx) => {
        const cur = await tx.get<KeyRecord>(COLLECTIONS.keys, k);
        if (!cur) return undefined;
        const out = await fn(cur, tx);
        if (!out) return cur;
        const next = { ...out, version: cur.version + 1 };
        await tx.put(COLLECTIONS.keys, k, next);
        return next;
      });
    } finally {
      // Whatever happened (commit or rollback), the next read goes to storage.
      this.keys.delete(k);
    }
  }

  async listKeys(scope: Scope, after: string | undefined, limit: number): Promise<KeyRecord[]> {
    const prefix = `${scope.accountId}/${scope.region}/`;
    const rows = await this.store.list<KeyRecord>(COLLECTIONS.keys, { prefix, limit, ...(after !== undefined ? { after: prefix + after } : {}) });
    return rows.map((r) => r.value);
  }

  /** Deletes a key with its material, grants and usage record (end of the deletion window). */
  async deleteKeyCompletely(key: KeyRecord): Promise<void> {
    const base = keyDocKey(key.accountId, key.region, key.keyId);
    await this.store.transaction(async (tx) => {
      for (const m of await tx.list(COLLECTIONS.material, { prefix: base + "/" })) await tx.delete(COLLECTIONS.material, m.key);
      for (const g of await tx.list(COLLECTIONS.grants, { prefix: base + "/" })) await tx.delete(COLLECTIONS.grants, g.key);
      await tx.delete(COLLECTIONS.usage, base);
      await tx.delete(COLLECTIONS.keyIndex, `${key.keyId}/${key.region}`);
      await tx.delete(COLLECTIONS.keys, base);
    });
    this.keys.delete(base);
    this.grants.delete(base);
    this.dropMaterial(key.arn);
  }

  // ------------------------------------------------------------------ material

  async putMaterial(tx: DocStore, key: Pick<KeyRecord, "accountId" | "region" | "keyId" | "arn">, materialId: string, material: KeyMaterial): Promise<void> {
    const plain = serializeKeyMaterial(material);
    try {
      const doc: MaterialDoc = { sealed: this.sealer.sealToString(plain, materialAad(key.arn, materialId)) };
      await tx.put(COLLECTIONS.material, `${keyDocKey(key.accountId, key.region, key.keyId)}/${materialId}`, doc);
    } finally {
      plain.fill(0);
    }
    this.materials.delete(`${key.arn}|${materialId}`);
  }

  async deleteMaterial(tx: DocStore, key: Pick<KeyRecord, "accountId" | "region" | "keyId" | "arn">, materialId: string): Promise<void> {
    await tx.delete(COLLECTIONS.material, `${keyDocKey(key.accountId, key.region, key.keyId)}/${materialId}`);
    this.materials.delete(`${key.arn}|${materialId}`);
  }

  /** The unsealed material of one version, from the LRU or storage; undefined when absent. */
  async material(key: Pick<KeyRecord, "accountId" | "region" | "keyId" | "arn">, materialId: string): Promise<KeyMaterial | undefined> {
    const ck = `${key.arn}|${materialId}`;
    const hit = this.materials.get(ck);
    if (hit) return hit;
    const doc = await this.store.get<MaterialDoc>(COLLECTIONS.material, `${keyDocKey(key.accountId, key.region, key.keyId)}/${materialId}`);
    if (!doc) return undefined;
    const plain = this.sealer.unsealString(doc.sealed, materialAad(key.arn, materialId));
    try {
      const m = parseKeyMaterial(plain);
      this.materials.set(ck, m);
      return m;
    } finally {
      plain.fill(0);
    }
  }

  /** Forgets every unsealed material version of a key (disable, delete, import changes). */
  dropMaterial(keyArn: string): void {
    const prefix = keyArn + "|";
    this.materials.deleteWhere((k) => k.startsWith(prefix));
  }

  // ------------------------------------------------------------------ aliases

  private async aliasView(scope: Scope): Promise<AliasView> {
    const sk = `${scope.accountId}/${scope.region}`;
    const hit = this.aliases.get(sk);
    if (hit) return hit;
    const rows = await this.store.list<AliasRecord>(COLLECTIONS.aliases, { prefix: sk + "/" });
    const byName = new Map<string, AliasRecord>();
    const byKey = new Map<string, string[]>();
    for (const r of rows) {
      byName.set(r.value.aliasName, deepFreeze(r.value));
      const list = byKey.get(r.value.targetKeyId);
      if (list) list.push(r.value.aliasName);
      else byKey.set(r.value.targetKeyId, [r.value.aliasName]);
    }
    const view = { byName, byKey };
    this.aliases.set(sk, view);
    return view;
  }

  async aliasesOf(scope: Scope): Promise<ReadonlyMap<string, AliasRecord>> {
    return (await this.aliasView(scope)).byName;
  }

  async getAlias(scope: Scope, aliasName: string): Promise<AliasRecord | undefined> {
    return (await this.aliasView(scope)).byName.get(aliasName);
  }

  /** Alias names of a key (kms:ResourceAliases); the returned array must not be changed. */
  async aliasNamesForKey(scope: Scope, keyId: string): Promise<readonly string[]> {
    return (await this.aliasView(scope)).byKey.get(keyId) ?? [];
  }

  async putAlias(scope: Scope, rec: AliasRecord, tx?: DocStore): Promise<void> {
    await (tx ?? this.store).put(COLLECTIONS.aliases, `${scope.accountId}/${scope.region}/${rec.aliasName}`, rec);
    this.aliases.delete(`${scope.accountId}/${scope.region}`);
  }

  async insertAlias(scope: Scope, rec: AliasRecord): Promise<boolean> {
    const ok = await this.store.putIfAbsent(COLLECTIONS.aliases, `${scope.accountId}/${scope.region}/${rec.aliasName}`, rec);
    this.aliases.delete(`${scope.accountId}/${scope.region}`);
    return ok;
  }

  async deleteAlias(scope: Scope, aliasName: string, tx?: DocStore): Promise<boolean> {
    const ok = await (tx ?? this.store).delete(COLLECTIONS.aliases, `${scope.accountId}/${scope.region}/${aliasName}`);
    this.aliases.delete(`${scope.accountId}/${scope.region}`);
    return ok;
  }

  invalidateAliases(scope: Scope): void {
    this.aliases.delete(`${scope.accountId}/${scope.region}`);
  }

  // ------------------------------------------------------------------ grants

  async grantsOf(key: Pick<KeyRecord, "accountId" | "region" | "keyId">): Promise<readonly GrantRecord[]> {
    const base = keyDocKey(key.accountId, key.region, key.keyId);
    const hit = this.grants.get(base);
    if (hit) return hit;
    const rows = await this.store.list<GrantRecord>(COLLECTIONS.grants, { prefix: base + "/" });
    const list = deepFreeze(rows.map((r) => r.value));
    this.grants.set(base, list);
    return list;
  }

  async putGrant(key: Pick<KeyRecord, "accountId" | "region" | "keyId">, grant: GrantRecord): Promise<void> {
    const base = keyDocKey(key.accountId, key.region, key.keyId);
    await this.store.put(COLLECTIONS.grants, `${base}/${grant.grantId}`, grant);
    this.grants.delete(base);
  }

  async deleteGrant(key: Pick<KeyRecord, "accountId" | "region" | "keyId">, grantId: string): Promise<boolean> {
    const base = keyDocKey(key.accountId, key.region, key.keyId);
    const ok = await this.store.delete(COLLECTIONS.grants, `${base}/${grantId}`);
    this.grants.delete(base);
    return ok;
  }

  /** All grants in one account/Region (ListRetirableGrants). */
  async grantsInScope(scope: Scope): Promise<GrantRecord[]> {
    const rows = await this.store.list<GrantRecord>(COLLECTIONS.grants, { prefix: `${scope.accountId}/${scope.region}/` });
    return rows.map((r) => r.value);
  }
}
