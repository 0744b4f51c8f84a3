import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { generateDigestSigner } from "./digest-key.js";
import { MemoryAuditStore } from "./memory-audit-store.js";
import { pruneAudit, startAuditRetention, type PruneContent, type PruneResult } from "./retention.js";
import { signedLog, T0 } from "./test-fixtures.js";
import { verifyAudit, type VerifyReport } from "./verify.js";

const signer = generateDigestSigner();
const otherSigner = generateDigestSigner();

const chain = (n: number, digestAfter: number[]) => signedLog(signer, n, digestAfter);

function kinds(r: VerifyReport): Array<[number | undefined, number | undefined, number | undefined, string]> {
  return r.problems.map((p) => [p.seq, p.digest, p.prune, p.kind]);
}

const seqs = (s: MemoryAuditStore): number[] => s.rows.map((r) => r.seq);

describe("pruneAudit", () => {
  test("deletes whole digest periods signed before the cutoff; the rest verifies from there", async () => {
    const { store, clock } = await chain(10, [3, 6, 10]);
    // Digests were signed at T0+3 s, +6 s, +10 s. A cutoff at +7 s takes periods 1 and 2.
    const r = await pruneAudit(store, signer, clock.now(), T0 + 7000);
    assert.equal(r.throughSeq, 6);
    assert.equal(r.deleted, 6);
    assert.deepEqual(seqs(store), [7, 8, 9, 10]);
    const c = JSON.parse(r.record!.json) as PruneContent;
    assert.deepEqual([c.prunedThroughSeq, c.digestSeq, c.prunedThroughHash.length], [6, 2, 64]);
    const report = await verifyAudit(store, signer.publicKeyPem);
    assert.deepEqual([report.ok, report.events, report.digests, report.problems], [true, 4, 3, []]);
    assert.match(report.notes[0]!, /^events 1\.\.6 were deleted under a signed prune record/);
  });

  test("never takes the period of the newest event, nor one signed after the cutoff", async () => {
    const { store, clock, more } = await chain(6, [3, 6]);
    // Both digests are before the cutoff, but digest 2 covers the newest event: only period 1 goes.
    assert.equal((await pruneAudit(store, signer, clock.now(), clock.now())).throughSeq, 3);
    assert.deepEqual(seqs(store), [4, 5, 6]);
    // A cutoff before any digest: nothing more.
    const again = await pruneAudit(store, signer, clock.now(), T0);
    assert.deepEqual([again.throughSeq, again.deleted, again.record], [3, 0, undefined]);
    // New events: period 2 can go now, and the log goes on verifying.
    await more(2);
    assert.equal((await pruneAudit(store, signer, clock.now(), clock.now())).throughSeq, 6);
    assert.deepEqual(seqs(store), [7, 8]);
    assert.equal(store.prunes.length, 2);
    assert.equal((await verifyAudit(store, signer.publicKeyPem)).ok, true);
  });

  test("nothing to prune without a digest", async () => {
    const { store, clock } = await chain(4, []);
    assert.deepEqual(await pruneAudit(store, signer, clock.now(), clock.now()), { throughSeq: 0, deleted: 0 });
    assert.deepEqual(seqs(store), [1, 2, 3, 4]);
  });

  test("a prune cut short is finished by the next one; the log verifies in between", async () => {
    const { store, clock } = await chain(12, [10, 12]);
    let slices = 0;
    const r = await pruneAudit(store, signer, clock.now(), T0 + 11_000, { sliceRows: 3, stopped: () => slices++ >= 2 });
    assert.deepEqual([r.throughSeq, r.deleted], [10, 6]);
    assert.deepEqual(seqs(store), [7, 8, 9, 10, 11, 12]);
    assert.equal((await verifyAudit(store, signer.publicKeyPem)).ok, true);
    const rest = await pruneAudit(store, signer, clock.now(), T0 + 11_000);
    assert.deepEqual([rest.throughSeq, rest.deleted, rest.record], [10, 4, undefined]);
    assert.deepEqual(seqs(store), [11, 12]);
  });

  test("a prune record appended meanwhile by another process: the prune chooses again over what is stored", async () => {
    const { store, clock } = await chain(10, [3, 6, 10]);
    // Another process prunes through event 3 between this prune's reading and its append.
    const listed = store.listAuditPrunes.bind(store);
    let raced = false;
    store.listAuditPrunes = async () => {
      const now = await listed();
      if (!raced) {
        raced = true;
        await pruneAudit(store, signer, clock.now(), T0 + 4000);
      }
      return now;
    };
    const r = await pruneAudit(store, signer, clock.now(), T0 + 7000);
    assert.deepEqual([r.throughSeq, r.record?.seq], [6, 2]);
    assert.deepEqual(seqs(store), [7, 8, 9, 10]);
    assert.equal((await verifyAudit(store, signer.publicKeyPem)).ok, true);
  });

  test("the store refuses to delete rows no prune record covers", async () => {
    const { store } = await chain(5, [5]);
    await assert.rejects(store.deleteAuditThrough(3, 10), /append-only/);
    assert.deepEqual(seqs(store), [1, 2, 3, 4, 5]);
  });
});

describe("verifyAudit after pruning", () => {
  test("rows deleted beyond the prune record are reported removed", async () => {
    const { store, clock } = await chain(10, [3, 6, 10]);
    await pruneAudit(store, signer, clock.now(), T0 + 4000);
    store.rows = store.rows.filter((r) => r.seq > 5);
    assert.deepEqual(kinds(await verifyAudit(store, signer.publicKeyPem)), [[4, undefined, undefined, "removed"]]);
  });

  test("a prune record not signed by the digest key does not excuse missing rows", async () => {
    const { store, clock } = await chain(10, [3, 6, 10]);
    await pruneAudit(store, signer, clock.now(), T0 + 7000);
    const p = store.prunes[0]!;
    store.prunes[0] = { ...p, signature: otherSigner.sign(Buffer.from(p.json, "utf8")).toString("base64") };
    const report = await verifyAudit(store, signer.publicKeyPem);
    assert.deepEqual(kinds(report), [
      [1, undefined, undefined, "removed"],
      [undefined, undefined, 1, "bad-prune-record"],
    ]);
  });

  test("a prune record whose hash is not the one its digest signed is refused", async () => {
    const { store, clock } = await chain(10, [3, 6, 10]);
    await pruneAudit(store, signer, clock.now(), T0 + 7000);
    const p = store.prunes[0]!;
    const c = JSON.parse(p.json) as PruneContent;
    // Re-signed with the right key (as if the key leaked), but naming the wrong digest.
    const json = JSON.stringify({ ...c, digestSeq: 1 });
    store.prunes[0] = { ...p, json, signature: signer.sign(Buffer.from(json, "utf8")).toString("base64") };
    const report = await verifyAudit(store, signer.publicKeyPem);
    assert.deepEqual(kinds(report), [
      [1, undefined, undefined, "removed"],
      [undefined, undefined, 1, "bad-prune-record"],
    ]);
    assert.match(report.problems[1]!.detail, /did not sign event 6 with that hash/);
  });

  test("an edited event after the pruned ones is still caught, as is a removed prune record", async () => {
    const { store, clock } = await chain(10, [3, 6, 10]);
    await pruneAudit(store, signer, clock.now(), T0 + 7000);
    const edited = new MemoryAuditStore();
    edited.rows = store.rows.map((r) => (r.seq === 8 ? { ...r, json: r.json.replace("req-8", "req-X") } : { ...r }));
    edited.digests = store.digests.map((d) => ({ ...d }));
    edited.prunes = store.prunes.map((p) => ({ ...p }));
    assert.deepEqual(kinds(await verifyAudit(edited, signer.publicKeyPem)), [[8, undefined, undefined, "edited"]]);
    store.prunes = [];
    assert.deepEqual(kinds(await verifyAudit(store, signer.publicKeyPem)), [[1, undefined, undefined, "removed"]]);
  });
});

describe("startAuditRetention", () => {
  test("prunes what is older than the retention period at start, then on its interval, until stopped", async () => {
    const { store, clock, more } = await chain(6, [3, 6]);
    const pruned: PruneResult[] = [];
    // Retention of 1 day, 1 day and 4.5 s after event 0: digest 1 (signed at +3 s) is older, digest 2 (+6 s) is not.
    clock.set(T0 + 86_400_000 + 4_500);
    let wake: () => void = () => {};
    const next = (): Promise<void> => new Promise((r) => (wake = r));
    let first = next();
    const keepAlive = setInterval(() => {}, 1000); // the retention timer does not hold the process
    const r = startAuditRetention({ store, signer, clock, days: 1, intervalMs: 20, onPruned: (x) => (pruned.push(x), wake()), onError: (e) => assert.fail(String(e)) });
    try {
      await first;
      assert.deepEqual(pruned.map((p) => p.throughSeq), [3]);
      assert.deepEqual(seqs(store), [4, 5, 6]);
      first = next();
      await more(1);
      clock.set(T0 + 86_400_000 + 60_000);
      await first;
      assert.deepEqual(pruned.map((p) => p.throughSeq), [3, 6]);
      assert.deepEqual(seqs(store), [7]);
    } finally {
      await r.stop();
      clearInterval(keepAlive);
    }
    assert.equal((await verifyAudit(store, signer.publicKeyPem)).ok, true);
  });
});
