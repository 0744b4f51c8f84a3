/**
 * The server killed with SIGKILL under load, three times over on the same data directory: 16
 * clients create keys, aliases, ciphertexts and IAM users through the SDK, each noting what was
 * acknowledged. After the last crash the server starts again and every acknowledged write is
 * there whole (the alias names its key, the ciphertext decrypts to its plaintext, the user exists),
 * every acknowledged request has its audit event, every key stored has its CreateKey event (the
 * call's own, or for a call the crash interrupted the one recorded at the next start), SQLite's integrity check passes and `bulwark audit verify` finds the chain
 * intact.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import https from "node:https";
import { randomBytes } from "node:crypto";
import Database from "better-sqlite3";
import { KMSClient, CreateKeyCommand, CreateAliasCommand, EncryptCommand, DecryptCommand, DescribeKeyCommand, ListKeysCommand } from "@aws-sdk/client-kms";
import { IAMClient, CreateUserCommand, GetUserCommand } from "@aws-sdk/client-iam";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { ADMIN_KEY_ID, ADMIN_SECRET } from "./harness.js";
import { listeningUrl } from "./cli-process.js";

const CLI = path.resolve("dist/src/cli/main.js");

interface Acked {
  keys: Map<string, string>; // key id → description
  aliases: Map<string, string>; // alias name → key id
  ciphertexts: Array<{ blob: Uint8Array; plaintext: string; keyId: string }>;
  users: Set<string>;
  requestIds: Set<string>;
}

function clients(url: string, agent: https.Agent) {
  const cfg = { endpoint: url, region: "us-east-1", credentials: { accessKeyId: ADMIN_KEY_ID, secretAccessKey: ADMIN_SECRET }, requestHandler: new NodeHttpHandler({ httpsAgent: agent }), maxAttempts: 1 };
  return { kms: new KMSClient(cfg), iam: new IAMClient(cfg) };
}

/** One client's loop until `stop` is set: CreateKey, CreateAlias, Encrypt, CreateUser, noting each acknowledged result. */
async function worker(url: string, agent: https.Agent, name: string, acked: Acked, stop: { now: boolean }): Promise<number> {
  const { kms, iam } = clients(url, agent);
  let failures = 0;
  for (let i = 0; !stop.now; i++) {
    const id = `${name}-${i}`;
    try {
      const k = await kms.send(new CreateKeyCommand({ Description: id }));
      const keyId = k.KeyMetadata!.KeyId!;
      acked.keys.set(keyId, id);
      acked.requestIds.add(k.$metadata.requestId!);
      const a = await kms.send(new CreateAliasCommand({ AliasName: `alias/${id}`, TargetKeyId: keyId }));
      acked.aliases.set(`alias/${id}`, keyId);
      acked.requestIds.add(a.$metadata.requestId!);
      const e = await kms.send(new EncryptCommand({ KeyId: `alias/${id}`, Plaintext: Buffer.from(`plaintext of ${id}`), EncryptionContext: { id } }));
      acked.ciphertexts.push({ blob: e.CiphertextBlob!, plaintext: `plaintext of ${id}`, keyId });
      acked.requestIds.add(e.$metadata.requestId!);
      const u = await iam.send(new CreateUserCommand({ UserName: id }));
      acked.users.add(id);
      acked.requestIds.add(u.$metadata.requestId!);
    } catch {
      failures++; // the server died under this request: its outcome is unknown, nothing is noted
      if (!stop.now) await new Promise((r) => setTimeout(r, 20));
    }
  }
  return failures;
}

function serve(dataDir: string, env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, [CLI, "serve", "--data-dir", dataDir, "--listen", "127.0.0.1:0"], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
}

test("SIGKILL under load, three times: every acknowledged write survives whole, with its audit event, and the log verifies", async () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), "bulwark-crash-"));
  const env = { BULWARK_ROOT_KEY: randomBytes(32).toString("base64"), BULWARK_ADMIN_ACCESS_KEY_ID: ADMIN_KEY_ID, BULWARK_ADMIN_SECRET_ACCESS_KEY: ADMIN_SECRET, BULWARK_LOG_LEVEL: "warn" };
  const acked: Acked = { keys: new Map(), aliases: new Map(), ciphertexts: [], users: new Set(), requestIds: new Set() };
  try {
    for (let round = 0; round < 3; round++) {
      const child = serve(dataDir, env);
      const url = (await listeningUrl(child)).replace("127.0.0.1", "localhost");
      const agent = new https.Agent({ rejectUnauthorized: false, keepAlive: true, maxSockets: 16 });
      const stop = { now: false };
      const before = acked.requestIds.size;
      const workers = Array.from({ length: 16 }, (_, w) => worker(url, agent, `r${round}w${w}`, acked, stop));
      // Kill once enough has been acknowledged that requests are surely in flight at every stage.
      while (acked.requestIds.size - before < 400) await new Promise((r) => setTimeout(r, 10));
      const exited = new Promise<NodeJS.Signals | null>((r) => child.once("exit", (_code, signal) => r(signal)));
      child.kill("SIGKILL");
      assert.equal(await exited, "SIGKILL");
      stop.now = true;
      const failures = await Promise.all(workers);
      agent.destroy();
      assert.ok(failures.reduce((a, b) => a + b, 0) >= 1, "some requests were in flight when the server died");
    }

    const child = serve(dataDir, env);
    const url = (await listeningUrl(child)).replace("127.0.0.1", "localhost");
    const agent = new https.Agent({ rejectUnauthorized: false, keepAlive: true, maxSockets: 16 });
    const { kms, iam } = clients(url, agent);
    const stored = new Set<string>();
    try {
      for (const [alias, keyId] of acked.aliases) {
        const d = await kms.send(new DescribeKeyCommand({ KeyId: alias }));
        assert.equal(d.KeyMetadata!.KeyId, keyId, alias);
        assert.equal(d.KeyMetadata!.Description, acked.keys.get(keyId));
      }
      for (const c of acked.ciphertexts) {
        const d = await kms.send(new DecryptCommand({ CiphertextBlob: c.blob, EncryptionContext: { id: acked.keys.get(c.keyId)! } }));
        assert.equal(Buffer.from(d.Plaintext!).toString(), c.plaintext);
      }
      for (const u of acked.users) assert.equal((await iam.send(new GetUserCommand({ UserName: u }))).User!.UserName, u);
      let marker: string | undefined;
      do {
        const page = await kms.send(new ListKeysCommand({ Marker: marker, Limit: 1000 }));
        for (const k of page.Keys ?? []) stored.add(k.KeyId!);
        marker = page.NextMarker;
      } while (marker);
      for (const keyId of acked.keys.keys()) assert.ok(stored.has(keyId), `acknowledged key ${keyId} is listed`);
    } finally {
      agent.destroy();
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await exited;
    }

    const db = new Database(path.join(dataDir, "bulwark.db"), { readonly: true });
    try {
      assert.deepEqual(db.pragma("integrity_check"), [{ integrity_check: "ok" }]);
      const requestIds = new Set<string>();
      const createdKeys = new Set<string>();
      let interruptedCreateKeys = 0;
      for (const { json } of db.prepare("SELECT json FROM audit_events").iterate() as Iterable<{ json: string }>) {
        const ev = JSON.parse(json) as { requestID?: string; eventName: string; errorCode?: string; errorMessage?: string; responseElements?: { keyMetadata?: { keyId?: string } } };
        if (ev.requestID) requestIds.add(ev.requestID);
        if (ev.eventName === "CreateKey" && !ev.errorCode && ev.responseElements?.keyMetadata?.keyId) createdKeys.add(ev.responseElements.keyMetadata.keyId);
        if (ev.eventName === "CreateKey" && ev.errorCode === "InternalFailure" && /interrupted before its outcome was recorded/.test(ev.errorMessage ?? "")) interruptedCreateKeys++;
      }
      for (const id of acked.requestIds) assert.ok(requestIds.has(id), `acknowledged request ${id} has its event`);
      assert.ok(stored.size >= acked.keys.size);
      // A key stored by a request the crash interrupted (never acknowledged) has the event every
      // interrupted call gets at the next start: InternalFailure, outcome unknown.
      const missing = [...stored].filter((k) => !createdKeys.has(k));
      assert.deepEqual(missing.filter((k) => acked.keys.has(k)), []);
      assert.ok(interruptedCreateKeys >= missing.length, `${missing.length} keys without a CreateKey event, ${interruptedCreateKeys} interrupted CreateKey calls recorded`);
    } finally {
      db.close();
    }
    const verify = spawnSync(process.execPath, [CLI, "audit", "verify", "--data-dir", dataDir, "--json"], { encoding: "utf8", env: { ...process.env, ...env } });
    assert.equal(verify.status, 0, verify.stderr);
    const report = JSON.parse(verify.stdout) as { ok: boolean; events: number };
    assert.equal(report.ok, true);
    assert.ok(report.events >= acked.requestIds.size, `events: ${report.events}`);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
