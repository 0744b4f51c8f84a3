/**
 * In-memory cache of organization memberships (an account, its organization and the
 * management account's email), the answer most Organizations reads start from.
 *
 * Invalidation: every write that can change a membership — any write of the account
 * registry (create, update, remove: joining, leaving, moving, renaming, email change) and any
 * write of an organization record (create, delete, and any later change such as enabling a
 * policy type) — bumps one `ChangeCounter` once it has settled. The cache drops everything
 * when the counter has moved, and a load that overlapped a write is returned but not kept, so
 * a read that started before a commit is never cached after it. Writes are rare next to
 * reads, so one counter for all of them keeps invalidation obviously complete.
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

interface Entry {
  value: CachedMembership;
  expiresAt: number;
}

export interface MembershipCacheOptions {
  /** Entries kept at most (default 10 000). */
  max?: number;
  /** Lifetime of an entry, ms (default 30 s): the bound on missing another process's write. */
  ttlMs?: number;
}

export class MembershipCache {
  private readonly map = new Map<string, Entry>();
  private seen: number;
  private readonly max: number;
  private readonly ttlMs: number;

  constructor(
    private readonly changes: ChangeCounter,
    private readonly clock: Clock,
    opts: MembershipCacheOptions = {},
  ) {
    this.seen = changes.value;
    this.max = Math.max(1, opts.max ?? 10_000);
    this.ttlMs = opts.ttlMs ?? 30_000;
  }

  /** The cached membership of `accountId`, or what `load` finds (kept only if it is a membership and no write overlapped). */
  async get(accountId: string, load: () => Promise<CachedMembership | undefined>): Promise<CachedMembership | undefined> {
    this.sync();
    const hit = this.map.get(accountId);
    if (hit !== undefined) {
      if (this.clock.now() < hit.expiresAt) return hit.value;
      this.map.delete(accountId);
    }
    const before = this.changes.value;
    const loaded = await load();
    if (loaded === undefined) return undefined;
    const value = freeze(loaded);
    this.sync();
    if (this.changes.value === before) this.put(accountId, value);
    return value;
  }

  get size(): number {
    this.sync();
    return this.map.size;
  }

  private sync(): void {
    if (this.seen !== this.changes.value) {
      this.map.clear();
      this.seen = this.changes.value;
    }
  }

  private put(accountId: string, value: CachedMembership): void {
    if (!this.map.has(accountId) && this.map.size >= this.max) {
      // Oldest insertion first: the TTL bounds staleness, this bounds memory.
      const oldest = this.map.keys().next();
      if (!oldest.done) this.map.delete(oldest.value);
    }
    this.map.set(accountId, { value, expiresAt: this.clock.now() + this.ttlMs });
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
