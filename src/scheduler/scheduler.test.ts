import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ManualClock } from "../core/clock.js";
import { openSqliteStorage } from "../storage/sqlite/sqlite-storage.js";
import { JOBS_COLLECTION, createScheduler, jobKey } from "./scheduler.js";
import { registerPeriodic, registerStsSessionSweep, STS_SESSION_SWEEP, sweepExpiredStsSessions } from "./periodic.js";
import type { DeleteOptions, DocStore, Storage } from "../storage/types.js";

/** The storage itself, with its transaction() and delete() replaced by `hooks`. */
function watched(inner: Storage, hooks: Pick<Storage, "transaction" | "delete">): Storage {
  return new Proxy(inner, {
    get(target, prop) {
      if (prop === "transaction") return hooks.transaction;
      if (prop === "delete") return hooks.delete;
      const v: unknown = Reflect.get(target, prop, target);
      return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

describe("durable scheduler", () => {
  test("jobs run when due, in due order, and are removed after success", async () => {
    const store = openSqliteStorage({ path: ":memory:" });
    const clock = new ManualClock(1_000_000);
    const s = createScheduler({ store, clock });
    const ran: string[] = [];
    s.register<{ n: string }>("t", async (p) => {
      ran.push(p.n);
    });
    await s.schedule("t", 1_000_500, { n: "b" });
    await s.schedule("t", 1_000_100, { n: "a" });
    await s.schedule("t", 2_000_000, { n: "c" });
    assert.equal(await s.runDue(), 0);
    clock.advance(600);
    assert.equal(await s.runDue(), 2);
    assert.deepEqual(ran, ["a", "b"]);
    assert.equal(await store.count(JOBS_COLLECTION), 1);
    await store.close();
  });

  test("schedule with an id replaces; cancel removes; keys sort by due time", async () => {
    const store = openSqliteStorage({ path: ":memory:" });
    const clock = new ManualClock(0);
    const s = createScheduler({ store, clock });
    let runs = 0;
    s.register("x", async () => {
      runs++;
    });
    await s.schedule("x", 100, {}, "job-1");
    await s.schedule("x", 5000, {}, "job-1");
    assert.equal((await s.get("job-1"))?.dueAt, 5000);
    clock.set(200);
    await s.runDue();
    assert.equal(runs, 0);
    assert.equal(await s.cancel("job-1"), true);
    assert.equal(await s.cancel("job-1"), false);
    clock.set(6000);
    await s.runDue();
    assert.equal(runs, 0);
    assert.ok(jobKey(9, "a") < jobKey(10, "a"));
    await store.close();
  });

  test("a failing handler is retried later (at least once); jobs survive a restart", async () => {
    const store = openSqliteStorage({ path: ":memory:" });
    const clock = new ManualClock(0);
    const s1 = createScheduler({ store, clock });
    let attempts = 0;
    s1.register("flaky", async () => {
      attempts++;
      throw new Error("boom");
    });
    await s1.schedule("flaky", 10, { v: 1 }, "f");
    clock.set(20);
    assert.equal(await s1.runDue(), 0);
    assert.equal(attempts, 1);
    const retry = await s1.get("f");
    assert.equal(retry?.attempts, 1);
    assert.equal(retry?.dueAt, 20 + 1000);
    // A new scheduler on the same storage (a restart) finds the job and runs it.
    const s2 = createScheduler({ store, clock });
    const got: unknown[] = [];
    s2.register("flaky", async (p) => {
      got.push(p);
    });
    clock.set(2000);
    assert.equal(await s2.runDue(), 1);
    assert.deepEqual(got, [{ v: 1 }]);
    assert.equal(await s2.get("f"), undefined);
    await store.close();
  });

  test("start() polls with the injected clock", async () => {
    const store = openSqliteStorage({ path: ":memory:" });
    const clock = new ManualClock(0);
    const s = createScheduler({ store, clock, pollMs: 5 });
    let done!: () => void;
    const ran = new Promise<void>((r) => (done = r));
    s.register("p", async () => done());
    await s.schedule("p", 50, {});
    s.start();
    clock.set(100);
    // The poll timer is unref'd (it must never keep a server alive): hold the loop open meanwhile.
    const keepAlive = setInterval(() => undefined, 1000);
    try {
      await ran;
    } finally {
      clearInterval(keepAlive);
    }
    await s.stop();
    assert.equal(await store.count(JOBS_COLLECTION), 0);
    await store.close();
  });

  test("its own deletes (a job moved, run, replaced or cancelled) ask the storage for no scrub", async () => {
    const inner = openSqliteStorage({ path: ":memory:" });
    const deletes: Array<[string, DeleteOptions | undefined]> = [];
    const spy = (tx: DocStore): DocStore => ({
      get: (c, k) => tx.get(c, k),
      put: (c, k, v) => tx.put(c, k, v),
      putIfAbsent: (c, k, v) => tx.putIfAbsent(c, k, v),
      list: (c, o) => tx.list(c, o),
      count: (c, p) => tx.count(c, p),
      delete: (c, k, o) => {
        deletes.push([c, o]);
        return tx.delete(c, k, o);
      },
    });
    // The storage itself, but every transaction's handle records its deletes.
    const store = watched(inner, {
      transaction: (fn) => inner.transaction((tx) => fn(spy(tx))),
      delete: (c, k, o) => (deletes.push([c, o]), inner.delete(c, k, o)),
    });
    const clock = new ManualClock(0);
    const s = createScheduler({ store, clock });
    let runs = 0;
    await registerPeriodic(s, clock, "tick", 1000, async () => {
      runs++;
    });
    s.register("once", async () => undefined);
    await s.schedule("once", 500, {}, "a");
    await s.schedule("once", 700, {}, "a"); // replaced
    await s.schedule("once", 900, {}, "b");
    assert.equal(await s.cancel("b"), true);
    for (let i = 0; i < 3; i++) {
      clock.advance(1000);
      await s.runDue();
    }
    assert.equal(runs, 3);
    assert.equal(await inner.count(JOBS_COLLECTION), 1); // the periodic job's next run
    // "a" moved (1), "b" cancelled (2), "a" run (2), and each of the three ticks moved to its next
    // run then its run's entry removed (2 each).
    assert.equal(deletes.length, 11);
    assert.deepEqual(
      deletes.filter(([, o]) => o?.scrub !== false),
      [],
    );
    await inner.close();
  });

  test("the STS session sweep deletes expired sessions and reschedules itself", async () => {
    const store = openSqliteStorage({ path: ":memory:" });
    const clock = new ManualClock(10_000);
    const s = createScheduler({ store, clock });
    await store.put("sts-sessions", "ASIAOLD", { expiresAt: 5_000 });
    await store.put("sts-sessions", "ASIANEW", { expiresAt: 50_000 });
    assert.equal(await sweepExpiredStsSessions(store, clock.now()), 1);
    await store.put("sts-sessions", "ASIAOLD2", { expiresAt: 20_000 });
    await store.put("sts-sessions", "ASIARECENT", { expiresAt: 27_000 });
    await registerStsSessionSweep(s, store, clock, 1000, 5000);
    await registerStsSessionSweep(s, store, clock, 1000, 5000);
    assert.equal(await store.count(JOBS_COLLECTION), 1);
    clock.set(30_000);
    await s.runDue();
    // Expired for more than the 5 s grace: removed; expired 3 s ago: kept (still ExpiredToken).
    assert.deepEqual((await store.list("sts-sessions")).map((e) => e.key), ["ASIANEW", "ASIARECENT"]);
    assert.equal((await s.get(STS_SESSION_SWEEP))?.dueAt, 31_000);
    await store.close();
  });

  test("the STS session sweep deletes a page of expired sessions in one transaction", async () => {
    const inner = openSqliteStorage({ path: ":memory:" });
    const key = (i: number): string => `ASIA${String(i).padStart(16, "0")}`;
    // 1,200 sessions, every third one still valid: 800 expired, over three pages of 500.
    for (let i = 0; i < 1200; i++) await inner.put("sts-sessions", key(i), { expiresAt: i % 3 === 0 ? 50_000 : 5_000 });
    let transactions = 0;
    let plainDeletes = 0;
    const store = watched(inner, {
      transaction: (fn) => (transactions++, inner.transaction(fn)),
      delete: (c, k, o) => (plainDeletes++, inner.delete(c, k, o)),
    });
    assert.equal(await sweepExpiredStsSessions(store, 10_000), 800);
    assert.equal(transactions, 3);
    assert.equal(plainDeletes, 0);
    assert.equal(await inner.count("sts-sessions"), 400);
    assert.ok((await inner.list<{ expiresAt: number }>("sts-sessions")).every((e) => e.value.expiresAt === 50_000));
    // Nothing left to delete: no transaction at all.
    assert.equal(await sweepExpiredStsSessions(store, 10_000), 0);
    assert.equal(transactions, 3);
    await inner.close();
  });
});
