/**
 * In-memory Storage for unit tests of the STS and Organizations services. Values are
 * deep-copied on the way in and out (like a real store that serialises JSON), so tests
 * catch code that mutates what it read. Transactions are serialised and all-or-nothing.
 */
import type { AuditActivityQuery, AuditDigestRow, AuditPruneRow, AuditQuery, AuditRow, DocEntry, DocStore, ListOptions, Storage } from "../../../storage/types.js";
import type { AuditBatch } from "../../../storage/audit-batch.js";

type Collections = Map<string, Map<string, string>>;
/** Overlay marker for a key deleted inside a transaction (never valid JSON, so never a stored value). */
const DELETED = "\u0000deleted";

function docStoreOver(data: Collections): DocStore {
  const col = (name: string): Map<string, string> => {
    let c = data.get(name);
    if (!c) {
      c = new Map();
      data.set(name, c);
    }
    return c;
  };
  return {
    async get<T>(collection: string, key: string): Promise<T | undefined> {
      const raw = col(collection).get(key);
      return raw === undefined ? undefined : (JSON.parse(raw) as T);
    },
    async put<T>(collection: string, key: string, value: T): Promise<void> {
      col(collection).set(key, JSON.stringify(value));
    },
    async putIfAbsent<T>(collection: string, key: string, value: T): Promise<boolean> {
      const c = col(collection);
      if (c.has(key)) return false;
      c.set(key, JSON.stringify(value));
      return true;
    },
    async delete(collection: string, key: string): Promise<boolean> {
      return col(collection).delete(key);
    },
    async list<T>(collection: string, opts: ListOptions = {}): Promise<Array<DocEntry<T>>> {
      const keys = [...col(collection).keys()].sort();
      const out: Array<DocEntry<T>> = [];
      for (const key of keys) {
        if (opts.prefix !== undefined && !key.startsWith(opts.prefix)) continue;
        if (opts.after !== undefined && key <= opts.after) continue;
        out.push({ key, value: JSON.parse(col(collection).get(key) as string) as T });
        if (opts.limit !== undefined && out.length >= opts.limit) break;
      }
      return out;
    },
    async count(collection: string, prefix?: string): Promise<number> {
      let n = 0;
      for (const key of col(collection).keys()) if (prefix === undefined || key.startsWith(prefix)) n++;
      return n;
    },
  };
}

export interface MemoryStorage extends Storage {
  /** Raw JSON text of every stored document (tests assert secrets never appear in it). */
  dump(): string;
  /** Lets `n` more writes (put/putIfAbsent/delete) succeed, then makes every write throw (a simulated crash); pass Infinity to heal. */
  failWritesAfter(n: number): void;
}

export function createMemoryStorage(): MemoryStorage {
  const data: Collections = new Map();
  const meta = new Map<string, string>();
  let queue: Promise<unknown> = Promise.resolve();
  let writesLeft = Number.POSITIVE_INFINITY;

  const guard = (store: DocStore): DocStore => ({
    ...store,
    async put(c, k, v) {
      if (writesLeft-- <= 0) throw new Error("simulated crash");
      return store.put(c, k, v);
    },
    async putIfAbsent(c, k, v) {
      if (writesLeft-- <= 0) throw new Error("simulated crash");
      return store.putIfAbsent(c, k, v);
    },
    async delete(c, k) {
      if (writesLeft-- <= 0) throw new Error("simulated crash");
      return store.delete(c, k);
    },
  });

  const base = (): DocStore => guard(docStoreOver(data));

  return {
    engine: "sqlite",
    get: (c, k) => base().get(c, k),
    put: (c, k, v) => base().put(c, k, v),
    putIfAbsent: (c, k, v) => base().putIfAbsent(c, k, v),
    delete: (c, k) => base().delete(c, k),
    list: (c, o) => base().list(c, o),
    count: (c, p) => base().count(c, p),
    async transaction<T>(fn: (tx: DocStore) => Promise<T>): Promise<T> {
      const run = async (): Promise<T> => {
        // Writes go to an overlay over the live data (so concurrent writes outside the
        // transaction are not lost) and are applied only when fn resolves.
        const overlay: Collections = new Map();
        const merged = (): Collections => {
          const view: Collections = new Map([...data].map(([k, v]) => [k, new Map(v)]));
          for (const [c, m] of overlay) {
            const target = view.get(c) ?? new Map<string, string>();
            for (const [k, v] of m) {
              if (v === DELETED) target.delete(k);
              else target.set(k, v);
            }
            view.set(c, target);
          }
          return view;
        };
        const write = (c: string, k: string, v: string): void => {
          let m = overlay.get(c);
          if (!m) {
            m = new Map();
            overlay.set(c, m);
          }
          m.set(k, v);
        };
        const reader = (): DocStore => docStoreOver(merged());
        const tx: DocStore = guard({
          get: (c, k) => reader().get(c, k),
          list: (c, o) => reader().list(c, o),
          count: (c, p) => reader().count(c, p),
          async put(c, k, v) {
            write(c, k, JSON.stringify(v));
          },
          async putIfAbsent(c, k, v) {
            if ((await reader().get(c, k)) !== undefined) return false;
            write(c, k, JSON.stringify(v));
            return true;
          },
          async delete(c, k) {
            const existed = (await reader().get(c, k)) !== undefined;
            write(c, k, DELETED);
            return existed;
          },
        });
        const result = await fn(tx);
        for (const [c, m] of overlay) {
          const target = data.get(c) ?? new Map<string, string>();
          for (const [k, v] of m) {
            if (v === DELETED) target.delete(k);
            else target.set(k, v);
          }
          data.set(c, target);
        }
        return result;
      };
      const p = queue.then(run, run);
      queue = p.catch(() => undefined);
      return p;
    },
    async getMeta(key) {
      return meta.get(key);
    },
    async setMeta(key, value) {
      meta.set(key, value);
    },
    async close() {},
    async appendAudit(_rows: AuditRow[] | AuditBatch) {},
    async lastAudit() {
      return undefined;
    },
    async readAudit(_from: number, _to: number) {
      return [];
    },
    async queryAudit(_q: AuditQuery) {
      return [];
    },
    async lookupAudit(_q: AuditQuery) {
      return { rows: [] };
    },
    async scanAuditActivity(_q: AuditActivityQuery) {
      return [];
    },
    async appendDigest(_row: AuditDigestRow) {},
    async lastDigest() {
      return undefined;
    },
    async listDigests() {
      return [];
    },
    async digestBefore(_time: number, _belowSeq: number) {
      return undefined;
    },
    async appendAuditPrune(_row: AuditPruneRow) {},
    async listAuditPrunes() {
      return [];
    },
    async deleteAuditThrough(_throughSeq: number, _limit: number) {
      return 0;
    },
    dump() {
      return JSON.stringify([...data].map(([c, m]) => [c, [...m]]));
    },
    failWritesAfter(n: number) {
      writesLeft = n;
    },
  };
}
