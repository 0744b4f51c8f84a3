/**
 * The API endpoint's own routes and graceful shutdown, run against both HTTP engines.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { pino } from "pino";
import { systemClock } from "../core/clock.js";
import type { ApiHandler, ApiRequest } from "./api.js";
import { createMetrics } from "./metrics.js";
import { startServer, type HttpEngine, type RunningServer } from "./server.js";
import { exchange, sleep } from "./http1/testing/raw-client.js";
import net from "node:net";
import tls from "node:tls";
import { createTestSealer } from "../services/sts/testing/fake-sealer.js";
import { issueServerCertificate } from "./tls-ca.js";

const GET = (path: string) => `GET ${path} HTTP/1.1\r\nHost: a\r\n\r\n`;

async function start(engine: HttpEngine, handle: ApiHandler, opts: { healthy?: boolean; tls?: { certPem: string; keyPem: string }; maxConnectionsPerIp?: number } = {}): Promise<RunningServer> {
  const healthy = opts.healthy ?? true;
  return startServer({
    host: "127.0.0.1",
    port: 0,
    engine,
    ...(opts.tls !== undefined ? { tls: opts.tls } : {}),
    ...(opts.maxConnectionsPerIp !== undefined ? { maxConnectionsPerIp: opts.maxConnectionsPerIp } : {}),
    maxBodyBytes: 64,
    clock: systemClock,
    logger: pino({ level: "silent" }),
    metrics: createMetrics(),
    handle,
    health: async () => ({ ok: healthy, detail: { storage: "test" } }),
    publicDocuments: {
      prefix: "/outbound/",
      get: async (p) => (p === "/outbound/doc" ? { contentType: "application/json", body: '{"issuer":"x"}', cacheControl: "max-age=60" } : undefined),
    },
  });
}

const echo: ApiHandler = async (req: ApiRequest, res) => {
  if (req.body === undefined) return res.send(413, { "content-type": "text/plain" }, "too large");
  if (req.url === "/throw") throw new Error("boom");
  if (req.url === "/slow") await sleep(300);
  res.send(200, { "content-type": "text/plain", date: "Thu, 01 Jan 2026 00:00:00 GMT" }, `${req.method} ${req.url} ${req.body.length} ${req.remoteAddress}`);
};

for (const engine of ["http1", "node"] as const) {
  describe(`API endpoint (${engine} engine)`, () => {
    test("/health, /metrics and public documents (GET and HEAD) are answered without the pipeline", async () => {
      let piped = 0;
      const s = await start(engine, async (req, res) => {
        piped++;
        await echo(req, res, false);
      });
      try {
        const x = await exchange(s.port, [GET("/health") + GET("/metrics") + GET("/outbound/doc?x=1") + "HEAD /outbound/doc HTTP/1.1\r\nHost: a\r\n\r\n" + GET("/outbound/none") + "HEAD /health HTTP/1.1\r\nHost: a\r\n\r\n"], { headless: [3, 5] });
        assert.deepEqual(
          x.responses.map((r) => r.status),
          [200, 200, 200, 200, 404, 200],
        );
        assert.equal(x.responses[5]!.headers["content-length"], String(x.responses[0]!.body.length));
        assert.equal(x.responses[5]!.body, "");
        assert.deepEqual(JSON.parse(x.responses[0]!.body), { status: "ok", storage: "test" });
        assert.match(x.responses[1]!.headers["content-type"]!, /^text\/plain/);
        assert.equal(x.responses[2]!.body, '{"issuer":"x"}');
        assert.equal(x.responses[2]!.headers["cache-control"], "max-age=60");
        assert.equal(x.responses[3]!.headers["content-length"], String('{"issuer":"x"}'.length));
        assert.equal(x.responses[3]!.body, "");
        for (const r of x.responses) assert.ok(!Number.isNaN(Date.parse(r.headers["date"] ?? "")), "date header");
        assert.equal(piped, 0);
        assert.equal(x.closed, false);
      } finally {
        await s.close(100);
      }
    });

    test("everything else goes to the handler, with the body; a failing handler gets 500", async () => {
      const s = await start(engine, echo);
      try {
        const x = await exchange(s.port, ["POST /x?y HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc" + GET("/throw") + GET("/health")]);
        assert.equal(x.responses[0]?.body, "POST /x?y 3 127.0.0.1");
        // The handler's own Date is kept.
        assert.equal(x.responses[0]?.headers["date"], "Thu, 01 Jan 2026 00:00:00 GMT");
        assert.equal(x.responses[1]?.status, 500);
        assert.equal(JSON.parse(x.responses[1]!.body).__type, "InternalFailure");
        assert.equal(x.responses[2]?.status, 200);
        assert.equal(s.inFlight(), 0);
      } finally {
        await s.close(100);
      }
    });

    test("requests read in one turn of the event loop reach the handler together, in arrival order, after that turn's reads", async () => {
      const calls: string[] = [];
      const paths = ["/a", "/b", "/c"];
      const s = await start(engine, async (req, res) => {
        calls.push(`start ${req.url}`);
        await null;
        calls.push(`continue ${req.url}`);
        res.send(200, { "content-type": "text/plain" }, req.url);
      });
      const conns = await Promise.all(
        paths.map(
          () =>
            new Promise<net.Socket>((resolve, reject) => {
              const c = net.connect(s.port, "127.0.0.1", () => resolve(c));
              c.on("error", reject);
            }),
        ),
      );
      try {
        await sleep(50); // the server has accepted all three
        const answered = conns.map((c) => new Promise<string>((resolve) => c.once("data", (d: Buffer) => resolve(d.toString("latin1")))));
        // Written in one synchronous block: on loopback all three are in the server's receive
        // queues before its next poll, which reads them in one turn.
        conns.forEach((c, i) => c.write(GET(paths[i]!)));
        const answers = await Promise.all(answered);
        answers.forEach((a, i) => assert.ok(a.startsWith("HTTP/1.1 200") && a.endsWith(paths[i]!), a));
        // Dispatched from each connection's read callback, each request's handler would have run
        // on at once (microtasks run after every callback): start /a, continue /a, start /b, …
        assert.deepEqual(calls, ["start /a", "start /b", "start /c", "continue /a", "continue /b", "continue /c"]);
        assert.equal(s.inFlight(), 0);
      } finally {
        conns.forEach((c) => c.destroy());
        await s.close(100);
      }
    });

    test("a chunked body of one-byte chunks, and one arriving in one-byte packets, reaches the handler exactly", async () => {
      const s = await start(engine, async (req, res) => res.send(200, { "content-type": "text/plain" }, req.body === undefined ? "none" : req.body));
      try {
        const data = "abcdefghijklmnopqrstuvwxyz0123456789";
        const chunked = [...data].map((c) => `1\r\n${c}\r\n`).join("") + "0\r\n\r\n";
        const x = await exchange(s.port, ["POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked]);
        assert.equal(x.responses[0]?.body, data);
        const y = await exchange(s.port, [`POST / HTTP/1.1\r\nHost: a\r\nContent-Length: ${data.length}\r\n\r\n`, ...data], { gapMs: 2 });
        assert.equal(y.responses[0]?.body, data);
        const z = await exchange(s.port, ["POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n", ...chunked], { gapMs: 1 });
        assert.equal(z.responses[0]?.body, data);
      } finally {
        await s.close(100);
      }
    });

    test("TLS: 1.0 and 1.1 are refused; a client-initiated renegotiation is refused, not served", async () => {
      const meta = new Map<string, string>();
      const store = { getMeta: async (k: string) => meta.get(k), setMeta: async (k: string, v: string) => void meta.set(k, v) };
      const cert = await issueServerCertificate(store, createTestSealer(), systemClock, ["localhost"]);
      const s = await start(engine, echo, { tls: { certPem: cert.certPem, keyPem: cert.keyPem } });
      try {
        const connect = (opts: tls.ConnectionOptions) =>
          new Promise<tls.TLSSocket>((resolve, reject) => {
            const c = tls.connect({ host: "127.0.0.1", port: s.port, ca: cert.caCertPem, servername: "localhost", ...opts }, () => resolve(c));
            c.once("error", reject);
          });
        for (const v of ["TLSv1", "TLSv1.1"] as const) {
          await assert.rejects(connect({ minVersion: v, maxVersion: v }), (e: NodeJS.ErrnoException) => e.code === "ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION" || e.code === "ERR_SSL_UNSUPPORTED_PROTOCOL", v);
        }
        const c = await connect({ maxVersion: "TLSv1.2" });
        const failed = new Promise<string | undefined>((resolve) => c.once("error", (e: NodeJS.ErrnoException) => resolve(e.code)));
        c.renegotiate({}, () => undefined);
        assert.equal(await failed, "ERR_SSL_NO_RENEGOTIATION");
        c.destroy();
        const x = await exchange(s.port, [GET("/health")], { tls: { ca: cert.caCertPem } });
        assert.equal(x.responses[0]?.status, 200);
      } finally {
        await s.close(100);
      }
    });

    test("one address holds at most maxConnectionsPerIp connections: more are closed unanswered, a freed slot serves again", async () => {
      const s = await start(engine, echo, { maxConnectionsPerIp: 3 });
      const open = (): Promise<net.Socket> =>
        new Promise((resolve, reject) => {
          const c = net.connect(s.port, "127.0.0.1", () => resolve(c));
          c.once("error", reject);
        });
      try {
        const held = [await open(), await open(), await open()];
        await sleep(50);
        const over = await exchange(s.port, [GET("/health")]);
        assert.deepEqual([over.text, over.closed], ["", true]);
        held[0]!.destroy();
        await sleep(50);
        const again = await exchange(s.port, [GET("/health")]);
        assert.equal(again.responses[0]?.status, 200);
        for (const c of held) c.destroy();
      } finally {
        await s.close(100);
      }
    });

    test("TLS: a connection the client closes before its handshake is closed at once (it holds no slot); a half-close after a request is answered (http1 engine)", async () => {
      const meta = new Map<string, string>();
      const store = { getMeta: async (k: string) => meta.get(k), setMeta: async (k: string, v: string) => void meta.set(k, v) };
      const cert = await issueServerCertificate(store, createTestSealer(), systemClock, ["localhost"]);
      const s = await start(engine, echo, { tls: { certPem: cert.certPem, keyPem: cert.keyPem }, maxConnectionsPerIp: 2 });
      try {
        for (let i = 0; i < 4; i++) {
          const c = net.connect(s.port, "127.0.0.1");
          await new Promise<void>((resolve) => c.once("connect", () => resolve()));
          const closed = new Promise<void>((resolve) => c.once("close", () => resolve()));
          c.end();
          await closed;
        }
        const x = await exchange(s.port, [GET("/health")], { tls: { ca: cert.caCertPem } });
        assert.equal(x.responses[0]?.status, 200);
        // node:https ends a TLS connection the client half-closes before an answer that comes
        // later than the request's read is written (every API answer: the pipeline is
        // asynchronous); Bulwark's own engine answers, then closes.
        if (engine === "http1") {
          const half = await exchange(s.port, ["POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nok"], { tls: { ca: cert.caCertPem }, end: true });
          assert.equal(half.responses[0]?.body, "POST / 2 127.0.0.1");
          assert.ok(half.closed);
        }
      } finally {
        await s.close(100);
      }
    });

    test("HTTP/1.x is served: other versions get 505, HTTP/0.9 simple requests an error, then close", async () => {
      let piped = 0;
      const s = await start(engine, async (req, res) => {
        piped++;
        await echo(req, res, false);
      });
      try {
        for (const [raw, status] of [
          ["GET /x HTTP/2.0\r\nHost: a\r\n\r\n", 505],
          ["GET /x HTTP/0.9\r\nHost: a\r\n\r\n", 505],
          ["GET /x\r\n\r\n", engine === "node" ? 505 : 400],
        ] as const) {
          const x = await exchange(s.port, [raw + GET("/health")]);
          assert.deepEqual(
            x.responses.map((r) => r.status),
            [status],
            raw,
          );
          assert.ok(x.closed, raw);
        }
        assert.equal(piped, 0);
        // A later 1.x minor version is served as 1.1 (RFC 9110 §2.5); node:http's parser refuses it.
        const later = await exchange(s.port, ["GET /x HTTP/1.2\r\nHost: a\r\n\r\n"]);
        assert.deepEqual(
          later.responses.map((r) => r.status),
          [engine === "node" ? 400 : 200],
        );
      } finally {
        await s.close(100);
      }
    });

    test("a body over the limit reaches the handler as undefined; the connection closes after the answer", async () => {
      const s = await start(engine, echo);
      try {
        const x = await exchange(s.port, [`POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 65\r\n\r\n${"x".repeat(65)}` + GET("/")]);
        assert.deepEqual(
          x.responses.map((r) => r.status),
          [413],
        );
        assert.equal(x.responses[0]?.headers["connection"], "close");
        assert.ok(x.closed);
        // A length of 16 digits is as much over the limit, not malformed.
        const huge = await exchange(s.port, [`POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1234567890123456\r\n\r\n${"x".repeat(65)}` + GET("/")]);
        assert.deepEqual(
          huge.responses.map((r) => r.status),
          [413],
        );
        assert.ok(huge.closed);
      } finally {
        await s.close(100);
      }
    });

    test("close(): in-flight requests finish with connection: close, idle connections close, then the listener stops", async () => {
      const s = await start(engine, echo);
      const idle = exchange(s.port, [GET("/")], { quietMs: 2000 });
      await sleep(50);
      const slow = exchange(s.port, [GET("/slow")], { quietMs: 2000 });
      await sleep(50);
      assert.equal(s.inFlight(), 1);
      const started = Date.now();
      await s.close(5000);
      assert.ok(Date.now() - started < 2000, `close took ${Date.now() - started} ms`);
      const done = await slow;
      assert.equal(done.responses[0]?.status, 200);
      assert.equal(done.responses[0]?.headers["connection"], "close");
      assert.ok(done.closed);
      const idled = await idle;
      assert.equal(idled.responses.length, 1);
      assert.ok(idled.closed);
      await assert.rejects(exchange(s.port, [GET("/")]));
    });

    test("close() waits for a request whose body is still arriving, within the grace time", async () => {
      const s = await start(engine, echo);
      const partial = exchange(s.port, ["POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n\r\nab", "cd"], { gapMs: 500, quietMs: 1000 });
      await sleep(100);
      await s.close(3000);
      const x = await partial;
      assert.equal(x.responses[0]?.body, "POST / 4 127.0.0.1");
      assert.equal(x.responses[0]?.headers["connection"], "close");
    });

    // node:http's server.close() closes idle connections at once; the http1 engine lets them in for the straggler time.
    test("while draining, a request on an open connection is still answered (/health: 503), with connection: close", { skip: engine === "node" ? "node:http closes idle connections as soon as it drains" : false }, async () => {
      const s = await start(engine, echo);
      const conn = exchange(s.port, [GET("/"), GET("/health")], { gapMs: 150, quietMs: 1000 });
      await sleep(75);
      const closing = s.close(3000);
      const x = await conn;
      await closing;
      assert.deepEqual(
        x.responses.map((r) => r.status),
        [200, 503],
      );
      assert.equal(JSON.parse(x.responses[1]!.body).status, "unavailable");
      assert.equal(x.responses[1]?.headers["connection"], "close");
      assert.ok(x.closed);
    });
  });
}
