#!/usr/bin/env node
// Server CPU per new TLS connection (and connections per second) against one HTTPS data-plane
// listener in a child process (client and server do not share an event loop; CPU is the
// child's process.cpuUsage, user + system, so load elsewhere on the machine matters less than
// for the rate), by what the client sends:
//   none    - no SNI: the default certificate;
//   listed  - the host name of a certificate in the listener's certificate list;
//   unknown - a host name no listed certificate covers: the default certificate.
// Each connection does a full handshake (no session reuse) and one HTTP/1.1 request on it.
// The listener has `--list` certificates in its certificate list (ECDSA P-256, each for its own
// name; 0 = default certificate only). Rounds of each case are interleaved; medians reported.
//
//   npx tsc -p tsconfig.json
//   node bench/sni-handshake.mjs [--list 25] [--rounds 5] [--seconds 3] [--concurrency 8] [--port 4883] [--dist DIR]
import { fork } from "node:child_process";
import tls from "node:tls";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const dist = resolve(opt("dist", join(here, "..", "dist")));
const port = Number(opt("port", "4883"));

if (args.includes("--serve")) {
  const { DataPlane } = await import(pathToFileURL(join(dist, "src/dataplane/data-plane.js")).href);
  const { DEFAULT_DATAPLANE_LIMITS } = await import(pathToFileURL(join(dist, "src/dataplane/limits.js")).href);
  const { systemClock } = await import(pathToFileURL(join(dist, "src/core/clock.js")).href);
  const { issueCertificate, newKeyPair } = await import(pathToFileURL(join(dist, "src/services/iam/testing/certificates.js")).href);
  const pair = (c) => ({ certPem: c.pem, keyPem: c.key.privateKeyPem });
  const byDefault = await issueCertificate({ subject: "CN=default.example.test", key: await newKeyPair("p256"), dnsNames: ["default.example.test"] });
  const list = [];
  for (let i = 0; i < Number(opt("list", "25")); i++) list.push(pair(await issueCertificate({ subject: `CN=host-${i}.example.test`, key: await newKeyPair("p256"), dnsNames: [`host-${i}.example.test`] })));
  const lbArn = "arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/app/bench/0123456789abcdef";
  const dp = new DataPlane({ host: "127.0.0.1", clock: systemClock, limits: { ...DEFAULT_DATAPLANE_LIMITS, maxConnectionsPerIp: 100000 } });
  dp.putLoadBalancer({
    arn: lbArn,
    name: "bench",
    dnsName: "bench.elb.localhost",
    settings: { idleTimeoutSeconds: 60, clientKeepAliveSeconds: 3600, xffMode: "append", xffClientPort: false, dropInvalidHeaderFields: false, tlsHeaders: false, wafFailOpen: false },
  });
  await dp.openListener({
    arn: `${lbArn.replace(":loadbalancer/", ":listener/")}/fedcba9876543210`,
    loadBalancerArn: lbArn,
    port,
    protocol: "HTTPS",
    tls: { ...pair(byDefault), minVersion: "TLSv1.2", ...(list.length > 0 ? { certificates: list } : {}) },
    action: { type: "fixed-response", statusCode: 200, contentType: "text/plain", messageBody: "ok" },
  });
  process.send?.("ready");
  process.on("message", async (m) => {
    if (m === "cpu") {
      const u = process.cpuUsage();
      process.send?.({ cpu: u.user + u.system });
    } else if (m === "stop") {
      await dp.close();
      process.exit(0);
    }
  });
} else {
  const rounds = Number(opt("rounds", "5"));
  const seconds = Number(opt("seconds", "3"));
  const concurrency = Number(opt("concurrency", "8"));
  const list = Number(opt("list", "25"));
  const child = fork(fileURLToPath(import.meta.url), ["--serve", "--list", String(list), "--port", String(port), "--dist", dist], { stdio: "inherit" });
  await new Promise((r) => child.once("message", r));
  const cpu = () =>
    new Promise((r) => {
      child.once("message", (m) => r(m.cpu));
      child.send("cpu");
    });

  const once = (servername) =>
    new Promise((resolveOne, reject) => {
      const s = tls.connect({ host: "127.0.0.1", port, rejectUnauthorized: false, ...(servername ? { servername } : {}) }, () => {
        s.write("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
      });
      s.on("data", () => {});
      s.on("end", () => resolveOne());
      s.on("error", reject);
    });
  const run = async (servername) => {
    const until = performance.now() + seconds * 1000;
    let n = 0;
    const worker = async () => {
      while (performance.now() < until) {
        await once(servername);
        n++;
      }
    };
    const c0 = await cpu();
    const t0 = performance.now();
    await Promise.all(Array.from({ length: concurrency }, worker));
    const elapsed = (performance.now() - t0) / 1000;
    return { rate: n / elapsed, cpuUs: ((await cpu()) - c0) / n };
  };
  const cases = { none: undefined, ...(list > 0 ? { listed: `host-${list - 1}.example.test` } : {}), unknown: "nobody.example.test" };
  const results = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
  await run(undefined); // warm-up
  for (let r = 0; r < rounds; r++) for (const [k, name] of Object.entries(cases)) results[k].push(await run(name));
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  console.log(`list=${list} concurrency=${concurrency} rounds=${rounds}×${seconds}s dist=${dist}`);
  for (const [k, xs] of Object.entries(results)) {
    const us = xs.map((x) => x.cpuUs);
    console.log(`${k.padEnd(8)} ${median(us).toFixed(0).padStart(5)} µs server CPU/conn  ${median(xs.map((x) => x.rate)).toFixed(0).padStart(5)} conn/s  (CPU rounds: ${us.map((x) => x.toFixed(0)).join(", ")})`);
  }
  child.send("stop");
}
