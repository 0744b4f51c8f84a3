import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ManualClock } from "../../core/clock.js";
import { ChangeCounter, ChangeTrackedCache, MembershipCache, MISS, type CachedMembership } from "./membership-cache.js";

function membership(accountId: string, email = "m@example.com"): CachedMembership {
  return {
    account: { id: accountId, name: "A", email: "a@example.com", status: "ACTIVE", createdAt: 0, organizationId: "o-aaaaaaaaaa", tags: [{ Key: "k", Value: "v" }] },
    org: { id: "o-aaaaaaaaaa", featureSet: "ALL", managementAccountId: "111122223333", rootId: "r-abcd", createdAt: 0 },
    managementEmail: email,
  };
}

function counting(value: () => CachedMembership | undefined): { load: () => Promise<CachedMembership | undefined>; calls: () => number } {
  let n = 0;
  return {
    load: async () => {
      n++;
      return value();
    },
    calls: () => n,
  };
}

describe("MembershipCache", () => {
  test("keeps a loaded membership until a change is counted", async () => {
    const changes = new ChangeCounter();
    const cache = new MembershipCache(changes, new ManualClock(0));
    let email = "first@example.com";
    const l = counting(() => membership("111122223333", email));
    assert.equal((await cache.get("111122223333", l.load))?.managementEmail, "first@example.com");
    assert.equal((await cache.get("111122223333", l.load))?.managementEmail, "first@example.com");
    assert.equal(l.calls(), 1);
    email = "second@example.com";
    changes.bump();
    assert.equal((await cache.get("111122223333", l.load))?.managementEmail, "second@example.com");
    assert.equal(l.calls(), 2);
  });

  test("never keeps an absence: a membership that appears is seen at once", async () => {
    const cache = new MembershipCache(new ChangeCounter(), new ManualClock(0));
    let present = false;
    const l = counting(() => (present ? membership("111122223333") : undefined));
    assert.equal(await cache.get("111122223333", l.load), undefined);
    present = true; // written by another process: nothing in this one was told
    assert.ok(await cache.get("111122223333", l.load));
    assert.equal(l.calls(), 2);
    assert.equal(cache.size, 1);
  });

  test("a load that overlaps a write is returned but not kept", async () => {
    const changes = new ChangeCounter();
    const cache = new MembershipCache(changes, new ManualClock(0));
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const slow = cache.get("111122223333", async () => {
      await gate;
      return membership("111122223333", "old@example.com");
    });
    changes.bump(); // a write settles while the load is reading
    release();
    assert.equal((await slow)?.managementEmail, "old@example.com");
    assert.equal(cache.size, 0);
    const l = counting(() => membership("111122223333", "new@example.com"));
    assert.equal((await cache.get("111122223333", l.load))?.managementEmail, "new@example.com");
    assert.equal(l.calls(), 1);
  });

  test("entries expire after the TTL (the bound on another process's writes)", async () => {
    const clock = new ManualClock(0);
    const cache = new MembershipCache(new ChangeCounter(), clock, { ttlMs: 1000 });
    let email = "a@example.com";
    const l = counting(() => membership("111122223333", email));
    await cache.get("111122223333", l.load);
    email = "b@example.com";
    clock.advance(999);
    assert.equal((await cache.get("111122223333", l.load))?.managementEmail, "a@example.com");
    clock.advance(1);
    assert.equal((await cache.get("111122223333", l.load))?.managementEmail, "b@example.com");
    assert.equal(l.calls(), 2);
  });

  test("is bounded, and what it hands out cannot be altered", async () => {
    const cache = new MembershipCache(new ChangeCounter(), new ManualClock(0), { max: 2 });
    for (const id of ["100000000001", "100000000002", "100000000003"]) await cache.get(id, async () => membership(id));
    assert.equal(cache.size, 2);
    const l = counting(() => membership("100000000001"));
    const m = await cache.get("100000000001", l.load);
    assert.equal(l.calls(), 1, "the oldest entry was evicted");
    assert.ok(m);
    assert.throws(() => {
      (m.account as { email: string }).email = "x@example.com";
    }, TypeError);
    assert.throws(() => {
      (m.org as { featureSet: string }).featureSet = "CONSOLIDATED_BILLING";
    }, TypeError);
    assert.throws(() => {
      (m.account.tags as Array<{ Key: string; Value: string }>).push({ Key: "x", Value: "y" });
    }, TypeError);
  });
});

describe("ChangeTrackedCache", () => {
  test("keepAbsent keeps an absence; peek answers from memory only", async () => {
    const changes = new ChangeCounter();
    const cache = new ChangeTrackedCache<string>(changes, new ManualClock(0), { keepAbsent: true });
    assert.equal(cache.peek("a"), MISS);
    let calls = 0;
    const load = async () => (calls++, undefined);
    assert.equal(await cache.get("a", load), undefined);
    assert.equal(cache.peek("a"), undefined);
    assert.equal(await cache.get("a", load), undefined);
    assert.equal(calls, 1);
    changes.bump();
    assert.equal(cache.peek("a"), MISS);
  });

  test("loads of one key share one promise, but not across a write", async () => {
    const changes = new ChangeCounter();
    const cache = new ChangeTrackedCache<string>(changes, new ManualClock(0));
    const releases: Array<() => void> = [];
    let n = 0;
    const load = () => new Promise<string>((r) => releases.push(() => r(`v${++n}`)));
    const first = cache.get("a", load);
    const joined = cache.get("a", load);
    changes.bump(); // a later request must not join a load that began before the write
    const after = cache.get("a", load);
    assert.equal(releases.length, 2);
    for (const r of releases) r();
    assert.deepEqual(await Promise.all([first, joined, after]), ["v1", "v1", "v2"]);
    assert.equal(cache.peek("a"), "v2", "only the load that began after the write is kept");
  });
});
