import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ManualClock } from "../core/clock.js";
import { openSqliteStorage } from "../storage/sqlite/sqlite-storage.js";
import type { Storage } from "../storage/types.js";
import { createAuditLog } from "./audit-log.js";
import { generateDigestSigner } from "./digest-key.js";
import { AUDIT_OUTBOX, createAuditOutbox, type StagedEvent } from "./outbox.js";
import { T0 } from "./test-fixtures.js";
import type { AuditLog } from "./types.js";

const signer = generateDigestSigner();
const ACCOUNT = "111122223333";

function staged(i: number, clock: ManualClock): StagedEvent {
  return {
    eventId: `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`,
    time: clock.now(),
    requestId: `req-${i}`,
    eventSource: "kms.amazonaws.com",
    service: "kms",
    operation: "DeleteKey",
    region: "us-east-1",
    accountId: ACCOUNT,
    sourceIp: "AWS Internal",
    userAgent: "AWS Internal",
    readOnly: false,
    eventType: "AwsServiceEvent",
    annotations: { requestParameters: null, responseElements: null, recipientAccountId: ACCOUNT },
  };
}

function setup(): { store: Storage; clock: ManualClock; log: AuditLog } {
  const store = openSqliteStorage({ path: ":memory:" });
  const clock = new ManualClock(T0);
  const log = createAuditLog({ store, digestSigner: signer, clock, digestIntervalMs: 0 });
  return { store, clock, log };
}

async function eventIds(store: Storage): Promise<string[]> {
  const last = await store.lastAudit();
  if (!last) return [];
  return (await store.readAudit(1, last.seq)).map((r) => r.eventId);
}

describe("audit outbox", () => {
  test("an event staged for a later time waits for it; earlier ones are appended meanwhile, in time order", async () => {
    const { store, clock, log } = setup();
    const outbox = createAuditOutbox({ store, audit: log, clock });
    const later = { ...staged(1, clock), time: clock.now() + 120_000 };
    const now = staged(2, clock);
    await store.transaction(async (tx) => {
      await outbox.stageIn(tx, later);
      await outbox.stageIn(tx, now);
    });
    assert.equal(await outbox.drain(), 1);
    assert.deepEqual(await eventIds(store), [now.eventId]);
    assert.equal(await store.count(AUDIT_OUTBOX), 1);
    clock.advance(119_999);
    assert.equal(await outbox.drain(), 0);
    clock.advance(1);
    assert.equal(await outbox.drain(), 1);
    assert.deepEqual(await eventIds(store), [now.eventId, later.eventId]);
    assert.equal(await store.count(AUDIT_OUTBOX), 0);
    const row = (await store.lastAudit())!;
    assert.equal((JSON.parse(row.json) as { eventTime: string }).eventTime, new Date(later.time).toISOString().replace(/\.\d{3}Z$/, "Z"));
  });

  test("an event staged in a committed transaction is appended once, with its id, and unstaged", async () => {
    const { store, clock, log } = setup();
    const outbox = createAuditOutbox({ store, audit: log, clock });
    const ev = staged(1, clock);
    await store.transaction((tx) => outbox.stageIn(tx, ev));
    assert.equal(await store.count(AUDIT_OUTBOX), 1);
    assert.equal(await outbox.drain(), 1);
    assert.deepEqual(await eventIds(store), [ev.eventId]);
    assert.equal(await store.count(AUDIT_OUTBOX), 0);
    const row = (await store.lastAudit())!;
    const json = JSON.parse(row.json) as Record<string, unknown>;
    assert.equal(json.eventID, ev.eventId);
    assert.equal(json.eventName, "DeleteKey");
    assert.equal(json.eventType, "AwsServiceEvent");
    assert.equal(json.eventTime, new Date(T0).toISOString().replace(/\.\d{3}Z$/, "Z"));
    assert.equal(await outbox.drain(), 0);
    assert.equal((await eventIds(store)).length, 1);
    await store.close();
  });

  test("an event staged in a transaction that fails is never appended", async () => {
    const { store, clock, log } = setup();
    const outbox = createAuditOutbox({ store, audit: log, clock });
    await assert.rejects(
      store.transaction(async (tx) => {
        await outbox.stageIn(tx, staged(1, clock));
        throw new Error("the change failed");
      }),
      /the change failed/,
    );
    assert.equal(await outbox.drain(), 0);
    assert.deepEqual(await eventIds(store), []);
    await store.close();
  });

  test("an event appended by a process that died before unstaging it is not appended again", async () => {
    const { store, clock, log } = setup();
    const ev = staged(7, clock);
    const before = createAuditOutbox({ store, audit: log, clock });
    await store.transaction((tx) => before.stageIn(tx, ev));
    // What the dead process's drain got done: the append, not the deletion of the staging row.
    await log.record(ev);
    clock.advance(5_000);
    const after = createAuditOutbox({ store, audit: log, clock });
    assert.equal(await after.drain(), 0);
    assert.deepEqual(await eventIds(store), [ev.eventId]);
    assert.equal(await store.count(AUDIT_OUTBOX), 0);
    await store.close();
  });

  test("an append that fails leaves the event staged for the next drain", async () => {
    const { store, clock, log } = setup();
    let failing = true;
    const flaky: AuditLog = { ...log, record: (rec) => (failing ? Promise.reject(new Error("disk full")) : log.record(rec)) };
    const errors: unknown[] = [];
    const outbox = createAuditOutbox({ store, audit: flaky, clock, onError: (e) => errors.push(e) });
    await store.transaction(async (tx) => {
      await outbox.stageIn(tx, staged(1, clock));
      await outbox.stageIn(tx, staged(2, clock));
    });
    await assert.rejects(outbox.drain(), /disk full/);
    assert.equal(await store.count(AUDIT_OUTBOX), 2);
    failing = false;
    assert.equal(await outbox.drain(), 2);
    assert.deepEqual(await eventIds(store), [staged(1, clock).eventId, staged(2, clock).eventId]);
    assert.equal(await store.count(AUDIT_OUTBOX), 0);
    await store.close();
  });

  test("drains asked for together append each event once, including one staged during a drain", async () => {
    const { store, clock, log } = setup();
    const outbox = createAuditOutbox({ store, audit: log, clock });
    await store.transaction(async (tx) => {
      for (let i = 1; i <= 150; i++) await outbox.stageIn(tx, staged(i, clock));
    });
    const first = outbox.drain();
    await store.transaction((tx) => outbox.stageIn(tx, staged(151, clock)));
    const [a, b] = await Promise.all([first, outbox.drain()]);
    assert.equal(a, 151);
    assert.equal(b, 151);
    const ids = await eventIds(store);
    assert.equal(ids.length, 151);
    assert.equal(new Set(ids).size, 151);
    assert.equal(await store.count(AUDIT_OUTBOX), 0);
    await store.close();
  });
});
