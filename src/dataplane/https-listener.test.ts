import { after, test } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import https from "node:https";
import type net from "node:net";
import tls from "node:tls";
import { systemClock } from "../core/clock.js";
import { issueServerCertificate } from "../gateway/tls-ca.js";
import { createTestSealer } from "../services/sts/testing/fake-sealer.js";
import { FakeWebAcl, LB_ARN, LISTENER_ARN, SETTINGS, TG_ARN, freePort, newDataPlane, proxied, request, startUpstream, targetGroup } from "./testing/fixtures.js";

const dp = newDataPlane();
after(() => dp.close());

test("an HTTPS listener terminates TLS, fingerprints the client and forwards with X-Forwarded-Proto https", async () => {
  const meta = new Map<string, string>();
  const store = { getMeta: async (k: string) => meta.get(k), setMeta: async (k: string, v: string) => void meta.set(k, v) };
  const cert = await issueServerCertificate(store, createTestSealer(), systemClock, ["test-1.us-east-1.elb.localhost", "127.0.0.1"]);
  const up = await startUpstream();
  after(() => up.close());
  dp.putLoadBalancer({ arn: LB_ARN, name: "test", dnsName: "test-1.us-east-1.elb.localhost", settings: { ...SETTINGS, tlsHeaders: true } });
  dp.putTargetGroup(targetGroup([{ id: "127.0.0.1", port: up.port }], { healthCheck: { ...targetGroup([]).healthCheck, enabled: false } }));
  const port = await freePort();
  await dp.openListener({
    arn: LISTENER_ARN,
    loadBalancerArn: LB_ARN,
    port,
    protocol: "HTTPS",
    tls: { certPem: cert.certPem, keyPem: cert.keyPem, minVersion: "TLSv1.2" },
    action: { type: "forward", targetGroups: [{ arn: TG_ARN, weight: 1 }] },
  });
  const acl = new FakeWebAcl(8192, () => ({}));
  dp.setWebAcl(LB_ARN, acl);
  const agent = new https.Agent({ keepAlive: true, ca: cert.caCertPem, servername: "test-1.us-east-1.elb.localhost" });
  const get = (): Promise<{ status: number; body: string; reused: boolean }> =>
    new Promise((resolve, reject) => {
      const req = https.request({ host: "127.0.0.1", port, path: "/secure", agent, servername: "test-1.us-east-1.elb.localhost" }, (res) => {
        let body = "";
        res.on("data", (c: Buffer) => (body += c.toString()));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body, reused: req.reusedSocket }));
      });
      req.on("error", reject);
      req.end();
    });
  const a = await get();
  const b = await get();
  agent.destroy();
  assert.equal(a.status, 200);
  assert.equal(b.reused, true);
  const seen = proxied(up)[0]!;
  assert.equal(seen.headers["x-forwarded-proto"], "https");
  assert.equal(seen.headers["x-forwarded-port"], String(port));
  assert.match(String(seen.headers["x-amzn-tls-version"]), /^TLSv1\.[23]$/);
  assert.ok(String(seen.headers["x-amzn-tls-cipher-suite"]).length > 0);
  const inspected = acl.seen[0]!;
  assert.equal(inspected.scheme, "https");
  assert.match(inspected.ja3 ?? "", /^[0-9a-f]{32}$/);
  assert.match(inspected.ja4 ?? "", /^t1[23]d\d{4}00_[0-9a-f]{12}_[0-9a-f]{12}$/);
  assert.equal(acl.seen[1]!.ja4, inspected.ja4, "the same client keeps its fingerprint");

  // A method the parser does not know, over TLS: judged with the connection's fingerprint, then 405.
  const reply = await new Promise<string>((resolve, reject) => {
    const c = tls.connect({ host: "127.0.0.1", port, ca: cert.caCertPem, servername: "test-1.us-east-1.elb.localhost" }, () => c.write("FOO /secure HTTP/1.1\r\nHost: test\r\n\r\n"));
    let out = "";
    c.on("data", (d: Buffer) => (out += d.toString("latin1")));
    c.on("end", () => resolve(out));
    c.on("error", reject);
  });
  assert.match(reply, /^HTTP\/1\.1 405 Method Not Allowed\r\n/);
  const foo = acl.seen[2]!;
  assert.deepEqual([foo.method, foo.scheme], ["FOO", "https"]);
  assert.match(foo.ja3 ?? "", /^[0-9a-f]{32}$/);

  // An upgrade (WebSocket) request carries the same TLS facts; a client's own are left out.
  const upgraded: http.IncomingHttpHeaders[] = [];
  up.server.on("upgrade", (req: http.IncomingMessage, socket: net.Socket) => {
    upgraded.push(req.headers);
    socket.end("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n");
  });
  const facts = await new Promise<{ reply: string; version: string; cipher: string }>((resolve, reject) => {
    const c = tls.connect({ host: "127.0.0.1", port, ca: cert.caCertPem, servername: "test-1.us-east-1.elb.localhost" }, () =>
      c.write("GET /ws HTTP/1.1\r\nHost: test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nx-amzn-tls-version: TLSv1\r\nx-amzn-tls-cipher-suite: NULL-SHA\r\n\r\n"),
    );
    let out = "";
    c.on("data", (d: Buffer) => (out += d.toString("latin1")));
    c.on("end", () => resolve({ reply: out, version: c.getProtocol() ?? "", cipher: c.getCipher().name }));
    c.on("error", reject);
  });
  assert.match(facts.reply, /^HTTP\/1\.1 101 /);
  assert.equal(upgraded.length, 1);
  assert.equal(upgraded[0]!["x-amzn-tls-version"], facts.version);
  assert.equal(upgraded[0]!["x-amzn-tls-cipher-suite"], facts.cipher);
});

test("an HTTPS target group: requests reach a TLS target (certificate not verified, as ALB does) over kept-alive connections", async () => {
  const meta = new Map<string, string>();
  const store = { getMeta: async (k: string) => meta.get(k), setMeta: async (k: string, v: string) => void meta.set(k, v) };
  // A certificate for a name the proxy never asks for, from a CA it does not know.
  const cert = await issueServerCertificate(store, createTestSealer(), systemClock, ["target.internal.example"]);
  const seen: Array<{ url: string; remotePort: number | undefined; forwardedProto: unknown }> = [];
  const target = https.createServer({ cert: cert.certPem, key: cert.keyPem }, (req, res) => {
    seen.push({ url: req.url ?? "", remotePort: req.socket.remotePort, forwardedProto: req.headers["x-forwarded-proto"] });
    req.resume();
    res.writeHead(200, { "content-type": "text/plain" });
    res.end(`tls target saw ${req.url}`);
  });
  await new Promise<void>((r) => target.listen(0, "127.0.0.1", r));
  after(() => new Promise<void>((r) => target.close(() => r())));
  const targetPort = (target.address() as import("node:net").AddressInfo).port;

  const tls2 = newDataPlane();
  after(() => tls2.close());
  tls2.putLoadBalancer({ arn: LB_ARN, name: "test", dnsName: "test-1.us-east-1.elb.localhost", settings: SETTINGS });
  tls2.putTargetGroup(targetGroup([{ id: "127.0.0.1", port: targetPort }], { protocol: "HTTPS", healthCheck: { ...targetGroup([]).healthCheck, enabled: false } }));
  const port = await freePort();
  await tls2.openListener({ arn: LISTENER_ARN, loadBalancerArn: LB_ARN, port, protocol: "HTTP", action: { type: "forward", targetGroups: [{ arn: TG_ARN, weight: 1 }] } });
  const a = await request(port, { path: "/one" });
  const b = await request(port, { path: "/two?x=1" });
  assert.equal(a.status, 200);
  assert.equal(a.body.toString(), "tls target saw /one");
  assert.equal(b.body.toString(), "tls target saw /two?x=1");
  assert.deepEqual(
    seen.map((s) => [s.url, s.forwardedProto]),
    [
      ["/one", "http"],
      ["/two?x=1", "http"],
    ],
  );
  assert.equal(seen[0]!.remotePort, seen[1]!.remotePort, "the second request reuses the pooled TLS connection");
});

test("an HTTPS listener's certificate list: the client's SNI host name picks the certificate, no name or no match gets the default", async () => {
  const { issueCertificate, newKeyPair } = await import("../services/iam/testing/certificates.js");
  const { X509Certificate } = await import("node:crypto");
  const byDefault = await issueCertificate({ subject: "CN=default.example.test", key: await newKeyPair("p256"), dnsNames: ["default.example.test"] });
  const shopRsa = await issueCertificate({ subject: "CN=shop.example.test", key: await newKeyPair("rsa-2048"), dnsNames: ["shop.example.test"] });
  const shopEc = await issueCertificate({ subject: "CN=shop.example.test", key: await newKeyPair("p256"), dnsNames: ["shop.example.test"] });
  const wild = await issueCertificate({ subject: "CN=*.example.test", key: await newKeyPair("p256"), dnsNames: ["*.example.test"] });
  const legacy = await issueCertificate({ subject: "CN=legacy.example.test", key: await newKeyPair("rsa-2048"), dnsNames: ["legacy.example.test"] });
  const pair = (c: { pem: string; key: { privateKeyPem: string } }): { certPem: string; keyPem: string } => ({ certPem: c.pem, keyPem: c.key.privateKeyPem });
  const fp = (pem: string): string => new X509Certificate(pem).fingerprint256;

  const sni = newDataPlane();
  after(() => sni.close());
  sni.putLoadBalancer({ arn: LB_ARN, name: "test", dnsName: "test-1.us-east-1.elb.localhost", settings: SETTINGS });
  const port = await freePort();
  const spec = (certificates: Array<{ certPem: string; keyPem: string }>) => ({
    arn: LISTENER_ARN,
    loadBalancerArn: LB_ARN,
    port,
    protocol: "HTTPS" as const,
    tls: { ...pair(byDefault), minVersion: "TLSv1.2" as const, certificates },
    action: { type: "fixed-response" as const, statusCode: 200 },
  });
  await sni.openListener(spec([pair(shopRsa), pair(shopEc), pair(wild), pair(legacy)]));

  /** The fingerprint of the certificate presented to a client sending `servername` (none when undefined). */
  const presented = (servername: string | undefined, opts: tls.ConnectionOptions = {}): Promise<string> =>
    new Promise((resolve, reject) => {
      const s = tls.connect({ host: "127.0.0.1", port, rejectUnauthorized: false, ...(servername !== undefined ? { servername } : {}), ...opts }, () => {
        const f = s.getPeerCertificate().fingerprint256;
        s.end();
        resolve(f);
      });
      s.on("error", reject);
    });
  assert.equal(await presented("shop.example.test"), fp(shopEc.pem), "ECDSA preferred among exact matches");
  // A TLS 1.2 client offering only RSA cipher suites and signature schemes gets the RSA certificate.
  assert.equal(await presented("shop.example.test", { maxVersion: "TLSv1.2", ciphers: "ECDHE-RSA-AES128-GCM-SHA256", sigalgs: "RSA-PSS+SHA256:RSA+SHA256" }), fp(shopRsa.pem));
  assert.equal(await presented("api.example.test"), fp(wild.pem));
  // An RSA certificate listed beside an ECDSA default reaches a TLS 1.3 client that prefers ECDSA.
  assert.equal(await presented("legacy.example.test"), fp(legacy.pem));
  assert.equal(await presented("legacy.example.test", { maxVersion: "TLSv1.2" }), fp(legacy.pem));
  assert.equal(await presented("deep.api.example.test"), fp(byDefault.pem));
  assert.equal(await presented(undefined), fp(byDefault.pem));
  // node omits SNI for an IP address: the default certificate.
  assert.equal(await presented("127.0.0.1"), fp(byDefault.pem));

  // The list changes in place (same port, connections keep being accepted).
  await sni.openListener(spec([pair(wild)]));
  assert.equal(await presented("shop.example.test"), fp(wild.pem));
  await sni.openListener(spec([]));
  assert.equal(await presented("shop.example.test"), fp(byDefault.pem));
  // Unusable material is refused and the listener keeps what it had.
  await assert.rejects(sni.openListener(spec([{ certPem: wild.pem, keyPem: shopRsa.key.privateKeyPem }])));
  assert.equal(await presented("api.example.test"), fp(byDefault.pem));
});
