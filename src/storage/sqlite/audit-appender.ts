/**
 * Appends audit rows through a worker thread holding its own connection (see
 * audit-append-worker.ts). The promise of append() resolves after the rows are durable, or, for
 * a batch appended with `deferSync` under a sync delay, once they are written (the worker forces
 * them to disk within the delay).
 *
 * Batches cross the thread boundary packed (audit-batch.ts): the buffers holding the JSON
 * bytes and the numbers are transferred, not copied; only the batch's short string table is
 * cloned.
 */
import { Worker } from "node:worker_threads";
import { AuditBatch, type AuditBatchWire } from "../audit-batch.js";
import { AuditConflictError, type AuditRow } from "../types.js";
import type { FileIdentity } from "./file-identity.js";

export interface AuditAppender {
  /**
   * A batch passed in is handed over: its buffers are transferred to the writer thread.
   * `deferSync`: see AuditStore.appendAudit.
   */
  append(rows: AuditRow[] | AuditBatch, deferSync?: boolean): Promise<void>;
  /** Stores an audit intent, committed with the next group (see AuditStore.stageAuditIntent). */
  stageIntent(key: string, value: string): Promise<void>;
  /** What the writer has forced to disk (tests). */
  syncState(): Promise<AuditSyncState>;
  close(): Promise<void>;
}

export interface AuditSyncState {
  /** Explicit syncs of the WAL the writer made (with a sync delay; 0 without one). */
  syncs: number;
  /** Committed rows are waiting for their sync. */
  unsynced: boolean;
}

export interface AuditAppenderOptions {
  busyTimeoutMs: number;
  /** The database file as the storage opened it; commits elsewhere are not reported. */
  identity?: FileIdentity | undefined;
  /** The writer connection's wal_autocheckpoint (SQLite's default when omitted). */
  autocheckpointPages?: number | undefined;
  /**
   * Longest time a `deferSync` append may stay written but not forced to disk; 0 (the default):
   * every commit is forced to disk before it is acknowledged.
   */
  syncDelayMs?: number | undefined;
}

/** Main → worker. */
export interface AppendRequest {
  id: number;
  batch?: AuditBatchWire;
  /** An audit intent to store (no batch). */
  intent?: { key: string; value: string };
  close?: true;
  /** When it was sent (monotonic ms, comparable across threads): the busy timeout counts from here. */
  sentAt?: number;
  /** The batch may be acknowledged before it is forced to disk (AuditStore.appendAudit). */
  deferSync?: true;
  /** Asks for the AuditSyncState (no batch). */
  syncState?: true;
}

/** Monotonic milliseconds that mean the same in every thread of the process. */
export function sharedNow(): number {
  return performance.timeOrigin + performance.now();
}

/** Worker → main, after the batch committed (or failed). */
export interface AppendReply {
  id: number;
  ok: boolean;
  error?: string;
  /** The batch did not continue the log as stored (nothing of it was written). */
  conflict?: true;
  /** The answer to a syncState request. */
  state?: AuditSyncState;
}

export function startAuditAppendWorker(path: string, opts: AuditAppenderOptions): AuditAppender {
  const { busyTimeoutMs, identity, autocheckpointPages } = opts;
  const syncDelayMs = Math.max(0, opts.syncDelayMs ?? 0);
  const worker = new Worker(new URL("./audit-append-worker.js", import.meta.url), { workerData: { path, busyTimeoutMs, identity, autocheckpointPages, syncDelayMs } });
  const pending = new Map<number, { resolve: (m: AppendReply) => void; reject: (e: Error) => void }>();
  let next = 1;
  let failed: Error | undefined;
  worker.on("message", (m: AppendReply) => {
    const p = pending.get(m.id);
    if (!p) return;
    pending.delete(m.id);
    if (pending.size === 0) worker.unref();
    if (m.ok) p.resolve(m);
    else if (m.conflict) p.reject(new AuditConflictError(m.error ?? "audit rows do not continue the log"));
    else p.reject(new Error(`audit append failed: ${m.error ?? "unknown error"}`));
  });
  const failAll = (e: Error): void => {
    failed = e;
    for (const p of pending.values()) p.reject(e);
    pending.clear();
    worker.unref();
  };
  worker.on("error", (e) => failAll(e));
  worker.on("exit", (code) => {
    if (pending.size > 0) failAll(new Error(`audit writer exited (code ${code})`));
  });
  worker.unref();
  const send = (msg: AppendRequest, transfer: ArrayBuffer[] = []): Promise<AppendReply> =>
    new Promise<AppendReply>((resolve, reject) => {
      if (failed) return reject(failed);
      pending.set(msg.id, { resolve, reject });
      // Referenced while a batch is in flight, so the process does not exit under it.
      if (pending.size === 1) worker.ref();
      worker.postMessage(msg, transfer);
    });
  let closing: Promise<void> | undefined;
  return {
    append: async (rows, deferSync) => {
      if (rows.length === 0) return;
      const b = rows instanceof AuditBatch ? rows : AuditBatch.of(rows);
      const wire: AuditBatchWire = { nums: b.nums, refs: b.refs, strings: b.strings, bytes: b.bytes, ...(b.settles !== undefined ? { settles: b.settles } : {}) };
      // A batch that settles intents records calls that changed state: never deferred.
      const defer = deferSync === true && syncDelayMs > 0 && b.settles === undefined;
      await send({ id: next++, batch: wire, sentAt: sharedNow(), ...(defer ? { deferSync: true as const } : {}) }, b.transferList());
    },
    stageIntent: async (key, value) => {
      // Written, not forced (with a sync delay): the intent goes to the WAL before the change it
      // guards, and whatever forces that change forces the intent with it (Storage.stageAuditIntent).
      await send({ id: next++, intent: { key, value }, sentAt: sharedNow(), ...(syncDelayMs > 0 ? { deferSync: true as const } : {}) });
    },
    syncState: async () => (await send({ id: next++, syncState: true })).state ?? { syncs: 0, unsynced: false },
    close: () => (closing ??= send({ id: next++, close: true }).then(
      () => undefined,
      () => undefined,
    )),
  };
}
