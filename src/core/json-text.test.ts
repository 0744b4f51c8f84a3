import { test } from "node:test";
import assert from "node:assert/strict";
import { jsonString } from "./json-text.js";

test("jsonString is JSON.stringify for every code unit, alone and in context", () => {
  for (let c = 0; c <= 0xffff; c++) {
    const ch = String.fromCharCode(c);
    for (const s of [ch, `a${ch}`, `${ch}b`, `x${ch}y${ch}`]) assert.equal(jsonString(s), JSON.stringify(s), `U+${c.toString(16)}`);
  }
  for (const s of ["", "plain", "\u{1F600}", "\uD83D\uDE00x", "x\uD83D", "\uDE00\uD83D", 'q"uote', "back\\slash", "\u2028\u2029\u007f", "arn:aws:kms:us-east-1:111122223333:key/k"]) {
    assert.equal(jsonString(s), JSON.stringify(s), s);
  }
});
