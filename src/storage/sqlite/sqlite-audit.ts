/**
 * Synchronous audit-log operations (audit_events, audit_resources, audit_digests) with
 * every statement prepared once.
 *
 * Query order is newest first: (time DESC, seq DESC), as LookupEvents returns events in
 * reverse chronological order. `beforeSeq` continues strictly after that row in this order;
 * while event times grow with seq (the normal case) that is exactly "seq < beforeSeq".
 * Each attribute filter uses its own (account_id, attribute, time) index, so a page costs
 * O(limit) whatever the log size.
 */
import type BetterSqlite3 from "better-sqlite3";
import type { AuditDigestRow, AuditQuery, AuditRow } from "../types.js";

type AttributeKey = NonNullable<AuditQuery["attribute"]>["key"];

/** An audit_events row as selected (read_only still 0/1). */
type RawAuditRow = Omit<AuditRow, "readOnly"> & { readOnly: number | boolean };

/** Bindings for the query statements: account, [attribute value], start, end, boundary time twice, boundary seq, limit. */
type QueryParams = unknown[];

const EVENT_COLUMNS =
  "e.seq, e.time, e.account_id AS accountId, e.region, e.event_id AS eventId, e.event_name AS eventName, " +
  "e.event_source AS eventSource, e.username, e.access_key_id AS accessKeyId, e.read_only AS readOnly, " +
  "e.resource_names AS resourceNames, e.resource_types AS resourceTypes, e.json, e.prev_hash AS prevHash, e.hash";

const DIGEST_COLUMNS = "seq, time, from_seq AS fromSeq, to_seq AS toSeq, json, signature";

/**
 * Column and index of each single-valued attribute. Queries name their index (INDEXED BY):
 * without statistics SQLite's planner may otherwise pick audit_events_by_time and scan a
 * whole account when the attribute matches nothing.
 */
const ATTRIBUTE_INDEXES: Record<Exclude<AttributeKey, "ResourceName" | "ResourceType">, { column: string; index: string }> = {
  EventId: { column: "event_id", index: "audit_events_by_event_id" },
  EventName: { column: "event_name", index: "audit_events_by_event_name" },
  EventSource: { column: "event_source", index: "audit_events_by_event_source" },
  Username: { column: "username", index: "audit_events_by_username" },
  AccessKeyId: { column: "access_key_id", index: "audit_events_by_access_key" },
  ReadOnly: { column: "read_only", index: "audit_events_by_read_only" },
};

/**
 * Time range, then the pagination boundary (time, seq) < (boundaryTime, boundarySeq),
 * newest first. Bindings: start, end, boundaryTime, boundaryTime, boundarySeq, limit.
 */
function windowSql(t: string): string {
  return (
    `AND ${t}.time >= ? AND ${t}.time <= ? AND (${t}.time < ? OR (${t}.time = ? AND ${t}.seq < ?)) ` +
    `ORDER BY ${t}.time DESC, ${t}.seq DESC LIMIT ?`
  );
}

const MAX_TIME = Number.MAX_SAFE_INTEGER;
const MIN_TIME = Number.MIN_SAFE_INTEGER;

export class SqliteAudit {
  private readonly insertEvent: BetterSqlite3.Statement<unknown[]>;
  private readonly insertResource: BetterSqlite3.Statement<[string, string, string, number, number]>;
  private readonly appendTx: BetterSqlite3.Transaction<(rows: AuditRow[]) => void>;
  private readonly lastStmt: BetterSqlite3.Statement<[], RawAuditRow>;
  private readonly rangeStmt: BetterSqlite3.Statement<[number, number], RawAuditRow>;
  private readonly boundaryStmt: BetterSqlite3.Statement<[number], { seq: number; time: number }>;
  private readonly queryAll: BetterSqlite3.Statement<QueryParams, RawAuditRow>;
  private readonly queryByColumn = new Map<AttributeKey, BetterSqlite3.Statement<QueryParams, RawAuditRow>>();
  private readonly queryByResource: BetterSqlite3.Statement<QueryParams, RawAuditRow>;
  private readonly insertDigest: BetterSqlite3.Statement<[number, number, number, number, string, string]>;
  private readonly lastDigestStmt: BetterSqlite3.Statement<[], AuditDigestRow>;
  private readonly listDigestsStmt: BetterSqlite3.Statement<[], AuditDigestRow>;

  constructor(db: BetterSqlite3.Database) {
    this.insertEvent = db.prepare(
      "INSERT INTO audit_events (seq, time, account_id, region, event_id, event_name, event_source, username, " +
        "access_key_id, read_only, resource_names, resource_types, json, prev_hash, hash) " +
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    );
    // The same value may appear twice in one event; one index entry is enough.
    this.insertResource = db.prepare(
      "INSERT OR IGNORE INTO audit_resources (account_id, kind, value, time, seq) VALUES (?, ?, ?, ?, ?)",
    );
    this.appendTx = db.transaction((rows: AuditRow[]) => {
      for (const r of rows) this.insertOne(r);
    });
    this.lastStmt = db.prepare(`SELECT ${EVENT_COLUMNS} FROM audit_events e ORDER BY e.seq DESC LIMIT 1`);
    this.rangeStmt = db.prepare(`SELECT ${EVENT_COLUMNS} FROM audit_events e WHERE e.seq BETWEEN ? AND ? ORDER BY e.seq`);
    this.boundaryStmt = db.prepare("SELECT seq, time FROM audit_events WHERE seq <= ? ORDER BY seq DESC LIMIT 1");

    this.queryAll = db.prepare(
      `SELECT ${EVENT_COLUMNS} FROM audit_events e INDEXED BY audit_events_by_time WHERE e.account_id = ? ${windowSql("e")}`,
    );
    for (const [key, { column, index }] of Object.entries(ATTRIBUTE_INDEXES)) {
      this.queryByColumn.set(
        key as AttributeKey,
        db.prepare(`SELECT ${EVENT_COLUMNS} FROM audit_events e INDEXED BY ${index} WHERE e.account_id = ? AND e.${column} = ? ${windowSql("e")}`),
      );
    }
    // CROSS JOIN keeps audit_resources (the indexed side) as the outer loop.
    this.queryByResource = db.prepare(
      `SELECT ${EVENT_COLUMNS} FROM audit_resources r CROSS JOIN audit_events e ON e.seq = r.seq ` +
        `WHERE r.account_id = ? AND r.kind = ? AND r.value = ? ${windowSql("r")}`,
    );

    this.insertDigest = db.prepare("INSERT INTO audit_digests (seq, time, from_seq, to_seq, json, signature) VALUES (?, ?, ?, ?, ?, ?)");
    this.lastDigestStmt = db.prepare(`SELECT ${DIGEST_COLUMNS} FROM audit_digests ORDER BY seq DESC LIMIT 1`);
    this.listDigestsStmt = db.prepare(`SELECT ${DIGEST_COLUMNS} FROM audit_digests ORDER BY seq`);
  }

  /** All rows in one IMMEDIATE transaction: all durable together, or none. */
  append(rows: AuditRow[]): void {
    if (rows.length === 0) return;
    this.appendTx.immediate(rows);
  }

  last(): AuditRow | undefined {
    const r = this.lastStmt.get();
    return r === undefined ? undefined : toAuditRow(r);
  }

  read(fromSeq: number, toSeq: number): AuditRow[] {
    return toAuditRows(this.rangeStmt.all(fromSeq, toSeq));
  }

  query(q: AuditQuery): AuditRow[] {
    if (!Number.isSafeInteger(q.limit) || q.limit < 0) throw new RangeError("audit query limit must be a non-negative integer");
    if (q.limit === 0) return [];
    const start = q.startTime ?? MIN_TIME;
    let end = q.endTime ?? MAX_TIME;
    let boundaryTime = end;
    let boundarySeq = MAX_TIME;
    if (q.beforeSeq !== undefined) {
      // Locate the boundary row; if that seq does not exist, the nearest older row is
      // included (strict bound on seq + 1) so the page still starts just below beforeSeq.
      const b = this.boundaryStmt.get(q.beforeSeq);
      if (b === undefined) return [];
      boundaryTime = b.time;
      boundarySeq = b.seq === q.beforeSeq ? b.seq : b.seq + 1;
      // Tightening `end` lets the index range start at the boundary instead of skipping rows.
      if (boundaryTime < end) end = boundaryTime;
    }
    const window = [start, end, boundaryTime, boundaryTime, boundarySeq, q.limit];
    const attr = q.attribute;
    if (attr === undefined) return toAuditRows(this.queryAll.all(q.accountId, ...window));
    if (attr.key === "ResourceName" || attr.key === "ResourceType") {
      const kind = attr.key === "ResourceName" ? "name" : "type";
      return toAuditRows(this.queryByResource.all(q.accountId, kind, attr.value, ...window));
    }
    let value: string | number = attr.value;
    if (attr.key === "ReadOnly") {
      if (attr.value === "true") value = 1;
      else if (attr.value === "false") value = 0;
      else return [];
    }
    const stmt = this.queryByColumn.get(attr.key);
    if (stmt === undefined) throw new RangeError(`Unsupported audit lookup attribute ${String(attr.key)}`);
    return toAuditRows(stmt.all(q.accountId, value, ...window));
  }

  appendDigest(d: AuditDigestRow): void {
    this.insertDigest.run(d.seq, d.time, d.fromSeq, d.toSeq, d.json, d.signature);
  }

  lastDigest(): AuditDigestRow | undefined {
    return this.lastDigestStmt.get();
  }

  listDigests(): AuditDigestRow[] {
    return this.listDigestsStmt.all();
  }

  private insertOne(r: AuditRow): void {
    this.insertEvent.run(
      r.seq,
      r.time,
      r.accountId,
      r.region,
      r.eventId,
      r.eventName,
      r.eventSource,
      r.username,
      r.accessKeyId,
      r.readOnly ? 1 : 0,
      r.resourceNames,
      r.resourceTypes,
      r.json,
      r.prevHash,
      r.hash,
    );
    this.indexResources(r, "name", r.resourceNames);
    this.indexResources(r, "type", r.resourceTypes);
  }

  private indexResources(r: AuditRow, kind: string, joined: string): void {
    if (joined === "") return;
    let from = 0;
    for (;;) {
      const nl = joined.indexOf("\n", from);
      const value = nl < 0 ? joined.slice(from) : joined.slice(from, nl);
      if (value !== "") this.insertResource.run(r.accountId, kind, value, r.time, r.seq);
      if (nl < 0) return;
      from = nl + 1;
    }
  }
}

/** Converts read_only 0/1 to a boolean in place (rows are fresh objects from the driver). */
function toAuditRow(r: RawAuditRow): AuditRow {
  r.readOnly = r.readOnly === 1 || r.readOnly === true;
  return r as AuditRow;
}

function toAuditRows(rows: RawAuditRow[]): AuditRow[] {
  for (const r of rows) toAuditRow(r);
  return rows as AuditRow[];
}
