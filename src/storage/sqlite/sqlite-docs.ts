/**
 * Synchronous document operations on the `docs` table, with every statement prepared once.
 * Callers (SqliteStorage) provide the serialisation and the async surface.
 */
import type BetterSqlite3 from "better-sqlite3";
import { assertValidKey, compareKeys, isValidKey, prefixSuccessor } from "../keys.js";
import type { DocEntry, ListOptions } from "../types.js";

interface DocRow {
  key: string;
  value: string;
}

export class SqliteDocs {
  private readonly getStmt: BetterSqlite3.Statement<[string, string], string>;
  private readonly putStmt: BetterSqlite3.Statement<[string, string, string]>;
  private readonly insertStmt: BetterSqlite3.Statement<[string, string, string]>;
  private readonly deleteStmt: BetterSqlite3.Statement<[string, string]>;
  /** [lower inclusive?][has upper bound?]: range scans on the primary key, never LIKE. */
  private readonly listFromStmt: BetterSqlite3.Statement<[string, string, number], DocRow>;
  private readonly listAfterStmt: BetterSqlite3.Statement<[string, string, number], DocRow>;
  private readonly listFromToStmt: BetterSqlite3.Statement<[string, string, string, number], DocRow>;
  private readonly listAfterToStmt: BetterSqlite3.Statement<[string, string, string, number], DocRow>;
  private readonly countAllStmt: BetterSqlite3.Statement<[string], number>;
  private readonly countFromStmt: BetterSqlite3.Statement<[string, string], number>;
  private readonly countFromToStmt: BetterSqlite3.Statement<[string, string, string], number>;

  constructor(db: BetterSqlite3.Database) {
    this.getStmt = db.prepare<[string, string], string>("SELECT value FROM docs WHERE collection = ? AND key = ?").pluck();
    this.putStmt = db.prepare(
      "INSERT INTO docs (collection, key, value) VALUES (?, ?, ?) ON CONFLICT (collection, key) DO UPDATE SET value = excluded.value",
    );
    this.insertStmt = db.prepare("INSERT INTO docs (collection, key, value) VALUES (?, ?, ?) ON CONFLICT (collection, key) DO NOTHING");
    this.deleteStmt = db.prepare("DELETE FROM docs WHERE collection = ? AND key = ?");
    const select = "SELECT key, value FROM docs WHERE collection = ?";
    this.listFromStmt = db.prepare(`${select} AND key >= ? ORDER BY key LIMIT ?`);
    this.listAfterStmt = db.prepare(`${select} AND key > ? ORDER BY key LIMIT ?`);
    this.listFromToStmt = db.prepare(`${select} AND key >= ? AND key < ? ORDER BY key LIMIT ?`);
    this.listAfterToStmt = db.prepare(`${select} AND key > ? AND key < ? ORDER BY key LIMIT ?`);
    const count = "SELECT count(*) FROM docs WHERE collection = ?";
    this.countAllStmt = db.prepare<[string], number>(count).pluck();
    this.countFromStmt = db.prepare<[string, string], number>(`${count} AND key >= ?`).pluck();
    this.countFromToStmt = db.prepare<[string, string, string], number>(`${count} AND key >= ? AND key < ?`).pluck();
  }

  get<T>(collection: string, key: string): T | undefined {
    assertValidKey(collection, "collection");
    // Keys often come from callers (names, ARNs); one no engine can store is held by no document.
    if (!isValidKey(key)) return undefined;
    const json = this.getStmt.get(collection, key);
    return json === undefined ? undefined : (JSON.parse(json) as T);
  }

  put(collection: string, key: string, value: unknown): void {
    assertValidKey(collection, "collection");
    assertValidKey(key, "key");
    this.putStmt.run(collection, key, encode(value));
  }

  putIfAbsent(collection: string, key: string, value: unknown): boolean {
    assertValidKey(collection, "collection");
    assertValidKey(key, "key");
    return this.insertStmt.run(collection, key, encode(value)).changes === 1;
  }

  delete(collection: string, key: string): boolean {
    assertValidKey(collection, "collection");
    if (!isValidKey(key)) return false;
    return this.deleteStmt.run(collection, key).changes === 1;
  }

  list<T>(collection: string, opts: ListOptions = {}): Array<DocEntry<T>> {
    assertValidKey(collection, "collection");
    const { prefix, after } = opts;
    if (prefix !== undefined && !isValidKey(prefix)) return [];
    if (after !== undefined) assertValidKey(after, "key");
    const limit = checkLimit(opts.limit);
    if (limit === 0) return [];
    const upper = prefix === undefined ? undefined : prefixSuccessor(prefix);
    // The tighter lower bound wins: `after` when it is at or beyond the prefix.
    const useAfter = after !== undefined && (prefix === undefined || compareKeys(after, prefix) >= 0);
    let rows: DocRow[];
    if (useAfter) {
      rows = upper === undefined ? this.listAfterStmt.all(collection, after, limit) : this.listAfterToStmt.all(collection, after, upper, limit);
    } else {
      const lower = prefix ?? "";
      rows = upper === undefined ? this.listFromStmt.all(collection, lower, limit) : this.listFromToStmt.all(collection, lower, upper, limit);
    }
    const out = new Array<DocEntry<T>>(rows.length);
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i] as DocRow;
      out[i] = { key: r.key, value: JSON.parse(r.value) as T };
    }
    return out;
  }

  count(collection: string, prefix?: string): number {
    assertValidKey(collection, "collection");
    if (prefix === undefined || prefix === "") return this.countAllStmt.get(collection) as number;
    if (!isValidKey(prefix)) return 0;
    const upper = prefixSuccessor(prefix);
    return (upper === undefined ? this.countFromStmt.get(collection, prefix) : this.countFromToStmt.get(collection, prefix, upper)) as number;
  }
}

function encode(value: unknown): string {
  const json = JSON.stringify(value);
  if (json === undefined) throw new TypeError("Storage values must be JSON-serialisable (got undefined or a function)");
  return json;
}

/** -1 means "no limit" to SQLite. */
function checkLimit(limit: number | undefined): number {
  if (limit === undefined) return -1;
  if (!Number.isSafeInteger(limit) || limit < 0) throw new RangeError("list limit must be a non-negative integer");
  return limit;
}
