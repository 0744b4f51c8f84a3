import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { WalFile, WalSyncer } from "./wal-file.js";

/** A WAL file whose fsyncs end when the test says so. */
class HeldWal {
  readonly pending: Array<{ resolve: () => void; reject: (e: Error) => void }> = [];
  closed = false;
  sync(): Promise<void> {
    return new Promise<void>((resolve, reject) => this.pending.push({ resolve, reject }));
  }
  close(): void {
    this.closed = true;
  }
}

/** Lets every settled promise's reactions run. */
const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

function watch(p: Promise<void>): { state: "pending" | "resolved" | "rejected"; error?: unknown } {
  const w: { state: "pending" | "resolved" | "rejected"; error?: unknown } = { state: "pending" };
  p.then(
    () => (w.state = "resolved"),
    (e: unknown) => {
      w.state = "rejected";
      w.error = e;
    },
  );
  return w;
}

describe("WalSyncer", () => {
  test("a sync resolves only when an fsync begun after it returns; calls meanwhile share the next one", async () => {
    const wal = new HeldWal();
    const syncer = new WalSyncer(wal);
    const a = watch(syncer.sync());
    assert.equal(wal.pending.length, 1);
    // Asked while the first fsync runs: that one may have begun before their commit.
    const b = watch(syncer.sync());
    const c = watch(syncer.sync());
    await turn();
    assert.equal(wal.pending.length, 1, "one fsync at a time");
    wal.pending[0]!.resolve();
    await turn();
    assert.equal(a.state, "resolved");
    assert.equal(b.state, "pending");
    assert.equal(c.state, "pending");
    assert.equal(wal.pending.length, 2, "the queued calls' fsync began when the first returned");
    wal.pending[1]!.resolve();
    await turn();
    assert.deepEqual([b.state, c.state], ["resolved", "resolved"]);
    assert.equal(syncer.syncs, 2);
    // Nothing running: the next call starts its own at once.
    const d = watch(syncer.sync());
    assert.equal(wal.pending.length, 3);
    wal.pending[2]!.resolve();
    await turn();
    assert.equal(d.state, "resolved");
    await syncer.settle();
    syncer.close();
    assert.equal(wal.closed, true);
  });

  test("a failed fsync fails its callers, those queued behind it and every later sync", async () => {
    const wal = new HeldWal();
    const syncer = new WalSyncer(wal);
    const a = watch(syncer.sync());
    const b = watch(syncer.sync());
    wal.pending[0]!.reject(Object.assign(new Error("EIO: i/o error, fsync"), { code: "EIO" }));
    await turn();
    await turn();
    assert.equal(a.state, "rejected");
    assert.equal(b.state, "rejected", "queued behind a failure: what it wrote may not be on disk either");
    assert.equal(wal.pending.length, 1, "no fsync after a failure");
    assert.match(String(syncer.failed?.message), /^WAL sync failed: EIO/);
    await assert.rejects(syncer.sync(), /WAL sync failed: EIO/);
    assert.equal(syncer.syncs, 0);
    await syncer.settle();
  });
});

describe("WalFile", () => {
  test("forces the file at its path, reopened when it was replaced; no file: nothing to force", async () => {
    const dir = mkdtempSync(join(tmpdir(), "bulwark-wal-"));
    try {
      const path = join(dir, "db-wal");
      const wal = new WalFile(path);
      assert.equal(wal.syncNow(), false);
      await wal.sync();
      writeFileSync(path, "frames");
      assert.equal(wal.syncNow(), true);
      await wal.sync();
      rmSync(path);
      writeFileSync(path, "other frames");
      assert.equal(wal.syncNow(), true);
      await wal.sync();
      wal.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
