/**
 * Shield's standard protections at a listener of the real server, configured through the
 * environment: a slowloris client is cut off, a connection flood from one address is capped,
 * oversized headers and bodies are refused.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import net from "node:net";
import type { AddressInfo } from "node:net";
import { ElasticLoadBalancingV2Client, CreateLoadBalancerCommand, CreateListenerCommand } from "@aws-sdk/client-elastic-load-balancing-v2";
import { startTestServer, eventually, type TestServer } from "./harness.js";

let s: TestServer;
let port: number;
let listenerArn: string;
const open: net.Socket[] = [];

before(async () => {
  s = await startTestServer({
    env: {
      BULWARK_DATAPLANE_HEADER_TIMEOUT_MS: "500",
      BULWARK_DATAPLANE_MAX_CONNECTIONS_PER_IP: "20",
      BULWARK_DATAPLANE_MAX_HEADER_BYTES: "2048",
      BULWARK_DATAPLANE_MAX_BODY_BYTES: "1024",
    },
  });
  const elb = new ElasticLoadBalancingV2Client(s.clientConfig());
  const lb = await elb.send(new CreateLoadBalancerCommand({ Name: "shielded" }));
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  port = (srv.address() as AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  const l = await elb.send(
    new CreateListenerCommand({ LoadBalancerArn: lb.LoadBalancers![0]!.LoadBalancerArn!, Protocol: "HTTP", Port: port, DefaultActions: [{ Type: "fixed-response", FixedResponseConfig: { StatusCode: "200", MessageBody: "ok" } }] }),
  );
  listenerArn = l.Listeners![0]!.ListenerArn!;
});

after(async () => {
  for (const c of open) c.destroy();
  await s.destroy();
});

function connect(): { socket: net.Socket; closed: Promise<string> } {
  const socket = net.connect({ host: "127.0.0.1", port });
  open.push(socket);
  socket.on("error", () => {});
  let got = "";
  socket.on("data", (d: Buffer) => (got += d.toString("latin1")));
  return { socket, closed: new Promise((r) => socket.once("close", () => r(got))) };
}

function post(body: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port, method: "POST", agent: false, headers }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("error", reject);
    req.end(body);
  });
}

test("slowloris: one header byte at a time is cut off with 408", async () => {
  const c = connect();
  const text = "GET / HTTP/1.1\r\nHost: x\r\nX-A: " + "a".repeat(200);
  let i = 0;
  const t0 = Date.now();
  const drip = setInterval(() => c.socket.writable && i < text.length && c.socket.write(text[i++]!), 100);
  const got = await c.closed;
  clearInterval(drip);
  assert.match(got, /^HTTP\/1\.1 408 /);
  assert.ok(Date.now() - t0 < 5000, "cut off well before the client finished");
});

test("a flood of connections from one address is capped at the per-IP limit", async () => {
  const flood = Array.from({ length: 200 }, () => connect());
  const listener = s.app.dataPlane.listener(listenerArn)!;
  // Generous waits: 200 connections are slow to open on a loaded machine.
  await eventually(async () => listener.guard.refused >= 180, 30_000);
  assert.equal(listener.guard.refused, 180);
  assert.equal(listener.guard.open("127.0.0.1"), 20);
  for (const c of flood) c.socket.destroy();
  await eventually(async () => listener.guard.open("127.0.0.1") === 0, 30_000);
});

test("oversized headers → 400, oversized bodies → 413", async () => {
  assert.equal(await post("x", { "x-big": "b".repeat(4096) }), 400);
  assert.equal(await post("y".repeat(2000)), 413);
  assert.equal(await post("small"), 200);
});
