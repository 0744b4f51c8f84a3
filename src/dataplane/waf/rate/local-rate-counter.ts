/**
 * In-process RateCounter: per key, counts in 10-second buckets; a request's count is the sum
 * of the buckets that overlap the window ending now (rolling window at 10 s granularity, the
 * same granularity at which AWS re-evaluates rates). Memory is bounded: idle keys are swept
 * and, past `maxKeys`, the least recently used keys are dropped. Members flagged over their
 * limit are kept per rule instance, at most `maxFlagged` each (the most recent).
 */
import type { RateCounter } from "../types.js";

export const BUCKET_MS = 10_000;

interface Entry {
  buckets: number[]; // bucket ids, ascending
  counts: number[];
  last: number;
}

/** Members remembered per rule instance: twice the 10,000 addresses AWS reports at most. */
export const MAX_FLAGGED = 20_000;
/** The longest evaluation window (600 s): flags older than it matter to no rule. */
const MAX_WINDOW_MS = 600_000;

/** The count of `e` in the window from bucket `oldest` to bucket `b`. */
function windowTotal(e: Entry, oldest: number, b: number): number {
  let total = 0;
  for (let i = e.buckets.length - 1; i >= 0; i--) {
    const id = e.buckets[i] as number;
    if (id < oldest) break;
    if (id <= b) total += e.counts[i] as number;
  }
  return total;
}

/** The first bucket of the window of `windowSeconds` ending in bucket `b`. */
export function oldestBucket(b: number, windowSeconds: number): number {
  return b - Math.ceil((windowSeconds * 1000) / BUCKET_MS) + 1;
}

export function createLocalRateCounter(opts: { maxKeys?: number; maxFlagged?: number; maxFlaggedTotal?: number } = {}): RateCounter & { size(): number; flaggedSize(): number } {
  const maxKeys = opts.maxKeys ?? 1_000_000;
  const maxFlagged = opts.maxFlagged ?? MAX_FLAGGED;
  /** Members remembered over every rule instance: the oldest of the least recently flagged instance go first. */
  const maxFlaggedTotal = opts.maxFlaggedTotal ?? 1_000_000;
  let flaggedTotal = 0;
  const map = new Map<string, Entry>();
  /** instance → member → when last flagged (ms); each map in recency order. */
  const flags = new Map<string, Map<string, number>>();
  let lastFlagSweep = 0;
  let lastSweep = 0;
  const sweep = (nowBucket: number): void => {
    for (const [k, e] of map) if (e.last < nowBucket - 60) map.delete(k);
    while (map.size >= maxKeys) map.delete(map.keys().next().value as string);
  };
  const unflag = (m: Map<string, number>, member: string): void => {
    if (m.delete(member)) flaggedTotal--;
  };
  return {
    size: () => map.size,
    flaggedSize: () => flaggedTotal,
    async add(key, windowSeconds, now) {
      const b = Math.floor(now / BUCKET_MS);
      const oldest = oldestBucket(b, windowSeconds);
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
      return windowTotal(e, oldest, b);
    },
    async peek(key, windowSeconds, now) {
      const e = map.get(key);
      if (!e) return 0;
      const b = Math.floor(now / BUCKET_MS);
      return windowTotal(e, oldestBucket(b, windowSeconds), b);
    },
    flag(instance, member, _windowSeconds, now) {
      // Instances no longer evaluated (a rule or web ACL removed) are let go.
      if (now - lastFlagSweep > MAX_WINDOW_MS) {
        for (const [i, m] of flags) {
          for (const [k, at] of m) {
            if (now - at <= MAX_WINDOW_MS) break;
            unflag(m, k);
          }
          if (m.size === 0) flags.delete(i);
        }
        lastFlagSweep = now;
      }
      let m = flags.get(instance);
      if (m) flags.delete(instance); // re-inserted below: the instances' order is recency order
      else m = new Map();
      flags.set(instance, m);
      unflag(m, member);
      m.set(member, now);
      flaggedTotal++;
      if (m.size > maxFlagged) unflag(m, m.keys().next().value as string);
      while (flaggedTotal > maxFlaggedTotal) {
        const [oldest, om] = flags.entries().next().value as [string, Map<string, number>];
        unflag(om, om.keys().next().value as string);
        if (om.size === 0) flags.delete(oldest);
      }
    },
    async flagged(instance, windowSeconds, now) {
      const m = flags.get(instance);
      if (!m) return [];
      const since = now - windowSeconds * 1000;
      const out: string[] = [];
      for (const [member, at] of m) {
        if (at <= since) unflag(m, member);
        else out.push(member);
      }
      if (m.size === 0) flags.delete(instance);
      return out;
    },
    async close() {
      map.clear();
      flags.clear();
      flaggedTotal = 0;
    },
  };
}
