// CPU per request of Bulwark's own request path, without sockets or an HTTP engine: the pipeline
// (SigV4, routing, decode, handler, encode, audit build + durable append through the writer thread)
// for STS GetCallerIdentity, Organizations DescribeOrganization, KMS Encrypt (256 bytes + context),
// Decrypt of its blob and GenerateDataKey (AES_256, same context)
// driven in-process with minimal request/responder objects (src/gateway/api.ts), `concurrency` requests in flight.
// CPU time is the whole process (every thread) over the measured requests, so it is comparable
// with the server CPU per request that bench/gateway.sh reports, minus what the HTTP engine and TLS cost.
// Instruction-level noise from other jobs on the machine shows up as spread between rounds: the
// minimum of several rounds is the figure to compare.
//
// The best round's CPU is also split between the main thread and the others (the audit writer and
// WAL checkpointer threads, V8's helpers), from /proc/self/task at the kernel's 10 ms resolution.
//
// usage: npx tsc -p tsconfig.json && node bench/pipeline.mjs [requests-per-round] [rounds] [concurrency]
//        (BENCH_CASES=Encrypt,GetCallerIdentity to run some cases only; BENCH_WARMUP=n requests of
//        warm-up per case, min(requests-per-round, 5000) when unset)
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import pino from "pino";
import { SignatureV4 } from "@smithy/signature-v4";
import { Sha256 } from "@aws-crypto/sha256-js";

const dist = new URL("../dist/src/", import.meta.url);
const { loadConfig } = await import(new URL("config/config.js", dist).href);
const { startApp } = await import(new URL("app.js", dist).href);

const N = Number(process.argv[2] ?? 20_000);
const ROUNDS = Number(process.argv[3] ?? 5);
const CONCURRENCY = Number(process.argv[4] ?? 64);
const accessKeyId = "AKIABENCHADMIN000001";
const secretAccessKey = "benchAdminSecret/0123456789abcdefghijklmnop";

const dataDir = mkdtempSync(join(tmpdir(), "bulwark-pipeline-"));
const cfg = loadConfig(
  { dataDir, listen: "127.0.0.1:0", plainHttp: true },
  {
    BULWARK_ROOT_KEY: randomBytes(32).toString("base64"),
    BULWARK_ADMIN_ACCESS_KEY_ID: accessKeyId,
    BULWARK_ADMIN_SECRET_ACCESS_KEY: secretAccessKey,
    // The audit sync delay to measure with (the server's default when unset).
    ...(process.env.BULWARK_AUDIT_READ_ONLY_SYNC_DELAY_MS ? { BULWARK_AUDIT_READ_ONLY_SYNC_DELAY_MS: process.env.BULWARK_AUDIT_READ_ONLY_SYNC_DELAY_MS } : {}),
  },
);
const app = await startApp(cfg, { logger: pino({ level: "silent" }) });

async function signed(service, headers, body) {
  const signer = new SignatureV4({ service, region: "us-east-1", credentials: { accessKeyId, secretAccessKey }, sha256: Sha256 });
  const r = await signer.sign({ method: "POST", protocol: "http:", hostname: "127.0.0.1", port: app.port, path: "/", headers: { host: `127.0.0.1:${app.port}`, ...headers }, body });
  const lower = Object.fromEntries(Object.entries(r.headers).map(([k, v]) => [k.toLowerCase(), String(v)]));
  lower["content-length"] = String(Buffer.byteLength(body));
  lower["user-agent"] = "bench-pipeline";
  return { headers: lower, rawHeaders: Object.entries(lower).flat(), body: Buffer.from(body) };
}

function fakeRequest(tpl) {
  return { method: "POST", url: "/", headers: tpl.headers, rawHeaders: tpl.rawHeaders, remoteAddress: "127.0.0.1", body: tpl.body };
}
function fakeResponse() {
  return {
    status: 0,
    body: undefined,
    sent: false,
    send(status, headers, body) {
      this.status = status;
      this.body = body;
      this.sent = true;
    },
  };
}

async function once(tpl) {
  const res = fakeResponse();
  await app.handle(fakeRequest(tpl), res, false);
  if (res.status !== 200) throw new Error(`status ${res.status}`);
}

/** CPU ticks (user + system) of the main thread and of all other threads together, from /proc. */
function threadTicks() {
  let main = 0;
  let other = 0;
  for (const tid of readdirSync("/proc/self/task")) {
    const f = readFileSync(`/proc/self/task/${tid}/stat`, "utf8").split(") ")[1].split(" ");
    const t = Number(f[11]) + Number(f[12]);
    if (Number(tid) === process.pid) main += t;
    else other += t;
  }
  return { main, other };
}
const TICK_US = 1e6 / 100; // USER_HZ

async function round(tpl, n) {
  let next = 0;
  const t0 = process.cpuUsage();
  const k0 = threadTicks();
  const w0 = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next++ < n) await once(tpl);
    }),
  );
  const c = process.cpuUsage(t0);
  const k1 = threadTicks();
  return { cpu: (c.user + c.system) / n, wall: ((performance.now() - w0) * 1000) / n, main: ((k1.main - k0.main) * TICK_US) / n, other: ((k1.other - k0.other) * TICK_US) / n };
}

// With BENCH_HANDSHAKE_FILE set, the run writes "measure" to that file after each case's warm-up
// and "measured" after its rounds, and each time waits until the file is removed: a profiler outside
// (bench/callgrind-pipeline.sh) counts exactly the measured rounds.
async function handshake(what) {
  const file = process.env.BENCH_HANDSHAKE_FILE;
  if (!file) return;
  writeFileSync(file, what);
  while (existsSync(file)) await new Promise((r) => setTimeout(r, 20));
}

const cases = {
  GetCallerIdentity: await signed("sts", { "content-type": "application/x-www-form-urlencoded; charset=utf-8" }, "Action=GetCallerIdentity&Version=2011-06-15"),
  DescribeOrganization: await signed("organizations", { "content-type": "application/x-amz-json-1.1", "x-amz-target": "AWSOrganizationsV20161128.DescribeOrganization" }, "{}"),
};
await once(await signed("organizations", { "content-type": "application/x-amz-json-1.1", "x-amz-target": "AWSOrganizationsV20161128.CreateOrganization" }, '{"FeatureSet":"ALL"}'));

// KMS Encrypt of 256 bytes with an encryption context, under a key created through the pipeline.
const kmsHeaders = (op) => ({ "content-type": "application/x-amz-json-1.1", "x-amz-target": `TrentService.${op}` });
let keyId;
{
  const tpl = await signed("kms", kmsHeaders("CreateKey"), "{}");
  const res = fakeResponse();
  await app.handle(fakeRequest(tpl), res, false);
  keyId = JSON.parse(String(res.body)).KeyMetadata.KeyId;
}
cases.Encrypt = await signed(
  "kms",
  kmsHeaders("Encrypt"),
  JSON.stringify({ KeyId: keyId, Plaintext: randomBytes(256).toString("base64"), EncryptionContext: { tenant: "bench", purpose: "pipeline" } }),
);

{
  // Decrypt of a blob Encrypt made under the same context, and GenerateDataKey (AES_256) with it.
  const res = fakeResponse();
  await app.handle(fakeRequest(cases.Encrypt), res, false);
  const blob = JSON.parse(String(res.body)).CiphertextBlob;
  cases.Decrypt = await signed("kms", kmsHeaders("Decrypt"), JSON.stringify({ CiphertextBlob: blob, EncryptionContext: { tenant: "bench", purpose: "pipeline" } }));
  cases.GenerateDataKey = await signed("kms", kmsHeaders("GenerateDataKey"), JSON.stringify({ KeyId: keyId, KeySpec: "AES_256", EncryptionContext: { tenant: "bench", purpose: "pipeline" } }));
}

console.log(`node ${process.version}; ${N} requests per round, ${ROUNDS} rounds, ${CONCURRENCY} in flight; CPU µs per request (all threads)`);
const only = process.env.BENCH_CASES?.split(","); // e.g. BENCH_CASES=Encrypt
for (const [name, tpl] of Object.entries(cases)) {
  if (only && !only.includes(name)) continue;
  await round(tpl, Number(process.env.BENCH_WARMUP ?? Math.min(N, 5000))); // warm-up
  await handshake("measure");
  const rs = [];
  for (let i = 0; i < ROUNDS; i++) rs.push(await round(tpl, N));
  const cpus = rs.map((r) => r.cpu).sort((a, b) => a - b);
  const best = rs.find((r) => r.cpu === cpus[0]);
  await handshake("measured");
  console.log(
    `${name.padEnd(22)} min ${cpus[0].toFixed(1)} (main thread ${best.main.toFixed(1)}, others ${best.other.toFixed(1)})  median ${cpus[Math.floor(cpus.length / 2)].toFixed(1)}  (rounds: ${rs.map((r) => r.cpu.toFixed(1)).join(" ")})`,
  );
}
await app.close();
rmSync(dataDir, { recursive: true, force: true });
