/** The two-hash HMAC of the string to sign gives createHmac's MAC for every key and message. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHmac, randomBytes } from "node:crypto";
import { hmacSha256Into } from "./sigv4-hmac.js";

function expected(key: Buffer, message: string): Buffer {
  return createHmac("sha256", key).update(message, "utf8").digest();
}

test("matches createHmac across keys, alternating keys and message lengths", () => {
  const keys = [randomBytes(32), randomBytes(32), Buffer.alloc(32), Buffer.alloc(32, 0xff)];
  const messages = ["", "a", "AWS4-HMAC-SHA256\n20240517T093000Z\n20240517/us-east-1/kms/aws4_request\n" + "0".repeat(64)];
  for (const n of [55, 56, 63, 64, 65, 119, 120, 1023, 1024, 1025, 5000]) messages.push("x".repeat(n));
  const out = Buffer.alloc(32);
  for (let round = 0; round < 2; round++) {
    for (const m of messages) {
      for (const k of keys) assert.deepEqual(hmacSha256Into(k, m, out), expected(k, m));
    }
  }
});

test("non-ASCII and lone surrogates are hashed as their UTF-8 bytes, as createHmac does", () => {
  const key = randomBytes(32);
  const out = Buffer.alloc(32);
  for (const m of ["région/ü", "鍵".repeat(1024), "\ud800x", "x\udc00", "😀".repeat(512)]) {
    assert.deepEqual(hmacSha256Into(key, m, out), expected(key, m));
  }
});

test("a caller's key buffer changing between calls is noticed", () => {
  const key = randomBytes(32);
  const out = Buffer.alloc(32);
  const m = "string to sign";
  assert.deepEqual(hmacSha256Into(key, m, out), expected(key, m));
  key[0] = (key[0] as number) ^ 1;
  assert.deepEqual(hmacSha256Into(key, m, out), expected(key, m));
});

test("keys of another length take createHmac", () => {
  const out = Buffer.alloc(32);
  for (const key of [randomBytes(16), randomBytes(64), randomBytes(100)]) assert.deepEqual(hmacSha256Into(key, "m", out), expected(key, "m"));
});
