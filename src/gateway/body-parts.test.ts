import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { BodyParts } from "./body-parts.js";

/** Deterministic bytes: piece i of length n. */
function piece(i: number, n: number): Buffer {
  const b = Buffer.allocUnsafe(n);
  for (let j = 0; j < n; j++) b[j] = (i * 31 + j) & 0xff;
  return b;
}

describe("BodyParts", () => {
  test("a single piece is handed back as it is (no copy); no piece is an empty body", () => {
    const p = new BodyParts();
    assert.equal(p.take().length, 0);
    const one = Buffer.from("hello");
    p.push(one);
    assert.equal(p.take(), one);
    assert.equal(p.size, 0);
  });

  test("one-byte pieces are copied together: 1 MiB of them is kept in at most 66 pieces", () => {
    const p = new BodyParts();
    const n = 1024 * 1024;
    const wire = piece(7, n + 1);
    for (let i = 0; i < n; i++) p.pushRange(wire, i, i + 1);
    assert.equal(p.size, n);
    // The first byte, then staging buffers of 16 KiB: 1 + 64 (+ 1 partly filled).
    assert.ok(p.pieces <= 66, `${p.pieces} pieces`);
    assert.ok(p.take().equals(wire.subarray(0, n)));
  });

  test("mixed sizes keep their order and content, and the count stays bounded", () => {
    const p = new BodyParts();
    const expected: Buffer[] = [];
    let seed = 1;
    for (let i = 0; i < 5000; i++) {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      const len = seed % 7 === 0 ? 1024 + (seed % 3000) : seed % 40;
      const b = piece(i, len);
      expected.push(b);
      p.push(b);
    }
    const all = Buffer.concat(expected);
    assert.equal(p.size, all.length);
    // Each kept piece is at least 1 KiB or a run of staged pieces ended by a large piece or a full stage.
    const large = expected.filter((b) => b.length >= 1024).length;
    assert.ok(p.pieces <= 2 * large + Math.ceil(all.length / (15 * 1024)) + 2, `${p.pieces} pieces`);
    assert.ok(p.take().equals(all));
  });

  test("reset() drops what was collected", () => {
    const p = new BodyParts();
    p.push(Buffer.from("a"));
    p.push(Buffer.from("b"));
    p.reset();
    assert.equal(p.size, 0);
    assert.equal(p.pieces, 0);
    p.push(Buffer.from("c"));
    assert.equal(p.take().toString(), "c");
  });
});
