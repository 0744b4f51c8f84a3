/**
 * Bounded caches for the identity directory, invalidated per account.
 *
 * Every IAM write bumps its account's epoch once committed; an entry remembers the epoch
 * of its account when it was loaded and is stale as soon as that epoch moves (O(1), no
 * scanning). A load that overlaps any write is returned but not kept, so a read that
 * started before a commit can never be cached after it. Entries also expire after a short
 * TTL, the belt for writes made by another process sharing the database.
 */
import type { Clock } from "../../core/clock.js";

export class AccountEpochs {
  private writes = 0;
  private readonly byAccount = new Map<string, number>();

  bump(accountId: string): void {
    this.writes++;
    this.byAccount.set(accountId, (this.byAccount.get(accountId) ?? 0) + 1);
  }

  of(accountId: string): number {
    return this.byAccount.get(accountId) ?? 0;
  }

  /** Total number of invalidations so far (any account). */
  get total(): number {
    return this.writes;
  }
}

interface Entry<V> {
  value: V;
  accountId: string;
  epoch: number;
  expiresAt: number;
}

export class EpochCache<V> {
  private readonly map = new Map<string, Entry<V>>();

  constructor(
    private readonly max: number,
    private readonly ttlMs: number,
    private readonly clock: Clock,
    private readonly epochs: AccountEpochs,
  ) {}

  get(key: string): V | undefined {
    const e = this.map.get(key);
    if (!e) return undefined;
    if (e.epoch !== this.epochs.of(e.accountId) || this.clock.now() >= e.expiresAt) {
      this.map.delete(key);
      return undefined;
    }
    return e.value;
  }

  /** Returns the cached value or loads it; `loader` names the account the value belongs to. */
  async load(key: string, loader: () => Promise<{ value: V; accountId: string } | undefined>): Promise<V | undefined> {
    const hit = this.get(key);
    if (hit !== undefined) return hit;
    const before = this.epochs.total;
    const loaded = await loader();
    if (!loaded) return undefined;
    if (this.epochs.total === before) this.set(key, loaded.value, loaded.accountId);
    return loaded.value;
  }

  get size(): number {
    return this.map.size;
  }

  clear(): void {
    this.map.clear();
  }

  private set(key: string, value: V, accountId: string): void {
    const now = this.clock.now();
    // Re-inserted at the young end, so the map's order is the order of expiry (one TTL for all).
    this.map.delete(key);
    // Expired entries go as soon as another is added, not when `max` pushes them out: an entry
    // nobody asks for again (a session's credential, a deleted user) would otherwise hold its
    // principal and everything hanging from it until `max` newer ones had arrived. Amortised
    // O(1): each entry is dropped once, and the walk stops at the first live one.
    for (const [k, e] of this.map) {
      if (now < e.expiresAt) break;
      this.map.delete(k);
    }
    if (this.map.size >= this.max) {
      // Oldest insertion first: the TTL bounds staleness, this bounds memory.
      const oldest = this.map.keys().next();
      if (!oldest.done) this.map.delete(oldest.value);
    }
    this.map.set(key, { value, accountId, epoch: this.epochs.of(accountId), expiresAt: now + this.ttlMs });
  }
}
