/**
 * Attacks on the audit log by someone who can write the database but cannot sign (no root key):
 * each test tampers as such an attacker could, then checks that verifyAudit reports it, or that
 * retention refuses to be steered by unsigned columns.
 */
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { ManualClock } from "../core/clock.js";
import type { AuditRow } from "../storage/types.js";
import { openSqliteStorage } from "../storage/sqlite/sqlite-storage.js";
import { createAuditLog } from "./audit-log.js";
import { chainHash } from "./chain.js";
import { generateDigestSigner } from "./digest-key.js";
import { MemoryAuditStore } from "./memory-audit-store.js";
import { pruneAudit, type PruneContent } from "./retention.js";
import { record, signedLog, T0 } from "./test-fixtures.js";
import { formatCheckpoint, parseCheckpoint, verifyAudit, type VerifyReport } from "./verify.js";

const signer = generateDigestSigner();

const chain = (n: number, digestAfter: number[]): Promise<{ store: MemoryAuditStore; clock: ManualClock }> => signedLog(signer, n, digestAfter);

function kinds(r: VerifyReport): Array<[number | undefined, number | undefined, number | undefined, string]> {
  return r.problems.map((p) => [p.seq, p.digest, p.prune, p.kind]);
}

/** A self-consistent forged row at `seq` (hash recomputed), e.g. to be served by LookupEvents. */
function forged(like: AuditRow, seq: number, prevHash: string): AuditRow {
  const json = like.json.replace(/"req-\d+"/, '"forged"');
  return { ...like, seq, json, prevHash, hash: chainHash(prevHash, json) };
}

describe("tampering with pruned ranges", () => {
  test("rows left behind by a prune cut short are still checked: an edit to one is reported", async () => {
    const { store, clock } = await chain(10, [6, 10]);
    // Prune through 6, cut short after deleting rows 1..3: rows 4..6 stay (LookupEvents serves them).
    let slices = 0;
    await pruneAudit(store, signer, clock.now(), T0 + 7000, { sliceRows: 3, stopped: () => slices++ >= 1 });
    assert.deepEqual(store.rows.map((r) => r.seq), [4, 5, 6, 7, 8, 9, 10]);
    assert.equal((await verifyAudit(store, signer.publicKeyPem)).ok, true);
    // Re-hashed so the row is self-consistent; its successor no longer links to it.
    const r5 = store.rows.find((r) => r.seq === 5)!;
    store.rows = store.rows.map((r) => (r.seq === 5 ? forged(r5, 5, r5.prevHash) : r));
    assert.deepEqual(kinds(await verifyAudit(store, signer.publicKeyPem)), [[6, undefined, undefined, "removed"]]);
    // Edited in place (hash kept): content no longer matches.
    store.rows = store.rows.map((r) => (r.seq === 5 ? { ...r5, json: r5.json.replace("req-5", "req-X") } : r));
    assert.deepEqual(kinds(await verifyAudit(store, signer.publicKeyPem)), [[5, undefined, undefined, "edited"]]);
    // An index column of a leftover row changed (hiding it from LookupEvents).
    store.rows = store.rows.map((r) => (r.seq === 5 ? { ...r5, eventName: "GetUser" } : r));
    assert.deepEqual(kinds(await verifyAudit(store, signer.publicKeyPem)), [[5, undefined, undefined, "edited"]]);
  });

  test("forged rows inserted into a pruned range are reported", async () => {
    const { store, clock } = await chain(10, [6, 10]);
    await pruneAudit(store, signer, clock.now(), T0 + 7000);
    assert.deepEqual(store.rows.map((r) => r.seq), [7, 8, 9, 10]);
    const like = store.rows[0]!;
    // One forged row below the prune point, not adjacent.
    const one = new MemoryAuditStore();
    Object.assign(one, { digests: store.digests, prunes: store.prunes, rows: [forged(like, 3, "0".repeat(64)), ...store.rows] });
    assert.equal((await verifyAudit(one, signer.publicKeyPem)).ok, false);
    // A forged run 1..6 chained from genesis, right below row 7.
    const run: AuditRow[] = [];
    for (let s = 1; s <= 6; s++) run.push(forged(like, s, run[s - 2]?.hash ?? "0".repeat(64)));
    const full = new MemoryAuditStore();
    Object.assign(full, { digests: store.digests, prunes: store.prunes, rows: [...run, ...store.rows] });
    const r = await verifyAudit(full, signer.publicKeyPem);
    assert.equal(r.ok, false);
    // Row 6 cannot be forged with the hash digest 1 signed for it.
    assert.deepEqual(kinds(r), [
      [7, undefined, undefined, "removed"],
      [undefined, 1, undefined, "digest-mismatch"],
    ]);
  });

  test("rows with seq 0 or below are reported as inserted (LookupEvents would serve them)", async () => {
    for (const prune of [false, true]) {
      const { store, clock } = await chain(6, [3, 6]);
      if (prune) await pruneAudit(store, signer, clock.now(), T0 + 4000);
      const like = store.rows[store.rows.length - 1]!;
      store.rows = [forged(like, -5, "0".repeat(64)), forged(like, 0, "0".repeat(64)), ...store.rows];
      const r = await verifyAudit(store, signer.publicKeyPem);
      assert.deepEqual(kinds(r), [
        [-5, undefined, undefined, "inserted"],
        [0, undefined, undefined, "inserted"],
      ]);
    }
  });

  test("a row planted at a huge seq is reported, and reached in a few reads", async () => {
    for (const prune of [false, true]) {
      const { store, clock } = await chain(6, [3, 6]);
      if (prune) await pruneAudit(store, signer, clock.now(), T0 + 4000, { stopped: () => true });
      const like = store.rows[store.rows.length - 1]!;
      store.rows.push(forged(like, Number.MAX_SAFE_INTEGER, like.hash));
      let reads = 0;
      const readAudit = store.readAudit.bind(store);
      store.readAudit = async (from, to) => {
        if (++reads > 60) throw new Error(`read ${reads}: ${from}..${to}`);
        return readAudit(from, to);
      };
      assert.deepEqual(kinds(await verifyAudit(store, signer.publicKeyPem, { chunkSize: 4 })), [[7, undefined, undefined, "removed"]]);
    }
  });
});

describe("tampering with prune records and digests", () => {
  test("a replayed (duplicated) prune record excuses nothing more", async () => {
    const { store, clock } = await chain(10, [3, 6, 10]);
    await pruneAudit(store, signer, clock.now(), T0 + 4000);
    store.prunes.push({ ...store.prunes[0]!, seq: 2 }, { ...store.prunes[0]!, seq: 0 });
    assert.equal((await verifyAudit(store, signer.publicKeyPem)).ok, true);
    store.rows = store.rows.filter((r) => r.seq !== 4);
    assert.deepEqual(kinds(await verifyAudit(store, signer.publicKeyPem)), [[4, undefined, undefined, "removed"]]);
  });

  test("removing the newest prune record after its rows went, or the digests it names, is reported", async () => {
    const { store, clock } = await chain(10, [3, 6, 10]);
    await pruneAudit(store, signer, clock.now(), T0 + 4000);
    await pruneAudit(store, signer, clock.now(), T0 + 7000);
    const prunes = store.prunes;
    store.prunes = prunes.slice(0, 1);
    assert.deepEqual(kinds(await verifyAudit(store, signer.publicKeyPem)), [[4, undefined, undefined, "removed"]]);
    store.prunes = prunes;
    const digests = store.digests;
    store.digests = digests.slice(2);
    const r = await verifyAudit(store, signer.publicKeyPem);
    assert.equal(r.ok, false);
    assert.deepEqual(kinds(r).map((k) => k[3]).sort(), ["bad-prune-record", "bad-prune-record", "removed", "removed"]);
  });

  test("a copy of the named digest appended under a new seq is reported", async () => {
    const { store, clock } = await chain(10, [3, 6, 10]);
    await pruneAudit(store, signer, clock.now(), T0 + 7000);
    store.digests.push({ ...store.digests[1]!, seq: 4 });
    const r = await verifyAudit(store, signer.publicKeyPem);
    assert.deepEqual(kinds(r), [[undefined, 4, undefined, "digest-mismatch"]]);
  });

  test("retention trusts only a digest's signed content, not its time or to_seq columns", async () => {
    // Digests signed at +3 s, +6 s and +10 s; the cutoff +4 s allows period 1 only.
    const early = await chain(12, [3, 6, 10]);
    early.store.digests = early.store.digests.map((d) => (d.seq === 3 ? { ...d, time: T0 } : d));
    await assert.rejects(pruneAudit(early.store, signer, early.clock.now(), T0 + 4000), /digest 3/);
    assert.equal(early.store.rows.length, 12);
    assert.equal(early.store.prunes.length, 0);
    const wide = await chain(12, [3, 6, 10]);
    wide.store.digests = wide.store.digests.map((d) => (d.seq === 1 ? { ...d, toSeq: 9 } : d));
    await assert.rejects(pruneAudit(wide.store, signer, wide.clock.now(), T0 + 4000), /digest 1/);
    assert.equal(wide.store.rows.length, 12);
    // A prune record a server steered that way signed anyway (before this check) is reported by
    // verify: the digest it names was signed after the record's cutoff.
    const { store, clock } = await chain(12, [3, 6, 10]);
    await pruneAudit(store, signer, clock.now(), T0 + 11_000);
    const p = store.prunes[0]!;
    const json = JSON.stringify({ ...(JSON.parse(p.json) as PruneContent), before: new Date(T0 + 4000).toISOString().replace(".000", "") });
    store.prunes[0] = { ...p, json, signature: signer.sign(Buffer.from(json, "utf8")).toString("base64") };
    const r = await verifyAudit(store, signer.publicKeyPem);
    assert.deepEqual(kinds(r), [
      [1, undefined, undefined, "removed"],
      [undefined, undefined, 1, "bad-prune-record"],
    ]);
    assert.match(r.problems[1]!.detail, /signed at 2026-01-01T00:00:10Z, after the record's cutoff 2026-01-01T00:00:04Z/);
  });
});

describe("tampering with a real SQLite file", () => {
  test("triggers dropped, a negative-seq row inserted and leftover pruned rows edited: all reported", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "bulwark-tamper-"));
    try {
      const file = path.join(dir, "bulwark.db");
      const storage = openSqliteStorage({ path: file });
      const clock = new ManualClock(T0);
      const log = createAuditLog({ store: storage, digestSigner: signer, clock, digestIntervalMs: 0 });
      for (let i = 1; i <= 8; i++) {
        clock.advance(1000);
        await log.record(record({ time: clock.now(), requestId: `req-${i}` }));
        if (i === 4 || i === 8) await log.flush();
      }
      await pruneAudit(storage, signer, clock.now(), T0 + 5000, { stopped: () => true });
      assert.equal((await verifyAudit(storage, signer.publicKeyPem)).ok, true);
      await storage.close();
      const db = new Database(file);
      db.exec("DROP TRIGGER audit_events_no_update; DROP TRIGGER audit_events_no_delete;");
      db.exec("UPDATE audit_events SET event_name = 'GetUser' WHERE seq = 2");
      db.exec("INSERT INTO audit_events SELECT -1, time, account_id, region, event_id, event_name, event_source, username, access_key_id, read_only, resource_names, resource_types, json, prev_hash, hash FROM audit_events WHERE seq = 3");
      db.close();
      const again = openSqliteStorage({ path: file });
      try {
        assert.deepEqual(kinds(await verifyAudit(again, signer.publicKeyPem)), [
          [-1, undefined, undefined, "inserted"],
          [2, undefined, undefined, "edited"],
        ]);
      } finally {
        await again.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("a log cut back to an earlier digest", () => {
  test("verifies by itself, and is reported against a checkpoint taken before the cut", async () => {
    const { store } = await chain(12, [4, 8, 12]);
    const before = await verifyAudit(store, signer.publicKeyPem);
    assert.equal(before.ok, true);
    assert.equal(before.checkpoint?.digest, 3);
    assert.equal(before.checkpoint?.toSeq, 12);
    assert.match(before.checkpoint!.hash, /^[0-9a-f]{64}$/);
    const cp = parseCheckpoint(formatCheckpoint(before.checkpoint!))!;
    assert.deepEqual(cp, { digest: 3, hash: before.checkpoint!.hash });
    assert.equal((await verifyAudit(store, signer.publicKeyPem, { checkpoint: cp })).ok, true);

    // Events 9..12 and the digest that signed them deleted: what is left is a complete, signed log.
    store.rows = store.rows.filter((r) => r.seq <= 8);
    store.digests = store.digests.filter((d) => d.seq <= 2);
    const alone = await verifyAudit(store, signer.publicKeyPem);
    assert.equal(alone.ok, true);
    assert.equal(alone.checkpoint?.digest, 2);
    const against = await verifyAudit(store, signer.publicKeyPem, { checkpoint: cp });
    assert.deepEqual(kinds(against), [[undefined, 3, undefined, "removed"]]);
    assert.match(against.problems[0]!.detail, /digest 3, the checkpoint given, is not in the log \(its last digest is 2\)/);
    assert.equal(against.checkpoint, undefined);
  });

  test("a checkpoint's digest replaced by another is reported", async () => {
    const { store } = await chain(8, [4, 8]);
    const cp = (await verifyAudit(store, signer.publicKeyPem)).checkpoint!;
    store.digests = store.digests.map((d) => (d.seq === cp.digest ? { ...d, json: d.json.replace(/"digestEndTime":"[^"]*"/, '"digestEndTime":"2026-01-01T00:00:09Z"') } : d));
    const r = await verifyAudit(store, signer.publicKeyPem, { checkpoint: cp });
    assert.ok(r.problems.some((p) => p.digest === cp.digest && p.kind === "digest-mismatch" && /not the one the checkpoint names/.test(p.detail)), JSON.stringify(r.problems));
  });

  test("checkpoints are parsed strictly", () => {
    assert.equal(parseCheckpoint("0:" + "a".repeat(64)), undefined);
    assert.equal(parseCheckpoint("3:" + "a".repeat(63)), undefined);
    assert.equal(parseCheckpoint("3:" + "g".repeat(64)), undefined);
    assert.equal(parseCheckpoint("99999999999999999:" + "a".repeat(64)), undefined);
    assert.deepEqual(parseCheckpoint(" 3:" + "A".repeat(64) + "\n"), { digest: 3, hash: "a".repeat(64) });
  });
});
