import { test, describe } from "node:test";
import assert from "node:assert/strict";
import type { AuditRow } from "../storage/types.js";
import { chainHash, digestHash, type DigestContent } from "./chain.js";
import { generateDigestSigner } from "./digest-key.js";
import { MemoryAuditStore } from "./memory-audit-store.js";
import { signedLog, T0 } from "./test-fixtures.js";
import { verifyAudit, type VerifyReport } from "./verify.js";

const signer = generateDigestSigner();
const otherSigner = generateDigestSigner();

/** A chain of `n` events; a digest after each index listed in `digestAfter`. */
async function chain(n: number, digestAfter: number[] = []): Promise<MemoryAuditStore> {
  return (await signedLog(signer, n, digestAfter)).store;
}

/** Removes row `seq` and shifts later rows down by one (an attacker hiding the gap). */
function removeAndRenumber(store: MemoryAuditStore, seq: number): void {
  store.rows = store.rows.filter((r) => r.seq !== seq).map((r) => (r.seq > seq ? { ...r, seq: r.seq - 1 } : r));
}

/** A forged, self-consistent row linked to row `afterSeq`, inserted with later rows renumbered. */
function insertForged(store: MemoryAuditStore, afterSeq: number, linkToPredecessor: boolean): void {
  const prev = store.rows.find((r) => r.seq === afterSeq)!;
  const src = store.rows.find((r) => r.seq === afterSeq + 1)!;
  const json = src.json.replace(/"req-\d+"/, '"forged"');
  const prevHash = linkToPredecessor ? prev.hash : "f".repeat(64);
  const forged: AuditRow = { ...src, seq: afterSeq + 1, json, prevHash, hash: chainHash(prevHash, json) };
  store.rows = [...store.rows.map((r) => (r.seq > afterSeq ? { ...r, seq: r.seq + 1 } : r)), forged].sort((a, b) => a.seq - b.seq);
}

/** Swaps the contents of rows `a` and `b` (each keeps its seq position). */
function swap(store: MemoryAuditStore, a: number, b: number): void {
  const ra = store.rows.find((r) => r.seq === a)!;
  const rb = store.rows.find((r) => r.seq === b)!;
  store.rows = store.rows.map((r) => (r.seq === a ? { ...rb, seq: a } : r.seq === b ? { ...ra, seq: b } : r));
}

function kinds(r: VerifyReport): Array<[number | undefined, number | undefined, string]> {
  return r.problems.map((p) => [p.seq, p.digest, p.kind]);
}

describe("verifyAudit", () => {
  test("an intact log verifies", async () => {
    const store = await chain(10, [5, 10]);
    const last = store.digests[1]!;
    assert.deepEqual(await verifyAudit(store, signer.publicKeyPem), {
      ok: true,
      events: 10,
      digests: 2,
      problems: [],
      notes: [],
      checkpoint: { digest: 2, hash: digestHash(last.json), toSeq: 10, time: (JSON.parse(last.json) as DigestContent).digestEndTime },
    });
  });

  test("events after the last digest are noted, not reported", async () => {
    const store = await chain(7, [5]);
    const r = await verifyAudit(store, signer.publicKeyPem);
    assert.equal(r.ok, true);
    assert.deepEqual(r.notes, ["events 6..7 are not yet covered by a digest"]);
  });

  test("an unsigned tail older than the server's digest interval allows is a problem: removed digests cannot hide rewritten events", async () => {
    // Events 1..7 at T0+1s..T0+7s; digests after 5 only.
    const store = await chain(7, [5]);
    const within = await verifyAudit(store, signer.publicKeyPem, { now: T0 + 7_000 + 60_000, maxUnsealedMs: 120_000 });
    assert.equal(within.ok, true);
    assert.deepEqual(within.notes, ["events 6..7 are not yet covered by a digest"]);
    const late = await verifyAudit(store, signer.publicKeyPem, { now: T0 + 6_000 + 121_000, maxUnsealedMs: 120_000 });
    assert.equal(late.ok, false);
    assert.deepEqual(late.notes, []);
    assert.deepEqual(late.problems, [
      {
        seq: 6,
        kind: "unsealed",
        detail: "events 6..7 are not covered by a signed digest although the oldest is 2 min old: digests were removed, or the server stopped before sealing them (start it once, then verify again)",
      },
    ]);
    // Every digest deleted and an event rewritten with the chain recomputed after it: no longer "OK".
    const bare = await chain(4, [4]);
    bare.digests = [];
    const edited = bare.rows.map((r) => (r.seq === 2 ? { ...r, json: r.json.replace(/"req-2"/, '"rewritten"') } : r));
    let prev = "0".repeat(64);
    bare.rows = edited.map((r) => {
      const hash = chainHash(prev, r.json);
      const row = { ...r, prevHash: prev, hash };
      prev = hash;
      return row;
    });
    assert.equal((await verifyAudit(bare, signer.publicKeyPem)).ok, true);
    const r = await verifyAudit(bare, signer.publicKeyPem, { now: T0 + 3_600_000, maxUnsealedMs: 360_000 });
    assert.equal(r.ok, false);
    assert.deepEqual(kinds(r), [[1, undefined, "unsealed"]]);
  });

  test("edited content", async () => {
    const store = await chain(10);
    store.rows[3]!.json = store.rows[3]!.json.replace("aws-cli/2.15.0", "aws-cli/evil");
    const r = await verifyAudit(store, signer.publicKeyPem);
    assert.deepEqual(r.problems, [{ seq: 4, kind: "edited", detail: "row content does not match its hash" }]);
    assert.equal(r.ok, false);
  });

  test("edited index column (hiding a row from LookupEvents)", async () => {
    const store = await chain(10);
    store.rows[6]!.username = "someone-else";
    const r = await verifyAudit(store, signer.publicKeyPem);
    assert.deepEqual(r.problems, [{ seq: 7, kind: "edited", detail: "index columns disagree with the event JSON: username" }]);
  });

  test("removed row leaves a seq gap", async () => {
    const store = await chain(10);
    store.rows = store.rows.filter((r) => r.seq !== 4);
    const r = await verifyAudit(store, signer.publicKeyPem);
    assert.deepEqual(r.problems, [{ seq: 4, kind: "removed", detail: "row 4 missing" }]);
    assert.equal(r.events, 9);
  });

  test("removed rows at the start", async () => {
    const store = await chain(10);
    store.rows = store.rows.filter((r) => r.seq > 2);
    assert.deepEqual((await verifyAudit(store, signer.publicKeyPem)).problems, [{ seq: 1, kind: "removed", detail: "rows 1..2 missing" }]);
  });

  test("removed row with later rows renumbered", async () => {
    const store = await chain(10);
    removeAndRenumber(store, 4);
    const r = await verifyAudit(store, signer.publicKeyPem);
    assert.deepEqual(kinds(r), [[4, undefined, "removed"]]);
  });

  test("inserted row (linked to its predecessor)", async () => {
    const store = await chain(10);
    insertForged(store, 3, true);
    const r = await verifyAudit(store, signer.publicKeyPem);
    assert.deepEqual(r.problems, [{ seq: 4, kind: "inserted", detail: "no row links to this row; its successor links to the row before it" }]);
  });

  test("inserted row (not linked) and two consecutive insertions", async () => {
    const one = await chain(10);
    insertForged(one, 6, false);
    assert.deepEqual(kinds(await verifyAudit(one, signer.publicKeyPem)), [[7, undefined, "inserted"]]);
    const two = await chain(10);
    insertForged(two, 3, true);
    insertForged(two, 4, true);
    assert.deepEqual(kinds(await verifyAudit(two, signer.publicKeyPem)), [
      [4, undefined, "inserted"],
      [5, undefined, "inserted"],
    ]);
  });

  test("reordered rows", async () => {
    const store = await chain(10);
    swap(store, 4, 5);
    const r = await verifyAudit(store, signer.publicKeyPem);
    assert.deepEqual(kinds(r), [
      [4, undefined, "reordered"],
      [5, undefined, "reordered"],
    ]);
  });

  test("classification does not depend on chunking (tiny chunks and window)", async () => {
    const store = await chain(12);
    swap(store, 6, 7);
    store.rows = store.rows.filter((r) => r.seq !== 10);
    const r = await verifyAudit(store, signer.publicKeyPem, { chunkSize: 2, window: 3 });
    assert.deepEqual(kinds(r), [
      [6, undefined, "reordered"],
      [7, undefined, "reordered"],
      [10, undefined, "removed"],
    ]);
  });

  test("removed tail covered by a digest", async () => {
    const store = await chain(6, [6]);
    store.rows = store.rows.filter((r) => r.seq <= 4);
    const r = await verifyAudit(store, signer.publicKeyPem);
    assert.deepEqual(r.problems, [{ seq: 6, digest: 1, kind: "removed", detail: "rows 5..6 covered by digest 1 are missing" }]);
  });

  test("re-hashed edit at a digest boundary is caught by the digest", async () => {
    const store = await chain(6, [6]);
    const last = store.rows[5]!;
    last.json = last.json.replace("aws-cli/2.15.0", "aws-cli/evil");
    last.hash = chainHash(last.prevHash, last.json);
    const r = await verifyAudit(store, signer.publicKeyPem);
    assert.deepEqual(kinds(r), [[undefined, 1, "digest-mismatch"]]);
  });

  test("tampered digest signature", async () => {
    const store = await chain(4, [2, 4]);
    const d = store.digests[1]!;
    const sig = Buffer.from(d.signature, "base64");
    sig[10] = sig[10]! ^ 1;
    d.signature = sig.toString("base64");
    assert.deepEqual(kinds(await verifyAudit(store, signer.publicKeyPem)), [[undefined, 2, "bad-digest-signature"]]);
  });

  test("digest re-signed with another key", async () => {
    const store = await chain(4, [4]);
    const d = store.digests[0]!;
    const c = JSON.parse(d.json) as DigestContent;
    d.json = JSON.stringify({ ...c, toSeq: 3 });
    d.signature = otherSigner.sign(Buffer.from(d.json)).toString("base64");
    assert.deepEqual(kinds(await verifyAudit(store, signer.publicKeyPem)), [[undefined, 1, "bad-digest-signature"]]);
  });

  test("digest range that disagrees with its row, and a removed digest", async () => {
    const store = await chain(6, [2, 4, 6]);
    store.digests[2]!.fromSeq = 1;
    store.digests = store.digests.filter((d) => d.seq !== 2);
    const r = await verifyAudit(store, signer.publicKeyPem);
    assert.deepEqual(r.problems, [
      { digest: 2, kind: "removed", detail: "digest 2 missing" },
      { digest: 3, kind: "digest-mismatch", detail: "row fromSeq/toSeq differ from the signed range" },
    ]);
  });

  test("a digest whose previous link is wrong", async () => {
    const store = await chain(4, [2, 4]);
    // Replace digest 1 by different, validly signed content: digest 2 no longer links to it.
    const d1 = store.digests[0]!;
    const c1 = JSON.parse(d1.json) as DigestContent;
    d1.json = JSON.stringify({ ...c1, digestEndTime: "2026-01-01T00:00:09Z" });
    d1.signature = signer.sign(Buffer.from(d1.json)).toString("base64");
    const r = await verifyAudit(store, signer.publicKeyPem);
    assert.deepEqual(r.problems, [
      { digest: 2, kind: "digest-mismatch", detail: "previousDigestHash does not match the previous digest; previousDigestSignature does not match the previous digest" },
    ]);
  });
});
