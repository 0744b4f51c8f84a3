/**
 * `bulwark serve` as an operator runs it: a bad config file refuses to start with a message
 * naming the file and the key; `--log-level debug` shows the configuration in effect, the data
 * directory opened and authentication failures, and never a secret.
 */
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { STSClient, GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { listeningUrl } from "./cli-process.js";

const CLI = path.resolve("dist/src/cli/main.js");
const dir = mkdtempSync(path.join(tmpdir(), "bulwark-config-cli-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const PASSPHRASE = "Qz7 vexing Wombat kilns 4 jumpy fjords";
const ADMIN_KEY_ID = "AKIACONFIGCLI0000001";
const ADMIN_SECRET = "Xq9PvB2mLk7Tz4Rw8Ny3Hs6Jd1Gf5Ca0Ue/Oi+Yt";
const WRONG_SECRET = "Mw4Kt8Zr2Px6Bn0Vq3Ly7Hc1Sd5Fj9Ga+Eu/Io.Ob";

function baseEnv(): Record<string, string> {
  return { PATH: process.env.PATH ?? "", HOME: dir };
}

function run(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

test("serve refuses a config file with an unknown key or a mistyped value, naming the file, and starts nothing", async () => {
  const dataDir = path.join(dir, "never-created");
  const typo = path.join(dir, "typo.json");
  writeFileSync(typo, JSON.stringify({ listn: "127.0.0.1:4771", logLevel: "warn" }));
  const r = await run(["serve", "--config", typo, "--data-dir", dataDir, "--plain-http"], baseEnv());
  assert.equal(r.code, 1);
  assert.match(r.stderr, new RegExp(`^bulwark: Config file ${typo.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}: unknown key "listn" \\(did you mean "listen"\\?\\)\\. Known keys: dataDir, listen, `));
  assert.equal(r.stdout, "");
  assert.equal(existsSync(dataDir), false);

  const mistyped = path.join(dir, "mistyped.json");
  writeFileSync(mistyped, JSON.stringify({ maxBodyBytes: -1 }));
  const r2 = await run(["serve", "--data-dir", dataDir, "--plain-http"], { ...baseEnv(), BULWARK_CONFIG: mistyped });
  assert.equal(r2.code, 1);
  assert.equal(r2.stderr, `bulwark: Invalid "maxBodyBytes" in config file ${mistyped}: expected a whole number of at least 1, got -1\n`);
  assert.equal(existsSync(dataDir), false);

  const r3 = await run(["serve", "--data-dir", dataDir, "--plain-http"], { ...baseEnv(), BULWARK_PLAIN_HTTP: "perhaps" });
  assert.equal(r3.code, 1);
  assert.equal(r3.stderr, 'bulwark: Invalid BULWARK_PLAIN_HTTP: expected 1, true, yes or on (or 0, false, no, off), got "perhaps"\n');
});

test("--log-level debug shows the configuration in effect, the data directory and authentication failures, without a secret", async () => {
  const dataDir = path.join(dir, "data");
  const config = path.join(dir, "debug.json");
  writeFileSync(config, JSON.stringify({ listen: "127.0.0.1:0", maxBodyBytes: 65536, kmsRsaRps: 7 }));
  const child = spawn(process.execPath, [CLI, "serve", "--config", config, "--data-dir", dataDir, "--plain-http", "--log-level", "debug"], {
    env: { ...baseEnv(), BULWARK_ROOT_PASSPHRASE: PASSPHRASE, BULWARK_ADMIN_ACCESS_KEY_ID: ADMIN_KEY_ID, BULWARK_ADMIN_SECRET_ACCESS_KEY: ADMIN_SECRET },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.resume();
  const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
  try {
    const url = await listeningUrl(child);
    const sts = (secretAccessKey: string) => new STSClient({ endpoint: url, region: "us-east-1", credentials: { accessKeyId: ADMIN_KEY_ID, secretAccessKey }, maxAttempts: 1 });
    await assert.rejects(sts(WRONG_SECRET).send(new GetCallerIdentityCommand({})), (e: any) => e.name === "SignatureDoesNotMatch" && e.$metadata.httpStatusCode === 403);
    const ok = await sts(ADMIN_SECRET).send(new GetCallerIdentityCommand({}));
    assert.match(ok.Arn ?? "", /:user\/admin$/);
  } finally {
    child.kill("SIGTERM");
  }
  assert.equal(await exited, 0);

  const lines = stdout
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as Record<string, any>);
  const byMsg = (msg: string) => lines.filter((l) => l.msg === msg);

  const [cfgLine] = byMsg("configuration in effect");
  assert.ok(cfgLine, stdout);
  assert.equal(cfgLine.level, 20);
  const c = cfgLine.config;
  assert.deepEqual([c.dataDir, c.listen, c.tls.enabled, c.logLevel, c.maxBodyBytes, c.kms.rsaRps, c.defaultRegion], [dataDir, "127.0.0.1:0", false, "debug", 65536, 7, "us-east-1"]);
  assert.deepEqual(c.rootKey, { source: "passphrase" });
  assert.deepEqual(c.admin, { userName: "admin", keyPair: { accessKeyId: ADMIN_KEY_ID } });

  const [opened] = byMsg("data directory opened");
  assert.ok(opened);
  assert.deepEqual([opened.dataDir, opened.storage, opened.created, opened.rootKeySource], [dataDir, "sqlite", true, "passphrase"]);
  assert.ok(Array.isArray(opened.migrationsApplied) && opened.migrationsApplied.length > 0);

  const failures = byMsg("authentication failed");
  assert.equal(failures.length, 1);
  assert.deepEqual(
    { reason: failures[0]!.reason, errorCode: failures[0]!.errorCode, accessKeyId: failures[0]!.accessKeyId },
    { reason: "signature-rejected", errorCode: "SignatureDoesNotMatch", accessKeyId: ADMIN_KEY_ID },
  );
  // The per-request lines stay as they were at info.
  assert.deepEqual(
    byMsg("request").map((l) => [l.operation, l.status, l.errorCode]),
    [
      ["GetCallerIdentity", 403, "SignatureDoesNotMatch"],
      ["GetCallerIdentity", 200, undefined],
    ],
  );

  // No secret, nor any part of one, anywhere in the log.
  for (const secret of [PASSPHRASE, ADMIN_SECRET, WRONG_SECRET]) {
    for (let i = 0; i + 8 <= secret.length; i++) assert.ok(!stdout.includes(secret.slice(i, i + 8)), `log holds part of a secret: ${secret.slice(i, i + 8)}`);
  }
});

test("SIGTERM the moment serve says it is listening is a clean shutdown (exit 0), on the first start and later ones", async () => {
  const dataDir = path.join(dir, "sigterm");
  for (let run = 0; run < 4; run++) {
    const child = spawn(process.execPath, [CLI, "serve", "--data-dir", dataDir, "--plain-http", "--listen", "127.0.0.1:0"], {
      env: { ...baseEnv(), BULWARK_ROOT_PASSPHRASE: PASSPHRASE },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    child.stderr.resume();
    const exited = new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.on("close", (code, signal) => resolve([code, signal])));
    // Sent from the very callback that sees the announcement, with no turn of the event loop between.
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
      if (/Bulwark listening on /.test(stdout) && !child.killed) child.kill("SIGTERM");
    });
    assert.deepEqual(await exited, [0, null], `start ${run + 1}: ${stdout}`);
    assert.match(stdout, /"signal":"SIGTERM","msg":"shutting down"/, `start ${run + 1}`);
  }
});

test("serve --help names, for each flag, the environment variable the README's configuration table gives it", async () => {
  const r = await run(["serve", "--help"], baseEnv());
  assert.equal(r.code, 0);
  /** The help of one option: from its line to the next option's, on one line. */
  const helpOf = (flag: string): string => {
    const lines = r.stdout.split("\n");
    const start = lines.findIndex((l) => l.startsWith(`  ${flag} `) || l === `  ${flag}`);
    assert.ok(start >= 0, `no ${flag} in:\n${r.stdout}`);
    const end = lines.findIndex((l, i) => i > start && /^ {2}-/.test(l));
    return lines.slice(start, end < 0 ? undefined : end).join(" ").replace(/\s+/g, " ");
  };
  const table: Record<string, string> = {
    "--config": "BULWARK_CONFIG",
    "--data-dir": "BULWARK_DATA_DIR",
    "--listen": "BULWARK_LISTEN",
    "--plain-http": "BULWARK_PLAIN_HTTP",
    "--tls-cert": "BULWARK_TLS_CERT",
    "--tls-key": "BULWARK_TLS_KEY",
    "--root-key-file": "BULWARK_ROOT_KEY_FILE",
    "--log-level": "BULWARK_LOG_LEVEL",
    "--partition": "BULWARK_PARTITION",
  };
  for (const [flag, env] of Object.entries(table)) assert.ok(helpOf(flag).includes(env), `${flag}: ${helpOf(flag)}`);
  assert.match(helpOf("--root-key-file"), /raw or as hex\/base64 text, readable by its owner only \(chmod 600\)/);
});
