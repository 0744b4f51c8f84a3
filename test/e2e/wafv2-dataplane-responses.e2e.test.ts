/**
 * What a web ACL's actions answer on a live listener, configured through @aws-sdk/client-wafv2:
 * CAPTCHA and challenge interstitials a client can solve through the listener, and custom
 * responses with any header the API accepts.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { createHash } from "node:crypto";
import type { AddressInfo } from "node:net";
import { ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import { WAFV2Client, CreateWebACLCommand, AssociateWebACLCommand, GetWebACLCommand, UpdateWebACLCommand, type Rule, type DefaultAction } from "@aws-sdk/client-wafv2";
import { startTestServer, eventually, type TestServer } from "./harness.js";
import { loadBalancerInFront } from "./dataplane-support.js";

let s: TestServer;
let waf: WAFV2Client;
let upstream: http.Server;
const forwarded: string[] = [];
let port: number;
let acl: { ARN: string; Id: string };

const vis = (MetricName: string) => ({ SampledRequestsEnabled: true, CloudWatchMetricsEnabled: true, MetricName });
const uriStartsWith = (value: string) => ({
  ByteMatchStatement: { SearchString: new TextEncoder().encode(value), FieldToMatch: { UriPath: {} }, TextTransformations: [{ Priority: 0, Type: "NONE" as const }], PositionalConstraint: "STARTS_WITH" as const },
});

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function send(p: string, opts: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port, path: p, method: opts.method ?? "GET", headers: { host: "shop.example", ...opts.headers }, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
    });
    req.on("error", reject);
    req.end(opts.body);
  });
}

async function setRules(rules: Rule[], extra: { DefaultAction?: DefaultAction } = {}): Promise<void> {
  const cur = await waf.send(new GetWebACLCommand({ ARN: acl.ARN }));
  await waf.send(new UpdateWebACLCommand({ Name: "responses", Scope: "REGIONAL", Id: acl.Id, LockToken: cur.LockToken, DefaultAction: { Allow: {} }, Rules: rules, VisibilityConfig: vis("responses"), ...extra }));
}

before(async () => {
  s = await startTestServer({ env: { BULWARK_DATAPLANE_HEALTH_CHECK_TIME_SCALE: "0.02" } });
  waf = new WAFV2Client(s.clientConfig());
  const elb = new ElasticLoadBalancingV2Client(s.clientConfig());
  upstream = http.createServer((req, res) => {
    // Health checks (every 0.6 s at this time scale) are not requests a client sent.
    if (req.headers["user-agent"] !== "ELB-HealthChecker/2.0") forwarded.push(`${req.method} ${req.url}`);
    res.writeHead(200, { "content-type": "text/plain" });
    res.end("from the target");
  });
  await new Promise<void>((r) => upstream.listen(0, "127.0.0.1", r));
  let lbArn: string;
  ({ lbArn, port } = await loadBalancerInFront(elb, "waf-responses", (upstream.address() as AddressInfo).port));
  await eventually(async () => (await send("/")).status === 200, 10_000);
  const created = await waf.send(new CreateWebACLCommand({ Name: "responses", Scope: "REGIONAL", DefaultAction: { Allow: {} }, Rules: [], VisibilityConfig: vis("responses") }));
  acl = { ARN: created.Summary!.ARN!, Id: created.Summary!.Id! };
  await waf.send(new AssociateWebACLCommand({ WebACLArn: acl.ARN, ResourceArn: lbArn }));
});

after(async () => {
  upstream.closeAllConnections();
  await new Promise((r) => upstream.close(r));
  await s.destroy();
});

/** The counter a challenge page's script would find: SHA-256("<nonce>:<counter>") starting with `d` zero bits. */
function proofOfWork(puzzle: string): number {
  const p = JSON.parse(Buffer.from(puzzle.split(".")[0]!, "base64url").toString()) as { n: string; d: number };
  for (let counter = 0; ; counter++) {
    const h = createHash("sha256").update(`${p.n}:${counter}`).digest();
    let zeros = 0;
    for (const byte of h) {
      if (byte === 0) {
        zeros += 8;
        continue;
      }
      zeros += Math.clz32(byte) - 24;
      break;
    }
    if (zeros >= p.d) return counter;
  }
}

test("a challenge is solved through the listener: the page's solution gets a token, and the token lets the next request through", async () => {
  await setRules([{ Name: "challenge-app", Priority: 0, Action: { Challenge: {} }, Statement: uriStartsWith("/app"), VisibilityConfig: vis("challenge-app") }]);
  const page = await send("/app/home", { headers: { accept: "text/html" } });
  assert.equal(page.status, 202);
  assert.equal(page.headers["x-amzn-waf-action"], "challenge");
  const verifyPath = /fetch\("([^"]+)"/.exec(page.body)?.[1] ?? "";
  const puzzle = /var puzzle="([^"]+)"/.exec(page.body)?.[1] ?? "";
  assert.ok(verifyPath.startsWith("/") && puzzle !== "");
  const form = new URLSearchParams({ puzzle, counter: String(proofOfWork(puzzle)), answer: "" }).toString();
  const before = forwarded.length;
  const solved = await send(verifyPath, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: form });
  assert.equal(solved.status, 200);
  assert.equal(forwarded.length, before, "the solution is answered by the listener, not forwarded");
  const cookie = /^aws-waf-token=[^;]+/.exec(String(solved.headers["set-cookie"]?.[0]))?.[0];
  assert.ok(cookie, "the answer sets the aws-waf-token cookie");
  const through = await send("/app/home", { headers: { accept: "text/html", cookie } });
  assert.equal(through.status, 200);
  assert.equal(through.body, "from the target");
  assert.equal((await send("/app/home", { headers: { accept: "text/html" } })).status, 202, "without the token the challenge is shown again");
});

test("a Block custom response with any header name the API takes (Trailer, Transfer-Encoding, Connection…) is answered, and the connection stays usable", async () => {
  const headers = [
    { Name: "Trailer", Value: "x-checksum" },
    { Name: "Transfer-Encoding", Value: "chunked" },
    { Name: "Connection", Value: "keep-alive" },
    { Name: "Content-Length", Value: "1" },
    { Name: "x-reason", Value: "Zugriff verweigert" },
  ];
  const cur = await waf.send(new GetWebACLCommand({ ARN: acl.ARN }));
  await waf.send(
    new UpdateWebACLCommand({
      Name: "responses",
      Scope: "REGIONAL",
      Id: acl.Id,
      LockToken: cur.LockToken,
      DefaultAction: { Allow: {} },
      Rules: [{ Name: "deny", Priority: 0, Action: { Block: { CustomResponse: { ResponseCode: 451, CustomResponseBodyKey: "why", ResponseHeaders: headers } } }, Statement: uriStartsWith("/deny"), VisibilityConfig: vis("deny") }],
      CustomResponseBodies: { why: { ContentType: "TEXT_PLAIN", Content: "not here" } },
      VisibilityConfig: vis("responses"),
    }),
  );
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    for (const p of ["/deny/1", "/deny/2", "/allowed"]) {
      const r = await new Promise<Reply>((resolve, reject) => {
        const req = http.request({ host: "127.0.0.1", port, path: p, agent }, (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
        });
        req.on("error", reject);
        req.end();
      });
      if (p === "/allowed") {
        assert.equal(r.status, 200);
        continue;
      }
      assert.equal(r.status, 451);
      assert.equal(r.body, "not here");
      assert.equal(r.headers["content-length"], "8");
      assert.equal(r.headers["x-reason"], "Zugriff verweigert");
      assert.equal(r.headers.trailer, undefined);
    }
  } finally {
    agent.destroy();
  }
});
