/**
 * In-process RateCounter: per key, counts in 10-second buckets; a request's count is the sum
 * of the buckets that overlap the window ending now (rolling window at 10 s granularity, the
 * same granularity at which AWS re-evaluates rates). Memory is bounded: idle keys are swept
 * and, past `maxKeys`, the least recently used keys are dropped.
 */
import type { RateCounter } from "../types.js";

export const BUCKET_MS = 10_000;

interface Entry {
  buckets: number[]; // bucket ids, ascending
  counts: number[];
  last: number;
}

export function createLocalRateCounter(opts: { maxKeys?: number } = {}): RateCounter & { size(): number } {
  const maxKeys = opts.maxKeys ?? 1_000_000;
  const map = new Map<string, Entry>();
  let lastSweep = 0;
  const sweep = (nowBucket: number): void => {
    for (const [k, e] of map) if (e.last < nowBucket - 60) map.delete(k);
    while (map.size >= maxKeys) map.delete(map.keys().next().value as string);
  };
  return {
    size: () => map.size,
    async add(key, windowSeconds, now) {
      const b = Math.floor(now / BUCKET_MS);
      const oldest = b - Math.ceil((windowSeconds * 1000) / BUCKET_MS) + 1;
      if (map.size >= maxKeys || b - lastSweep > 60) {
        sweep(b);
        lastSweep = b;
      }
      let e = map.get(key);
      if (!e) {
        e = { buckets: [], counts: [], last: b };
      } else map.delete(key); // re-insert below: Map order is recency order
      map.set(key, e);
      e.last = Math.max(e.last, b);
      const n = e.buckets.length;
      if (n > 0 && e.buckets[n - 1] === b) e.counts[n - 1] = (e.counts[n - 1] as number) + 1;
      else {
        // Requests may arrive slightly out of order across workers; keep ids ascending.
        let i = n;
        while (i > 0 && (e.buckets[i - 1] as number) > b) i--;
        if (i > 0 && e.buckets[i - 1] === b) e.counts[i - 1] = (e.counts[i - 1] as number) + 1;
        else {
          e.buckets.splice(i, 0, b);
          e.counts.splice(i, 0, 1);
        }
      }
      let drop = 0;
      while (drop < e.buckets.length && (e.buckets[drop] as number) < oldest - 60) drop++;
      if (drop) {
        e.buckets.splice(0, drop);
        e.counts.splice(0, drop);
      }
      let total = 0;
      for (let i = e.buckets.length - 1; i >= 0; i--) {
        const id = e.buckets[i] as number;
        if (id < oldest) break;
        if (id <= b) total += e.counts[i] as number;
      }
      return total;
    },
    async close() {
      map.clear();
    },
  };
}
