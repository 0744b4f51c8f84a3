/**
 * The operator command line on inputs nobody sends on purpose: every one ends with one
 * `bulwark: …` line on stderr and exit 1, never a stack trace, and a first start that fails
 * leaves no data directory behind (its root key and admin credentials were never shown, so it
 * could never be opened).
 */
import "reflect-metadata";
import { test, after, before } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { chmodSync, closeSync, cpSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { webcrypto } from "node:crypto";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import * as x509 from "@peculiar/x509";
import { META_DIGEST_PUBLIC_KEY } from "../../src/audit/digest-key.js";
import { listeningUrl } from "./cli-process.js";

const CLI = path.resolve("dist/src/cli/main.js");
const dir = mkdtempSync(path.join(tmpdir(), "bulwark-operator-cli-errors-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const PASSPHRASE = "Lm3 quartz Otter spins 8 brisk ladders";
const dataDir = path.join(dir, "data");

function env(): Record<string, string> {
  return { PATH: process.env.PATH ?? "", HOME: dir, BULWARK_ROOT_PASSPHRASE: PASSPHRASE };
}

function run(args: string[], e: Record<string, string> = env(), stdout: "pipe" | number = "pipe"): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: e, stdio: ["ignore", stdout, "pipe"] as ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout?.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr!.on("data", (d: Buffer) => (err += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout: out, stderr: err }));
  });
}

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

/** A self-signed certificate for `name` and its key, as PEM files: [certificate, key]. */
async function selfSigned(name: string): Promise<[string, string]> {
  const alg = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;
  const keys = (await webcrypto.subtle.generateKey(alg, true, ["sign", "verify"])) as CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({ name: `CN=${name}`, notBefore: new Date(Date.now() - 86_400_000), notAfter: new Date(Date.now() + 86_400_000), signingAlgorithm: alg, keys });
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey("pkcs8", keys.privateKey as unknown as webcrypto.CryptoKey)).toString("base64");
  const [certFile, keyFile] = [path.join(dir, `${name}.crt`), path.join(dir, `${name}.key`)];
  writeFileSync(certFile, cert.toString("pem") + "\n");
  writeFileSync(keyFile, `-----BEGIN PRIVATE KEY-----\n${pkcs8.replace(/(.{64})/g, "$1\n")}\n-----END PRIVATE KEY-----\n`);
  return [certFile, keyFile];
}

/** One line naming the problem, exit 1. */
function assertOneLine(r: { code: number | null; stderr: string }, expected: string): void {
  assert.equal(r.stderr, `bulwark: ${expected}\n`);
  assert.equal(r.code, 1);
}

before(async () => {
  const r = await run(["init", "--data-dir", dataDir]);
  assert.equal(r.code, 0, r.stderr);
  // An operator command writes the audit log's first events and its digest key.
  const r2 = await run(["accounts", "list", "--data-dir", dataDir]);
  assert.equal(r2.code, 0, r2.stderr);
});

test("a first start that fails keeps nothing of the data directory it began", async () => {
  // The address is taken: the listener fails after the data directory was initialised.
  const blocker: Server = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
  const port = (blocker.address() as { port: number }).port;
  try {
    const fresh = path.join(dir, "fresh", "nested");
    const r = await run(["serve", "--plain-http", "--data-dir", fresh, "--listen", `127.0.0.1:${port}`], { PATH: process.env.PATH ?? "", HOME: dir });
    assertOneLine(r, `listen EADDRINUSE: address already in use 127.0.0.1:${port}`);
    assert.equal(existsSync(path.join(dir, "fresh")), false);
  } finally {
    blocker.close();
  }

  const missingCert = path.join(dir, "no-such-cert.pem");
  const r1 = await run(["serve", "--data-dir", path.join(dir, "fresh1"), "--listen", "127.0.0.1:0", "--tls-cert", missingCert, "--tls-key", missingCert]);
  assertOneLine(r1, `Cannot read --tls-cert (BULWARK_TLS_CERT, "tlsCert") ${missingCert}: ENOENT: no such file or directory, open '${missingCert}'`);
  assert.equal(existsSync(path.join(dir, "fresh1")), false);

  // A file that is not a PEM certificate, or a key of another certificate, is refused naming the settings.
  const [certA, keyA] = await selfSigned("a.example");
  const [, keyB] = await selfSigned("b.example");
  const notPem = path.join(dir, "not-pem.txt");
  writeFileSync(notPem, "not a certificate\n");
  const expected = "(expected a PEM certificate, optionally followed by its chain, and the PEM private key of that certificate)";
  const r3 = await run(["serve", "--data-dir", path.join(dir, "fresh4"), "--listen", "127.0.0.1:0"], { ...env(), BULWARK_TLS_CERT: notPem, BULWARK_TLS_KEY: keyA });
  assertOneLine(r3, `Cannot use --tls-cert (BULWARK_TLS_CERT, "tlsCert") ${notPem} with --tls-key (BULWARK_TLS_KEY, "tlsKey") ${keyA}: no start line ${expected}`);
  const r4 = await run(["serve", "--data-dir", path.join(dir, "fresh4"), "--listen", "127.0.0.1:0", "--tls-cert", certA, "--tls-key", keyB]);
  assertOneLine(r4, `Cannot use --tls-cert (BULWARK_TLS_CERT, "tlsCert") ${certA} with --tls-key (BULWARK_TLS_KEY, "tlsKey") ${keyB}: key values mismatch ${expected}`);
  assert.equal(existsSync(path.join(dir, "fresh4")), false);

  const missingKey = path.join(dir, "no-such-key");
  const r2 = await run(["init", "--data-dir", path.join(dir, "fresh2"), "--root-key-file", missingKey]);
  assertOneLine(r2, `Cannot open the root key file ${missingKey} (ENOENT)`);
  assert.equal(existsSync(path.join(dir, "fresh2")), false);

  // The secrets cannot be shown (stderr is a full disk): nothing is kept.
  if (existsSync("/dev/full")) {
    const fd = openSync("/dev/full", "w");
    try {
      const child = spawn(process.execPath, [CLI, "init", "--data-dir", path.join(dir, "fresh3")], { env: { PATH: process.env.PATH ?? "", HOME: dir }, stdio: ["ignore", "ignore", fd] });
      const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
      assert.equal(code, 1);
      assert.equal(existsSync(path.join(dir, "fresh3")), false);
    } finally {
      closeSync(fd);
    }
  }
});

test("operator commands neither create a missing data directory nor touch a file given as one", async () => {
  const missing = path.join(dir, "missing", "data");
  const empty = path.join(dir, "empty");
  mkdirSync(empty, { mode: 0o700 });
  const commands = [
    ["accounts", "list"],
    ["organizations", "describe"],
    ["ca", "export"],
    ["audit", "verify"],
    ["audit", "public-key"],
    ["audit", "prune", "--older-than-days", "1"],
  ];
  for (const args of commands) {
    for (const dataDir of [missing, empty]) {
      const r = await run([...args, "--data-dir", dataDir]);
      assertOneLine(r, `No Bulwark data directory at ${dataDir}. Run \`bulwark serve\` or \`bulwark init\` first.`);
      assert.equal(r.stdout, "");
    }
  }
  assert.equal(existsSync(path.join(dir, "missing")), false);
  assert.deepEqual(readdirSync(empty), []);

  const file = path.join(dir, "a-file");
  writeFileSync(file, "x");
  chmodSync(file, 0o644);
  assertOneLine(await run(["init", "--data-dir", file]), `The data directory ${file} is not a directory`);
  assertOneLine(await run(["accounts", "list", "--data-dir", file]), `The data directory ${file} is not a directory`);
  assertOneLine(await run(["init", "--data-dir", path.join(file, "sub")]), `The data directory ${path.join(file, "sub")} is not a directory: a part of its path is a file`);
  assert.equal(statSync(file).mode & 0o777, 0o644);

  const dangling = path.join(dir, "dangling");
  symlinkSync(path.join(dir, "nowhere"), dangling);
  assertOneLine(await run(["init", "--data-dir", dangling]), `The data directory ${dangling} is a symbolic link to a path that does not exist`);
  // Below such a link, the directory cannot be created: named, not node's "ENOENT: …, mkdir '…'".
  assertOneLine(await run(["init", "--data-dir", path.join(dangling, "sub")]), `Cannot create the data directory ${path.join(dangling, "sub")}: ENOENT`);
  assert.equal(existsSync(path.join(dir, "nowhere")), false);
});

test("output that cannot be written ends the command with one line, not a stack trace", async () => {
  if (existsSync("/dev/full")) {
    for (const args of [["ca", "export"], ["audit", "verify", "--json"], ["accounts", "list"]]) {
      const fd = openSync("/dev/full", "w");
      try {
        const r = await run([...args, "--data-dir", dataDir], env(), fd);
        assertOneLine(r, "cannot write the output: ENOSPC: no space left on device, write");
      } finally {
        closeSync(fd);
      }
    }
  }
  // The reader is gone before the report is written.
  const r = await new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, "audit", "verify", "--json", "--data-dir", dataDir], { env: env(), stdio: ["ignore", "pipe", "pipe"] });
    child.stdout.destroy();
    let err = "";
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stderr: err }));
  });
  assertOneLine(r, "the output was closed before all of it was written (EPIPE)");
});

test("usage errors read like every other error", async () => {
  assertOneLine(await run(["accounts", "create", "--data-dir", dataDir]), "required option '--name <name>' not specified");
  assertOneLine(await run(["init", "--bogus"]), "unknown option '--bogus'");
  assertOneLine(await run(["bogus"]), "unknown command 'bogus'");
});

test("a database that is not one is named in the message", async () => {
  const damaged = path.join(dir, "damaged");
  mkdirSync(damaged, { mode: 0o700 });
  const file = path.join(damaged, "bulwark.db");
  writeFileSync(file, Buffer.alloc(8192, 0x5a), { mode: 0o600 });
  for (const args of [["accounts", "list"], ["audit", "verify"], ["ca", "export"]]) {
    assertOneLine(await run([...args, "--data-dir", damaged]), `${file}: file is not a database`);
  }
});

test("audit verify: a digest public key that is not one is reported as such", async () => {
  const copy = path.join(dir, "bad-public-key");
  cpSync(dataDir, copy, { recursive: true });
  const file = path.join(copy, "bulwark.db");
  const db = new Database(file);
  db.prepare("UPDATE meta SET value = ? WHERE key = ?").run("-----BEGIN PUBLIC KEY-----\nbm90IGEga2V5\n-----END PUBLIC KEY-----\n", META_DIGEST_PUBLIC_KEY);
  db.close();
  assertOneLine(
    await run(["audit", "verify", "--data-dir", copy]),
    `The audit digest public key stored in ${file} is not a valid public key: no digest can be checked (the database was altered or damaged).`,
  );
});

test("init interrupted by SIGTERM or SIGINT half-way keeps nothing, and says so", async () => {
  // Sends the signal as soon as the database file appears, i.e. in the middle of the first start.
  const preload = path.join(dir, "signal-when-created.cjs");
  writeFileSync(
    preload,
    `const fs = require("fs");
const t = setInterval(() => { if (fs.existsSync(process.env.SIGNAL_WHEN)) { clearInterval(t); process.kill(process.pid, process.env.SIGNAL); } }, 1);
t.unref();
`,
  );
  for (const signal of ["SIGTERM", "SIGINT"]) {
    const fresh = path.join(dir, `interrupted-${signal}`);
    const r = await new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
      const child = spawn(process.execPath, ["-r", preload, CLI, "init", "--data-dir", fresh], {
        env: { PATH: process.env.PATH ?? "", HOME: dir, SIGNAL_WHEN: path.join(fresh, "bulwark.db"), SIGNAL: signal },
        stdio: ["ignore", "ignore", "pipe"],
      });
      let err = "";
      child.stderr.on("data", (d: Buffer) => (err += d.toString()));
      child.on("error", reject);
      child.on("close", (code) => resolve({ code, stderr: err }));
    });
    assertOneLine(r, `interrupted by ${signal}: the new data directory was not kept`);
    assert.equal(existsSync(fresh), false);
  }
});

test("a first start killed half-way (SIGKILL: nothing can take it back) does not keep the next start from initialising", async () => {
  // Kills the process when it makes the audit digest key: after the first start created the
  // management account and its admin, before it stored the account as the installation's.
  const preload = path.join(dir, "kill-at-digest-key.cjs");
  writeFileSync(
    preload,
    `const crypto = require("crypto");
crypto.generateKeyPairSync = () => process.kill(process.pid, "SIGKILL");
require("module").syncBuiltinESMExports();
`,
  );
  // With the root key chosen up front, and with one generated (never shown: the start was killed).
  for (const [name, e] of [["passphrase", env()], ["generated", { PATH: process.env.PATH ?? "", HOME: dir }]] as const) {
    const fresh = path.join(dir, `killed-${name}`);
    const killed = await new Promise<NodeJS.Signals | null>((resolve, reject) => {
      const child = spawn(process.execPath, ["-r", preload, CLI, "init", "--data-dir", fresh], {
        env: e,
        stdio: "ignore",
      });
      child.on("error", reject);
      child.on("close", (_code, signal) => resolve(signal));
    });
    assert.equal(killed, "SIGKILL");
    assert.equal(existsSync(path.join(fresh, "bulwark.db")), true);

    const r = await run(["init", "--data-dir", fresh], e);
    assert.equal(r.code, 0, r.stderr);
    // The secrets of the new installation are shown (on stderr), the generated root key among them.
    assert.match(r.stderr, /^\n=== Bulwark initialised/);
    const key = /export BULWARK_ROOT_KEY=(\S+)/.exec(r.stderr)?.[1];
    assert.equal(key !== undefined, name === "generated");
    const list = await run(["accounts", "list", "--data-dir", fresh], key ? { ...e, BULWARK_ROOT_KEY: key } : e);
    assert.equal(list.stderr, "");
    assert.equal(list.code, 0);
  }
});

test("a data directory that served is never taken for an interrupted first start, whatever meta row it lacks", async () => {
  const served = path.join(dir, "served-without-account-row");
  // A root key given as such: no passphrase to stretch on each of the three runs.
  const e = { PATH: process.env.PATH ?? "", HOME: dir, BULWARK_ROOT_KEY: Buffer.alloc(32, 7).toString("base64") };
  assert.equal((await run(["init", "--data-dir", served], e)).code, 0);
  // An audited operator command: the directory now holds an audit event.
  assert.equal((await run(["accounts", "list", "--data-dir", served], e)).code, 0);
  const db = new Database(path.join(served, "bulwark.db"));
  db.prepare("DELETE FROM meta WHERE key = 'bootstrap.account'").run();
  db.close();
  const r = await run(["init", "--data-dir", served], e);
  assert.notEqual(r.code, 0);
  assert.doesNotMatch(r.stderr, /Bulwark initialised/);
  const after = new Database(path.join(served, "bulwark.db"), { readonly: true });
  try {
    assert.equal((after.prepare("SELECT count(*) AS n FROM audit_events").get() as { n: number }).n, 1);
  } finally {
    after.close();
  }
});

test("a data directory first served over plain HTTP or with its own certificate has no CA: `ca export` says so, and `bulwark init` makes one", async () => {
  const [certFile, keyFile] = await selfSigned("own-first.test");
  for (const [name, flags] of [["plain-first", ["--plain-http"]], ["own-cert-first", ["--tls-cert", certFile, "--tls-key", keyFile]]] as const) {
    const first = path.join(dir, name);
    const child = spawn(process.execPath, [CLI, "serve", ...flags, "--data-dir", first, "--listen", "127.0.0.1:0"], { env: env(), stdio: ["ignore", "pipe", "pipe"] });
    child.stderr.resume();
    const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
    try {
      await listeningUrl(child);
    } finally {
      child.kill("SIGTERM");
      assert.equal(await exited, 0);
    }
    assert.equal(existsSync(path.join(first, "ca.pem")), false, name);
    assertOneLine(
      await run(["ca", "export", "--data-dir", first]),
      "No CA has been created yet (a first start over plain HTTP or with its own --tls-cert makes none): run `bulwark init` on this data directory, its server stopped.",
    );
    const init = await run(["init", "--data-dir", first]);
    assert.equal(init.code, 0, init.stderr);
    const ca = await run(["ca", "export", "--data-dir", first]);
    assert.equal(ca.code, 0, ca.stderr);
    assert.match(ca.stdout, /^-----BEGIN CERTIFICATE-----\n[A-Za-z0-9+/=\n]+-----END CERTIFICATE-----\n$/);
    assert.equal(readFileSync(path.join(first, "ca.pem"), "utf8"), ca.stdout, name);
  }
});

test("a second serve on a data directory in use is refused; operator commands run alongside", async () => {
  const child = spawn(process.execPath, [CLI, "serve", "--plain-http", "--data-dir", dataDir, "--listen", "127.0.0.1:0"], { env: env(), stdio: ["ignore", "pipe", "pipe"] });
  child.stderr.resume();
  const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
  try {
    await listeningUrl(child);
    assertOneLine(
      await run(["serve", "--plain-http", "--data-dir", dataDir, "--listen", "127.0.0.1:0"]),
      `The data directory ${dataDir} is in use by another \`bulwark serve\`: stop it first (operator commands may run alongside it)`,
    );
    const list = await run(["accounts", "list", "--data-dir", dataDir]);
    assert.equal(list.code, 0, list.stderr);
  } finally {
    child.kill("SIGTERM");
    assert.equal(await exited, 0);
  }
});

test("a start that finds a fresh data directory locked touches nothing in it; a failed first start leaves files that were there before", async () => {
  // The moment another start holds the lock of a directory it has not yet written its database to.
  const racing = path.join(dir, "racing");
  mkdirSync(racing, { mode: 0o700 });
  closeSync(openSync(path.join(racing, "serve.lock"), "a", 0o600));
  const holder = new Database(path.join(racing, "serve.lock"), { timeout: 0 });
  holder.pragma("journal_mode = MEMORY");
  holder.exec("BEGIN EXCLUSIVE");
  try {
    const inUse = `The data directory ${racing} is in use by another \`bulwark serve\`: stop it first (operator commands may run alongside it)`;
    assertOneLine(await run(["serve", "--plain-http", "--data-dir", racing, "--listen", "127.0.0.1:0"]), inUse);
    assertOneLine(await run(["init", "--data-dir", racing]), inUse);
    // No database was created, and the holder's lock file is still there.
    assert.equal(existsSync(path.join(racing, "bulwark.db")), false);
    assert.equal(existsSync(path.join(racing, "serve.lock")), true);
  } finally {
    holder.close();
  }

  // A directory with the operator's own files: a failed first start takes back only what it wrote.
  const own = path.join(dir, "own");
  mkdirSync(path.join(own, "waf-logs"), { recursive: true, mode: 0o700 });
  writeFileSync(path.join(own, "waf-logs", "kept.log"), "operator's\n");
  writeFileSync(path.join(own, "notes.txt"), "operator's\n");
  const blocker: Server = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
  const port = (blocker.address() as { port: number }).port;
  try {
    const r = await run(["serve", "--plain-http", "--data-dir", own, "--listen", `127.0.0.1:${port}`], { PATH: process.env.PATH ?? "", HOME: dir });
    assertOneLine(r, `listen EADDRINUSE: address already in use 127.0.0.1:${port}`);
  } finally {
    blocker.close();
  }
  assert.equal(existsSync(path.join(own, "waf-logs", "kept.log")), true);
  assert.equal(existsSync(path.join(own, "notes.txt")), true);
  assert.equal(existsSync(path.join(own, "bulwark.db")), false);
  assert.equal(existsSync(path.join(own, "serve.lock")), false);
});

test("accounts create names the flag AWS's InvalidInputException is about", async () => {
  const create = (name: string, email: string, ...more: string[]) => run(["accounts", "create", "--data-dir", dataDir, "--name", name, "--email", email, ...more]);
  assertOneLine(await create("Dev", "not-an-email"), 'Invalid --email "not-an-email": You provided a value that does not match the required pattern.');
  assertOneLine(await create("", "dev@example.com"), 'Invalid --name "": You provided a string parameter that is shorter than allowed.');
  assertOneLine(await create("a\nb", "dev@example.com"), 'Invalid --name "a\\nb": You provided a value that does not match the required pattern.');
  assertOneLine(await create("Dev", "dev@example.com", "--role-name", "bad role!"), 'Invalid --role-name "bad role!": You provided a value that does not match the required pattern.');
});

test("encrypt: an unreadable CA bundle, an output in a missing directory, a missing input and paths through a file are named as given", async () => {
  const kmsEnv = { PATH: process.env.PATH ?? "", HOME: dir, AWS_ACCESS_KEY_ID: "AKIAOPERATORCLI00001", AWS_SECRET_ACCESS_KEY: "not-used-0123456789abcdefghijklmnopqrs", AWS_EC2_METADATA_DISABLED: "true" };
  const base = ["encrypt", "--key-id", "alias/app", "--region", "us-east-1", "--endpoint", "https://127.0.0.1:1"];
  assertOneLine(await run([...base, "--ca-bundle", dir], kmsEnv), `Cannot read the CA bundle (--ca-bundle or AWS_CA_BUNDLE) ${dir}: EISDIR: illegal operation on a directory, read`);
  const input = path.join(dir, "plain.txt");
  writeFileSync(input, "hello");
  const output = path.join(dir, "no-such-dir", "out.bin");
  assertOneLine(await run([...base, "-i", input, "-o", output], kmsEnv), `Cannot write the output file ${output}: ENOENT`);
  const missing = path.join(dir, "no-such-input.txt");
  assertOneLine(await run([...base, "-i", missing, "-o", path.join(dir, "out.bin")], kmsEnv), `Cannot read the input file ${missing}: ENOENT`);
  assertOneLine(await run([...base, "-i", path.join(input, "x"), "-o", path.join(dir, "out.bin")], kmsEnv), `Cannot read the input file ${path.join(input, "x")}: ENOTDIR`);
  assertOneLine(await run([...base, "-i", input, "-o", path.join(input, "x")], kmsEnv), `Cannot write the output file ${path.join(input, "x")}: ENOTDIR`);
  assert.equal(existsSync(path.join(dir, "out.bin")), false);
});

test("encrypt: an endpoint that is no http(s) URL is named; an empty AWS_ENDPOINT_URL counts as unset, never AWS's own endpoint", async () => {
  const kmsEnv = { PATH: process.env.PATH ?? "", HOME: dir, AWS_ACCESS_KEY_ID: "AKIAOPERATORCLI00001", AWS_SECRET_ACCESS_KEY: "not-used-0123456789abcdefghijklmnopqrs", AWS_EC2_METADATA_DISABLED: "true" };
  const input = path.join(dir, "plain.txt");
  writeFileSync(input, "hello");
  const base = ["encrypt", "--key-id", "alias/app", "--region", "us-east-1", "-i", input, "-o", path.join(dir, "out.bin")];
  assertOneLine(await run([...base, "--endpoint", "notaurl"], kmsEnv), 'Invalid --endpoint "notaurl": expected an https:// or http:// URL such as https://localhost:4566');
  assertOneLine(await run([...base, "--endpoint", "ftp://kms.example"], kmsEnv), 'Invalid --endpoint "ftp://kms.example": expected an https:// or http:// URL such as https://localhost:4566');
  assertOneLine(await run(base, { ...kmsEnv, AWS_ENDPOINT_URL: "localhost:4566x" }), 'Invalid AWS_ENDPOINT_URL "localhost:4566x": expected an https:// or http:// URL such as https://localhost:4566');
  // Nothing listens there in this test: the refusal names the default endpoint, not kms.us-east-1.amazonaws.com.
  const r = await run(base, { ...kmsEnv, AWS_ENDPOINT_URL: "" });
  assert.equal(r.code, 1);
  assert.doesNotMatch(r.stderr, /amazonaws\.com/);
  assert.match(r.stderr, /^bulwark: .*(localhost|127\.0\.0\.1|::1).*4566\n$/);
  assert.equal(existsSync(path.join(dir, "out.bin")), false);
});

test("audit prune: --older-than-days past the earliest time a date holds is refused before anything is opened", async () => {
  assertOneLine(
    await run(["audit", "prune", "--data-dir", dataDir, "--older-than-days", "1e9"]),
    'Invalid --older-than-days "1e9": expected a number of days from 0 to 100000000.',
  );
});
