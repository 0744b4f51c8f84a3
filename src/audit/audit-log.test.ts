import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { createPublicKey, verify as cryptoVerify } from "node:crypto";
import { ManualClock } from "../core/clock.js";
import type { AuditRow } from "../storage/types.js";
import { createAuditLog } from "./audit-log.js";
import { chainHash, digestHash, GENESIS_HASH, type DigestContent } from "./chain.js";
import { generateDigestSigner, publicKeyFingerprint } from "./digest-key.js";
import { MemoryAuditStore } from "./memory-audit-store.js";
import { record, T0 } from "./test-fixtures.js";
import { verifyAudit } from "./verify.js";

const signer = generateDigestSigner();

function setup(over: Partial<Parameters<typeof createAuditLog>[0]> = {}) {
  const store = new MemoryAuditStore();
  const clock = new ManualClock(T0);
  const errors: unknown[] = [];
  const log = createAuditLog({ store, digestSigner: signer, clock, digestIntervalMs: 0, onError: (e) => errors.push(e), ...over });
  return { store, clock, log, errors };
}

function checkChain(rows: AuditRow[]): void {
  let prev = GENESIS_HASH;
  rows.forEach((r, i) => {
    assert.equal(r.seq, i + 1);
    assert.equal(r.prevHash, prev);
    assert.equal(r.hash, chainHash(prev, r.json));
    prev = r.hash;
  });
}

describe("createAuditLog", () => {
  test("concurrent records are group-committed into one chained append", async () => {
    const { store, log } = setup();
    await log.ready();
    await Promise.all(Array.from({ length: 100 }, (_, i) => log.record(record({ requestId: `r${i}` }))));
    assert.equal(store.rows.length, 100);
    assert.equal(store.appendCalls, 1);
    checkChain(store.rows);
    assert.deepEqual(
      store.rows.map((r) => (JSON.parse(r.json) as { requestID: string }).requestID),
      Array.from({ length: 100 }, (_, i) => `r${i}`),
    );
    const r0 = store.rows[0]!;
    assert.equal(r0.accountId, "111122223333");
    assert.equal(r0.region, "us-east-1");
    assert.equal(r0.eventName, "CreateUser");
    assert.equal(r0.username, "alice");
    assert.equal(r0.time, T0 + 1234);
    assert.match(r0.eventId, /^[0-9a-f-]{36}$/);
  });

  test("batches never exceed batchMaxSize; with one append in flight appends never overlap", async () => {
    const { store, log } = setup({ batchMaxSize: 3, maxAppendsInFlight: 1 });
    store.appendDelayMs = 3;
    await Promise.all(Array.from({ length: 10 }, () => log.record(record())));
    assert.equal(store.rows.length, 10);
    assert.equal(store.appendCalls, 4);
    assert.equal(store.maxConcurrentAppends, 1);
    checkChain(store.rows);
  });

  test("appends are pipelined (bounded), in order, and each record waits for its own batch", async () => {
    const { store, log } = setup({ batchMaxSize: 2, maxAppendsInFlight: 3, minCommitIntervalMs: 0 });
    store.appendDelayMs = 15;
    const settled: number[] = [];
    await Promise.all(Array.from({ length: 12 }, (_, i) => log.record(record({ requestId: `r${i}` })).then(() => settled.push(i))));
    assert.equal(store.rows.length, 12);
    assert.equal(store.appendCalls, 6);
    assert.equal(store.maxConcurrentAppends, 3);
    checkChain(store.rows);
    assert.deepEqual(
      store.rows.map((r) => (JSON.parse(r.json) as { requestID: string }).requestID),
      Array.from({ length: 12 }, (_, i) => `r${i}`),
    );
    assert.deepEqual(settled, Array.from({ length: 12 }, (_, i) => i));
  });

  test("a record arriving while an append is pending is appended without waiting for it", async () => {
    const { store, log } = setup({ minCommitIntervalMs: 5 });
    store.appendDelayMs = 200;
    const a = log.record(record({ requestId: "a" }));
    await new Promise((r) => setTimeout(r, 20));
    const b = log.record(record({ requestId: "b" }));
    await new Promise((r) => setTimeout(r, 40));
    // b's append started while a's was still pending (200 ms).
    assert.equal(store.maxConcurrentAppends, 2);
    await Promise.all([a, b]);
    assert.equal(store.rows.length, 2);
    checkChain(store.rows);
  });

  test("appends under load start at least minCommitIntervalMs apart; an idle log appends at once", async () => {
    let now = 0;
    const { store, log } = setup({ minCommitIntervalMs: 25, monotonicNow: () => now });
    store.appendDelayMs = 100;
    const starts: number[] = [];
    const orig = store.appendAudit.bind(store);
    store.appendAudit = async (rows) => {
      starts.push(now);
      await orig(rows);
    };
    now = 1000;
    const a = log.record(record({ requestId: "a" })); // idle: no wait
    await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(starts, [1000]);
    const t0 = Date.now();
    now = 1001;
    // 1 ms after the previous start, which is still being committed: waits ~24 ms (real timer).
    await log.record(record({ requestId: "b" }));
    assert.ok(Date.now() - t0 >= 20, `waited ${Date.now() - t0} ms`);
    await a;
    assert.deepEqual(starts, [1000, 1001]);
    assert.equal(store.maxConcurrentAppends, 2);
  });

  test("with nothing in flight, a lone record right after an append is appended at once; records still coming join it", async () => {
    let now = 0;
    // An interval no test could wait out: these appends can only happen without it.
    const { store, log } = setup({ minCommitIntervalMs: 600_000, batchMaxDelayMs: 0, monotonicNow: () => now });
    now = 1000;
    await log.record(record({ requestId: "a" })); // idle
    // Event-loop turns only, no timer: an append that waited out the interval would not come.
    const turnsUntil = async (calls: number): Promise<void> => {
      for (let i = 0; i < 20 && store.appendCalls < calls; i++) await new Promise<void>((r) => setImmediate(r));
    };
    now = 1001;
    const b = log.record(record({ requestId: "b" })); // one caller after another: nobody else to wait for
    await turnsUntil(2);
    assert.equal(store.appendCalls, 2, "b appended without waiting out the interval");
    await b;
    // c, then d one event-loop turn later (a request read on the next turn): one append for both.
    const c = log.record(record({ requestId: "c" }));
    const d = new Promise<void>((r) => setImmediate(r)).then(() => log.record(record({ requestId: "d" })));
    await turnsUntil(3);
    assert.equal(store.appendCalls, 3, "c and d appended without waiting out the interval");
    await Promise.all([c, d]);
    assert.equal(store.appendCalls, 3);
    assert.deepEqual(
      store.rows.map((r) => (JSON.parse(r.json) as { requestID: string }).requestID),
      ["a", "b", "c", "d"],
    );
    checkChain(store.rows);
  });

  test("with nothing in flight, records that keep coming are gathered for at most minCommitIntervalMs", async () => {
    let now = 1000;
    const { store, log } = setup({ minCommitIntervalMs: 25, batchMaxDelayMs: 0, monotonicNow: () => now });
    const sizes: number[] = [];
    const orig = store.appendAudit.bind(store);
    store.appendAudit = async (rows) => {
      sizes.push(rows.length);
      await orig(rows);
    };
    // A caller on every event-loop turn, the clock 5 ms further each time, for 20 turns: never a
    // quiet turn, so only the interval can close a batch.
    const done: Array<Promise<void>> = [];
    await new Promise<void>((resolve) => {
      const produce = (i: number): void => {
        done.push(log.record(record({ requestId: `r${i}` })));
        now += 5;
        if (i < 19) setImmediate(() => produce(i + 1));
        else resolve();
      };
      produce(0);
    });
    await Promise.all(done);
    assert.equal(store.rows.length, 20);
    checkChain(store.rows);
    // Each batch closed once the clock had moved 25 ms (five callers) past the turn it began
    // gathering on, with callers still coming; the last one holds the rest.
    assert.ok(sizes.length >= 3, `batches ${JSON.stringify(sizes)}`);
    for (const n of sizes.slice(0, -1)) assert.ok(n >= 5 && n <= 7, `batches ${JSON.stringify(sizes)}`);
  });

  test("record() resolves only once its batch is appended", async () => {
    const { store, log } = setup();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const orig = store.appendAudit.bind(store);
    store.appendAudit = async (rows) => {
      await gate;
      await orig(rows);
    };
    let done = false;
    const p = log.record(record()).then(() => (done = true));
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(done, false);
    assert.equal(store.rows.length, 0);
    release();
    await p;
    assert.equal(done, true);
    assert.equal(store.rows.length, 1);
  });

  test("a failed append rejects its records and the chain continues from the store", async () => {
    const { store, log, errors } = setup();
    await log.record(record({ requestId: "a" }));
    store.failNextAppend = new Error("disk full");
    await assert.rejects(log.record(record({ requestId: "b" })), /disk full/);
    assert.equal(errors.length, 1);
    await log.record(record({ requestId: "c" }));
    assert.deepEqual(
      store.rows.map((r) => [r.seq, (JSON.parse(r.json) as { requestID: string }).requestID]),
      [
        [1, "a"],
        [2, "c"],
      ],
    );
    checkChain(store.rows);
  });

  test("a failed append fails its own records only; those chained on it are chained again", async () => {
    const { store, log, errors } = setup({ batchMaxSize: 1, maxAppendsInFlight: 4, minCommitIntervalMs: 0 });
    await log.record(record({ requestId: "a" }));
    store.appendDelayMs = 10;
    store.failNextAppend = new Error("disk full");
    // b's batch fails; c and d were chained on it while it was in flight: the store refuses them
    // (they no longer continue the log), nothing of them was written, so they are chained again.
    const results = await Promise.allSettled(["b", "c", "d"].map((id) => log.record(record({ requestId: id }))));
    assert.deepEqual(
      results.map((r) => r.status),
      ["rejected", "fulfilled", "fulfilled"],
    );
    assert.match(String((results[0] as PromiseRejectedResult).reason), /disk full/);
    assert.equal(errors.length, 1);
    await log.record(record({ requestId: "e" }));
    assert.deepEqual(
      store.rows.map((r) => [r.seq, (JSON.parse(r.json) as { requestID: string }).requestID]),
      [
        [1, "a"],
        [2, "c"],
        [3, "d"],
        [4, "e"],
      ],
    );
    checkChain(store.rows);
  });

  test("two writers on one store (server and operator CLI): each re-chains on the other's rows and digests", async () => {
    const { store, clock } = setup();
    const server = createAuditLog({ store, digestSigner: signer, clock, digestIntervalMs: 0, minCommitIntervalMs: 0 });
    await server.record(record({ requestId: "s1" }));
    // The other process appends events and a digest after the server loaded its head.
    const cli = createAuditLog({ store, digestSigner: signer, clock, digestIntervalMs: 0 });
    await cli.record(record({ requestId: "c1" }));
    await cli.record(record({ requestId: "c2" }));
    await cli.close();
    await Promise.all([server.record(record({ requestId: "s2" })), server.record(record({ requestId: "s3" }))]);
    await server.close();
    assert.deepEqual(
      store.rows.map((r) => (JSON.parse(r.json) as { requestID: string }).requestID),
      ["s1", "c1", "c2", "s2", "s3"],
    );
    checkChain(store.rows);
    assert.equal(store.digests.length, 2);
    const report = await verifyAudit(store, signer.publicKeyPem);
    const last = store.digests[1]!;
    assert.deepEqual(report, { ok: true, events: 5, digests: 2, problems: [], notes: [], checkpoint: { digest: 2, hash: digestHash(last.json), toSeq: 5, time: (JSON.parse(last.json) as DigestContent).digestEndTime } });
  });

  test("a periodic digest is not starved by continuous load", async () => {
    const { store, log } = setup({ digestIntervalMs: 20, minCommitIntervalMs: 0 });
    store.appendDelayMs = 2;
    let stop = false;
    const clients = Array.from({ length: 8 }, async () => {
      while (!stop) await log.record(record());
    });
    const deadline = Date.now() + 3000;
    while (store.digests.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    stop = true;
    await Promise.all(clients);
    assert.ok(store.digests.length >= 2, `digests: ${store.digests.length}`);
    await log.close();
    checkChain(store.rows);
    const report = await verifyAudit(store, signer.publicKeyPem);
    assert.equal(report.ok, true, JSON.stringify(report.problems));
  });

  test("a new log continues the chain of an existing store", async () => {
    const { store, clock } = setup();
    const a = createAuditLog({ store, digestSigner: signer, clock, digestIntervalMs: 0 });
    await a.record(record());
    await a.record(record());
    await a.close();
    const b = createAuditLog({ store, digestSigner: signer, clock, digestIntervalMs: 0 });
    await b.ready();
    await b.record(record());
    await b.close();
    assert.equal(store.rows.length, 3);
    checkChain(store.rows);
    assert.equal(store.digests.length, 2);
    const report = await verifyAudit(store, signer.publicKeyPem);
    const last = store.digests[1]!;
    assert.deepEqual(report, { ok: true, events: 3, digests: 2, problems: [], notes: [], checkpoint: { digest: 2, hash: digestHash(last.json), toSeq: 3, time: (JSON.parse(last.json) as DigestContent).digestEndTime } });
  });

  test("cross-account calls append one row per recipient account", async () => {
    const { store, log } = setup();
    await log.record(record({ annotations: { recipientAccountId: "999988887777" } }));
    assert.deepEqual(
      store.rows.map((r) => r.accountId),
      ["111122223333", "999988887777"],
    );
    checkChain(store.rows);
  });

  test("flush() writes a signed digest over the new events only", async () => {
    const { store, clock, log } = setup();
    await log.record(record());
    await log.record(record());
    clock.advance(30_000);
    await log.flush();
    assert.equal(store.digests.length, 1);
    const d1 = store.digests[0]!;
    const c1 = JSON.parse(d1.json) as DigestContent;
    assert.deepEqual(c1, {
      digestStartTime: "2026-01-01T00:00:01Z",
      digestEndTime: "2026-01-01T00:00:30Z",
      fromSeq: 1,
      toSeq: 2,
      eventCount: 2,
      lastHash: store.rows[1]!.hash,
      previousDigestSignature: null,
      previousDigestHash: null,
      signatureAlgorithm: "SHA256withRSA",
      publicKeyFingerprint: publicKeyFingerprint(signer.publicKeyPem),
    });
    assert.deepEqual([d1.seq, d1.fromSeq, d1.toSeq, d1.time], [1, 1, 2, T0 + 30_000]);
    assert.equal(cryptoVerify("sha256", Buffer.from(d1.json), createPublicKey(signer.publicKeyPem), Buffer.from(d1.signature, "base64")), true);

    await log.flush(); // nothing new: no digest
    assert.equal(store.digests.length, 1);

    await log.record(record());
    clock.advance(30_000);
    await log.flush();
    const d2 = store.digests[1]!;
    const c2 = JSON.parse(d2.json) as DigestContent;
    assert.deepEqual(
      [c2.digestStartTime, c2.digestEndTime, c2.fromSeq, c2.toSeq, c2.previousDigestSignature, c2.previousDigestHash],
      ["2026-01-01T00:00:30Z", "2026-01-01T00:01:00Z", 3, 3, d1.signature, digestHash(d1.json)],
    );
  });

  test("the digest timer signs periodically", async () => {
    const { store, log } = setup({ digestIntervalMs: 10 });
    await log.record(record());
    const deadline = Date.now() + 2000;
    while (store.digests.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    assert.equal(store.digests.length, 1);
    await log.close();
    assert.equal(store.digests.length, 1);
  });

  test("close() flushes, digests and refuses further records", async () => {
    const { store, log } = setup({ batchMaxDelayMs: 50 });
    const p = log.record(record());
    await log.close();
    await p;
    assert.equal(store.rows.length, 1);
    assert.equal(store.digests.length, 1);
    await assert.rejects(log.record(record()), /closed/);
  });

  test("a store that cannot load makes records fail instead of hanging", async () => {
    const store = new MemoryAuditStore();
    store.lastAudit = async () => {
      throw new Error("db offline");
    };
    const log = createAuditLog({ store, digestSigner: signer, clock: new ManualClock(T0), digestIntervalMs: 0 });
    await assert.rejects(log.ready(), /db offline/);
    await assert.rejects(log.record(record()), /db offline/);
  });
});

describe("audit intents", () => {
  test("an intent is stored before the call and removed by the append of the call's own event", async () => {
    const { store, log } = setup();
    await log.ready();
    const rec = record({ requestId: "req-intent", output: undefined });
    const key = await log.intend(rec);
    assert.equal(key, `${String(rec.time).padStart(15, "0")}/req-intent`);
    assert.deepEqual([...store.intents.keys()], [key]);
    assert.equal(store.rows.length, 0);
    await log.record(record({ requestId: "req-other" }));
    assert.equal(store.intents.size, 1, "another call's append leaves the intent");
    await log.record(record({ requestId: "req-intent" }), key);
    assert.equal(store.intents.size, 0);
    assert.equal(store.rows.length, 2);
    assert.equal((JSON.parse(store.rows[1]!.json) as { errorCode?: string }).errorCode, undefined);
    assert.equal(await log.recoverIntents(), 0);
    assert.equal(store.rows.length, 2);
  });

  test("a start appends the events of intents an earlier process left, chained, and removes them", async () => {
    const first = setup();
    await first.log.ready();
    await first.log.record(record({ requestId: "before" }));
    await first.log.intend(record({ requestId: "lost-1", input: { UserName: "carol", Path: "/" }, output: undefined }));
    await first.log.intend(record({ requestId: "lost-2", time: T0 + 5000, output: undefined }));
    // The process stops here: neither call's own event was appended.
    const log = createAuditLog({ store: first.store, digestSigner: signer, clock: new ManualClock(T0 + 60_000), digestIntervalMs: 0 });
    await log.ready();
    assert.equal(await log.recoverIntents(), 2);
    const store = first.store;
    assert.equal(store.intents.size, 0);
    assert.equal(store.rows.length, 3);
    checkChain(store.rows);
    const ev = JSON.parse(store.rows[1]!.json) as Record<string, unknown>;
    assert.equal(ev.eventName, "CreateUser");
    assert.equal(ev.requestID, "lost-1");
    assert.equal(ev.eventTime, new Date(T0 + 1234).toISOString().replace(/\.\d{3}Z$/, "Z"));
    assert.equal(ev.errorCode, "InternalFailure");
    assert.equal(ev.errorMessage, "This call was interrupted before its outcome was recorded; whether it took effect is not known.");
    assert.deepEqual(ev.requestParameters, { userName: "carol", path: "/" });
    assert.equal(ev.responseElements, null);
    assert.equal(ev.readOnly, false);
    assert.equal((ev.userIdentity as { userName?: string }).userName, "alice");
    assert.equal(store.rows[1]!.eventName, "CreateUser");
    assert.equal(store.rows[1]!.username, "alice");
    assert.equal((JSON.parse(store.rows[2]!.json) as { requestID: string }).requestID, "lost-2");
    const report = await verifyAudit(store, signer.publicKeyPem);
    assert.equal(report.ok, true);
  });
});
