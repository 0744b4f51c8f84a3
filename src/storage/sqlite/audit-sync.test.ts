/**
 * The audit writer's sync delay: appends marked deferSync are acknowledged once written and forced
 * to disk within the delay; any other append is forced to disk (with everything before it) before
 * it is acknowledged; without a delay SQLite forces every commit itself.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { createAuditLog } from "../../audit/audit-log.js";
import { createDigestSigner } from "../../audit/digest-key.js";
import { record } from "../../audit/test-fixtures.js";
import { generateKeyPairSync } from "node:crypto";
import { auditRow } from "../contract.js";
import { openSqliteStorage } from "./sqlite-storage.js";

async function withStore(syncDelayMs: number | undefined, fn: (s: ReturnType<typeof openSqliteStorage>, path: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "bulwark-audit-sync-"));
  const path = join(dir, "bulwark.db");
  const s = openSqliteStorage({ path, auditWriterThread: true, ...(syncDelayMs !== undefined ? { auditSyncDelayMs: syncDelayMs } : {}) });
  try {
    await fn(s, path);
  } finally {
    await s.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

test("a deferSync append is acknowledged written, not yet synced; the next plain append syncs it with itself", async () => {
  await withStore(60_000, async (s, path) => {
    assert.deepEqual(await s.auditSyncState(), { syncs: 0, unsynced: false });
    await s.appendAudit([auditRow(1), auditRow(2)], { deferSync: true });
    assert.deepEqual(await s.auditSyncState(), { syncs: 0, unsynced: true });
    // Written: another connection reads it.
    const other = openSqliteStorage({ path });
    try {
      assert.equal((await other.lastAudit())?.seq, 2);
    } finally {
      await other.close();
    }
    await s.appendAudit([auditRow(3)], { deferSync: true });
    assert.deepEqual(await s.auditSyncState(), { syncs: 0, unsynced: true });
    await s.appendAudit([auditRow(4)]);
    assert.deepEqual(await s.auditSyncState(), { syncs: 1, unsynced: false });
    await s.appendAudit([auditRow(5)]);
    assert.deepEqual(await s.auditSyncState(), { syncs: 2, unsynced: false });
    // A refused append wrote nothing, so there is nothing to sync.
    await assert.rejects(s.appendAudit([auditRow(9)], { deferSync: true }));
    assert.deepEqual(await s.auditSyncState(), { syncs: 2, unsynced: false });
  });
});

test("deferred appends are synced within the delay, once for all of them", async () => {
  await withStore(40, async (s) => {
    await s.appendAudit([auditRow(1)], { deferSync: true });
    await s.appendAudit([auditRow(2)], { deferSync: true });
    assert.deepEqual(await s.auditSyncState(), { syncs: 0, unsynced: true });
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(await s.auditSyncState(), { syncs: 1, unsynced: false });
  });
});

test("without a sync delay deferSync is ignored: every commit is forced by SQLite itself", async () => {
  for (const delay of [undefined, 0]) {
    await withStore(delay, async (s) => {
      await s.appendAudit([auditRow(1)], { deferSync: true });
      assert.deepEqual(await s.auditSyncState(), { syncs: 0, unsynced: false });
    });
  }
});

test("the audit log defers only batches whose every event is of a read-only call without an intent", async () => {
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const signer = createDigestSigner(privateKey.export({ type: "pkcs8", format: "pem" }));
  await withStore(60_000, async (s) => {
    const seen: boolean[] = [];
    const append = s.appendAudit.bind(s);
    s.appendAudit = (rows, opts) => {
      seen.push(opts?.deferSync === true);
      return append(rows, opts);
    };
    const log = createAuditLog({ store: s, digestSigner: signer, clock: { now: () => Date.now() }, digestIntervalMs: 0, minCommitIntervalMs: 0 });
    await log.ready();
    await log.record(record({ requestId: "r1", readOnly: true }));
    assert.deepEqual(await s.auditSyncState(), { syncs: 0, unsynced: true });
    await log.record(record({ requestId: "w1", readOnly: false }));
    assert.deepEqual(await s.auditSyncState(), { syncs: 1, unsynced: false });
    // A read-only call and a mutating one in the same batch: the batch is synced before either is answered.
    await Promise.all([log.record(record({ requestId: "r2", readOnly: true })), log.record(record({ requestId: "w2", readOnly: false }))]);
    assert.deepEqual(await s.auditSyncState(), { syncs: 2, unsynced: false });
    // The event settling an intent is of a call that changed state, whatever its readOnly says.
    const key = await log.intend(record({ requestId: "w3", readOnly: true }));
    assert.ok(key !== undefined);
    await log.record(record({ requestId: "w3", readOnly: true }), key);
    assert.deepEqual(seen, [true, false, false, false]);
    await log.close();
  });
});

test("an intent is acknowledged written, not forced: the write it guards comes after it in the WAL and forces it", async () => {
  await withStore(60_000, async (s, path) => {
    await s.stageAuditIntent("000000000000001/r1", '{"events":[]}');
    assert.deepEqual(await s.auditSyncState(), { syncs: 0, unsynced: true });
    // Another connection reads it: it is in the WAL, ahead of anything committed after it.
    const other = openSqliteStorage({ path });
    try {
      assert.deepEqual(await other.listAuditIntents(), [{ key: "000000000000001/r1", value: '{"events":[]}' }]);
    } finally {
      await other.close();
    }
    // The guarded change: its commit is forced to disk before it is acknowledged, and with it
    // every frame written before (an fsync is of the whole file).
    const before = s.commitSyncs()!;
    await s.put("c", "k", { v: 1 });
    assert.equal(s.commitSyncs(), before + 1);
  });
  // Without a sync delay SQLite forces the intent's commit itself.
  await withStore(0, async (s) => {
    await s.stageAuditIntent("000000000000001/r1", '{"events":[]}');
    assert.deepEqual(await s.auditSyncState(), { syncs: 0, unsynced: false });
  });
});
