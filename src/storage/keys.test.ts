import assert from "node:assert/strict";
import { test } from "node:test";
import { assertValidKey, compareKeys, InvalidKeyError, prefixSuccessor } from "./keys.js";

const utf8Order = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));

test("prefixSuccessor increments the last code point", () => {
  assert.equal(prefixSuccessor("a/"), "a0");
  assert.equal(prefixSuccessor("abc"), "abd");
  assert.equal(prefixSuccessor("é"), "ê");
  assert.equal(prefixSuccessor("😀"), "😁");
  assert.equal(prefixSuccessor("\uFFFF"), "\u{10000}");
  assert.equal(prefixSuccessor("x\uD7FF"), "x\uE000"); // skips the surrogate range
  assert.equal(prefixSuccessor("a\u{10FFFF}"), "b"); // last code point maxed: carry
  assert.equal(prefixSuccessor("\u{10FFFF}\u{10FFFF}"), undefined);
  assert.equal(prefixSuccessor(""), undefined);
});

test("prefixSuccessor bounds exactly the strings with the prefix", () => {
  const samples = ["a", "a/", "a/b", "a0", "a.", "a\u{10FFFF}", "ab", "\uFFFF", "\uFFFFz", "\u{10000}", "😀", "😀x", "😁", "\uE000", "\uD7FF"];
  for (const prefix of samples) {
    const upper = prefixSuccessor(prefix);
    for (const k of samples) {
      const inRange = utf8Order(k, prefix) >= 0 && (upper === undefined || utf8Order(k, upper) < 0);
      assert.equal(inRange, k.startsWith(prefix), `${JSON.stringify(k)} vs prefix ${JSON.stringify(prefix)}`);
    }
  }
});

test("compareKeys follows UTF-8 byte order, not UTF-16", () => {
  const keys = ["", "a", "ab", "b", "\uFFFD", "\uFFFF", "\u{10000}", "😀", "é", "Z", "a\u{10000}", "a\uFFFF"];
  const sorted = [...keys].sort(compareKeys);
  assert.deepEqual(sorted, [...keys].sort(utf8Order));
  assert.equal(compareKeys("\uFFFF", "\u{10000}") < 0, true);
  assert.equal(compareKeys("x", "x"), 0);
});

test("assertValidKey rejects NUL and unpaired surrogates only", () => {
  assertValidKey("111122223333/us-east-1/users/Alice+é😀", "key");
  assertValidKey("", "key");
  for (const bad of ["a\u0000", "\uD800", "x\uDC00y", "\uDBFF"]) assert.throws(() => assertValidKey(bad, "key"), InvalidKeyError);
});
