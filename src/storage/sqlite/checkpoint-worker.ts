/**
 * Worker thread that checkpoints the WAL on its own connection, so copying committed pages into
 * the database file (and the fsync after it) happens beside the audit writer's commits instead of
 * in the middle of them (see checkpointer.ts).
 *
 * PASSIVE checkpoints never wait for or block a writer or a reader: each copies what is committed
 * and no longer needed by a reader, up to the WAL's end when it started.
 *
 * After a commit that deleted something, the storage asks for a TRUNCATE checkpoint instead (the
 * next tick, right after a PASSIVE one, so that little is left to copy): it copies every frame
 * (the pages whose freed space SQLite zeroed, secure_delete) into the database file and truncates
 * the WAL to zero bytes, so no earlier frame still holds what was deleted. It waits at most
 * SCRUB_WAIT_MS for the write lock and for readers to leave the WAL (new writers wait meanwhile);
 * when that is not enough it is tried again next tick.
 * Every `scrubEveryMs` (an hour) it does the same unasked, so what a put() overwrote does not
 * stay in old WAL frames for longer than that either.
 */
import { parentPort, workerData } from "node:worker_threads";
import Database from "better-sqlite3";

interface Init {
  path: string;
  intervalMs: number;
  scrubEveryMs: number;
}

/** Longest wait of a TRUNCATE checkpoint for the write lock and for readers (writers wait meanwhile). */
const SCRUB_WAIT_MS = 100;

const { path, intervalMs, scrubEveryMs } = workerData as Init;
const db = new Database(path, { timeout: SCRUB_WAIT_MS });
// PASSIVE checkpoints never call the busy handler: this timeout bounds the TRUNCATE ones only.
db.pragma(`busy_timeout = ${SCRUB_WAIT_MS}`);
// This connection writes nothing; its checkpoints are the explicit ones below.
db.pragma("wal_autocheckpoint = 0");

/** Something was deleted since the last TRUNCATE checkpoint that succeeded. */
let scrub = false;
let lastScrub = performance.now();

function checkpoint(): void {
  try {
    if (scrub || performance.now() - lastScrub >= scrubEveryMs) {
      // A TRUNCATE checkpoint holds the write lock from its start, and copies what is left to
      // copy while holding it; a PASSIVE one first copies nearly all of it with writers going on.
      db.pragma("wal_checkpoint(PASSIVE)");
      const [r] = db.pragma("wal_checkpoint(TRUNCATE)") as Array<{ busy: number }>;
      if (r?.busy === 0) {
        scrub = false;
        lastScrub = performance.now();
      }
    } else {
      db.pragma("wal_checkpoint(PASSIVE)");
    }
  } catch {
    // A busy or failed pass is retried at the next tick; the connections' own automatic
    // checkpoints (at a larger WAL) still bound the file meanwhile.
  }
}

const timer = setInterval(checkpoint, intervalMs);
parentPort!.on("message", (m: { close?: true; scrub?: true }) => {
  if (m.scrub) {
    scrub = true;
    return;
  }
  if (!m.close) return;
  clearInterval(timer);
  checkpoint();
  db.close();
  parentPort!.postMessage({ closed: true });
  parentPort!.close();
});
