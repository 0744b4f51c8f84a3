import { test } from "node:test";
import assert from "node:assert/strict";
import { chainHash, chainHashInPlace, GENESIS_HASH } from "./chain.js";

test("chainHashInPlace is chainHash over the JSON's bytes, for any prevHash", () => {
  const json = '{"eventName":"Encrypt","u":"é ☃ \u{1F600}"}';
  const prevs = [GENESIS_HASH, "ab".repeat(32), "AB".repeat(32), "p", "", "ÿ".repeat(64), "g".repeat(64)];
  let prev = GENESIS_HASH;
  for (const p of [...prevs, "chain"]) {
    const use = p === "chain" ? prev : p;
    const bytes = Buffer.concat([Buffer.alloc(64), Buffer.from(json, "utf8")]);
    const got = chainHashInPlace(use, bytes);
    assert.equal(got, chainHash(use, json), JSON.stringify(use));
    prev = got;
  }
  // Consecutive rows: each prevHash is the hash returned before.
  let a = GENESIS_HASH;
  let b = GENESIS_HASH;
  for (let i = 0; i < 5; i++) {
    const j = `{"n":${i}}`;
    a = chainHashInPlace(a, Buffer.concat([Buffer.alloc(64), Buffer.from(j)]));
    b = chainHash(b, j);
    assert.equal(a, b);
  }
});
