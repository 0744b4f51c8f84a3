/**
 * Appends audit rows through a worker thread holding its own connection (see
 * audit-append-worker.ts). The promise of append() resolves after the rows are durable.
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
  /** A batch passed in is handed over: its buffers are transferred to the writer thread. */
  append(rows: AuditRow[] | AuditBatch): Promise<void>;
  /** Stores an audit intent, committed with the next group (see AuditStore.stageAuditIntent). */
  stageIntent(key: string, value: string): Promise<void>;
  close(): Promise<void>;
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
}

/** `identity`: the database file as the storage opened it; commits elsewhere are not reported. */
/** `autocheckpointPages`: the writer connection's wal_autocheckpoint (SQLite's default when omitted). */
export function startAuditAppendWorker(path: string, busyTimeoutMs: number, identity?: FileIdentity, autocheckpointPages?: number): AuditAppender {
  const worker = new Worker(new URL("./audit-append-worker.js", import.meta.url), { workerData: { path, busyTimeoutMs, identity, autocheckpointPages } });
  const pending = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
  let next = 1;
  let failed: Error | undefined;
  worker.on("message", (m: AppendReply) => {
    const p = pending.get(m.id);
    if (!p) return;
    pending.delete(m.id);
    if (pending.size === 0) worker.unref();
    if (m.ok) p.resolve();
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
  const send = (msg: AppendRequest, transfer: ArrayBuffer[] = []): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      if (failed) return reject(failed);
      pending.set(msg.id, { resolve, reject });
      // Referenced while a batch is in flight, so the process does not exit under it.
      if (pending.size === 1) worker.ref();
      worker.postMessage(msg, transfer);
    });
  let closing: Promise<void> | undefined;
  return {
    append: (rows) => {
      if (rows.length === 0) return Promise.resolve();
      const b = rows instanceof AuditBatch ? rows : AuditBatch.of(rows);
      const wire: AuditBatchWire = { nums: b.nums, refs: b.refs, strings: b.strings, bytes: b.bytes, ...(b.settles !== undefined ? { settles: b.settles } : {}) };
      return send({ id: next++, batch: wire, sentAt: sharedNow() }, b.transferList());
    },
    stageIntent: (key, value) => send({ id: next++, intent: { key, value }, sentAt: sharedNow() }),
    close: () => (closing ??= send({ id: next++, close: true }).catch(() => undefined)),
  };
}
