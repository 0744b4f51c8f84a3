import { test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { Readable, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { frameAligned } from "./frame-chunks.js";

/** Runs `chunks` through frameAligned(frameLength) and returns the chunks that came out. */
async function through(frameLength: number, chunks: Buffer[]): Promise<Buffer[]> {
  const out: Buffer[] = [];
  await pipeline(
    Readable.from(chunks),
    frameAligned(frameLength),
    new Writable({
      write(chunk: Buffer, _e, done) {
        out.push(chunk);
        done();
      },
    }),
  );
  return out;
}

test("frameAligned passes the bytes on unchanged, in chunks that never cross a frame boundary", async () => {
  const data = randomBytes(3 * 65536 + 123);
  for (const frameLength of [1, 7, 4096, 65536, 1_000_000]) {
    for (const size of [1, 1000, 4096, 65536]) {
      const chunks: Buffer[] = [];
      for (let at = 0; at < data.length; at += size) chunks.push(data.subarray(at, at + size));
      const out = await through(frameLength, chunks);
      assert.deepEqual(Buffer.concat(out), data);
      let offset = 0;
      for (const c of out) {
        assert.ok(c.length > 0 && c.length <= frameLength - (offset % frameLength), `a chunk of ${c.length} at ${offset} crosses a ${frameLength}-byte frame`);
        offset += c.length;
      }
    }
  }
});

test("frameAligned: a 64 KiB read is cut into whole 4,096-byte frames, and one starting mid-frame first finishes that frame", async () => {
  assert.deepEqual((await through(4096, [Buffer.alloc(65536)])).map((c) => c.length), Array(16).fill(4096));
  assert.deepEqual((await through(4096, [Buffer.alloc(100), Buffer.alloc(8192)])).map((c) => c.length), [100, 3996, 4096, 100]);
});
