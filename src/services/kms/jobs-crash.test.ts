/**
 * Durable jobs when the process dies: a child process enables rotation on some keys and schedules
 * the deletion of others, 16 calls at a time, and is killed with SIGKILL in mid-stream, three
 * times over on the same database. A key whose state calls for a job (rotation enabled, pending
 * deletion) must have it: once the dates have passed and the jobs have run, no key is left pending
 * deletion and every key with rotation enabled has rotated, acknowledged or not.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { test } from "node:test";
import { DAY_MS } from "./env.js";
import { createKmsHarness } from "./testing/harness.js";

const href = (rel: string): string => new URL(rel, import.meta.url).href;

/** The child: EnableKeyRotation on even keys, ScheduleKeyDeletion on odd ones, printing each key once answered. */
const CHILD = `
const { createKmsHarness } = await import(${JSON.stringify(href("./testing/harness.js"))});
const [path, rootKey, ...keyIds] = process.argv.slice(2);
const h = createKmsHarness({ path, rootKey: Buffer.from(rootKey, "base64") });
let next = 0;
async function caller() {
  for (let i = next++; i < keyIds.length; i = next++) {
    const KeyId = keyIds[i];
    if (i % 2 === 0) await h.call("EnableKeyRotation", { KeyId, RotationPeriodInDays: 90 });
    else await h.call("ScheduleKeyDeletion", { KeyId, PendingWindowInDays: 7 });
    process.stdout.write(KeyId + "\\n");
  }
}
await Promise.all(Array.from({ length: 16 }, caller));
`;

test("a key's state and the job it calls for survive a SIGKILL together", async () => {
  const dir = mkdtempSync(join(tmpdir(), "bulwark-kms-jobs-crash-"));
  const path = join(dir, "bulwark.db");
  const script = join(dir, "child.mjs");
  writeFileSync(script, CHILD);
  const rootKey = randomBytes(32);
  // Not as a test-runner child (the runner marks its subprocesses through the environment).
  const env = { ...process.env };
  delete env.NODE_TEST_CONTEXT;
  try {
    const setup = createKmsHarness({ path, rootKey });
    const keyIds: string[] = [];
    for (let i = 0; i < 3 * 200; i++) keyIds.push((await setup.call<{ KeyMetadata: { KeyId: string } }>("CreateKey", {})).KeyMetadata.KeyId);
    await setup.close();

    const acked = new Set<string>();
    for (let round = 0; round < 3; round++) {
      const mine = keyIds.slice(round * 200, (round + 1) * 200);
      const child = spawn(process.execPath, [script, path, rootKey.toString("base64"), ...mine], { stdio: ["ignore", "pipe", "inherit"], env });
      const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
      let seen = 0;
      for await (const line of createInterface({ input: child.stdout! })) {
        acked.add(line);
        if (++seen === 40 + 20 * round) child.kill("SIGKILL");
      }
      await exited;
      assert.equal(child.signalCode, "SIGKILL");
    }

    const h = createKmsHarness({ path, rootKey });
    try {
      h.clock.advance(91 * DAY_MS);
      await h.scheduler.runDue();
      const problems: string[] = [];
      for (const [i, KeyId] of keyIds.entries()) {
        if (i % 2 === 1) {
          const state = await h.call<{ KeyMetadata: { KeyState: string } }>("DescribeKey", { KeyId }).then(
            (d) => d.KeyMetadata.KeyState,
            () => "deleted",
          );
          if (state === "PendingDeletion") problems.push(`${KeyId} still pending deletion${acked.has(KeyId) ? " (acknowledged)" : ""}`);
          if (acked.has(KeyId) && state !== "deleted") problems.push(`${KeyId} acknowledged deletion but ${state}`);
        } else {
          const enabled = (await h.call<{ KeyRotationEnabled: boolean }>("GetKeyRotationStatus", { KeyId })).KeyRotationEnabled;
          const rotations = (await h.call<{ Rotations: unknown[] }>("ListKeyRotations", { KeyId })).Rotations.length;
          if (enabled && rotations === 0) problems.push(`${KeyId} rotation enabled but never rotated${acked.has(KeyId) ? " (acknowledged)" : ""}`);
          if (acked.has(KeyId) && !enabled) problems.push(`${KeyId} acknowledged EnableKeyRotation but disabled`);
        }
      }
      assert.deepEqual(problems, []);
    } finally {
      await h.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
