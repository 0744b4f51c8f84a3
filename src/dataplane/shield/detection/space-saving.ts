/**
 * Heavy hitters in bounded memory (the Space-Saving algorithm, Metwally et al. 2005): at most
 * `capacity` keys are counted; a new key arriving when the table is full replaces the key
 * with the smallest count and inherits that count. Every key whose true count exceeds
 * total / capacity is guaranteed to be in the table, and a reported count overestimates the
 * true one by at most the inherited amount — enough to name the top contributors of a flood.
 *
 * Keys are truncated to `maxKeyLength` characters so an attacker cannot grow memory with
 * long URLs or user agents.
 */

export interface Contributor {
  name: string;
  value: number;
}

export class SpaceSaving {
  private readonly counts = new Map<string, number>();
  private sum = 0;

  constructor(
    readonly capacity: number,
    private readonly maxKeyLength = 512,
  ) {}

  /** Every unit added, tracked or not. */
  get total(): number {
    return this.sum;
  }

  add(rawKey: string, n = 1): void {
    if (n <= 0) return;
    const key = rawKey.length > this.maxKeyLength ? rawKey.slice(0, this.maxKeyLength) : rawKey;
    this.sum += n;
    const c = this.counts.get(key);
    if (c !== undefined) {
      this.counts.set(key, c + n);
      return;
    }
    if (this.counts.size < this.capacity) {
      this.counts.set(key, n);
      return;
    }
    let minKey = "";
    let minCount = Number.POSITIVE_INFINITY;
    for (const [k, v] of this.counts) {
      if (v < minCount) {
        minCount = v;
        minKey = k;
      }
    }
    this.counts.delete(minKey);
    this.counts.set(key, minCount + n);
  }

  /** Adds every counter of `other` (merging per-second tables into an event's table). */
  merge(other: SpaceSaving): void {
    for (const [k, v] of other.counts) this.add(k, v);
    // add() counted the tracked part of other's total; the untracked remainder counts too.
    let tracked = 0;
    for (const v of other.counts.values()) tracked += v;
    this.sum += other.sum - tracked;
  }

  /** The largest count (0 when empty). */
  max(): number {
    let m = 0;
    for (const v of this.counts.values()) if (v > m) m = v;
    return m;
  }

  /** The k largest counters, largest first (ties by name, so output is stable). */
  top(k: number): Contributor[] {
    return [...this.counts]
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
      .slice(0, k)
      .map(([name, value]) => ({ name, value }));
  }

  clear(): void {
    this.counts.clear();
    this.sum = 0;
  }
}
