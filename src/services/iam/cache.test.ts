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

  test("nothing is cached for a missing value", async () => {
    const cache = new EpochCache<number>(2, 1000, new ManualClock(0), new AccountEpochs());
    assert.equal(await cache.load("k", async () => undefined), undefined);
    assert.equal(cache.size, 0);
  });
});
