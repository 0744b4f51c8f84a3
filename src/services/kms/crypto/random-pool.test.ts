import assert from "node:assert/strict";
import { test } from "node:test";
import { randomIv, randomSecret } from "./random-pool.js";

test("random pool: draws have the requested length and never repeat", () => {
  const seen = new Set<string>();
  for (let i = 0; i < 1000; i++) {
    const iv = randomIv(12);
    assert.equal(iv.length, 12);
    const hex = iv.toString("hex");
    assert.ok(!seen.has(hex));
    seen.add(hex);
  }
  assert.equal(randomSecret(32).length, 32);
  assert.equal(randomSecret(2048).length, 2048);
});

test("random pool: a fractional, NaN or negative length is refused and leaves the pool usable", () => {
  for (const n of [2.5, NaN, -1, Infinity]) {
    assert.throws(() => randomSecret(n), RangeError);
    assert.throws(() => randomIv(n), RangeError);
  }
  assert.equal(randomIv(12).length, 12);
  assert.equal(randomSecret(16).length, 16);
});
