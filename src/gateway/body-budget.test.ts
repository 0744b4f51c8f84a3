/**
 * The memory budget shared by request bodies being received, and both HTTP engines keeping it:
 * a body that does not fit is left unread (503 here, as the pipeline answers), one that fits is
 * served meanwhile, and every way a body ends gives its reservation back.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import { BodyBudget } from "./body-budget.js";
import type { ApiRequest, ApiResponder, Listener, ListenerOptions } from "./api.js";
import { startHttp1Listener, type Http1ListenerOptions } from "./http1/listener.js";
import { startNodeListener } from "./node-listener.js";
import { exchange, sleep } from "./http1/testing/raw-client.js";

const MAX_BODY = 1024;

describe("BodyBudget", () => {
  test("reserves while the total fits, refuses (reserving nothing) beyond, and gets back what is released", () => {
    const b = new BodyBudget(100);
    assert.equal(b.tryReserve(60), true);
    assert.equal(b.tryReserve(41), false);
    assert.equal(b.reserved, 60);
    assert.equal(b.tryReserve(40), true);
    assert.equal(b.tryReserve(1), false);
    b.release(60);
    assert.equal(b.tryReserve(60), true);
    b.release(60);
    b.release(40);
    assert.equal(b.reserved, 0);
  });

  test("limit 0: no limit, still counted", () => {
    const b = new BodyBudget(0);
    assert.equal(b.tryReserve(2 ** 40), true);
    assert.equal(b.reserved, 2 ** 40);
    b.release(2 ** 40);
    assert.equal(b.reserved, 0);
  });
});

/** Echoes the body's length; a body left unread gets 413 (too large) or 503 (no room), as the pipeline answers. */
function handler(seen: ApiRequest[]) {
  return (req: ApiRequest, res: ApiResponder): void => {
    seen.push(req);
    if (req.body === undefined) {
      res.send(req.unread === "busy" ? 503 : 413, { "content-type": "text/plain" }, req.unread ?? "?");
      return;
    }
    res.send(200, { "content-type": "text/plain" }, `${req.body.length} ${req.body.subarray(0, 8).toString("latin1")}`);
  };
}

/** A raw connection that sends `head` and part of a body, then holds it open. */
async function hold(port: number, bytes: string): Promise<net.Socket> {
  const s = net.connect(port, "127.0.0.1");
  s.on("error", () => undefined);
  await new Promise<void>((resolve) => s.once("connect", () => resolve()));
  s.write(bytes);
  return s;
}

async function until(what: string, ok: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

async function stop(l: Listener): Promise<void> {
  const closed = l.stopAccepting();
  l.destroyAll();
  await closed;
}

const POST = (length: number | "chunked", extra = "") =>
  `POST / HTTP/1.1\r\nHost: a\r\n${length === "chunked" ? "Transfer-Encoding: chunked" : `Content-Length: ${length}`}\r\n${extra}\r\n`;
const chunk = (data: string) => `${data.length.toString(16)}\r\n${data}\r\n`;

type Start = (opts: ListenerOptions & Pick<Http1ListenerOptions, "limits" | "sweepIntervalMs">) => Promise<Listener>;

for (const [engine, start] of [
  ["http1", startHttp1Listener],
  ["node", startNodeListener],
] as Array<[string, Start]>) {
  describe(`body budget (${engine} engine)`, () => {
    test("a Content-Length body reserves its declared length when it starts; one that does not fit is answered unread and closed, one that fits is served", async () => {
      const budget = new BodyBudget(2500);
      const seen: ApiRequest[] = [];
      const l = await start({ host: "127.0.0.1", port: 0, maxBodyBytes: MAX_BODY, bodyBudget: budget, onRequest: handler(seen) });
      try {
        // Two senders that stall after a few bytes hold the whole of what they declared.
        const a = await hold(l.port, POST(1024) + "a".repeat(10));
        await until("a's reservation", () => budget.reserved === 1024);
        const b = await hold(l.port, POST(1024) + "b".repeat(10));
        await until("b's reservation", () => budget.reserved === 2048);
        // A third does not fit: answered at once, its body unread, the connection closed.
        const c = await exchange(l.port, [POST(1000) + "c".repeat(100)], { quietMs: 500 });
        assert.deepEqual(
          c.responses.map((r) => [r.status, r.body]),
          [[503, "busy"]],
        );
        assert.equal(c.responses[0]?.headers["connection"], "close");
        assert.ok(c.closed);
        assert.equal(budget.reserved, 2048);
        // A small body fits meanwhile and is served; a keep-alive connection goes on.
        const d = await exchange(l.port, [POST(5) + "hello" + POST(3) + "abc"]);
        assert.deepEqual(
          d.responses.map((r) => [r.status, r.body]),
          [
            [200, "5 hello"],
            [200, "3 abc"],
          ],
        );
        assert.equal(d.closed, false);
        // Too large stays 413 whatever the budget.
        const e = await exchange(l.port, [POST(MAX_BODY + 1)]);
        assert.deepEqual(
          e.responses.map((r) => r.status),
          [413],
        );
        // a completes: its body is handed over and its reservation released; b is reset mid-body.
        const aAnswer = new Promise<string>((resolve) => {
          let text = "";
          a.on("data", (x: Buffer) => {
            text += x.toString("latin1");
            if (text.endsWith("aaaaaaaa")) resolve(text);
          });
        });
        a.write("a".repeat(1014));
        assert.match(await aAnswer, /^HTTP\/1\.1 200 [\s\S]*\r\n\r\n1024 aaaaaaaa$/);
        await until("a's release", () => budget.reserved === 1024);
        b.resetAndDestroy();
        await until("b's release", () => budget.reserved === 0);
        a.destroy();
        assert.deepEqual(
          seen.map((r) => r.unread ?? r.body?.length),
          ["busy", 5, 3, "too-large", 1024],
        );
      } finally {
        await stop(l);
      }
    });

    test("a request's own body limit from its head: over it, the body is left unread (nothing reserved), chunked too; others keep the endpoint's limit", async () => {
      const budget = new BodyBudget(10_000);
      const seen: ApiRequest[] = [];
      const heads: string[] = [];
      // Requests without an "authorization" header may carry 100 bytes (as the gateway does for unsigned ones).
      const bodyLimit = (headers: ApiRequest["headers"], url: string): number => {
        heads.push(url);
        return headers["authorization"] === undefined ? 100 : 1_000_000;
      };
      const l = await start({ host: "127.0.0.1", port: 0, maxBodyBytes: MAX_BODY, bodyBudget: budget, bodyLimit, onRequest: handler(seen) });
      try {
        // Declared over the request's limit, no body sent at all: answered at once, nothing reserved.
        const a = await exchange(l.port, [POST(101)], { quietMs: 300 });
        assert.deepEqual(
          a.responses.map((r) => [r.status, r.body]),
          [[413, "too-large"]],
        );
        assert.equal(budget.reserved, 0);
        const b = await exchange(l.port, [POST("chunked") + chunk("x".repeat(60)) + chunk("y".repeat(60)) + "0\r\n\r\n"], { quietMs: 300 });
        assert.deepEqual(
          b.responses.map((r) => [r.status, r.body]),
          [[413, "too-large"]],
        );
        // At the limit, and a signed-looking one above it: read as usual; the endpoint's limit (capped) still holds.
        const c = await exchange(l.port, [POST(100) + "z".repeat(100) + POST(500, "Authorization: x\r\n") + "w".repeat(500) + POST(MAX_BODY + 1, "Authorization: x\r\n")]);
        assert.deepEqual(
          c.responses.map((r) => [r.status, r.body]),
          [
            [200, "100 zzzzzzzz"],
            [200, "500 wwwwwwww"],
            [413, "too-large"],
          ],
        );
        assert.deepEqual(heads, ["/", "/", "/", "/", "/"]);
        await until("releases", () => budget.reserved === 0);
      } finally {
        await stop(l);
      }
    });

    test("a chunked body reserves its data as it arrives; the one that no longer fits is refused and gives back what it had", async () => {
      const budget = new BodyBudget(1500);
      const seen: ApiRequest[] = [];
      const l = await start({ host: "127.0.0.1", port: 0, maxBodyBytes: MAX_BODY, bodyBudget: budget, onRequest: handler(seen) });
      try {
        const a = await hold(l.port, POST("chunked") + chunk("x".repeat(600)));
        await until("a's data", () => budget.reserved === 600);
        a.write(chunk("y".repeat(400)).slice(0, 205));
        await until("a's second chunk", () => budget.reserved === 800);
        // b's first 400 bytes fit, its next 400 do not (its body, 800 bytes, is within the limit).
        const b = await exchange(l.port, [POST("chunked") + chunk("z".repeat(400)), chunk("z".repeat(400))], { gapMs: 50, quietMs: 500 });
        assert.deepEqual(
          b.responses.map((r) => [r.status, r.body]),
          [[503, "busy"]],
        );
        assert.ok(b.closed);
        await until("b's release", () => budget.reserved === 800);
        const small = await exchange(l.port, [POST("chunked") + chunk("small") + "0\r\n\r\n"]);
        assert.deepEqual(
          small.responses.map((r) => [r.status, r.body]),
          [[200, "5 small"]],
        );
        a.destroy();
        await until("a's release", () => budget.reserved === 0);
      } finally {
        await stop(l);
      }
    });

    test("every way out gives the reservation back: after many aborted, refused and shut-down bodies the budget is at 0", async () => {
      const budget = new BodyBudget(1 << 20);
      const seen: ApiRequest[] = [];
      const l = await start({
        host: "127.0.0.1",
        port: 0,
        maxBodyBytes: MAX_BODY,
        bodyBudget: budget,
        onRequest: handler(seen),
        limits: { requestTimeoutMs: 200, lingerMs: 200 },
        sweepIntervalMs: 20,
      });
      try {
        const held: net.Socket[] = [];
        for (let i = 0; i < 20; i++) {
          // Reset, closed, and half-closed (a request cut short) mid-body, Content-Length and chunked.
          for (const bytes of [POST(1000) + "r".repeat(100), POST("chunked") + chunk("r".repeat(300)) + "12\r\nabc"]) {
            const s = await hold(l.port, bytes);
            held.push(s);
            if (i % 3 === 0) s.resetAndDestroy();
            else if (i % 3 === 1) s.destroy();
            else s.end();
          }
        }
        await until("every aborted body's release", () => budget.reserved === 0);
        // A malformed chunk after some data: 400.
        const bad = await exchange(l.port, [POST("chunked") + chunk("m".repeat(500)), "zz\r\n"], { gapMs: 50 });
        assert.equal(bad.responses[0]?.status, 400);
        await until("the malformed body's release", () => budget.reserved === 0);
        // Shutdown with bodies half received.
        for (let i = 0; i < 10; i++) held.push(await hold(l.port, POST(900) + "s".repeat(10)));
        await until("the held bodies' reservations", () => budget.reserved === 9000);
        l.destroyAll();
        await until("the shut-down bodies' release", () => budget.reserved === 0);
        for (const s of held) s.destroy();
        assert.equal(seen.length, 0);
      } finally {
        await stop(l);
      }
    });

    if (engine === "http1") {
      test("http1: a body that does not fit gets no 100 Continue; a stalled one times out (408) and gives its reservation back", async () => {
        const budget = new BodyBudget(1500);
        const seen: ApiRequest[] = [];
        const l = await start({
          host: "127.0.0.1",
          port: 0,
          maxBodyBytes: MAX_BODY,
          bodyBudget: budget,
          onRequest: handler(seen),
          limits: { requestTimeoutMs: 300, lingerMs: 200 },
          sweepIntervalMs: 20,
        });
        try {
          const stalled = exchange(l.port, [POST(1000) + "t".repeat(10)], { quietMs: 2000 });
          await until("the stalled body's reservation", () => budget.reserved === 1000);
          const refused = await exchange(l.port, [POST(1000, "Expect: 100-continue\r\n")]);
          assert.deepEqual(
            refused.responses.map((r) => r.status),
            [503],
          );
          const x = await stalled;
          assert.deepEqual(
            x.responses.map((r) => r.status),
            [408],
          );
          assert.equal(budget.reserved, 0);
          // With room again, the same request gets its 100 Continue and is served.
          const ok = await exchange(l.port, [POST(4, "Expect: 100-continue\r\n"), "okay"], { gapMs: 50 });
          assert.deepEqual(
            ok.responses.map((r) => r.status),
            [100, 200],
          );
          assert.equal(budget.reserved, 0);
        } finally {
          await stop(l);
        }
      });
    }
  });
}
