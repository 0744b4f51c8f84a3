import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { COMPLETE, ChunkedDecoder, MALFORMED, NEED_MORE, OVER_BUDGET, TOO_LARGE, TRAILER_TOO_LARGE } from "./chunked.js";

const LIMITS = { maxBodyBytes: 64, maxHeaderBytes: 256, maxFields: 4 };

/** Feeds `pieces` as they would arrive, keeping unconsumed bytes like the connection does. */
function decode(pieces: string[], limits = LIMITS): { outcome: number; body?: string; rest: string } {
  const d = new ChunkedDecoder(limits);
  let buf: Buffer | undefined;
  let outcome = NEED_MORE;
  for (const p of pieces) {
    const chunk = Buffer.from(p, "latin1");
    buf = buf === undefined ? chunk : Buffer.concat([buf, chunk]);
    outcome = d.feed(buf);
    buf = d.consumed < buf.length ? buf.subarray(d.consumed) : undefined;
    if (outcome !== NEED_MORE) break;
  }
  return { outcome, ...(outcome === COMPLETE ? { body: d.body().toString("latin1") } : {}), rest: buf?.toString("latin1") ?? "" };
}

const whole = (s: string) => decode([s]);
const byteByByte = (s: string) => decode([...s]);

describe("ChunkedDecoder", () => {
  test("decodes chunks, with extensions and trailers, whole or one byte at a time", () => {
    const cases: Array<[string, string]> = [
      ["5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", "hello world"],
      ["0\r\n\r\n", ""],
      ["A\r\n0123456789\r\n0\r\n\r\n", "0123456789"],
      ["00005\r\nhello\r\n000\r\n\r\n", "hello"],
      ['5;ext\r\nhello\r\n5 ; a=b ;c="q \\" ;d"\r\nworld\r\n0;last\r\n\r\n', "helloworld"],
      ["5\r\nhello\r\n0\r\nX-Trailer: 1\r\nX-Other:\t2 \r\n\r\n", "hello"],
    ];
    for (const [wire, body] of cases) {
      assert.deepEqual(whole(wire), { outcome: COMPLETE, body, rest: "" }, wire);
      assert.deepEqual(byteByByte(wire), { outcome: COMPLETE, body, rest: "" }, wire);
    }
  });

  test("bytes after the last chunk are left for the next request", () => {
    assert.deepEqual(whole("3\r\nabc\r\n0\r\n\r\nGET / HTTP/1.1\r\n"), { outcome: COMPLETE, body: "abc", rest: "GET / HTTP/1.1\r\n" });
  });

  test("needs more until the final empty line", () => {
    for (const partial of ["5", "5\r", "5\r\nhel", "5\r\nhello", "5\r\nhello\r", "5\r\nhello\r\n0\r\n", "5\r\nhello\r\n0\r\nX: 1\r\n"]) {
      assert.equal(whole(partial).outcome, NEED_MORE, partial);
    }
  });

  test("malformed chunk sizes, extensions, data ends and trailers are refused", () => {
    for (const wire of [
      "zz\r\n",
      " 5\r\nhello\r\n",
      "5 \r\nhello\r\n",
      "-5\r\nhello\r\n",
      "+5\r\nhello\r\n",
      "0x5\r\nhello\r\n",
      "\r\n",
      "12345678901234567\r\n",
      "5\nhello\r\n",
      "5\r\nhelloXY",
      "5\r\nhello\n0\r\n\r\n",
      "5;\r\nhello\r\n",
      "5;=x\r\nhello\r\n",
      '5;a="open\r\nhello\r\n',
      "5;a=b c\r\nhello\r\n",
      "5;a\u0001\r\nhello\r\n",
      "0\r\n X-Folded: 1\r\n\r\n",
      "0\r\nNoColon\r\n\r\n",
      "0\r\nX-A: a\u0000b\r\n\r\n",
      "0\r\nX-A: 1\n\r\n",
      "0\r\n\n",
    ]) {
      assert.equal(whole(wire).outcome, MALFORMED, JSON.stringify(wire));
      assert.equal(byteByByte(wire).outcome, MALFORMED, JSON.stringify(wire));
    }
  });

  test("a chunk-size line is refused as soon as it cannot begin a valid one, before its end", () => {
    for (const partial of ["z", "zz", " 5", "5\u0001", "5;a\u0000", "5\r\nhello\r\n;", "5\rx"]) {
      assert.equal(whole(partial).outcome, MALFORMED, JSON.stringify(partial));
    }
    for (const partial of ["", "f", "5;a=\"b\t", "5 ;a", "5\r\nhello\r\nA", "A\r"]) {
      assert.equal(whole(partial).outcome, NEED_MORE, JSON.stringify(partial));
    }
  });

  test("a chunk-size line that never ends is refused once it is longer than any valid one", () => {
    assert.equal(whole("5;" + "a".repeat(5000)).outcome, MALFORMED);
  });

  test("chunk extensions are bounded in total", () => {
    const ext = ";" + "e".repeat(3000);
    const wire = Array.from({ length: 6 }, () => `1${ext}\r\nx\r\n`).join("") + "0\r\n\r\n";
    assert.equal(decode([wire], { ...LIMITS, maxBodyBytes: 1000 }).outcome, MALFORMED);
  });

  test("a body over the limit stops decoding at the chunk that crosses it", () => {
    assert.equal(whole("40\r\n" + "x".repeat(64) + "\r\n0\r\n\r\n").outcome, COMPLETE);
    assert.equal(whole("41\r\n").outcome, TOO_LARGE);
    assert.equal(whole("20\r\n" + "x".repeat(32) + "\r\n21\r\n").outcome, TOO_LARGE);
    assert.equal(whole("FFFFFFFFFFFFFFFF\r\n").outcome, TOO_LARGE);
  });

  test("trailers are bounded like header fields", () => {
    assert.equal(whole("0\r\n" + "X: 1\r\n".repeat(5) + "\r\n").outcome, TRAILER_TOO_LARGE);
    assert.equal(whole("0\r\nX: " + "v".repeat(300) + "\r\n\r\n").outcome, TRAILER_TOO_LARGE);
    assert.equal(whole("0\r\nX: " + "v".repeat(300)).outcome, TRAILER_TOO_LARGE);
  });

  test("a body of one-byte chunks, and of chunks of mixed sizes, is decoded exactly", () => {
    const limits = { ...LIMITS, maxBodyBytes: 1 << 20 };
    const data = Array.from({ length: 100_000 }, (_, i) => String.fromCharCode(97 + (i % 26))).join("");
    const oneByte = [...data].map((c) => `1\r\n${c}\r\n`).join("") + "0\r\n\r\n";
    assert.deepEqual(decode([oneByte], limits), { outcome: COMPLETE, body: data, rest: "" });
    let mixed = "";
    for (let i = 0, n = 1; i < data.length; i += n, n = (n * 7) % 3001) mixed += `${Math.min(n, data.length - i).toString(16)}\r\n${data.slice(i, i + n)}\r\n`;
    mixed += "0\r\n\r\n";
    assert.deepEqual(decode([mixed], limits), { outcome: COMPLETE, body: data, rest: "" });
    assert.deepEqual(decode(mixed.match(/[\s\S]{1,1000}/g) as string[], limits), { outcome: COMPLETE, body: data, rest: "" });
  });

  test("data is reserved before it is kept, as it arrives: a refused reservation stops the body (OVER_BUDGET)", () => {
    const asked: number[] = [];
    let room = 10;
    const d = new ChunkedDecoder(LIMITS, (n) => {
      asked.push(n);
      if (n > room) return false;
      room -= n;
      return true;
    });
    assert.equal(d.feed(Buffer.from("4\r\nab")), NEED_MORE);
    assert.equal(d.consumed, 5);
    assert.equal(d.feed(Buffer.from("cd\r\n8\r\nefgh")), NEED_MORE);
    assert.equal(d.feed(Buffer.from("ijkl\r\n")), OVER_BUDGET);
    // Asked for each piece as it arrived; the piece that did not fit was not kept.
    assert.deepEqual(asked, [2, 2, 4, 4]);
    assert.equal(room, 2);
  });

  test("reset() starts a new body", () => {
    const d = new ChunkedDecoder(LIMITS);
    assert.equal(d.feed(Buffer.from("2\r\nab\r\n0\r\n\r\n")), COMPLETE);
    assert.equal(d.body().toString(), "ab");
    d.reset();
    assert.equal(d.feed(Buffer.from("1\r\nc\r\n0\r\n\r\n")), COMPLETE);
    assert.equal(d.body().toString(), "c");
  });
});
