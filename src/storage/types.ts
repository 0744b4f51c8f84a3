/**
 * One storage interface for every service. Documents are JSON values in named
 * collections, addressed by a string key. Keys are built by the owning service and
 * always begin with the scope (`<accountId>/<region>/…`), so every access is scoped.
 *
 * Implementations: SQLite (embedded default, WAL, synchronous=FULL) and, later, PostgreSQL.
 * A write resolves only once it is durable. Secrets inside documents are sealed by the
 * caller (crypto/seal) before they reach storage.
 */
import type { AuditBatch } from "./audit-batch.js";

export interface DocEntry<T> {
  key: string;
  value: T;
}

export interface ListOptions {
  /** Only keys starting with this prefix. */
  prefix?: string;
  /** Only keys strictly greater than this (for pagination). */
  after?: string;
  /** Maximum number of entries. */
  limit?: number;
}

export interface DeleteOptions {
  /**
   * false: the document holds nothing that must be erased from the files at once (a scheduler's
   * job moved to its next run, a KMS grant or alias: nothing secret, and deleted often), so its
   * bytes may stay in older log frames until the log is next emptied, as an overwritten version's
   * do. Default true: what is deleted is gone from every file at the next checkpoint. Emptying
   * SQLite's WAL under load holds up its writers and readers for tens of milliseconds
   * (bench/README.md, "A stall every 30 seconds" and "Deletes that empty the WAL"), too long to
   * pay every time a periodic job is rescheduled or a grant retired.
   */
  scrub?: boolean;
}

export interface DocStore {
  get<T>(collection: string, key: string): Promise<T | undefined>;
  put<T>(collection: string, key: string, value: T): Promise<void>;
  /** Insert only if absent; resolves false when the key exists. */
  putIfAbsent<T>(collection: string, key: string, value: T): Promise<boolean>;
  delete(collection: string, key: string, opts?: DeleteOptions): Promise<boolean>;
  /** Entries in key order. */
  list<T>(collection: string, opts?: ListOptions): Promise<Array<DocEntry<T>>>;
  count(collection: string, prefix?: string): Promise<number>;
}

export interface Migration {
  /** Unique, ordered id, e.g. "0001-docs". */
  id: string;
  /** SQL for SQLite. */
  sqlite: string;
  /** SQL for PostgreSQL. */
  postgres?: string;
}

/** Rows of the audit log: append-only, ordered by `seq`. */
export interface AuditRow {
  seq: number;
  /** Event time, epoch ms (indexed for LookupEvents). */
  time: number;
  accountId: string;
  region: string;
  eventId: string;
  eventName: string;
  eventSource: string;
  username: string;
  accessKeyId: string;
  readOnly: boolean;
  /** Resource names/types for LookupEvents filters, joined by "\n". */
  resourceNames: string;
  resourceTypes: string;
  /** The CloudTrail event JSON exactly as hashed. */
  json: string;
  /** Hex SHA-256 of the previous row's hash and this row's JSON. */
  prevHash: string;
  hash: string;
}

/**
 * An append refused because its rows do not continue the log as stored: another writer (another
 * process on the same database, e.g. the operator CLI) appended first, or an earlier batch failed.
 * Nothing of the refused batch was written, so the caller may re-chain it on the stored head.
 */
export class AuditConflictError extends Error {
  override readonly name = "AuditConflictError";
}

export interface AuditDigestRow {
  seq: number; // digest sequence number
  time: number;
  fromSeq: number;
  toSeq: number;
  /** The digest JSON exactly as signed. */
  json: string;
  signature: string; // base64
}

/**
 * A signed permission to delete the oldest rows of the audit log (retention): rows 1..throughSeq
 * may be absent; `json` names the digest that signed row throughSeq's hash, so verification
 * starts the chain there (see src/audit/retention.ts).
 */
export interface AuditPruneRow {
  seq: number;
  time: number;
  throughSeq: number;
  /** The prune record JSON exactly as signed. */
  json: string;
  signature: string; // base64
}

export interface AuditQuery {
  accountId: string;
  startTime?: number;
  endTime?: number;
  /**
   * Exactly one attribute filter, as LookupEvents allows. ResourceType matches one of the event's
   * types whole; ResourceName one of its names whole, or (a value without a ":") the end of one
   * after a "/" or ":" — the resource's own name or id in its ARN ("alice", "1234abcd-…") or its
   * resource part ("user/alice"), the kind of names LookupEvents' reference gives as examples
   * ("auto-scaling-test-group", "i-1234567").
   */
  attribute?: { key: "EventId" | "EventName" | "ReadOnly" | "Username" | "ResourceType" | "ResourceName" | "EventSource" | "AccessKeyId"; value: string };
  /** Newest first; continue strictly before this seq. */
  beforeSeq?: number;
  limit: number;
}

/** What lookupAudit found, and where it stopped when its scan limit cut the scan short. */
export interface AuditLookupPage {
  rows: AuditRow[];
  /** Fewer than `limit` rows matched within the scan limit: continue with beforeSeq = this. */
  resumeBeforeSeq?: number;
}

/** One audit event as the lookup index holds it (no event JSON): what IAM's last-accessed reports aggregate. */
export interface AuditActivityRow {
  seq: number;
  time: number;
  eventSource: string;
  eventName: string;
  username: string;
  accessKeyId: string;
}

export interface AuditActivityQuery {
  accountId: string;
  /** Inclusive time range, epoch ms. */
  startTime: number;
  endTime: number;
  /** Oldest first; continue strictly after this (time, seq). */
  after?: { time: number; seq: number };
  limit: number;
}

export interface AppendAuditOptions {
  deferSync?: boolean;
}

export interface AuditStore {
  /**
   * Appends rows in one durable transaction. The rows must continue the log without a gap
   * (first seq = last stored seq + 1, then consecutive) and the first must be chained on the
   * last stored row (prevHash = its hash), else nothing is written and the call rejects
   * (AuditConflictError). Calls may overlap: they are applied in call order. The audit log hands over packed
   * batches (audit-batch.ts; the store then owns the batch and may transfer its buffers);
   * `batch.rows()` gives the plain rows.
   *
   * `opts.deferSync`: every event of the batch is of a call that changed nothing. A store with
   * a sync delay may then acknowledge the append once the rows are written (they survive the
   * process ending, not yet a power loss) and force them to stable storage within that delay;
   * any append without it is forced there, with everything written before it, first.
   */
  appendAudit(rows: AuditRow[] | AuditBatch, opts?: AppendAuditOptions): Promise<void>;
  /**
   * Stores an audit intent: what the log must show of a call that changes state if the process
   * stops before the call's own event is appended (src/audit/INVARIANTS.md). Removed in the
   * transaction that appends a batch naming its key in `settles`. Stores without it leave calls
   * unguarded. When it resolves the intent survives the process ending, and it is on stable
   * storage no later than any write of this store made after it (SQLite: it is in the WAL before
   * them, and forcing a later commit forces every frame before it), so a change the call stores
   * is never durable without it; a store may acknowledge it before it is forced to disk.
   */
  stageAuditIntent?(key: string, value: string): Promise<void>;
  /** Every stored audit intent, in key order. */
  listAuditIntents?(): Promise<Array<{ key: string; value: string }>>;
  lastAudit(): Promise<AuditRow | undefined>;
  /** Rows with seq in [from, to], ascending. */
  readAudit(fromSeq: number, toSeq: number): Promise<AuditRow[]>;
  queryAudit(q: AuditQuery): Promise<AuditRow[]>;
  /**
   * queryAudit for LookupEvents: with an attribute filter, examines at most `scanLimit` of the
   * account's events in the window (newest first), so a filter that matches little never walks
   * the whole log in one call; the page then says where to resume. A store whose lookups do not
   * scan may ignore the limit.
   */
  lookupAudit(q: AuditQuery, scanLimit: number): Promise<AuditLookupPage>;
  /**
   * An account's events in the time range, oldest first (time, then seq), as index entries:
   * answered from the lookup index alone, without reading any event's JSON.
   */
  scanAuditActivity(q: AuditActivityQuery): Promise<AuditActivityRow[]>;
  appendDigest(row: AuditDigestRow): Promise<void>;
  lastDigest(): Promise<AuditDigestRow | undefined>;
  listDigests(): Promise<AuditDigestRow[]>;
  /** The newest digest signed at or before `time` that covers rows up to below `belowSeq` only. */
  digestBefore(time: number, belowSeq: number): Promise<AuditDigestRow | undefined>;
  /** Appends a prune record; its seq must follow the last one's (else AuditConflictError). */
  appendAuditPrune(row: AuditPruneRow): Promise<void>;
  listAuditPrunes(): Promise<AuditPruneRow[]>;
  /**
   * Deletes at most `limit` of the oldest rows with seq <= throughSeq, in one transaction, and
   * returns how many. Only rows a stored prune record covers can be deleted (the store refuses
   * any other deletion).
   */
  deleteAuditThrough(throughSeq: number, limit: number): Promise<number>;
}

export interface Storage extends DocStore, AuditStore {
  readonly engine: "sqlite" | "postgres";
  /**
   * Runs `fn` atomically: every write inside commits together or not at all.
   * Transactions are serialised; `fn` must only use the `tx` it is given.
   */
  transaction<T>(fn: (tx: DocStore) => Promise<T>): Promise<T>;
  /** Small key/value of the installation itself (root-key check value, CA, ids). */
  getMeta(key: string): Promise<string | undefined>;
  setMeta(key: string, value: string): Promise<void>;
  close(): Promise<void>;
}
