import assert from "node:assert/strict";
import { createDecipheriv, randomBytes } from "node:crypto";
import { describe, test } from "node:test";
import { canonicalEncryptionContext, type EncryptionContext } from "./encryption-context.js";
import { INVALID_CIPHERTEXT_MESSAGE, isKmsCryptoError } from "./errors.js";
import {
  assertBlobKeyId,
  decryptSymmetric,
  encryptSymmetric,
  encryptSymmetricWithIv,
  parseCiphertextBlob,
  type EncryptSymmetricInput,
} from "./symmetric.js";

const KEY = Buffer.from(Array.from({ length: 32 }, (_, i) => i));
const IV = Buffer.from("a0a1a2a3a4a5a6a7a8a9aaab", "hex");
const KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab";
const MATERIAL_ID = "0".repeat(63) + "1";
const BASE: EncryptSymmetricInput = { keyId: KEY_ID, materialId: MATERIAL_ID, key: KEY, plaintext: Buffer.from("bulwark kms golden vector") };
const CONTEXT = { purpose: "golden", Department: "Engineering" };

const GOLDEN_WITH_CONTEXT =
  "012431323334616263642d313261622d333463642d353665662d3132333435363738393061624030303030303030303030303030303030303030303030303030303030303030303030303030303030303030303030303030303030303030303030303030303031a0a1a2a3a4a5a6a7a8a9aaab846d105a24b9699f0908f4f36015acba15c27966f7d43603ee50bdd24a812a976e0239979565784998";
const GOLDEN_NO_CONTEXT =
  "012431323334616263642d313261622d333463642d353665662d3132333435363738393061624030303030303030303030303030303030303030303030303030303030303030303030303030303030303030303030303030303030303030303030303030303031a0a1a2a3a4a5a6a7a8a9aaab846d105a24b9699f0908f4f36015acba15c27966f7d43603eedd2029adbae2f645502fdbbd23616f31";
const GOLDEN_MRK = "01246d726b2d3132333461626364313261623334636435366566313233343536373839306162026d31a0a1a2a3a4a5a6a7a8a9aaaba4eb765a4409a71db508881eb756d275a0";

const isInvalidCiphertext = (err: unknown): boolean => isKmsCryptoError(err, "InvalidCiphertext") && err.message === INVALID_CIPHERTEXT_MESSAGE;

describe("symmetric blob v1 golden vectors (these bytes must never change)", () => {
  test("with a two-pair encryption context", () => {
    assert.equal(encryptSymmetricWithIv({ ...BASE, encryptionContext: CONTEXT }, IV).toString("hex"), GOLDEN_WITH_CONTEXT);
  });

  test("without encryption context (same as an empty context)", () => {
    assert.equal(encryptSymmetricWithIv(BASE, IV).toString("hex"), GOLDEN_NO_CONTEXT);
    assert.equal(encryptSymmetricWithIv({ ...BASE, encryptionContext: {} }, IV).toString("hex"), GOLDEN_NO_CONTEXT);
  });

  test("multi-Region key id, short material id, non-ASCII context", () => {
    const blob = encryptSymmetricWithIv(
      { keyId: "mrk-1234abcd12ab34cd56ef1234567890ab", materialId: "m1", key: KEY, plaintext: Buffer.from([0x42]), encryptionContext: { é: "ü" } },
      IV,
    );
    assert.equal(blob.toString("hex"), GOLDEN_MRK);
  });

  test("context key order does not change the bytes", () => {
    const reordered = { Department: "Engineering", purpose: "golden" };
    assert.equal(encryptSymmetricWithIv({ ...BASE, encryptionContext: reordered }, IV).toString("hex"), GOLDEN_WITH_CONTEXT);
  });

  test("canonical context bytes are as documented in FORMATS.md", () => {
    assert.equal(
      canonicalEncryptionContext(CONTEXT).toString("hex"),
      "0002000a4465706172746d656e74000b456e67696e656572696e670007707572706f73650006676f6c64656e",
    );
    assert.equal(canonicalEncryptionContext(undefined).toString("hex"), "0000");
  });

  test("the golden blob opens with plain node:crypto as FORMATS.md describes", () => {
    const blob = Buffer.from(GOLDEN_WITH_CONTEXT, "hex");
    const headerLen = 1 + 1 + 36 + 1 + 64 + 12;
    const d = createDecipheriv("aes-256-gcm", KEY, blob.subarray(headerLen - 12, headerLen), { authTagLength: 16 });
    d.setAAD(Buffer.concat([blob.subarray(0, headerLen), canonicalEncryptionContext(CONTEXT)]));
    d.setAuthTag(blob.subarray(blob.length - 16));
    const pt = Buffer.concat([d.update(blob.subarray(headerLen, blob.length - 16)), d.final()]);
    assert.equal(pt.toString("utf8"), "bulwark kms golden vector");
  });

  test("parse exposes key id and material id before decryption", () => {
    const parsed = parseCiphertextBlob(Buffer.from(GOLDEN_WITH_CONTEXT, "hex"));
    assert.equal(parsed.version, 1);
    assert.equal(parsed.keyId, KEY_ID);
    assert.equal(parsed.materialId, MATERIAL_ID);
    assert.equal(parsed.iv.toString("hex"), IV.toString("hex"));
    assert.equal(parsed.tag.length, 16);
    assert.equal(parsed.ciphertext.length, BASE.plaintext.length);
    assert.equal(decryptSymmetric(parsed, KEY, CONTEXT).toString("utf8"), "bulwark kms golden vector");
  });
});

describe("symmetric encrypt/decrypt", () => {
  test("round trip with random IVs (two encryptions differ)", () => {
    const a = encryptSymmetric({ ...BASE, encryptionContext: CONTEXT });
    const b = encryptSymmetric({ ...BASE, encryptionContext: CONTEXT });
    assert.notEqual(a.toString("hex"), b.toString("hex"));
    assert.equal(decryptSymmetric(parseCiphertextBlob(a), KEY, CONTEXT).toString("utf8"), "bulwark kms golden vector");
    assert.equal(decryptSymmetric(parseCiphertextBlob(b), KEY, { ...CONTEXT }).toString("utf8"), "bulwark kms golden vector");
  });

  test("a multi-Region blob decrypts with the same key id and material in another Region (no Region bound)", () => {
    const blob = Buffer.from(GOLDEN_MRK, "hex");
    const parsed = parseCiphertextBlob(blob);
    assert.equal(parsed.keyId, "mrk-1234abcd12ab34cd56ef1234567890ab");
    assert.deepEqual(decryptSymmetric(parsed, KEY, { é: "ü" }), Buffer.from([0x42]));
  });

  test("wrong encryption context: changed value, changed key case, extra pair, missing pair", () => {
    const parsed = parseCiphertextBlob(Buffer.from(GOLDEN_WITH_CONTEXT, "hex"));
    const wrong: EncryptionContext[] = [
      { purpose: "golden2", Department: "Engineering" },
      { Purpose: "golden", Department: "Engineering" },
      { ...CONTEXT, extra: "x" },
      { purpose: "golden" },
      {},
    ];
    for (const ctx of wrong) assert.throws(() => decryptSymmetric(parsed, KEY, ctx), isInvalidCiphertext);
    assert.throws(() => decryptSymmetric(parsed, KEY), isInvalidCiphertext);
  });

  test("wrong key material is InvalidCiphertext", () => {
    const parsed = parseCiphertextBlob(Buffer.from(GOLDEN_NO_CONTEXT, "hex"));
    assert.throws(() => decryptSymmetric(parsed, randomBytes(32)), isInvalidCiphertext);
  });

  test("every single-byte modification is rejected (parse or authentication)", () => {
    const blob = Buffer.from(GOLDEN_WITH_CONTEXT, "hex");
    for (let i = 0; i < blob.length; i++) {
      const t = Buffer.from(blob);
      t[i] = (t[i] as number) ^ 0x01;
      assert.throws(() => decryptSymmetric(parseCiphertextBlob(t), KEY, CONTEXT), isInvalidCiphertext, `byte ${i}`);
    }
  });

  test("every truncation and an appended byte are rejected", () => {
    const blob = Buffer.from(GOLDEN_WITH_CONTEXT, "hex");
    for (let len = 0; len < blob.length; len++) {
      assert.throws(() => decryptSymmetric(parseCiphertextBlob(blob.subarray(0, len)), KEY, CONTEXT), isInvalidCiphertext, `length ${len}`);
    }
    assert.throws(() => decryptSymmetric(parseCiphertextBlob(Buffer.concat([blob, Buffer.from([0])])), KEY, CONTEXT), isInvalidCiphertext);
  });

  test("unknown version byte is rejected before anything else", () => {
    const blob = Buffer.from(GOLDEN_WITH_CONTEXT, "hex");
    for (const v of [0x00, 0x02, 0xff]) {
      const t = Buffer.from(blob);
      t[0] = v;
      assert.throws(() => parseCiphertextBlob(t), isInvalidCiphertext);
    }
  });

  test("moving a blob to another key id (header edit) fails authentication", () => {
    const blob = Buffer.from(GOLDEN_NO_CONTEXT, "hex");
    const t = Buffer.from(blob);
    t.write("9", 2, "ascii"); // first char of key id "1" -> "9", still a valid UUID
    const parsed = parseCiphertextBlob(t);
    assert.equal(parsed.keyId, "9234abcd-12ab-34cd-56ef-1234567890ab");
    assert.throws(() => decryptSymmetric(parsed, KEY), isInvalidCiphertext);
  });

  test("assertBlobKeyId: IncorrectKey when the request names another key", () => {
    const parsed = parseCiphertextBlob(Buffer.from(GOLDEN_NO_CONTEXT, "hex"));
    assert.doesNotThrow(() => assertBlobKeyId(parsed, KEY_ID));
    assert.throws(() => assertBlobKeyId(parsed, "00000000-0000-0000-0000-000000000000"), (e: unknown) => isKmsCryptoError(e, "IncorrectKey"));
  });

  test("plaintext limits: 1..4096 bytes", () => {
    assert.equal(parseCiphertextBlob(encryptSymmetric({ ...BASE, plaintext: Buffer.alloc(4096, 7) })).ciphertext.length, 4096);
    assert.throws(() => encryptSymmetric({ ...BASE, plaintext: Buffer.alloc(4097) }), (e: unknown) => isKmsCryptoError(e, "Validation"));
    assert.throws(() => encryptSymmetric({ ...BASE, plaintext: Buffer.alloc(0) }), (e: unknown) => isKmsCryptoError(e, "Validation"));
  });

  test("invalid key id / material id / context values are Validation errors", () => {
    const v = (e: unknown): boolean => isKmsCryptoError(e, "Validation");
    assert.throws(() => encryptSymmetric({ ...BASE, keyId: "alias/foo" }), v);
    assert.throws(() => encryptSymmetric({ ...BASE, keyId: KEY_ID.toUpperCase() }), v);
    assert.throws(() => encryptSymmetric({ ...BASE, materialId: "" }), v);
    assert.throws(() => encryptSymmetric({ ...BASE, materialId: "a b" }), v);
    assert.throws(() => encryptSymmetric({ ...BASE, encryptionContext: { a: "\uD800" } }), v);
    assert.throws(() => encryptSymmetric({ ...BASE, encryptionContext: { a: 5 as unknown as string } }), v);
  });

  test("lone surrogates cannot alias U+FFFD in the context", () => {
    const blob = encryptSymmetric({ ...BASE, encryptionContext: { a: "\uFFFD" } });
    assert.throws(() => decryptSymmetric(parseCiphertextBlob(blob), KEY, { a: "\uDC00" }), (e: unknown) => isKmsCryptoError(e, "Validation"));
  });

  test("error messages never contain the plaintext, key or context", () => {
    const blob = encryptSymmetric({ ...BASE, encryptionContext: { secretish: "top-secret-value" } });
    try {
      decryptSymmetric(parseCiphertextBlob(blob), KEY, { secretish: "other-value" });
      assert.fail("expected an error");
    } catch (err) {
      const msg = String((err as Error).message);
      for (const s of ["top-secret-value", "other-value", "bulwark kms golden vector", KEY.toString("hex"), KEY.toString("base64")]) {
        assert.equal(msg.includes(s), false);
      }
    }
  });
});

/** Deterministic PRNG (xorshift32) so a failing case can be replayed from its seed. */
function prng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 0x100000000;
  };
}

function randomString(rand: () => number): string {
  const alphabet = ["a", "B", "z", "0", "-", ":", " ", "é", "ß", "中", "😀", "\u0000", "aws:", "kms"];
  const len = Math.floor(rand() * 6);
  let s = "";
  for (let i = 0; i < len; i++) s += alphabet[Math.floor(rand() * alphabet.length)];
  return s;
}

function shuffled<T>(items: T[], rand: () => number): T[] {
  const a = [...items];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [a[i], a[j]] = [a[j] as T, a[i] as T];
  }
  return a;
}

describe("property: random encryption-context maps", () => {
  test("round-trip in any key order; any single change is rejected", () => {
    for (let seed = 1; seed <= 150; seed++) {
      const rand = prng(seed);
      const ctx: Record<string, string> = {};
      const n = Math.floor(rand() * 7);
      for (let i = 0; i < n; i++) ctx[randomString(rand)] = randomString(rand);
      const plaintext = randomBytes(1 + Math.floor(rand() * 64));
      const blob = encryptSymmetric({ ...BASE, plaintext, encryptionContext: ctx });
      const parsed = parseCiphertextBlob(blob);
      const reordered = Object.fromEntries(shuffled(Object.entries(ctx), rand));
      assert.deepEqual(decryptSymmetric(parsed, KEY, reordered), plaintext, `seed ${seed}`);

      const keys = Object.keys(ctx);
      const mutations: Record<string, string>[] = [{ ...ctx, [`${randomString(rand)}#extra`]: "v" }];
      if (keys.length > 0) {
        const k = keys[Math.floor(rand() * keys.length)] as string;
        mutations.push({ ...ctx, [k]: `${ctx[k]}x` });
        const { [k]: _dropped, ...rest } = ctx;
        mutations.push(rest);
        const { [k]: v, ...others } = ctx;
        mutations.push({ ...others, [`${k}x`]: v as string });
      }
      for (const m of mutations) assert.throws(() => decryptSymmetric(parsed, KEY, m), isInvalidCiphertext, `seed ${seed}`);
    }
  });

  test("canonical bytes are injective on distinct random maps", () => {
    const seen = new Map<string, string>();
    for (let seed = 1000; seed < 1400; seed++) {
      const rand = prng(seed);
      const ctx: Record<string, string> = {};
      const n = Math.floor(rand() * 4);
      for (let i = 0; i < n; i++) ctx[randomString(rand)] = randomString(rand);
      const canonical = canonicalEncryptionContext(ctx).toString("hex");
      const normalized = JSON.stringify(Object.entries(ctx).sort(([a], [b]) => Buffer.compare(Buffer.from(a), Buffer.from(b))));
      const prev = seen.get(canonical);
      if (prev !== undefined) assert.equal(prev, normalized, `collision at seed ${seed}`);
      seen.set(canonical, normalized);
    }
  });
});
