/**
 * The embedded storage engine: one SQLite file (better-sqlite3, synchronous) behind the
 * async Storage interface.
 *
 * What must stay true:
 *  - a write's promise resolves only after the commit is durable: WAL + synchronous=FULL, or, in
 *    the server (with the audit writer thread), synchronous=NORMAL and an fsync of the WAL file
 *    on libuv's thread pool after the commit (wal-file.ts), so that the event loop serving
 *    requests never waits for the disk; commits made while one such fsync runs share the next.
 *    Other requests may read a commit before it is forced (never before it is written: a process
 *    crash keeps it); a write that depends on it is forced with it (the WAL is one file);
 *  - the database and its -wal/-shm files are mode 0600 (they hold sealed secrets and the
 *    audit log);
 *  - transactions are serialised by an async queue and nothing else (reads included) runs
 *    on the connection while one is open, so a transaction commits or rolls back alone;
 *  - statements are prepared once, at open;
 *  - reads share one read transaction until the current job's ticks and microtasks have run
 *    (it is committed from process.nextTick): opening and closing a WAL read transaction costs
 *    two lock system calls (~2 µs), more than the read itself. Every write first ends the
 *    shared read transaction, so a write never upgrades a stale snapshot and reads after it see
 *    it; commits of other connections are seen from the next job on;
 *  - waiting for the write lock another connection holds never blocks the event loop: the
 *    attempt fails at once and is retried after a pause, up to the busy timeout, while reads
 *    go on (SQLite's own busy handler would sleep in the thread that serves requests);
 *  - a write is reported only if the database file is still the one opened: after the file
 *    (or its directory) is removed, renamed or replaced, commits would go to a file nobody can
 *    open again, so they are refused (StorageMovedError) until it is back;
 *  - what is deleted does not stay in the files: freed space is zeroed (secure_delete), and after
 *    a commit that deleted a document or audit rows the WAL is checkpointed into the database
 *    file and truncated to zero bytes (by the checkpointer thread within about a tick, or at once
 *    on this connection without one), so no older frame still holds the deleted bytes. Versions
 *    a put() overwrote stay in older WAL frames until the WAL is next emptied (the checkpointer
 *    does that at least hourly) or overwritten; so do those of a document deleted with
 *    `{ scrub: false }` (DeleteOptions: records that hold nothing confidential).
 */
import { chmodSync, closeSync, existsSync, openSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { makeDirs } from "../../core/dirs.js";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import { systemClock, type Clock } from "../../core/clock.js";
import { coreMigrations } from "../core-migrations.js";
import { runMigrations } from "../migrations.js";
import type { AppendAuditOptions, AuditActivityQuery, AuditActivityRow, AuditDigestRow, AuditLookupPage, AuditPruneRow, AuditQuery, AuditRow, DeleteOptions, DocEntry, DocStore, ListOptions, Migration, Storage } from "../types.js";
import type { AuditBatch } from "../audit-batch.js";
import { SerialQueue } from "./serial-queue.js";
import { SqliteAudit } from "./sqlite-audit.js";
import { startAuditAppendWorker, type AuditAppender, type AuditSyncState } from "./audit-appender.js";
import { AUTOCHECKPOINT_PAGES, startCheckpointer, type Checkpointer } from "./checkpointer.js";
import { SqliteDocs } from "./sqlite-docs.js";
import { fileIdentity, isSameFile, type FileIdentity } from "./file-identity.js";
import { sqliteMigrationDriver } from "./sqlite-migrations.js";
import { WalFile, WalSyncer } from "./wal-file.js";

export interface SqliteStorageOptions {
  /** Database file, or ":memory:" (tests only: not durable, no file modes). */
  path: string;
  /** Extra migrations from other modules, applied after the core ones, in order. */
  migrations?: Migration[];
  /** How long to wait for another process holding the write lock. */
  busyTimeoutMs?: number;
  clock?: Clock;
  /**
   * Append audit rows from a worker thread on a second connection, so the durable commit
   * does not block the event loop (the server uses this; tools and tests need not).
   */
  auditWriterThread?: boolean;
  /**
   * With the writer thread: how long the rows of calls that changed nothing may stay written but
   * not yet forced to disk (AuditStore.appendAudit's deferSync); 0 or omitted: none may.
   */
  auditSyncDelayMs?: number;
}

/** Effective connection settings (for health checks and tests). */
export interface SqliteSettings {
  journalMode: string;
  synchronous: number;
  foreignKeys: number;
  busyTimeout: number;
  /** 2 = MEMORY: journals of savepoints, sorts and temporary tables never go to temporary files. */
  tempStore: number;
  /** Bytes per page: PAGE_SIZE for a database this store created, what it had for an older one. */
  pageSize: number;
  /** 1: deleted content is zeroed in the file, not left in free space. */
  secureDelete: number;
}

const FILE_MODE = 0o600;
const DIR_MODE = 0o700;
/** PRAGMA synchronous values. */
const SYNCHRONOUS_NORMAL = 1;
const SYNCHRONOUS_FULL = 2;

export class StorageClosedError extends Error {
  constructor() {
    super("Storage is closed");
    this.name = "StorageClosedError";
  }
}

/**
 * The database file is no longer at its path (removed, renamed or replaced while open): what is
 * committed now would be gone at the next start.
 */
export class StorageMovedError extends Error {
  constructor(path: string) {
    super(`The database file ${path} was removed, renamed or replaced while open; writes are refused until it is back`);
    this.name = "StorageMovedError";
  }
}

/** Page size of a database this store creates (see openSqliteStorage). */
export const PAGE_SIZE = 16_384;

/** Pauses between attempts to take the write lock (SQLite's busy handler sleeps the same). */
const LOCK_RETRY_MS = [1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50, 100];

function isBusy(err: unknown): boolean {
  return typeof err === "object" && err !== null && typeof (err as { code?: unknown }).code === "string" && (err as { code: string }).code.startsWith("SQLITE_BUSY");
}

export function openSqliteStorage(opts: SqliteStorageOptions): SqliteStorage {
  const inMemory = opts.path === ":memory:";
  if (!inMemory) prepareFile(opts.path);
  const busyTimeout = opts.busyTimeoutMs ?? 5000;
  const db = new Database(opts.path, { timeout: busyTimeout });
  try {
    db.pragma(`busy_timeout = ${Math.trunc(busyTimeout)}`);
    // A new database gets 16 KiB pages (an existing one keeps its size: SQLite fixes it in WAL
    // mode). Audit rows are ~2 KiB each: with 4 KiB pages nearly every event is a page of its
    // own, and every page is a WAL frame written, then read back and written again at each
    // checkpoint, one system call each; 16 KiB pages take a quarter of those calls.
    if (!inMemory && db.pragma("page_count", { simple: true }) === 0) db.pragma(`page_size = ${PAGE_SIZE}`);
    const mode = db.pragma("journal_mode = WAL", { simple: true });
    if (!inMemory && mode !== "wal") throw new Error(`SQLite refused WAL mode for ${opts.path} (journal_mode=${String(mode)})`);
    db.pragma("synchronous = FULL");
    // Statement and savepoint journals, sorts and temporary tables stay in memory: nothing of the
    // database is copied to unmanaged temporary files (and no file is opened and unlinked per write).
    db.pragma("temp_store = MEMORY");
    db.pragma("foreign_keys = ON");
    // What a statement deletes or overwrites is zeroed in its page (and freed pages are zeroed),
    // not left in free space: a deleted key's sealed material must not stay readable in the file.
    db.pragma("secure_delete = ON");
    if (!inMemory) restrictSidecarFiles(opts.path);
    const clock = opts.clock ?? systemClock;
    const applied = runMigrations(sqliteMigrationDriver(db), [...coreMigrations, ...(opts.migrations ?? [])], () => clock.now());
    if (!inMemory) restrictSidecarFiles(opts.path);
    const identity = inMemory ? undefined : fileIdentity(opts.path);
    const threads = opts.auditWriterThread === true && !inMemory;
    // With the writer thread, WAL checkpoints run on a thread of their own (checkpointer.ts),
    // and commits are forced to disk off the event loop (see the header comment).
    if (threads) db.pragma(`wal_autocheckpoint = ${AUTOCHECKPOINT_PAGES}`);
    if (threads) db.pragma("synchronous = NORMAL");
    const walSyncer = threads ? new WalSyncer(new WalFile(`${opts.path}-wal`)) : undefined;
    const appender = threads ? startAuditAppendWorker(opts.path, { busyTimeoutMs: busyTimeout, identity, autocheckpointPages: AUTOCHECKPOINT_PAGES, syncDelayMs: opts.auditSyncDelayMs }) : undefined;
    const checkpointer = threads ? startCheckpointer(opts.path) : undefined;
    return new SqliteStorage(db, appender, applied, busyTimeout, identity, checkpointer, walSyncer);
  } catch (err) {
    db.close();
    throw err;
  }
}

/** Creates the parent directory (0700) and the file (0600) before SQLite touches it. */
function prepareFile(path: string): void {
  makeDirs(dirname(path), DIR_MODE);
  if (!existsSync(path)) closeSync(openSync(path, "a", FILE_MODE));
  // Also tightens a file restored or copied with looser permissions.
  chmodSync(path, FILE_MODE);
}

/** SQLite gives -wal/-shm the database file's mode; enforce it anyway. */
function restrictSidecarFiles(path: string): void {
  for (const suffix of ["-wal", "-shm"]) {
    const p = path + suffix;
    if (existsSync(p)) chmodSync(p, FILE_MODE);
  }
}

export class SqliteStorage implements Storage {
  readonly engine = "sqlite" as const;
  private readonly queue = new SerialQueue();
  private readonly docs: SqliteDocs;
  private readonly audit: SqliteAudit;
  private readonly beginStmt: Database.Statement<[]>;
  private readonly commitStmt: Database.Statement<[]>;
  private readonly rollbackStmt: Database.Statement<[]>;
  private readonly beginReadStmt: Database.Statement<[]>;
  private readonly noWaitStmt: Database.Statement<[]>;
  private readonly waitStmt: Database.Statement<[]>;
  /** A shared read transaction is open (see the header comment). */
  private reading = false;
  private readonly endReadTick = (): void => this.endRead();
  private readonly getMetaStmt: Database.Statement<[string], string>;
  /** The open write transaction deleted something (its commit then asks for a scrub). */
  private deletes = false;
  /** A scrub this connection could not do yet (no checkpointer; another connection was reading). */
  private scrubPending = false;
  private readonly deletedInTx = (did: boolean): boolean => this.deleted(did);
  private readonly setMetaStmt: Database.Statement<[string, string]>;
  private closed = false;

  constructor(
    private readonly db: Database.Database,
    private readonly appender?: AuditAppender,
    /** Ids of the schema migrations this open applied (empty when the schema was current). */
    readonly migrationsApplied: readonly string[] = [],
    private readonly busyTimeoutMs = 5000,
    /** The database file as opened (undefined in memory). */
    private readonly identity?: FileIdentity,
    private readonly checkpointer?: Checkpointer,
    /** Forces commits made at synchronous=NORMAL to disk (the server); undefined at FULL. */
    private readonly walSyncer?: WalSyncer,
  ) {
    this.docs = new SqliteDocs(db);
    this.audit = new SqliteAudit(db);
    // IMMEDIATE takes the write lock up front: no upgrade deadlock against other processes.
    this.beginStmt = db.prepare("BEGIN IMMEDIATE");
    this.commitStmt = db.prepare("COMMIT");
    this.rollbackStmt = db.prepare("ROLLBACK");
    this.beginReadStmt = db.prepare("BEGIN DEFERRED");
    this.noWaitStmt = db.prepare("PRAGMA busy_timeout = 0");
    this.waitStmt = db.prepare(`PRAGMA busy_timeout = ${Math.trunc(busyTimeoutMs)}`);
    this.getMetaStmt = db.prepare<[string], string>("SELECT value FROM meta WHERE key = ?").pluck();
    this.setMetaStmt = db.prepare("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value");
  }

  // ---- DocStore -------------------------------------------------------------------

  get<T>(collection: string, key: string): Promise<T | undefined> {
    // The hot read: when nothing is queued, run it now without allocating the closures of read().
    if (this.queue.idle && !this.closed) {
      try {
        this.beginRead();
        return Promise.resolve(this.docs.get<T>(collection, key));
      } catch (err) {
        return Promise.reject(err);
      }
    }
    return this.read(() => this.docs.get<T>(collection, key));
  }

  put<T>(collection: string, key: string, value: T): Promise<void> {
    return this.write(() => this.docs.put(collection, key, value));
  }

  putIfAbsent<T>(collection: string, key: string, value: T): Promise<boolean> {
    return this.write(() => this.docs.putIfAbsent(collection, key, value));
  }

  delete(collection: string, key: string, opts?: DeleteOptions): Promise<boolean> {
    return this.write(() => {
      const did = this.docs.delete(collection, key);
      return opts?.scrub === false ? did : this.deleted(did);
    });
  }

  list<T>(collection: string, opts?: ListOptions): Promise<Array<DocEntry<T>>> {
    return this.read(() => this.docs.list<T>(collection, opts));
  }

  count(collection: string, prefix?: string): Promise<number> {
    return this.read(() => this.docs.count(collection, prefix));
  }

  // ---- AuditStore -----------------------------------------------------------------

  appendAudit(rows: AuditRow[] | AuditBatch, opts?: AppendAuditOptions): Promise<void> {
    if (this.appender) {
      if (this.closed) return Promise.reject(new StorageClosedError());
      return this.appender.append(rows, opts?.deferSync === true);
    }
    return this.write(() => this.audit.append(rows));
  }

  stageAuditIntent(key: string, value: string): Promise<void> {
    if (this.appender) {
      if (this.closed) return Promise.reject(new StorageClosedError());
      return this.appender.stageIntent(key, value);
    }
    return this.write(() => this.audit.stageIntent(key, value));
  }

  listAuditIntents(): Promise<Array<{ key: string; value: string }>> {
    return this.read(() => this.audit.listIntents());
  }

  lastAudit(): Promise<AuditRow | undefined> {
    return this.read(() => this.audit.last());
  }

  readAudit(fromSeq: number, toSeq: number): Promise<AuditRow[]> {
    return this.read(() => this.audit.read(fromSeq, toSeq));
  }

  queryAudit(q: AuditQuery): Promise<AuditRow[]> {
    return this.read(() => this.audit.query(q));
  }

  lookupAudit(q: AuditQuery, scanLimit: number): Promise<AuditLookupPage> {
    return this.read(() => this.audit.lookup(q, scanLimit));
  }

  scanAuditActivity(q: AuditActivityQuery): Promise<AuditActivityRow[]> {
    return this.read(() => this.audit.activity(q));
  }

  appendDigest(row: AuditDigestRow): Promise<void> {
    return this.write(() => this.audit.appendDigest(row));
  }

  lastDigest(): Promise<AuditDigestRow | undefined> {
    return this.read(() => this.audit.lastDigest());
  }

  listDigests(): Promise<AuditDigestRow[]> {
    return this.read(() => this.audit.listDigests());
  }

  digestBefore(time: number, belowSeq: number): Promise<AuditDigestRow | undefined> {
    return this.read(() => this.audit.digestBefore(time, belowSeq));
  }

  appendAuditPrune(row: AuditPruneRow): Promise<void> {
    return this.write(() => this.audit.appendPrune(row));
  }

  listAuditPrunes(): Promise<AuditPruneRow[]> {
    return this.read(() => this.audit.listPrunes());
  }

  deleteAuditThrough(throughSeq: number, limit: number): Promise<number> {
    return this.write(() => {
      const n = this.audit.deleteThrough(throughSeq, limit);
      this.deleted(n > 0);
      return n;
    });
  }

  // ---- Storage --------------------------------------------------------------------

  transaction<T>(fn: (tx: DocStore) => Promise<T>): Promise<T> {
    return this.writeTx(async () => {
      const tx = new TxDocStore(this.docs, this.deletedInTx);
      try {
        return await fn(tx);
      } finally {
        tx.finish();
      }
    });
  }

  getMeta(key: string): Promise<string | undefined> {
    return this.read(() => this.getMetaStmt.get(key));
  }

  setMeta(key: string, value: string): Promise<void> {
    return this.write(() => {
      this.setMetaStmt.run(key, value);
    });
  }

  /** What the audit writer thread has forced to disk; undefined without the thread. */
  auditSyncState(): Promise<AuditSyncState> | undefined {
    return this.closed ? undefined : this.appender?.syncState();
  }

  /** fsyncs of the WAL file made for this connection's commits; undefined when SQLite makes them (FULL). */
  commitSyncs(): number | undefined {
    return this.walSyncer?.syncs;
  }

  /** Waits for queued work, then closes. Idempotent. */
  close(): Promise<void> {
    return this.queue.runExclusive(async () => {
      if (this.closed) return;
      this.endRead();
      this.closed = true;
      await this.appender?.close();
      await this.checkpointer?.close();
      this.db.close();
      if (this.walSyncer !== undefined) {
        await this.walSyncer.settle();
        this.walSyncer.close();
      }
    });
  }

  /** Effective connection settings. */
  settings(): SqliteSettings {
    this.assertOpen();
    return {
      journalMode: String(this.db.pragma("journal_mode", { simple: true })),
      synchronous: Number(this.db.pragma("synchronous", { simple: true })),
      foreignKeys: Number(this.db.pragma("foreign_keys", { simple: true })),
      busyTimeout: Number(this.db.pragma("busy_timeout", { simple: true })),
      tempStore: Number(this.db.pragma("temp_store", { simple: true })),
      pageSize: Number(this.db.pragma("page_size", { simple: true })),
      secureDelete: Number(this.db.pragma("secure_delete", { simple: true })),
    };
  }

  /** True when settings() match what durability requires. */
  isDurable(): boolean {
    const s = this.settings();
    return s.journalMode === "wal" && (s.synchronous === SYNCHRONOUS_FULL || (s.synchronous === SYNCHRONOUS_NORMAL && this.walSyncer !== undefined));
  }

  /** A read, inside the shared read transaction. */
  private read<T>(f: () => T): Promise<T> {
    return this.queue.run(() => {
      this.assertOpen();
      this.beginRead();
      return f();
    });
  }

  /** Opens the shared read transaction unless one is open; it ends after this job (nextTick). */
  private beginRead(): void {
    if (this.reading) return;
    this.beginReadStmt.run();
    this.reading = true;
    process.nextTick(this.endReadTick);
  }

  /** A write (its own transaction), after ending the shared read transaction. */
  private write<T>(f: () => T): Promise<T> {
    return this.writeTx(async () => f());
  }

  /**
   * Runs `body` in an IMMEDIATE transaction holding the queue, and commits it. While another
   * connection holds the write lock, the queue is let go and the attempt repeated after a pause
   * (reads go on meanwhile), until the busy timeout has passed; then SQLITE_BUSY is thrown.
   */
  private async writeTx<T>(body: () => Promise<T>): Promise<T> {
    const deadline = performance.now() + this.busyTimeoutMs;
    for (let attempt = 0; ; attempt++) {
      const done = await this.queue.runExclusive(async () => {
        this.assertOpen();
        this.endRead();
        // After a failed fsync nothing more is written (see WalSyncer).
        const failed = this.walSyncer?.failed;
        if (failed !== undefined) throw failed;
        if (!this.tryBegin(deadline)) return undefined;
        this.deletes = false;
        try {
          // Checked before (nothing written then) and after the commit.
          this.assertInPlace();
          const result = await body();
          this.commitStmt.run();
          this.assertInPlace();
          if (this.deletes || this.scrubPending) this.scrub();
          return { result };
        } catch (err) {
          // A failed COMMIT may already have rolled back (e.g. SQLITE_FULL).
          if (this.db.inTransaction) this.rollbackStmt.run();
          throw err;
        } finally {
          this.deletes = false;
        }
      });
      if (done !== undefined) {
        // Forced to disk after the queue is let go: the next transaction runs meanwhile.
        if (this.walSyncer !== undefined) await this.walSyncer.sync();
        return done.result;
      }
      await sleep(Math.max(1, Math.min(LOCK_RETRY_MS[attempt] ?? 100, deadline - performance.now())));
    }
  }

  /** Notes that the open write transaction deleted something; returns `did`. */
  private deleted(did: boolean): boolean {
    if (did) this.deletes = true;
    return did;
  }

  /**
   * Empties the WAL into the database file after a commit that deleted something (see the header
   * comment): the checkpointer thread's next tick does it; without one, this connection does it
   * now, without waiting for other connections (busy: tried again after the next write).
   */
  private scrub(): void {
    this.scrubPending = false;
    if (this.db.memory) return;
    if (this.checkpointer) return this.checkpointer.scrub();
    this.noWaitStmt.run();
    try {
      const [r] = this.db.pragma("wal_checkpoint(TRUNCATE)") as Array<{ busy: number }>;
      this.scrubPending = r?.busy !== 0;
    } catch {
      this.scrubPending = true;
    } finally {
      this.waitStmt.run();
    }
  }

  /** BEGIN IMMEDIATE without waiting: false when the lock is held elsewhere and time is left. */
  private tryBegin(deadline: number): boolean {
    this.noWaitStmt.run();
    try {
      this.beginStmt.run();
      return true;
    } catch (err) {
      if (isBusy(err) && performance.now() < deadline) return false;
      throw err;
    } finally {
      this.waitStmt.run();
    }
  }

  private endRead(): void {
    if (!this.reading) return;
    this.reading = false;
    if (!this.closed && this.db.inTransaction) this.commitStmt.run();
  }

  private assertInPlace(): void {
    if (this.identity !== undefined && !isSameFile(this.db.name, this.identity)) throw new StorageMovedError(this.db.name);
  }

  private assertOpen(): void {
    if (this.closed) throw new StorageClosedError();
  }
}

/** The DocStore handed to a transaction body; unusable once the transaction has ended. */
class TxDocStore implements DocStore {
  private active = true;

  constructor(
    private readonly docs: SqliteDocs,
    /** Told whether each delete removed a document (the commit then scrubs the files). */
    private readonly onDelete: (did: boolean) => boolean,
  ) {}

  finish(): void {
    this.active = false;
  }

  async get<T>(collection: string, key: string): Promise<T | undefined> {
    this.check();
    return this.docs.get<T>(collection, key);
  }

  async put<T>(collection: string, key: string, value: T): Promise<void> {
    this.check();
    this.docs.put(collection, key, value);
  }

  async putIfAbsent<T>(collection: string, key: string, value: T): Promise<boolean> {
    this.check();
    return this.docs.putIfAbsent(collection, key, value);
  }

  async delete(collection: string, key: string, opts?: DeleteOptions): Promise<boolean> {
    this.check();
    const did = this.docs.delete(collection, key);
    return opts?.scrub === false ? did : this.onDelete(did);
  }

  async list<T>(collection: string, opts?: ListOptions): Promise<Array<DocEntry<T>>> {
    this.check();
    return this.docs.list<T>(collection, opts);
  }

  async count(collection: string, prefix?: string): Promise<number> {
    this.check();
    return this.docs.count(collection, prefix);
  }

  private check(): void {
    if (!this.active) throw new Error("This transaction has already ended; its tx handle cannot be used any more");
  }
}
