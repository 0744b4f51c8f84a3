import assert from "node:assert/strict";
import { mkdtempSync, rmSync, statSync, writeFileSync, chmodSync, existsSync, renameSync, readFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import Database from "better-sqlite3";
import { ManualClock } from "../../core/clock.js";
import { auditRow as contractRow, runStorageContract, type StorageFixture } from "../contract.js";
import { coreMigrations } from "../core-migrations.js";
import { MigrationError, runMigrations } from "../migrations.js";
import { createAuditLog } from "../../audit/audit-log.js";
import { generateDigestSigner } from "../../audit/digest-key.js";
import { MemoryAuditStore } from "../../audit/memory-audit-store.js";
import { record as auditRecord, T0 } from "../../audit/test-fixtures.js";
import { verifyAudit } from "../../audit/verify.js";
import { pruneAudit } from "../../audit/retention.js";
import { sqliteMigrationDriver } from "./sqlite-migrations.js";
import type { Storage } from "../types.js";
import { openSqliteStorage, StorageMovedError, type SqliteStorage } from "./sqlite-storage.js";
import { startCheckpointer } from "./checkpointer.js";

/** A minimal audit row (chained by the caller's hashes) for the writer-thread tests. */
function auditRow(seq: number, prevHash: string, hash: string) {
  return { seq, time: 1, accountId: "1", region: "r", eventId: `e${seq}`, eventName: "n", eventSource: "s", username: "u", accessKeyId: "a", readOnly: true, resourceNames: "", resourceTypes: "", json: "{}", prevHash, hash };
}

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), "bulwark-sqlite-"));
}

runStorageContract("sqlite", async (): Promise<StorageFixture> => {
  const dir = tempDir();
  const path = join(dir, "data", "bulwark.db");
  let current: Storage = openSqliteStorage({ path });
  return {
    get storage() {
      return current;
    },
    async reopen() {
      current = openSqliteStorage({ path });
      return current;
    },
    async cleanup() {
      await current.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

// The server appends audit rows from a worker thread on a second connection: same contract.
runStorageContract("sqlite (audit writer thread)", async (): Promise<StorageFixture> => {
  const dir = tempDir();
  const path = join(dir, "data", "bulwark.db");
  let current: Storage = openSqliteStorage({ path, auditWriterThread: true });
  return {
    get storage() {
      return current;
    },
    async reopen() {
      current = openSqliteStorage({ path, auditWriterThread: true });
      return current;
    },
    async cleanup() {
      await current.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

test("a LookupEvents filter that matches nothing examines one slice per call and says where it stopped", async () => {
  const dir = tempDir();
  const s = openSqliteStorage({ path: join(dir, "bulwark.db") });
  try {
    await s.appendAudit(Array.from({ length: 10 }, (_, i) => contractRow(i + 1)));
    const q = { accountId: "111122223333", attribute: { key: "EventName", value: "CreateKey" }, limit: 50 } as const;
    assert.deepEqual(await s.lookupAudit(q, 3), { rows: [], resumeBeforeSeq: 8 }); // 10, 9, 8 examined
    assert.deepEqual(await s.lookupAudit({ ...q, beforeSeq: 8 }, 3), { rows: [], resumeBeforeSeq: 5 });
    assert.deepEqual(await s.lookupAudit({ ...q, beforeSeq: 5 }, 4), { rows: [], resumeBeforeSeq: 1 });
    assert.deepEqual(await s.lookupAudit({ ...q, beforeSeq: 1 }, 4), { rows: [] });
    // Fewer entries left than the limit: no resume point, the scan reached the end.
    assert.deepEqual(await s.lookupAudit({ ...q, beforeSeq: 4 }, 4), { rows: [] });
    // Matches within the slice come back with the resume point when fewer than `limit`.
    const some = await s.lookupAudit({ ...q, attribute: { key: "EventId", value: "event-9" } }, 3);
    assert.deepEqual([some.rows.map((r) => r.seq), some.resumeBeforeSeq], [[9], 8]);
    // No attribute: no scan to bound, the newest `limit` events.
    assert.deepEqual((await s.lookupAudit({ accountId: "111122223333", limit: 4 }, 2)).rows.map((r) => r.seq), [10, 9, 8, 7]);
  } finally {
    await s.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

describe("openSqliteStorage", () => {
  test("uses WAL, synchronous=FULL, foreign keys and a busy timeout", async () => {
    const dir = tempDir();
    const s = openSqliteStorage({ path: join(dir, "db"), busyTimeoutMs: 1234 });
    try {
      assert.deepEqual(s.settings(), { journalMode: "wal", synchronous: 2, foreignKeys: 1, busyTimeout: 1234, tempStore: 2, pageSize: 16_384, secureDelete: 1 });
      assert.equal(s.isDurable(), true);
      assert.equal(s.engine, "sqlite");
    } finally {
      await s.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("with the audit writer thread, commits are at synchronous=NORMAL and each write waits for an fsync of the WAL begun after it", async () => {
    const dir = tempDir();
    const path = join(dir, "db");
    const s = openSqliteStorage({ path, auditWriterThread: true });
    try {
      assert.equal(s.settings().synchronous, 1);
      assert.equal(s.isDurable(), true);
      const before = s.commitSyncs()!;
      await s.put("c", "k", { v: 1 });
      assert.equal(s.commitSyncs(), before + 1);
      // Writes issued together: the first fsync may have begun before the later commits, so they
      // share one more; never one per write.
      await Promise.all(Array.from({ length: 20 }, (_, i) => s.put("c", `k${i}`, { v: i })));
      const n = s.commitSyncs()! - before - 1;
      assert.ok(n >= 1 && n <= 3, `${n} fsyncs for 20 concurrent writes`);
      await s.transaction(async (tx) => tx.put("c", "t", { v: 2 }));
      assert.equal(s.commitSyncs(), before + 1 + n + 1);
      // Reads force nothing.
      assert.deepEqual(await s.get("c", "t"), { v: 2 });
      assert.equal(s.commitSyncs(), before + 1 + n + 1);
    } finally {
      await s.close();
      rmSync(dir, { recursive: true, force: true });
    }
    const dir2 = tempDir();
    const plain = openSqliteStorage({ path: join(dir2, "db") });
    try {
      assert.equal(plain.commitSyncs(), undefined, "without the thread SQLite forces each commit (FULL)");
    } finally {
      await plain.close();
      rmSync(dir2, { recursive: true, force: true });
    }
  });

  test("with the audit writer thread, a checkpointer thread copies committed pages into the database file", async () => {
    const dir = tempDir();
    const path = join(dir, "db");
    const s = openSqliteStorage({ path, auditWriterThread: true });
    try {
      const before = statSync(path).size;
      const rows = Array.from({ length: 300 }, (_, i) => contractRow(i + 1, { json: JSON.stringify({ pad: "x".repeat(2000), i }) }));
      for (let i = 0; i < rows.length; i += 30) await s.appendAudit(rows.slice(i, i + 30));
      // ~600 KiB of rows, far below the connections' automatic checkpoint (8192 pages): only the
      // checkpointer can have moved them into the database file.
      const deadline = Date.now() + 5000;
      while (statSync(path).size < before + 500_000 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      assert.ok(statSync(path).size >= before + 500_000, `database file ${before} → ${statSync(path).size} bytes`);
      assert.equal((await s.readAudit(1, 300)).length, 300);
    } finally {
      await s.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("a database created before keeps its page size; its data stays readable and writable", async () => {
    const dir = tempDir();
    const path = join(dir, "db");
    const old = new Database(path);
    old.pragma("journal_mode = WAL");
    old.exec("CREATE TABLE before_bulwark (x INTEGER)");
    assert.equal(old.pragma("page_size", { simple: true }), 4096);
    old.close();
    const s = openSqliteStorage({ path });
    try {
      assert.equal(s.settings().pageSize, 4096);
      await s.put("c", "k", { v: 1 });
      assert.deepEqual(await s.get("c", "k"), { v: 1 });
    } finally {
      await s.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("creates the directory 0700 and the database, -wal and -shm files 0600", { skip: process.platform === "win32" }, async () => {
    const dir = tempDir();
    const path = join(dir, "nested", "db");
    const s = openSqliteStorage({ path });
    try {
      await s.put("c", "k", 1);
      assert.equal(statSync(join(dir, "nested")).mode & 0o777, 0o700);
      for (const f of [path, `${path}-wal`, `${path}-shm`]) {
        assert.equal(existsSync(f), true, f);
        assert.equal(statSync(f).mode & 0o777, 0o600, f);
      }
    } finally {
      await s.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("tightens an existing database file with loose permissions", { skip: process.platform === "win32" }, async () => {
    const dir = tempDir();
    const path = join(dir, "db");
    writeFileSync(path, "");
    chmodSync(path, 0o644);
    const s = openSqliteStorage({ path });
    await s.close();
    assert.equal(statSync(path).mode & 0o777, 0o600);
    rmSync(dir, { recursive: true, force: true });
  });

  test("applies core and extra migrations once, in order, recording them", async () => {
    const dir = tempDir();
    const path = join(dir, "db");
    const extra = [
      { id: "x-0001-widgets", sqlite: "CREATE TABLE widgets (id TEXT PRIMARY KEY)" },
      { id: "x-0002-widgets-name", sqlite: "ALTER TABLE widgets ADD COLUMN name TEXT" },
    ];
    const clock = new ManualClock(1_700_000_000_000);
    (await openSqliteStorage({ path, migrations: extra, clock }).close());
    // The ALTER only works after the CREATE (order); reopening must not re-run it (it would fail).
    (await openSqliteStorage({ path, migrations: extra, clock }).close());
    const db = new Database(path, { readonly: true });
    try {
      const applied = db.prepare("SELECT id, applied_at AS at FROM schema_migrations ORDER BY id").all();
      assert.deepEqual(
        (applied as Array<{ id: string; at: number }>).map((r) => r.id).sort(),
        [...coreMigrations.map((m) => m.id), "x-0001-widgets", "x-0002-widgets-name"].sort(),
      );
      assert.ok((applied as Array<{ at: number }>).every((r) => r.at === 1_700_000_000_000));
      assert.deepEqual(db.prepare("SELECT name FROM pragma_table_info('widgets') ORDER BY cid").pluck().all(), ["id", "name"]);
    } finally {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("a failing migration is rolled back and the database stays openable", async () => {
    const dir = tempDir();
    const path = join(dir, "db");
    const bad = [{ id: "x-0001-bad", sqlite: "CREATE TABLE half (id TEXT); THIS IS NOT SQL;" }];
    assert.throws(() => openSqliteStorage({ path, migrations: bad }), /syntax error/);
    const s = openSqliteStorage({ path });
    await s.put("c", "k", 1);
    await s.close();
    const db = new Database(path, { readonly: true });
    try {
      assert.equal(db.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'half'").pluck().get(), 0);
    } finally {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("refuses a database written by a newer version", async () => {
    const dir = tempDir();
    const path = join(dir, "db");
    await openSqliteStorage({ path, migrations: [{ id: "9999-future", sqlite: "CREATE TABLE future (x)" }] }).close();
    assert.throws(
      () => openSqliteStorage({ path }),
      (err: unknown) => err instanceof MigrationError && /newer version of Bulwark/.test(err.message) && /9999-future/.test(err.message),
    );
    rmSync(dir, { recursive: true, force: true });
  });

  test("refuses when an applied migration was edited", async () => {
    const dir = tempDir();
    const path = join(dir, "db");
    await openSqliteStorage({ path, migrations: [{ id: "x-1", sqlite: "CREATE TABLE t1 (x)" }] }).close();
    assert.throws(() => openSqliteStorage({ path, migrations: [{ id: "x-1", sqlite: "CREATE TABLE t1 (y)" }] }), /changed after it had been applied/);
    assert.throws(
      () => openSqliteStorage({ path, migrations: [{ id: "x-1", sqlite: "CREATE TABLE t1 (x)" }, { id: "x-1", sqlite: "" }] }),
      /Duplicate migration id x-1/,
    );
    rmSync(dir, { recursive: true, force: true });
  });

  test("audit rows are append-only at the SQL level", async () => {
    const dir = tempDir();
    const path = join(dir, "db");
    const s: SqliteStorage = openSqliteStorage({ path });
    await s.appendAudit([
      { seq: 1, time: 1, accountId: "1", region: "r", eventId: "e", eventName: "n", eventSource: "s", username: "u", accessKeyId: "a", readOnly: true, resourceNames: "", resourceTypes: "", json: "{}", prevHash: "p", hash: "h" },
    ]);
    await s.close();
    const db = new Database(path);
    try {
      assert.throws(() => db.prepare("UPDATE audit_events SET json = '{\"x\":1}'").run(), /append-only/);
      assert.throws(() => db.prepare("DELETE FROM audit_events").run(), /append-only/);
    } finally {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("reads share one read transaction per job: own writes are seen at once, other connections' from the next job", async () => {
    const dir = tempDir();
    const path = join(dir, "db");
    const s = openSqliteStorage({ path });
    const other = new Database(path);
    try {
      await s.put("c", "k", 1);
      // One synchronous job: the first read opens the shared read transaction.
      const a = s.get("c", "k");
      other.prepare("UPDATE docs SET value = '2' WHERE collection = 'c' AND key = 'k'").run();
      const b = s.get("c", "k"); // same snapshot as a
      const w = s.put("c", "mine", "x"); // a write ends the shared snapshot first
      const c = s.get("c", "k");
      const d = s.get("c", "mine");
      assert.deepEqual([await a, await b, await c, await d], [1, 1, 2, "x"]);
      other.prepare("UPDATE docs SET value = '3' WHERE collection = 'c' AND key = 'k'").run();
      await new Promise((r) => setImmediate(r));
      assert.equal(await s.get("c", "k"), 3);
      await w;
      // A transaction and the audit writer can start right after reads in the same job.
      const r = s.get("c", "k");
      const t = s.transaction(async (tx) => {
        await tx.put("c", "k", 4);
        return tx.get("c", "k");
      });
      assert.deepEqual([await r, await t, await s.get("c", "k")], [3, 4, 4]);
      void s.get("c", "k");
      await s.appendAudit([
        { seq: 1, time: 1, accountId: "1", region: "r", eventId: "e", eventName: "n", eventSource: "s", username: "u", accessKeyId: "a", readOnly: true, resourceNames: "", resourceTypes: "", json: "{}", prevHash: "p", hash: "h" },
      ]);
      assert.equal((await s.lastAudit())?.seq, 1);
      void s.get("c", "k");
      await s.close(); // with a read transaction open
    } finally {
      other.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("an audit log written before 0005 (resources in audit_resources) is still found by resource and verifies", async () => {
    const dir = tempDir();
    const path = join(dir, "db");
    const signer = generateDigestSigner();
    const clock = new ManualClock(T0);
    // A log as the earlier schema held it: events, one audit_resources row per name and type, a digest.
    const mem = new MemoryAuditStore();
    const log = createAuditLog({ store: mem, digestSigner: signer, clock, digestIntervalMs: 0 });
    const key = (n: number): string => `arn:aws:kms:us-east-1:111122223333:key/k${n}`;
    for (let i = 1; i <= 4; i++) {
      clock.advance(1000);
      const resources = [{ ARN: key(i % 2), accountId: "111122223333", type: "AWS::KMS::Key" }, { ARN: `arn:x${i}`, accountId: "111122223333" }];
      await log.record(auditRecord({ time: clock.now(), requestId: `req-${i}`, annotations: { resources } }));
    }
    await log.close();
    const old = new Database(path);
    try {
      old.pragma("journal_mode = WAL");
      runMigrations(sqliteMigrationDriver(old), coreMigrations.slice(0, 4), () => T0);
      const ins = old.prepare(
        "INSERT INTO audit_events (seq, time, account_id, region, event_id, event_name, event_source, username, access_key_id, read_only, " +
          "resource_names, resource_types, json, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      );
      const res = old.prepare("INSERT OR IGNORE INTO audit_resources (account_id, kind, value, time, seq) VALUES (?, ?, ?, ?, ?)");
      for (const r of mem.rows) {
        ins.run(r.seq, r.time, r.accountId, r.region, r.eventId, r.eventName, r.eventSource, r.username, r.accessKeyId, r.readOnly ? 1 : 0, r.resourceNames, r.resourceTypes, r.json, r.prevHash, r.hash);
        for (const v of r.resourceNames.split("\n")) if (v) res.run(r.accountId, "name", v, r.time, r.seq);
        for (const v of r.resourceTypes.split("\n")) if (v) res.run(r.accountId, "type", v, r.time, r.seq);
      }
      for (const d of mem.digests) {
        old.prepare("INSERT INTO audit_digests (seq, time, from_seq, to_seq, json, signature) VALUES (?, ?, ?, ?, ?, ?)").run(d.seq, d.time, d.fromSeq, d.toSeq, d.json, d.signature);
      }
    } finally {
      old.close();
    }

    const s = openSqliteStorage({ path, auditWriterThread: true });
    try {
      const db = new Database(path, { readonly: true });
      try {
        assert.equal(db.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'audit_resources'").pluck().get(), 0);
      } finally {
        db.close();
      }
      const seqsOf = async (key: "ResourceName" | "ResourceType", value: string): Promise<number[]> =>
        (await s.queryAudit({ accountId: "111122223333", attribute: { key, value }, limit: 10 })).map((r) => r.seq);
      assert.deepEqual(await seqsOf("ResourceName", key(1)), [3, 1]);
      assert.deepEqual(await seqsOf("ResourceName", "arn:x2"), [2]);
      assert.deepEqual(await seqsOf("ResourceType", "AWS::KMS::Key"), [4, 3, 2, 1]);
      // The log continues on the same chain.
      const next = createAuditLog({ store: s, digestSigner: signer, clock, digestIntervalMs: 0 });
      clock.advance(1000);
      await next.record(auditRecord({ time: clock.now(), requestId: "req-5", annotations: { resources: [{ ARN: key(1), accountId: "111122223333", type: "AWS::KMS::Key" }] } }));
      await next.close();
      assert.deepEqual(await seqsOf("ResourceName", key(1)), [5, 3, 1]);
      const report = await verifyAudit(s, signer.publicKeyPem);
      assert.equal(report.ok, true, JSON.stringify(report.problems));
      assert.equal(report.events, 5);
    } finally {
      await s.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("retention: only rows a signed prune record covers can be deleted; the log continues and verifies after a restart", async () => {
    const dir = tempDir();
    const path = join(dir, "db");
    const signer = generateDigestSigner();
    const clock = new ManualClock(T0);
    let s = openSqliteStorage({ path, auditWriterThread: true });
    try {
      let log = createAuditLog({ store: s, digestSigner: signer, clock, digestIntervalMs: 0 });
      const events = async (from: number, to: number): Promise<void> => {
        for (let i = from; i <= to; i++) {
          clock.advance(1000);
          await log.record(auditRecord({ time: clock.now(), requestId: `req-${i}` }));
        }
        await log.flush(); // a digest over them
      };
      await events(1, 20);
      await events(21, 30);
      await events(31, 32);
      // The table refuses deletes of its own accord (append-only), prunes too.
      const raw = new Database(path);
      try {
        assert.throws(() => raw.prepare("DELETE FROM audit_events WHERE seq = 1").run(), /append-only/);
        raw.prepare("INSERT INTO audit_prunes (seq, time, through_seq, json, signature) VALUES (1, 0, 5, '{}', 'x')").run();
        // A stray row in audit_prunes (no valid signature) lets SQLite delete, but verify then fails: see verify tests.
        assert.throws(() => raw.prepare("DELETE FROM audit_prunes").run(), /append-only/);
        assert.throws(() => raw.prepare("UPDATE audit_prunes SET through_seq = 99").run(), /append-only/);
        assert.throws(() => raw.prepare("DELETE FROM audit_events WHERE seq = 6").run(), /append-only/);
      } finally {
        raw.close();
      }
      await assert.rejects(s.deleteAuditThrough(25, 100), /append-only/);
      assert.equal((await s.readAudit(1, 40)).length, 32);
      // Prune through digest 2 (event 30), in slices of 7.
      const r = await pruneAudit(s, signer, clock.now(), T0 + 31_000, { sliceRows: 7 });
      assert.deepEqual([r.throughSeq, r.deleted, r.record?.seq], [30, 30, 2]);
      assert.deepEqual((await s.readAudit(1, 40)).map((x) => x.seq), [31, 32]);
      assert.deepEqual((await s.listAuditPrunes()).map((p) => p.throughSeq), [5, 30]);
      await log.close();
      await s.close();
      s = openSqliteStorage({ path, auditWriterThread: true });
      log = createAuditLog({ store: s, digestSigner: signer, clock, digestIntervalMs: 0 });
      await events(33, 34);
      await log.close();
      assert.deepEqual((await s.readAudit(1, 40)).map((x) => x.seq), [31, 32, 33, 34]);
      const report = await verifyAudit(s, signer.publicKeyPem);
      // The unsigned stray record is reported; the signed one carries the check.
      assert.deepEqual(
        report.problems.map((p) => [p.prune, p.kind]),
        [[1, "bad-prune-record"]],
      );
      assert.equal(report.events, 4);
    } finally {
      await s.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  for (const auditWriterThread of [false, true]) {
    test(`what is deleted does not stay in the database or WAL file (${auditWriterThread ? "checkpointer thread" : "one connection"})`, async () => {
      const dir = tempDir();
      const path = join(dir, "db");
      // Which of the files (database, WAL) hold these bytes now.
      const holders = (needle: string): string[] =>
        [path, `${path}-wal`].filter((f) => existsSync(f) && readFileSync(f).includes(needle)).map((f) => f.slice(path.length) || "db");
      const sealed = Array.from({ length: 40 }, (_, i) => `sealed-${i}-${randomBytes(24).toString("base64url")}`);
      const key = (i: number): string => `acct/k${String(i).padStart(2, "0")}`;
      let s = openSqliteStorage({ path, auditWriterThread });
      try {
        for (const [i, v] of sealed.entries()) await s.put("secrets", key(i), { sealed: v });
        await s.close(); // checkpointed: the values are in the database file's pages
        assert.deepEqual(holders(sealed[20]!), ["db"]);
        s = openSqliteStorage({ path, auditWriterThread });
        await s.transaction(async (tx) => assert.equal(await tx.delete("secrets", key(20)), true));
        assert.equal(await s.delete("secrets", key(21)), true);
        const deadline = Date.now() + 5000;
        while ((holders(sealed[20]!).length > 0 || holders(sealed[21]!).length > 0) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
        assert.deepEqual([holders(sealed[20]!), holders(sealed[21]!)], [[], []]);
        // The neighbours on the same pages are intact, in the database file.
        assert.deepEqual(holders(sealed[19]!), ["db"]);
        assert.deepEqual(await s.get("secrets", key(22)), { sealed: sealed[22] });
        assert.equal(await s.count("secrets"), 38);
      } finally {
        await s.close();
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }

  test("a delete with { scrub: false } leaves the WAL file as it is; a plain delete empties it", async () => {
    const dir = tempDir();
    const path = join(dir, "db");
    const walSize = (): number => (existsSync(`${path}-wal`) ? statSync(`${path}-wal`).size : 0);
    const s = openSqliteStorage({ path, auditWriterThread: true });
    try {
      for (let i = 0; i < 20; i++) await s.put("jobs", `k${i}`, { due: i });
      await s.transaction(async (tx) => assert.equal(await tx.delete("jobs", "k0", { scrub: false }), true));
      assert.equal(await s.delete("jobs", "k1", { scrub: false }), true);
      // The checkpointer ticks every 100 ms; a scrub asked for would have emptied the file by now.
      await new Promise((r) => setTimeout(r, 600));
      assert.ok(walSize() > 0, "the WAL file was emptied without a scrub being asked for");
      assert.equal(await s.count("jobs"), 18);
      assert.equal(await s.delete("jobs", "k2"), true);
      const deadline = Date.now() + 5000;
      while (walSize() > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
      assert.equal(walSize(), 0);
      assert.equal(await s.count("jobs"), 17);
    } finally {
      await s.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("the checkpointer empties the WAL file every scrubEveryMs: an overwritten version does not stay in an old frame", async () => {
    const dir = tempDir();
    const path = join(dir, "db");
    const holds = (needle: string): boolean => [path, `${path}-wal`].some((f) => existsSync(f) && readFileSync(f).includes(needle));
    const s = openSqliteStorage({ path }); // no threads: the test runs the checkpointer itself
    let cp: ReturnType<typeof startCheckpointer> | undefined;
    try {
      const old = `old-${randomBytes(16).toString("hex")}`;
      await s.put("secrets", "acct/k", { sealed: old });
      await s.put("secrets", "acct/k", { sealed: "replaced" });
      assert.equal(holds(old), true); // the first version's frame
      cp = startCheckpointer(path, 20, 300);
      const deadline = Date.now() + 5000;
      while (holds(old) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
      assert.equal(holds(old), false);
      assert.equal(statSync(`${path}-wal`).size, 0);
      assert.deepEqual(await s.get("secrets", "acct/k"), { sealed: "replaced" });
    } finally {
      await cp?.close();
      await s.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("pruned audit rows do not stay in the database or WAL file", async () => {
    const dir = tempDir();
    const path = join(dir, "db");
    const holds = (needle: string): boolean => [path, `${path}-wal`].some((f) => existsSync(f) && readFileSync(f).includes(needle));
    const marker = (seq: number): string => `event-${seq}-${randomBytes(16).toString("hex")}`;
    const markers = Array.from({ length: 12 }, (_, i) => marker(i + 1));
    let s = openSqliteStorage({ path, auditWriterThread: true });
    try {
      await s.appendAudit(markers.map((m, i) => contractRow(i + 1, { json: JSON.stringify({ m }) })));
      await s.close();
      assert.ok(holds(markers[3]!));
      s = openSqliteStorage({ path, auditWriterThread: true });
      await s.appendAuditPrune({ seq: 1, time: 0, throughSeq: 5, json: "{}", signature: "x" });
      assert.equal(await s.deleteAuditThrough(5, 100), 5);
      const deadline = Date.now() + 5000;
      while (markers.slice(0, 5).some(holds) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
      assert.deepEqual(markers.map(holds), [false, false, false, false, false, true, true, true, true, true, true, true]);
    } finally {
      await s.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("a write waits for another process's write lock without blocking the event loop; reads go on", async () => {
    const dir = tempDir();
    const path = join(dir, "db");
    const s = openSqliteStorage({ path, busyTimeoutMs: 1500 });
    const other = new Database(path);
    try {
      await s.put("c", "k", 1);
      other.exec("BEGIN IMMEDIATE");
      const w = s.put("c", "k", 2);
      const t = s.transaction(async (tx) => tx.put("c", "t", 1));
      // Both writes wait for the lock while the event loop goes on: timers fire and reads are answered.
      // (A write blocking the loop in a lock wait would run out its busy timeout first and reject.)
      let settled = false;
      void Promise.allSettled([w, t]).then(() => (settled = true));
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(settled, false);
      assert.equal(await s.get("c", "k"), 1);
      assert.deepEqual((await s.list("c")).map((e) => e.key), ["k"]);
      assert.equal(settled, false);
      other.exec("COMMIT");
      await w;
      await t;
      assert.equal(await s.get("c", "k"), 2);
      assert.equal(await s.get("c", "t"), 1);
      // Held past the busy timeout: SQLITE_BUSY, nothing written, the next write goes through.
      other.exec("BEGIN IMMEDIATE");
      const t0 = performance.now();
      await assert.rejects(s.put("c", "k", 3), (e: unknown) => (e as { code?: string }).code === "SQLITE_BUSY");
      const waited = performance.now() - t0;
      assert.ok(waited >= 1400 && waited < 10000, `waited ${waited} ms`);
      other.exec("ROLLBACK");
      assert.equal(await s.get("c", "k"), 2);
      await s.put("c", "k", 4);
      assert.equal(await s.get("c", "k"), 4);
    } finally {
      other.close();
      await s.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("an audit batch waits for another process's write lock at most the busy timeout from when it was sent", async () => {
    const dir = tempDir();
    const path = join(dir, "db");
    const s = openSqliteStorage({ path, busyTimeoutMs: 2000, auditWriterThread: true });
    const other = new Database(path);
    try {
      // The writer thread is up and has appended once (on a loaded machine a thread that starts
      // late would take both batches below in one group, which gives up with the first).
      await s.appendAudit([auditRow(1, "0".repeat(64), "a".repeat(64))]);
      other.exec("BEGIN IMMEDIATE");
      const t0 = performance.now();
      const settled = (p: Promise<void>) => p.then(() => -1, () => performance.now() - t0);
      const a = settled(s.appendAudit([auditRow(2, "a".repeat(64), "b".repeat(64))]));
      await new Promise((r) => setTimeout(r, 300));
      // Queued behind the first while it waits: not another full timeout after it.
      const b = settled(s.appendAudit([auditRow(3, "b".repeat(64), "c".repeat(64))]));
      const [ta, tb] = [await a, await b];
      // Sent at 0 and ~300 ms: each gives up ~2,000 ms after it was sent (the second, waiting its
      // own full timeout after the first, would take ~4,000 ms).
      assert.ok(ta >= 1900, `first failed after ${ta} ms`);
      assert.ok(tb >= 2200 && tb < 3400, `second failed after ${tb} ms`);
      other.exec("ROLLBACK");
      assert.equal((await s.lastAudit())?.seq, 1);
      await s.appendAudit([auditRow(2, "a".repeat(64), "b".repeat(64))]);
      assert.equal((await s.lastAudit())?.seq, 2);
    } finally {
      other.close();
      await s.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("writes to a database file removed or renamed while open are not reported as done", async () => {
    const dir = tempDir();
    const path = join(dir, "data", "bulwark.db");
    const s = openSqliteStorage({ path, auditWriterThread: true });
    try {
      await s.put("c", "k", 1);
      await s.appendAudit([auditRow(1, "0".repeat(64), "a".repeat(64))]);
      renameSync(join(dir, "data"), join(dir, "moved"));
      await assert.rejects(s.put("c", "k", 2), StorageMovedError);
      await assert.rejects(s.transaction(async (tx) => tx.put("c", "t", 1)), StorageMovedError);
      await assert.rejects(s.appendAudit([auditRow(2, "a".repeat(64), "b".repeat(64))]), /removed, renamed or replaced/);
      assert.ok((await s.get("c", "k")) !== undefined); // reads go on
      // Back in place: writes are taken again.
      renameSync(join(dir, "moved"), join(dir, "data"));
      await s.put("c", "k", 3);
      assert.equal(await s.get("c", "k"), 3);
      const head = await s.lastAudit();
      await s.appendAudit([auditRow(head!.seq + 1, head!.hash, "c".repeat(64))]);
      // Removed for good: refused.
      rmSync(join(dir, "data"), { recursive: true, force: true });
      await assert.rejects(s.put("c", "k", 5), StorageMovedError);
      await assert.rejects(s.appendAudit([auditRow(head!.seq + 2, "c".repeat(64), "d".repeat(64))]), /removed, renamed or replaced/);
    } finally {
      await s.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("an in-memory database works (tests of other modules)", async () => {
    const s = openSqliteStorage({ path: ":memory:" });
    await s.put("c", "k", { v: 1 });
    assert.deepEqual(await s.get("c", "k"), { v: 1 });
    await s.close();
  });
});
