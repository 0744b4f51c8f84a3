import assert from "node:assert/strict";
import { describe, test } from "node:test";
import Database from "better-sqlite3";
import { coreMigrations } from "../core-migrations.js";
import { runMigrations } from "../migrations.js";
import { AuditBatch } from "../audit-batch.js";
import type { AuditRow } from "../types.js";
import { sqliteMigrationDriver } from "./sqlite-migrations.js";
import { SqliteAudit } from "./sqlite-audit.js";

function row(seq: number, eventName = "Encrypt"): AuditRow {
  return {
    seq,
    time: 1_000 + seq,
    accountId: "111122223333",
    region: "us-east-1",
    eventId: `e${seq}`,
    eventName,
    eventSource: "kms.amazonaws.com",
    username: "u",
    accessKeyId: "AKIA",
    readOnly: true,
    resourceNames: "",
    resourceTypes: "",
    json: `{"seq":${seq}}`,
    prevHash: seq === 1 ? "" : `h${seq - 1}`,
    hash: `h${seq}`,
  };
}

function openAudit(): { db: Database.Database; audit: SqliteAudit } {
  const db = new Database(":memory:");
  runMigrations(sqliteMigrationDriver(db), coreMigrations, () => 0);
  // An insert that fails after the batch passed the continuity check (a full disk, say).
  db.exec("CREATE TEMP TRIGGER boom BEFORE INSERT ON audit_events WHEN NEW.event_name = 'Boom' BEGIN SELECT RAISE(ABORT, 'boom'); END");
  return { db, audit: new SqliteAudit(db) };
}

const seqs = (db: Database.Database): number[] => db.prepare("SELECT seq FROM audit_events ORDER BY seq").pluck().all() as number[];

describe("SqliteAudit.appendBatches", () => {
  test("appends every batch that continues the log, in one transaction", () => {
    const { db, audit } = openAudit();
    assert.deepEqual(audit.appendBatches([AuditBatch.of([row(1), row(2)]), AuditBatch.of([row(3)])]), [undefined, undefined]);
    assert.deepEqual(seqs(db), [1, 2, 3]);
  });

  test("a batch that does not continue the log is left out; the others are appended", () => {
    const { db, audit } = openAudit();
    const out = audit.appendBatches([AuditBatch.of([row(1)]), AuditBatch.of([row(3)]), AuditBatch.of([row(2)])]);
    assert.equal(out[0], undefined);
    assert.deepEqual(out[1], { error: "audit rows must continue the log without a gap: expected seq 2, got 3", conflict: true });
    assert.equal(out[2], undefined);
    assert.deepEqual(seqs(db), [1, 2]);
  });

  test("a batch whose insert fails is left out whole; the batches before and after it are appended", () => {
    const { db, audit } = openAudit();
    // Batch 2 fails on its second row: its first row must not stay. Batch 3 continues batch 1.
    const out = audit.appendBatches([
      AuditBatch.of([row(1)]),
      AuditBatch.of([row(2), row(3, "Boom")]),
      AuditBatch.of([row(2), row(3)]),
      AuditBatch.of([row(4)]),
    ]);
    assert.deepEqual(out, [undefined, { error: "boom", conflict: false }, undefined, undefined]);
    assert.deepEqual(seqs(db), [1, 2, 3, 4]);
    assert.deepEqual(db.prepare("SELECT event_name FROM audit_events ORDER BY seq").pluck().all(), ["Encrypt", "Encrypt", "Encrypt", "Encrypt"]);
  });

  test("inside a caller's transaction, a failed insert rolls back only the batches' part", () => {
    const { db, audit } = openAudit();
    db.exec("CREATE TABLE side (v TEXT)");
    const tx = db.transaction(() => {
      db.prepare("INSERT INTO side VALUES ('kept')").run();
      return audit.appendBatches([AuditBatch.of([row(1, "Boom")]), AuditBatch.of([row(1)])]);
    });
    assert.deepEqual(tx.immediate(), [{ error: "boom", conflict: false }, undefined]);
    assert.deepEqual(db.prepare("SELECT v FROM side").pluck().all(), ["kept"]);
    assert.deepEqual(seqs(db), [1]);
  });
});
