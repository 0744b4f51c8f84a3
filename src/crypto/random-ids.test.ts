import assert from "node:assert/strict";
import { test } from "node:test";
import { randomAccountId, randomHex, randomSecretAccessKey, randomSshPublicKeyId, randomUniqueId } from "./random-ids.js";

const N = 2000;

function distinct(gen: () => string): string[] {
  const all = Array.from({ length: N }, gen);
  assert.equal(new Set(all).size, N, "ids must not repeat");
  return all;
}

test("SSH public key ids: APKA + 16 base32 characters, 20 in all", () => {
  const ids = distinct(randomSshPublicKeyId);
  for (const id of ids) assert.match(id, /^APKA[A-Z2-7]{16}$/);
  // Every alphabet character shows up: the encoding covers the whole alphabet.
  assert.equal(new Set(ids.map((id) => id.slice(4)).join("")).size, 32);
});

test("secret access keys: 40 base64 characters", () => {
  for (const k of distinct(randomSecretAccessKey)) assert.match(k, /^[A-Za-z0-9+/]{40}$/);
});

test("unique ids: prefix + 17 base32 characters, 21 in all", () => {
  for (const prefix of ["AIDA", "AROA", "ANPA", "AGPA", "AIPA"] as const) {
    for (const id of distinct(() => randomUniqueId(prefix))) assert.match(id, new RegExp(`^${prefix}[A-Z2-7]{17}$`));
  }
});

test("account ids: 12 digits, first not 0", () => {
  const ids = distinct(randomAccountId);
  for (const id of ids) assert.match(id, /^[1-9][0-9]{11}$/);
});

test("randomHex: 2 lowercase hex characters per byte", () => {
  assert.equal(randomHex(0), "");
  for (const h of distinct(() => randomHex(16))) assert.match(h, /^[0-9a-f]{32}$/);
  assert.match(randomHex(3), /^[0-9a-f]{6}$/);
  assert.throws(() => randomHex(-1), RangeError);
  assert.throws(() => randomHex(1.5), RangeError);
});
