import assert from "node:assert/strict";
import { randomInt } from "node:crypto";
import { describe, test } from "node:test";
import { canonicalEncryptionContext, withCanonicalContext } from "./encryption-context.js";

/** The format as FORMATS.md states it, written the plain way. */
function reference(ctx: Record<string, string>): Buffer {
  const pairs = Object.entries(ctx).map(([k, v]) => [Buffer.from(k, "utf8"), Buffer.from(v, "utf8")] as const);
  pairs.sort((a, b) => Buffer.compare(a[0], b[0]));
  const parts: Buffer[] = [];
  const u16 = (n: number) => {
    const b = Buffer.alloc(2);
    b.writeUInt16BE(n);
    return b;
  };
  parts.push(u16(pairs.length));
  for (const [k, v] of pairs) parts.push(u16(k.length), k, u16(v.length), v);
  return Buffer.concat(parts);
}

const ALPHABETS = [
  "abcXYZ019-_:/ ",
  "aB\u007f\u0000",
  "é€中\u00ff",
  "\u{1F600}\uE000\uFFFF", // astral (surrogate pairs) next to code points above the surrogates
];

function randomString(maxLen: number): string {
  const chars = [...ALPHABETS[randomInt(ALPHABETS.length)]!, ...ALPHABETS[0]!];
  let s = "";
  const n = randomInt(maxLen + 1);
  for (let i = 0; i < n; i++) s += chars[randomInt(chars.length)];
  return s;
}

describe("canonical encryption context", () => {
  test("equals the reference encoding on random contexts (ASCII and not)", () => {
    for (let i = 0; i < 3000; i++) {
      const ctx: Record<string, string> = {};
      const n = randomInt(6);
      for (let j = 0; j < n; j++) ctx[randomString(8)] = randomString(i % 10 === 0 ? 200 : 12);
      const want = reference(ctx);
      assert.deepEqual(canonicalEncryptionContext(ctx), want, JSON.stringify(ctx));
      const prefix = Buffer.from([1, 2, 3]);
      assert.deepEqual(withCanonicalContext(prefix, ctx), Buffer.concat([prefix, want]));
    }
  });

  test("absent and empty contexts encode as a zero count, after the prefix", () => {
    const prefix = Buffer.from([9, 9]);
    assert.equal(withCanonicalContext(prefix, undefined).toString("hex"), "09090000");
    assert.equal(withCanonicalContext(prefix, {}).toString("hex"), "09090000");
    assert.equal(withCanonicalContext(undefined, {}).toString("hex"), "0000");
  });

  test("non-string values, lone surrogates and over-long fields are refused", () => {
    for (const bad of [{ a: 1 }, { a: "\uD800" }, { "\uDC00x": "v" }, { a: "x".repeat(0x10000) }]) {
      assert.throws(() => withCanonicalContext(Buffer.alloc(1), bad as unknown as Record<string, string>), /encryption context is invalid/);
    }
  });
});
