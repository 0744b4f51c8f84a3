import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { parseClientHello, type ClientHello } from "./client-hello.js";
import { isGrease, ja3, ja3String, ja4, ja4Parts } from "./fingerprints.js";

function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
}
function vec16(b: Buffer): Buffer {
  return Buffer.concat([u16(b.length), b]);
}
function vec8(b: Buffer): Buffer {
  return Buffer.concat([Buffer.from([b.length]), b]);
}
function list16(xs: number[]): Buffer {
  return Buffer.concat(xs.map(u16));
}

/** A ClientHello record split into `records` TLS records. */
function helloBytes(ciphers: number[], exts: Array<[number, Buffer]>, records = 1): Buffer {
  const body = Buffer.concat([
    u16(0x0303),
    Buffer.alloc(32, 1),
    vec8(Buffer.alloc(32, 2)),
    vec16(list16(ciphers)),
    vec8(Buffer.from([0])),
    vec16(Buffer.concat(exts.map(([t, d]) => Buffer.concat([u16(t), vec16(d)])))),
  ]);
  const len = Buffer.alloc(3);
  len.writeUIntBE(body.length, 0, 3);
  const msg = Buffer.concat([Buffer.from([1]), len, body]);
  const size = Math.ceil(msg.length / records);
  const out: Buffer[] = [];
  for (let off = 0; off < msg.length; off += size) {
    const frag = msg.subarray(off, off + size);
    out.push(Buffer.concat([Buffer.from([22, 3, 1]), u16(frag.length), frag]));
  }
  return Buffer.concat(out);
}

const SNI = vec16(Buffer.concat([Buffer.from([0]), vec16(Buffer.from("example.com"))]));
const ALPN = vec16(Buffer.concat([vec8(Buffer.from("h2")), vec8(Buffer.from("http/1.1"))]));
const SIGALGS = vec16(list16([0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601]));
const GROUPS = vec16(list16([0x3a3a, 0x001d, 0x0017, 0x0018]));
const VERSIONS = vec8(list16([0x2a2a, 0x0304, 0x0303]));

// A Chrome-like hello: the cipher and extension sets of the JA4 specification's example,
// in a shuffled order with GREASE values, so sorting and GREASE removal are both exercised.
const CIPHERS = [0x0a0a, 0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035];
const EXTS: Array<[number, Buffer]> = [
  [0x1a1a, Buffer.alloc(0)],
  [0x0000, SNI],
  [0x0017, Buffer.alloc(0)],
  [0xff01, Buffer.from([0])],
  [0x000a, GROUPS],
  [0x000b, vec8(Buffer.from([0]))],
  [0x0023, Buffer.alloc(0)],
  [0x0010, ALPN],
  [0x0005, Buffer.from([1, 0, 0, 0, 0])],
  [0x000d, SIGALGS],
  [0x0012, Buffer.alloc(0)],
  [0x0033, Buffer.alloc(2)],
  [0x002d, vec8(Buffer.from([1]))],
  [0x002b, VERSIONS],
  [0x001b, Buffer.from([2, 0, 2])],
  [0x4469, Buffer.alloc(0)],
  [0x0015, Buffer.alloc(4)],
];

function parse(b: Buffer): ClientHello {
  const r = parseClientHello(b);
  assert.equal(r.state, "complete");
  return (r as { hello: ClientHello }).hello;
}

test("GREASE detection", () => {
  assert.ok(isGrease(0x0a0a) && isGrease(0xfafa) && isGrease(0x3a3a));
  assert.ok(!isGrease(0x0a1a) && !isGrease(0x1301) && !isGrease(0x0000));
});

test("parses a ClientHello, also when fragmented over several records", () => {
  const one = parse(helloBytes(CIPHERS, EXTS));
  const three = parse(helloBytes(CIPHERS, EXTS, 3));
  assert.deepEqual(three, one);
  assert.equal(one.version, 0x0303);
  assert.equal(one.serverName, "example.com");
  assert.deepEqual(one.alpn, ["h2", "http/1.1"]);
  assert.deepEqual(one.groups, [0x3a3a, 0x001d, 0x0017, 0x0018]);
  assert.deepEqual(one.pointFormats, [0]);
  assert.deepEqual(one.supportedVersions, [0x2a2a, 0x0304, 0x0303]);
  assert.equal(one.extensions.length, 17);
});

test("incomplete and malformed input", () => {
  const full = helloBytes(CIPHERS, EXTS);
  assert.equal(parseClientHello(full.subarray(0, 3)).state, "need-more");
  assert.equal(parseClientHello(full.subarray(0, full.length - 10)).state, "need-more");
  assert.equal(parseClientHello(Buffer.from("GET / HTTP/1.1\r\n\r\n")).state, "invalid");
  const broken = Buffer.from(full);
  broken.writeUInt16BE(0xffff, 5 + 4 + 2 + 32 + 33); // cipher-suite length past the end
  assert.equal(parseClientHello(broken).state, "invalid");
});

test("JA4 matches the specification's worked example", () => {
  const h = parse(helloBytes(CIPHERS, EXTS));
  const [a, b, c] = ja4Parts(h);
  assert.equal(a, "t13d1516h2");
  assert.equal(b, "002f,0035,009c,009d,1301,1302,1303,c013,c014,c02b,c02c,c02f,c030,cca8,cca9");
  assert.equal(c, "0005,000a,000b,000d,0012,0015,0017,001b,0023,002b,002d,0033,4469,ff01_0403,0804,0401,0503,0805,0501,0806,0601");
  assert.equal(ja4(h), "t13d1516h2_8daaf6152771_e5627efa2ab1");
});

test("JA3 string and hash", () => {
  const h = parse(helloBytes(CIPHERS, EXTS));
  const s = ja3String(h);
  assert.equal(
    s,
    "771,4865-4866-4867-49195-49199-49196-49200-52393-52392-49171-49172-156-157-47-53,0-23-65281-10-11-35-16-5-13-18-51-45-43-27-17513-21,29-23-24,0",
  );
  assert.equal(ja3(h), createHash("md5").update(s).digest("hex"));
});

test("no SNI, no ALPN, TLS 1.2 only", () => {
  const h = parse(helloBytes([0xc02f], [[0x000d, SIGALGS]]));
  assert.equal(ja4Parts(h)[0], "t12i010100");
  assert.match(ja4(h), /^t12i010100_[0-9a-f]{12}_[0-9a-f]{12}$/);
});
