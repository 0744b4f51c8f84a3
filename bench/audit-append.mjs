// Audit append throughput: events/s through createAuditLog().record() with the in-memory store
// and, when built, the SQLite store (temp file, WAL, synchronous=FULL).
// Usage: npx tsc -p tsconfig.json && node bench/audit-append.mjs [events] [concurrency]
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { CreateUserRequest$, CreateUserResponse$ } from "@aws-sdk/client-iam";

const dist = new URL("../dist/src/", import.meta.url);
const { createAuditLog } = await import(new URL("audit/audit-log.js", dist).href);
const { buildCloudTrailEvents } = await import(new URL("audit/event.js", dist).href);
const { generateDigestSigner } = await import(new URL("audit/digest-key.js", dist).href);
const { MemoryAuditStore } = await import(new URL("audit/memory-audit-store.js", dist).href);

const N = Number(process.argv[2] ?? 50_000);
const CONCURRENCY = Number(process.argv[3] ?? 256);
const signer = generateDigestSigner();
const clock = { now: () => Date.now() };

function rec(i) {
  return {
    time: Date.now(),
    requestId: `req-${i}`,
    eventSource: "iam.amazonaws.com",
    service: "iam",
    operation: "CreateUser",
    region: "",
    principal: {
      type: "IAMUser",
      accountId: "111122223333",
      arn: "arn:aws:iam::111122223333:user/alice",
      principalId: "AIDAEXAMPLEALICE0001",
      accessKeyId: "AKIAEXAMPLEALICE0001",
      name: "alice",
    },
    accessKeyId: "AKIAEXAMPLEALICE0001",
    sourceIp: "192.0.2.10",
    userAgent: "aws-sdk-js/3.0 bench",
    input: { UserName: `user-${i}`, Path: "/", Tags: [{ Key: "team", Value: "a" }] },
    output: { User: { UserName: `user-${i}`, UserId: "AIDAEXAMPLE000000001", Arn: `arn:aws:iam::111122223333:user/user-${i}`, Path: "/", CreateDate: new Date() } },
    inputSchema: CreateUserRequest$,
    outputSchema: CreateUserResponse$,
    readOnly: false,
    annotations: { resources: [{ ARN: `arn:aws:iam::111122223333:user/user-${i}`, accountId: "111122223333", type: "AWS::IAM::User" }] },
  };
}

function buildOnly() {
  let n = 0;
  const id = () => `id-${n++}`;
  const t0 = performance.now();
  for (let i = 0; i < N; i++) JSON.stringify(buildCloudTrailEvents(rec(i), id)[0]);
  const s = (performance.now() - t0) / 1000;
  console.log(`build+redact+stringify only : ${Math.round(N / s).toLocaleString()} events/s (${((s / N) * 1e6).toFixed(1)} µs/event)`);
}

async function run(label, store) {
  const log = createAuditLog({ store, digestSigner: signer, clock, digestIntervalMs: 0 });
  await log.ready();
  let next = 0;
  const latencies = [];
  const t0 = performance.now();
  async function worker() {
    while (next < N) {
      const i = next++;
      const s = performance.now();
      await log.record(rec(i));
      if (i % 16 === 0) latencies.push(performance.now() - s);
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const s = (performance.now() - t0) / 1000;
  await log.close();
  latencies.sort((a, b) => a - b);
  const p = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))].toFixed(2);
  console.log(`${label.padEnd(28)}: ${Math.round(N / s).toLocaleString()} events/s  (record() latency p50 ${p(0.5)} ms, p99 ${p(0.99)} ms; ${N} events, ${CONCURRENCY} concurrent)`);
}

buildOnly();
await run("memory store", new MemoryAuditStore());

const sqlitePath = new URL("storage/sqlite/sqlite-storage.js", dist);
if (existsSync(sqlitePath)) {
  const { openSqliteStorage } = await import(sqlitePath.href);
  const dir = mkdtempSync(join(tmpdir(), "bulwark-bench-"));
  try {
    const storage = openSqliteStorage({ path: join(dir, "bench.db") });
    await run("sqlite store (sync=FULL)", storage);
    await storage.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
} else {
  console.log("sqlite store: not built (dist/src/storage/sqlite/sqlite-storage.js missing), skipped");
}
