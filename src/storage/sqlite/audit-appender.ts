/**
 * Appends audit rows through a worker thread holding its own connection (see
 * audit-append-worker.ts). The promise of appendAudit() resolves after the rows are durable.
 */
import { Worker } from "node:worker_threads";
import type { AuditRow } from "../types.js";

export interface AuditAppender {
  append(rows: AuditRow[]): Promise<void>;
  close(): Promise<void>;
}

export function startAuditAppendWorker(path: string, busyTimeoutMs: number): AuditAppender {
  const worker = new Worker(new URL("./audit-append-worker.js", import.meta.url), { workerData: { path, busyTimeoutMs } });
  const pending = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
  let next = 1;
  let failed: Error | undefined;
  worker.on("message", (m: { id: number; ok: boolean; error?: string }) => {
    const p = pending.get(m.id);
    if (!p) return;
    pending.delete(m.id);
    if (m.ok) p.resolve();
    else p.reject(new Error(`audit append failed: ${m.error ?? "unknown error"}`));
  });
  const failAll = (e: Error): void => {
    failed = e;
    for (const p of pending.values()) p.reject(e);
    pending.clear();
  };
  worker.on("error", (e) => failAll(e));
  worker.on("exit", (code) => {
    if (pending.size > 0) failAll(new Error(`audit writer exited (code ${code})`));
  });
  worker.unref();
  const send = (msg: { rowsJson?: string; close?: true }): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      if (failed) return reject(failed);
      const id = next++;
      pending.set(id, { resolve, reject });
      worker.ref();
      worker.postMessage({ id, ...msg });
    }).finally(() => {
      if (pending.size === 0) worker.unref();
    });
  let closing: Promise<void> | undefined;
  return {
    // One JSON string per batch: cloning a single string is far cheaper than cloning many row objects.
    append: (rows) => send({ rowsJson: JSON.stringify(rows) }),
    close: () => (closing ??= send({ close: true }).catch(() => undefined)),
  };
}
