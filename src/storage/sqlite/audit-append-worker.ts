/**
 * Worker thread that appends audit rows on its own SQLite connection, so the durable
 * commit (fsync under synchronous=FULL) never blocks the event loop that serves requests.
 *
 * Group commit across messages: batches that arrived while the previous commit was running
 * (its fsync is the slow part) are appended together, in the order received, in one
 * transaction — one fsync for all of them. A batch is acknowledged only after the commit that
 * holds it; each is judged as if appended alone, so one that does not continue the log (because
 * one before it failed) is refused and written nothing (see SqliteAudit.appendBatches).
 *
 * With a sync delay (syncDelayMs > 0) the connection commits with synchronous=NORMAL: a commit
 * writes its WAL frames (they survive the process ending) without forcing them to disk, and this
 * thread forces the WAL itself. A group holding anything not marked `deferSync` (events of calls
 * that changed state) is forced before its appends are acknowledged; a group of `deferSync`
 * messages only (events of calls that changed nothing, intents: Storage.stageAuditIntent) is
 * acknowledged once written, and forced, with whatever followed it, at most syncDelayMs later. A failed sync fails every later append: what was acknowledged as
 * written may not be on disk, and nothing more is acknowledged on top of it.
 */
import { parentPort, receiveMessageOnPort, workerData } from "node:worker_threads";
import Database from "better-sqlite3";
import { AuditBatch, type AuditBatchWire } from "../audit-batch.js";
import { sharedNow, type AppendReply, type AppendRequest } from "./audit-appender.js";
import { SqliteAudit, type BatchOutcome } from "./sqlite-audit.js";
import { isSameFile, type FileIdentity } from "./file-identity.js";
import { WalFile } from "./wal-file.js";

interface Init {
  path: string;
  busyTimeoutMs: number;
  identity?: FileIdentity;
  /** wal_autocheckpoint of this connection (checkpointer.ts), else SQLite's default. */
  autocheckpointPages?: number;
  /** See AuditAppenderOptions.syncDelayMs. */
  syncDelayMs: number;
}

const { path, busyTimeoutMs, identity, autocheckpointPages, syncDelayMs } = workerData as Init;
const db = new Database(path, { timeout: busyTimeoutMs });
db.pragma(`busy_timeout = ${Math.trunc(busyTimeoutMs)}`);
db.pragma("journal_mode = WAL");
// NORMAL: commits are forced to disk by syncWal() below, FULL: by SQLite at every commit.
db.pragma(syncDelayMs > 0 ? "synchronous = NORMAL" : "synchronous = FULL");
// Savepoint sub-journals in memory: no temporary file opened, written and unlinked per commit.
db.pragma("temp_store = MEMORY");
if (autocheckpointPages !== undefined) db.pragma(`wal_autocheckpoint = ${Math.trunc(autocheckpointPages)}`);
const audit = new SqliteAudit(db);
/**
 * Intents first, then the batches, in one transaction: an intent is acknowledged with the same
 * commit (and fsync) as the events that arrived beside it.
 */
const commitTx = db.transaction((intents: ReadonlyArray<{ key: string; value: string }>, batches: readonly AuditBatch[]): BatchOutcome[] => {
  for (const i of intents) audit.stageIntent(i.key, i.value);
  return batches.length > 0 ? audit.appendBatches(batches) : [];
});
/** A request without rows: refused as not continuing the log, like any empty batch. */
const NO_ROWS: AuditBatchWire = { nums: new Float64Array(0), refs: new Uint32Array(0), strings: [], bytes: new Uint8Array(0) };
const port = parentPort!;
let closed = false;

const MOVED = `The database file ${path} was removed, renamed or replaced while open; writes are refused until it is back`;
const inPlace = (): boolean => identity === undefined || isSameFile(path, identity);

/** The busy timeout in effect on the connection. */
let waitMs = Math.trunc(busyTimeoutMs);

/**
 * While another process holds the write lock, a batch waits for it at most the busy timeout
 * counted from when it was sent, not from when this thread got to it: batches that queued
 * behind one waiting for the lock have already waited that long.
 */
function limitWait(group: AppendRequest[]): void {
  const sentAt = group[0]!.sentAt;
  const waited = sentAt === undefined ? 0 : sharedNow() - sentAt;
  // Queued behind a commit's fsync is no wait worth a statement.
  const left = waited < 100 ? Math.trunc(busyTimeoutMs) : Math.max(0, Math.trunc(busyTimeoutMs - waited));
  if (left !== waitMs) {
    db.pragma(`busy_timeout = ${left}`);
    waitMs = left;
  }
}

// ---- Forcing the WAL to disk (sync delay only) ----

const wal = new WalFile(`${path}-wal`);
let syncs = 0;
/** When the oldest commit not yet forced to disk was made (sharedNow), if any. */
let unsyncedSince: number | undefined;
let syncTimer: NodeJS.Timeout | undefined;
/** Set by a failed sync: every later append fails with it. */
let syncFailure: string | undefined;

/** fsync of the WAL file (wal-file.ts): everything every connection has committed to it so far. */
function syncWal(): void {
  if (syncTimer !== undefined) {
    clearTimeout(syncTimer);
    syncTimer = undefined;
  }
  if (unsyncedSince === undefined || syncFailure !== undefined) return;
  try {
    if (wal.syncNow()) syncs++;
    unsyncedSince = undefined;
  } catch (e) {
    syncFailure = `audit WAL sync failed: ${e instanceof Error ? e.message : String(e)}`;
  }
}

/** A commit of deferSync batches only: forced to disk within syncDelayMs of the oldest unforced one. */
function deferSync(): void {
  const now = sharedNow();
  unsyncedSince ??= now;
  const left = unsyncedSince + syncDelayMs - now;
  if (left <= 0) syncWal();
  else syncTimer ??= setTimeout(syncWal, Math.ceil(left));
}

function commit(group: AppendRequest[]): void {
  if (syncFailure !== undefined) {
    for (const m of group) port.postMessage({ id: m.id, ok: false, error: syncFailure } satisfies AppendReply);
    return;
  }
  let outcome: BatchOutcome[];
  try {
    limitWait(group);
    // The file is no longer the database (removed, renamed, replaced): what is committed to it
    // is lost at the next start. Not written then; not reported as written if it went meanwhile.
    if (!inPlace()) throw new Error(MOVED);
    const intents: Array<{ key: string; value: string }> = [];
    const batches: AuditBatch[] = [];
    for (const m of group) {
      if (m.intent !== undefined) intents.push(m.intent);
      else batches.push(AuditBatch.fromWire(m.batch ?? NO_ROWS));
    }
    const batchOutcome = intents.length > 0 ? commitTx.immediate(intents, batches) : audit.appendBatches(batches);
    // Back in message order: an intent is stored when the transaction committed.
    let b = 0;
    outcome = group.map((m) => (m.intent !== undefined ? undefined : batchOutcome[b++]));
    if (!inPlace()) outcome = group.map(() => ({ error: MOVED, conflict: false }));
  } catch (e) {
    const error = e instanceof Error ? e.message : String(e);
    outcome = group.map(() => ({ error, conflict: false }));
  }
  const reply = (k: number): void => {
    const o = outcome[k];
    port.postMessage(o === undefined ? { id: group[k]!.id, ok: true } : ({ id: group[k]!.id, ok: false, error: o.error, ...(o.conflict ? { conflict: true } : {}) } satisfies AppendReply));
  };
  if (syncDelayMs === 0) {
    for (let k = 0; k < group.length; k++) reply(k);
    return;
  }
  // Something was committed (a refused batch or a failed transaction wrote nothing).
  if (outcome.some((o) => o === undefined)) unsyncedSince ??= sharedNow();
  const mustSync = group.some((m, k) => outcome[k] === undefined && m.deferSync !== true);
  if (!mustSync) {
    for (let k = 0; k < group.length; k++) reply(k);
    if (unsyncedSince !== undefined) deferSync();
    return;
  }
  // The deferrable ones need not wait for the sync; the others are acknowledged after it.
  for (let k = 0; k < group.length; k++) if (group[k]!.deferSync === true) reply(k);
  syncWal();
  for (let k = 0; k < group.length; k++) {
    if (group[k]!.deferSync === true) continue;
    if (syncFailure !== undefined && outcome[k] === undefined) port.postMessage({ id: group[k]!.id, ok: false, error: syncFailure } satisfies AppendReply);
    else reply(k);
  }
}

port.on("message", (first: AppendRequest) => {
  const msgs: AppendRequest[] = [first];
  for (;;) {
    const m = receiveMessageOnPort(port);
    if (m === undefined) break;
    msgs.push(m.message as AppendRequest);
  }
  let i = 0;
  while (i < msgs.length) {
    const m = msgs[i]!;
    if (closed) {
      port.postMessage({ id: m.id, ok: false, error: "audit writer is closed" } satisfies AppendReply);
      i++;
      continue;
    }
    if (m.syncState) {
      port.postMessage({ id: m.id, ok: true, state: { syncs, unsynced: unsyncedSince !== undefined } } satisfies AppendReply);
      i++;
      continue;
    }
    if (m.close) {
      closed = true;
      syncWal();
      wal.close();
      db.close();
      port.postMessage({ id: m.id, ok: true } satisfies AppendReply);
      i++;
      continue;
    }
    let j = i;
    while (j < msgs.length && !msgs[j]!.close && !msgs[j]!.syncState) j++;
    commit(msgs.slice(i, j));
    i = j;
  }
  if (closed) port.close();
});
