/**
 * Persistence and audit through the real server and the `bulwark` CLI as a child process:
 * restart keeps data, a wrong root key refuses to start, CloudTrail LookupEvents sees every
 * call (failed ones too) without secrets, `audit verify` catches a tampered row, `ca export`
 * prints the CA, and SIGTERM drains and flushes.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import https from "node:https";
import { randomBytes } from "node:crypto";
import Database from "better-sqlite3";
import { IAMClient, CreateUserCommand, GetUserCommand, CreateAccessKeyCommand } from "@aws-sdk/client-iam";
import { STSClient, GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { CloudTrailClient, LookupEventsCommand } from "@aws-sdk/client-cloudtrail";
import { KMSClient, CreateAliasCommand, CreateKeyCommand, ListAliasesCommand } from "@aws-sdk/client-kms";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { startTestServer, ADMIN_KEY_ID, ADMIN_SECRET } from "./harness.js";

const CLI = path.resolve("dist/src/cli/main.js");

function cli(args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8", env: { ...process.env, ...env } });
}

test("data survives a restart; a wrong root key refuses to start", async () => {
  const s1 = await startTestServer();
  await new IAMClient(s1.clientConfig()).send(new CreateUserCommand({ UserName: "survivor" }));
  const key = await new IAMClient(s1.clientConfig()).send(new CreateAccessKeyCommand({ UserName: "survivor" }));
  await s1.stop();
  const s2 = await startTestServer({ dataDir: s1.dataDir, rootKey: s1.rootKey });
  try {
    const u = await new IAMClient(s2.clientConfig()).send(new GetUserCommand({ UserName: "survivor" }));
    assert.equal(u.User?.Arn, `arn:aws:iam::${s1.accountId}:user/survivor`);
    const id = await new STSClient(s2.clientConfig({ accessKeyId: key.AccessKey!.AccessKeyId!, secretAccessKey: key.AccessKey!.SecretAccessKey! })).send(new GetCallerIdentityCommand({}));
    assert.equal(id.Arn, `arn:aws:iam::${s1.accountId}:user/survivor`);
  } finally {
    await s2.stop();
  }
  await assert.rejects(startTestServer({ dataDir: s1.dataDir, rootKey: randomBytes(32).toString("base64") }), (e: any) => {
    assert.match(e.message, /The root key does not match this data directory/);
    return true;
  });
  // The secret never sits in the database in the clear.
  const db = new Database(path.join(s1.dataDir, "bulwark.db"), { readonly: true });
  const dump = (db.prepare("SELECT group_concat(value, '') AS v FROM docs").get() as { v: string }).v + (db.prepare("SELECT group_concat(json, '') AS v FROM audit_events").get() as { v: string }).v;
  db.close();
  assert.ok(dump.includes(key.AccessKey!.AccessKeyId!));
  assert.ok(!dump.includes(key.AccessKey!.SecretAccessKey!));
  assert.ok(!dump.includes(ADMIN_SECRET));
  rmSync(s1.dataDir, { recursive: true, force: true });
});

test("a change stored without its own event (the append failed, the server stopped) is in the log after the next start", async () => {
  const s1 = await startTestServer({ plainHttp: true });
  const keyId = (await new KMSClient(s1.clientConfig()).send(new CreateKeyCommand({}))).KeyMetadata!.KeyId!;
  // Appends of CreateAlias events fail from now on, after the alias itself is stored.
  const db = new Database(path.join(s1.dataDir, "bulwark.db"));
  db.exec("CREATE TRIGGER fail_create_alias BEFORE INSERT ON audit_events WHEN NEW.event_name = 'CreateAlias' BEGIN SELECT RAISE(ABORT, 'injected'); END");
  db.close();
  await assert.rejects(new KMSClient(s1.clientConfig()).send(new CreateAliasCommand({ AliasName: "alias/unlogged", TargetKeyId: keyId })), (e: any) => {
    assert.equal(e.name, "ServiceUnavailableException");
    return true;
  });
  const aliases = await new KMSClient(s1.clientConfig()).send(new ListAliasesCommand({ KeyId: keyId }));
  assert.deepEqual(aliases.Aliases?.map((a) => a.AliasName), ["alias/unlogged"]);
  await s1.stop();
  const db2 = new Database(path.join(s1.dataDir, "bulwark.db"));
  db2.exec("DROP TRIGGER fail_create_alias");
  assert.equal((db2.prepare("SELECT count(*) AS n FROM audit_intents").get() as { n: number }).n, 1);
  db2.close();

  const s2 = await startTestServer({ plainHttp: true, dataDir: s1.dataDir, rootKey: s1.rootKey });
  try {
    const found = await new CloudTrailClient(s2.clientConfig()).send(new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: "EventName", AttributeValue: "CreateAlias" }] }));
    assert.equal(found.Events?.length, 1);
    const ev = JSON.parse(found.Events![0]!.CloudTrailEvent!) as Record<string, any>;
    assert.equal(ev.errorCode, "InternalFailure");
    assert.equal(ev.errorMessage, "This call was interrupted before its outcome was recorded; whether it took effect is not known.");
    assert.equal(ev.requestParameters.aliasName, "alias/unlogged");
    assert.equal(ev.requestParameters.targetKeyId, keyId);
    assert.equal(ev.userIdentity.accessKeyId, ADMIN_KEY_ID);
    assert.equal(ev.readOnly, false);
    const db3 = new Database(path.join(s1.dataDir, "bulwark.db"), { readonly: true });
    assert.equal((db3.prepare("SELECT count(*) AS n FROM audit_intents").get() as { n: number }).n, 0);
    db3.close();
  } finally {
    await s2.stop();
  }
  const verify = cli(["audit", "verify", "--data-dir", s1.dataDir], { BULWARK_ROOT_KEY: s1.rootKey });
  assert.equal(verify.status, 0, verify.stdout + verify.stderr);
  rmSync(s1.dataDir, { recursive: true, force: true });
});

test("CloudTrail LookupEvents returns the calls, failures included, with no secrets", async () => {
  const s = await startTestServer();
  try {
    const iam = new IAMClient(s.clientConfig());
    await iam.send(new CreateUserCommand({ UserName: "traced" }));
    const k = await iam.send(new CreateAccessKeyCommand({ UserName: "traced" }));
    await assert.rejects(new STSClient(s.clientConfig({ accessKeyId: ADMIN_KEY_ID, secretAccessKey: "wrong-secret-0123456789abcdefghijklmnopq" })).send(new GetCallerIdentityCommand({})));
    const ct = new CloudTrailClient(s.clientConfig());
    const created = await ct.send(new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: "EventName", AttributeValue: "CreateAccessKey" }] }));
    assert.equal(created.Events?.length, 1);
    const ev = created.Events![0]!;
    assert.equal(ev.EventSource, "iam.amazonaws.com");
    assert.equal(ev.Username, "admin");
    assert.equal(ev.AccessKeyId, ADMIN_KEY_ID);
    const record = JSON.parse(ev.CloudTrailEvent!);
    assert.equal(record.eventName, "CreateAccessKey");
    assert.equal(record.userIdentity.arn, `arn:aws:iam::${s.accountId}:user/admin`);
    assert.equal(record.recipientAccountId, s.accountId);
    assert.equal(record.requestParameters.userName, "traced");
    assert.equal(record.responseElements.accessKey.accessKeyId, k.AccessKey!.AccessKeyId);
    assert.ok(!ev.CloudTrailEvent!.includes(k.AccessKey!.SecretAccessKey!));
    const failed = await ct.send(new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: "EventName", AttributeValue: "GetCallerIdentity" }] }));
    const bad = failed.Events!.map((e) => JSON.parse(e.CloudTrailEvent!)).find((e) => e.errorCode);
    assert.equal(bad?.errorCode, "SignatureDoesNotMatch");
    assert.equal(bad?.userIdentity.accessKeyId, ADMIN_KEY_ID);
    // Pagination walks every event exactly once.
    const seen = new Set<string>();
    let token: string | undefined;
    do {
      const page = await ct.send(new LookupEventsCommand({ MaxResults: 2, ...(token ? { NextToken: token } : {}) }));
      for (const e of page.Events ?? []) {
        assert.ok(!seen.has(e.EventId!));
        seen.add(e.EventId!);
      }
      token = page.NextToken;
    } while (token);
    assert.ok(seen.size >= 4);
  } finally {
    await s.destroy();
  }
});

function waitForLine(child: ReturnType<typeof spawn>, re: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    let buf = "";
    const t = setTimeout(() => reject(new Error(`timeout waiting for ${re}: ${buf}`)), 20_000);
    child.stdout!.on("data", (d: Buffer) => {
      buf += d.toString();
      const m = re.exec(buf);
      if (m) {
        clearTimeout(t);
        resolve(m[0]);
      }
    });
    child.on("exit", () => reject(new Error(`server exited: ${buf}`)));
  });
}

test("the CLI: serve, SIGTERM drains and flushes, ca export, audit verify catches tampering", async () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), "bulwark-cli-"));
  const env = { BULWARK_ROOT_PASSPHRASE: "correct horse battery staple", BULWARK_ADMIN_ACCESS_KEY_ID: ADMIN_KEY_ID, BULWARK_ADMIN_SECRET_ACCESS_KEY: ADMIN_SECRET, BULWARK_LOG_LEVEL: "warn" };
  try {
    const child = spawn(process.execPath, [CLI, "serve", "--data-dir", dataDir, "--listen", "127.0.0.1:0"], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    const line = await waitForLine(child, /Bulwark listening on (https:\/\/[^\s]+)/);
    const url = line.split(" ").pop()!.replace("127.0.0.1", "localhost");
    const ca = cli(["ca", "export", "--data-dir", dataDir], env);
    assert.equal(ca.status, 0);
    assert.match(ca.stdout, /^-----BEGIN CERTIFICATE-----\n/);
    assert.equal(ca.stdout, readFileSync(path.join(dataDir, "ca.pem"), "utf8"));
    const agent = new https.Agent({ ca: ca.stdout, keepAlive: true });
    const cfg = { endpoint: url, region: "eu-west-3", credentials: { accessKeyId: ADMIN_KEY_ID, secretAccessKey: ADMIN_SECRET }, requestHandler: new NodeHttpHandler({ httpsAgent: agent }), maxAttempts: 1 };
    const iam = new IAMClient(cfg);
    for (let i = 0; i < 5; i++) await iam.send(new CreateUserCommand({ UserName: `u${i}` }));
    // Requests in flight when SIGTERM arrives still complete. (Open the connections first:
    // connections still in the kernel's accept queue when the listener closes are reset.)
    await Promise.all([0, 1, 2].map(() => new STSClient(cfg).send(new GetCallerIdentityCommand({}))));
    const inFlight = Promise.all([0, 1, 2].map(() => new STSClient(cfg).send(new GetCallerIdentityCommand({}))));
    await new Promise((r) => setTimeout(r, 5));
    child.kill("SIGTERM");
    const results = await inFlight;
    assert.equal(results.length, 3);
    const code = await new Promise<number | null>((r) => child.on("exit", (c) => r(c)));
    assert.equal(code, 0);
    agent.destroy();

    const ok = cli(["audit", "verify", "--data-dir", dataDir, "--json"]);
    assert.equal(ok.status, 0, ok.stderr);
    const report = JSON.parse(ok.stdout);
    assert.equal(report.ok, true);
    assert.ok(report.events >= 8, `events: ${report.events}`);
    assert.ok(report.digests >= 1);

    // An attacker with write access edits one event (dropping the append-only trigger first).
    const db = new Database(path.join(dataDir, "bulwark.db"));
    for (const { name } of db.prepare("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_events'").all() as Array<{ name: string }>) db.exec(`DROP TRIGGER "${name}"`);
    const row = db.prepare("SELECT seq, json FROM audit_events WHERE event_name = 'CreateUser' ORDER BY seq LIMIT 1").get() as { seq: number; json: string };
    db.prepare("UPDATE audit_events SET json = ? WHERE seq = ?").run(row.json.replace('"userName":"u0"', '"userName":"u9"'), row.seq);
    db.close();
    const bad = cli(["audit", "verify", "--data-dir", dataDir, "--json"]);
    assert.equal(bad.status, 2);
    const badReport = JSON.parse(bad.stdout);
    assert.equal(badReport.ok, false);
    assert.deepEqual(badReport.problems.map((p: { kind: string; seq?: number }) => [p.kind, p.seq]), [["edited", row.seq]]);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test("the CLI: init creates the data directory, CA and admin without serving; serve then presents a certificate of that CA", async () => {
  const dataDir = path.join(mkdtempSync(path.join(tmpdir(), "bulwark-init-")), "data");
  const env = { BULWARK_ROOT_PASSPHRASE: "correct horse battery staple", BULWARK_ADMIN_ACCESS_KEY_ID: ADMIN_KEY_ID, BULWARK_ADMIN_SECRET_ACCESS_KEY: ADMIN_SECRET, BULWARK_LOG_LEVEL: "warn" };
  try {
    const init = cli(["init", "--data-dir", dataDir], env);
    assert.equal(init.status, 0, init.stderr);
    assert.match(init.stderr, /Bulwark initialised/);
    assert.match(init.stderr, new RegExp(`aws_access_key_id += ${ADMIN_KEY_ID}`));
    // The operator supplied the secret: it is not echoed into stderr (often a log collector).
    assert.equal(init.stderr.includes(ADMIN_SECRET), false);
    assert.match(init.stderr, /aws_secret_access_key = \(the one given in BULWARK_ADMIN_SECRET_ACCESS_KEY\)/);
    const ca = cli(["ca", "export", "--data-dir", dataDir]);
    assert.equal(ca.status, 0, ca.stderr);
    assert.match(ca.stdout, /^-----BEGIN CERTIFICATE-----\n/);
    assert.equal(ca.stdout, readFileSync(path.join(dataDir, "ca.pem"), "utf8"));
    const again = cli(["init", "--data-dir", dataDir], env);
    assert.equal(again.status, 0, again.stderr);
    assert.match(again.stderr, /is already initialised/);
    assert.equal(cli(["ca", "export", "--data-dir", dataDir]).stdout, ca.stdout);

    const child = spawn(process.execPath, [CLI, "serve", "--data-dir", dataDir, "--listen", "127.0.0.1:0"], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    try {
      const line = await waitForLine(child, /Bulwark listening on (https:\/\/[^\s]+)/);
      const url = line.split(" ").pop()!.replace("127.0.0.1", "localhost");
      const agent = new https.Agent({ ca: ca.stdout });
      const id = await new STSClient({ endpoint: url, region: "us-east-1", credentials: { accessKeyId: ADMIN_KEY_ID, secretAccessKey: ADMIN_SECRET }, requestHandler: new NodeHttpHandler({ httpsAgent: agent }), maxAttempts: 1 }).send(new GetCallerIdentityCommand({}));
      assert.match(id.Arn ?? "", /^arn:aws:iam::\d{12}:user\/admin$/);
      agent.destroy();
      assert.equal(readFileSync(path.join(dataDir, "ca.pem"), "utf8"), ca.stdout);
    } finally {
      const exited = new Promise((r) => child.on("exit", r));
      child.kill("SIGTERM");
      await exited;
    }
  } finally {
    rmSync(path.dirname(dataDir), { recursive: true, force: true });
  }
});
