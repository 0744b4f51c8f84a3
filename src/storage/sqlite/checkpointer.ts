/**
 * WAL checkpoints off the commit path. By default SQLite checkpoints in the connection that
 * commits, once the WAL holds `wal_autocheckpoint` pages: the audit writer then stops to copy
 * thousands of pages into the database file and fsync it, and every request waiting for its audit
 * record waits for that too (the slowest percentile of KMS requests at load). With the
 * checkpointer, a worker thread runs a PASSIVE checkpoint every `intervalMs`; the connections keep
 * an automatic checkpoint at a much larger WAL (AUTOCHECKPOINT_PAGES) as a bound in case this
 * thread falls behind or stops, and, since the pages are mostly copied by then, to let the WAL
 * start over from its beginning under continuous load.
 */
import { Worker } from "node:worker_threads";

/** The connections' automatic checkpoint while the checkpointer runs (pages; 128 MiB at 16 KiB pages). */
export const AUTOCHECKPOINT_PAGES = 8192;
/** How often the checkpointer copies what was committed. */
export const CHECKPOINT_INTERVAL_MS = 100;
/** How often it empties the WAL file even when nothing was deleted (overwritten versions). */
export const SCRUB_EVERY_MS = 3_600_000;

export interface Checkpointer {
  /** The next checkpoint empties the WAL file (TRUNCATE): something was deleted. */
  scrub(): void;
  /** A last checkpoint, then the thread ends. */
  close(): Promise<void>;
}

export function startCheckpointer(path: string, intervalMs = CHECKPOINT_INTERVAL_MS, scrubEveryMs = SCRUB_EVERY_MS): Checkpointer {
  const worker = new Worker(new URL("./checkpoint-worker.js", import.meta.url), { workerData: { path, intervalMs, scrubEveryMs } });
  // The process may exit without waiting for it (a checkpoint is never needed for durability).
  worker.unref();
  worker.on("error", () => undefined);
  let exited = false;
  worker.once("exit", () => (exited = true));
  let closing: Promise<void> | undefined;
  return {
    scrub: () => {
      if (!exited && closing === undefined) worker.postMessage({ scrub: true });
    },
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        if (exited) return resolve();
        worker.once("exit", () => resolve());
        worker.ref(); // held until its last checkpoint is done
        worker.postMessage({ close: true });
      })),
  };
}
