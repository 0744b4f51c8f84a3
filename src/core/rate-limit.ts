/**
 * Request quotas of the form "N requests per second, per account, per Region" as token buckets:
 * each key's bucket holds at most `rate` tokens (at least one), refills at `rate` per second of
 * the service clock, and a request takes one. Buckets of keys not seen lately are dropped when
 * the map grows past its bound, so callers' keys cannot grow it without limit.
 */
import type { Clock } from "./clock.js";

interface Bucket {
  tokens: number;
  last: number;
}

const MAX_BUCKETS = 100_000;

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly capacity: number;

  /** `rate`: requests per second; 0 means no quota. */
  constructor(
    private readonly clock: Clock,
    private readonly rate: number,
  ) {
    this.capacity = Math.max(1, rate);
  }

  /** Takes one request from `key`'s bucket: false when it is empty (the request is over the quota). */
  take(key: string): boolean {
    if (this.rate <= 0) return true;
    const now = this.clock.now();
    let b = this.buckets.get(key);
    if (b === undefined) {
      if (this.buckets.size >= MAX_BUCKETS) this.dropFull(now);
      b = { tokens: this.capacity, last: now };
      this.buckets.set(key, b);
    } else if (now > b.last) {
      b.tokens = Math.min(this.capacity, b.tokens + ((now - b.last) * this.rate) / 1000);
      b.last = now;
    }
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

  /** Forgets buckets that have refilled (they would start full again anyway); all of them if none has. */
  private dropFull(now: number): void {
    const refillMs = (this.capacity * 1000) / this.rate;
    for (const [k, b] of this.buckets) if (now - b.last >= refillMs) this.buckets.delete(k);
    if (this.buckets.size >= MAX_BUCKETS) this.buckets.clear();
  }
}
