/**
 * What the parser hands out must not keep the request's memory alive: the identity directory
 * caches the access key id for many seconds (and thousands of credentials), so a view into the
 * request head would pin every cached credential's head.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { parseSigV4 } from "./sigv4.js";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

function heapAfterGc(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

test("the scope's strings do not retain the request head they were parsed from", () => {
  const kept: string[] = [];
  const before = heapAfterGc();
  for (let i = 0; i < 64; i++) {
    const id = `AKIA${String(i).padStart(16, "0")}`;
    const value = `AWS4-HMAC-SHA256 Credential=${id}/20150830/ap-southeast-1/organizations/aws4_request, SignedHeaders=host;x-amz-date, Signature=${"0".repeat(64)}`;
    // As the HTTP engine does: field values are slices of the whole head (1 MiB here).
    const head = `POST / HTTP/1.1\r\nauthorization: ${value}\r\nx-amz-date: 20150830T123600Z\r\nx-pad: ${"p".repeat(1 << 20)}\r\n\r\n`;
    const at = head.indexOf("AWS4-HMAC");
    const parsed = parseSigV4({ method: "POST", path: "/", rawQuery: "", headers: { authorization: head.slice(at, at + value.length), host: "h", "x-amz-date": "20150830T123600Z" }, body: Buffer.alloc(0) });
    assert.ok(parsed);
    assert.equal(parsed.accessKeyId, id);
    assert.equal(parsed.region, "ap-southeast-1");
    assert.equal(parsed.service, "organizations");
    kept.push(parsed.accessKeyId, parsed.region, parsed.service, parsed.scopeDate);
  }
  const grown = heapAfterGc() - before;
  // 64 heads are 64 MiB (2 bytes a character would be 128): what stays must be the strings only.
  assert.ok(grown < 8 * 1024 * 1024, `heap grew by ${grown} bytes for 64 parsed credentials`);
  assert.equal(kept.length, 256);
});
