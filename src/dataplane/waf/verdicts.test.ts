import { test } from "node:test";
import assert from "node:assert/strict";
import { Item, clearVerdicts, itemOf, verdict, verdictSlot, MAX_CACHED_VALUE } from "./verdicts.js";

test("a verdict is computed once per item and slot, then read", () => {
  clearVerdicts();
  const a = verdictSlot("test:contains-x");
  const b = verdictSlot("test:long");
  assert.equal(verdictSlot("test:contains-x"), a, "same key, same slot");
  let calls = 0;
  const hasX = (it: Item): boolean => {
    calls++;
    return it.value.includes("x");
  };
  const it = itemOf("xyz");
  assert.equal(verdict(it, a, hasX), true);
  assert.equal(verdict(it, a, hasX), true);
  assert.equal(calls, 1);
  assert.equal(verdict(it, b, (i) => i.value.length > 5), false);
  assert.equal(verdict(it, b, () => true), false, "a known false is kept");
  assert.equal(verdict(it, -1, () => true), true, "slot -1: always asked, never kept");
});

test("short values share one item across requests; long values get their own", () => {
  clearVerdicts();
  const url = "/search?q=" + "abcdefghijklmnopqrstuvwxyz".repeat(3);
  const v1 = url.slice(10);
  const v2 = ("/other?q=" + "abcdefghijklmnopqrstuvwxyz".repeat(3)).slice(9);
  assert.equal(itemOf(v1), itemOf(v2), "equal strings, same item");
  assert.equal(itemOf(v1).value, v1);
  const long = "y".repeat(MAX_CACHED_VALUE + 1);
  assert.notEqual(itemOf(long), itemOf(long));
});

test("items survive one generation change and are dropped after two", () => {
  clearVerdicts();
  const slot = verdictSlot("test:generations");
  const first = itemOf("kept-value");
  verdict(first, slot, () => true);
  for (let i = 0; i < 8192; i++) itemOf(`filler-a-${i}`);
  assert.equal(itemOf("kept-value"), first, "found in the old generation and promoted");
  for (let i = 0; i < 8192 * 2; i++) itemOf(`filler-b-${i}`);
  const again = itemOf("kept-value");
  assert.notEqual(again, first);
  assert.equal(verdict(again, slot, () => false), false, "a fresh item asks again");
});
