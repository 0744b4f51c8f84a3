import assert from "node:assert/strict";
import { test } from "node:test";
import { Lru } from "./lru.js";

test("Lru keeps recently used entries and stays bounded", () => {
  const c = new Lru<string, number>(3);
  c.set("a", 1);
  c.set("b", 2);
  c.set("c", 3);
  assert.equal(c.get("a"), 1);
  c.set("d", 4); // evicts b: a was used, b was not
  assert.equal(c.size, 3);
  assert.equal(c.get("b"), undefined);
  assert.equal(c.get("a"), 1);
  assert.equal(c.get("d"), 4);
  c.deleteWhere((k) => k === "a" || k === "c");
  assert.equal(c.size, 1);
  for (let i = 0; i < 100; i++) c.set(`k${i}`, i);
  assert.equal(c.size, 3);
  assert.equal(c.get("k99"), 99);
});
