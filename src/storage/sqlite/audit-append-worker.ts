/**
 * Worker thread that appends audit rows on its own SQLite connection, so the durable
 * commit (fsync under synchronous=FULL) never blocks the event loop that serves requests.
 * One batch at a time, in the order received; the reply comes after the commit.
 */
import { parentPort, workerData } from "node:worker_threads";
import Database from "better-sqlite3";
import type { AuditRow } from "../types.js";
import { SqliteAudit } from "./sqlite-audit.js";

interface Init {
  path: string;
  busyTimeoutMs: number;
}

const { path, busyTimeoutMs } = workerData as Init;
const db = new Database(path, { timeout: busyTimeoutMs });
db.pragma(`busy_timeout = ${Math.trunc(busyTimeoutMs)}`);
db.pragma("journal_mode = WAL");
db.pragma("synchronous = FULL");
const audit = new SqliteAudit(db);

parentPort!.on("message", (msg: { id: number; rowsJson?: string; close?: true }) => {
  if (msg.close) {
    db.close();
    parentPort!.postMessage({ id: msg.id, ok: true });
    parentPort!.close();
    return;
  }
  try {
    audit.append(msg.rowsJson ? (JSON.parse(msg.rowsJson) as AuditRow[]) : []);
    parentPort!.postMessage({ id: msg.id, ok: true });
  } catch (e) {
    parentPort!.postMessage({ id: msg.id, ok: false, error: e instanceof Error ? e.message : String(e) });
  }
});
