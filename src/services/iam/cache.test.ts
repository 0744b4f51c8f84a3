import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ManualClock } from "../../core/clock.js";
import { AccountEpochs, EpochCache } from "./cache.js";

describe("EpochCache", () => {
  test("hits until the account's epoch moves; other accounts are unaffected", async () => {
    const epochs = new AccountEpochs();
    const cache = new EpochCache<string>(10, 1000, new ManualClock(0), epochs);
    let loads = 0;
    const load = (acct: string) => cache.load(acct, async () => ({ value: `v${++loads}`, accountId: acct }));
    assert.equal(await load("a"), "v1");
    assert.equal(await load("b"), "v2");
    assert.equal(await load("a"), "v1");
    epochs.bump("a");
    assert.equal(await load("a"), "v3");
    assert.equal(await load("b"), "v2");
  });

  test("a load overlapping a write is returned but not cached", async () => {
    const epochs = new AccountEpochs();
    const cache = new EpochCache<string>(10, 1000, new ManualClock(0), epochs);
    const first = await cache.load("k", async () => {
      epochs.bump("a"); // a write commits while the old data is being read
      return { value: "stale", accountId: "a" };
    });
    assert.equal(first, "stale");
    assert.equal(cache.get("k"), undefined);
    assert.equal(cache.size, 0);
  });

  test("entries expire after the TTL and the cache stays bounded", async () => {
    const clock = new ManualClock(0);
    const cache = new EpochCache<number>(2, 1000, clock, new AccountEpochs());
    for (const k of ["x", "y", "z"]) await cache.load(k, async () => ({ value: 1, accountId: "a" }));
    assert.equal(cache.size, 2);
    assert.equal(cache.get("x"), undefined, "oldest evicted");
    assert.equal(cache.get("z"), 1);
    clock.advance(1000);
    assert.equal(cache.get("z"), undefined);
  });

  test("expired entries are dropped when another is added, not only when the cache is full", async () => {
    const clock = new ManualClock(0);
    const cache = new EpochCache<number>(10_000, 1000, clock, new AccountEpochs());
    for (let i = 0; i < 500; i++) {
      await cache.load(`k${i}`, async () => ({ value: i, accountId: "a" }));
      clock.advance(10);
    }
    // Inserted at 0..4990 ms, each living 1000 ms: the last insertion (4990 ms) dropped k0..k399.
    assert.equal(cache.size, 100);
    assert.equal(cache.get("k399"), undefined);
    // Now 5000 ms: k400 (inserted at 4000) has just expired, k401 has not.
    assert.equal(cache.get("k400"), undefined);
    assert.equal(cache.get("k401"), 401);
    clock.advance(1000);
    await cache.load("fresh", async () => ({ value: 1, accountId: "a" }));
    assert.equal(cache.size, 1);
    assert.equal(cache.get("fresh"), 1);
  });

  test("a reloaded entry moves to the young end and outlives older ones", async () => {
    const clock = new ManualClock(0);
    const epochs = new AccountEpochs();
    const cache = new EpochCache<string>(10, 1000, clock, epochs);
    await cache.load("a", async () => ({ value: "a1", accountId: "acct" }));
    clock.advance(100);
    await cache.load("b", async () => ({ value: "b1", accountId: "other" }));
    clock.advance(400);
    epochs.bump("acct"); // "a" is stale and reloaded at 500 ms
    assert.equal(await cache.load("a", async () => ({ value: "a2", accountId: "acct" })), "a2");
    clock.advance(600); // 1100 ms: "b" (loaded at 100) has expired, "a" (500) has not
    await cache.load("c", async () => ({ value: "c1", accountId: "other" }));
    assert.equal(cache.size, 2);
    assert.equal(cache.get("a"), "a2");
    assert.equal(cache.get("b"), undefined);
  });

  test("nothing is cached for a missing value", async () => {
    const cache = new EpochCache<number>(2, 1000, new ManualClock(0), new AccountEpochs());
    assert.equal(await cache.load("k", async () => undefined), undefined);
    assert.equal(cache.size, 0);
  });
});
