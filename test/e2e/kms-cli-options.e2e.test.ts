/**
 * `bulwark encrypt` / `bulwark decrypt` as child processes against the real server, for the
 * aws-encryption-cli options beyond single files: --encode / --decode (base64 on either side, files
 * and stdio), --recursive over a tree of nested files, --caching (fewer GenerateDataKey / Decrypt
 * calls, counted in CloudTrail), --no-overwrite and --interactive, and --wrapping-keys groups each
 * with its own Region and profile.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { execFileSync, spawn } from "node:child_process";
import { createReadStream, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { KmsKeyringNode } from "@aws-crypto/client-node";
import { CreateAliasCommand, CreateKeyCommand, ReplicateKeyCommand, type KeyMetadata } from "@aws-sdk/client-kms";
import { CloudTrailClient, LookupEventsCommand } from "@aws-sdk/client-cloudtrail";
import { startTestServer, eventually, newUser, ADMIN_KEY_ID, ADMIN_SECRET, type TestServer } from "./harness.js";
import { CLI, cliEnv, esdkLibrary, runCli, type CliRun } from "./crypto-cli.js";
import { kmsClient } from "./kms-support.js";

let s: TestServer;
let dir: string;
let key: KeyMetadata;
before(async () => {
  s = await startTestServer();
  dir = mkdtempSync(path.join(tmpdir(), "bulwark-cli-options-"));
  key = (await kmsClient(s).send(new CreateKeyCommand({}))).KeyMetadata!;
});
after(async () => {
  await s.destroy();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs the CLI with the standard AWS environment (`env` added; a value of "" removes the variable). */
const cli = (args: string[], stdin?: Buffer | string, env: Record<string, string> = {}): Promise<CliRun> => runCli(s, dir, args, stdin, env);

const library = () => esdkLibrary(s);

/** A fresh directory under the test's. */
function fresh(name: string): string {
  const d = path.join(dir, name);
  mkdirSync(d, { recursive: true });
  return d;
}

/** Every file under `root`, relative, sorted. */
function tree(root: string, rel = ""): string[] {
  return readdirSync(path.join(root, rel), { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? tree(root, path.join(rel, e.name)) : [path.join(rel, e.name)]))
    .sort();
}

/** KMS calls of `eventName` on the key, as CloudTrail reports them (once `want` have arrived, and no more after a pause). */
async function kmsCalls(keyArn: string, eventName: string, want: number, region = "us-east-1") {
  const ct = new CloudTrailClient(s.clientConfig(undefined, region));
  const lookup = async () => {
    const r = await ct.send(new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: "ResourceName", AttributeValue: keyArn }], MaxResults: 50 }));
    return (r.Events ?? []).filter((e) => e.EventName === eventName);
  };
  await eventually(async () => (await lookup()).length >= want, 10_000);
  await new Promise((r) => setTimeout(r, 200));
  return lookup();
}

test("--encode / --decode: base64 on either side, stdin/stdout and files, round trips with the library and the CLI", async () => {
  const plaintext = randomBytes(3 * 1024 * 1024 + 7);
  const lib = library();
  const keyring = new KmsKeyringNode({ clientProvider: lib.clientProvider, generatorKeyId: key.Arn });

  // stdin → stdout, ciphertext in base64: one run of standard base64 text, which decodes to a message.
  const enc = await cli(["encrypt", "-w", `key=${key.Arn}`, "-c", "purpose=b64", "--encode"], plaintext);
  assert.equal(enc.code, 0, enc.stderr);
  assert.match(enc.stdout.toString("latin1"), /^[A-Za-z0-9+/]+={0,2}$/);
  const message = Buffer.from(enc.stdout.toString(), "base64");
  assert.deepEqual((await lib.decrypt(keyring, message)).plaintext, plaintext);
  // The CLI decrypts it back with --decode, from stdin, also with line breaks in the text.
  const wrapped = enc.stdout.toString().replace(/(.{76})/g, "$1\n") + "\n";
  const dec = await cli(["decrypt", "-w", `key=${key.Arn}`, "-c", "purpose=b64", "--decode"], wrapped);
  assert.equal(dec.code, 0, dec.stderr);
  assert.deepEqual(dec.stdout, plaintext);

  // Files: a base64 ciphertext file decrypts with --decode into a file; --encode on decrypt writes the plaintext in base64.
  const ptFile = path.join(dir, "b64-plain.bin");
  writeFileSync(ptFile, plaintext);
  const ctFile = path.join(dir, "b64-cipher.txt");
  assert.equal((await cli(["encrypt", "-i", ptFile, "-o", ctFile, "-w", `key=${key.Arn}`, "--encode"])).code, 0);
  const outFile = path.join(dir, "b64-plain.out");
  const d2 = await cli(["decrypt", "-i", ctFile, "-o", outFile, "-w", `key=${key.Arn}`, "--decode"]);
  assert.equal(d2.code, 0, d2.stderr);
  assert.deepEqual(readFileSync(outFile), plaintext);
  const d3 = await cli(["decrypt", "-i", ctFile, "-o", "-", "-w", `key=${key.Arn}`, "--decode", "--encode", "--buffer"]);
  assert.equal(d3.code, 0, d3.stderr);
  assert.equal(d3.stdout.toString(), plaintext.toString("base64"));

  // encrypt --decode: the plaintext arrives in base64; the message holds the bytes.
  const e4 = await cli(["encrypt", "-w", `key=${key.Arn}`, "--decode"], plaintext.toString("base64"));
  assert.equal(e4.code, 0, e4.stderr);
  assert.deepEqual((await lib.decrypt(keyring, e4.stdout)).plaintext, plaintext);

  // Input that is not base64 fails, and leaves no output file.
  const badOut = path.join(dir, "b64-bad.out");
  const bad = await cli(["decrypt", "-i", ptFile, "-o", badOut, "-w", `key=${key.Arn}`, "--decode"]);
  assert.equal(bad.code, 1);
  assert.equal(bad.stderr, "bulwark: The input is not valid base64 (--decode)\n");
  assert.equal(existsSync(badOut), false);
  assert.deepEqual(readdirSync(dir).filter((n) => n.endsWith(".partial")), []);
});

test("--recursive: every file of a nested tree, the tree replicated with the suffixes; refused without -r or an output directory", async () => {
  const src = fresh("tree-src");
  const files: Record<string, Buffer> = {
    "a.txt": Buffer.from("top level"),
    "empty.bin": Buffer.alloc(0),
    [path.join("sub", "b.bin")]: randomBytes(70_000),
    [path.join("sub", "deeper", "c.txt")]: Buffer.from("three levels down"),
    [path.join("sub2", "d.txt")]: Buffer.from("a sibling"),
  };
  for (const [rel, data] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(src, rel)), { recursive: true });
    writeFileSync(path.join(src, rel), data);
  }
  mkdirSync(path.join(src, "nothing-here"));
  const enc = fresh("tree-enc");
  const meta = path.join(dir, "tree-meta.jsonl");
  const e = await cli(["encrypt", "-i", src, "-o", enc, "-r", "-w", `key=${key.Arn}`, "-c", "tree=yes", "--metadata-output", meta]);
  assert.equal(e.code, 0, e.stderr);
  assert.equal(e.stderr, "");
  assert.deepEqual(tree(enc), Object.keys(files).map((f) => `${f}.encrypted`).sort());
  // Each record names its own input and output.
  const records = readFileSync(meta, "utf8").trim().split("\n").map((l) => JSON.parse(l) as { mode: string; input: string; output: string });
  assert.deepEqual(records.map((r) => [r.mode, path.relative(src, r.input), path.relative(enc, r.output)]).sort(), Object.keys(files).map((f) => ["encrypt", f, `${f}.encrypted`]).sort());

  // The library decrypts each; the CLI decrypts the whole tree back (-R, and a custom suffix).
  const lib = library();
  const keyring = new KmsKeyringNode({ clientProvider: lib.clientProvider, generatorKeyId: key.Arn });
  for (const [rel, data] of Object.entries(files)) {
    const r = await lib.decrypt(keyring, readFileSync(path.join(enc, `${rel}.encrypted`)));
    assert.deepEqual(r.plaintext, data, rel);
    assert.equal(r.messageHeader.encryptionContext.tree, "yes");
  }
  const dec = fresh("tree-dec");
  const d = await cli(["decrypt", "-i", enc, "-o", dec, "-R", "-w", `key=${key.Arn}`, "-c", "tree=yes", "--suffix", ".plain"]);
  assert.equal(d.code, 0, d.stderr);
  assert.deepEqual(tree(dec), Object.keys(files).map((f) => `${f}.encrypted.plain`).sort());
  for (const [rel, data] of Object.entries(files)) assert.deepEqual(readFileSync(path.join(dec, `${rel}.encrypted.plain`)), data, rel);
  // --suffix with no value: the input's own names.
  const bare = fresh("tree-bare");
  assert.equal((await cli(["decrypt", "-i", enc, "-o", bare, "-r", "-w", `key=${key.Arn}`, "--suffix"])).code, 0);
  assert.deepEqual(tree(bare), Object.keys(files).map((f) => `${f}.encrypted`).sort());

  // What the aws-encryption-cli refuses: a directory without -r, a directory into a file, stdout or a missing directory.
  const none = fresh("tree-none");
  const noR = await cli(["encrypt", "-i", src, "-o", none, "-w", `key=${key.Arn}`]);
  assert.equal(noR.code, 1);
  assert.equal(noR.stderr, `bulwark: The input ${src} is a directory: use --recursive (-r) to encrypt the files under it\n`);
  for (const output of ["-", path.join(dir, "tree-missing"), path.join(src, "a.txt")]) {
    const r = await cli(["encrypt", "-i", src, "-o", output, "-r", "-w", `key=${key.Arn}`]);
    assert.equal(r.code, 1, output);
    assert.equal(r.stderr, `bulwark: The input ${src} is a directory: the output must be an existing directory\n`);
  }
  assert.deepEqual(readdirSync(none), []);
  assert.equal(existsSync(path.join(dir, "tree-missing")), false);
  // A metadata file inside the input or output directory is refused before anything is written.
  const inside = await cli(["encrypt", "-i", src, "-o", none, "-r", "-w", `key=${key.Arn}`, "--metadata-output", path.join(none, "meta.jsonl")]);
  assert.equal(inside.code, 1);
  assert.equal(inside.stderr, `bulwark: The metadata file ${path.join(none, "meta.jsonl")} cannot be in the output directory\n`);
  assert.deepEqual(readdirSync(none), []);

  // A failure part-way (a file that is no message) stops the command; the outputs already complete stay whole.
  const mixed = fresh("tree-mixed");
  writeFileSync(path.join(mixed, "1-good.encrypted"), readFileSync(path.join(enc, "a.txt.encrypted")));
  writeFileSync(path.join(mixed, "2-bad.encrypted"), "not a message");
  writeFileSync(path.join(mixed, "3-later.encrypted"), readFileSync(path.join(enc, "a.txt.encrypted")));
  const mixedOut = fresh("tree-mixed-out");
  const m = await cli(["decrypt", "-i", mixed, "-o", mixedOut, "-r", "-w", `key=${key.Arn}`]);
  assert.equal(m.code, 1);
  assert.ok(m.stderr.startsWith(`bulwark: ${path.join(mixed, "2-bad.encrypted")}: `), m.stderr);
  assert.deepEqual(readdirSync(mixedOut), ["1-good.encrypted.decrypted"]);
  assert.equal(readFileSync(path.join(mixedOut, "1-good.encrypted.decrypted"), "utf8"), "top level");
});

test("--caching: the files of one command share a data key — one GenerateDataKey (and one Decrypt) instead of one per file", async () => {
  const kms = kmsClient(s);
  const src = fresh("cache-src");
  for (let i = 0; i < 4; i++) writeFileSync(path.join(src, `f${i}.txt`), `file ${i}`);

  // Without caching: a data key per file.
  const plainKey = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!;
  const noCache = fresh("cache-none");
  assert.equal((await cli(["encrypt", "-i", src, "-o", noCache, "-r", "-w", `key=${plainKey.Arn}`])).code, 0);
  assert.equal((await kmsCalls(plainKey.Arn!, "GenerateDataKey", 4)).length, 4);

  // With caching: one.
  const cachedKey = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!;
  const cached = fresh("cache-enc");
  const e = await cli(["encrypt", "-i", src, "-o", cached, "-r", "-w", `key=${cachedKey.Arn}`, "--caching", "capacity=10", "max_age=60"]);
  assert.equal(e.code, 0, e.stderr);
  assert.equal((await kmsCalls(cachedKey.Arn!, "GenerateDataKey", 1)).length, 1);
  const edks = readdirSync(cached).map((f) => library().decrypt(new KmsKeyringNode({ clientProvider: library().clientProvider, keyIds: [cachedKey.Arn!] }), readFileSync(path.join(cached, f))));
  const decrypted = await Promise.all(edks);
  assert.deepEqual(decrypted.map((d) => d.plaintext.toString()).sort(), ["file 0", "file 1", "file 2", "file 3"]);
  // Four messages, one data key: the same encrypted data key in each.
  assert.equal(new Set(decrypted.map((d) => Buffer.from(d.messageHeader.encryptedDataKeys[0]!.encryptedDataKey).toString("hex"))).size, 1);

  // Decrypting that tree with caching asks KMS once (the library's 4 decrypts above made 4 calls).
  const back = fresh("cache-dec");
  const d = await cli(["decrypt", "-i", cached, "-o", back, "-r", "-w", `key=${cachedKey.Arn}`, "-C", "capacity=10", "max_age=60"]);
  assert.equal(d.code, 0, d.stderr);
  assert.equal((await kmsCalls(cachedKey.Arn!, "Decrypt", 5)).length, 5);

  // max_messages_encrypted=2: a data key is used for two messages, then a new one is generated.
  const limitKey = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!;
  const limited = fresh("cache-limited");
  const l = await cli(["encrypt", "-i", src, "-o", limited, "-r", "-w", `key=${limitKey.Arn}`, "--caching", "capacity=10", "max_age=60", "max_messages_encrypted=2"]);
  assert.equal(l.code, 0, l.stderr);
  assert.equal((await kmsCalls(limitKey.Arn!, "GenerateDataKey", 2)).length, 2);

  // A bad configuration is refused with the aws-encryption-cli's words.
  const bad = await cli(["encrypt", "-i", src, "-o", limited, "-r", "-w", `key=${limitKey.Arn}`, "--caching", "capacity=10"]);
  assert.equal(bad.code, 1);
  assert.equal(bad.stderr, 'bulwark: If enabling caching, both "capacity" and "max_age" are required\n');
});

test("--caching encrypts files of many frames (the input's length is counted once, whatever its chunks), with --decode and --frame-length too", async () => {
  const src = fresh("cache-big-src");
  const files = { "big.bin": randomBytes(300_000), "frame.bin": randomBytes(4096), "odd.bin": randomBytes(70_001) };
  for (const [name, data] of Object.entries(files)) writeFileSync(path.join(src, name), data);
  const lib = library();
  const keyring = new KmsKeyringNode({ clientProvider: lib.clientProvider, keyIds: [key.Arn!] });

  for (const extra of [[], ["--frame-length", "1000"]]) {
    const out = fresh(`cache-big-enc${extra.length}`);
    const e = await cli(["encrypt", "-i", src, "-o", out, "-r", "-w", `key=${key.Arn}`, "--caching", "capacity=10", "max_age=60", ...extra]);
    assert.equal(e.code, 0, e.stderr);
    for (const [name, data] of Object.entries(files)) {
      assert.deepEqual((await lib.decrypt(keyring, readFileSync(path.join(out, `${name}.encrypted`)))).plaintext, data, name);
    }
  }

  // A base64 input's length is known only roughly (line breaks): the same holds.
  const b64 = path.join(dir, "cache-big.b64");
  writeFileSync(b64, files["big.bin"].toString("base64").replace(/(.{76})/g, "$1\n"));
  const d = await cli(["encrypt", "-i", b64, "-o", path.join(dir, "cache-big.b64.enc"), "--decode", "-w", `key=${key.Arn}`, "-C", "capacity=1", "max_age=60"]);
  assert.equal(d.code, 0, d.stderr);
  assert.deepEqual((await lib.decrypt(keyring, readFileSync(path.join(dir, "cache-big.b64.enc")))).plaintext, files["big.bin"]);
});

test("--no-overwrite leaves an existing output file untouched; --interactive asks, and only y replaces", async () => {
  const input = path.join(dir, "ow.txt");
  writeFileSync(input, "new content");
  const out = path.join(dir, "ow.enc");
  writeFileSync(out, "keep me");

  const kept = await cli(["encrypt", "-i", input, "-o", out, "-w", `key=${key.Arn}`, "--no-overwrite"]);
  assert.equal(kept.code, 0, kept.stderr);
  assert.equal(kept.stderr, `bulwark: Skipping ${out}: the output file exists (--no-overwrite)\n`);
  assert.equal(readFileSync(out, "utf8"), "keep me");
  // --no-overwrite wins over --interactive (nothing is asked).
  const both = await cli(["encrypt", "-i", input, "-o", out, "-w", `key=${key.Arn}`, "--no-overwrite", "--interactive"], "y\n");
  assert.equal(both.code, 0);
  assert.equal(readFileSync(out, "utf8"), "keep me");

  // --interactive: n, an empty answer or no answer at all keep the file; y replaces it.
  for (const answer of ["n\n", "\n", ""]) {
    const r = await cli(["encrypt", "-i", input, "-o", out, "-w", `key=${key.Arn}`, "--interactive"], answer);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, `Overwrite the existing output file ${out}? [y/N] `);
    assert.equal(readFileSync(out, "utf8"), "keep me", JSON.stringify(answer));
  }
  const yes = await cli(["encrypt", "-i", input, "-o", out, "-w", `key=${key.Arn}`, "--interactive"], "Y\n");
  assert.equal(yes.code, 0, yes.stderr);
  assert.notEqual(readFileSync(out, "utf8"), "keep me");
  const check = await cli(["decrypt", "-i", out, "-o", "-", "-w", `key=${key.Arn}`]);
  assert.equal(check.stdout.toString(), "new content");
  // Its answers come from stdin, which an input of - would need for the data.
  const piped = await cli(["encrypt", "-o", out, "-w", `key=${key.Arn}`, "--interactive"], "data");
  assert.equal(piped.code, 1);
  assert.equal(piped.stderr, "bulwark: --interactive reads its answers from stdin: use it with an input file or directory, not --input -\n");

  // In a tree: the existing output is skipped, the others written; with --interactive one question per existing file.
  const src = fresh("ow-src");
  for (const n of ["a", "b", "c"]) writeFileSync(path.join(src, n), `plain ${n}`);
  const dst = fresh("ow-dst");
  writeFileSync(path.join(dst, "a.encrypted"), "old a");
  writeFileSync(path.join(dst, "c.encrypted"), "old c");
  const t = await cli(["encrypt", "-i", src, "-o", dst, "-r", "-w", `key=${key.Arn}`, "--no-overwrite"]);
  assert.equal(t.code, 0, t.stderr);
  assert.equal(t.stderr, `bulwark: Skipping ${path.join(dst, "a.encrypted")}: the output file exists (--no-overwrite)\nbulwark: Skipping ${path.join(dst, "c.encrypted")}: the output file exists (--no-overwrite)\n`);
  assert.equal(readFileSync(path.join(dst, "a.encrypted"), "utf8"), "old a");
  assert.equal(readFileSync(path.join(dst, "c.encrypted"), "utf8"), "old c");
  assert.notEqual(readFileSync(path.join(dst, "b.encrypted"), "utf8"), "plain b");
  const i = await cli(["encrypt", "-i", src, "-o", dst, "-r", "-w", `key=${key.Arn}`, "--interactive"], "n\ny\n");
  assert.equal(i.code, 0, i.stderr);
  assert.equal(i.stderr, [path.join(dst, "a.encrypted"), path.join(dst, "b.encrypted"), path.join(dst, "c.encrypted")].map((p) => `Overwrite the existing output file ${p}? [y/N] `).join(""));
  // a: n (kept); b: y (replaced); c: no answer left (kept).
  assert.equal(readFileSync(path.join(dst, "a.encrypted"), "utf8"), "old a");
  assert.equal(readFileSync(path.join(dst, "c.encrypted"), "utf8"), "old c");
  assert.equal((await cli(["decrypt", "-i", path.join(dst, "b.encrypted"), "-o", "-", "-w", `key=${key.Arn}`])).stdout.toString(), "plain b");
});

test("--wrapping-keys groups: each group's region= and profile= apply to its own keys (a KMS client per Region and profile)", async () => {
  const east = kmsClient(s, undefined, "us-east-1");
  const west = kmsClient(s, undefined, "eu-west-1");
  const eastKey = (await east.send(new CreateKeyCommand({}))).KeyMetadata!;
  const westKey = (await west.send(new CreateKeyCommand({}))).KeyMetadata!;
  await east.send(new CreateAliasCommand({ AliasName: "alias/cli-groups", TargetKeyId: eastKey.KeyId }));
  await west.send(new CreateAliasCommand({ AliasName: "alias/cli-groups", TargetKeyId: westKey.KeyId }));
  const lib = library();

  // The same alias name in two Regions: each group resolves it in its own Region.
  const input = path.join(dir, "groups.txt");
  writeFileSync(input, "two regions");
  const e = await cli(["encrypt", "-i", input, "-o", "-", "--wrapping-keys", "key=alias/cli-groups", "region=us-east-1", "--wrapping-keys", "key=alias/cli-groups", "region=eu-west-1"]);
  assert.equal(e.code, 0, e.stderr);
  for (const k of [eastKey, westKey]) {
    const d = await lib.decrypt(new KmsKeyringNode({ clientProvider: lib.clientProvider, keyIds: [k.Arn!] }), e.stdout);
    assert.equal(d.plaintext.toString(), "two regions");
    assert.deepEqual(d.messageHeader.encryptedDataKeys.map((x) => x.providerInfo), [eastKey.Arn, westKey.Arn]);
  }

  // Profiles: each group's calls are made with its own profile's credentials (no credentials in the environment).
  const westUser = await newUser(s, "cli-west", { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "kms:*", Resource: "*" }] });
  mkdirSync(path.join(dir, ".aws"), { recursive: true });
  writeFileSync(
    path.join(dir, ".aws", "credentials"),
    `[east]\naws_access_key_id = ${ADMIN_KEY_ID}\naws_secret_access_key = ${ADMIN_SECRET}\n[west]\naws_access_key_id = ${westUser.accessKeyId}\naws_secret_access_key = ${westUser.secretAccessKey}\n`,
  );
  const noEnvCreds = { AWS_ACCESS_KEY_ID: "", AWS_SECRET_ACCESS_KEY: "" };
  const p = await cli(["encrypt", "-i", input, "-o", "-", "-w", `key=${eastKey.KeyId}`, "region=us-east-1", "profile=east", "-w", `key=${westKey.KeyId}`, "region=eu-west-1", "profile=west"], undefined, noEnvCreds);
  assert.equal(p.code, 0, p.stderr);
  // Both commands' calls: the first with the environment's credentials (admin), the second with each group's profile.
  const westEncrypts = await kmsCalls(westKey.Arn!, "Encrypt", 2, "eu-west-1");
  assert.deepEqual(westEncrypts.map((x) => [x.Username, x.AccessKeyId]).sort(), [["admin", ADMIN_KEY_ID], ["cli-west", westUser.accessKeyId]]);
  const eastGenerates = await kmsCalls(eastKey.Arn!, "GenerateDataKey", 2);
  assert.deepEqual(eastGenerates.map((x) => x.Username), ["admin", "admin"]);

  // Decrypt with groups too: the west group's profile decrypts with the west key.
  const d = await cli(["decrypt", "-o", "-", "-w", `key=${westKey.Arn}`, "profile=west", "-w", `key=${eastKey.Arn}`, "profile=east"], p.stdout, noEnvCreds);
  assert.equal(d.code, 0, d.stderr);
  assert.equal(d.stdout.toString(), "two regions");

  // A profile the shared files do not define is refused before any call, as the AWS CLI refuses it.
  for (const args of [["--profile", "nosuch"], ["-w", `key=${eastKey.KeyId}`, "profile=east", "-w", `key=${westKey.KeyId}`, "profile=nosuch"]]) {
    const r = await cli(["encrypt", "-i", input, "-o", "-", ...(args[0] === "--profile" ? ["-w", `key=${eastKey.KeyId}`] : []), ...args], undefined, noEnvCreds);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, "bulwark: The config profile (nosuch) could not be found\n");
    assert.equal(r.stdout.length, 0);
  }
  const unknownDecrypt = await cli(["decrypt", "-o", "-", "-w", `key=${westKey.Arn}`, "--profile", "nosuch"], p.stdout, noEnvCreds);
  assert.equal(unknownDecrypt.stderr, "bulwark: The config profile (nosuch) could not be found\n");
  assert.equal(unknownDecrypt.code, 1);
  // AWS_PROFILE names the profile when the command line names none; --profile wins over it.
  const envUnknown = await cli(["encrypt", "-i", input, "-o", "-", "-w", `key=${eastKey.KeyId}`], undefined, { ...noEnvCreds, AWS_PROFILE: "nosuch" });
  assert.equal(envUnknown.stderr, "bulwark: The config profile (nosuch) could not be found\n");
  assert.equal(envUnknown.code, 1);
  const envOverridden = await cli(["encrypt", "-i", input, "-o", "-", "-w", `key=${eastKey.KeyId}`, "region=us-east-1", "--profile", "east"], undefined, { ...noEnvCreds, AWS_PROFILE: "nosuch" });
  assert.equal(envOverridden.code, 0, envOverridden.stderr);
  const envKnown = await cli(["encrypt", "-i", input, "-o", "-", "-w", `key=${westKey.KeyId}`, "region=eu-west-1"], undefined, { ...noEnvCreds, AWS_PROFILE: "west" });
  assert.equal(envKnown.code, 0, envKnown.stderr);
  // A [profile <name>] section of the config file (AWS_CONFIG_FILE) is a profile too.
  const config = path.join(dir, "aws-config");
  writeFileSync(config, `[profile fromconfig]\nregion = us-east-1\ncredential_process = echo ${JSON.stringify(JSON.stringify({ Version: 1, AccessKeyId: ADMIN_KEY_ID, SecretAccessKey: ADMIN_SECRET }))}\n`);
  const viaConfig = await cli(["encrypt", "-i", input, "-o", "-", "-w", `key=${eastKey.KeyId}`, "--profile", "fromconfig"], undefined, { ...noEnvCreds, AWS_CONFIG_FILE: config });
  assert.equal(viaConfig.code, 0, viaConfig.stderr);
  // With AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY set (the admin's, the cli's default environment), as
  // in the aws-encryption-cli: a profile the command names supplies the credentials, while AWS_PROFILE
  // gives way to that pair; neither is warned about.
  const namedOverEnv = await cli(["encrypt", "-i", input, "-o", "-", "-w", `key=${westKey.KeyId}`, "region=eu-west-1", "--profile", "west"]);
  assert.equal(namedOverEnv.code, 0, namedOverEnv.stderr);
  assert.equal(namedOverEnv.stderr, "");
  const envOverAwsProfile = await cli(["encrypt", "-i", input, "-o", "-", "-w", `key=${westKey.KeyId}`, "region=eu-west-1"], undefined, { AWS_PROFILE: "west" });
  assert.equal(envOverAwsProfile.code, 0, envOverAwsProfile.stderr);
  assert.equal(envOverAwsProfile.stderr, "");
  // The west key as the only (generator) key: AWS_PROFILE=west without keys in the environment
  // (cli-west), --profile west over the admin's keys (cli-west), AWS_PROFILE=west with them (admin).
  const westGenerates = await kmsCalls(westKey.Arn!, "GenerateDataKey", 3, "eu-west-1");
  assert.deepEqual(westGenerates.map((x) => x.Username).sort(), ["admin", "cli-west", "cli-west"]);

  // One Region per group: a second region= is refused, not silently merged.
  const twice = await cli(["encrypt", "-i", input, "-o", "-", "-w", "key=alias/cli-groups", "region=us-east-1", "region=eu-west-1"]);
  assert.equal(twice.code, 1);
  assert.equal(twice.stderr, "bulwark: Give region= once per --wrapping-keys group (repeat --wrapping-keys for keys of another Region)\n");
});

// A timeout: were the FIFO replaced by a file, its reader would wait for ever.
test("outputs that are not regular files: a FIFO is written in place, a symbolic link's file is replaced and the link kept; a link to nothing is refused", { timeout: 60_000 }, async () => {
  const lib = library();
  const keyring = new KmsKeyringNode({ clientProvider: lib.clientProvider, generatorKeyId: key.Arn });
  const input = path.join(dir, "special.txt");
  writeFileSync(input, "through a pipe");
  // A FIFO (as a shell's process substitution or /dev/stdout gives): its reader gets the message.
  const fifo = path.join(dir, "out.fifo");
  execFileSync("mkfifo", [fifo]);
  const reading = new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    createReadStream(fifo).on("data", (c) => chunks.push(c as Buffer)).on("end", () => resolve(Buffer.concat(chunks))).on("error", reject);
  });
  const r = await cli(["encrypt", "-i", input, "-o", fifo, "-w", `key=${key.Arn}`]);
  assert.equal(r.code, 0, r.stderr);
  const message = await reading;
  assert.ok(lstatSync(fifo).isFIFO(), "the FIFO was replaced");
  assert.deepEqual((await lib.decrypt(keyring, message)).plaintext.toString(), "through a pipe");
  // A shell's process substitution, `-o >(…)`: /dev/fd/<n>, a link to `pipe:[…]`, which is no
  // path. The shell gives the command a pipe as fd 3 (Node's own stdio pipes are sockets).
  const child = spawn("sh", ["-c", '"$0" "$@" 3>&1 >/dev/null | cat', process.execPath, CLI, "encrypt", "-i", input, "-o", "/dev/fd/3", "-w", `key=${key.Arn}`], {
    env: cliEnv(s, dir),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let childErr = "";
  child.stderr.on("data", (d: Buffer) => (childErr += d.toString()));
  const piped: Buffer[] = [];
  child.stdout.on("data", (c: Buffer) => piped.push(c));
  await new Promise((resolve) => child.on("close", resolve));
  assert.equal(childErr, "");
  assert.deepEqual((await lib.decrypt(keyring, Buffer.concat(piped))).plaintext.toString(), "through a pipe");
  // A symbolic link: the file it names gets the output, the link stays a link.
  const target = path.join(dir, "link-target.enc");
  writeFileSync(target, "old");
  const link = path.join(dir, "link.enc");
  symlinkSync(target, link);
  const viaLink = await cli(["encrypt", "-i", input, "-o", link, "-w", `key=${key.Arn}`]);
  assert.equal(viaLink.code, 0, viaLink.stderr);
  assert.ok(lstatSync(link).isSymbolicLink());
  assert.deepEqual((await lib.decrypt(keyring, readFileSync(target))).plaintext.toString(), "through a pipe");

  // A symbolic link to a path that does not exist: refused, the link neither replaced nor followed.
  const linkDir = fresh("dangling");
  const nowhere = path.join(linkDir, "nowhere.enc");
  const dangling = path.join(linkDir, "dangling.enc");
  symlinkSync(nowhere, dangling);
  for (const extra of [[], ["--no-overwrite"]]) {
    const r = await cli(["encrypt", "-i", input, "-o", dangling, "-w", `key=${key.Arn}`, ...extra]);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, `bulwark: The output file ${dangling} is a symbolic link to a path that does not exist\n`);
    assert.equal(r.stdout.length, 0);
  }
  const d = await cli(["decrypt", "-i", "-", "-o", dangling, "-w", `key=${key.Arn}`], readFileSync(target));
  assert.equal(d.code, 1);
  assert.equal(d.stderr, `bulwark: The output file ${dangling} is a symbolic link to a path that does not exist\n`);
  assert.ok(lstatSync(dangling).isSymbolicLink());
  assert.deepEqual(readdirSync(linkDir), ["dangling.enc"]);
});

test("an interrupted decrypt (SIGTERM) leaves no partial plaintext file and ends as killed by the signal", async () => {
  const plain = randomBytes(256 * 1024);
  const enc = await cli(["encrypt", "-i", "-", "-o", "-", "-w", `key=${key.Arn}`, "--frame-length", "4096"], plain);
  assert.equal(enc.code, 0, enc.stderr);
  const outDir = fresh("interrupted");
  const child = spawn(process.execPath, [CLI, "decrypt", "-i", "-", "-o", path.join(outDir, "plain.bin"), "-w", `key=${key.Arn}`], { env: cliEnv(s, dir), stdio: ["pipe", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  // Half the message, and stdin left open: the command is mid-way when the signal comes.
  child.stdin.write(enc.stdout.subarray(0, enc.stdout.length >> 1));
  await eventually(async () => (readdirSync(outDir).length > 0 ? true : undefined));
  const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  child.kill("SIGTERM");
  assert.equal(await exited, 143);
  assert.deepEqual(readdirSync(outDir), []);
  assert.equal(stderr, "bulwark: interrupted (SIGTERM); no output file was written\n");
});

test("decrypt is multi-Region aware: a replica key's ARN decrypts what its primary encrypted, through the replica's Region", async () => {
  const primary = (await kmsClient(s).send(new CreateKeyCommand({ MultiRegion: true }))).KeyMetadata!;
  const replica = (await kmsClient(s).send(new ReplicateKeyCommand({ KeyId: primary.Arn, ReplicaRegion: "eu-west-1" }))).ReplicaKeyMetadata!;
  assert.equal(replica.Arn, primary.Arn!.replace(":us-east-1:", ":eu-west-1:"));
  const enc = await cli(["encrypt", "-i", "-", "-o", "-", "-w", `key=${primary.Arn}`], "one key, two Regions");
  assert.equal(enc.code, 0, enc.stderr);
  const dec = await cli(["decrypt", "-i", "-", "-o", "-", "-w", `key=${replica.Arn}`], enc.stdout);
  assert.equal(dec.code, 0, dec.stderr);
  assert.equal(dec.stdout.toString(), "one key, two Regions");
  // A key that is not the same multi-Region key still does not match.
  const other = await cli(["decrypt", "-i", "-", "-o", "-", "-w", `key=${key.Arn}`], enc.stdout);
  assert.equal(other.code, 1);
});
