/**
 * Worker thread that appends audit rows on its own SQLite connection, so the durable
 * commit (fsync under synchronous=FULL) never blocks the event loop that serves requests.
 *
 * Group commit across messages: batches that arrived while the previous commit was running
 * (its fsync is the slow part) are appended together, in the order received, in one
 * transaction — one fsync for all of them. A batch is acknowledged only after the commit that
 * holds it; each is judged as if appended alone, so one that does not continue the log (because
 * one before it failed) is refused and written nothing (see SqliteAudit.appendBatches).
 */
import { parentPort, receiveMessageOnPort, workerData } from "node:worker_threads";
import Database from "better-sqlite3";
import { AuditBatch, type AuditBatchWire } from "../audit-batch.js";
import { sharedNow, type AppendReply, type AppendRequest } from "./audit-appender.js";
import { SqliteAudit, type BatchOutcome } from "./sqlite-audit.js";
import { isSameFile, type FileIdentity } from "./file-identity.js";

interface Init {
  path: string;
  busyTimeoutMs: number;
  identity?: FileIdentity;
  /** wal_autocheckpoint of this connection (checkpointer.ts), else SQLite's default. */
  autocheckpointPages?: number;
}

const { path, busyTimeoutMs, identity, autocheckpointPages } = workerData as Init;
const db = new Database(path, { timeout: busyTimeoutMs });
db.pragma(`busy_timeout = ${Math.trunc(busyTimeoutMs)}`);
db.pragma("journal_mode = WAL");
db.pragma("synchronous = FULL");
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

function commit(group: AppendRequest[]): void {
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
  for (let k = 0; k < group.length; k++) {
    const o = outcome[k];
    const reply: AppendReply = o === undefined ? { id: group[k]!.id, ok: true } : { id: group[k]!.id, ok: false, error: o.error, ...(o.conflict ? { conflict: true } : {}) };
    port.postMessage(reply);
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
    if (m.close) {
      closed = true;
      db.close();
      port.postMessage({ id: m.id, ok: true } satisfies AppendReply);
      i++;
      continue;
    }
    let j = i;
    while (j < msgs.length && !msgs[j]!.close) j++;
    commit(msgs.slice(i, j));
    i = j;
  }
  if (closed) port.close();
});
