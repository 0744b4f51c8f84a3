import { afterEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import type { DataPlane } from "./data-plane.js";
import { FakeWebAcl, LB_ARN, newDataPlane, openHttp, proxied, startUpstream, until, type Upstream } from "./testing/fixtures.js";
import type { InspectedRequest, TrafficObserver, WafDecision } from "./types.js";
import { parseRequestHead, refusedRequestHead } from "./unforwardable.js";

let dp: DataPlane | undefined;
const ups: Upstream[] = [];
afterEach(async () => {
  await dp?.close();
  dp = undefined;
  await Promise.all(ups.splice(0).map((u) => u.close()));
});

/** Sends raw bytes on one connection and collects everything until the server closes it. */
function raw(port: number, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = net.connect(port, "127.0.0.1", () => c.write(Buffer.from(bytes, "latin1")));
    const chunks: Buffer[] = [];
    c.on("data", (d: Buffer) => chunks.push(d));
    c.on("close", () => resolve(Buffer.concat(chunks).toString("latin1")));
    c.on("error", reject);
  });
}
const statusOf = (reply: string): number => Number(/^HTTP\/1\.1 (\d{3}) /.exec(reply)?.[1] ?? 0);
const bodyOf = (reply: string): string => reply.slice(reply.indexOf("\r\n\r\n") + 4);
const headerOf = (reply: string, name: string): string | undefined => new RegExp(`\\r\\n${name}: ([^\\r]*)`, "i").exec(reply)?.[1];

describe("parseRequestHead", () => {
  test("reads the request line and headers of an HTTP/1.x head", () => {
    const b = Buffer.from("xx\r\nFOO /a?b=1 HTTP/1.1\r\nHost: h\r\nX-A:  v 1 \r\nContent-Length: 3\r\n\r\nabc", "latin1");
    const h = parseRequestHead(b, 4, 16384);
    assert.deepEqual(h, { method: "FOO", target: "/a?b=1", version: "HTTP/1.1", headers: [["Host", "h"], ["X-A", "v 1"], ["Content-Length", "3"]], end: b.length - 3 });
    assert.deepEqual((parseRequestHead(Buffer.from("|GET / HTTP/1.0\n\n"), 0, 100) as { method: string }).method, "|GET", "any token is a method; bare LF line ends");
  });

  test("tells incomplete, too large and malformed heads apart", () => {
    assert.equal(parseRequestHead(Buffer.from("FOO / HTTP/1.1\r\nHost: h\r\n"), 0, 1000), "incomplete");
    assert.equal(parseRequestHead(Buffer.from(`FOO / HTTP/1.1\r\nX: ${"a".repeat(200)}\r\n\r\n`), 0, 100), "too-large");
    assert.equal(parseRequestHead(Buffer.from(`FOO / HTTP/1.1\r\nX: ${"a".repeat(200)}`), 0, 100), "too-large");
    assert.equal(parseRequestHead(Buffer.from("FOO / HTTP/2.0\r\n\r\n"), 0, 100), "malformed");
    assert.equal(parseRequestHead(Buffer.from("FO(O / HTTP/1.1\r\n\r\n"), 0, 100), "malformed");
    assert.equal(parseRequestHead(Buffer.from("FOO /a b HTTP/1.1\r\n\r\n"), 0, 100), "malformed");
    assert.equal(parseRequestHead(Buffer.from("FOO / HTTP/1.1\r\nno colon\r\n\r\n"), 0, 100), "malformed");
    assert.equal(parseRequestHead(Buffer.from("FOO / HTTP/1.1\r\nBad Name: v\r\n\r\n"), 0, 100), "malformed");
  });
});

describe("refusedRequestHead", () => {
  const at = (b: Buffer, s: string): number => b.indexOf(s);
  test("the head of the request whose request line or header line the parser refused", () => {
    const b = Buffer.from("GET /a HTTP/1.1\r\nHost: h\r\n\r\nPOST /b HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n", "latin1");
    const head = refusedRequestHead({ rawPacket: b, bytesParsed: at(b, "Content-Length") + 5 }, 1000);
    assert.deepEqual([head?.method, head?.target, head?.headers.length], ["POST", "/b", 3]);
    assert.equal(refusedRequestHead({ rawPacket: b, bytesParsed: at(b, "POST") + 2 }, 1000)?.target, "/b");
  });

  test("none for a line after a head's blank line (a body read as the next request), or past the head limit", () => {
    const b = Buffer.from("POST /b HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: \r\n\r\n0\r\n\r\n", "latin1");
    assert.equal(refusedRequestHead({ rawPacket: b, bytesParsed: b.lastIndexOf("0\r\n") + 1 }, 1000), undefined);
    const long = Buffer.from(`POST /b HTTP/1.1\r\nX-A: ${"a".repeat(200)}\r\nX-B: 1\r\n\r\n`, "latin1");
    assert.equal(refusedRequestHead({ rawPacket: long, bytesParsed: at(long, "X-B") + 1 }, 100), undefined);
  });
});

describe("requests with methods the parser does not know", () => {
  async function setup(acl?: FakeWebAcl): Promise<{ port: number; u: Upstream; seen: Array<{ req: InspectedRequest; decision: WafDecision | undefined; status: number }> }> {
    const u = await startUpstream();
    ups.push(u);
    dp = newDataPlane();
    const port = await openHttp(dp, [{ id: "127.0.0.1", port: u.port }]);
    if (acl) dp.setWebAcl(LB_ARN, acl);
    const seen: Array<{ req: InspectedRequest; decision: WafDecision | undefined; status: number }> = [];
    const obs: TrafficObserver = { onRequest: (_lb, req, decision, status) => void seen.push({ req, decision, status }) };
    dp.addObserver(obs);
    return { port, u, seen };
  }

  test("the web ACL judges them: a block is answered with its response, otherwise 405; observers see them", async () => {
    const acl = new FakeWebAcl(8192, (r) =>
      r.method === "FOO"
        ? { action: "BLOCK", terminatingRuleId: "no-foo", response: { status: 403, headers: [["content-type", "text/plain"], ["x-reason", "foo"]], body: "no foo" } }
        : r.path.startsWith("/evil")
          ? { action: "BLOCK", terminatingRuleId: "evil" }
          : {},
    );
    const { port, u, seen } = await setup(acl);

    const foo = await raw(port, "FOO /x?a=1 HTTP/1.1\r\nHost: shop.test\r\nUser-Agent: t/1\r\nContent-Length: 5\r\n\r\nhello");
    assert.equal(statusOf(foo), 403);
    assert.equal(bodyOf(foo), "no foo");
    assert.equal(headerOf(foo, "x-reason"), "foo");
    assert.equal(headerOf(foo, "connection"), "close");
    const r = acl.seen[0]!;
    assert.deepEqual(
      { method: r.method, uri: r.uri, path: r.path, query: r.query, httpVersion: r.httpVersion, headers: r.headers, body: r.body.toString(), bodyTruncated: r.bodyTruncated, bodyLength: r.bodyLength, clientIp: r.clientIp, scheme: r.scheme },
      { method: "FOO", uri: "/x?a=1", path: "/x", query: "a=1", httpVersion: "HTTP/1.1", headers: [["Host", "shop.test"], ["User-Agent", "t/1"], ["Content-Length", "5"]], body: "hello", bodyTruncated: false, bodyLength: 5, clientIp: "127.0.0.1", scheme: "http" },
    );

    const evil = await raw(port, "TEST /evil HTTP/1.1\r\nHost: shop.test\r\n\r\n");
    assert.equal(statusOf(evil), 403);
    assert.match(bodyOf(evil), /403 Forbidden/);
    assert.equal(headerOf(evil, "server"), "awselb/2.0");

    const ping = await raw(port, "\r\nREALLYLONGUNREALMETHOD /ok HTTP/1.0\r\nHost: shop.test\r\n\r\n");
    assert.equal(statusOf(ping), 405);
    assert.match(bodyOf(ping), /405 Method Not Allowed/);
    assert.equal(headerOf(ping, "server"), "awselb/2.0");

    await until(() => seen.length === 3);
    assert.deepEqual(
      seen.map((s) => [s.req.method, s.decision?.terminatingRuleId, s.status]),
      [["FOO", "no-foo", 403], ["TEST", "evil", 403], ["REALLYLONGUNREALMETHOD", "Default_Action", 405]],
    );
    assert.equal(seen[0]!.req.requestId, r.requestId, "observers see the request the web ACL saw");
    assert.equal(proxied(u).length, 0, "nothing reaches the target");
  });

  test("after a forwarded request on a keep-alive connection; without a web ACL the answer is 405", async () => {
    const { port, u, seen } = await setup();
    const conn = net.connect(port, "127.0.0.1");
    const chunks: Buffer[] = [];
    conn.on("data", (d: Buffer) => chunks.push(d));
    const closed = new Promise<void>((r) => conn.on("close", () => r()));
    conn.write("GET /first HTTP/1.1\r\nHost: shop.test\r\n\r\n");
    // The whole first response (chunked) before the second request.
    await until(() => Buffer.concat(chunks).toString("latin1").endsWith("\r\n0\r\n\r\n"));
    conn.write("PURGEALL /cache HTTP/1.1\r\nHost: shop.test\r\n\r\n");
    await closed;
    const all = Buffer.concat(chunks).toString("latin1");
    const second = all.slice(all.indexOf("HTTP/1.1", 10));
    assert.equal(statusOf(all), 200);
    assert.equal(statusOf(second), 405);
    assert.deepEqual(proxied(u).map((x) => x.url), ["/first"]);
    await until(() => seen.some((s) => s.req.method === "PURGEALL"));
    const s = seen.find((x) => x.req.method === "PURGEALL")!;
    assert.deepEqual([s.status, s.decision, s.req.uri], [405, undefined, "/cache"]);
  });

  test("CONNECT is judged too, then refused with 400; heads that cannot be read get the parser's answer", async () => {
    const acl = new FakeWebAcl(8192, (r) => (r.uri.startsWith("evil.") ? { action: "BLOCK", terminatingRuleId: "evil-host" } : {}));
    const { port, seen } = await setup(acl);
    assert.equal(statusOf(await raw(port, "CONNECT www.example.test:443 HTTP/1.1\r\nHost: www.example.test:443\r\n\r\n")), 400);
    assert.equal(statusOf(await raw(port, "CONNECT evil.example.test:443 HTTP/1.1\r\nHost: evil.example.test:443\r\n\r\n")), 403);
    await until(() => seen.length === 2);
    assert.deepEqual(seen.map((s) => [s.req.method, s.req.uri, s.status]), [["CONNECT", "www.example.test:443", 400], ["CONNECT", "evil.example.test:443", 403]]);
    // Not HTTP/1.x syntax after the method: the usual 400, no evaluation.
    assert.equal(statusOf(await raw(port, "FOO / HTTP/9.9\r\nHost: h\r\n\r\n")), 400);
    assert.equal(acl.seen.length, 2);
  });
});
