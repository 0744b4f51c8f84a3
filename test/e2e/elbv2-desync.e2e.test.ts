/**
 * routing.http.desync_mitigation_mode through the real server: the attribute set and described
 * with the official client, and raw requests of each classification sent to a live listener in
 * each mode (monitor, defensive, strictest), with DesyncMitigationMode_NonCompliant_Request_Count
 * on /metrics.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import net from "node:net";
import type { AddressInfo } from "node:net";
import { DescribeLoadBalancerAttributesCommand, ElasticLoadBalancingV2Client, ModifyLoadBalancerAttributesCommand } from "@aws-sdk/client-elastic-load-balancing-v2";
import { startTestServer, type TestServer } from "./harness.js";
import { loadBalancerInFront } from "./dataplane-support.js";

const KEY = "routing.http.desync_mitigation_mode";
let s: TestServer;
let elb: ElasticLoadBalancingV2Client;
let upstream: http.Server;
let lbArn: string;
let port: number;
/** What the target received: method, path, the Connection header and the body. */
const seen: Array<{ method: string; url: string; connection: string | undefined; body: string }> = [];

before(async () => {
  s = await startTestServer({ plainHttp: true });
  elb = new ElasticLoadBalancingV2Client(s.clientConfig());
  upstream = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      seen.push({ method: req.method ?? "", url: req.url ?? "", connection: req.headers.connection, body: Buffer.concat(chunks).toString() });
      res.end("ok");
    });
  });
  await new Promise<void>((r) => upstream.listen(0, "127.0.0.1", r));
  ({ lbArn, port } = await loadBalancerInFront(elb, "desync", (upstream.address() as AddressInfo).port));
});

after(async () => {
  upstream.closeAllConnections();
  await new Promise((r) => upstream.close(r));
  await s.destroy();
});

async function setMode(mode: string): Promise<void> {
  await elb.send(new ModifyLoadBalancerAttributesCommand({ LoadBalancerArn: lbArn, Attributes: [{ Key: KEY, Value: mode }] }));
}

/**
 * Sends `raw` on a fresh connection (no Connection: close: whether the listener keeps it open
 * is part of the answer). Resolves with the response and whether the listener closed the
 * connection after it, or left it open for another request.
 */
function exchange(raw: string): Promise<{ status: number; response: string; closed: boolean }> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, "127.0.0.1", () => sock.write(raw));
    let got = "";
    let asked = false;
    sock.on("data", (c: Buffer) => {
      got += c.toString("latin1");
      // A whole response that keeps the connection: ask for another one to see it served.
      const end = got.indexOf("\r\n\r\n");
      const length = /\r\ncontent-length: (\d+)\r\n/i.exec(got);
      if (!asked && end >= 0 && length && got.length >= end + 4 + Number(length[1]) && !/\r\nconnection: close\r\n/i.test(got)) {
        asked = true;
        sock.write("GET /next HTTP/1.1\r\nHost: shop.example\r\nConnection: close\r\n\r\n");
      }
    });
    sock.on("end", () => {
      sock.destroy();
      // Closed after the first response unless the second request was answered on it.
      const closed = !asked || [...got.matchAll(/HTTP\/1\.1 \d{3} /g)].length < 2;
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3}) /.exec(got)?.[1] ?? 0), response: got, closed });
    });
    sock.on("error", reject);
  });
}

const H = "Host: shop.example\r\n";
/** One request of each classification the listener can receive (node's parser lets it through). */
const REQUESTS = {
  compliant: `POST /compliant HTTP/1.1\r\n${H}Content-Length: 2\r\n\r\nhi`,
  acceptable: `GET /acceptable HTTP/1.1\r\n${H}Content-Length: 0\r\n\r\n`,
  ambiguousBody: `GET /ambiguous HTTP/1.1\r\n${H}Content-Length: 5\r\n\r\nhello`,
  ambiguousName: `POST /suspicious HTTP/1.1\r\n${H}Transfer_Encoding: chunked\r\nContent-Length: 2\r\n\r\nhi`,
  severe: `POST /severe HTTP/1.1\r\n${H}Transfer-Encoding: xchunked\r\n\r\n0\r\n\r\n`,
};

async function metrics(): Promise<string> {
  const r = await fetch(`${s.url}/metrics`);
  return r.text();
}

test("the attribute: defensive by default, validated, stored and described", async () => {
  const described = async (): Promise<string | undefined> =>
    (await elb.send(new DescribeLoadBalancerAttributesCommand({ LoadBalancerArn: lbArn }))).Attributes?.find((a) => a.Key === KEY)?.Value;
  assert.equal(await described(), "defensive");
  for (const bad of ["Strictest", "off", ""]) {
    await assert.rejects(setMode(bad), (e: Error & { name: string }) => {
      assert.equal(e.name, "ValidationError");
      assert.equal(e.message, `Load balancer attribute value '${bad}' is not valid for key '${KEY}'`);
      return true;
    });
  }
  await setMode("monitor");
  assert.equal(await described(), "monitor");
  await setMode("defensive");
  assert.equal(await described(), "defensive");
});

test("defensive: Compliant and Acceptable forwarded, Ambiguous forwarded then both connections closed, Severe refused 400", async () => {
  await setMode("defensive");
  seen.length = 0;
  const compliant = await exchange(REQUESTS.compliant);
  assert.deepEqual([compliant.status, compliant.closed], [200, false]);
  const acceptable = await exchange(REQUESTS.acceptable);
  assert.deepEqual([acceptable.status, acceptable.closed], [200, false]);
  for (const raw of [REQUESTS.ambiguousBody, REQUESTS.ambiguousName]) {
    const r = await exchange(raw);
    assert.deepEqual([r.status, r.closed], [200, true]);
    assert.match(r.response, /\r\nconnection: close\r\n/i);
  }
  const severe = await exchange(REQUESTS.severe);
  assert.deepEqual([severe.status, severe.closed], [400, true]);
  assert.match(severe.response, /\r\nServer: awselb\/2\.0\r\n/i);
  assert.deepEqual(
    seen.map((r) => [r.url, r.connection, r.body]),
    [
      ["/compliant", "keep-alive", "hi"],
      ["/next", "keep-alive", ""],
      ["/acceptable", "keep-alive", ""],
      ["/next", "keep-alive", ""],
      // The target's connection is not reused either.
      ["/ambiguous", "close", "hello"],
      ["/suspicious", "close", "hi"],
    ],
  );
});

test("strictest: only Compliant requests are forwarded; the others get 400 and the connection closes", async () => {
  await setMode("strictest");
  seen.length = 0;
  assert.equal((await exchange(REQUESTS.compliant)).status, 200);
  for (const raw of [REQUESTS.acceptable, REQUESTS.ambiguousBody, REQUESTS.ambiguousName, REQUESTS.severe]) {
    const r = await exchange(raw);
    assert.deepEqual([r.status, r.closed], [400, true], raw.split("\r\n")[0]);
  }
  assert.deepEqual(seen.map((r) => r.url), ["/compliant", "/next"]);
});

test("monitor: everything the listener can frame is forwarded on kept connections; a coding ALB does not support is still 501", async () => {
  await setMode("monitor");
  seen.length = 0;
  for (const raw of [REQUESTS.compliant, REQUESTS.acceptable, REQUESTS.ambiguousBody, REQUESTS.ambiguousName]) {
    const r = await exchange(raw);
    assert.deepEqual([r.status, r.closed], [200, false], raw.split("\r\n")[0]);
  }
  const severe = await exchange(REQUESTS.severe);
  assert.equal(severe.status, 501);
  assert.deepEqual(
    seen.filter((r) => r.url !== "/next").map((r) => [r.url, r.connection, r.body]),
    [
      ["/compliant", "keep-alive", "hi"],
      ["/acceptable", "keep-alive", ""],
      ["/ambiguous", "keep-alive", "hello"],
      ["/suspicious", "keep-alive", "hi"],
    ],
  );
  await setMode("defensive");
});

test("upgrade requests are judged the same way: strictest refuses a non-compliant one, defensive forwards it", async () => {
  // GET with Content-Length: 0 (Acceptable). The target does not upgrade: its answer is passed on and the connection closes.
  const upgrade = `GET /ws HTTP/1.1\r\n${H}Connection: Upgrade\r\nUpgrade: websocket\r\nContent-Length: 0\r\n\r\n`;
  seen.length = 0;
  await setMode("strictest");
  const refused = await exchange(upgrade);
  assert.deepEqual([refused.status, refused.closed], [400, true]);
  assert.equal(seen.length, 0);
  await setMode("defensive");
  assert.equal((await exchange(upgrade)).status, 200);
  assert.deepEqual(seen.map((r) => r.url), ["/ws"]);
});

test("a request node's parser cannot frame (both Transfer-Encoding and Content-Length) is refused 400 in every mode, and counted", async () => {
  const both = `POST /both HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n`;
  seen.length = 0;
  for (const mode of ["monitor", "defensive", "strictest"]) {
    await setMode(mode);
    const r = await exchange(both);
    assert.deepEqual([r.status, r.closed], [400, true], mode);
  }
  assert.equal(seen.length, 0);
  await setMode("defensive");
});

test("/metrics: DesyncMitigationMode_NonCompliant_Request_Count by load balancer, classification and reason, whatever the mode did", async () => {
  const dimension = lbArn.slice(lbArn.indexOf(":loadbalancer/") + ":loadbalancer/".length);
  const text = await metrics();
  const value = (classification: string, reason: string): number => {
    const line = text.split("\n").find((l) => l.startsWith(`bulwark_elb_desync_mitigation_mode_noncompliant_requests_total{load_balancer="${dimension}",classification="${classification}",reason="${reason}"}`));
    return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(" ") + 1));
  };
  // Each request of the tests above once per mode (defensive, strictest, monitor), and the upgrade request twice.
  assert.equal(value("Acceptable", "GetHeadZeroContentLength"), 5);
  assert.equal(value("Ambiguous", "UndefinedContentLengthSemantics"), 3);
  assert.equal(value("Ambiguous", "SuspiciousHeader"), 3);
  assert.equal(value("Severe", "BadTransferEncoding"), 3);
  assert.equal(value("Ambiguous", "BothTeClPresent"), 3);
  assert.equal(value("Compliant", "Compliant"), 0);
});
