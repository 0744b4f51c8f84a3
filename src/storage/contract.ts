/**
 * The behaviour every Storage engine must have, as a reusable node:test suite. Each engine
 * runs it from its own *.test.ts with a factory that opens a fresh, empty store.
 *
 * Engine-neutral by construction: only the Storage interface is used. Key order is
 * Unicode code-point order (= UTF-8 byte order), see src/storage/keys.ts.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { AuditBatch } from "./audit-batch.js";
import { AuditConflictError, type AuditDigestRow, type AuditQuery, type AuditRow, type Storage } from "./types.js";

export interface StorageFixture {
  storage: Storage;
  /** Closes whatever is still open and removes all data. */
  cleanup(): Promise<void>;
  /**
   * Opens the same data again (the previous Storage is closed by the caller first).
   * Needed for the durability tests; engines without it skip them.
   */
  reopen?(): Promise<Storage>;
}

export type StorageFactory = () => Promise<StorageFixture>;

const C = "contract-docs";

/** Storage order of strings: UTF-8 bytes. */
function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}

export function auditRow(seq: number, over: Partial<AuditRow> = {}): AuditRow {
  return {
    seq,
    time: 1_700_000_000_000 + seq * 1000,
    accountId: "111122223333",
    region: "us-east-1",
    eventId: `event-${seq}`,
    eventName: "GetCallerIdentity",
    eventSource: "sts.amazonaws.com",
    username: "alice",
    accessKeyId: "AKIAEXAMPLE000000001",
    readOnly: true,
    resourceNames: "",
    resourceTypes: "",
    json: JSON.stringify({ eventID: `event-${seq}`, n: seq }),
    // Chained: row n's prevHash is row n-1's hash (row 1's is all zeros).
    prevHash: (seq - 1).toString(16).padStart(64, "0"),
    hash: seq.toString(16).padStart(64, "0"),
    ...over,
  };
}

function digestRow(seq: number): AuditDigestRow {
  return { seq, time: 1_700_000_000_000 + seq, fromSeq: seq * 10, toSeq: seq * 10 + 9, json: `{"digest":${seq}}`, signature: `c2ln${seq}` };
}

const seqs = (rows: ReadonlyArray<{ seq: number }>): number[] => rows.map((r) => r.seq);

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export function runStorageContract(name: string, factory: StorageFactory): void {
  async function withStorage(fn: (s: Storage, fx: StorageFixture) => Promise<void>): Promise<void> {
    const fx = await factory();
    try {
      await fn(fx.storage, fx);
    } finally {
      await fx.cleanup();
    }
  }

  describe(`Storage contract: ${name}`, () => {
    describe("documents", () => {
      test("get of a missing key resolves undefined", () =>
        withStorage(async (s) => {
          assert.equal(await s.get(C, "nope"), undefined);
        }));

      test("put/get round-trips JSON values and put overwrites", () =>
        withStorage(async (s) => {
          const values: unknown[] = [{ a: 1, b: [true, null, "x"], c: { d: "é😀" } }, [1, 2], "text", 42.5, null, false];
          for (const [i, v] of values.entries()) await s.put(C, `k${i}`, v);
          for (const [i, v] of values.entries()) assert.deepEqual(await s.get(C, `k${i}`), v);
          await s.put(C, "k0", { replaced: true });
          assert.deepEqual(await s.get(C, "k0"), { replaced: true });
          assert.equal(await s.count(C), values.length);
        }));

      test("collections are separate namespaces", () =>
        withStorage(async (s) => {
          await s.put("one", "k", 1);
          await s.put("two", "k", 2);
          assert.equal(await s.get("one", "k"), 1);
          assert.equal(await s.get("two", "k"), 2);
          assert.equal(await s.delete("one", "k"), true);
          assert.equal(await s.get("two", "k"), 2);
          assert.deepEqual(await s.list("one"), []);
        }));

      test("putting undefined is rejected", () =>
        withStorage(async (s) => {
          await assert.rejects(s.put(C, "k", undefined), TypeError);
          assert.equal(await s.get(C, "k"), undefined);
        }));

      test("keys with NUL or unpaired surrogates are never written, and no document has one", () =>
        withStorage(async (s) => {
          await assert.rejects(s.put(C, "a\u0000b", 1), TypeError);
          await assert.rejects(s.put(C, "a\uD800", 1), TypeError);
          await assert.rejects(s.putIfAbsent(C, "a\uDC00", 1), TypeError);
          await s.put(C, "a", 1);
          // Reads take such keys as they come from callers: nothing is stored under them.
          assert.equal(await s.get(C, "a\u0000b"), undefined);
          assert.equal(await s.delete(C, "a\uD800"), false);
          assert.deepEqual(await s.list(C, { prefix: "a\uDC00" }), []);
          assert.equal(await s.count(C, "a\u0000"), 0);
          assert.equal(await s.get(C, "a"), 1);
        }));

      test("putIfAbsent inserts once and never overwrites", () =>
        withStorage(async (s) => {
          assert.equal(await s.putIfAbsent(C, "k", { v: 1 }), true);
          assert.equal(await s.putIfAbsent(C, "k", { v: 2 }), false);
          assert.deepEqual(await s.get(C, "k"), { v: 1 });
        }));

      test("delete reports whether the key existed", () =>
        withStorage(async (s) => {
          await s.put(C, "k", 1);
          assert.equal(await s.delete(C, "k"), true);
          assert.equal(await s.delete(C, "k"), false);
          assert.equal(await s.get(C, "k"), undefined);
        }));

      const keys = [
        "a", "a/", "a/b", "a/b/c", "a/c", "a0", "a.b", "A", "b", "z", "é", "é/1", "日本/東京", "日本/大阪",
        "\uFFFD", "\uFFFFx", "😀", "😀/x", "😁", "𐀀", "a😀", "a\uFFFF",
      ];

      test("list returns every key in code-point (UTF-8 byte) order", () =>
        withStorage(async (s) => {
          for (const k of [...keys].reverse()) await s.put(C, k, { k });
          const got = await s.list<{ k: string }>(C);
          assert.deepEqual(got.map((e) => e.key), [...keys].sort(byteOrder));
          for (const e of got) assert.equal(e.value.k, e.key);
        }));

      test("prefix listing matches exactly the keys starting with the prefix", () =>
        withStorage(async (s) => {
          for (const k of keys) await s.put(C, k, 0);
          await s.put("other", "a/x", 0);
          for (const prefix of ["a/", "a", "a/b", "é", "日本/", "😀", "\uFFFF", "\uFFFD", "zz", ""]) {
            const expected = keys.filter((k) => k.startsWith(prefix)).sort(byteOrder);
            const got = (await s.list(C, { prefix })).map((e) => e.key);
            assert.deepEqual(got, expected, `prefix ${JSON.stringify(prefix)}`);
            assert.equal(await s.count(C, prefix), expected.length, `count prefix ${JSON.stringify(prefix)}`);
          }
          assert.equal(await s.count(C), keys.length);
          assert.equal(await s.count("missing"), 0);
        }));

      test("pagination with after + limit visits every key once, in order", () =>
        withStorage(async (s) => {
          for (const k of keys) await s.put(C, k, 0);
          for (const prefix of [undefined, "a", "😀"]) {
            const seen: string[] = [];
            let after: string | undefined;
            for (;;) {
              const page = await s.list(C, { prefix, after, limit: 3 });
              assert.ok(page.length <= 3);
              seen.push(...page.map((e) => e.key));
              if (page.length < 3) break;
              after = page[page.length - 1]?.key;
            }
            const expected = keys.filter((k) => prefix === undefined || k.startsWith(prefix)).sort(byteOrder);
            assert.deepEqual(seen, expected, `prefix ${String(prefix)}`);
          }
        }));

      test("after is exclusive and combines with prefix in either position", () =>
        withStorage(async (s) => {
          for (const k of keys) await s.put(C, k, 0);
          assert.deepEqual((await s.list(C, { prefix: "a/", after: "a/b" })).map((e) => e.key), ["a/b/c", "a/c"]);
          // `after` before the prefix range: the range starts at the prefix.
          assert.deepEqual((await s.list(C, { prefix: "a/", after: "A" })).map((e) => e.key), ["a/", "a/b", "a/b/c", "a/c"]);
          // `after` past the prefix range: nothing.
          assert.deepEqual(await s.list(C, { prefix: "a/", after: "a0" }), []);
          // BMP character above the surrogate range sorts before an astral one.
          assert.deepEqual((await s.list(C, { after: "\uFFFFx", limit: 2 })).map((e) => e.key), ["𐀀", "😀"]);
          assert.deepEqual(await s.list(C, { limit: 0 }), []);
        }));
    });

    describe("transactions", () => {
      test("commit makes all writes visible and returns fn's value", () =>
        withStorage(async (s) => {
          await s.put(C, "gone", 1);
          const out = await s.transaction(async (tx) => {
            await tx.put(C, "x", 1);
            assert.equal(await tx.putIfAbsent(C, "y", 2), true);
            assert.equal(await tx.delete(C, "gone"), true);
            assert.equal(await tx.get(C, "x"), 1); // reads its own writes
            assert.equal(await tx.count(C), 2);
            assert.deepEqual((await tx.list(C)).map((e) => e.key), ["x", "y"]);
            return "done";
          });
          assert.equal(out, "done");
          assert.deepEqual((await s.list(C)).map((e) => [e.key, e.value]), [["x", 1], ["y", 2]]);
        }));

      test("a throwing fn rolls back every write and rethrows the same error", () =>
        withStorage(async (s) => {
          await s.put(C, "keep", "before");
          const boom = new Error("boom");
          await assert.rejects(
            s.transaction(async (tx) => {
              await tx.put(C, "keep", "changed");
              await tx.put(C, "new", 1);
              await tx.delete(C, "keep");
              await tick();
              throw boom;
            }),
            (err) => err === boom,
          );
          assert.equal(await s.get(C, "keep"), "before");
          assert.equal(await s.get(C, "new"), undefined);
          assert.equal(await s.count(C), 1);
        }));

      test("a failing write inside fn rolls back earlier writes", () =>
        withStorage(async (s) => {
          await assert.rejects(
            s.transaction(async (tx) => {
              await tx.put(C, "a", 1);
              await tx.put(C, "b", undefined);
            }),
            TypeError,
          );
          assert.equal(await s.get(C, "a"), undefined);
        }));

      test("concurrent transactions are serialised (no lost updates, never overlapping)", () =>
        withStorage(async (s) => {
          await s.put(C, "counter", 0);
          let inside = 0;
          let maxInside = 0;
          const n = 20;
          await Promise.all(
            Array.from({ length: n }, () =>
              s.transaction(async (tx) => {
                inside++;
                maxInside = Math.max(maxInside, inside);
                const v = (await tx.get<number>(C, "counter")) ?? -1000;
                await tick();
                await tx.put(C, "counter", v + 1);
                inside--;
              }),
            ),
          );
          assert.equal(maxInside, 1);
          assert.equal(await s.get(C, "counter"), n);
        }));

      test("operations issued during a transaction wait for it and never join it", () =>
        withStorage(async (s) => {
          await s.put(C, "v", "old");
          let outsideRead: Promise<unknown> | undefined;
          let outsideWrite: Promise<void> | undefined;
          await assert.rejects(
            s.transaction(async (tx) => {
              await tx.put(C, "v", "uncommitted");
              outsideRead = s.get(C, "v");
              outsideWrite = s.put(C, "outside", 1);
              await tick();
              throw new Error("rollback");
            }),
            /rollback/,
          );
          // The read ran after the rollback, so it never saw uncommitted data; the write
          // was not swept into the rolled-back transaction.
          assert.equal(await outsideRead, "old");
          await outsideWrite;
          assert.equal(await s.get(C, "outside"), 1);
          assert.equal(await s.get(C, "v"), "old");
        }));

      test("writes queued during a transaction run in order after it commits", () =>
        withStorage(async (s) => {
          const order: string[] = [];
          const t = s.transaction(async (tx) => {
            await tx.put(C, "k", "tx");
            await tick();
            order.push("tx");
          });
          const w = s.put(C, "k", "after").then(() => order.push("put"));
          await Promise.all([t, w]);
          assert.deepEqual(order, ["tx", "put"]);
          assert.equal(await s.get(C, "k"), "after");
        }));

      test("the tx handle is unusable after the transaction ends", () =>
        withStorage(async (s) => {
          let leaked: { put(c: string, k: string, v: unknown): Promise<void> } | undefined;
          await s.transaction(async (tx) => {
            leaked = tx;
          });
          await assert.rejects(leaked?.put(C, "late", 1) ?? Promise.resolve());
          assert.equal(await s.get(C, "late"), undefined);
        }));
    });

    describe("meta", () => {
      test("get/set/overwrite", () =>
        withStorage(async (s) => {
          assert.equal(await s.getMeta("m"), undefined);
          await s.setMeta("m", "1");
          await s.setMeta("other", "x");
          await s.setMeta("m", "2");
          assert.equal(await s.getMeta("m"), "2");
          assert.equal(await s.getMeta("other"), "x");
        }));
    });

    describe("audit", () => {
      test("append, last and read round-trip every field", () =>
        withStorage(async (s) => {
          assert.equal(await s.lastAudit(), undefined);
          assert.deepEqual(await s.readAudit(1, 10), []);
          const rows = [auditRow(1), auditRow(2, { readOnly: false, resourceNames: "a\nb", resourceTypes: "AWS::IAM::User" }), auditRow(3)];
          await s.appendAudit(rows);
          await s.appendAudit([]);
          assert.deepEqual(await s.lastAudit(), rows[2]);
          assert.deepEqual(await s.readAudit(1, 3), rows);
          assert.deepEqual(await s.readAudit(2, 2), [rows[1]]);
          assert.deepEqual(await s.readAudit(3, 99), [rows[2]]);
          assert.deepEqual(await s.readAudit(4, 99), []);
        }));

      test("packed batches (as the audit log hands them over) append like rows", () =>
        withStorage(async (s) => {
          const rows = [
            auditRow(1, { json: '{"u":"é ☃ \u{1F600}"}', resourceNames: "arn:a\narn:b", resourceTypes: "T\n" }),
            auditRow(2, { readOnly: false }),
            auditRow(3, { accountId: "444455556666" }),
          ];
          await s.appendAudit(AuditBatch.of(rows.slice(0, 2)));
          await assert.rejects(s.appendAudit(AuditBatch.of([auditRow(4)]))); // gap
          await s.appendAudit(AuditBatch.of(rows.slice(2)));
          assert.deepEqual(await s.readAudit(1, 9), rows);
          assert.deepEqual(seqs(await s.queryAudit({ accountId: "111122223333", attribute: { key: "ResourceName", value: "arn:b" }, limit: 5 })), [1]);
          assert.deepEqual(seqs(await s.queryAudit({ accountId: "111122223333", attribute: { key: "ResourceType", value: "T" }, limit: 5 })), [1]);
        }));

      test("a batch is atomic: a duplicate seq rejects the whole batch", () =>
        withStorage(async (s) => {
          await s.appendAudit([auditRow(1), auditRow(2)]);
          await assert.rejects(s.appendAudit([auditRow(3), auditRow(2)]));
          assert.equal((await s.lastAudit())?.seq, 2);
          assert.deepEqual(await s.readAudit(3, 3), []);
        }));

      test("rows must continue the log without a gap; a refused batch writes nothing", () =>
        withStorage(async (s) => {
          await assert.rejects(s.appendAudit([auditRow(2)]));
          await s.appendAudit([auditRow(1), auditRow(2)]);
          await assert.rejects(s.appendAudit([auditRow(4)])); // gap
          await assert.rejects(s.appendAudit([auditRow(3), auditRow(5)])); // gap inside the batch
          await assert.rejects(s.appendAudit([auditRow(1)])); // rewrite
          assert.equal((await s.lastAudit())?.seq, 2);
          assert.deepEqual((await s.readAudit(1, 9)).map((r) => r.seq), [1, 2]);
        }));

      test("rows numbered after the head but not chained on it are refused (no fork of the chain)", () =>
        withStorage(async (s) => {
          await s.appendAudit([auditRow(1), auditRow(2)]);
          // Another writer's row 3, and a batch chained on a row 3 that was never stored.
          await s.appendAudit([auditRow(3, { hash: "c".repeat(64) })]);
          await assert.rejects(s.appendAudit([auditRow(4)]), (e: unknown) => e instanceof AuditConflictError);
          await assert.rejects(s.appendAudit(AuditBatch.of([auditRow(4)])), (e: unknown) => e instanceof AuditConflictError);
          await s.appendAudit(AuditBatch.of([auditRow(4, { prevHash: "c".repeat(64) })]));
          assert.deepEqual((await s.readAudit(1, 9)).map((r) => [r.seq, r.prevHash.slice(0, 2)]), [[1, "00"], [2, "00"], [3, "00"], [4, "cc"]]);
        }));

      test("overlapping appends are applied in call order; one chained on a refused batch is refused", () =>
        withStorage(async (s) => {
          const results = await Promise.allSettled([
            s.appendAudit([auditRow(1), auditRow(2)]),
            s.appendAudit([auditRow(3)]),
            s.appendAudit([auditRow(5)]), // refused: seq 4 is missing
            s.appendAudit([auditRow(6)]), // chained on the refused batch: refused too
            s.appendAudit([auditRow(4)]),
          ]);
          assert.deepEqual(
            results.map((r) => r.status),
            ["fulfilled", "fulfilled", "rejected", "rejected", "fulfilled"],
          );
          assert.deepEqual((await s.readAudit(1, 9)).map((r) => r.seq), [1, 2, 3, 4]);
        }));

      /** 12 events in two accounts with varied attributes, times 1..12 s apart. */
      async function seed(s: Storage): Promise<AuditRow[]> {
        const rows: AuditRow[] = [];
        for (let seq = 1; seq <= 12; seq++) {
          rows.push(
            auditRow(seq, {
              accountId: seq === 5 ? "444455556666" : "111122223333",
              eventName: seq % 3 === 0 ? "CreateUser" : "GetCallerIdentity",
              eventSource: seq % 3 === 0 ? "iam.amazonaws.com" : "sts.amazonaws.com",
              username: seq % 2 === 0 ? "bob" : "alice",
              accessKeyId: seq % 4 === 0 ? "AKIAEXAMPLE000000004" : "AKIAEXAMPLE000000001",
              readOnly: seq % 3 !== 0,
              resourceNames: seq % 3 === 0 ? `user-${seq}\narn:aws:iam::111122223333:user/bobby` : "",
              resourceTypes: seq % 3 === 0 ? "AWS::IAM::User\nAWS::IAM::AccessKey" : "",
            }),
          );
        }
        await s.appendAudit(rows.slice(0, 7));
        await s.appendAudit(rows.slice(7));
        return rows;
      }

      test("query returns one account's events newest first", () =>
        withStorage(async (s) => {
          await seed(s);
          assert.deepEqual(seqs(await s.queryAudit({ accountId: "111122223333", limit: 50 })), [12, 11, 10, 9, 8, 7, 6, 4, 3, 2, 1]);
          assert.deepEqual(seqs(await s.queryAudit({ accountId: "444455556666", limit: 50 })), [5]);
          assert.deepEqual(await s.queryAudit({ accountId: "999999999999", limit: 50 }), []);
          assert.deepEqual(seqs(await s.queryAudit({ accountId: "111122223333", limit: 2 })), [12, 11]);
          const top = await s.queryAudit({ accountId: "111122223333", limit: 1 });
          assert.equal(top[0]?.readOnly, false);
          assert.equal(top[0]?.json, JSON.stringify({ eventID: "event-12", n: 12 }));
        }));

      test("each lookup attribute filters exactly", () =>
        withStorage(async (s) => {
          await seed(s);
          const q = (attribute: AuditQuery["attribute"]): Promise<AuditRow[]> =>
            s.queryAudit({ accountId: "111122223333", attribute, limit: 50 });
          assert.deepEqual(seqs(await q({ key: "EventId", value: "event-7" })), [7]);
          assert.deepEqual(seqs(await q({ key: "EventId", value: "event-5" })), []); // other account
          assert.deepEqual(seqs(await q({ key: "EventName", value: "CreateUser" })), [12, 9, 6, 3]);
          assert.deepEqual(seqs(await q({ key: "EventSource", value: "iam.amazonaws.com" })), [12, 9, 6, 3]);
          assert.deepEqual(seqs(await q({ key: "Username", value: "bob" })), [12, 10, 8, 6, 4, 2]);
          assert.deepEqual(seqs(await q({ key: "Username", value: "bo" })), []);
          assert.deepEqual(seqs(await q({ key: "AccessKeyId", value: "AKIAEXAMPLE000000004" })), [12, 8, 4]);
          assert.deepEqual(seqs(await q({ key: "ReadOnly", value: "false" })), [12, 9, 6, 3]);
          assert.deepEqual(seqs(await q({ key: "ReadOnly", value: "true" })), [11, 10, 8, 7, 4, 2, 1]);
          assert.deepEqual(seqs(await q({ key: "ResourceName", value: "user-9" })), [9]);
          assert.deepEqual(seqs(await q({ key: "ResourceName", value: "arn:aws:iam::111122223333:user/bobby" })), [12, 9, 6, 3]);
          assert.deepEqual(seqs(await q({ key: "ResourceName", value: "user" })), []);
          // A name that is not an ARN also finds the ARN it ends after a "/" or ":", never a part of a name.
          assert.deepEqual(seqs(await q({ key: "ResourceName", value: "bobby" })), [12, 9, 6, 3]);
          assert.deepEqual(seqs(await q({ key: "ResourceName", value: "user/bobby" })), [12, 9, 6, 3]);
          assert.deepEqual(seqs(await q({ key: "ResourceName", value: "obby" })), []);
          assert.deepEqual(seqs(await q({ key: "ResourceName", value: "-9" })), []);
          assert.deepEqual(seqs(await q({ key: "ResourceName", value: "arn:aws:iam::111122223333:user/bobb" })), []);
          assert.deepEqual(seqs(await q({ key: "ResourceName", value: "iam::111122223333:user/bobby" })), []);
          assert.deepEqual(seqs(await q({ key: "ResourceType", value: "AWS::IAM::AccessKey" })), [12, 9, 6, 3]);
          assert.deepEqual(seqs(await q({ key: "ResourceType", value: "AWS::IAM" })), []);
          // One whole value, never an empty one or two joined.
          assert.deepEqual(seqs(await q({ key: "ResourceName", value: "" })), []);
          assert.deepEqual(seqs(await q({ key: "ResourceType", value: "" })), []);
          assert.deepEqual(seqs(await q({ key: "ResourceName", value: "user-9\narn:aws:iam::111122223333:user/bobby" })), []);
          assert.deepEqual(seqs(await q({ key: "ResourceName", value: "\narn:aws:iam::111122223333:user/bobby" })), []);
        }));

      test("lookupAudit with a scan limit finds, page by page, exactly what queryAudit finds", () =>
        withStorage(async (s) => {
          const rows = await seed(s);
          const t = (seq: number): number => (rows[seq - 1] as AuditRow).time;
          const filters: Array<Omit<AuditQuery, "limit">> = [
            { accountId: "111122223333", attribute: { key: "EventName", value: "CreateUser" } },
            { accountId: "111122223333", attribute: { key: "Username", value: "bob" } },
            { accountId: "111122223333", attribute: { key: "EventId", value: "event-2" } },
            { accountId: "111122223333", attribute: { key: "EventId", value: "no-such-event" } },
            { accountId: "111122223333", attribute: { key: "ResourceType", value: "AWS::IAM::User" }, startTime: t(4), endTime: t(11) },
            { accountId: "111122223333", attribute: { key: "ReadOnly", value: "true" }, beforeSeq: 8 },
            { accountId: "111122223333" },
          ];
          for (const f of filters) {
            const expected = seqs(await s.queryAudit({ ...f, limit: 50 }));
            for (const scanLimit of [1, 2, 3, 5, 100]) {
              for (const limit of [1, 2, 50]) {
                const got: number[] = [];
                let cursor = f.beforeSeq;
                for (let calls = 0; ; calls++) {
                  assert.ok(calls < 50, "the pages end");
                  const page = await s.lookupAudit({ ...f, ...(cursor !== undefined ? { beforeSeq: cursor } : {}), limit }, scanLimit);
                  assert.ok(page.rows.length <= limit);
                  got.push(...seqs(page.rows));
                  if (page.rows.length === limit) cursor = (page.rows[limit - 1] as AuditRow).seq;
                  else if (page.resumeBeforeSeq !== undefined) cursor = page.resumeBeforeSeq;
                  else break;
                }
                assert.deepEqual(got, expected, `${JSON.stringify(f)} scanLimit ${scanLimit} limit ${limit}`);
              }
            }
          }
        }));

      test("time range is inclusive at both ends and combines with an attribute", () =>
        withStorage(async (s) => {
          const rows = await seed(s);
          const t = (seq: number): number => (rows[seq - 1] as AuditRow).time;
          const acct = "111122223333";
          assert.deepEqual(seqs(await s.queryAudit({ accountId: acct, startTime: t(3), endTime: t(8), limit: 50 })), [8, 7, 6, 4, 3]);
          assert.deepEqual(seqs(await s.queryAudit({ accountId: acct, startTime: t(10), limit: 50 })), [12, 11, 10]);
          assert.deepEqual(seqs(await s.queryAudit({ accountId: acct, endTime: t(2), limit: 50 })), [2, 1]);
          assert.deepEqual(
            seqs(await s.queryAudit({ accountId: acct, startTime: t(4), endTime: t(12) - 1, attribute: { key: "EventName", value: "CreateUser" }, limit: 50 })),
            [9, 6],
          );
          assert.deepEqual(
            seqs(await s.queryAudit({ accountId: acct, startTime: t(4), endTime: t(9), attribute: { key: "ResourceType", value: "AWS::IAM::User" }, limit: 50 })),
            [9, 6],
          );
          assert.deepEqual(await s.queryAudit({ accountId: acct, startTime: t(9), endTime: t(8), limit: 50 }), []);
        }));

      test("beforeSeq pagination visits every match once, newest first", () =>
        withStorage(async (s) => {
          await seed(s);
          const attrs: Array<AuditQuery["attribute"]> = [undefined, { key: "Username", value: "bob" }, { key: "ResourceName", value: "arn:aws:iam::111122223333:user/bobby" }];
          for (const attribute of attrs) {
            const all = seqs(await s.queryAudit({ accountId: "111122223333", attribute, limit: 50 }));
            const seen: number[] = [];
            let beforeSeq: number | undefined;
            for (;;) {
              const page = await s.queryAudit({ accountId: "111122223333", attribute, beforeSeq, limit: 2 });
              seen.push(...seqs(page));
              if (page.length < 2) break;
              beforeSeq = page[page.length - 1]?.seq;
            }
            assert.deepEqual(seen, all, `attribute ${JSON.stringify(attribute)}`);
          }
          assert.deepEqual(seqs(await s.queryAudit({ accountId: "111122223333", beforeSeq: 7, startTime: 0, limit: 3 })), [6, 4, 3]);
          assert.deepEqual(await s.queryAudit({ accountId: "111122223333", beforeSeq: 1, limit: 3 }), []);
        }));

      test("activity scan: one account's index entries in a time range, oldest first, paged by (time, seq)", () =>
        withStorage(async (s) => {
          const rows = await seed(s);
          const t = (seq: number): number => (rows[seq - 1] as AuditRow).time;
          const acct = "111122223333";
          const all = await s.scanAuditActivity({ accountId: acct, startTime: 0, endTime: Number.MAX_SAFE_INTEGER, limit: 50 });
          assert.deepEqual(seqs(all), [1, 2, 3, 4, 6, 7, 8, 9, 10, 11, 12]);
          const r9 = rows[8] as AuditRow;
          assert.deepEqual(all[7], { seq: 9, time: r9.time, eventSource: r9.eventSource, eventName: r9.eventName, username: r9.username, accessKeyId: r9.accessKeyId });
          assert.deepEqual(seqs(await s.scanAuditActivity({ accountId: acct, startTime: t(3), endTime: t(8), limit: 50 })), [3, 4, 6, 7, 8]);
          assert.deepEqual(seqs(await s.scanAuditActivity({ accountId: "444455556666", startTime: 0, endTime: t(12), limit: 50 })), [5]);
          assert.deepEqual(await s.scanAuditActivity({ accountId: acct, startTime: t(9), endTime: t(8), limit: 50 }), []);
          const seen: number[] = [];
          let after: { time: number; seq: number } | undefined;
          for (;;) {
            const page = await s.scanAuditActivity({ accountId: acct, startTime: t(2), endTime: t(11), limit: 3, ...(after ? { after } : {}) });
            seen.push(...seqs(page));
            const last = page[page.length - 1];
            if (page.length < 3 || !last) break;
            after = { time: last.time, seq: last.seq };
          }
          assert.deepEqual(seen, [2, 3, 4, 6, 7, 8, 9, 10, 11]);
        }));

      test("digests: append, last, list ascending", () =>
        withStorage(async (s) => {
          assert.equal(await s.lastDigest(), undefined);
          assert.deepEqual(await s.listDigests(), []);
          await s.appendDigest(digestRow(1));
          await s.appendDigest(digestRow(2));
          assert.deepEqual(await s.lastDigest(), digestRow(2));
          assert.deepEqual(await s.listDigests(), [digestRow(1), digestRow(2)]);
          await assert.rejects(s.appendDigest(digestRow(2)));
          assert.deepEqual(await s.listDigests(), [digestRow(1), digestRow(2)]);
        }));
    });

    describe("lifecycle", () => {
      test("close then reopen keeps documents, meta, audit rows and digests", (t) =>
        withStorage(async (s, fx) => {
          if (fx.reopen === undefined) {
            t.skip("engine fixture cannot reopen");
            return;
          }
          await s.put(C, "k/é", { v: [1, 2, 3] });
          await s.transaction(async (tx) => {
            await tx.put(C, "in-tx", true);
          });
          await s.setMeta("root-key/check", "abc");
          const rows = [auditRow(1), auditRow(2, { readOnly: false, resourceNames: "x\ny" })];
          await s.appendAudit(rows);
          await s.appendDigest(digestRow(1));
          await s.close();
          const r = await fx.reopen();
          assert.deepEqual(await r.get(C, "k/é"), { v: [1, 2, 3] });
          assert.equal(await r.get(C, "in-tx"), true);
          assert.equal(await r.getMeta("root-key/check"), "abc");
          assert.deepEqual(await r.readAudit(1, 2), rows);
          assert.deepEqual(seqs(await r.queryAudit({ accountId: "111122223333", attribute: { key: "ResourceName", value: "y" }, limit: 5 })), [2]);
          assert.deepEqual(await r.listDigests(), [digestRow(1)]);
        }));

      test("close is idempotent and later operations reject", () =>
        withStorage(async (s) => {
          await s.put(C, "k", 1);
          await Promise.all([s.close(), s.close()]);
          await s.close();
          await assert.rejects(s.get(C, "k"), /closed/);
          await assert.rejects(s.put(C, "k", 2), /closed/);
          await assert.rejects(s.transaction(async () => 1), /closed/);
          await assert.rejects(s.getMeta("x"), /closed/);
          await assert.rejects(s.lastAudit(), /closed/);
        }));

      test("close waits for an open transaction to commit", () =>
        withStorage(async (s, fx) => {
          const t = s.transaction(async (tx) => {
            await tick();
            await tx.put(C, "k", "committed");
            return "ok";
          });
          const c = s.close();
          assert.deepEqual(await Promise.all([t, c]), ["ok", undefined]);
          await assert.rejects(s.get(C, "k"), /closed/);
          if (fx.reopen !== undefined) assert.equal(await (await fx.reopen()).get(C, "k"), "committed");
        }));
    });
  });
}
