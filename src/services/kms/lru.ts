/**
 * A bounded cache with least-recently-used-like eviction ("second chance"): a hit only sets a
 * flag (no Map reordering on the hot path); eviction walks from the oldest entry, giving
 * flagged entries one more round at the young end and evicting the first unflagged one.
 */
interface Entry<V> {
  value: V;
  hit: boolean;
}

export class Lru<K, V> {
  private readonly map = new Map<K, Entry<V>>();
  constructor(private readonly max: number) {}

  get(key: K): V | undefined {
    const e = this.map.get(key);
    if (e === undefined) return undefined;
    e.hit = true;
    return e.value;
  }

  set(key: K, value: V): void {
    const e = this.map.get(key);
    if (e) {
      e.value = value;
      e.hit = true;
      return;
    }
    this.map.set(key, { value, hit: false });
    while (this.map.size > this.max) this.evictOne();
  }

  private evictOne(): void {
    for (const [k, e] of this.map) {
      this.map.delete(k);
      if (!e.hit) return;
      e.hit = false;
      this.map.set(k, e);
    }
  }

  delete(key: K): boolean {
    return this.map.delete(key);
  }

  /** Removes every entry whose key satisfies `pred`. */
  deleteWhere(pred: (key: K) => boolean): void {
    for (const k of [...this.map.keys()]) if (pred(k)) this.map.delete(k);
  }

  clear(): void {
    this.map.clear();
  }

  get size(): number {
    return this.map.size;
  }
}
