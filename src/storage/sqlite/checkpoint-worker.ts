/**
 * Worker thread that checkpoints the WAL on its own connection, so copying committed pages into
 * the database file (and the fsync after it) happens beside the audit writer's commits instead of
 * in the middle of them (see checkpointer.ts).
 *
 * PASSIVE checkpoints never wait for or block a writer or a reader: each copies what is committed
 * and no longer needed by a reader, up to the WAL's end when it started.
 */
import { parentPort, workerData } from "node:worker_threads";
import Database from "better-sqlite3";

interface Init {
  path: string;
  busyTimeoutMs: number;
  intervalMs: number;
}

const { path, busyTimeoutMs, intervalMs } = workerData as Init;
const db = new Database(path, { timeout: busyTimeoutMs });
// This connection writes nothing; its checkpoints are the explicit ones below.
db.pragma("wal_autocheckpoint = 0");

function checkpoint(): void {
  try {
    db.pragma("wal_checkpoint(PASSIVE)");
  } catch {
    // A busy or failed pass is retried at the next tick; the connections' own automatic
    // checkpoints (at a larger WAL) still bound the file meanwhile.
  }
}

const timer = setInterval(checkpoint, intervalMs);
parentPort!.on("message", (m: { close?: true }) => {
  if (!m.close) return;
  clearInterval(timer);
  checkpoint();
  db.close();
  parentPort!.postMessage({ closed: true });
  parentPort!.close();
});
