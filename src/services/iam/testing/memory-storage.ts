/**
 * In-memory Storage for tests, faithful to src/storage/types.ts and to the SQLite engine's
 * observable behaviour: values are stored as JSON (copies, undefined members dropped), keys
 * list in code-point order, transactions are atomic and serialised, and while one is open
 * every other operation waits behind it (so code that calls the store from inside its own
 * transaction hangs here exactly as it would in production).
 */
import { matchesAttribute, scanActivity } from "../../../audit/memory-audit-store.js";
import { assertValidKey, compareKeys } from "../../../storage/keys.js";
import { auditRowsOf, type AuditBatch } from "../../../storage/audit-batch.js";
import type {
  AuditActivityQuery,
  AuditActivityRow,
  AuditDigestRow,
  AuditPruneRow,
  AuditLookupPage,
  AuditQuery,
  AuditRow,
  DocEntry,
  DocStore,
  ListOptions,
  Storage,
} from "../../../storage/types.js";

type Collections = Map<string, Map<string, string>>;

function copyIn<T>(value: T): string {
  const json = JSON.stringify(value);
  if (json === undefined) throw new TypeError("Storage values must be JSON-serialisable");
  return json;
}

function copyOut<T>(json: string | undefined): T | undefined {
  return json === undefined ? undefined : (JSON.parse(json) as T);
}

/** Reads and writes against a layered view: pending writes (`null` = deleted) over the committed data. */
class View implements DocStore {
  constructor(
    private readonly base: Collections,
    private readonly pending: Map<string, Map<string, string | null>> | undefined,
  ) {}

  private read(collection: string, key: string): string | undefined {
    const p = this.pending?.get(collection)?.get(key);
    if (p !== undefined) return p === null ? undefined : p;
    return this.base.get(collection)?.get(key);
  }

  private write(collection: string, key: string, json: string | null): void {
    if (this.pending) {
      let m = this.pending.get(collection);
      if (!m) this.pending.set(collection, (m = new Map()));
      m.set(key, json);
      return;
    }
    let m = this.base.get(collection);
    if (!m) this.base.set(collection, (m = new Map()));
    if (json === null) m.delete(key);
    else m.set(key, json);
  }

  private entries(collection: string): Map<string, string> {
    const out = new Map(this.base.get(collection) ?? []);
    for (const [k, v] of this.pending?.get(collection) ?? []) {
      if (v === null) out.delete(k);
      else out.set(k, v);
    }
    return out;
  }

  async get<T>(collection: string, key: string): Promise<T | undefined> {
    assertValidKey(collection, "collection");
    assertValidKey(key, "key");
    return copyOut<T>(this.read(collection, key));
  }

  async put<T>(collection: string, key: string, value: T): Promise<void> {
    assertValidKey(collection, "collection");
    assertValidKey(key, "key");
    this.write(collection, key, copyIn(value));
  }

  async putIfAbsent<T>(collection: string, key: string, value: T): Promise<boolean> {
    assertValidKey(collection, "collection");
    assertValidKey(key, "key");
    if (this.read(collection, key) !== undefined) return false;
    this.write(collection, key, copyIn(value));
    return true;
  }

  async delete(collection: string, key: string): Promise<boolean> {
    assertValidKey(collection, "collection");
    assertValidKey(key, "key");
    if (this.read(collection, key) === undefined) return false;
    this.write(collection, key, null);
    return true;
  }

  async list<T>(collection: string, opts: ListOptions = {}): Promise<Array<DocEntry<T>>> {
    assertValidKey(collection, "collection");
    if (opts.prefix !== undefined) assertValidKey(opts.prefix, "prefix");
    const prefix = opts.prefix ?? "";
    const keys = [...this.entries(collection).keys()]
      .filter((k) => k.startsWith(prefix) && (opts.after === undefined || compareKeys(k, opts.after) > 0))
      .sort(compareKeys);
    const limited = opts.limit !== undefined ? keys.slice(0, Math.max(0, opts.limit)) : keys;
    const all = this.entries(collection);
    return limited.map((key) => ({ key, value: copyOut<T>(all.get(key)) as T }));
  }

  async count(collection: string, prefix?: string): Promise<number> {
    assertValidKey(collection, "collection");
    const p = prefix ?? "";
    let n = 0;
    for (const k of this.entries(collection).keys()) if (k.startsWith(p)) n++;
    return n;
  }
}

export class MemoryStorage implements Storage {
  readonly engine = "sqlite" as const;
  private readonly data: Collections = new Map();
  private readonly meta = new Map<string, string>();
  private readonly auditRows: AuditRow[] = [];
  private readonly digests: AuditDigestRow[] = [];
  private tail: Promise<void> = Promise.resolve();
  private closed = false;
  /** Number of committed transactions (tests assert multi-document changes used one). */
  transactions = 0;

  /** Runs `fn` exclusively, after everything queued before it. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new Error("Storage is closed"));
    const prev = this.tail;
    let release!: () => void;
    this.tail = new Promise<void>((r) => (release = r));
    return prev.then(fn).finally(release);
  }

  private direct(): View {
    return new View(this.data, undefined);
  }

  get<T>(collection: string, key: string): Promise<T | undefined> {
    return this.exclusive(() => this.direct().get<T>(collection, key));
  }
  put<T>(collection: string, key: string, value: T): Promise<void> {
    return this.exclusive(() => this.direct().put(collection, key, value));
  }
  putIfAbsent<T>(collection: string, key: string, value: T): Promise<boolean> {
    return this.exclusive(() => this.direct().putIfAbsent(collection, key, value));
  }
  delete(collection: string, key: string): Promise<boolean> {
    return this.exclusive(() => this.direct().delete(collection, key));
  }
  list<T>(collection: string, opts?: ListOptions): Promise<Array<DocEntry<T>>> {
    return this.exclusive(() => this.direct().list<T>(collection, opts));
  }
  count(collection: string, prefix?: string): Promise<number> {
    return this.exclusive(() => this.direct().count(collection, prefix));
  }

  transaction<T>(fn: (tx: DocStore) => Promise<T>): Promise<T> {
    return this.exclusive(async () => {
      const pending = new Map<string, Map<string, string | null>>();
      const result = await fn(new View(this.data, pending));
      // Commit: apply every pending write at once (nothing was applied if fn threw).
      for (const [collection, writes] of pending) {
        let m = this.data.get(collection);
        if (!m) this.data.set(collection, (m = new Map()));
        for (const [k, v] of writes) {
          if (v === null) m.delete(k);
          else m.set(k, v);
        }
      }
      this.transactions++;
      return result;
    });
  }

  /** Raw stored JSON text of a document (tests check what reaches storage). */
  rawJson(collection: string, key: string): string | undefined {
    return this.data.get(collection)?.get(key);
  }

  /** Every stored JSON text of a collection. */
  rawCollection(collection: string): string[] {
    return [...(this.data.get(collection)?.values() ?? [])];
  }

  async getMeta(key: string): Promise<string | undefined> {
    return this.exclusive(async () => this.meta.get(key));
  }
  async setMeta(key: string, value: string): Promise<void> {
    return this.exclusive(async () => {
      this.meta.set(key, value);
    });
  }

  async appendAudit(rows: AuditRow[] | AuditBatch): Promise<void> {
    return this.exclusive(async () => {
      this.auditRows.push(...auditRowsOf(rows).map((r) => ({ ...r })));
    });
  }
  async lastAudit(): Promise<AuditRow | undefined> {
    return this.exclusive(async () => this.auditRows[this.auditRows.length - 1]);
  }
  async readAudit(fromSeq: number, toSeq: number): Promise<AuditRow[]> {
    return this.exclusive(async () => this.auditRows.filter((r) => r.seq >= fromSeq && r.seq <= toSeq));
  }
  async lookupAudit(q: AuditQuery): Promise<AuditLookupPage> {
    return { rows: await this.queryAudit(q) };
  }
  async queryAudit(q: AuditQuery): Promise<AuditRow[]> {
    return this.exclusive(async () => {
      const rows = this.auditRows.filter(
        (r) =>
          r.accountId === q.accountId &&
          (q.startTime === undefined || r.time >= q.startTime) &&
          (q.endTime === undefined || r.time <= q.endTime) &&
          (q.beforeSeq === undefined || r.seq < q.beforeSeq) &&
          (q.attribute === undefined || matchesAttribute(r, q.attribute.key, q.attribute.value)),
      );
      return rows.reverse().slice(0, q.limit);
    });
  }
  async scanAuditActivity(q: AuditActivityQuery): Promise<AuditActivityRow[]> {
    return this.exclusive(async () => scanActivity(this.auditRows, q));
  }
  async appendDigest(row: AuditDigestRow): Promise<void> {
    return this.exclusive(async () => {
      this.digests.push({ ...row });
    });
  }
  async lastDigest(): Promise<AuditDigestRow | undefined> {
    return this.exclusive(async () => this.digests[this.digests.length - 1]);
  }
  async listDigests(): Promise<AuditDigestRow[]> {
    return this.exclusive(async () => [...this.digests]);
  }
  // Retention: the audit module's own store (MemoryAuditStore) is where pruning is tested.
  async digestBefore(time: number, belowSeq: number): Promise<AuditDigestRow | undefined> {
    return this.exclusive(async () => this.digests.filter((d) => d.time <= time && d.toSeq < belowSeq).pop());
  }
  async appendAuditPrune(_row: AuditPruneRow): Promise<void> {
    throw new Error("audit pruning is not supported by this test store");
  }
  async listAuditPrunes(): Promise<AuditPruneRow[]> {
    return [];
  }
  async deleteAuditThrough(_throughSeq: number, _limit: number): Promise<number> {
    throw new Error("audit_events is append-only");
  }

  async close(): Promise<void> {
    await this.exclusive(async () => {});
    this.closed = true;
  }
}
