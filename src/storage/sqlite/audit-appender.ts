/**
 * Appends audit rows through a worker thread holding its own connection (see
 * audit-append-worker.ts). The promise of append() resolves after the rows are durable.
 *
 * Batches cross the thread boundary as one flat array of primitives (flattenAuditRows):
 * structured-cloning that is several times cheaper than cloning row objects or a JSON
 * string that the worker would have to parse again.
 */
import { Worker } from "node:worker_threads";
import { AuditConflictError, type AuditRow } from "../types.js";
import { flattenAuditRows } from "./sqlite-audit.js";

export interface AuditAppender {
  append(rows: AuditRow[]): Promise<void>;
  close(): Promise<void>;
}

/** Main → worker. */
export interface AppendRequest {
  id: number;
  /** Flattened rows (FLAT_WIDTH values each). */
  flat?: unknown[];
  close?: true;
}

/** Worker → main, after the batch committed (or failed). */
export interface AppendReply {
  id: number;
  ok: boolean;
  error?: string;
  /** The batch did not continue the log as stored (nothing of it was written). */
  conflict?: true;
}

export function startAuditAppendWorker(path: string, busyTimeoutMs: number): AuditAppender {
  const worker = new Worker(new URL("./audit-append-worker.js", import.meta.url), { workerData: { path, busyTimeoutMs } });
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
  const send = (msg: AppendRequest): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      if (failed) return reject(failed);
      pending.set(msg.id, { resolve, reject });
      // Referenced while a batch is in flight, so the process does not exit under it.
      if (pending.size === 1) worker.ref();
      worker.postMessage(msg);
    });
  let closing: Promise<void> | undefined;
  return {
    append: (rows) => (rows.length === 0 ? Promise.resolve() : send({ id: next++, flat: flattenAuditRows(rows) })),
    close: () => (closing ??= send({ id: next++, close: true }).catch(() => undefined)),
  };
}
