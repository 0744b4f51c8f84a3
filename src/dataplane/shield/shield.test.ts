/** Shield's standard protections, each exercised with real sockets against a listener. */
import { afterEach, test } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import http from "node:http";
import type { DataPlane } from "../data-plane.js";
import { LISTENER_ARN, newDataPlane, openHttp, request, sleep, startUpstream, targetGroup, until, type Upstream } from "../testing/fixtures.js";
import type { ShieldLimits } from "../limits.js";

let dp: DataPlane | undefined;
const ups: Upstream[] = [];
const sockets: net.Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await dp?.close();
  dp = undefined;
  await Promise.all(ups.splice(0).map((u) => u.close()));
});

const NO_CHECKS = { healthCheck: { ...targetGroup([]).healthCheck, enabled: false } };

async function setup(limits: Partial<ShieldLimits>, handler?: Parameters<typeof startUpstream>[0]): Promise<{ port: number; up: Upstream }> {
  const up = await startUpstream(handler);
  ups.push(up);
  dp = newDataPlane(limits);
  const port = await openHttp(dp, [{ id: "127.0.0.1", port: up.port }], { tg: NO_CHECKS });
  return { port, up };
}

/** A raw client: collects everything received and resolves `closed` when the server hangs up. */
function rawClient(port: number, localAddress?: string): { socket: net.Socket; received: () => string; closed: Promise<number> } {
  const socket = net.connect({ host: "127.0.0.1", port, ...(localAddress ? { localAddress } : {}) });
  sockets.push(socket);
  const chunks: Buffer[] = [];
  const t0 = Date.now();
  socket.on("data", (c: Buffer) => chunks.push(c));
  socket.on("error", () => {});
  const closed = new Promise<number>((r) => socket.once("close", () => r(Date.now() - t0)));
  return { socket, received: () => Buffer.concat(chunks).toString("latin1"), closed };
}

test("slowloris: a client sending one header byte at a time is cut off with 408", async () => {
  const { port } = await setup({ headerTimeoutMs: 600 });
  const c = rawClient(port);
  await new Promise((r) => c.socket.once("connect", r));
  const header = "GET / HTTP/1.1\r\nHost: a\r\nX-Slow: " + "x".repeat(100);
  let i = 0;
  const drip = setInterval(() => {
    if (c.socket.writable && i < header.length) c.socket.write(header[i++]!);
  }, 50);
  const ms = await c.closed;
  clearInterval(drip);
  assert.ok(ms >= 550 && ms < 3000, `closed after ${ms} ms`);
  assert.match(c.received(), /^HTTP\/1\.1 408 Request Time-out\r\n/);
  assert.ok(i < header.length, "the header never completed");
});

test("a client opening 1,000 connections keeps only its per-IP share; other clients still get in", async () => {
  const { port } = await setup({ maxConnectionsPerIp: 50 });
  const clients = Array.from({ length: 1000 }, () => rawClient(port));
  await until(() => dp!.listener(LISTENER_ARN)!.guard.refused === 950, 5000);
  const closedEarly = await Promise.all(clients.map((c) => Promise.race([c.closed.then(() => true), sleep(300).then(() => false)])));
  assert.equal(closedEarly.filter(Boolean).length, 950);
  assert.equal(dp!.listener(LISTENER_ARN)!.guard.open("127.0.0.1"), 50);
  // Another address is not affected by the flood (Linux routes all of 127/8 to loopback).
  const other = await new Promise<number>((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port, localAddress: "127.0.0.2", agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("error", reject);
    req.end();
  });
  assert.equal(other, 200);
  for (const c of clients) c.socket.destroy();
  await until(() => dp!.listener(LISTENER_ARN)!.guard.open("127.0.0.1") === 0);
  assert.equal((await request(port)).status, 200);
});

test("request headers over the limit → 400 (ALB answers its header limits with 400)", async () => {
  const { port, up } = await setup({ maxHeaderBytes: 1024 });
  const r = await request(port, { headers: { "x-big": "a".repeat(2000) } });
  assert.equal(r.status, 400);
  assert.match(r.body.toString(), /400 Bad Request/);
  assert.equal(up.seen.length, 0);
});

test("request bodies over the limit → 413 (declared or streamed), connection closed", async () => {
  const { port, up } = await setup({ maxBodyBytes: 1000 });
  const declared = await request(port, { method: "POST", body: Buffer.alloc(2000, 1) });
  assert.equal(declared.status, 413);
  assert.equal(declared.headers.connection, "close");
  const c = rawClient(port);
  c.socket.write("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n");
  for (let i = 0; i < 5; i++) c.socket.write(`190\r\n${"z".repeat(400)}\r\n`);
  await c.closed;
  assert.match(c.received(), /^HTTP\/1\.1 413 Request Entity Too Large\r\n/);
  assert.equal(up.seen.length, 0);
});

test("slow POST: a stalled body → 408 after the idle timeout; a trickle below the minimum rate → 408", async () => {
  const { port } = await setup({ bodyIdleTimeoutMs: 300, minBodyBytesPerSecond: 1000, bodyRateGraceMs: 300 });
  const stalled = rawClient(port);
  stalled.socket.write("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\n0123456789");
  const ms = await stalled.closed;
  assert.ok(ms >= 250 && ms < 2000, `closed after ${ms} ms`);
  assert.match(stalled.received(), /^HTTP\/1\.1 408 Request Time-out\r\n/);

  const trickle = rawClient(port);
  trickle.socket.write("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1000\r\n\r\n");
  const drip = setInterval(() => trickle.socket.writable && trickle.socket.write("x"), 50);
  const ms2 = await trickle.closed;
  clearInterval(drip);
  assert.ok(ms2 >= 250 && ms2 < 2000, `closed after ${ms2} ms`);
  assert.match(trickle.received(), /^HTTP\/1\.1 408 Request Time-out\r\n/);
});

test("slow read: a client that stops reading a response is disconnected", async () => {
  const chunk = Buffer.alloc(64 * 1024, 0x62);
  let upstreamAborted = false;
  const { port } = await setup({ sendTimeoutMs: 300 }, (_req, res) => {
    res.writeHead(200, { "content-type": "application/octet-stream" });
    let sent = 0;
    res.on("close", () => (upstreamAborted = !res.writableFinished));
    const pump = (): void => {
      while (sent < 512 * 1024 * 1024) {
        sent += chunk.length;
        if (!res.write(chunk)) return void res.once("drain", pump);
      }
      res.end();
    };
    pump();
  });
  const c = rawClient(port);
  c.socket.write("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
  await sleep(50);
  c.socket.pause();
  const t0 = Date.now();
  // The client never reads again, so it cannot observe the hang-up; the listener can.
  await until(() => dp!.listener(LISTENER_ARN)!.openConnections() === 0, 5000);
  assert.ok(Date.now() - t0 >= 250, "not before the send timeout");
  await until(() => upstreamAborted);
});

test("max requests per connection: the last allowed response closes the connection", async () => {
  const { port } = await setup({ maxRequestsPerConnection: 2 });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const a = await request(port, { agent });
  const b = await request(port, { agent });
  agent.destroy();
  assert.equal(a.headers.connection, "keep-alive");
  assert.equal(b.headers.connection, "close");
  assert.equal(b.reused, true);
});
