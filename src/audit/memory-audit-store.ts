/**
 * In-memory AuditStore with the exact semantics of the interface (for unit tests only).
 * Rows and digests are copied in and out, like a database would. `rows` and `digests` are
 * exposed so tests can tamper with the log directly.
 */
import {
  AuditConflictError,
  type AuditActivityQuery,
  type AuditActivityRow,
  type AuditDigestRow,
  type AuditLookupPage,
  type AuditQuery,
  type AuditRow,
  type AuditPruneRow,
  type AuditStore,
} from "../storage/types.js";
import { auditRowsOf, type AuditBatch } from "../storage/audit-batch.js";

export class MemoryAuditStore implements AuditStore {
  /** Kept sorted by seq; tests may mutate (tamper) freely. */
  rows: AuditRow[] = [];
  digests: AuditDigestRow[] = [];
  prunes: AuditPruneRow[] = [];
  /** Audit intents by key. */
  intents = new Map<string, string>();
  appendCalls = 0;
  /** Test hook: the next appendAudit() throws this (nothing is written). */
  failNextAppend: Error | undefined;
  /** Test hook: delay each appendAudit() by this many ms. */
  appendDelayMs = 0;
  private inFlight = 0;
  maxConcurrentAppends = 0;

  async appendAudit(batch: AuditRow[] | AuditBatch): Promise<void> {
    const rows = auditRowsOf(batch);
    this.appendCalls++;
    this.inFlight++;
    this.maxConcurrentAppends = Math.max(this.maxConcurrentAppends, this.inFlight);
    try {
      if (this.appendDelayMs > 0) await new Promise((r) => setTimeout(r, this.appendDelayMs));
      const err = this.failNextAppend;
      if (err) {
        this.failNextAppend = undefined;
        throw err;
      }
      // All-or-nothing, and only rows that continue the log without a gap (the AuditStore
      // contract): nothing chained on a batch that was not written is ever written after it.
      let expected = this.rows.reduce((m, r) => Math.max(m, r.seq), 0) + 1;
      const head = this.rows.find((r) => r.seq === expected - 1);
      for (const r of rows) {
        if (r.seq !== expected) throw new AuditConflictError(`audit rows must continue the log without a gap: expected seq ${expected}, got ${r.seq}`);
        expected++;
      }
      // Chained on the stored head, not only numbered after it (a batch chained on a refused one).
      if (head !== undefined && rows[0] !== undefined && rows[0].prevHash !== head.hash) {
        throw new AuditConflictError(`audit rows must continue the log: seq ${rows[0].seq} is not chained on seq ${head.seq}`);
      }
      for (const r of rows) this.rows.push({ ...r });
      if (!Array.isArray(batch) && batch.settles !== undefined) for (const k of batch.settles) this.intents.delete(k);
    } finally {
      this.inFlight--;
    }
  }

  async stageAuditIntent(key: string, value: string): Promise<void> {
    this.intents.set(key, value);
  }

  async listAuditIntents(): Promise<Array<{ key: string; value: string }>> {
    return [...this.intents].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([key, value]) => ({ key, value }));
  }

  async lastAudit(): Promise<AuditRow | undefined> {
    const r = this.rows[this.rows.length - 1];
    return r ? { ...r } : undefined;
  }

  async readAudit(fromSeq: number, toSeq: number): Promise<AuditRow[]> {
    return this.rows
      .filter((r) => r.seq >= fromSeq && r.seq <= toSeq)
      .sort((a, b) => a.seq - b.seq)
      .map((r) => ({ ...r }));
  }

  async lookupAudit(q: AuditQuery): Promise<AuditLookupPage> {
    return { rows: await this.queryAudit(q) };
  }
  async queryAudit(q: AuditQuery): Promise<AuditRow[]> {
    const out: AuditRow[] = [];
    const sorted = [...this.rows].sort((a, b) => b.seq - a.seq);
    for (const r of sorted) {
      if (out.length >= q.limit) break;
      if (r.accountId !== q.accountId) continue;
      if (q.beforeSeq !== undefined && r.seq >= q.beforeSeq) continue;
      if (q.startTime !== undefined && r.time < q.startTime) continue;
      if (q.endTime !== undefined && r.time > q.endTime) continue;
      if (q.attribute && !matchesAttribute(r, q.attribute.key, q.attribute.value)) continue;
      out.push({ ...r });
    }
    return out;
  }

  async scanAuditActivity(q: AuditActivityQuery): Promise<AuditActivityRow[]> {
    return scanActivity(this.rows, q);
  }

  async appendDigest(row: AuditDigestRow): Promise<void> {
    if (this.digests.some((d) => d.seq === row.seq)) throw new Error(`duplicate digest seq ${row.seq}`);
    this.digests.push({ ...row });
    this.digests.sort((a, b) => a.seq - b.seq);
  }

  async lastDigest(): Promise<AuditDigestRow | undefined> {
    const d = this.digests[this.digests.length - 1];
    return d ? { ...d } : undefined;
  }

  async listDigests(): Promise<AuditDigestRow[]> {
    return [...this.digests].sort((a, b) => a.seq - b.seq).map((d) => ({ ...d }));
  }

  async digestBefore(time: number, belowSeq: number): Promise<AuditDigestRow | undefined> {
    const d = this.digests.filter((x) => x.time <= time && x.toSeq < belowSeq).pop();
    return d ? { ...d } : undefined;
  }

  async appendAuditPrune(row: AuditPruneRow): Promise<void> {
    const want = (this.prunes[this.prunes.length - 1]?.seq ?? 0) + 1;
    if (row.seq !== want) throw new AuditConflictError(`audit prune records must continue without a gap: expected seq ${want}, got ${row.seq}`);
    this.prunes.push({ ...row });
  }

  async listAuditPrunes(): Promise<AuditPruneRow[]> {
    return this.prunes.map((p) => ({ ...p }));
  }

  async deleteAuditThrough(throughSeq: number, limit: number): Promise<number> {
    const allowed = this.prunes.reduce((m, p) => Math.max(m, p.throughSeq), 0);
    const doomed = this.rows.filter((r) => r.seq <= throughSeq).sort((a, b) => a.seq - b.seq).slice(0, limit);
    if (doomed.some((r) => r.seq > allowed)) throw new Error("audit_events is append-only");
    const gone = new Set(doomed);
    this.rows = this.rows.filter((r) => !gone.has(r));
    return doomed.length;
  }
}

/**
 * Whether one of an event's resource names answers a ResourceName lookup (AuditQuery.attribute):
 * the name whole, or a value without a ":" as the part of it after a "/" or ":".
 */
export function resourceNameMatches(name: string, value: string): boolean {
  if (value === "" || value.includes("\n")) return false;
  if (name === value) return true;
  if (value.includes(":") || name.length <= value.length || !name.endsWith(value)) return false;
  const before = name.charCodeAt(name.length - value.length - 1);
  return before === 0x2f /* / */ || before === 0x3a /* : */;
}

/** Whether a row matches one LookupEvents attribute filter (test stores). */
export function matchesAttribute(r: AuditRow, key: NonNullable<AuditQuery["attribute"]>["key"], value: string): boolean {
  switch (key) {
    case "EventId":
      return r.eventId === value;
    case "EventName":
      return r.eventName === value;
    case "ReadOnly":
      return (r.readOnly ? "true" : "false") === value;
    case "Username":
      return r.username === value;
    case "ResourceType":
      return r.resourceTypes !== "" && r.resourceTypes.split("\n").includes(value);
    case "ResourceName":
      return r.resourceNames !== "" && r.resourceNames.split("\n").some((n) => resourceNameMatches(n, value));
    case "EventSource":
      return r.eventSource === value;
    case "AccessKeyId":
      return r.accessKeyId === value;
  }
}

/** AuditStore.scanAuditActivity over rows held in memory (test stores). */
export function scanActivity(rows: readonly AuditRow[], q: AuditActivityQuery): AuditActivityRow[] {
  const after = q.after !== undefined && q.after.time >= q.startTime ? q.after : { time: q.startTime, seq: 0 };
  return rows
    .filter((r) => r.accountId === q.accountId && r.time <= q.endTime && (r.time > after.time || (r.time === after.time && r.seq > after.seq)))
    .sort((a, b) => a.time - b.time || a.seq - b.seq)
    .slice(0, q.limit)
    .map((r) => ({ seq: r.seq, time: r.time, eventSource: r.eventSource, eventName: r.eventName, username: r.username, accessKeyId: r.accessKeyId }));
}
