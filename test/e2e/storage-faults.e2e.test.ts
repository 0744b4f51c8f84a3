/**
 * The server when its storage goes wrong under it: the data directory moved away or removed,
 * the database write-locked by another process. Clients get ServiceUnavailable (never a
 * success that is not stored, never an internal path), the server keeps answering, and it
 * takes writes again once the condition is gone; the audit log still verifies.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { renameSync } from "node:fs";
import http from "node:http";
import path from "node:path";
import { spawnSync } from "node:child_process";
import Database from "better-sqlite3";
import { IAMClient, CreateUserCommand, GetUserCommand } from "@aws-sdk/client-iam";
import { KMSClient, CreateKeyCommand, EncryptCommand } from "@aws-sdk/client-kms";
import { startTestServer } from "./harness.js";

const CLI = path.resolve("dist/src/cli/main.js");

function get(url: string): Promise<{ status: number; body: string; ms: number }> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    http
      .get(url, (res) => {
        let body = "";
        res.on("data", (c: Buffer) => (body += c.toString()));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body, ms: performance.now() - t0 }));
      })
      .on("error", reject);
  });
}

async function failure(p: Promise<unknown>): Promise<{ name: string; status: number | undefined; message: string }> {
  try {
    await p;
  } catch (e) {
    const err = e as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
    return { name: err.name, status: err.$metadata?.httpStatusCode, message: err.message };
  }
  assert.fail("the call succeeded");
}

test("data directory moved away or removed while serving: ServiceUnavailable, never a lost acknowledged write", async () => {
  const s = await startTestServer({ plainHttp: true });
  const moved = `${s.dataDir}-moved`;
  try {
    const cfg = { ...s.clientConfig(), maxAttempts: 1 };
    const iam = new IAMClient(cfg);
    const kms = new KMSClient(cfg);
    const keyId = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!.KeyId!;
    await iam.send(new CreateUserCommand({ UserName: "before" }));

    renameSync(s.dataDir, moved);
    // Each in its protocol's spelling: the query protocol's code, the JSON protocol's exception.
    // Sent together, each failure() attached at once: a call may fail before the ones awaited ahead of it.
    const calls: Array<[ReturnType<typeof failure>, string]> = [
      [failure(iam.send(new CreateUserCommand({ UserName: "while-moved" }))), "ServiceUnavailable"],
      [failure(iam.send(new GetUserCommand({ UserName: "before" }))), "ServiceUnavailable"],
      [failure(kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from("x") }))), "ServiceUnavailableException"],
    ];
    for (const [call, name] of calls) {
      const f = await call;
      assert.equal(f.name, name);
      assert.equal(f.status, 503);
      assert.ok(!f.message.includes(s.dataDir) && !/\bat \S+ \(|\.js:\d+/.test(f.message), f.message);
    }
    assert.equal((await get(`${s.url}/health`)).status, 200);
    // What the clients got is what the metrics count.
    assert.match((await get(`${s.url}/metrics`)).body, /bulwark_requests_total\{service="iam",operation="CreateUser",code="ServiceUnavailable"\} 1/);

    renameSync(moved, s.dataDir);
    await iam.send(new CreateUserCommand({ UserName: "after" }));
    await kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from("x") }));
    await s.stop();

    // Nothing that was refused is there; everything acknowledged is; the log verifies.
    const s2 = await startTestServer({ plainHttp: true, dataDir: s.dataDir, rootKey: s.rootKey });
    try {
      const iam2 = new IAMClient({ ...s2.clientConfig(), maxAttempts: 1 });
      await iam2.send(new GetUserCommand({ UserName: "before" }));
      await iam2.send(new GetUserCommand({ UserName: "after" }));
      assert.equal((await failure(iam2.send(new GetUserCommand({ UserName: "while-moved" })))).name, "NoSuchEntityException");
    } finally {
      await s2.stop();
    }
    const v = spawnSync(process.execPath, [CLI, "audit", "verify", "--data-dir", s.dataDir], { encoding: "utf8" });
    assert.equal(v.status, 0, v.stdout + v.stderr);
    assert.match(v.stdout, /^OK: /);
  } finally {
    try {
      renameSync(moved, s.dataDir);
    } catch {
      /* already back */
    }
    await s.destroy();
  }
});

test("database write-locked by another process: the server keeps answering, writes fail after the busy timeout, then recover", async () => {
  const s = await startTestServer({ plainHttp: true });
  const other = new Database(path.join(s.dataDir, "bulwark.db"));
  try {
    const iam = new IAMClient({ ...s.clientConfig(), maxAttempts: 1 });
    await iam.send(new CreateUserCommand({ UserName: "before" }));
    other.exec("BEGIN IMMEDIATE");
    const t0 = performance.now();
    const write = failure(iam.send(new CreateUserCommand({ UserName: "while-locked" })));
    // The event loop is not held by the waiting write.
    const health = await get(`${s.url}/health`);
    assert.equal(health.status, 200);
    // (Before, SQLite's busy handler slept in the serving thread: several seconds.)
    assert.ok(health.ms < 2000, `/health took ${health.ms} ms`);
    const f = await write;
    // The write fails after the busy timeout, and so does its audit event while the lock is held:
    // the call is answered as the audit log being unavailable.
    assert.equal(f.status, 503);
    assert.equal(f.name, "ServiceUnavailable");
    assert.ok(!/locked|sqlite|\.js:\d+/i.test(f.message), f.message);
    // The write's own busy timeout (5 s), then its audit event's at most.
    assert.ok(performance.now() - t0 < 11_000);
    other.exec("ROLLBACK");
    await iam.send(new CreateUserCommand({ UserName: "after" }));
    assert.equal((await failure(iam.send(new GetUserCommand({ UserName: "while-locked" })))).name, "NoSuchEntityException");
  } finally {
    other.close();
    await s.destroy();
  }
});
