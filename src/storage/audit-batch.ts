/**
 * Audit rows packed for appending (AuditStore.appendAudit): every row's event JSON as UTF-8 in
 * one buffer and the other columns as numbers and indexes into one string table, where the
 * columns that repeat from row to row (account, Region, event name, source, user, access key,
 * resources) appear once per batch.
 *
 * Why: the audit log writes each event's bytes once, hashes them where they lie, and the batch
 * crosses to the SQLite writer thread as three transferred buffers and a short string list
 * instead of fifteen structured-cloned values per row; the writer binds the JSON bytes as they
 * are. An engine that binds text reads plain rows back with rows().
 *
 * Layout of `bytes`: per row, SLOT bytes the chain code may use (it writes the row's prevHash
 * there and hashes prevHash ‖ JSON in place; they are never stored), then the JSON. Row i's JSON
 * ends at `refs[i·W + END]`; it starts SLOT bytes after the previous row's end (SLOT for row 0).
 */
import type { AuditRow } from "./types.js";

/** Bytes before each row's JSON in `bytes`. */
export const AUDIT_BATCH_SLOT = 64;

// refs per row: where its JSON ends, readOnly 0/1, then string-table indexes.
const END = 0;
const READ_ONLY = 1;
const ACCOUNT = 2;
const REGION = 3;
const EVENT_ID = 4;
const EVENT_NAME = 5;
const EVENT_SOURCE = 6;
const USERNAME = 7;
const ACCESS_KEY = 8;
const RESOURCE_NAMES = 9;
const RESOURCE_TYPES = 10;
const PREV_HASH = 11;
const HASH = 12;
const W = 13;

/** The columns of a row other than seq, JSON and the hashes (EventIndexFields). */
export type AuditIndexColumns = Omit<AuditRow, "seq" | "json" | "prevHash" | "hash">;

/** What crosses a thread boundary (the three buffers are transferable). */
export interface AuditBatchWire {
  nums: Float64Array;
  refs: Uint32Array;
  strings: string[];
  bytes: Uint8Array;
  /** Keys of audit intents (AuditStore.stageAuditIntent) the batch's commit removes. */
  settles?: string[];
}

export class AuditBatch implements AuditBatchWire {
  /** Keys of audit intents removed in the same transaction as these rows (the calls they stood for are now in the log). */
  settles: string[] | undefined;

  constructor(
    /** seq, time per row. */
    readonly nums: Float64Array,
    /** W values per row (see the constants above). */
    readonly refs: Uint32Array,
    readonly strings: string[],
    readonly bytes: Uint8Array,
  ) {
    if (nums.length !== 2 * (refs.length / W) || refs.length % W !== 0) throw new RangeError("audit batch arrays disagree on the row count");
  }

  static fromWire(w: AuditBatchWire): AuditBatch {
    const b = new AuditBatch(w.nums, w.refs, w.strings, w.bytes);
    if (w.settles !== undefined && w.settles.length > 0) b.settles = w.settles;
    return b;
  }

  /** Packs plain rows. */
  static of(rows: readonly AuditRow[]): AuditBatch {
    const encoder = new TextEncoder();
    const jsons = rows.map((r) => encoder.encode(r.json));
    const b = new AuditBatchBuilder(rows.length, jsons.reduce((n, j) => n + j.length, 0));
    rows.forEach((r, i) => {
      b.add(r.seq, r, jsons[i]!, r.prevHash);
      b.setHash(r.hash);
    });
    return b.finish();
  }

  get length(): number {
    return this.nums.length / 2;
  }

  seq(i: number): number {
    return this.nums[2 * i]!;
  }

  time(i: number): number {
    return this.nums[2 * i + 1]!;
  }

  jsonStart(i: number): number {
    return (i === 0 ? 0 : this.refs[(i - 1) * W + END]!) + AUDIT_BATCH_SLOT;
  }

  /** The row's JSON bytes (a view, not a copy). */
  json(i: number): Uint8Array {
    return this.bytes.subarray(this.jsonStart(i), this.refs[i * W + END]);
  }

  readOnly(i: number): boolean {
    return this.refs[i * W + READ_ONLY] === 1;
  }

  /** Column `c` (one of the string-table columns) of row i. */
  private str(i: number, c: number): string {
    return this.strings[this.refs[i * W + c]!]!;
  }

  accountId(i: number): string {
    return this.str(i, ACCOUNT);
  }

  region(i: number): string {
    return this.str(i, REGION);
  }

  eventId(i: number): string {
    return this.str(i, EVENT_ID);
  }

  eventName(i: number): string {
    return this.str(i, EVENT_NAME);
  }

  eventSource(i: number): string {
    return this.str(i, EVENT_SOURCE);
  }

  username(i: number): string {
    return this.str(i, USERNAME);
  }

  accessKeyId(i: number): string {
    return this.str(i, ACCESS_KEY);
  }

  resourceNames(i: number): string {
    return this.str(i, RESOURCE_NAMES);
  }

  resourceTypes(i: number): string {
    return this.str(i, RESOURCE_TYPES);
  }

  prevHash(i: number): string {
    return this.str(i, PREV_HASH);
  }

  hash(i: number): string {
    return this.str(i, HASH);
  }

  row(i: number): AuditRow {
    const b = this.bytes;
    return {
      seq: this.seq(i),
      time: this.time(i),
      accountId: this.accountId(i),
      region: this.region(i),
      eventId: this.eventId(i),
      eventName: this.eventName(i),
      eventSource: this.eventSource(i),
      username: this.username(i),
      accessKeyId: this.accessKeyId(i),
      readOnly: this.readOnly(i),
      resourceNames: this.resourceNames(i),
      resourceTypes: this.resourceTypes(i),
      json: Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("utf8", this.jsonStart(i), this.refs[i * W + END]),
      prevHash: this.prevHash(i),
      hash: this.hash(i),
    };
  }

  rows(): AuditRow[] {
    const out: AuditRow[] = [];
    for (let i = 0; i < this.length; i++) out.push(this.row(i));
    return out;
  }

  /** The buffers to transfer with the wire form (they are unusable here afterwards). */
  transferList(): ArrayBuffer[] {
    return [this.nums.buffer as ArrayBuffer, this.refs.buffer as ArrayBuffer, this.bytes.buffer as ArrayBuffer];
  }
}

/**
 * Builds an AuditBatch row by row: add() copies the JSON bytes behind a free slot and returns
 * slot ‖ JSON (for the chain hash), setHash() completes the row.
 */
export class AuditBatchBuilder {
  private readonly nums: Float64Array;
  private readonly refs: Uint32Array;
  private readonly strings: string[] = [];
  private readonly ids = new Map<string, number>();
  // Per column, the value of the row before and its index: consecutive rows mostly repeat them.
  private readonly lastValue: Array<string | undefined> = new Array<string | undefined>(W).fill(undefined);
  private readonly lastRef = new Uint32Array(W);
  private readonly bytes: Buffer;
  private n = 0;
  private end = 0;
  private lastHash: string | undefined;
  private lastHashRef = 0;

  constructor(
    private readonly rowCount: number,
    jsonBytes: number,
  ) {
    this.nums = new Float64Array(2 * rowCount);
    this.refs = new Uint32Array(W * rowCount);
    // Not pooled: the buffer is transferred whole. Every byte of it is written by add().
    this.bytes = Buffer.allocUnsafeSlow(rowCount * AUDIT_BATCH_SLOT + jsonBytes);
  }

  /** Adds a row; returns its slot followed by its JSON (a view into the batch). */
  add(seq: number, c: AuditIndexColumns, json: Uint8Array, prevHash: string): Buffer {
    const i = this.n++;
    if (i >= this.rowCount) throw new RangeError("audit batch is full");
    const start = this.end + AUDIT_BATCH_SLOT;
    const end = start + json.length;
    if (end > this.bytes.length) throw new RangeError("audit batch JSON is longer than announced");
    this.bytes.fill(0, this.end, start);
    this.bytes.set(json, start);
    this.end = end;
    this.nums[2 * i] = seq;
    this.nums[2 * i + 1] = c.time;
    const r = this.refs;
    const k = i * W;
    r[k + END] = end;
    r[k + READ_ONLY] = c.readOnly ? 1 : 0;
    r[k + ACCOUNT] = this.intern(ACCOUNT, c.accountId);
    r[k + REGION] = this.intern(REGION, c.region);
    r[k + EVENT_ID] = this.push(c.eventId);
    r[k + EVENT_NAME] = this.intern(EVENT_NAME, c.eventName);
    r[k + EVENT_SOURCE] = this.intern(EVENT_SOURCE, c.eventSource);
    r[k + USERNAME] = this.intern(USERNAME, c.username);
    r[k + ACCESS_KEY] = this.intern(ACCESS_KEY, c.accessKeyId);
    r[k + RESOURCE_NAMES] = this.intern(RESOURCE_NAMES, c.resourceNames);
    r[k + RESOURCE_TYPES] = this.intern(RESOURCE_TYPES, c.resourceTypes);
    // A chained row's prevHash is the previous row's hash: one table entry for both.
    r[k + PREV_HASH] = prevHash === this.lastHash ? this.lastHashRef : this.push(prevHash);
    return this.bytes.subarray(start - AUDIT_BATCH_SLOT, end);
  }

  /** The hash of the row added last. */
  setHash(hash: string): void {
    this.lastHash = hash;
    this.lastHashRef = this.push(hash);
    this.refs[(this.n - 1) * W + HASH] = this.lastHashRef;
  }

  finish(): AuditBatch {
    if (this.n !== this.rowCount || this.end !== this.bytes.length) throw new RangeError("audit batch has fewer rows or bytes than announced");
    return new AuditBatch(this.nums, this.refs, this.strings, this.bytes);
  }

  /** The string-table index of `s`, a value of column `column`. */
  private intern(column: number, s: string): number {
    if (s === this.lastValue[column]) return this.lastRef[column]!;
    let id = this.ids.get(s);
    if (id === undefined) {
      id = this.push(s);
      this.ids.set(s, id);
    }
    this.lastValue[column] = s;
    this.lastRef[column] = id;
    return id;
  }

  private push(s: string): number {
    return this.strings.push(s) - 1;
  }
}

/** Plain rows of what appendAudit() received. */
export function auditRowsOf(rows: readonly AuditRow[] | AuditBatch): readonly AuditRow[] {
  return rows instanceof AuditBatch ? rows.rows() : rows;
}
