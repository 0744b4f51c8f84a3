import { afterEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import net from "node:net";
import type { DataPlane } from "./data-plane.js";
import { spawn } from "node:child_process";
import { systemClock } from "../core/clock.js";
import { DataPlane as DataPlaneImpl } from "./data-plane.js";
import { FakeWebAcl, LB_ARN, LISTENER_ARN, TG_ARN, newDataPlane, openHttp, proxied, request, sleep, startUpstream, targetGroup, testLimits, until, type Upstream } from "./testing/fixtures.js";
import type { InspectedRequest, TrafficObserver, WafDecision } from "./types.js";

let dp: DataPlane | undefined;
const ups: Upstream[] = [];
afterEach(async () => {
  await dp?.close();
  dp = undefined;
  await Promise.all(ups.splice(0).map((u) => u.close()));
});

async function upstream(h?: Parameters<typeof startUpstream>[0]): Promise<Upstream> {
  const u = await startUpstream(h);
  ups.push(u);
  return u;
}

describe("forwarding", () => {
  test("passes method, path, query and body; adds X-Forwarded-* and a trace id", async () => {
    const u = await upstream();
    dp = newDataPlane();
    const port = await openHttp(dp, [{ id: "127.0.0.1", port: u.port }]);
    const r = await request(port, { method: "POST", path: "/a/b%20c?x=1&y", headers: { "x-forwarded-for": "10.1.1.1", "content-type": "text/plain", "X-Mixed-Case": "v" }, body: "hello" });
    assert.equal(r.status, 200);
    assert.equal(r.headers["x-upstream"], "yes");
    const seen = proxied(u)[0]!;
    assert.equal(seen.method, "POST");
    assert.equal(seen.url, "/a/b%20c?x=1&y");
    assert.equal(seen.body.toString(), "hello");
    assert.equal(seen.headers["x-forwarded-for"], "10.1.1.1, 127.0.0.1");
    assert.equal(seen.headers["x-forwarded-proto"], "http");
    assert.equal(seen.headers["x-forwarded-port"], String(port));
    assert.match(String(seen.headers["x-amzn-trace-id"]), /^Root=1-[0-9a-f]{8}-[0-9a-f]{24}$/);
    assert.ok(seen.rawHeaders.includes("X-Mixed-Case"), "header spelling is preserved");
  });

  test("Host: the listener port is appended when not 80/443 and Host has none, unless routing.http.preserve_host_header.enabled", async () => {
    const u = await upstream();
    dp = newDataPlane();
    const port = await openHttp(dp, [{ id: "127.0.0.1", port: u.port }]);
    for (const host of ["shop.example.test", "shop.example.test:8080", "[::1]", "[::1]:9"]) await request(port, { headers: { host } });
    assert.deepEqual(
      proxied(u).map((x) => x.headers.host),
      [`shop.example.test:${port}`, "shop.example.test:8080", `[::1]:${port}`, "[::1]:9"],
    );
    await dp.close();
    dp = newDataPlane();
    const kept = await openHttp(dp, [{ id: "127.0.0.1", port: u.port }], { settings: { preserveHostHeader: true } });
    await request(kept, { headers: { host: "shop.example.test" } });
    assert.equal(proxied(u).at(-1)!.headers.host, "shop.example.test");
  });

  test("an HTTP/1.0 request without Host is forwarded with the load balancer's DNS name as Host", async () => {
    const u = await upstream();
    dp = newDataPlane();
    const port = await openHttp(dp, [{ id: "127.0.0.1", port: u.port }]);
    const r = await rawExchange(port, "GET /old HTTP/1.0\r\n\r\n");
    assert.match(r, /^HTTP\/1\.1 200 /);
    assert.deepEqual(proxied(u).map((x) => [x.url, x.headers.host]), [["/old", `test-1.us-east-1.elb.localhost:${port}`]]);
  });

  test("an asterisk-form request (OPTIONS *) is forwarded as sent", async () => {
    const u = await upstream();
    dp = newDataPlane();
    const port = await openHttp(dp, [{ id: "127.0.0.1", port: u.port }]);
    const head = await new Promise<string>((resolve, reject) => {
      const sock = net.connect(port, "127.0.0.1", () => sock.write("OPTIONS * HTTP/1.1\r\nHost: shop.example.test\r\nConnection: close\r\n\r\n"));
      let got = "";
      sock.on("data", (c: Buffer) => (got += c.toString("latin1")));
      sock.on("end", () => resolve(got));
      sock.on("error", reject);
    });
    assert.match(head, /^HTTP\/1\.1 200 OK\r\n/);
    assert.match(head, /\r\nx-upstream: yes\r\n/i);
    const seen = proxied(u).find((x) => x.method === "OPTIONS")!;
    assert.equal(seen.url, "*");
    assert.equal(seen.headers.host, `shop.example.test:${port}`);
    assert.equal(seen.headers["x-forwarded-for"], "127.0.0.1");
  });

  test("a client trace Root is kept and this hop adds Self", async () => {
    const u = await upstream();
    dp = newDataPlane();
    const port = await openHttp(dp, [{ id: "127.0.0.1", port: u.port }], { settings: { xffMode: "remove" } });
    await request(port, { headers: { "x-amzn-trace-id": "Root=1-5759e988-bd862e3fe1be46a994272793", "x-forwarded-for": "1.2.3.4" } });
    assert.match(String(proxied(u)[0]!.headers["x-amzn-trace-id"]), /^Self=1-[0-9a-f]{8}-[0-9a-f]{24};Root=1-5759e988-bd862e3fe1be46a994272793$/);
    assert.equal(proxied(u)[0]!.headers["x-forwarded-for"], undefined, "remove mode drops X-Forwarded-For");
    // Past 7 KB of request headers the header is rewritten to a Root of this hop alone.
    await request(port, { headers: { "x-amzn-trace-id": "Root=1-5759e988-bd862e3fe1be46a994272793;CalledFrom=app", "x-padding": "p".repeat(7 * 1024) } });
    assert.match(String(proxied(u)[1]!.headers["x-amzn-trace-id"]), /^Root=1-[0-9a-f]{8}-[0-9a-f]{24}$/);
  });

  test("streams a large response and reuses keep-alive connections on both sides", async () => {
    const big = Buffer.alloc(8 * 1024 * 1024, 0x61);
    let upstreamConnections = 0;
    const u = await upstream((_req, res) => {
      res.writeHead(200, { "content-length": String(big.length) });
      // Write in slices so the proxy really streams.
      let off = 0;
      const pump = (): void => {
        while (off < big.length) {
          const ok = res.write(big.subarray(off, off + 65536));
          off += 65536;
          if (!ok) return void res.once("drain", pump);
        }
        res.end();
      };
      pump();
    });
    u.server.on("connection", () => upstreamConnections++);
    dp = newDataPlane();
    const port = await openHttp(dp, [{ id: "127.0.0.1", port: u.port }], { tg: { healthCheck: { ...targetGroup([]).healthCheck, enabled: false } } });
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const a = await request(port, { agent });
    const b = await request(port, { agent });
    agent.destroy();
    assert.equal(a.body.length, big.length);
    assert.ok(a.body.equals(big));
    assert.equal(a.reused, false);
    assert.equal(b.reused, true, "client connection reused");
    assert.equal(dp.listener(LISTENER_ARN)!.guard.refused, 0);
    // Health checks open their own connections; proxied requests share one pooled connection.
    assert.equal(proxied(u).length, 2);
    assert.equal(upstreamConnections, 1, "both requests went over one pooled upstream connection");
  });

  test("round robin over healthy targets", async () => {
    const u1 = await upstream((_q, res) => res.end("one"));
    const u2 = await upstream((_q, res) => res.end("two"));
    dp = newDataPlane();
    const port = await openHttp(dp, [
      { id: "127.0.0.1", port: u1.port },
      { id: "127.0.0.1", port: u2.port },
    ]);
    await until(() => dp!.targetHealth(TG_ARN).every((t) => t.state === "healthy"));
    const bodies = [];
    for (let i = 0; i < 4; i++) bodies.push((await request(port)).body.toString());
    assert.deepEqual([...bodies].sort(), ["one", "one", "two", "two"]);
    assert.notEqual(bodies[0], bodies[1]);
  });
});

describe("failures", () => {
  test("no registered target → 503 with an ALB page", async () => {
    dp = newDataPlane();
    const port = await openHttp(dp, []);
    const r = await request(port);
    assert.equal(r.status, 503);
    assert.equal(r.headers.server, "awselb/2.0");
    assert.match(r.body.toString(), /<title>503 Service Temporarily Unavailable<\/title>/);
  });

  test("dead target → 502", async () => {
    const u = await upstream();
    const deadPort = u.port;
    await u.close();
    ups.length = 0;
    dp = newDataPlane();
    const port = await openHttp(dp, [{ id: "127.0.0.1", port: deadPort }]);
    const r = await request(port);
    assert.equal(r.status, 502);
    assert.match(r.body.toString(), /502 Bad Gateway/);
  });

  test("a target that drops the connection unanswered: an idempotent request is retried once, then 502; a POST is not retried", async () => {
    const u = await upstream((req) => req.socket.destroy());
    dp = newDataPlane();
    const port = await openHttp(dp, [{ id: "127.0.0.1", port: u.port }], { tg: { healthCheck: { ...targetGroup([]).healthCheck, enabled: false } } });
    const get = await request(port, { path: "/get" });
    assert.equal(get.status, 502);
    assert.equal(proxied(u).filter((x) => x.url === "/get").length, 2, "one retry on a fresh connection");
    const post = await request(port, { method: "POST", path: "/post", headers: { "content-length": "0" } });
    assert.equal(post.status, 502);
    assert.equal(proxied(u).filter((x) => x.url === "/post").length, 1, "never repeated: it may have had an effect");
  });

  test("silent target → 504 after the idle timeout", async () => {
    const u = await upstream(() => {
      /* never answers */
    });
    dp = newDataPlane();
    const port = await openHttp(dp, [{ id: "127.0.0.1", port: u.port }], { settings: { idleTimeoutSeconds: 0.3 }, tg: { healthCheck: { ...targetGroup([]).healthCheck, enabled: false } } });
    const t0 = Date.now();
    const r = await request(port, { path: "/slow" });
    assert.equal(r.status, 504);
    assert.ok(Date.now() - t0 >= 250);
    assert.match(r.body.toString(), /504 Gateway Time-out/);
  });
});

describe("actions", () => {
  test("fixed-response and redirect", async () => {
    dp = newDataPlane();
    const port = await openHttp(dp, [], { action: { type: "fixed-response", statusCode: 418, contentType: "application/json", messageBody: '{"ok":false}' } });
    const r = await request(port);
    assert.equal(r.status, 418);
    assert.equal(r.headers["content-type"], "application/json");
    assert.equal(r.body.toString(), '{"ok":false}');
    await dp.openListener({
      arn: LISTENER_ARN,
      loadBalancerArn: LB_ARN,
      port,
      protocol: "HTTP",
      action: { type: "redirect", protocol: "HTTPS", host: "#{host}", port: "443", path: "/new/#{path}", query: "#{query}&r=1", statusCode: 301 },
    });
    const red = await request(port, { path: "/old?q=2", headers: { host: "example.test:8080" } });
    assert.equal(red.status, 301);
    assert.equal(red.headers.location, "https://example.test/new/old?q=2&r=1");
  });

  test("an upgrade (WebSocket) request gets the listener's fixed response or redirect, as any request does", async () => {
    dp = newDataPlane();
    const port = await openHttp(dp, [], { action: { type: "fixed-response", statusCode: 503, contentType: "application/json", messageBody: '{"maintenance":true}' } });
    const upgrade = "GET /ws?x=1 HTTP/1.1\r\nHost: example.test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n";
    const fixed = await rawExchange(port, upgrade);
    assert.match(fixed, /^HTTP\/1\.1 503 Service Unavailable\r\n/);
    assert.match(fixed, /\r\nContent-Type: application\/json\r\n/);
    assert.match(fixed, /\r\nConnection: close\r\n\r\n\{"maintenance":true\}$/);
    await dp.openListener({
      arn: LISTENER_ARN,
      loadBalancerArn: LB_ARN,
      port,
      protocol: "HTTP",
      action: { type: "redirect", protocol: "HTTPS", host: "#{host}", port: "443", path: "/#{path}", query: "#{query}", statusCode: 302 },
    });
    const red = await rawExchange(port, upgrade);
    assert.match(red, /^HTTP\/1\.1 302 Found\r\n/);
    assert.match(red, /\r\nLocation: https:\/\/example\.test\/ws\?x=1\r\n/);
  });
});

/** Sends `raw` on a fresh connection; resolves with everything received until the server closes it. */
function rawExchange(port: number, raw: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, "127.0.0.1", () => sock.write(raw));
    let got = "";
    sock.on("data", (c: Buffer) => (got += c.toString("latin1")));
    sock.on("end", () => resolve(got));
    sock.on("error", reject);
  });
}

describe("statuses the load balancer answers itself", () => {
  test("405 for TRACE, 463 beyond 30 X-Forwarded-For addresses, 501 for a transfer coding other than chunked or identity; none reaches the target", async () => {
    const u = await upstream();
    dp = newDataPlane();
    const port = await openHttp(dp, [{ id: "127.0.0.1", port: u.port }]);
    const trace = await rawExchange(port, "TRACE / HTTP/1.1\r\nHost: a.example\r\nConnection: close\r\n\r\n");
    assert.match(trace, /^HTTP\/1\.1 405 Method Not Allowed\r\n/);
    assert.match(trace, /\r\nServer: awselb\/2\.0\r\n/i);
    const addresses = (n: number, from = 0) => Array.from({ length: n }, (_, i) => `10.0.0.${from + i + 1}`).join(", ");
    // 31 addresses in one field, and 31 spread over two fields: both counted together.
    for (const fields of [[addresses(31)], [addresses(16), addresses(15, 16)]]) {
      const r = await rawExchange(port, `GET /x HTTP/1.1\r\nHost: a.example\r\n${fields.map((f) => `X-Forwarded-For: ${f}\r\n`).join("")}Connection: close\r\n\r\n`);
      assert.match(r, /^HTTP\/1\.1 463 /);
    }
    const te = await rawExchange(port, "POST /te HTTP/1.1\r\nHost: a.example\r\nTransfer-Encoding: gzip, chunked\r\nConnection: close\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
    assert.match(te, /^HTTP\/1\.1 501 Not Implemented\r\n/);
    // Without chunked last the request cannot be framed at all; the coding still decides the answer.
    const gzip = await rawExchange(port, "POST /te HTTP/1.1\r\nHost: a.example\r\nTransfer-Encoding: gzip\r\nConnection: close\r\n\r\nhello");
    assert.match(gzip, /^HTTP\/1\.1 501 Not Implemented\r\n/);
    assert.equal(proxied(u).length, 0);
    // 30 addresses, chunked, and other methods are forwarded.
    const ok = await rawExchange(port, `GET /ok HTTP/1.1\r\nHost: a.example\r\nX-Forwarded-For: ${addresses(30)}\r\nConnection: close\r\n\r\n`);
    assert.match(ok, /^HTTP\/1\.1 200 /);
    const chunked = await rawExchange(port, "POST /c HTTP/1.1\r\nHost: a.example\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
    assert.match(chunked, /^HTTP\/1\.1 200 /);
    assert.deepEqual(proxied(u).map((x) => [x.url, x.headers["x-forwarded-for"]?.toString().split(", ").length, x.body.toString()]), [
      ["/ok", 31, ""],
      ["/c", 1, "hello"],
    ]);
  });

  test("501 for an unsupported transfer coding behind other requests on a keep-alive connection, pipelined or not; the earlier answers come first", async () => {
    const u = await upstream();
    dp = newDataPlane();
    const port = await openHttp(dp, [{ id: "127.0.0.1", port: u.port }]);
    const statuses = (reply: string): string[] => [...reply.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => m[1] as string);
    // Pipelined: both requests in one write, the first still waiting for the target.
    const pipelined = await rawExchange(port, "GET /first HTTP/1.1\r\nHost: a.example\r\n\r\nPOST /te HTTP/1.1\r\nHost: a.example\r\nTransfer-Encoding: gzip\r\n\r\nhello");
    assert.deepEqual(statuses(pipelined), ["200", "501"]);
    assert.match(pipelined.slice(pipelined.lastIndexOf("HTTP/1.1 ")), /^HTTP\/1\.1 501 Not Implemented\r\n[^]*\r\nConnection: close\r\n/i);
    // Sequential: the second request after the first response.
    const conn = net.connect(port, "127.0.0.1");
    let got = "";
    conn.on("data", (d: Buffer) => (got += d.toString("latin1")));
    const closed = new Promise<void>((r) => conn.on("close", () => r()));
    conn.write("GET /second HTTP/1.1\r\nHost: a.example\r\n\r\n");
    // The whole first response (chunked) before the second request.
    await until(() => got.endsWith("\r\n0\r\n\r\n"));
    conn.write("POST /te HTTP/1.1\r\nHost: a.example\r\nTransfer-Encoding: gzip, deflate\r\n\r\nhello");
    await closed;
    assert.deepEqual(statuses(got), ["200", "501"]);
    assert.deepEqual(proxied(u).map((x) => x.url), ["/first", "/second"]);
  });

  test("Transfer-Encoding: identity is no transfer coding: forwarded without it and without a body, then the connection closes", async () => {
    const u = await upstream();
    dp = newDataPlane();
    const port = await openHttp(dp, [{ id: "127.0.0.1", port: u.port }]);
    // What follows the head is not read as another request.
    const r = await rawExchange(port, "POST /id HTTP/1.1\r\nHost: a.example\r\nTransfer-Encoding: identity\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: a.example\r\n\r\n");
    assert.deepEqual([...r.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => m[1]), ["200"]);
    assert.match(r, /\r\nConnection: close\r\n/i);
    assert.deepEqual(
      proxied(u).map((x) => [x.method, x.url, x.headers["transfer-encoding"], x.body.length]),
      [["POST", "/id", undefined, 0]],
    );
  });

  test("ALB's header limits: a request line or a single header over 16 K, or a header block over 64 K → 400; larger blocks within them are forwarded", async () => {
    const u = await upstream();
    // The target reads header blocks up to 128 KiB (node reads the option per connection).
    (u.server as http.Server & { maxHeaderSize: number }).maxHeaderSize = 128 * 1024;
    dp = newDataPlane();
    const port = await openHttp(dp, [{ id: "127.0.0.1", port: u.port }]);
    const refused = [
      `GET /${"l".repeat(17_000)} HTTP/1.1\r\nHost: a.example\r\n\r\n`,
      `GET /one HTTP/1.1\r\nHost: a.example\r\nX-Big: ${"h".repeat(17_000)}\r\n\r\n`,
      `GET /block HTTP/1.1\r\nHost: a.example\r\n${[1, 2, 3, 4, 5].map((i) => `X-${i}: ${"b".repeat(15_000)}\r\n`).join("")}\r\n`,
    ];
    for (const raw of refused) {
      const r = await rawExchange(port, raw);
      assert.match(r, /^HTTP\/1\.1 400 Bad Request\r\n/);
      assert.match(r, /\r\nServer: awselb\/2\.0\r\n/i);
      assert.match(r, /\r\nConnection: close\r\n/i);
    }
    assert.equal(proxied(u).length, 0);
    const line = await rawExchange(port, `GET /${"l".repeat(15_000)} HTTP/1.1\r\nHost: a.example\r\nConnection: close\r\n\r\n`);
    assert.match(line, /^HTTP\/1\.1 200 /);
    const block = await rawExchange(port, `GET /block HTTP/1.1\r\nHost: a.example\r\n${[1, 2, 3].map((i) => `X-${i}: ${"b".repeat(15_000)}\r\n`).join("")}Connection: close\r\n\r\n`);
    assert.match(block, /^HTTP\/1\.1 200 /);
    assert.deepEqual(proxied(u).map((x) => [x.url.length, String(x.headers["x-3"] ?? "").length]), [[15_001, 0], [6, 15_000]]);
  });

  test("the same 405, 463 and 501 for upgrade requests (Connection: Upgrade); none reaches the target", async () => {
    const u = await upstream();
    let upgrades = 0;
    u.server.on("upgrade", (_req: http.IncomingMessage, socket: net.Socket) => {
      upgrades++;
      socket.end("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n");
    });
    dp = newDataPlane();
    const port = await openHttp(dp, [{ id: "127.0.0.1", port: u.port }], { tg: { healthCheck: { ...targetGroup([]).healthCheck, enabled: false } } });
    const upgrade = "Upgrade: websocket\r\nConnection: Upgrade\r\n";
    const trace = await rawExchange(port, `TRACE /ws HTTP/1.1\r\nHost: a.example\r\n${upgrade}\r\n`);
    assert.match(trace, /^HTTP\/1\.1 405 Method Not Allowed\r\n/);
    assert.match(trace, /\r\nServer: awselb\/2\.0\r\n/i);
    const xff = Array.from({ length: 31 }, (_, i) => `10.0.0.${i + 1}`).join(", ");
    const many = await rawExchange(port, `GET /ws HTTP/1.1\r\nHost: a.example\r\nX-Forwarded-For: ${xff}\r\n${upgrade}\r\n`);
    assert.match(many, /^HTTP\/1\.1 463 /);
    const te = await rawExchange(port, `POST /ws HTTP/1.1\r\nHost: a.example\r\nTransfer-Encoding: gzip, chunked\r\n${upgrade}\r\n0\r\n\r\n`);
    assert.match(te, /^HTTP\/1\.1 501 Not Implemented\r\n/);
    assert.equal(upgrades, 0);
    assert.equal(proxied(u).length, 0);
    // An ordinary upgrade still reaches the target.
    const ok = await rawExchange(port, `GET /ws HTTP/1.1\r\nHost: a.example\r\n${upgrade}\r\n`);
    assert.match(ok, /^HTTP\/1\.1 101 /);
    assert.equal(upgrades, 1);
  });

  test("504 when no connection to the target is established within the connect timeout", async () => {
    // A listener that never accepts: its process blocks right after listening, so once its
    // backlog is full the kernel drops further connection attempts.
    let restore = (): void => {};
    const child = spawn(process.execPath, ["-e", `const s=require("net").createServer().listen({port:0,host:"127.0.0.1",backlog:0},()=>{process.stdout.write(String(s.address().port)+"\\n",()=>{Atomics.wait(new Int32Array(new SharedArrayBuffer(4)),0,0)})})`], { stdio: ["ignore", "pipe", "inherit"] });
    try {
      const blackhole = await new Promise<number>((resolve) => child.stdout.once("data", (d: Buffer) => resolve(Number(d.toString().trim()))));
      const fillers = Array.from({ length: 4 }, () => net.connect(blackhole, "127.0.0.1").on("error", () => {}));
      await sleep(100);
      // Some network stacks (sandboxes) complete connections beyond the backlog. There,
      // connections to the blackhole are made never to complete instead: net.connect (which
      // the target pool uses) hands back a socket that is never connected.
      const probe = net.connect(blackhole, "127.0.0.1").on("error", () => {});
      const completes = await new Promise<boolean>((resolve) => {
        probe.once("connect", () => resolve(true));
        setTimeout(() => resolve(false), 200);
      });
      probe.destroy();
      if (completes) {
        const connect = net.connect;
        restore = () => (net.connect = connect);
        net.connect = ((...args: unknown[]) => {
          const o = args[0] as { port?: unknown } | null;
          return typeof o === "object" && o !== null && Number(o.port) === blackhole ? new net.Socket() : (connect as (...a: unknown[]) => net.Socket)(...args);
        }) as typeof net.connect;
      }
      dp = new DataPlaneImpl({ host: "127.0.0.1", clock: systemClock, limits: testLimits(), healthCheckTimeScale: 0.02, closeGraceMs: 100, connectTimeoutMs: 300 });
      const hc = targetGroup([]).healthCheck;
      const port = await openHttp(dp, [{ id: "127.0.0.1", port: blackhole }], { tg: { healthCheck: { ...hc, enabled: false } } });
      const t0 = Date.now();
      // Bounded: a connection attempt left to hang must fail the test, not stall it.
      const r = await Promise.race([
        request(port, { path: "/never" }),
        sleep(5000).then(() => assert.fail("no answer within 5 s: the configured connect timeout did not apply")),
      ]);
      assert.equal(r.status, 504);
      assert.match(r.body.toString(), /504 Gateway Time-out/);
      const took = Date.now() - t0;
      assert.ok(took >= 250, `answered after the connect timeout (${took} ms)`);
      // Well before undici's own 10 s default: the configured timeout reaches the pool.
      assert.ok(took < 2000, `answered at the configured connect timeout, not a default (${took} ms)`);
      for (const f of fillers) f.destroy();
    } finally {
      restore();
      child.kill();
    }
  });
});

describe("deregistration delay", () => {
  test("a deregistered target is draining until the delay elapses, idle or not; a request it still handles then is answered 502", async () => {
    const u = await upstream((req, res) => {
      if (req.url === "/slow") setTimeout(() => res.end("late"), 1500);
      else res.end("ok");
    });
    dp = newDataPlane();
    const targets = [{ id: "127.0.0.1", port: u.port }];
    const hc = targetGroup([]).healthCheck;
    const tg = { deregistrationDelaySeconds: 0.4, healthCheck: { ...hc, enabled: false } };
    const port = await openHttp(dp, targets, { tg });
    const state = () => dp!.targetHealth(TG_ARN).map((v) => [v.state, v.reason]);
    // No request in flight: draining all the same, then gone.
    assert.equal((await request(port)).status, 200);
    dp.putTargetGroup(targetGroup([], tg));
    assert.deepEqual(state(), [["draining", "Target.DeregistrationInProgress"]]);
    await sleep(200);
    assert.deepEqual(state(), [["draining", "Target.DeregistrationInProgress"]]);
    await until(() => state().length === 0, 2000);
    // A request in flight past the delay is cut with 502; the target is gone after it.
    dp.putTargetGroup(targetGroup(targets, tg));
    const t0 = Date.now();
    const slow = request(port, { path: "/slow" });
    await until(() => proxied(u).some((x) => x.url === "/slow"));
    dp.putTargetGroup(targetGroup([], tg));
    const r = await slow;
    assert.equal(r.status, 502);
    assert.match(r.body.toString(), /502 Bad Gateway/);
    assert.ok(Date.now() - t0 < 1400, "answered when the delay elapsed, not when the target answered");
    assert.deepEqual(state(), []);
  });

  test("an upgraded (WebSocket) connection to a deregistered target is closed when the delay elapses; a handshake still waiting for the 101 gets 502", async () => {
    const u = await upstream();
    let targetClosed = 0; // target-side connections the proxy has closed
    let pendingSeen = false;
    u.server.on("upgrade", (req: http.IncomingMessage, socket: net.Socket) => {
      // The target's end is half-open (http.Server's allowHalfOpen): the proxy's close is its FIN or a reset.
      let gone = false;
      const lost = (): void => {
        if (!gone) targetClosed++;
        gone = true;
      };
      socket.on("end", lost);
      socket.on("error", lost);
      if (req.url === "/pending") {
        pendingSeen = true; // never answers the handshake
        return;
      }
      socket.write("HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n");
      socket.on("data", (d: Buffer) => socket.write(Buffer.concat([Buffer.from("echo:"), d])));
    });
    dp = newDataPlane();
    const targets = [{ id: "127.0.0.1", port: u.port }];
    const tg = { deregistrationDelaySeconds: 0.4, healthCheck: { ...targetGroup([]).healthCheck, enabled: false } };
    const port = await openHttp(dp, targets, { tg });
    const open = (path: string) => {
      const c = net.connect({ host: "127.0.0.1", port });
      const seen = { got: "", closed: false };
      c.on("data", (d: Buffer) => (seen.got += d.toString()));
      c.on("close", () => (seen.closed = true));
      c.on("error", () => {});
      c.write(`GET ${path} HTTP/1.1\r\nHost: a\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n`);
      return { c, seen };
    };
    const ws = open("/ws");
    await until(() => ws.seen.got.includes("\r\n\r\n"));
    ws.c.write("ping");
    await until(() => ws.seen.got.includes("echo:ping"));
    const pending = open("/pending");
    await until(() => pendingSeen);
    dp.putTargetGroup(targetGroup([], tg));
    await sleep(200);
    assert.equal(ws.seen.closed, false, "open while the target drains");
    ws.c.write("pong");
    await until(() => ws.seen.got.includes("echo:pong"));
    await until(() => ws.seen.closed && pending.seen.closed, 2000);
    assert.match(ws.seen.got, /^HTTP\/1\.1 101 Switching Protocols\r\n/);
    assert.match(pending.seen.got, /^HTTP\/1\.1 502 Bad Gateway\r\n/);
    await until(() => targetClosed === 2, 2000);
    assert.deepEqual(dp.targetHealth(TG_ARN), []);
  });
});

describe("redirect keywords", () => {
  test("each component takes only the keywords it may contain: a request path never becomes the host", async () => {
    dp = newDataPlane();
    const port = await openHttp(dp, [], { action: { type: "fixed-response", statusCode: 200 } });
    const open = (r: Record<string, string>) =>
      dp!.openListener({ arn: LISTENER_ARN, loadBalancerArn: LB_ARN, port, protocol: "HTTP", action: { type: "redirect", protocol: "HTTPS", host: "#{host}", port: "443", path: "/#{path}", query: "#{query}", statusCode: 302, ...r } });
    // Stored before the API checked keywords: #{path} in Host stays as written.
    await open({ host: "#{path}.example.com" });
    let red = await request(port, { path: "/evil.com/x", headers: { host: "a.example.test" } });
    assert.equal(red.headers.location, "https://#{path}.example.com/evil.com/x");
    await open({ path: "/#{host}/#{port}/#{path}/#{query}/#{protocol}", query: "p=#{protocol}&h=#{host}&o=#{port}&a=#{path}&q=#{query}" });
    red = await request(port, { path: "/d/e?z=1", headers: { host: "a.example.test:99" } });
    assert.equal(red.status, 302);
    assert.equal(red.headers.location, `https://a.example.test/a.example.test/${port}/d/e/#{query}/#{protocol}?p=http&h=a.example.test&o=${port}&a=d/e&q=z=1`);
    // Spaces, control and non-ASCII characters of the configuration are percent-encoded as UTF-8, the rest kept as configured.
    await open({ host: "bücher.example", path: "/über uns/%41/#{path}", query: "q=a b\r\n中&#{query}" });
    red = await request(port, { path: "/x?z=1", headers: { host: "a.example.test" } });
    assert.equal(red.status, 302);
    assert.equal(red.headers.location, "https://b%C3%BCcher.example/%C3%BCber%20uns/%41/x?q=a%20b%0D%0A%E4%B8%AD&z=1");
    // A Host with spaces, tabs or obs-text bytes (a field value may hold them, a URI may not) is percent-encoded byte by byte.
    await open({ host: "#{host}", path: "/#{host}/#{path}" });
    const raw = await rawExchange(port, "GET /x HTTP/1.1\r\nHost: a b\tä.test\r\nConnection: close\r\n\r\n");
    assert.match(raw, /\r\nLocation: https:\/\/a%20b%09%C3%A4\.test\/a%20b%09%C3%A4\.test\/x\r\n/);
    // A "$" in the request is copied, not read as a replacement pattern.
    await open({ host: "x.#{host}", port: "#{port}", protocol: "#{protocol}" });
    red = await request(port, { path: "/$&$1?$`", headers: { host: "h$&" } });
    assert.equal(red.headers.location, `http://x.h$&:${port}/$&$1?$\``);
  });
});

describe("web ACL", () => {
  function decision(d: Partial<WafDecision>): (r: InspectedRequest) => Partial<WafDecision> {
    return () => d;
  }

  test("BLOCK answers 403 without reaching the target; custom responses are used as given", async () => {
    const u = await upstream();
    dp = newDataPlane();
    const port = await openHttp(dp, [{ id: "127.0.0.1", port: u.port }]);
    dp.setWebAcl(LB_ARN, new FakeWebAcl(8192, decision({ action: "BLOCK", terminatingRuleId: "r1" })));
    const r = await request(port, { path: "/x" });
    assert.equal(r.status, 403);
    assert.match(r.body.toString(), /403 Forbidden/);
    dp.setWebAcl(LB_ARN, new FakeWebAcl(8192, decision({ action: "BLOCK", response: { status: 429, headers: [["x-amzn-waf-reason", "rate"], ["content-type", "text/plain"]], body: "slow down" } })));
    const c = await request(port);
    assert.equal(c.status, 429);
    assert.equal(c.headers["x-amzn-waf-reason"], "rate");
    assert.equal(c.body.toString(), "slow down");
    dp.setWebAcl(LB_ARN, new FakeWebAcl(8192, decision({ action: "CAPTCHA", response: { status: 405, headers: [["content-type", "text/html"]], body: "<p>captcha</p>" } })));
    const cap = await request(port);
    assert.equal(cap.status, 405);
    assert.equal(cap.body.toString(), "<p>captcha</p>");
    assert.equal(proxied(u).length, 0);
  });

  test("ALLOW forwards with inserted headers; the WAF sees the raw request and the body prefix", async () => {
    const u = await upstream();
    dp = newDataPlane();
    const port = await openHttp(dp, [{ id: "127.0.0.1", port: u.port }]);
    const acl = new FakeWebAcl(16, decision({ insertHeaders: [["x-amzn-waf-customer", "gold"]] }));
    dp.setWebAcl(LB_ARN, acl);
    const body = "0123456789abcdefghijklmnopqrstuvwxyz";
    const r = await request(port, { method: "PUT", path: "/p%2Fq?a=%20b", headers: { "X-Test": "1", "content-type": "text/plain" }, body });
    assert.equal(r.status, 200);
    const fwd = u.seen.find((s) => s.method === "PUT")!;
    assert.equal(fwd.headers["x-amzn-waf-customer"], "gold");
    assert.equal(fwd.body.toString(), body, "the full body reaches the target");
    const seen = acl.seen[0]!;
    assert.equal(seen.uri, "/p%2Fq?a=%20b");
    assert.equal(seen.path, "/p%2Fq");
    assert.equal(seen.query, "a=%20b");
    assert.equal(seen.method, "PUT");
    assert.equal(seen.httpVersion, "HTTP/1.1");
    assert.equal(seen.clientIp, "127.0.0.1");
    assert.equal(seen.scheme, "http");
    assert.equal(seen.body.toString(), body.slice(0, 16));
    assert.equal(seen.bodyTruncated, true);
    assert.equal(seen.bodyLength, body.length);
    assert.deepEqual(seen.headers.find(([k]) => k === "X-Test"), ["X-Test", "1"]);
    assert.match(seen.requestId, /^1-[0-9a-f]{8}-[0-9a-f]{24}$/);
  });

  test("custom header values go out as UTF-8 bytes; one with a control character is left out", async () => {
    const u = await upstream();
    dp = newDataPlane();
    const port = await openHttp(dp, [{ id: "127.0.0.1", port: u.port }]);
    const utf8 = (v: unknown) => Buffer.from(String(v), "latin1").toString("utf8");
    dp.setWebAcl(LB_ARN, new FakeWebAcl(8192, decision({ action: "BLOCK", response: { status: 403, headers: [["x-msg", "Zugriff verweigert – 拒否"], ["x-ctl", "a\u0001b"]], body: "no" } })));
    const r = await request(port);
    assert.equal(r.status, 403);
    assert.equal(utf8(r.headers["x-msg"]), "Zugriff verweigert – 拒否");
    assert.equal(r.headers["x-ctl"], undefined);
    dp.setWebAcl(LB_ARN, new FakeWebAcl(8192, decision({ insertHeaders: [["x-amzn-waf-msg", "café 中"], ["x-amzn-waf-ctl", "a\u0001b"]] })));
    const a = await request(port);
    assert.equal(a.status, 200);
    const fwd = proxied(u).at(-1)!;
    assert.equal(utf8(fwd.headers["x-amzn-waf-msg"]), "café 中");
    assert.equal(fwd.headers["x-amzn-waf-ctl"], undefined);
  });

  test("a custom response's Trailer, Content-Length, Connection and Transfer-Encoding are left out; the listener frames the answer", async () => {
    const u = await upstream();
    dp = newDataPlane();
    const port = await openHttp(dp, [{ id: "127.0.0.1", port: u.port }]);
    const framing: Array<[string, string]> = [["Trailer", "x-checksum"], ["Content-Length", "1"], ["Connection", "keep-alive"], ["Transfer-Encoding", "chunked"], ["x-kept", "yes"]];
    dp.setWebAcl(LB_ARN, new FakeWebAcl(8192, decision({ action: "BLOCK", response: { status: 403, headers: framing, body: "blocked" } })));
    const r = await request(port);
    assert.equal(r.status, 403);
    assert.equal(r.body.toString(), "blocked");
    assert.equal(r.headers["content-length"], "7");
    assert.equal(r.headers["x-kept"], "yes");
    assert.equal(r.headers.trailer, undefined);
    assert.equal(r.headers["transfer-encoding"], undefined);
  });

  test("an answer node:http refuses to write cuts the connection, with or without a web ACL, and the listener keeps serving", async () => {
    const u = await upstream();
    dp = newDataPlane();
    // The API refuses such a content type; a listener stored before a check was added could still hold one.
    const port = await openHttp(dp, [{ id: "127.0.0.1", port: u.port }], { action: { type: "fixed-response", statusCode: 200, contentType: "text/plain\r\nx: y" } });
    const failure = (p: Promise<unknown>) => p.then(() => "answered", (e: NodeJS.ErrnoException) => e.code);
    assert.equal(await failure(request(port)), "ECONNRESET");
    dp.setWebAcl(LB_ARN, new FakeWebAcl(8192, () => ({})));
    assert.equal(await failure(request(port)), "ECONNRESET");
    dp.listener(LISTENER_ARN)!.update({ ...dp.listener(LISTENER_ARN)!.spec, action: { type: "fixed-response", statusCode: 200, contentType: "text/plain" } });
    assert.equal((await request(port)).status, 200);
  });

  test("a CAPTCHA or challenge solution goes to the web ACL's verification before any rule, and is not forwarded", async () => {
    const u = await upstream();
    dp = newDataPlane();
    const port = await openHttp(dp, [{ id: "127.0.0.1", port: u.port }]);
    const shown: string[] = [];
    dp.setWebAcl(LB_ARN, {
      webAclArn: "a",
      webAclName: "a",
      bodyInspectionLimit: 8192,
      // Every request is blocked by the rules; only the verification endpoint answers otherwise.
      evaluate: async () => ({ action: "BLOCK", terminatingRuleId: "all", insertHeaders: [], labels: [], countedRules: [], matchedRules: [] }),
      handleVerification: (req) => {
        if (req.path !== "/verify") return undefined;
        shown.push(req.body.toString());
        return { status: 200, headers: [["set-cookie", "aws-waf-token=t; Path=/"], ["content-type", "application/json"]], body: '{"ok":true}' };
      },
    });
    const solved = await request(port, { method: "POST", path: "/verify", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "puzzle=p&counter=1" });
    assert.equal(solved.status, 200);
    assert.deepEqual(solved.headers["set-cookie"], ["aws-waf-token=t; Path=/"]);
    assert.equal(solved.headers["content-type"], "application/json");
    assert.equal(solved.body.toString(), '{"ok":true}');
    assert.deepEqual(shown, ["puzzle=p&counter=1"]);
    assert.equal((await request(port, { path: "/other" })).status, 403);
    assert.equal(proxied(u).length, 0);
  });

  test("an evaluator failure answers 500 unless waf.fail_open is on; observers see every request", async () => {
    const u = await upstream();
    dp = newDataPlane();
    const port = await openHttp(dp, [{ id: "127.0.0.1", port: u.port }]);
    const events: Array<{ status: number; action: string | undefined; path: string }> = [];
    const obs: TrafficObserver = { onRequest: (_lb, req, d, status) => events.push({ status, action: d?.action, path: req.path }) };
    dp.addObserver(obs);
    dp.setWebAcl(LB_ARN, { webAclArn: "a", webAclName: "a", bodyInspectionLimit: 8192, evaluate: async () => Promise.reject(new Error("boom")) });
    assert.equal((await request(port, { path: "/closed" })).status, 500);
    dp.putLoadBalancer({ ...dp.loadBalancer(LB_ARN)!, settings: { ...dp.loadBalancer(LB_ARN)!.settings, wafFailOpen: true } });
    assert.equal((await request(port, { path: "/open" })).status, 200);
    dp.setWebAcl(LB_ARN, undefined);
    assert.equal((await request(port, { path: "/none" })).status, 200);
    await until(() => events.length === 3);
    assert.deepEqual(events, [
      { status: 500, action: undefined, path: "/closed" },
      { status: 200, action: undefined, path: "/open" },
      { status: 200, action: undefined, path: "/none" },
    ]);
  });
});

describe("health checks", () => {
  test("initial → healthy → unhealthy → healthy, with ALB reason codes", async () => {
    let failing = false;
    const u = await upstream((req, res) => {
      res.writeHead(failing && req.url === "/health" ? 500 : 200);
      res.end();
    });
    dp = newDataPlane({}, 0.02);
    dp.putTargetGroup(targetGroup([{ id: "127.0.0.1", port: u.port }], { healthCheck: { ...targetGroup([]).healthCheck, path: "/health", matcher: "200" } }));
    assert.deepEqual(
      dp.targetHealth(TG_ARN).map((t) => [t.state, t.reason]),
      [["unused", "Target.NotInUse"]],
    );
    await openHttp(dp, [{ id: "127.0.0.1", port: u.port }], { tg: { healthCheck: { ...targetGroup([]).healthCheck, path: "/health", matcher: "200" } } });
    await until(() => dp!.targetHealth(TG_ARN)[0]?.state === "healthy");
    failing = true;
    await until(() => dp!.targetHealth(TG_ARN)[0]?.state === "unhealthy");
    const h = dp.targetHealth(TG_ARN)[0]!;
    assert.equal(h.reason, "Target.ResponseCodeMismatch");
    assert.equal(h.description, "Health checks failed with these codes: [500]");
    failing = false;
    await until(() => dp!.targetHealth(TG_ARN)[0]?.state === "healthy");
  });

  test("a refused connection is Target.FailedHealthChecks; deregistration removes an idle target at once", async () => {
    const u = await upstream();
    const dead = u.port;
    await u.close();
    ups.length = 0;
    dp = newDataPlane({}, 0.02);
    await openHttp(dp, [{ id: "127.0.0.1", port: dead }]);
    await until(() => dp!.targetHealth(TG_ARN)[0]?.state === "unhealthy");
    assert.equal(dp.targetHealth(TG_ARN)[0]!.reason, "Target.FailedHealthChecks");
    dp.putTargetGroup(targetGroup([]));
    assert.deepEqual(dp.targetHealth(TG_ARN), []);
  });
});

describe("listener lifecycle", () => {
  test("a port held by another listener is refused; a closed listener frees its port", async () => {
    dp = newDataPlane();
    const port = await openHttp(dp, []);
    await assert.rejects(
      dp.openListener({ arn: `${LISTENER_ARN}0`, loadBalancerArn: LB_ARN, port, protocol: "HTTP", action: { type: "forward", targetGroups: [{ arn: TG_ARN, weight: 1 }] } }),
      (e: Error) => e.name === "PortUnavailableError",
    );
    // A port taken outside Bulwark.
    const other = net.createServer();
    await new Promise<void>((r) => other.listen(0, "127.0.0.1", r));
    const taken = (other.address() as net.AddressInfo).port;
    await assert.rejects(
      dp.openListener({ arn: `${LISTENER_ARN}1`, loadBalancerArn: LB_ARN, port: taken, protocol: "HTTP", action: { type: "forward", targetGroups: [] } }),
      (e: Error & { osCode?: string }) => e.name === "PortUnavailableError" && e.osCode === "EADDRINUSE",
    );
    other.close();
    await dp.closeListener(LISTENER_ARN);
    await assert.rejects(request(port), (e: NodeJS.ErrnoException) => e.code === "ECONNREFUSED");
    await sleep(1);
  });
});

describe("bodies and upgrades", () => {
  test("a chunked body streams to the target; the WAF sees its prefix; HEAD has no body", async () => {
    const u = await upstream();
    dp = newDataPlane();
    const port = await openHttp(dp, [{ id: "127.0.0.1", port: u.port }], { tg: { healthCheck: { ...targetGroup([]).healthCheck, enabled: false } } });
    const acl = new FakeWebAcl(10, () => ({}));
    dp.setWebAcl(LB_ARN, acl);
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request({ host: "127.0.0.1", port, method: "POST", path: "/chunked", agent: false }, (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      });
      req.on("error", reject);
      req.write("abcdefgh");
      setTimeout(() => {
        req.write("ijklmnop");
        // The WAF has its 10 bytes now: the request is forwarded before the body ends.
        setTimeout(() => req.end("qrst"), 80);
      }, 20);
    });
    assert.equal(status, 200);
    const fwd = proxied(u).find((s) => s.url === "/chunked")!;
    assert.equal(fwd.body.toString(), "abcdefghijklmnopqrst");
    assert.equal(fwd.headers["transfer-encoding"], "chunked", "forwarded while the client was still sending");
    assert.equal(fwd.headers["content-length"], undefined);
    const seen = acl.seen.find((s) => s.path === "/chunked")!;
    assert.equal(seen.body.toString(), "abcdefghij");
    assert.equal(seen.bodyTruncated, true);
    assert.equal(seen.bodyLength, 10, "no Content-Length: the inspected length");
    const head = await request(port, { method: "HEAD" });
    assert.equal(head.status, 200);
    assert.equal(head.body.length, 0);
  });

  test("Expect: 100-continue is answered by the listener; the target gets the body without it", async () => {
    const u = await upstream();
    dp = newDataPlane();
    const port = await openHttp(dp, [{ id: "127.0.0.1", port: u.port }]);
    const r = await new Promise<{ status: number; continued: boolean }>((resolve, reject) => {
      let continued = false;
      const req = http.request({ host: "127.0.0.1", port, method: "PUT", path: "/expect", agent: false, headers: { expect: "100-continue", "content-length": "5" } }, (res) => {
        res.resume();
        res.on("end", () => resolve({ status: res.statusCode ?? 0, continued }));
      });
      req.on("continue", () => {
        continued = true;
        req.end("hello");
      });
      req.on("error", reject);
    });
    assert.deepEqual(r, { status: 200, continued: true });
    const fwd = proxied(u).find((x) => x.url === "/expect")!;
    assert.equal(fwd.body.toString(), "hello");
    assert.equal(fwd.headers["expect"], undefined);
    assert.equal(fwd.headers["content-length"], "5");
  });

  test("a WebSocket-style upgrade is spliced to the target after its 101", async () => {
    const u = await upstream();
    u.server.on("upgrade", (req: http.IncomingMessage, socket: net.Socket) => {
      socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\nX-Seen-Forwarded-For: ${String(req.headers["x-forwarded-for"])}\r\n\r\n`);
      socket.on("data", (d: Buffer) => socket.write(Buffer.concat([Buffer.from("echo:"), d])));
    });
    dp = newDataPlane();
    const port = await openHttp(dp, [{ id: "127.0.0.1", port: u.port }], { tg: { healthCheck: { ...targetGroup([]).healthCheck, enabled: false } } });
    const c = net.connect({ host: "127.0.0.1", port });
    let got = "";
    c.on("data", (d: Buffer) => {
      got += d.toString();
      if (got.includes("\r\n\r\n") && !got.includes("echo:")) c.write("ping");
    });
    c.write("GET /ws HTTP/1.1\r\nHost: a\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n");
    await until(() => got.includes("echo:ping"));
    c.destroy();
    assert.match(got, /^HTTP\/1\.1 101 Switching Protocols\r\n/);
    assert.match(got, /\r\nUpgrade: echo\r\n/);
    assert.match(got, /\r\nX-Seen-Forwarded-For: 127\.0\.0\.1\r\n/);
  });

  test("an upgrade goes to a target group by the forward action's weights, as other requests do", async () => {
    const upgraded = (u: Upstream, name: string): void => {
      u.server.on("upgrade", (_req: http.IncomingMessage, socket: net.Socket) => socket.end(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\nX-Group: ${name}\r\n\r\n`));
    };
    const heavy = await upstream();
    const unused = await upstream();
    upgraded(heavy, "heavy");
    upgraded(unused, "unused");
    dp = newDataPlane();
    const noChecks = { healthCheck: { ...targetGroup([]).healthCheck, enabled: false } };
    const unusedArn = `${TG_ARN}0`;
    dp.putTargetGroup({ ...targetGroup([{ id: "127.0.0.1", port: unused.port }], noChecks), arn: unusedArn });
    const port = await openHttp(dp, [{ id: "127.0.0.1", port: heavy.port }], {
      tg: noChecks,
      action: { type: "forward", targetGroups: [{ arn: unusedArn, weight: 0 }, { arn: TG_ARN, weight: 1 }] },
    });
    for (let i = 0; i < 5; i++) {
      const head = await rawExchange(port, "GET /ws HTTP/1.1\r\nHost: a\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n");
      assert.match(head, /\r\nX-Group: heavy\r\n/);
    }
  });
});
