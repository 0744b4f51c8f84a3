/**
 * In-memory cache of organization memberships (an account, its organization and the
 * management account's email), the answer most Organizations reads start from.
 *
 * Invalidation: every write that can change a membership — any write of the account
 * registry (create, update, remove: joining, leaving, moving, renaming, email change) and any
 * write of an organization record (create, delete, and any later change such as enabling a
 * policy type), OU, policy or policy attachment — bumps one `ChangeCounter` once it has settled. The cache drops everything
 * when the counter has moved, and a load that overlapped a write is returned but not kept, so
 * a read that started before a commit is never cached after it. Writes are rare next to
 * reads, so one counter for all of them keeps invalidation obviously complete.
 *
 * The same mechanism (ChangeTrackedCache) keeps the service control policies that apply to each
 * account (scp-cache.ts), whose writes all bump the same counter.
 *
 * Only memberships are cached, never their absence: the operator CLI (another process on the
 * same database) creates organizations and accounts, and an account that was not a member a
 * moment ago must be seen as one at once. Entries also expire after a short TTL, which bounds
 * how long a change made by another process (e.g. a deletion) can go unseen.
 */
import type { Clock } from "../../core/clock.js";
import type { AccountRecord } from "./accounts.js";
import type { OrganizationRecord } from "./model.js";

/** Counts settled writes that can change memberships (in this process). */
export class ChangeCounter {
  private n = 0;

  get value(): number {
    return this.n;
  }

  bump(): void {
    this.n++;
  }
}

/** A member account, its organization and the management account's email (frozen: shared between requests). */
export interface CachedMembership {
  readonly account: Readonly<AccountRecord>;
  readonly org: Readonly<OrganizationRecord>;
  readonly managementEmail: string;
}

interface Entry<V> {
  value: V | undefined;
  expiresAt: number;
}

export interface MembershipCacheOptions {
  /** Entries kept at most (default 10 000). */
  max?: number;
  /** Lifetime of an entry, ms (default 30 s): the bound on missing another process's write. */
  ttlMs?: number;
}

/** What {@link ChangeTrackedCache.peek} answers when it holds nothing for a key. */
export const MISS: unique symbol = Symbol("miss");

/**
 * Values per key, dropped when the ChangeCounter moves or after a TTL. A load that overlapped a
 * write is returned but not kept; loads of one key at one counter value are shared. An absent
 * value (undefined) is kept only with `keepAbsent`.
 */
export class ChangeTrackedCache<V> {
  private readonly map = new Map<string, Entry<V>>();
  private readonly loading = new Map<string, { seen: number; promise: Promise<V | undefined> }>();
  private seen: number;
  private readonly max: number;
  private readonly ttlMs: number;
  private readonly keepAbsent: boolean;
  private readonly freeze: (v: V) => V;

  constructor(
    private readonly changes: ChangeCounter,
    private readonly clock: Clock,
    opts: MembershipCacheOptions & { keepAbsent?: boolean; freeze?: (v: V) => V } = {},
  ) {
    this.seen = changes.value;
    this.max = Math.max(1, opts.max ?? 10_000);
    this.ttlMs = opts.ttlMs ?? 30_000;
    this.keepAbsent = opts.keepAbsent === true;
    this.freeze = opts.freeze ?? ((v) => v);
  }

  /**
   * The value held for `key` (undefined when an absence is held), or MISS; never loads. `now`
   * saves a clock read when the caller has the time already (the request path does).
   */
  peek(key: string, now = this.clock.now()): V | undefined | typeof MISS {
    this.sync();
    const hit = this.map.get(key);
    if (hit === undefined) return MISS;
    if (now < hit.expiresAt) return hit.value;
    this.map.delete(key);
    return MISS;
  }

  /** The value held for `key`, or what `load` finds (kept only if no write overlapped the load). */
  async get(key: string, load: () => Promise<V | undefined>): Promise<V | undefined> {
    const held = this.peek(key);
    if (held !== MISS) return held;
    const pending = this.loading.get(key);
    if (pending !== undefined && pending.seen === this.changes.value) return pending.promise;
    const before = this.changes.value;
    const promise = this.load(key, before, load);
    this.loading.set(key, { seen: before, promise });
    try {
      return await promise;
    } finally {
      if (this.loading.get(key)?.promise === promise) this.loading.delete(key);
    }
  }

  get size(): number {
    this.sync();
    return this.map.size;
  }

  private async load(key: string, before: number, load: () => Promise<V | undefined>): Promise<V | undefined> {
    const loaded = await load();
    const value = loaded === undefined ? undefined : this.freeze(loaded);
    this.sync();
    if (this.changes.value === before && (value !== undefined || this.keepAbsent)) this.put(key, value);
    return value;
  }

  private sync(): void {
    if (this.seen !== this.changes.value) {
      this.map.clear();
      this.seen = this.changes.value;
    }
  }

  private put(key: string, value: V | undefined): void {
    if (!this.map.has(key) && this.map.size >= this.max) {
      // Oldest insertion first: the TTL bounds staleness, this bounds memory.
      const oldest = this.map.keys().next();
      if (!oldest.done) this.map.delete(oldest.value);
    }
    this.map.set(key, { value, expiresAt: this.clock.now() + this.ttlMs });
  }
}

/** Memberships by account id; absences are never kept (see the file comment). */
export class MembershipCache extends ChangeTrackedCache<CachedMembership> {
  constructor(changes: ChangeCounter, clock: Clock, opts: MembershipCacheOptions = {}) {
    super(changes, clock, { ...opts, freeze });
  }
}

function freeze(m: CachedMembership): CachedMembership {
  if (m.account.tags) {
    for (const t of m.account.tags) Object.freeze(t);
    Object.freeze(m.account.tags);
  }
  Object.freeze(m.account);
  Object.freeze(m.org);
  return Object.freeze(m);
}
