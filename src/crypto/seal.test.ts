import assert from "node:assert/strict";
import { createDecipheriv, hkdfSync } from "node:crypto";
import { describe, test } from "node:test";
import { SealError } from "./errors.js";
import { createSealer, createSealerWithNonceSource, SEAL_OVERHEAD } from "./seal.js";

const KEY = Buffer.from(Array.from({ length: 32 }, (_, i) => i));
const NONCE = Buffer.from("a0a1a2a3a4a5a6a7a8a9aaab", "hex");
const fixed = (): ReturnType<typeof createSealer> => createSealerWithNonceSource(KEY, () => Buffer.from(NONCE));

function isSealError(reason: SealError["reason"]) {
  return (err: unknown): boolean => err instanceof SealError && err.reason === reason;
}

describe("seal format v1 (golden vectors: these bytes must never change)", () => {
  test("plaintext with aad", () => {
    assert.equal(
      fixed().seal(Buffer.from("bulwark golden vector"), "test/golden").toString("hex"),
      "01a0a1a2a3a4a5a6a7a8a9aaab00c254c90206551c3c9c83fd1b199a67898304a9c4548b9b73459b1336b50c1ce6ba9b5b72",
    );
  });

  test("empty plaintext and empty aad", () => {
    assert.equal(fixed().seal(Buffer.alloc(0), "").toString("hex"), "01a0a1a2a3a4a5a6a7a8a9aaaba412f324b509d17673a0dce243cef1ee");
  });

  test("string form is base64 of the binary form", () => {
    const s = fixed().sealToString("secret-access-key-example", "iam/access-key/AKIAEXAMPLE");
    assert.equal(s, "AaChoqOkpaanqKmqqxHSW8wGABNdOJCK6g1a0XSVzRW+18uZj9qoDyosnGBnPE3ZK3+8csTe");
    assert.equal(createSealer(KEY).unsealString(s, "iam/access-key/AKIAEXAMPLE").toString("utf8"), "secret-access-key-example");
  });

  test("the golden blob opens with plain node:crypto as documented (HKDF-SHA256, AAD = version || aad)", () => {
    const blob = Buffer.from("01a0a1a2a3a4a5a6a7a8a9aaab00c254c90206551c3c9c83fd1b199a67898304a9c4548b9b73459b1336b50c1ce6ba9b5b72", "hex");
    const key = Buffer.from(hkdfSync("sha256", KEY, Buffer.alloc(0), "bulwark/seal/v1", 32));
    const d = createDecipheriv("aes-256-gcm", key, blob.subarray(1, 13), { authTagLength: 16 });
    d.setAAD(Buffer.concat([Buffer.from([1]), Buffer.from("test/golden")]));
    d.setAuthTag(blob.subarray(blob.length - 16));
    const pt = Buffer.concat([d.update(blob.subarray(13, blob.length - 16)), d.final()]);
    assert.equal(pt.toString("utf8"), "bulwark golden vector");
  });
});

describe("createSealer", () => {
  test("round-trips binary and string plaintexts", () => {
    const s = createSealer(KEY);
    const pt = Buffer.from([0, 1, 2, 255, 254]);
    const blob = s.seal(pt, "a");
    assert.equal(blob.length, pt.length + SEAL_OVERHEAD);
    assert.equal(blob[0], 1);
    assert.deepEqual(s.unseal(blob, "a"), pt);
    assert.equal(s.unsealString(s.sealToString("pässwörd 😀", "b"), "b").toString("utf8"), "pässwörd 😀");
    assert.deepEqual(s.unseal(s.seal(new Uint8Array(0), ""), ""), Buffer.alloc(0));
    const big = Buffer.alloc(100_000, 7);
    assert.deepEqual(s.unseal(s.seal(big, "big"), "big"), big);
  });

  test("uses a fresh random nonce per seal", () => {
    const s = createSealer(KEY);
    const a = s.seal(Buffer.from("same"), "x");
    const b = s.seal(Buffer.from("same"), "x");
    assert.notDeepEqual(a.subarray(1, 13), b.subarray(1, 13));
    assert.notDeepEqual(a, b);
  });

  test("accepts a Uint8Array view into a larger buffer", () => {
    const s = createSealer(KEY);
    const blob = s.seal(Buffer.from("view"), "v");
    const backing = new Uint8Array(blob.length + 10);
    backing.set(blob, 5);
    assert.equal(s.unseal(backing.subarray(5, 5 + blob.length), "v").toString(), "view");
  });

  test("rejects a root key of the wrong size", () => {
    assert.throws(() => createSealer(Buffer.alloc(16)), RangeError);
  });
});

describe("tamper resistance", () => {
  const s = createSealer(KEY);
  const blob = s.seal(Buffer.from("top secret plaintext"), "iam/access-key/AKIA1");

  for (const [part, index] of [
    ["nonce", 5],
    ["ciphertext", 15],
    ["tag", blob.length - 1],
  ] as const) {
    test(`a flipped bit in the ${part} is detected`, () => {
      const bad = Buffer.from(blob);
      bad[index] = (bad[index] as number) ^ 0x01;
      assert.throws(() => s.unseal(bad, "iam/access-key/AKIA1"), isSealError("authentication"));
    });
  }

  test("the wrong aad is detected", () => {
    assert.throws(() => s.unseal(blob, "iam/access-key/AKIA2"), isSealError("authentication"));
    assert.throws(() => s.unseal(blob, ""), isSealError("authentication"));
  });

  test("a different root key is detected", () => {
    const other = Buffer.from(KEY);
    other[0] = 0xff;
    assert.throws(() => createSealer(other).unseal(blob, "iam/access-key/AKIA1"), isSealError("authentication"));
  });

  test("unknown versions, truncation and bad base64 are rejected", () => {
    const v2 = Buffer.from(blob);
    v2[0] = 0x02;
    assert.throws(() => s.unseal(v2, "iam/access-key/AKIA1"), (err: unknown) => isSealError("version")(err) && /version \(2\)/.test(String((err as Error).message)));
    assert.throws(() => s.unseal(Buffer.alloc(0), "x"), isSealError("format"));
    assert.throws(() => s.unseal(blob.subarray(0, SEAL_OVERHEAD - 1), "iam/access-key/AKIA1"), isSealError("format"));
    assert.throws(() => s.unseal(blob.subarray(0, blob.length - 1), "iam/access-key/AKIA1"), isSealError("authentication"));
    assert.throws(() => s.unsealString("not base64!", "x"), isSealError("format"));
  });

  test("errors reveal nothing about the plaintext, key or aad", () => {
    const bad = Buffer.from(blob);
    bad[20] = (bad[20] as number) ^ 0x80;
    try {
      s.unseal(bad, "iam/access-key/AKIA1");
      assert.fail("unseal should have thrown");
    } catch (err) {
      assert.ok(err instanceof SealError);
      const text = `${err.message} ${err.stack ?? ""}`;
      for (const secret of ["top secret", "AKIA1", KEY.toString("hex"), KEY.toString("base64"), bad.toString("hex")]) {
        assert.equal(text.includes(secret), false, `error mentions ${secret}`);
      }
    }
  });
});
