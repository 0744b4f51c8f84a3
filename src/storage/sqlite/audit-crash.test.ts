/**
 * Durability of the audit log when the process dies: a child process records events through the
 * audit writer thread (as the server does) and reports each one once record() resolved; it is
 * killed with SIGKILL in mid-stream, three times over on the same log. Every reported event must
 * be in the log, which must verify and continue after each crash. Once with every event forced to
 * disk before it is acknowledged, once with read-only events acknowledged when written and forced
 * to disk up to a second later (a process's death loses nothing written; only a power loss could).
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { test } from "node:test";
import { createAuditLog } from "../../audit/audit-log.js";
import { createDigestSigner } from "../../audit/digest-key.js";
import { record } from "../../audit/test-fixtures.js";
import { verifyAudit } from "../../audit/verify.js";
import { openSqliteStorage } from "./sqlite-storage.js";

const href = (rel: string): string => new URL(rel, import.meta.url).href;

/** The child: records events with 16 callers at a time, printing each request id once durable. */
const CHILD = `
import { readFileSync } from "node:fs";
const { openSqliteStorage } = await import(${JSON.stringify(href("./sqlite-storage.js"))});
const { createAuditLog } = await import(${JSON.stringify(href("../../audit/audit-log.js"))});
const { createDigestSigner } = await import(${JSON.stringify(href("../../audit/digest-key.js"))});
const { record } = await import(${JSON.stringify(href("../../audit/test-fixtures.js"))});
const [dbPath, keyPath, round, syncDelay] = process.argv.slice(2);
const storage = openSqliteStorage({ path: dbPath, auditWriterThread: true, auditSyncDelayMs: Number(syncDelay) });
const readOnly = Number(syncDelay) > 0;
const log = createAuditLog({ store: storage, digestSigner: createDigestSigner(readFileSync(keyPath)), clock: { now: () => Date.now() }, digestIntervalMs: 50 });
await log.ready();
let n = 0;
const key = "arn:aws:kms:us-east-1:111122223333:key/k1";
async function caller() {
  for (;;) {
    const requestId = "req-" + round + "-" + n++;
    await log.record(record({ time: Date.now(), requestId, readOnly, annotations: { resources: [{ ARN: key, accountId: "111122223333", type: "AWS::KMS::Key" }] } }));
    process.stdout.write(requestId + "\\n");
  }
}
await Promise.all(Array.from({ length: 16 }, caller));
`;

for (const syncDelay of [0, 1000]) test(`events acknowledged before a SIGKILL are all in the log, which verifies and continues (sync delay ${syncDelay} ms)`, async () => {
  const dir = mkdtempSync(join(tmpdir(), "bulwark-audit-crash-"));
  const path = join(dir, "data", "bulwark.db");
  const script = join(dir, "child.mjs");
  const keyPath = join(dir, "digest-key.pem");
  writeFileSync(script, CHILD);
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  writeFileSync(keyPath, privateKey.export({ type: "pkcs8", format: "pem" }));
  const signer = createDigestSigner(privateKey.export({ type: "pkcs8", format: "pem" }));
  // Not as a test-runner child (the runner marks its subprocesses through the environment).
  const env = { ...process.env };
  delete env.NODE_TEST_CONTEXT;
  const acked: string[] = [];
  try {
    for (let round = 0; round < 3; round++) {
      const child = spawn(process.execPath, [script, path, keyPath, String(round), String(syncDelay)], { stdio: ["ignore", "pipe", "inherit"], env });
      const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
      let seen = 0;
      for await (const line of createInterface({ input: child.stdout! })) {
        acked.push(line);
        if (++seen === 300 + 100 * round) child.kill("SIGKILL");
      }
      await exited;
      assert.equal(child.signalCode, "SIGKILL");

      const s = openSqliteStorage({ path, auditWriterThread: true });
      try {
        const last = (await s.lastAudit())?.seq ?? 0;
        const stored = new Set((await s.readAudit(1, last)).map((r) => (JSON.parse(r.json) as { requestID: string }).requestID));
        assert.deepEqual(
          acked.filter((id) => !stored.has(id)),
          [],
          `round ${round}: every acknowledged event is in the log`,
        );
        const report = await verifyAudit(s, signer.publicKeyPem);
        assert.equal(report.ok, true, JSON.stringify(report.problems));
        assert.equal(report.events, last);
      } finally {
        await s.close();
      }
    }

    // A clean restart continues the same chain, and the whole log verifies.
    const s = openSqliteStorage({ path, auditWriterThread: true });
    try {
      const last = (await s.lastAudit())!;
      const log = createAuditLog({ store: s, digestSigner: signer, clock: { now: () => Date.now() }, digestIntervalMs: 0 });
      await log.record(record({ time: Date.now(), requestId: "after-restart" }));
      await log.close();
      const [next] = await s.readAudit(last.seq + 1, last.seq + 1);
      assert.equal(next?.prevHash, last.hash);
      const report = await verifyAudit(s, signer.publicKeyPem);
      assert.deepEqual([report.ok, report.problems, report.notes], [true, [], []]);
    } finally {
      await s.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
