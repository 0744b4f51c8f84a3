import { test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { Writable } from "node:stream";
import { AlgorithmSuiteIdentifier, buildClient, CommitmentPolicy, RawAesKeyringNode, RawAesWrappingSuiteIdentifier } from "@aws-crypto/client-node";
import { messageEndGuard, TrailingDataError, type HeaderAuth } from "./message-end.js";

const keyring = new RawAesKeyringNode({
  keyName: "key",
  keyNamespace: "test",
  unencryptedMasterKey: randomBytes(32),
  wrappingSuite: RawAesWrappingSuiteIdentifier.AES256_GCM_IV12_TAG16_NO_PADDING,
});
const forbid = buildClient(CommitmentPolicy.FORBID_ENCRYPT_ALLOW_DECRYPT);
const require = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);
const suites = Object.entries(AlgorithmSuiteIdentifier).filter((e): e is [string, AlgorithmSuiteIdentifier] => typeof e[1] === "number");

/** Streams `data` through the guard in chunks of `size` bytes; returns what came out. */
async function guarded(data: Buffer, size: number, onHeaderAuth?: (auth: HeaderAuth) => void): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for (let i = 0; i < data.length; i += size) chunks.push(data.subarray(i, i + size));
  const out: Buffer[] = [];
  await pipeline(
    Readable.from(chunks),
    messageEndGuard(onHeaderAuth),
    new Writable({
      write(c: Buffer, _e, done) {
        out.push(c);
        done();
      },
    }),
  );
  return Buffer.concat(out);
}

test("every suite, frame length and size: the whole message passes unchanged; a byte more, or a second message, fails", async () => {
  assert.equal(suites.length, 11);
  for (const [name, suiteId] of suites) {
    const client = name.includes("COMMIT_KEY") ? require : forbid;
    for (const [frameLength, sizes] of [
      [1, [0, 3]],
      [4096, [0, 4095, 4096, 8192, 8193]],
      [100_000, [250_000]],
    ] as const) {
      for (const size of sizes) {
        const { result } = await client.encrypt(keyring, randomBytes(size), { suiteId, frameLength, encryptionContext: { tenant: "acme", "ключ": "значение" } });
        const message = Buffer.from(result);
        for (const chunk of [...(message.length < 20_000 ? [1, 7] : []), 4096, message.length]) {
          assert.deepEqual(await guarded(message, chunk), message, `${name} frame ${frameLength} size ${size} chunk ${chunk}`);
        }
        for (const extra of [Buffer.from([0]), message]) {
          for (const chunk of [...(message.length < 20_000 ? [1] : []), 4096, message.length + extra.length]) {
            await assert.rejects(guarded(Buffer.concat([message, extra]), chunk), TrailingDataError, `${name} frame ${frameLength} size ${size} +${extra.length}`);
          }
        }
      }
    }
  }
});

test("no bytes after the message are passed on; a truncated message or non-message is left to the SDK", async () => {
  const { result } = await require.encrypt(keyring, Buffer.from("hello"), { suiteId: AlgorithmSuiteIdentifier.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY });
  const message = Buffer.from(result);
  const passed: Buffer[] = [];
  await assert.rejects(
    pipeline(
      Readable.from([message.subarray(0, 10), Buffer.concat([message.subarray(10), Buffer.from("tail")])]),
      messageEndGuard(),
      new Writable({
        write(c: Buffer, _e, done) {
          passed.push(c);
          done();
        },
      }),
    ),
    (e: unknown) => e instanceof TrailingDataError && e.message === "The input continues after the end of the encrypted message",
  );
  assert.deepEqual(Buffer.concat(passed), message.subarray(0, 10), "the chunk holding the end and the extra bytes is not passed on");
  assert.deepEqual(await guarded(message.subarray(0, message.length - 1), 5), message.subarray(0, message.length - 1));
  const notAMessage = Buffer.from("plain text, not an encrypted message\n".repeat(100));
  assert.deepEqual(await guarded(notAMessage, 64), notAMessage);
});

test("a non-framed message (content type 1, which the JavaScript SDK decrypts but no longer writes) ends where its body says", async () => {
  // A v1 message with no encryption context and one raw AES data key has a 143-byte header: the
  // content type at 105, then the final frame (the body is smaller than the frame length).
  const content = randomBytes(300);
  const { result } = await forbid.encrypt(keyring, content, { suiteId: AlgorithmSuiteIdentifier.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA256 });
  const framed = Buffer.from(result);
  assert.equal(framed[105], 2);
  assert.equal(framed.readUInt32BE(143), 0xffffffff);
  const header = Buffer.from(framed.subarray(0, 143));
  header[105] = 1;
  const length = Buffer.alloc(8);
  length.writeUInt32BE(content.length, 4);
  const nonFramed = Buffer.concat([header, randomBytes(12), length, randomBytes(content.length), randomBytes(16)]);
  for (const chunk of [1, 100, nonFramed.length]) assert.deepEqual(await guarded(nonFramed, chunk), nonFramed);
  await assert.rejects(guarded(Buffer.concat([nonFramed, Buffer.from([0])]), 64), TrailingDataError);
});

test("the header authentication is reported once, before the header passes on: version 1 its IV and tag, version 2 its tag (IV all zeros)", async () => {
  for (const [name, suiteId] of suites) {
    const client = name.includes("COMMIT_KEY") ? require : forbid;
    const { result } = await client.encrypt(keyring, randomBytes(10), { suiteId, encryptionContext: { tenant: "acme" } });
    const message = Buffer.from(result);
    for (const chunk of [1, message.length]) {
      const seen: HeaderAuth[] = [];
      assert.deepEqual(await guarded(message, chunk, (auth) => seen.push(auth)), message);
      assert.equal(seen.length, 1, name);
      const { iv, tag } = seen[0]!;
      assert.equal(iv.length, 12, name);
      assert.equal(tag.length, 16, name);
      // Version 1 stores the IV before the tag; version 2 stores only the tag, after its 32-byte commitment key.
      if (message[0] === 1) assert.ok(message.indexOf(Buffer.concat([iv, tag])) > 0, name);
      else {
        assert.deepEqual(iv, Buffer.alloc(12), name);
        assert.ok(message.indexOf(tag) > 32, name);
      }
    }
  }
});
