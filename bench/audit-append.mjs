// Audit append throughput and cost: events/s through createAuditLog().record() with the in-memory
// store and the SQLite store (temp file, WAL, synchronous=FULL), in process and with the audit
// writer thread as the server runs it; `cpu` is the process's CPU time (every thread, user +
// system) per event, record building included.
// Usage: npx tsc -p tsconfig.json && node bench/audit-append.mjs [events] [concurrency] [kind] [rounds]
//   kind: iam (CreateUser, schema-redacted input/output; default) or kms (Encrypt, handler
//   annotations and the key as resource, like the KMS benchmark's events)
//   AUDIT_BENCH_TREE=<another built checkout> measures that tree's dist instead (before/after).
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { performance } from "node:perf_hooks";
import { CreateUserRequest$, CreateUserResponse$ } from "@aws-sdk/client-iam";

const tree = process.env.AUDIT_BENCH_TREE;
const dist = tree ? new URL("dist/src/", pathToFileURL(tree.endsWith("/") ? tree : `${tree}/`)) : new URL("../dist/src/", import.meta.url);
const { createAuditLog } = await import(new URL("audit/audit-log.js", dist).href);
const { buildCloudTrailEvents } = await import(new URL("audit/event.js", dist).href);
const { generateDigestSigner } = await import(new URL("audit/digest-key.js", dist).href);
const { MemoryAuditStore } = await import(new URL("audit/memory-audit-store.js", dist).href);

const N = Number(process.argv[2] ?? 50_000);
const CONCURRENCY = Number(process.argv[3] ?? 256);
const KIND = process.argv[4] ?? "iam";
const ROUNDS = Number(process.argv[5] ?? 1);
const signer = generateDigestSigner();
const clock = { now: () => Date.now() };

const alice = {
  type: "IAMUser",
  accountId: "111122223333",
  arn: "arn:aws:iam::111122223333:user/alice",
  principalId: "AIDAEXAMPLEALICE0001",
  accessKeyId: "AKIAEXAMPLEALICE0001",
  name: "alice",
};
const keyArn = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";

function kmsRec(i) {
  return {
    time: Date.now(),
    requestId: `0b7c3c1e-4d2a-4f7e-9a51-${String(i).padStart(12, "0")}`,
    eventSource: "kms.amazonaws.com",
    service: "kms",
    operation: "Encrypt",
    region: "us-east-1",
    principal: alice,
    accessKeyId: alice.accessKeyId,
    sourceIp: "127.0.0.1",
    userAgent: "aws-sdk-js/3.700.0 ua/2.1 os/linux#6.8 lang/js md/nodejs#20.20.2 api/kms#3.700.0 m/E",
    readOnly: true,
    annotations: {
      requestParameters: { keyId: keyArn, encryptionAlgorithm: "SYMMETRIC_DEFAULT", encryptionContext: { Department: "10-1", Project: "Bulwark" } },
      resources: [{ ARN: keyArn, accountId: "111122223333", type: "AWS::KMS::Key" }],
    },
  };
}

function rec(i) {
  if (KIND === "kms") return kmsRec(i);
  return {
    time: Date.now(),
    requestId: `req-${i}`,
    eventSource: "iam.amazonaws.com",
    service: "iam",
    operation: "CreateUser",
    region: "",
    principal: alice,
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
  const c0 = process.cpuUsage();
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
  const c = process.cpuUsage(c0);
  await log.close();
  latencies.sort((a, b) => a - b);
  const p = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))].toFixed(2);
  const cpu = ((c.user + c.system) / N).toFixed(1);
  console.log(`${label.padEnd(30)}: ${Math.round(N / s).toLocaleString().padStart(7)} events/s, cpu ${cpu.padStart(5)} µs/event  (record() latency p50 ${p(0.5)} ms, p99 ${p(0.99)} ms; ${N} ${KIND} events, ${CONCURRENCY} concurrent)`);
}

async function sqlite(label, opts) {
  const { openSqliteStorage } = await import(new URL("storage/sqlite/sqlite-storage.js", dist).href);
  const dir = mkdtempSync(join(tmpdir(), "bulwark-bench-"));
  try {
    const storage = openSqliteStorage({ path: join(dir, "bench.db"), ...opts });
    await run(label, storage);
    await storage.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

for (let r = 0; r < ROUNDS; r++) {
  buildOnly();
  await run("memory store", new MemoryAuditStore());
  if (existsSync(new URL("storage/sqlite/sqlite-storage.js", dist))) {
    await sqlite("sqlite store (sync=FULL)", {});
    await sqlite("sqlite store, writer thread", { auditWriterThread: true });
  } else {
    console.log("sqlite store: not built (dist/src/storage/sqlite/sqlite-storage.js missing), skipped");
  }
}
