import { test } from "node:test";
import assert from "node:assert/strict";
import { RateLimiter } from "./rate-limit.js";

function clockAt(t: number): { now(): number; set(v: number): void } {
  return {
    now: () => t,
    set: (v) => {
      t = v;
    },
  };
}

test("two per second: a burst of two, then one more every 500 ms; keys are independent", () => {
  const c = clockAt(1_000_000);
  const r = new RateLimiter(c, 2);
  assert.deepEqual([r.take("a"), r.take("a"), r.take("a")], [true, true, false]);
  assert.equal(r.take("b"), true);
  c.set(1_000_499);
  assert.equal(r.take("a"), false);
  c.set(1_000_500);
  assert.deepEqual([r.take("a"), r.take("a")], [true, false]);
  // Idle for a long time: the bucket holds no more than its capacity.
  c.set(1_060_000);
  assert.deepEqual([r.take("a"), r.take("a"), r.take("a")], [true, true, false]);
});

test("a rate below one still allows one request, then one per 1/rate seconds; 0 is no quota", () => {
  const c = clockAt(0);
  const half = new RateLimiter(c, 0.5);
  assert.deepEqual([half.take("k"), half.take("k")], [true, false]);
  c.set(1_999);
  assert.equal(half.take("k"), false);
  c.set(2_000);
  assert.equal(half.take("k"), true);
  const off = new RateLimiter(c, 0);
  assert.ok(Array.from({ length: 1000 }, () => off.take("k")).every(Boolean));
});

test("the clock going back does not refill a bucket", () => {
  const c = clockAt(10_000);
  const r = new RateLimiter(c, 2);
  r.take("a");
  r.take("a");
  c.set(5_000);
  assert.equal(r.take("a"), false);
});
