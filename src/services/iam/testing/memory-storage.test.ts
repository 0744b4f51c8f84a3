import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { MemoryStorage } from "./memory-storage.js";

describe("MemoryStorage (test fake)", () => {
  test("lists in code-point order with prefix, after and limit; counts by prefix", async () => {
    const s = new MemoryStorage();
    for (const k of ["a/2", "a/10", "b/1", "a/1", "a/\u{1F600}", "a/\uFFFF"]) await s.put("c", k, { k });
    const keys = (await s.list("c", { prefix: "a/" })).map((e) => e.key);
    assert.deepEqual(keys, ["a/1", "a/10", "a/2", "a/\uFFFF", "a/\u{1F600}"]);
    assert.deepEqual((await s.list("c", { prefix: "a/", after: "a/10", limit: 2 })).map((e) => e.key), ["a/2", "a/\uFFFF"]);
    assert.equal(await s.count("c", "a/"), 5);
    assert.equal(await s.count("c"), 6);
  });

  test("stores JSON copies; putIfAbsent and delete report what happened", async () => {
    const s = new MemoryStorage();
    const v = { a: 1, gone: undefined as number | undefined };
    await s.put("c", "k", v);
    v.a = 2;
    assert.deepEqual(await s.get("c", "k"), { a: 1 });
    assert.equal(await s.putIfAbsent("c", "k", { a: 3 }), false);
    assert.equal(await s.putIfAbsent("c", "k2", { a: 3 }), true);
    assert.equal(await s.delete("c", "k"), true);
    assert.equal(await s.delete("c", "k"), false);
    await assert.rejects(s.get("c", "bad\u0000key"), /Invalid storage key/);
  });

  test("transactions commit atomically, roll back on error, and see their own writes", async () => {
    const s = new MemoryStorage();
    await s.put("c", "x", 1);
    await assert.rejects(
      s.transaction(async (tx) => {
        await tx.put("c", "x", 2);
        await tx.put("c", "y", 2);
        assert.equal(await tx.get("c", "x"), 2);
        assert.equal(await tx.count("c"), 2);
        throw new Error("boom");
      }),
      /boom/,
    );
    assert.equal(await s.get("c", "x"), 1);
    assert.equal(await s.get("c", "y"), undefined);
    await s.transaction(async (tx) => {
      await tx.delete("c", "x");
      assert.deepEqual(await tx.list("c"), []);
      await tx.put("c", "z", 3);
    });
    assert.deepEqual((await s.list("c")).map((e) => e.key), ["z"]);
  });

  test("other operations wait while a transaction is open", async () => {
    const s = new MemoryStorage();
    const order: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const tx = s.transaction(async (t) => {
      await t.put("c", "k", "tx");
      await gate;
      order.push("tx-end");
    });
    const read = s.get("c", "k").then((v) => order.push(`read:${String(v)}`));
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(order, []);
    release();
    await Promise.all([tx, read]);
    assert.deepEqual(order, ["tx-end", "read:tx"]);
  });
});
