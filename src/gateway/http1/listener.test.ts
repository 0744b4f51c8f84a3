/**
 * The HTTP/1.1 listener over real sockets: exact bytes in, exact status and close behaviour out,
 * including the request-smuggling classics.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import net, { type AddressInfo } from "node:net";
import { ManualClock, systemClock } from "../../core/clock.js";
import { createTestSealer } from "../../services/sts/testing/fake-sealer.js";
import { issueServerCertificate } from "../tls-ca.js";
import type { ApiRequest, ApiResponder, Listener } from "../api.js";
import { startHttp1Listener } from "./listener.js";
import { startNodeListener } from "../node-listener.js";
import { exchange, sleep, type Exchange } from "./testing/raw-client.js";

const MAX_BODY = 1024;

/** Answers with what it received, as JSON ("/slow" after 30 ms, "/slow-…" on a later turn of the event loop); an oversize body gets 413. */
function echo(req: ApiRequest, res: ApiResponder): void {
  const answer = (): void => {
    if (req.body === undefined) {
      res.send(413, { "content-type": "text/plain" }, "too large");
      return;
    }
    res.send(200, { "content-type": "application/json" }, JSON.stringify({ method: req.method, url: req.url, headers: { ...req.headers }, rawHeaders: req.rawHeaders, body: req.body.toString("latin1") }));
  };
  if (req.url === "/slow") setTimeout(answer, 30);
  else if (req.url.startsWith("/slow-")) setImmediate(answer);
  else answer();
}

interface Echoed {
  method: string;
  url: string;
  headers: Record<string, string | string[]>;
  rawHeaders: string[];
  body: string;
}

/** The i-th answer of the echo handler (its body is UTF-8 JSON; the raw client reads bytes as latin1). */
const echoed = (x: Exchange, i = 0): Echoed => JSON.parse(Buffer.from(x.responses[i]?.body ?? "null", "latin1").toString("utf8")) as Echoed;

let server: Listener;
before(async () => {
  server = await startHttp1Listener({ host: "127.0.0.1", port: 0, maxBodyBytes: MAX_BODY, onRequest: echo });
});
after(async () => {
  const closed = server.stopAccepting();
  server.destroyAll();
  await closed;
});

const send = (pieces: Array<string | Buffer>, opts?: Parameters<typeof exchange>[2]) => exchange(server.port, pieces, opts);
const GET = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";

/** One request that the server must refuse with `status` and a closed connection. */
async function assertRefused(raw: string, status: number): Promise<void> {
  const x = await send([raw]);
  assert.equal(x.responses.length, 1, `${JSON.stringify(raw)} → ${JSON.stringify(x.text)}`);
  assert.equal(x.responses[0]?.status, status, JSON.stringify(raw));
  assert.equal(x.responses[0]?.headers["connection"], "close", JSON.stringify(raw));
  assert.ok(x.closed, `connection left open after ${JSON.stringify(raw)}`);
}

describe("http1 listener: valid requests", () => {
  test("a GET is answered and the connection kept open, with content-length and a keep-alive hint", async () => {
    const x = await send([GET]);
    assert.equal(x.closed, false);
    const r = x.responses[0]!;
    assert.equal(r.status, 200);
    assert.equal(r.headers["content-length"], String(Buffer.byteLength(r.body)));
    assert.equal(r.headers["keep-alive"], "timeout=65");
    assert.equal(r.headers["connection"], undefined);
    assert.deepEqual(echoed(x).rawHeaders, ["Host", "a"]);
  });

  test("Content-Length and chunked bodies reach the handler exactly", async () => {
    const cl = await send(["POST /p?q=1 HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\nhello world"]);
    assert.deepEqual([echoed(cl).method, echoed(cl).url, echoed(cl).body], ["POST", "/p?q=1", "hello world"]);
    const ch = await send(["POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5;x=y\r\nhello\r\n6\r\n world\r\n0\r\nX-T: 1\r\n\r\n"]);
    assert.equal(echoed(ch).body, "hello world");
    assert.equal(ch.closed, false);
    const dup = await send(["POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nok"]);
    assert.equal(echoed(dup).body, "ok");
    // OWS around the value is not part of it.
    const tab = await send(["POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:\tchunked \r\n\r\n2\r\nok\r\n0\r\n\r\n"]);
    assert.equal(echoed(tab).body, "ok");
  });

  test("HTTP/1.2 to 1.9 are served as HTTP/1.1: answered in 1.1, the connection kept open", async () => {
    for (const v of ["1.2", "1.9"]) {
      const x = await send([`POST /v HTTP/${v}\r\nHost: a\r\nContent-Length: 2\r\n\r\nok` + GET]);
      assert.deepEqual(
        x.responses.map((r) => r.status),
        [200, 200],
        v,
      );
      assert.ok(x.text.startsWith("HTTP/1.1 200 "), v);
      assert.equal(echoed(x).body, "ok");
      assert.equal(x.responses[0]?.headers["connection"], undefined, v);
      assert.equal(x.closed, false, v);
    }
  });

  test("a request split into one-byte packets", async () => {
    const raw = "POST /split HTTP/1.1\r\nHost: a\r\nX-A: 1\r\nContent-Length: 5\r\n\r\nhello";
    const x = await send([...raw], { gapMs: 1 });
    assert.equal(echoed(x).body, "hello");
    assert.equal(echoed(x).url, "/split");
    const chunked = "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n";
    assert.equal(echoed(await send([...chunked], { gapMs: 1 })).body, "abc");
  });

  test("two pipelined requests in one packet are answered in order, even when the first is slower", async () => {
    // Waits up to 1 s for the first answer (the 30 ms handler can be late on a loaded machine).
    const x = await send(["GET /slow HTTP/1.1\r\nHost: a\r\n\r\nPOST /second HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabcGET /third HTTP/1.1\r\nHost: a\r\n\r\n"], { quietMs: 1000 });
    assert.deepEqual(
      x.responses.map((r) => (JSON.parse(r.body) as Echoed).url),
      ["/slow", "/second", "/third"],
    );
    assert.equal(echoed(x, 1).body, "abc");
    assert.equal(x.closed, false);
  });

  test("a long pipeline (more than the buffer held while a request is handled) is answered in full, in order", async () => {
    const n = 3000;
    const raw = Array.from({ length: n }, (_, i) => `GET /slow-${i} HTTP/1.1\r\nHost: a\r\n\r\n`).join("");
    assert.ok(raw.length > 64 * 1024);
    const x = await send([raw.slice(0, 70_000), raw.slice(70_000)], { gapMs: 5, quietMs: 500 });
    assert.equal(x.responses.length, n);
    x.responses.forEach((r, i) => assert.equal((JSON.parse(r.body) as Echoed).url, `/slow-${i}`));
  });

  test("a bad request pipelined behind a good one: the good one is answered, then 400 and close", async () => {
    const x = await send([GET + "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n"]);
    assert.deepEqual(
      x.responses.map((r) => r.status),
      [200, 400],
    );
    assert.ok(x.closed);
  });

  test("empty lines before a request line are ignored", async () => {
    const x = await send(["\r\n\r\n" + GET, "\r\n", "\r\n" + GET]);
    assert.deepEqual(
      x.responses.map((r) => r.status),
      [200, 200],
    );
  });

  test("HEAD: the head of the answer, without its body", async () => {
    const x = await send(["HEAD /h HTTP/1.1\r\nHost: a\r\n\r\n" + GET], { headless: [0] });
    assert.equal(x.responses[0]?.status, 200);
    assert.ok(Number(x.responses[0]?.headers["content-length"]) > 0);
    assert.equal(x.responses[0]?.body, "");
    // The next response follows directly: no body bytes were sent for HEAD.
    assert.equal(echoed(x, 1).url, "/");
  });

  test("Connection: close, and HTTP/1.0 with and without keep-alive", async () => {
    const close = await send(["GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n" + GET]);
    assert.equal(close.responses.length, 1);
    assert.equal(close.responses[0]?.headers["connection"], "close");
    assert.ok(close.closed);
    const old = await send(["GET / HTTP/1.0\r\n\r\n"]);
    assert.equal(old.responses[0]?.status, 200);
    assert.equal(old.responses[0]?.headers["connection"], "close");
    assert.ok(old.closed);
    const oldKeepAlive = await send(["GET /1 HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /2 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"]);
    assert.deepEqual(
      oldKeepAlive.responses.map((r) => r.headers["connection"]),
      ["keep-alive", "keep-alive"],
    );
    assert.equal(oldKeepAlive.closed, false);
  });

  test("Expect: 100-continue: 100 Continue, then the body, then the answer", async () => {
    const x = await send(["POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n", "hello"], { gapMs: 50 });
    assert.deepEqual(
      x.responses.map((r) => r.status),
      [100, 200],
    );
    assert.ok(x.text.startsWith("HTTP/1.1 100 Continue\r\n\r\n"));
    assert.equal(echoed(x, 1).body, "hello");
    const chunked = await send(["POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nTransfer-Encoding: chunked\r\n\r\n", "2\r\nok\r\n0\r\n\r\n"], { gapMs: 50 });
    assert.deepEqual(
      chunked.responses.map((r) => r.status),
      [100, 200],
    );
    // Body sent along with the head: no 100 needed.
    const eager = await send(["POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nok"]);
    assert.deepEqual(
      eager.responses.map((r) => r.status),
      [200],
    );
    // Too large: answered at once, without 100, and closed.
    const big = await send([`POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: ${MAX_BODY + 1}\r\n\r\n`]);
    assert.deepEqual(
      big.responses.map((r) => r.status),
      [413],
    );
    assert.equal(big.responses[0]?.headers["connection"], "close");
    assert.ok(big.closed);
  });

  test("a body over the limit is not read: the handler gets none and the connection closes after the answer", async () => {
    const declared = await send([`POST / HTTP/1.1\r\nHost: a\r\nContent-Length: ${MAX_BODY + 1}\r\n\r\n` + "x".repeat(100)]);
    assert.equal(declared.responses[0]?.status, 413);
    assert.equal(declared.responses[0]?.headers["connection"], "close");
    assert.ok(declared.closed);
    const streamed = await send(["POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n", `200\r\n${"x".repeat(512)}\r\n`, `201\r\n${"x".repeat(513)}\r\n`, GET], { gapMs: 10 });
    assert.deepEqual(
      streamed.responses.map((r) => r.status),
      [413],
    );
    assert.ok(streamed.closed);
    const atLimit = await send([`POST / HTTP/1.1\r\nHost: a\r\nContent-Length: ${MAX_BODY}\r\n\r\n` + "y".repeat(MAX_BODY)]);
    assert.equal(echoed(atLimit).body.length, MAX_BODY);
  });

  test("a Content-Length of 16 digits or more is a length over the limit (413), not a malformed one", async () => {
    for (const cl of ["1234567890123456", "18446744073709551616", "9".repeat(40)]) {
      const x = await send([`POST / HTTP/1.1\r\nHost: a\r\nContent-Length: ${cl}\r\n\r\n` + "x".repeat(100)]);
      assert.deepEqual(
        x.responses.map((r) => r.status),
        [413],
        cl,
      );
      assert.equal(x.responses[0]?.headers["connection"], "close", cl);
      assert.ok(x.closed, cl);
    }
    // Leading zeros are no size: 17 digits of 2.
    const small = await send([`POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 00000000000000002\r\n\r\nok`]);
    assert.equal(echoed(small).body, "ok");
  });

  test("a client that half-closes after its requests gets every answer, then the close", async () => {
    const x = await send(["GET /slow HTTP/1.1\r\nHost: a\r\n\r\n" + GET], { end: true });
    assert.deepEqual(
      x.responses.map((r) => r.status),
      [200, 200],
    );
    assert.ok(x.closed);
  });

  test("obs-text in values is kept (latin1), and the merge matches node's", async () => {
    const x = await send(["GET / HTTP/1.1\r\nHost: a\r\nX-Name: caf\u00e9\r\nX-A: 1\r\nx-a: 2\r\nUser-Agent: u1\r\nUser-Agent: u2\r\nCookie: c=1\r\nCookie: d=2\r\n\r\n"]);
    const e = echoed(x);
    assert.equal(e.headers["x-name"], "caf\u00e9");
    assert.equal(e.headers["x-a"], "1, 2");
    assert.equal(e.headers["user-agent"], "u1");
    assert.equal(e.headers["cookie"], "c=1; d=2");
  });
});

describe("http1 listener: refused requests (400 unless noted, then close)", () => {
  const cases: Array<[string, string, number]> = [
    // Request smuggling: framing that two parsers could read differently.
    ["CL + TE", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400],
    ["TE + CL", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n0\r\n\r\n", 400],
    ["TE chunked, identity", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, identity\r\n\r\n", 400],
    ["TE identity", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: identity\r\n\r\n", 400],
    ["TE xchunked", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: xchunked\r\n\r\n", 400],
    ["TE chunked twice", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", 400],
    ["TE with space before the colon", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding : chunked\r\n\r\n", 400],
    ["TE with a vertical tab", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:\u000bchunked\r\n\r\n", 400],
    ["TE folded", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:\r\n chunked\r\n\r\n", 400],
    ["TE as a folded line", "POST / HTTP/1.1\r\nHost: a\r\n Transfer-Encoding: chunked\r\n\r\n", 400],
    ["TE quoted", 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: "chunked"\r\n\r\n', 400],
    ["TE gzip, chunked (501)", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501],
    ["TE in HTTP/1.0", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400],
    ["two different CLs", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab", 400],
    ["negative CL", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n", 400],
    ["hex CL", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0x5\r\n\r\nhello", 400],
    ["plus-sign CL", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +5\r\n\r\nhello", 400],
    ["CL list that disagrees", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 6\r\n\r\nhello", 400],
    // Field syntax.
    ["obs-fold", "GET / HTTP/1.1\r\nHost: a\r\nX-A: 1\r\n\t2\r\n\r\n", 400],
    ["NUL in a value", "GET / HTTP/1.1\r\nHost: a\r\nX-A: a\u0000b\r\n\r\n", 400],
    ["CTL in a value", "GET / HTTP/1.1\r\nHost: a\r\nX-A: a\u001bb\r\n\r\n", 400],
    ["DEL in a value", "GET / HTTP/1.1\r\nHost: a\r\nX-A: a\u007fb\r\n\r\n", 400],
    ["bare CR in a value", "GET / HTTP/1.1\r\nHost: a\r\nX-A: a\rb\r\n\r\n", 400],
    ["bare LF line ends", "GET / HTTP/1.1\nHost: a\n\n", 400],
    ["bare LF ending the head", "GET / HTTP/1.1\r\nHost: a\r\n\n", 400],
    ["one bare LF among CRLFs", "GET / HTTP/1.1\r\nHost: a\nX-A: 1\r\n\r\n", 400],
    ["space before a colon", "GET / HTTP/1.1\r\nHost : a\r\n\r\n", 400],
    ["empty field name", "GET / HTTP/1.1\r\nHost: a\r\n: x\r\n\r\n", 400],
    ["field without a colon", "GET / HTTP/1.1\r\nHost: a\r\nX-A\r\n\r\n", 400],
    ["no Host in HTTP/1.1", "GET / HTTP/1.1\r\nX-A: 1\r\n\r\n", 400],
    ["two Hosts", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400],
    ["invalid Host", "GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", 400],
    ["absolute-form naming another host", "GET http://b/ HTTP/1.1\r\nHost: a\r\n\r\n", 400],
    // Request line.
    ["double space", "GET  / HTTP/1.1\r\nHost: a\r\n\r\n", 400],
    ["lower-case version", "GET / http/1.1\r\nHost: a\r\n\r\n", 400],
    ["HTTP/2.0 (505)", "GET / HTTP/2.0\r\nHost: a\r\n\r\n", 505],
    ["HTTP/3.0 (505)", "GET / HTTP/3.0\r\nHost: a\r\n\r\n", 505],
    ["HTTP/0.9 named (505)", "GET / HTTP/0.9\r\nHost: a\r\n\r\n", 505],
    ["two-digit minor version", "GET / HTTP/1.10\r\nHost: a\r\n\r\n", 400],
    ["invalid method", "G@T / HTTP/1.1\r\nHost: a\r\n\r\n", 400],
    ["fragment in the target", "GET /#x HTTP/1.1\r\nHost: a\r\n\r\n", 400],
    ["non-ASCII target", "GET /\u00e9 HTTP/1.1\r\nHost: a\r\n\r\n", 400],
    ["CONNECT (501)", "CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\n\r\n", 501],
    ["an unsupported expectation (417)", "POST / HTTP/1.1\r\nHost: a\r\nExpect: 200-ok\r\nContent-Length: 1\r\n\r\nx", 417],
    // Chunked framing.
    ["invalid chunk size", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400],
    ["negative chunk size", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n-1\r\nx\r\n0\r\n\r\n", 400],
    ["0x chunk size", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0x1\r\nx\r\n0\r\n\r\n", 400],
    ["chunk size with a space", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n1 \r\nx\r\n0\r\n\r\n", 400],
    ["oversized chunk size", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n00000000000000001\r\nx\r\n0\r\n\r\n", 400],
    ["chunk data longer than its size", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nxx\r\n0\r\n\r\n", 400],
    ["bare LF after a chunk size", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n1\nx\r\n0\r\n\r\n", 400],
    ["malformed chunk extension", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n1;=\r\nx\r\n0\r\n\r\n", 400],
    ["folded trailer", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX: 1\r\n 2\r\n\r\n", 400],
  ];
  for (const [name, raw, status] of cases) {
    test(name, () => assertRefused(raw, status));
  }

  test("a refusal carries the service clock's Date (RFC 9110 §6.6.1: every 4xx from a server with a clock)", async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 2, 3, 4, 5, 600));
    const l = await startHttp1Listener({ host: "127.0.0.1", port: 0, maxBodyBytes: MAX_BODY, onRequest: echo, clock });
    try {
      for (const [raw, status] of [
        ["GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400],
        [`GET / HTTP/1.1\r\nHost: a\r\n${"X-A: 1\r\n".repeat(100)}\r\n`, 431],
        ["POST / HTTP/1.1\r\nHost: a\r\nExpect: 200-ok\r\nContent-Length: 1\r\n\r\nx", 417],
        ["GET / HTTP/2.0\r\nHost: a\r\n\r\n", 505],
      ] as const) {
        const x = await exchange(l.port, [raw]);
        assert.equal(x.responses[0]?.status, status);
        assert.equal(x.responses[0]?.headers["date"], "Fri, 02 Jan 2026 03:04:05 GMT");
        assert.equal(x.responses[0]?.headers["content-length"], "0");
        assert.ok(x.closed);
      }
    } finally {
      const closed = l.stopAccepting();
      l.destroyAll();
      await closed;
    }
  });

  test("a head over 16 KiB (431), split or whole", async () => {
    const big = `GET / HTTP/1.1\r\nHost: a\r\nX-Big: ${"b".repeat(16 * 1024)}\r\n\r\n`;
    await assertRefused(big, 431);
    const pieces = [big.slice(0, 8000), big.slice(8000)];
    const x = await send(pieces, { gapMs: 20 });
    assert.equal(x.responses[0]?.status, 431);
    assert.ok(x.closed);
  });

  test("bare-LF line ends split across packets, however the pieces fall", async () => {
    const raw = "GET / HTTP/1.1\r\nHost: a\r\nX-A: " + "v".repeat(3000) + "\n\r\n";
    for (const cut of [raw.length - 3, raw.length - 2, raw.length - 1, 1000]) {
      const x = await send([raw.slice(0, cut), raw.slice(cut)], { gapMs: 20 });
      assert.equal(x.responses[0]?.status, 400, `cut at ${cut}`);
      assert.ok(x.closed);
    }
    const lf = await send(["GET / HTTP/1.1\nHost: a\n", "\n"], { gapMs: 20 });
    assert.equal(lf.responses[0]?.status, 400);
  });

  test("a byte no head may hold is refused as it arrives, not once the head ends (a TLS ClientHello sent to a plain-HTTP port)", async () => {
    const clientHello = Buffer.concat([Buffer.from([0x16, 0x03, 0x01, 0x00, 0xa5, 0x01, 0x00, 0x00, 0xa1, 0x03, 0x03]), Buffer.alloc(32, 0x42)]);
    for (const partial of [clientHello, "GET / HTTP/1.1\r\nHost: a\r\nX-A: \u0000", "GET / HTTP/1.1\nHost: a\n", "GET / HTTP/1.1\r\nHost: a\r\rX"]) {
      // No end of head ever comes: only the head timeout (66 s) would answer without the check.
      const x = await send([partial], { quietMs: 5000 });
      assert.deepEqual(
        x.responses.map((r) => r.status),
        [400],
        JSON.stringify(partial.toString("latin1")),
      );
      assert.ok(x.closed);
    }
  });

  test("a first line that is no request line is refused when it ends, not at the head timeout (an SSH client's greeting)", async () => {
    for (const partial of ["SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n", "GET /\r\nHost: a\r\n", "GET / HTTP/1.1 x\r\n", "G(T / HTTP/1.1\r\nHost: a\r\n"]) {
      const x = await send([partial], { quietMs: 5000 });
      assert.deepEqual(
        x.responses.map((r) => r.status),
        [400],
        JSON.stringify(partial),
      );
      assert.ok(x.closed);
    }
    // A well-formed request line waits for the rest of its head, whatever the version it names.
    const split = await send(["POST /p HTTP/1.1\r\n", "Host: a\r\nContent-Length: 2\r\n\r\nhi"], { gapMs: 20 });
    assert.deepEqual(
      split.responses.map((r) => r.status),
      [200],
    );
    assert.equal(JSON.parse(split.responses[0]!.body).body, "hi");
    const v2 = await send(["GET / HTTP/2.0\r\n", "Host: a\r\n\r\n"], { gapMs: 20 });
    assert.deepEqual(
      v2.responses.map((r) => r.status),
      [505],
    );
  });

  test("a chunk-size line that cannot be valid is refused before its end (no request timeout to wait for)", async () => {
    const x = await send(["POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz"], { quietMs: 5000 });
    assert.deepEqual(
      x.responses.map((r) => r.status),
      [400],
    );
    assert.ok(x.closed);
  });

  test("more than 100 header fields (431)", async () => {
    await assertRefused(`GET / HTTP/1.1\r\nHost: a\r\n${"X-A: 1\r\n".repeat(100)}\r\n`, 431);
  });

  test("a chunked body without its last chunk, from a client that half-closes", async () => {
    const x = await send(["POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n"], { end: true });
    assert.deepEqual(
      x.responses.map((r) => r.status),
      [400],
    );
    assert.ok(x.closed);
  });

  test("a head cut short by a half-close", async () => {
    const x = await send(["GET / HTTP/1.1\r\nHost: a\r\n"], { end: true });
    assert.deepEqual(
      x.responses.map((r) => r.status),
      [400],
    );
    assert.ok(x.closed);
  });

  test("bytes after a refusal are not parsed", async () => {
    const x = await send(["GET / HTTP/1.1\r\nHost: a\r\nX: a\u0000\r\n\r\n" + GET]);
    assert.deepEqual(
      x.responses.map((r) => r.status),
      [400],
    );
  });
});

describe("http1 listener: timeouts", () => {
  let quick: Listener;
  before(async () => {
    quick = await startHttp1Listener({
      host: "127.0.0.1",
      port: 0,
      maxBodyBytes: MAX_BODY,
      onRequest: echo,
      limits: { keepAliveTimeoutMs: 150, headersTimeoutMs: 150, requestTimeoutMs: 300, lingerMs: 200 },
      sweepIntervalMs: 20,
    });
  });
  after(async () => {
    const closed = quick.stopAccepting();
    quick.destroyAll();
    await closed;
  });

  test("an idle keep-alive connection is closed without a response", async () => {
    const x = await exchange(quick.port, [GET], { quietMs: 1000 });
    assert.equal(x.responses.length, 1);
    assert.ok(x.closed);
  });

  test("a head that does not complete: 408", async () => {
    const x = await exchange(quick.port, ["GET / HTTP/1.1\r\nHost: a\r\n"], { quietMs: 1000 });
    assert.deepEqual(
      x.responses.map((r) => r.status),
      [408],
    );
    assert.ok(x.closed);
  });

  test("a body that does not complete: 408 (the whole request's timeout, not the head's)", async () => {
    const started = Date.now();
    const x = await exchange(quick.port, ["POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nabc"], { quietMs: 1000 });
    assert.deepEqual(
      x.responses.map((r) => r.status),
      [408],
    );
    assert.ok(Date.now() - started >= 280, `timed out after ${Date.now() - started} ms`);
  });

  test("a connection whose peer never closes after the answer is dropped after the linger time", async () => {
    const x = await exchange(quick.port, ["GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"], { quietMs: 1000 });
    assert.ok(x.closed);
  });
});

/**
 * A listener answering every request with 32 MiB: more than the loopback socket buffers of both
 * ends together, so a response leaves only as fast as the client reads it.
 */
async function withBigResponse(limits: Parameters<typeof startHttp1Listener>[0]["limits"], fn: (port: number, big: Buffer) => Promise<void>): Promise<void> {
  const big = Buffer.alloc(32 * 1024 * 1024, 0x61);
  const l = await startHttp1Listener({ host: "127.0.0.1", port: 0, maxBodyBytes: MAX_BODY, onRequest: (_req, res) => res.send(200, {}, big), limits, sweepIntervalMs: 20 });
  try {
    await fn(l.port, big);
  } finally {
    const closed = l.stopAccepting();
    l.destroyAll();
    await closed;
  }
}

describe("http1 listener: a client that does not read", () => {
  test("is dropped once a response has waited longer than the send timeout; a reading client is not", async () => {
    // The whole response must leave within the send timeout: room for a loaded machine.
    await withBigResponse({ sendTimeoutMs: 1500, keepAliveTimeoutMs: 10_000 }, async (port, big) => {
      const stalled = net.connect(port, "127.0.0.1");
      stalled.pause();
      let stalledReceived = 0;
      const stalledClosed = new Promise<void>((resolve) => stalled.once("close", () => resolve()));
      stalled.on("error", () => undefined);
      stalled.on("data", (d: Buffer) => (stalledReceived += d.length));
      stalled.write(GET);
      // Long past the send timeout (and the sweep after it), the client reads again: the
      // connection was reset meanwhile, so it ends before the whole response.
      await sleep(3000);
      stalled.resume();
      await Promise.race([stalledClosed, sleep(5000)]);
      assert.equal(stalled.destroyed, true);
      assert.ok(stalledReceived < big.length, `received ${stalledReceived} of ${big.length} bytes`);

      // A client that reads the whole response keeps its connection (keep-alive 10 s here).
      const reader = net.connect(port, "127.0.0.1");
      let received = 0;
      let readerClosed = false;
      reader.on("data", (d: Buffer) => (received += d.length));
      reader.on("close", () => (readerClosed = true));
      reader.write(GET);
      // Until the whole response came, or the connection ended short of it (a failure, not a hang).
      while (received < big.length && !readerClosed) await sleep(20);
      assert.ok(received >= big.length, `received ${received} bytes, the body alone is ${big.length}`);
      await sleep(500);
      assert.equal(readerClosed, false);
      reader.destroy();
    });
  });
});

describe("http1 listener: a closing connection", () => {
  test("a large last response reaches a client that reads slowly, however long past the linger time it takes", async () => {
    await withBigResponse({ lingerMs: 50, sendTimeoutMs: 60_000 }, async (port, big) => {
      const client = net.connect(port, "127.0.0.1");
      let received = 0;
      let closed = false;
      client.on("data", (d: Buffer) => {
        received += d.length;
        // A slow reader: a pause after every read.
        client.pause();
        setTimeout(() => client.resume(), 5);
      });
      client.on("close", () => (closed = true));
      client.on("error", () => undefined);
      client.write("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
      // A bound for a server that never closes (a failure, not a speed check).
      const deadline = Date.now() + 60_000;
      while (!closed && Date.now() < deadline) await sleep(20);
      assert.ok(closed, "the connection was never closed");
      assert.ok(received > big.length, `received ${received} bytes, the body alone is ${big.length}`);
    });
  });
});

describe("http1 listener: draining", () => {
  test("responses while draining carry connection: close; idle connections are closed", async () => {
    const l = await startHttp1Listener({ host: "127.0.0.1", port: 0, maxBodyBytes: MAX_BODY, onRequest: echo });
    try {
      const idle = exchange(l.port, [GET], { quietMs: 400 });
      await sleep(100);
      l.drain();
      const during = await exchange(l.port, [GET + GET]);
      assert.equal(during.responses.length, 1);
      assert.equal(during.responses[0]?.headers["connection"], "close");
      assert.ok(during.closed);
      l.closeIdle();
      assert.ok((await idle).closed);
      assert.equal(l.receiving(), 0);
    } finally {
      const closed = l.stopAccepting();
      l.destroyAll();
      await closed;
    }
  });
});

describe("http1 listener: responses", () => {
  test("framing fields from the handler are replaced, invalid fields refused before anything is written", async () => {
    const l = await startHttp1Listener({
      host: "127.0.0.1",
      port: 0,
      maxBodyBytes: MAX_BODY,
      onRequest: (req, res) => {
        if (req.url === "/inject") {
          assert.throws(() => res.send(200, { "x-a": "1\r\nSet-Cookie: evil" }, "x"), TypeError);
          assert.throws(() => res.send(200, { "x a": "1" }, "x"), TypeError);
          assert.equal(res.sent, false);
        }
        if (req.url === "/204") return res.send(204, {}, undefined);
        res.send(200, { "Content-Length": "999", "transfer-encoding": "chunked", Connection: "keep-alive", "X-Amzn-RequestId": "r" }, "body");
      },
    });
    try {
      const x = await exchange(l.port, ["GET /inject HTTP/1.1\r\nHost: a\r\n\r\nGET /204 HTTP/1.1\r\nHost: a\r\n\r\n"]);
      assert.equal(x.responses[0]?.body, "body");
      assert.equal(x.responses[0]?.headers["content-length"], "4");
      assert.equal(x.responses[0]?.headers["transfer-encoding"], undefined);
      assert.equal(x.responses[0]?.headers["x-amzn-requestid"], "r");
      assert.ok(x.text.includes("\r\nX-Amzn-RequestId: r\r\n"));
      assert.equal(x.responses[1]?.status, 204);
      assert.equal(x.responses[1]?.headers["content-length"], undefined);
    } finally {
      const closed = l.stopAccepting();
      l.destroyAll();
      await closed;
    }
  });

  test("a large body is written in full", async () => {
    const big = Buffer.alloc(300_000, 0x61);
    const l = await startHttp1Listener({ host: "127.0.0.1", port: 0, maxBodyBytes: MAX_BODY, onRequest: (_req, res) => res.send(200, {}, big) });
    try {
      const x = await exchange(l.port, [GET + GET]);
      assert.deepEqual(
        x.responses.map((r) => r.body.length),
        [300_000, 300_000],
      );
    } finally {
      const closed = l.stopAccepting();
      l.destroyAll();
      await closed;
    }
  });
});

describe("http1 listener: TLS", () => {
  test("TLS 1.2+ with ALPN http/1.1 serves the same way", async () => {
    const meta = new Map<string, string>();
    const store = { getMeta: async (k: string) => meta.get(k), setMeta: async (k: string, v: string) => void meta.set(k, v) };
    const cert = await issueServerCertificate(store, createTestSealer(), systemClock, ["localhost"]);
    const l = await startHttp1Listener({ host: "127.0.0.1", port: 0, maxBodyBytes: MAX_BODY, onRequest: echo, tls: { certPem: cert.certPem, keyPem: cert.keyPem } });
    try {
      assert.match(l.url, /^https:\/\/127\.0\.0\.1:\d+$/);
      const x = await exchange(l.port, ["POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 2\r\n\r\nok", GET], { tls: { ca: cert.caCertPem }, gapMs: 10 });
      assert.deepEqual(
        x.responses.map((r) => r.status),
        [200, 200],
      );
      assert.equal(echoed(x).body, "ok");
      // A client that offers only http/1.0 in ALPN (curl --http1.0) is served, not refused in the handshake.
      const old = await exchange(l.port, ["POST / HTTP/1.0\r\nContent-Length: 2\r\n\r\nok"], { tls: { ca: cert.caCertPem, alpn: ["http/1.0"] } });
      assert.equal(old.responses[0]?.status, 200);
      assert.equal(echoed(old).body, "ok");
      const bad = await exchange(l.port, ["GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n"], { tls: { ca: cert.caCertPem } });
      assert.equal(bad.responses[0]?.status, 400);
      assert.ok(bad.closed);
    } finally {
      const closed = l.stopAccepting();
      l.destroyAll();
      await closed;
    }
  });
});

describe("http1 listener: a TLS handshake that does not finish", () => {
  /** Connects over TCP, sends `bytes` (nothing, or the start of a ClientHello), waits; ms until the server closed, or undefined. */
  function closedAfter(port: number, bytes: Buffer, waitMs: number): Promise<number | undefined> {
    return new Promise((resolve) => {
      const started = Date.now();
      const c = net.connect(port, "127.0.0.1", () => {
        if (bytes.length > 0) c.write(bytes);
      });
      const timer = setTimeout(() => {
        c.destroy();
        resolve(undefined);
      }, waitMs);
      c.on("error", () => undefined);
      c.on("close", () => {
        clearTimeout(timer);
        resolve(Date.now() - started);
      });
    });
  }

  for (const [what, bytes] of [
    ["a client that sends nothing", Buffer.alloc(0)],
    ["a client that stops half-way through its ClientHello", Buffer.from([0x16, 0x03, 0x01, 0x00, 0x80, 0x01, 0x00, 0x00, 0x7c, 0x03, 0x03])],
  ] as const) {
    test(`${what} is disconnected at the handshake timeout`, async () => {
      const meta = new Map<string, string>();
      const store = { getMeta: async (k: string) => meta.get(k), setMeta: async (k: string, v: string) => void meta.set(k, v) };
      const cert = await issueServerCertificate(store, createTestSealer(), systemClock, ["localhost"]);
      const l = await startHttp1Listener({ host: "127.0.0.1", port: 0, maxBodyBytes: MAX_BODY, onRequest: echo, tls: { certPem: cert.certPem, keyPem: cert.keyPem }, limits: { handshakeTimeoutMs: 300 } });
      try {
        const ms = await closedAfter(l.port, bytes, 3000);
        assert.ok(ms !== undefined, "the connection was still open 3 s after connecting (handshake timeout 300 ms)");
        assert.ok(ms >= 250, `closed after ${ms} ms, before the handshake timeout`);
        // The listener goes on serving TLS clients.
        const x = await exchange(l.port, [GET], { tls: { ca: cert.caCertPem } });
        assert.equal(x.responses[0]?.status, 200);
      } finally {
        const closed = l.stopAccepting();
        l.destroyAll();
        await closed;
      }
    });
  }
});

describe("both engines: the request names the TLS session it came over (CloudTrail tlsDetails)", () => {
  for (const [name, startListener] of [["http1", startHttp1Listener], ["node", startNodeListener]] as const) {
    test(`${name}: TLS version and cipher suite over HTTPS, nothing over plain HTTP`, async () => {
      const meta = new Map<string, string>();
      const store = { getMeta: async (k: string) => meta.get(k), setMeta: async (k: string, v: string) => void meta.set(k, v) };
      const cert = await issueServerCertificate(store, createTestSealer(), systemClock, ["localhost"]);
      const seen: Array<ApiRequest["tls"] | "none"> = [];
      const onRequest = (req: ApiRequest, res: ApiResponder): void => {
        seen.push(req.tls ?? "none");
        res.send(200, { "content-type": "text/plain" }, "ok");
      };
      const secure = await startListener({ host: "127.0.0.1", port: 0, maxBodyBytes: MAX_BODY, onRequest, tls: { certPem: cert.certPem, keyPem: cert.keyPem } });
      const plain = await startListener({ host: "127.0.0.1", port: 0, maxBodyBytes: MAX_BODY, onRequest });
      try {
        const x = await exchange(secure.port, [GET, GET], { tls: { ca: cert.caCertPem }, gapMs: 10 });
        assert.deepEqual(
          x.responses.map((r) => r.status),
          [200, 200],
        );
        await exchange(plain.port, [GET]);
        assert.equal(seen.length, 3);
        for (const t of seen.slice(0, 2)) {
          assert.ok(t !== "none" && t !== undefined);
          assert.equal(t.version, "TLSv1.3");
          assert.match(t.cipher, /^TLS_(AES_128_GCM_SHA256|AES_256_GCM_SHA384|CHACHA20_POLY1305_SHA256)$/);
        }
        assert.equal(seen[2], "none");
      } finally {
        for (const l of [secure, plain]) {
          const closed = l.stopAccepting();
          l.destroyAll();
          await closed;
        }
      }
    });
  }
});

describe("http1 listener: the same headers and rawHeaders as node:http", () => {
  const heads = [
    "GET /x?y=1 HTTP/1.1\r\nHost: a\r\nX-Amz-Date: 20150830T123600Z\r\nAuthorization: AWS4-HMAC-SHA256 Credential=x\r\n\r\n",
    "GET / HTTP/1.1\r\nHost: a\r\nX-A:  spaced value \t\r\nx-a: two\r\nX-A: \r\n\r\n",
    [
      "GET / HTTP/1.1",
      "Host: a",
      ...["Age", "Authorization", "Content-Type", "ETag", "Expires", "From", "If-Modified-Since", "If-Unmodified-Since", "Last-Modified", "Location", "Max-Forwards", "Proxy-Authorization", "Referer", "Retry-After", "Server", "User-Agent"].flatMap((n) => [`${n}: first`, `${n}: second`]),
      ...["Date", "Accept", "Vary", "Origin", "Content-Encoding", "X-Custom", "Cookie", "Set-Cookie", "Constructor", "toString", "__proto__"].flatMap((n) => [`${n}: one`, `${n}: two`]),
      "",
      "",
    ].join("\r\n"),
    "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nX-Latin: caf\u00e9 \u00ff\r\n\r\nabc",
  ];

  let nodeServer: http.Server;
  let nodePort = 0;
  const seen: Array<{ headers: Record<string, unknown>; rawHeaders: string[] }> = [];
  before(async () => {
    nodeServer = http.createServer((req, res) => {
      seen.push({ headers: { ...req.headers }, rawHeaders: req.rawHeaders });
      req.resume();
      req.on("end", () => res.end("ok"));
    });
    await new Promise<void>((r) => nodeServer.listen(0, "127.0.0.1", r));
    nodePort = (nodeServer.address() as AddressInfo).port;
  });
  after(() => new Promise<void>((r) => nodeServer.close(() => r())));

  for (const [i, raw] of heads.entries()) {
    test(`head ${i + 1}`, async () => {
      seen.length = 0;
      const fromNode = await exchange(nodePort, [raw]);
      assert.equal(fromNode.responses[0]?.status, 200, "node:http refused the head");
      const ours = echoed(await send([raw]));
      assert.deepEqual(ours.rawHeaders, seen[0]?.rawHeaders);
      assert.deepEqual(ours.headers, seen[0]?.headers);
    });
  }
});
