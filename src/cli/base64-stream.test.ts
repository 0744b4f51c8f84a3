import { test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { Readable, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { base64Decoder, base64Encoder, Base64InputError } from "./base64-stream.js";

/** Runs `chunks` through `t` and returns what came out. */
async function through(t: NodeJS.ReadWriteStream, chunks: (Buffer | string)[]): Promise<Buffer> {
  const out: Buffer[] = [];
  await pipeline(
    Readable.from(chunks.map((c) => Buffer.from(c))),
    t,
    new Writable({
      write(chunk: Buffer, _e, done) {
        out.push(chunk);
        done();
      },
    }),
  );
  return Buffer.concat(out);
}

/** `data` cut at the given offsets. */
const cut = (data: Buffer, at: number[]): Buffer[] => [0, ...at].map((a, i, all) => data.subarray(a, all[i + 1] ?? data.length));

test("base64Encoder: the same text as Buffer's base64 whatever the chunking, padded, with no line breaks", async () => {
  for (const n of [0, 1, 2, 3, 4, 5, 100, 65537]) {
    const data = randomBytes(n);
    for (const at of [[], [1], [1, 2], [Math.floor(n / 2)], [n > 7 ? 7 : 0, n > 7 ? n - 1 : 0]]) {
      assert.equal((await through(base64Encoder(), cut(data, at))).toString(), data.toString("base64"), `${n} bytes cut at ${at}`);
    }
  }
});

test("base64Decoder: whatever the chunking, with line breaks and spaces anywhere; padding and the alphabet checked", async () => {
  for (const n of [0, 1, 2, 3, 4, 100, 65537]) {
    const data = randomBytes(n);
    const text = data.toString("base64").replace(/(.{76})/g, "$1\r\n") + "\n";
    for (const at of [[], [1], [2, 3], [Math.floor(text.length / 2)], [text.length > 5 ? text.length - 2 : 0]]) {
      assert.deepEqual(await through(base64Decoder(), cut(Buffer.from(text), at)), data, `${n} bytes cut at ${at}`);
    }
  }
  assert.deepEqual(await through(base64Decoder(), ["aGVs", "bG8=", "  \n"]), Buffer.from("hello"));
  assert.deepEqual(await through(base64Decoder(), ["aGVsbA", "=", "="]), Buffer.from("hell"));
  for (const bad of [["aGVsbG8"], ["aGVs!G8="], ["aGVsbG8=", "aGVs"], ["aGVsbG8A=="], ["aG=s"], ["a==="], ["aGVsbG8==="], ["YQ==YQ=="]]) {
    await assert.rejects(through(base64Decoder(), bad), (e: unknown) => e instanceof Base64InputError && /not valid base64/.test((e as Error).message), JSON.stringify(bad));
  }
});
