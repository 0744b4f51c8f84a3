/**
 * The KMS service's storage access, with the caches the hot path needs.
 *
 * What must stay true:
 *  - every write goes through this module, so its caches (key records, aliases per
 *    account/Region, grants per key, unsealed material) are updated or dropped on write;
 *  - key material reaches storage only sealed (aad binds key ARN + material id) and is
 *    unsealed only into the bounded in-memory LRU, which is dropped for a key whenever its
 *    material, state or existence changes;
 *  - cached records are frozen: callers copy (structuredClone) before changing anything;
 *  - a load that overlaps any invalidation is returned but not cached (the `invalidations`
 *    counter), so a read that started before a write can never be cached after it.
 */
import type { Scope } from "../../core/types.js";
import type { Sealer } from "../../crypto/seal-types.js";
import type { DeleteOptions, DocStore, Storage } from "../../storage/types.js";
import { parseKeyMaterial, serializeKeyMaterial, type KeyMaterial } from "./crypto/index.js";
import { Lru } from "./lru.js";
import { COLLECTIONS, keyDocKey, materialAad, retirableDocKey, retirablePrefix, type AliasRecord, type GrantRecord, type KeyRecord, type MaterialDoc } from "./model.js";

interface AliasView {
  byName: ReadonlyMap<string, AliasRecord>;
  byKey: ReadonlyMap<string, string[]>;
}

export interface RepoOptions {
  keyCacheSize?: number;
  /** Keys whose unsealed material versions are held in memory. */
  materialCacheSize?: number;
}

const NO_ALIASES: readonly string[] = Object.freeze([]);
/** Meta flag: kms-retirable holds every grant stored before it was introduced. */
const RETIRABLE_INDEX_META = "kms.retirable-index";

/**
 * Deletes of records that hold nothing confidential (a grant and its kms-retirable entry, an
 * alias: what they say is in every CloudTrail event about them) ask for no WAL scrub. Grants come
 * and go as fast as the services using a key attach and release it, and emptying the WAL holds up
 * every request in flight for tens of milliseconds under load (bench/README.md, "Deletes that
 * empty the WAL"). A key's material is still scrubbed when it is deleted.
 */
const NOTHING_CONFIDENTIAL: DeleteOptions = { scrub: false };

function deepFreeze<T>(o: T): T {
  if (o && typeof o === "object" && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o as Record<string, unknown>)) deepFreeze(v);
  }
  return o;
}

export class KmsRepo {
  private readonly keys: Lru<string, KeyRecord | null>;
  /** Unsealed material by key ARN, then material id (dropping a key's material is one delete). */
  private readonly materials: Lru<string, Map<string, KeyMaterial>>;
  private readonly aliases = new Lru<string, AliasView>(2000);
  private readonly grants = new Lru<string, readonly GrantRecord[]>(20_000);
  private invalidations = 0;
  private retirableIndex: Promise<void> | undefined;
  // The storage keys of the last key and scope looked up: consecutive requests for one key
  // find the cache entry with the same string (whose hash V8 keeps) instead of a new one.
  private lastKey = { accountId: "", region: "", keyId: "", docKey: "" };
  private lastScope = { accountId: "", region: "", scopeKey: "" };

  constructor(
    readonly store: Storage,
    private readonly sealer: Sealer,
    opts: RepoOptions = {},
  ) {
    this.keys = new Lru(opts.keyCacheSize ?? 20_000);
    this.materials = new Lru(opts.materialCacheSize ?? 10_000);
  }

  /** Drops a cache entry; loads in flight meanwhile will not cache what they read. */
  private forget<K>(cache: Lru<K, unknown>, key: K): void {
    this.invalidations++;
    cache.delete(key);
  }

  private docKeyOf(accountId: string, region: string, keyId: string): string {
    const l = this.lastKey;
    if (l.keyId === keyId && l.accountId === accountId && l.region === region) return l.docKey;
    const docKey = keyDocKey(accountId, region, keyId);
    this.lastKey = { accountId, region, keyId, docKey };
    return docKey;
  }

  private scopeKeyOf(accountId: string, region: string): string {
    const l = this.lastScope;
    if (l.accountId === accountId && l.region === region) return l.scopeKey;
    const scopeKey = `${accountId}/${region}`;
    this.lastScope = { accountId, region, scopeKey };
    return scopeKey;
  }

  // ------------------------------------------------------------------ keys

  /** getKey's answer when the record is cached, else undefined (absent keys included: ask getKey). */
  cachedKey(accountId: string, region: string, keyId: string): KeyRecord | undefined {
    return this.keys.get(this.docKeyOf(accountId, region, keyId)) ?? undefined;
  }

  async getKey(accountId: string, region: string, keyId: string): Promise<KeyRecord | undefined> {
    const k = this.docKeyOf(accountId, region, keyId);
    const hit = this.keys.get(k);
    if (hit !== undefined) return hit ?? undefined;
    const gen = this.invalidations;
    const rec = await this.store.get<KeyRecord>(COLLECTIONS.keys, k);
    if (rec) deepFreeze(rec);
    if (gen === this.invalidations) this.keys.set(k, rec ?? null);
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
    this.invalidations++;
    if (tx) this.forget(this.keys, k);
    else this.keys.set(k, deepFreeze(structuredClone(next)));
    return next;
  }

  /** Records which account owns a key id in a Region (written with the key record). */
  async indexKey(tx: DocStore, key: Pick<KeyRecord, "accountId" | "region" | "keyId">): Promise<void> {
    await tx.put(COLLECTIONS.keyIndex, `${key.keyId}/${key.region}`, { accountId: key.accountId });
  }

  /**
   * Customer managed keys of an account in a Region, counted on the records `tx` reads: every
   * key of the scope (pending deletion included, as AWS counts them) less the AWS managed ones,
   * each of which has exactly one alias under the reserved alias/aws/ prefix.
   */
  async customerKeyCount(tx: DocStore, accountId: string, region: string): Promise<number> {
    const sk = `${accountId}/${region}/`;
    return (await tx.count(COLLECTIONS.keys, sk)) - (await tx.count(COLLECTIONS.aliases, `${sk}alias/aws/`));
  }

  async ownerOf(keyId: string, region: string): Promise<string | undefined> {
    return (await this.store.get<{ accountId: string }>(COLLECTIONS.keyIndex, `${keyId}/${region}`))?.accountId;
  }

  invalidateKey(accountId: string, region: string, keyId: string): void {
    this.forget(this.keys, keyDocKey(accountId, region, keyId));
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
      this.forget(this.keys, k);
    }
  }

  async listKeys(scope: Scope, after: string | undefined, limit: number): Promise<KeyRecord[]> {
    const prefix = `${scope.accountId}/${scope.region}/`;
    const rows = await this.store.list<KeyRecord>(COLLECTIONS.keys, { prefix, limit, ...(after !== undefined ? { after: prefix + after } : {}) });
    return rows.map((r) => r.value);
  }

  /**
   * Deletes a key with its material, grants and usage record (end of the deletion window).
   * `admit` runs first in the same transaction, on the stored state: false deletes nothing
   * (the key was cancelled in the meantime), and what it writes commits with the deletion.
   */
  async deleteKeyCompletely(key: KeyRecord, admit: (tx: DocStore) => Promise<boolean> = async () => true): Promise<boolean> {
    const base = keyDocKey(key.accountId, key.region, key.keyId);
    const deleted = await this.store.transaction(async (tx) => {
      if (!(await admit(tx))) return false;
      for (const m of await tx.list(COLLECTIONS.material, { prefix: base + "/" })) await tx.delete(COLLECTIONS.material, m.key);
      for (const g of await tx.list<GrantRecord>(COLLECTIONS.grants, { prefix: base + "/" })) {
        await tx.delete(COLLECTIONS.grants, g.key);
        const r = retirableDocKey(key.region, g.value);
        if (r !== undefined) await tx.delete(COLLECTIONS.retirable, r);
      }
      await tx.delete(COLLECTIONS.usage, base);
      await tx.delete(COLLECTIONS.keyIndex, `${key.keyId}/${key.region}`);
      await tx.delete(COLLECTIONS.keys, base);
      return true;
    });
    this.forget(this.keys, base);
    this.forget(this.grants, base);
    this.dropMaterial(key.arn);
    return deleted;
  }

  /** Names of the aliases pointing at a key, read through `tx` (no cache). */
  async aliasNamesIn(tx: DocStore, scope: Scope, keyId: string): Promise<string[]> {
    const rows = await tx.list<AliasRecord>(COLLECTIONS.aliases, { prefix: `${scope.accountId}/${scope.region}/` });
    return rows.filter((r) => r.value.targetKeyId === keyId).map((r) => r.value.aliasName);
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
    this.forgetMaterial(key.arn, materialId);
  }

  async deleteMaterial(tx: DocStore, key: Pick<KeyRecord, "accountId" | "region" | "keyId" | "arn">, materialId: string): Promise<void> {
    await tx.delete(COLLECTIONS.material, `${keyDocKey(key.accountId, key.region, key.keyId)}/${materialId}`);
    this.forgetMaterial(key.arn, materialId);
  }

  private forgetMaterial(keyArn: string, materialId: string): void {
    this.invalidations++;
    this.materials.get(keyArn)?.delete(materialId);
  }

  /** The unsealed material of one version when the LRU holds it, else undefined (ask material()). */
  cachedMaterial(key: Pick<KeyRecord, "arn">, materialId: string): KeyMaterial | undefined {
    return this.materials.get(key.arn)?.get(materialId);
  }

  /** The unsealed material of one version, from the LRU or storage; undefined when absent. */
  async material(key: Pick<KeyRecord, "accountId" | "region" | "keyId" | "arn">, materialId: string): Promise<KeyMaterial | undefined> {
    const hit = this.cachedMaterial(key, materialId);
    if (hit) return hit;
    const gen = this.invalidations;
    const doc = await this.store.get<MaterialDoc>(COLLECTIONS.material, `${keyDocKey(key.accountId, key.region, key.keyId)}/${materialId}`);
    if (!doc) return undefined;
    const plain = this.sealer.unsealString(doc.sealed, materialAad(key.arn, materialId));
    try {
      const m = parseKeyMaterial(plain);
      if (gen === this.invalidations) {
        let versions = this.materials.get(key.arn);
        if (!versions) {
          versions = new Map();
          this.materials.set(key.arn, versions);
        }
        versions.set(materialId, m);
      }
      return m;
    } finally {
      plain.fill(0);
    }
  }

  /** Forgets every unsealed material version of a key (disable, delete, import changes). */
  dropMaterial(keyArn: string): void {
    this.forget(this.materials, keyArn);
  }

  // ------------------------------------------------------------------ aliases

  private async aliasView(scope: Scope): Promise<AliasView> {
    const sk = this.scopeKeyOf(scope.accountId, scope.region);
    const hit = this.aliases.get(sk);
    if (hit) return hit;
    const gen = this.invalidations;
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
    if (gen === this.invalidations) this.aliases.set(sk, view);
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
    return (await this.aliasView(scope)).byKey.get(keyId) ?? NO_ALIASES;
  }

  /** Like aliasNamesForKey, without waiting, when the account/Region's aliases are cached; else undefined. */
  cachedAliasNamesForKey(scope: Scope, keyId: string): readonly string[] | undefined {
    const view = this.aliases.get(this.scopeKeyOf(scope.accountId, scope.region));
    return view === undefined ? undefined : (view.byKey.get(keyId) ?? NO_ALIASES);
  }

  /**
   * Rewrites an existing alias; false (nothing written) when it no longer exists. When the new
   * record points at another key, `admit` is given the names of the aliases already pointing at
   * that key and may refuse by throwing, in the same transaction (as insertAlias).
   */
  async updateAlias(scope: Scope, aliasName: string, fn: (cur: AliasRecord) => AliasRecord, admit?: (namesForKey: string[]) => void): Promise<boolean> {
    const sk = `${scope.accountId}/${scope.region}`;
    const k = `${sk}/${aliasName}`;
    try {
      return await this.store.transaction(async (tx) => {
        const cur = await tx.get<AliasRecord>(COLLECTIONS.aliases, k);
        if (!cur) return false;
        const next = fn(cur);
        if (admit && next.targetKeyId !== cur.targetKeyId) {
          const rows = await tx.list<AliasRecord>(COLLECTIONS.aliases, { prefix: sk + "/" });
          admit(rows.filter((r) => r.value.targetKeyId === next.targetKeyId).map((r) => r.value.aliasName));
        }
        await tx.put(COLLECTIONS.aliases, k, next);
        return true;
      });
    } finally {
      this.forget(this.aliases, `${scope.accountId}/${scope.region}`);
    }
  }

  async putAlias(scope: Scope, rec: AliasRecord, tx?: DocStore): Promise<void> {
    await (tx ?? this.store).put(COLLECTIONS.aliases, `${scope.accountId}/${scope.region}/${rec.aliasName}`, rec);
    this.forget(this.aliases, `${scope.accountId}/${scope.region}`);
  }

  /**
   * Inserts an alias unless one of that name exists (false). `admit`, given the names of the
   * aliases that already point at the target key, may refuse by throwing: it runs in the insert's
   * transaction, so parallel inserts count each other.
   */
  /** insertAlias inside the caller's transaction (written with what the alias goes with). */
  async insertAliasIn(tx: DocStore, scope: Scope, rec: AliasRecord): Promise<boolean> {
    const sk = `${scope.accountId}/${scope.region}`;
    try {
      return await tx.putIfAbsent(COLLECTIONS.aliases, `${sk}/${rec.aliasName}`, rec);
    } finally {
      this.forget(this.aliases, sk);
    }
  }

  async insertAlias(scope: Scope, rec: AliasRecord, admit?: (namesForKey: string[]) => void): Promise<boolean> {
    const sk = `${scope.accountId}/${scope.region}`;
    try {
      if (!admit) return await this.store.putIfAbsent(COLLECTIONS.aliases, `${sk}/${rec.aliasName}`, rec);
      return await this.store.transaction(async (tx) => {
        const rows = await tx.list<AliasRecord>(COLLECTIONS.aliases, { prefix: sk + "/" });
        admit(rows.filter((r) => r.value.targetKeyId === rec.targetKeyId).map((r) => r.value.aliasName));
        return await tx.putIfAbsent(COLLECTIONS.aliases, `${sk}/${rec.aliasName}`, rec);
      });
    } finally {
      this.forget(this.aliases, sk);
    }
  }

  async deleteAlias(scope: Scope, aliasName: string, tx?: DocStore): Promise<boolean> {
    const ok = await (tx ?? this.store).delete(COLLECTIONS.aliases, `${scope.accountId}/${scope.region}/${aliasName}`, NOTHING_CONFIDENTIAL);
    this.forget(this.aliases, `${scope.accountId}/${scope.region}`);
    return ok;
  }

  invalidateAliases(scope: Scope): void {
    this.forget(this.aliases, `${scope.accountId}/${scope.region}`);
  }

  // ------------------------------------------------------------------ grants

  async grantsOf(key: Pick<KeyRecord, "accountId" | "region" | "keyId">): Promise<readonly GrantRecord[]> {
    const base = keyDocKey(key.accountId, key.region, key.keyId);
    const hit = this.grants.get(base);
    if (hit) return hit;
    const gen = this.invalidations;
    const rows = await this.store.list<GrantRecord>(COLLECTIONS.grants, { prefix: base + "/" });
    const list = deepFreeze(rows.map((r) => r.value));
    if (gen === this.invalidations) this.grants.set(base, list);
    return list;
  }

  /**
   * Adds a grant unless `decide`, given the key's grants as stored, returns an existing grant id
   * (or throws): the check and the write are one transaction, so parallel calls see each other.
   */
  async addGrant(key: Pick<KeyRecord, "accountId" | "region" | "keyId">, decide: (grants: readonly GrantRecord[]) => GrantRecord | string): Promise<string> {
    const base = keyDocKey(key.accountId, key.region, key.keyId);
    try {
      return await this.store.transaction(async (tx) => {
        const rows = await tx.list<GrantRecord>(COLLECTIONS.grants, { prefix: base + "/" });
        const out = decide(rows.map((r) => r.value));
        if (typeof out === "string") return out;
        await tx.put(COLLECTIONS.grants, `${base}/${out.grantId}`, out);
        const r = retirableDocKey(key.region, out);
        if (r !== undefined) await tx.put(COLLECTIONS.retirable, r, out);
        return out.grantId;
      });
    } finally {
      this.forget(this.grants, base);
    }
  }

  /** Deletes a grant with its kms-retirable entry; false when it was already gone. */
  async deleteGrant(key: Pick<KeyRecord, "accountId" | "region" | "keyId">, grant: GrantRecord): Promise<boolean> {
    const base = keyDocKey(key.accountId, key.region, key.keyId);
    try {
      return await this.store.transaction(async (tx) => {
        if (!(await tx.delete(COLLECTIONS.grants, `${base}/${grant.grantId}`, NOTHING_CONFIDENTIAL))) return false;
        const r = retirableDocKey(key.region, grant);
        if (r !== undefined) await tx.delete(COLLECTIONS.retirable, r, NOTHING_CONFIDENTIAL);
        return true;
      });
    } finally {
      this.forget(this.grants, base);
    }
  }

  /** All grants in one account/Region. */
  async grantsInScope(scope: Scope): Promise<GrantRecord[]> {
    const rows = await this.store.list<GrantRecord>(COLLECTIONS.grants, { prefix: `${scope.accountId}/${scope.region}/` });
    return rows.map((r) => r.value);
  }

  /**
   * One page of the grants a principal is the retiring principal of, on keys in `region` of any
   * account, ordered by retirablePosition, strictly after `after`: `limit` + 1 are read, so the
   * caller knows whether more follow. Reads only the principal's range of kms-retirable.
   */
  async retirableGrants(account: string, region: string, principal: string, after: string | undefined, limit: number): Promise<GrantRecord[]> {
    await this.ensureRetirableIndex();
    const prefix = retirablePrefix(account, region, principal);
    const rows = await this.store.list<GrantRecord>(COLLECTIONS.retirable, { prefix, limit: limit + 1, ...(after !== undefined ? { after: prefix + after } : {}) });
    return rows.map((r) => r.value);
  }

  /**
   * Fills kms-retirable once from the grants stored before it existed (a data directory from an
   * earlier version), in one transaction: every later grant write keeps it current in its own.
   */
  private ensureRetirableIndex(): Promise<void> {
    this.retirableIndex ??= (async () => {
      if ((await this.store.getMeta(RETIRABLE_INDEX_META)) !== undefined) return;
      await this.store.transaction(async (tx) => {
        for (const row of await tx.list<GrantRecord>(COLLECTIONS.grants)) {
          const region = row.key.split("/")[1];
          const r = region === undefined ? undefined : retirableDocKey(region, row.value);
          if (r !== undefined) await tx.put(COLLECTIONS.retirable, r, row.value);
        }
      });
      await this.store.setMeta(RETIRABLE_INDEX_META, "1");
    })().catch((e: unknown) => {
      this.retirableIndex = undefined;
      throw e;
    });
    return this.retirableIndex;
  }
}
