/**
 * Synchronous audit-log operations (audit_events, audit_digests) with every statement prepared
 * once.
 *
 * Query order is newest first: (time DESC, seq DESC), as LookupEvents returns events in
 * reverse chronological order. `beforeSeq` continues strictly after that row in this order;
 * while event times grow with seq (the normal case) that is exactly "seq < beforeSeq".
 * Every query walks audit_events_lookup (account_id, time, seq, attribute columns…): the
 * order needs no sort, and an attribute filter is evaluated on the index entry, so only
 * matching rows are read from the table. ResourceName/ResourceType match one of the
 * newline-joined values of resource_names/resource_types, also on the index entry.
 *
 * Appends take packed batches (audit-batch.ts; plain rows are packed first): the event JSON is
 * bound as the UTF-8 bytes the audit log wrote and hashed, cast to TEXT, never re-encoded.
 */
import type BetterSqlite3 from "better-sqlite3";
import { AuditBatch } from "../audit-batch.js";
import { AuditConflictError, type AuditActivityQuery, type AuditActivityRow, type AuditDigestRow, type AuditLookupPage, type AuditPruneRow, type AuditQuery, type AuditRow } from "../types.js";

/** Per batch of appendBatches: undefined when appended, else why not (conflict: it did not continue the log). */
export type BatchOutcome = { error: string; conflict: boolean } | undefined;

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
 * Column of each single-valued attribute, all carried by audit_events_lookup. Queries name
 * the index (INDEXED BY) so the planner never picks a plan that sorts a whole account.
 */
const ATTRIBUTE_COLUMNS: Record<Exclude<AttributeKey, ResourceKey>, string> = {
  EventId: "event_id",
  EventName: "event_name",
  EventSource: "event_source",
  Username: "username",
  AccessKeyId: "access_key_id",
  ReadOnly: "read_only",
};

/** Multi-valued attributes: newline-joined values, one of which must equal the one looked up. */
type ResourceKey = "ResourceName" | "ResourceType";
const RESOURCE_COLUMNS: Record<ResourceKey, string> = { ResourceName: "resource_names", ResourceType: "resource_types" };

const LOOKUP_INDEX = "audit_events_lookup";

/**
 * Time range, a lower bound (time, seq) >= (lowTime, lowSeq) (a scan slice's end; seq 0 when
 * there is none), then the pagination boundary (time, seq) < (boundaryTime, boundarySeq), newest
 * first. Bindings: start, lowTime, lowSeq, end, boundaryTime, boundaryTime, boundarySeq, limit.
 */
function windowSql(t: string): string {
  return (
    `AND ${t}.time >= ? AND (${t}.time > ? OR ${t}.seq >= ?) AND ${t}.time <= ? AND (${t}.time < ? OR (${t}.time = ? AND ${t}.seq < ?)) ` +
    `ORDER BY ${t}.time DESC, ${t}.seq DESC LIMIT ?`
  );
}

const MAX_TIME = Number.MAX_SAFE_INTEGER;
const MIN_TIME = Number.MIN_SAFE_INTEGER;

export class SqliteAudit {
  private readonly insertEvent: BetterSqlite3.Statement<unknown[]>;
  private readonly appendTx: BetterSqlite3.Transaction<(batch: AuditBatch) => void>;
  private readonly appendBatchesTx: BetterSqlite3.Transaction<(batches: readonly AuditBatch[]) => Array<BatchOutcome>>;
  /** appendBatchesTx without a savepoint per batch: taken first, left for it when an insert fails. */
  private readonly appendAllTx: BetterSqlite3.Transaction<(batches: readonly AuditBatch[]) => Array<BatchOutcome>>;
  /** One batch; run inside appendBatchesTx, where better-sqlite3 makes it a savepoint. */
  private readonly insertBatchTx: BetterSqlite3.Transaction<(batch: AuditBatch) => void>;
  private readonly insertIntent: BetterSqlite3.Statement<[string, string]>;
  private readonly deleteIntent: BetterSqlite3.Statement<[string]>;
  private readonly listIntentsStmt: BetterSqlite3.Statement<[], { key: string; value: string }>;
  private readonly headStmt: BetterSqlite3.Statement<[], LogHead>;
  private readonly queryByName: BetterSqlite3.Statement<unknown[], RawAuditRow>;
  private readonly lastStmt: BetterSqlite3.Statement<[], RawAuditRow>;
  private readonly rangeStmt: BetterSqlite3.Statement<[number, number], RawAuditRow>;
  private readonly boundaryStmt: BetterSqlite3.Statement<[number], { seq: number; time: number }>;
  private readonly sliceEndStmt: BetterSqlite3.Statement<unknown[], { seq: number; time: number }>;
  private readonly queryAll: BetterSqlite3.Statement<QueryParams, RawAuditRow>;
  private readonly queryByColumn = new Map<AttributeKey, BetterSqlite3.Statement<QueryParams, RawAuditRow>>();
  private readonly activityStmt: BetterSqlite3.Statement<[string, number, number, number, number, number], AuditActivityRow>;
  private readonly insertDigest: BetterSqlite3.Statement<[number, number, number, number, string, string]>;
  private readonly lastDigestStmt: BetterSqlite3.Statement<[], AuditDigestRow>;
  private readonly listDigestsStmt: BetterSqlite3.Statement<[], AuditDigestRow>;
  private readonly digestBeforeStmt: BetterSqlite3.Statement<[number, number], AuditDigestRow>;
  private readonly lastPruneSeqStmt: BetterSqlite3.Statement<[], { seq: number }>;
  private readonly insertPrune: BetterSqlite3.Statement<[number, number, number, string, string]>;
  private readonly listPrunesStmt: BetterSqlite3.Statement<[], AuditPruneRow>;
  private readonly deleteThroughStmt: BetterSqlite3.Statement<[number, number]>;
  private readonly appendPruneTx: BetterSqlite3.Transaction<(row: AuditPruneRow) => void>;

  constructor(db: BetterSqlite3.Database) {
    this.insertEvent = db.prepare(
      "INSERT INTO audit_events (seq, time, account_id, region, event_id, event_name, event_source, username, " +
        "access_key_id, read_only, resource_names, resource_types, json, prev_hash, hash) " +
        // The JSON comes as UTF-8 bytes: stored as the same TEXT a string would have given.
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, CAST(? AS TEXT), ?, ?)",
    );
    this.headStmt = db.prepare<[], LogHead>("SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1");
    this.appendTx = db.transaction((batch: AuditBatch) => {
      const conflict = notContinuing(batch, this.headStmt.get());
      if (conflict !== undefined) throw new AuditConflictError(conflict);
      this.insertRows(batch);
    });
    this.insertBatchTx = db.transaction((batch: AuditBatch) => this.insertRows(batch));
    this.insertIntent = db.prepare("INSERT OR REPLACE INTO audit_intents (key, value) VALUES (?, ?)");
    this.deleteIntent = db.prepare("DELETE FROM audit_intents WHERE key = ?");
    this.listIntentsStmt = db.prepare("SELECT key, value FROM audit_intents ORDER BY key");
    this.appendBatchesTx = db.transaction((batches: readonly AuditBatch[]) =>
      this.appendEach(batches, (batch) => {
        try {
          this.insertBatchTx(batch);
          return undefined;
        } catch (e) {
          return e instanceof Error ? e.message : String(e);
        }
      }),
    );
    // A savepoint copies every page it is the first to change (16 KiB each) into the
    // sub-journal, for a rollback that almost never happens. So all batches go in without one
    // first; should an insert fail, that transaction is rolled back and appendBatchesTx judges
    // the batches again one savepoint each. Batches that do not continue the log are left out
    // the same way in both, before anything of theirs is written.
    this.appendAllTx = db.transaction((batches: readonly AuditBatch[]) =>
      this.appendEach(batches, (batch) => {
        try {
          this.insertRows(batch);
        } catch (e) {
          throw new InsertFailed(e);
        }
        return undefined;
      }),
    );
    this.lastStmt = db.prepare(`SELECT ${EVENT_COLUMNS} FROM audit_events e ORDER BY e.seq DESC LIMIT 1`);
    this.rangeStmt = db.prepare(`SELECT ${EVENT_COLUMNS} FROM audit_events e WHERE e.seq BETWEEN ? AND ? ORDER BY e.seq`);
    this.boundaryStmt = db.prepare("SELECT seq, time FROM audit_events WHERE seq <= ? ORDER BY seq DESC LIMIT 1");
    // The last of the next `OFFSET + 1` index entries of the window: where a bounded scan stops.
    this.sliceEndStmt = db.prepare(
      `SELECT e.seq, e.time FROM audit_events e INDEXED BY ${LOOKUP_INDEX} WHERE e.account_id = ? ` +
        "AND e.time >= ? AND e.time <= ? AND (e.time < ? OR (e.time = ? AND e.seq < ?)) ORDER BY e.time DESC, e.seq DESC LIMIT 1 OFFSET ?",
    );

    this.queryAll = db.prepare(
      `SELECT ${EVENT_COLUMNS} FROM audit_events e INDEXED BY ${LOOKUP_INDEX} WHERE e.account_id = ? ${windowSql("e")}`,
    );
    for (const [key, column] of Object.entries(ATTRIBUTE_COLUMNS)) {
      this.queryByColumn.set(
        key as AttributeKey,
        db.prepare(`SELECT ${EVENT_COLUMNS} FROM audit_events e INDEXED BY ${LOOKUP_INDEX} WHERE e.account_id = ? AND e.${column} = ? ${windowSql("e")}`),
      );
    }
    // Bound to "\n" + value + "\n": a whole value of the newline-joined list, never part of one.
    for (const [key, column] of Object.entries(RESOURCE_COLUMNS)) {
      this.queryByColumn.set(
        key as AttributeKey,
        db.prepare(
          `SELECT ${EVENT_COLUMNS} FROM audit_events e INDEXED BY ${LOOKUP_INDEX} ` +
            `WHERE e.account_id = ? AND instr(char(10) || e.${column} || char(10), ?) > 0 ${windowSql("e")}`,
        ),
      );
    }
    // A ResourceName without a ":" also names the end of one, after a "/" or ":"
    // (memory-audit-store resourceNameMatches): bound to "\n" + value + "\n", "/" + value + "\n",
    // ":" + value + "\n".
    this.queryByName = db.prepare(
      `SELECT ${EVENT_COLUMNS} FROM audit_events e INDEXED BY ${LOOKUP_INDEX} WHERE e.account_id = ? AND ` +
        `(instr(char(10) || e.resource_names || char(10), ?) > 0 OR instr(e.resource_names || char(10), ?) > 0 OR instr(e.resource_names || char(10), ?) > 0) ${windowSql("e")}`,
    );

    // Every selected column is in audit_events_lookup: the scan never reads the table.
    this.activityStmt = db.prepare(
      "SELECT e.seq, e.time, e.event_source AS eventSource, e.event_name AS eventName, e.username, e.access_key_id AS accessKeyId " +
        // time >= boundary bounds the index range from below, so each page starts where the last ended.
        `FROM audit_events e INDEXED BY ${LOOKUP_INDEX} WHERE e.account_id = ? AND e.time >= ? AND e.time <= ? AND (e.time > ? OR e.seq > ?) ` +
        "ORDER BY e.time, e.seq LIMIT ?",
    );

    this.insertDigest = db.prepare("INSERT INTO audit_digests (seq, time, from_seq, to_seq, json, signature) VALUES (?, ?, ?, ?, ?, ?)");
    this.lastDigestStmt = db.prepare(`SELECT ${DIGEST_COLUMNS} FROM audit_digests ORDER BY seq DESC LIMIT 1`);
    this.listDigestsStmt = db.prepare(`SELECT ${DIGEST_COLUMNS} FROM audit_digests ORDER BY seq`);
    this.digestBeforeStmt = db.prepare(`SELECT ${DIGEST_COLUMNS} FROM audit_digests WHERE time <= ? AND to_seq < ? ORDER BY seq DESC LIMIT 1`);
    this.lastPruneSeqStmt = db.prepare("SELECT seq FROM audit_prunes ORDER BY seq DESC LIMIT 1");
    this.insertPrune = db.prepare("INSERT INTO audit_prunes (seq, time, through_seq, json, signature) VALUES (?, ?, ?, ?, ?)");
    this.listPrunesStmt = db.prepare("SELECT seq, time, through_seq AS throughSeq, json, signature FROM audit_prunes ORDER BY seq");
    this.deleteThroughStmt = db.prepare("DELETE FROM audit_events WHERE seq IN (SELECT seq FROM audit_events WHERE seq <= ? ORDER BY seq LIMIT ?)");
    this.appendPruneTx = db.transaction((row: AuditPruneRow) => {
      const want = (this.lastPruneSeqStmt.get()?.seq ?? 0) + 1;
      if (row.seq !== want) throw new AuditConflictError(`audit prune records must continue without a gap: expected seq ${want}, got ${row.seq}`);
      this.insertPrune.run(row.seq, row.time, row.throughSeq, row.json, row.signature);
    });
  }

  /**
   * All rows in one IMMEDIATE transaction: all durable together, or none. The rows must continue
   * the log without a gap (first seq = last stored seq + 1, then consecutive), so nothing chained
   * on a batch that was not written can ever be written after it.
   */
  append(rows: AuditRow[] | AuditBatch): void {
    if (rows.length === 0) return;
    this.appendTx.immediate(rows instanceof AuditBatch ? rows : AuditBatch.of(rows));
  }

  /** Stores an audit intent (in the caller's transaction, if one is open). */
  stageIntent(key: string, value: string): void {
    this.insertIntent.run(key, value);
  }

  listIntents(): Array<{ key: string; value: string }> {
    return this.listIntentsStmt.all();
  }

  /**
   * Several batches in order, in one IMMEDIATE transaction (one durable commit), each judged as
   * if appended alone after the ones before it: a batch that does not continue the log as
   * written so far (see append()) or whose insert fails is left out (savepoint). Returns, per
   * batch, undefined when appended or why not (see BatchOutcome). Throws, writing nothing, when
   * the transaction itself fails.
   */
  appendBatches(batches: readonly AuditBatch[]): Array<BatchOutcome> {
    try {
      return this.appendAllTx.immediate(batches);
    } catch (e) {
      // Anything else (the write lock not had in time, the commit failing) fails the same
      // again: thrown, as appendBatchesTx would.
      if (!(e instanceof InsertFailed)) throw e;
    }
    return this.appendBatchesTx.immediate(batches);
  }

  last(): AuditRow | undefined {
    const r = this.lastStmt.get();
    return r === undefined ? undefined : toAuditRow(r);
  }

  read(fromSeq: number, toSeq: number): AuditRow[] {
    return toAuditRows(this.rangeStmt.all(fromSeq, toSeq));
  }

  query(q: AuditQuery): AuditRow[] {
    return this.lookup(q).rows;
  }

  /**
   * query(), examining at most `scanLimit` of the account's events in the window when an attribute
   * filters them (a filter that matches little would otherwise walk the whole index in one
   * synchronous statement). `resumeBeforeSeq`: where the scan stopped short of `limit` matches.
   */
  lookup(q: AuditQuery, scanLimit?: number): AuditLookupPage {
    if (!Number.isSafeInteger(q.limit) || q.limit < 0) throw new RangeError("audit query limit must be a non-negative integer");
    if (scanLimit !== undefined && (!Number.isSafeInteger(scanLimit) || scanLimit < 1)) throw new RangeError("audit scan limit must be a positive integer");
    if (q.limit === 0) return { rows: [] };
    let start = q.startTime ?? MIN_TIME;
    let end = q.endTime ?? MAX_TIME;
    let boundaryTime = end;
    let boundarySeq = MAX_TIME;
    if (q.beforeSeq !== undefined) {
      // Locate the boundary row; if that seq does not exist, the nearest older row is
      // included (strict bound on seq + 1) so the page still starts just below beforeSeq.
      const b = this.boundaryStmt.get(q.beforeSeq);
      if (b === undefined) return { rows: [] };
      boundaryTime = b.time;
      boundarySeq = b.seq === q.beforeSeq ? b.seq : b.seq + 1;
      // Tightening `end` lets the index range start at the boundary instead of skipping rows.
      if (boundaryTime < end) end = boundaryTime;
    }
    const attr = q.attribute;
    let lowTime = start;
    let lowSeq = 0;
    let resumeBeforeSeq: number | undefined;
    if (attr !== undefined && scanLimit !== undefined) {
      const sliceEnd = this.sliceEndStmt.get(q.accountId, start, end, boundaryTime, boundaryTime, boundarySeq, scanLimit - 1);
      if (sliceEnd !== undefined) {
        start = lowTime = sliceEnd.time;
        lowSeq = sliceEnd.seq;
        resumeBeforeSeq = sliceEnd.seq;
      }
    }
    const window = [start, lowTime, lowSeq, end, boundaryTime, boundaryTime, boundarySeq, q.limit];
    const page = (rows: AuditRow[]): AuditLookupPage =>
      resumeBeforeSeq !== undefined && rows.length < q.limit ? { rows, resumeBeforeSeq } : { rows };
    if (attr === undefined) return { rows: toAuditRows(this.queryAll.all(q.accountId, ...window)) };
    let value: string | number = attr.value;
    if (attr.key === "ResourceName" || attr.key === "ResourceType") {
      // Empty values are not resources (a resource without a type leaves an empty line), and a
      // value holding a newline would span two.
      if (attr.value === "" || attr.value.includes("\n")) return { rows: [] };
      value = "\n" + attr.value + "\n";
    } else if (attr.key === "ReadOnly") {
      if (attr.value === "true") value = 1;
      else if (attr.value === "false") value = 0;
      else return { rows: [] };
    }
    if (attr.key === "ResourceName" && !attr.value.includes(":")) {
      return page(toAuditRows(this.queryByName.all(q.accountId, value, "/" + attr.value + "\n", ":" + attr.value + "\n", ...window)));
    }
    const stmt = this.queryByColumn.get(attr.key);
    if (stmt === undefined) throw new RangeError(`Unsupported audit lookup attribute ${String(attr.key)}`);
    return page(toAuditRows(stmt.all(q.accountId, value, ...window)));
  }

  activity(q: AuditActivityQuery): AuditActivityRow[] {
    if (!Number.isSafeInteger(q.limit) || q.limit < 0) throw new RangeError("audit scan limit must be a non-negative integer");
    if (q.limit === 0) return [];
    // Rows after the boundary (time, seq); the first page's boundary is (startTime, 0): seqs start at 1.
    const after = q.after !== undefined && q.after.time >= q.startTime ? q.after : { time: q.startTime, seq: 0 };
    return this.activityStmt.all(q.accountId, after.time, q.endTime, after.time, after.seq, q.limit);
  }

  appendDigest(d: AuditDigestRow): void {
    this.insertDigest.run(d.seq, d.time, d.fromSeq, d.toSeq, d.json, d.signature);
  }

  lastDigest(): AuditDigestRow | undefined {
    return this.lastDigestStmt.get();
  }

  digestBefore(time: number, belowSeq: number): AuditDigestRow | undefined {
    return this.digestBeforeStmt.get(time, belowSeq);
  }

  appendPrune(row: AuditPruneRow): void {
    this.appendPruneTx.immediate(row);
  }

  listPrunes(): AuditPruneRow[] {
    return this.listPrunesStmt.all();
  }

  /** See AuditStore.deleteAuditThrough; the delete trigger refuses rows no prune record covers. */
  deleteThrough(throughSeq: number, limit: number): number {
    if (!Number.isSafeInteger(limit) || limit < 1) throw new RangeError("audit delete limit must be a positive integer");
    return this.deleteThroughStmt.run(throughSeq, limit).changes;
  }

  listDigests(): AuditDigestRow[] {
    return this.listDigestsStmt.all();
  }

  /**
   * Each batch judged as if appended alone after the ones before it: left out when it does not
   * continue the log as written so far, else inserted by `insert`, which says why not if it was not.
   */
  private appendEach(batches: readonly AuditBatch[], insert: (batch: AuditBatch) => string | undefined): Array<BatchOutcome> {
    let head = this.headStmt.get();
    const outcome: Array<BatchOutcome> = [];
    for (const batch of batches) {
      const conflict = notContinuing(batch, head);
      if (conflict !== undefined) {
        outcome.push({ error: conflict, conflict: true });
        continue;
      }
      const failed = insert(batch);
      if (failed !== undefined) {
        outcome.push({ error: failed, conflict: false });
        continue;
      }
      head = { seq: batch.seq(batch.length - 1), hash: batch.hash(batch.length - 1) };
      outcome.push(undefined);
    }
    return outcome;
  }

  private insertRows(b: AuditBatch): void {
    for (let i = 0; i < b.length; i++) {
      this.insertEvent.run(
        b.seq(i),
        b.time(i),
        b.accountId(i),
        b.region(i),
        b.eventId(i),
        b.eventName(i),
        b.eventSource(i),
        b.username(i),
        b.accessKeyId(i),
        b.readOnly(i) ? 1 : 0,
        b.resourceNames(i),
        b.resourceTypes(i),
        b.json(i),
        b.prevHash(i),
        b.hash(i),
      );
    }
    // The calls these rows record are in the log now: their intents go in the same transaction.
    const settles = b.settles;
    if (settles !== undefined) for (const key of settles) this.deleteIntent.run(key);
  }
}

/** An insert of appendAllTx failed: its transaction is rolled back, the batches are judged one by one. */
class InsertFailed extends Error {
  constructor(readonly reason: unknown) {
    super("audit insert failed");
  }
}

/** The stored log's last row. */
interface LogHead {
  seq: number;
  hash: string;
}

/**
 * Why a batch does not continue the stored log, or undefined when it does: its seqs must follow
 * the last stored one without a gap, and its first row must be chained on the last stored row.
 * Seqs alone are not enough: a batch chained on a refused one carries the right seqs whenever
 * another writer appended as many rows as the refused batch held, and would fork the chain.
 */
function notContinuing(batch: AuditBatch, head: LogHead | undefined): string | undefined {
  const expected = (head?.seq ?? 0) + 1;
  if (batch.length === 0) return `audit rows must continue the log without a gap: expected seq ${expected}, got none`;
  for (let i = 0; i < batch.length; i++) {
    if (batch.seq(i) !== expected + i) return `audit rows must continue the log without a gap: expected seq ${expected + i}, got ${batch.seq(i)}`;
  }
  if (head !== undefined && batch.prevHash(0) !== head.hash) return `audit rows must continue the log: seq ${expected} is not chained on seq ${head.seq}`;
  return undefined;
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
