/**
 * The AWS CLI against the real server, as a user types it: each CLI installed here (Debian's
 * v2 at /usr/bin/aws, and a v1 on PATH if there is one) creates keys, aliases, users and an
 * organization, lists them with its own automatic pagination one item per page and with
 * `--max-items` / `--starting-token`, encrypts and decrypts files (`fileb://`), and prints a
 * service error as it prints AWS's.
 *
 * Needs an `aws` command (Debian: awscli, which .ci/run installs); skipped, saying so, otherwise.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { startTestServer, type TestServer } from "../e2e/harness.js";

/** Each distinct AWS CLI on this machine: its path and `aws --version` line. */
function findClis(): Array<{ bin: string; version: string }> {
  const found: Array<{ bin: string; version: string }> = [];
  const seen = new Set<string>();
  for (const bin of ["/usr/bin/aws", "aws"]) {
    const r = spawnSync(bin, ["--version"], { encoding: "utf8", env: { ...process.env, AWS_PAGER: "" } });
    if (r.status !== 0) continue;
    const version = (r.stdout || r.stderr).trim().split(" ")[0] ?? "";
    if (seen.has(version)) continue;
    seen.add(version);
    found.push({ bin, version });
  }
  return found;
}

const clis = findClis();
let s: TestServer;
let dir: string;
let ca: string;

before(async () => {
  if (clis.length === 0) return;
  s = await startTestServer();
  dir = realpathSync(mkdtempSync(path.join(tmpdir(), "bulwark-aws-cli-")));
  ca = path.join(dir, "ca.pem");
  writeFileSync(ca, s.app.caCertPem);
});
after(async () => {
  if (clis.length === 0) return;
  await s.destroy();
  rmSync(dir, { recursive: true, force: true });
});

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** One CLI command (asynchronous: the server runs in this process). */
function run(bin: string, args: string[]): Promise<Run> {
  const child = spawn(bin, [...args, "--endpoint-url", s.url, "--output", "json"], {
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: dir,
      AWS_ACCESS_KEY_ID: s.admin.accessKeyId,
      AWS_SECRET_ACCESS_KEY: s.admin.secretAccessKey,
      AWS_DEFAULT_REGION: "us-east-1",
      AWS_CA_BUNDLE: ca,
      AWS_PAGER: "",
      AWS_CONFIG_FILE: path.join(dir, "none"),
      AWS_SHARED_CREDENTIALS_FILE: path.join(dir, "none"),
    },
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.on("close", (status) => resolve({ status, stdout, stderr })));
}

async function json(bin: string, args: string[]): Promise<any> {
  const r = await run(bin, args);
  assert.equal(r.status, 0, `aws ${args.join(" ")}: ${r.stderr}`);
  return r.stdout.trim() === "" ? {} : JSON.parse(r.stdout);
}

/** Every value of `field` in the list, each once. */
function once(items: any[], field: string): string[] {
  const values = items.map((i) => i[field] as string);
  assert.equal(new Set(values).size, values.length, `${field} repeated: ${values.join(" ")}`);
  return values;
}

test("the AWS CLI: automatic pagination one item a page, --max-items/--starting-token, fileb:// encryption, errors as AWS prints them", { skip: clis.length === 0 ? "no AWS CLI here (apt-get install awscli)" : false, timeout: 300_000 }, async () => {
  const account = s.accountId;
  for (const [n, { bin, version }] of clis.entries()) {
    const tag = `c${n}`; // names of this CLI's resources
    const me = await json(bin, ["sts", "get-caller-identity"]);
    assert.equal(me.Arn, `arn:aws:iam::${account}:user/admin`, version);

    const keys: string[] = [];
    for (let i = 0; i < 3; i++) {
      const k = (await json(bin, ["kms", "create-key", "--description", `${tag} ${i}`, "--tags", "TagKey=cli,TagValue=yes"])).KeyMetadata;
      assert.equal(k.KeyState, "Enabled");
      await json(bin, ["kms", "create-alias", "--alias-name", `alias/${tag}-${i}`, "--target-key-id", k.KeyId]);
      keys.push(k.KeyId);
    }
    const keyIds = once((await json(bin, ["kms", "list-keys", "--page-size", "1"])).Keys, "KeyId");
    for (const k of keys) assert.ok(keyIds.includes(k), `${version}: key ${k} not listed`);
    const aliases = once((await json(bin, ["kms", "list-aliases", "--page-size", "1"])).Aliases, "AliasName");
    for (let i = 0; i < 3; i++) assert.ok(aliases.includes(`alias/${tag}-${i}`), `${version}: alias ${tag}-${i} not listed`);

    for (let i = 0; i < 3; i++) await json(bin, ["iam", "create-user", "--user-name", `${tag}-user-${i}`]);
    const users = once((await json(bin, ["iam", "list-users", "--page-size", "1"])).Users, "UserName");
    for (let i = 0; i < 3; i++) assert.ok(users.includes(`${tag}-user-${i}`), `${version}: ${tag}-user-${i} not listed`);
    // The CLI's own resume token, made from the service's Marker, taken back by the next call.
    const first = await json(bin, ["iam", "list-users", "--max-items", "2", "--page-size", "1"]);
    assert.equal(first.Users.length, 2);
    assert.equal(typeof first.NextToken, "string");
    const rest = await json(bin, ["iam", "list-users", "--starting-token", first.NextToken, "--page-size", "1"]);
    assert.deepEqual([...once(first.Users, "UserName"), ...once(rest.Users, "UserName")], users);

    const plaintext = randomBytes(200);
    writeFileSync(path.join(dir, "plain.bin"), plaintext);
    const ct = await run(bin, ["kms", "encrypt", "--key-id", `alias/${tag}-0`, "--plaintext", `fileb://${path.join(dir, "plain.bin")}`, "--encryption-context", "purpose=cli", "--query", "CiphertextBlob", "--output", "text"]);
    assert.equal(ct.status, 0, ct.stderr);
    writeFileSync(path.join(dir, "cipher.bin"), Buffer.from(ct.stdout.trim(), "base64"));
    const pt = await run(bin, ["kms", "decrypt", "--ciphertext-blob", `fileb://${path.join(dir, "cipher.bin")}`, "--encryption-context", "purpose=cli", "--query", "Plaintext", "--output", "text"]);
    assert.equal(pt.status, 0, pt.stderr);
    assert.deepEqual(Buffer.from(pt.stdout.trim(), "base64"), plaintext);
    assert.deepEqual(readFileSync(path.join(dir, "plain.bin")), plaintext);

    const missing = await run(bin, ["kms", "describe-key", "--key-id", `alias/${tag}-nothing`]);
    assert.notEqual(missing.status, 0);
    assert.equal(
      missing.stderr.trim(),
      `An error occurred (NotFoundException) when calling the DescribeKey operation: Alias arn:aws:kms:us-east-1:${account}:alias/${tag}-nothing is not found.`,
    );
    const noContext = await run(bin, ["kms", "decrypt", "--ciphertext-blob", `fileb://${path.join(dir, "cipher.bin")}`]);
    assert.equal(noContext.stderr.trim(), "An error occurred (InvalidCiphertextException) when calling the Decrypt operation:");

    const events = (await json(bin, ["cloudtrail", "lookup-events", "--lookup-attributes", "AttributeKey=EventName,AttributeValue=CreateKey", "--page-size", "1"])).Events;
    const ids = once(events, "EventId");
    assert.equal(ids.length, 3 * (n + 1), `${version}: every CreateKey so far, one a page`);
  }

  const cli = clis[0]!.bin;
  await json(cli, ["organizations", "create-organization", "--feature-set", "ALL"]);
  const accounts = once((await json(cli, ["organizations", "list-accounts", "--page-size", "1"])).Accounts, "Id");
  assert.deepEqual(accounts, [account]);
});
