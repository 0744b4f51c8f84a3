/**
 * `bulwark encrypt` / `bulwark decrypt` as child processes against the real server: a 20 MiB
 * stream encrypted by the CLI decrypts with the AWS Encryption SDK library in this process and
 * vice versa; a tampered byte, a missing required context pair or an unknown key fail with a
 * non-zero exit and leave no output file; discovery decrypt; stdin/stdout and files.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { AlgorithmSuiteIdentifier, buildClient, CommitmentPolicy, KmsKeyringNode } from "@aws-crypto/client-node";
import { CreateKeyCommand, type KeyMetadata } from "@aws-sdk/client-kms";
import { startTestServer, ADMIN_KEY_ID, ADMIN_SECRET, type TestServer } from "./harness.js";
import { CLI, cliEnv, esdkLibrary, runCli, type CliRun } from "./crypto-cli.js";
import { parseAlgorithm, runDecrypt, runEncrypt } from "../../src/cli/crypto.js";
import { kmsClient } from "./kms-support.js";

const MiB = 1024 * 1024;
let s: TestServer;
let dir: string;
let key: KeyMetadata;
let key2: KeyMetadata;
before(async () => {
  s = await startTestServer();
  dir = mkdtempSync(path.join(tmpdir(), "bulwark-cli-crypto-"));
  const kms = kmsClient(s);
  key = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!;
  key2 = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!;
});
after(async () => {
  await s.destroy();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs the CLI with the standard AWS environment; `stdin` is written in 1 MiB chunks. */
const cli = (args: string[], stdin?: Buffer): Promise<CliRun> => runCli(s, dir, args, stdin);

/** Runs the CLI with `stdin` and closes its stdout once `keep` bytes have come out (a reader like `head -c`). */
function cliClosingStdout(args: string[], stdin: Buffer, keep: number): Promise<{ code: number | null; stderr: string; read: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: cliEnv(s, dir),
      stdio: ["pipe", "pipe", "pipe"],
    });
    let read = 0;
    let err = "";
    child.stdout.on("data", (d: Buffer) => {
      read += d.length;
      if (read >= keep) child.stdout.destroy();
    });
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stderr: err, read }));
    child.stdin.on("error", () => undefined);
    child.stdin.end(stdin);
  });
}

const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");
const library = () => esdkLibrary(s);

test("CLI encrypt of a 20 MiB stream (stdin → stdout) decrypts with the Encryption SDK library", async () => {
  const plaintext = randomBytes(20 * MiB);
  const r = await cli(["encrypt", "--input", "-", "--output", "-", "--wrapping-keys", `key=${key.Arn}`, "--encryption-context", "purpose=cli-test", "app=bulwark"], plaintext);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, "");
  assert.ok(r.stdout.length > plaintext.length);
  const lib = library();
  const d = await lib.decrypt(new KmsKeyringNode({ clientProvider: lib.clientProvider, keyIds: [key.Arn!] }), r.stdout);
  assert.equal(sha(d.plaintext), sha(plaintext));
  assert.equal(d.messageHeader.encryptionContext.purpose, "cli-test");
  assert.equal(d.messageHeader.encryptionContext.app, "bulwark");
  assert.deepEqual(d.messageHeader.encryptedDataKeys.map((e) => e.providerInfo), [key.Arn]);
});

test("library-encrypted 20 MiB file decrypts with the CLI (file → file); a tampered byte fails and leaves no output", async () => {
  const plaintext = randomBytes(20 * MiB);
  const lib = library();
  const { result } = await lib.encrypt(new KmsKeyringNode({ clientProvider: lib.clientProvider, generatorKeyId: key.Arn, keyIds: [key2.Arn!] }), plaintext, { encryptionContext: { stage: "prod" } });
  const ct = path.join(dir, "lib.enc");
  writeFileSync(ct, result);
  const out = path.join(dir, "lib.dec");
  const r = await cli(["decrypt", "--input", ct, "--output", out, "--wrapping-keys", `key=${key2.Arn}`, "--encryption-context", "stage=prod"]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(sha(readFileSync(out)), sha(plaintext));
  rmSync(out);

  // Failure cases on a smaller message (same code paths, less time).
  const small = randomBytes(256 * 1024);
  const smallCt = path.join(dir, "small-lib.enc");
  writeFileSync(smallCt, (await lib.encrypt(new KmsKeyringNode({ clientProvider: lib.clientProvider, generatorKeyId: key.Arn }), small, { encryptionContext: { stage: "prod" } })).result);
  const tampered = readFileSync(smallCt);
  const i = Math.floor(tampered.length / 2);
  tampered[i] = tampered[i]! ^ 0x01;
  const bad = path.join(dir, "tampered.enc");
  writeFileSync(bad, tampered);
  const t = await cli(["decrypt", "--input", bad, "--output", out, "--wrapping-keys", `key=${key.Arn}`]);
  assert.notEqual(t.code, 0);
  assert.match(t.stderr, /^bulwark: /);
  assert.equal(existsSync(out), false, "no output file after a failed decryption");
  assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith(".partial")), [], "no partial file left behind");

  // A required context pair the message does not have: refused before any plaintext.
  const c = await cli(["decrypt", "--input", smallCt, "--output", out, "--wrapping-keys", `key=${key.Arn}`, "--encryption-context", "stage=dev"]);
  assert.notEqual(c.code, 0);
  assert.match(c.stderr, /encryption context/);
  assert.equal(existsSync(out), false);
  // Bare key names require the key only.
  const k = await cli(["decrypt", "--input", smallCt, "--output", "-", "--wrapping-keys", `key=${key.Arn}`, "--encryption-context", "stage", "--buffer"]);
  assert.equal(k.code, 0, k.stderr);
  assert.equal(sha(k.stdout), sha(small));
});

test("CLI round trip with --key-id, discovery decrypt, unsigned-only decrypt, and clean errors", async () => {
  const plaintext = Buffer.from("small message through files\n");
  const inFile = path.join(dir, "small.txt");
  writeFileSync(inFile, plaintext);
  const enc = path.join(dir, "small.enc");
  const e = await cli(["encrypt", "-i", inFile, "-o", enc, "--key-id", key.Arn!, "--algorithm", "ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY"]);
  assert.equal(e.code, 0, e.stderr);
  const d = await cli(["decrypt", "-i", enc, "-o", "-", "--discovery", "--discovery-account", s.accountId, "--decrypt-unsigned"]);
  assert.equal(d.code, 0, d.stderr);
  assert.deepEqual(d.stdout, plaintext);
  const wrongAccount = await cli(["decrypt", "-i", enc, "-o", "-", "--wrapping-keys", "discovery=true", "discovery-account=111122223333"]);
  assert.notEqual(wrongAccount.code, 0);
  assert.equal(wrongAccount.stdout.length, 0);
  // Signed messages are refused by --decrypt-unsigned.
  const signed = await cli(["encrypt", "-i", inFile, "-o", "-", "--key-id", key.Arn!]);
  assert.equal(signed.code, 0, signed.stderr);
  const signedFile = path.join(dir, "signed.enc");
  writeFileSync(signedFile, signed.stdout);
  const u = await cli(["decrypt", "-i", signedFile, "-o", "-", "--key-id", key.Arn!, "--decrypt-unsigned"]);
  assert.notEqual(u.code, 0);
  // An unknown key: the KMS error, no stack trace, no output.
  const missing = `arn:aws:kms:us-east-1:${s.accountId}:key/0b9a2c1e-3f4d-4e5f-8a9b-0c1d2e3f4a5b`;
  const m = await cli(["encrypt", "-i", inFile, "-o", "-", "--key-id", missing]);
  assert.notEqual(m.code, 0);
  assert.match(m.stderr, /NotFoundException/);
  assert.doesNotMatch(m.stderr, /\n\s+at /);
  assert.equal(m.stdout.length, 0);
  const none = await cli(["encrypt", "-i", inFile, "-o", "-"]);
  assert.notEqual(none.code, 0);
  assert.match(none.stderr, /at least one wrapping key/);
});

test("a reader that stops early (stdout closed mid-message): one line on stderr and exit 1, no stack trace", async () => {
  const plaintext = randomBytes(20 * MiB);
  const e = await cliClosingStdout(["encrypt", "--key-id", key.Arn!, "-c", "purpose=pipe"], plaintext, 64 * 1024);
  assert.equal(e.code, 1);
  assert.equal(e.stderr, "bulwark: the output was closed before all of it was written (EPIPE)\n");
  // And the decrypting end of a pipe the same way.
  const whole = await cli(["encrypt", "--key-id", key.Arn!, "-c", "purpose=pipe", "--algorithm", "ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY"], plaintext);
  assert.equal(whole.code, 0, whole.stderr);
  const d = await cliClosingStdout(["decrypt", "--discovery", "-c", "purpose=pipe", "--decrypt-unsigned"], whole.stdout, 64 * 1024);
  assert.equal(d.code, 1);
  assert.equal(d.stderr, "bulwark: the output was closed before all of it was written (EPIPE)\n");
});

test("bytes after the end of the message fail the decryption: an unsigned message with a tail, two messages run together", async () => {
  const lib = library();
  const keyring = new KmsKeyringNode({ clientProvider: lib.clientProvider, generatorKeyId: key.Arn });
  const plaintext = randomBytes(10_000);
  const { result } = await lib.encrypt(keyring, plaintext, { suiteId: AlgorithmSuiteIdentifier.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY });
  const message = Buffer.from(result);
  const out = path.join(dir, "tail.dec");
  for (const input of [Buffer.concat([message, Buffer.from("\n")]), Buffer.concat([message, message])]) {
    const f = path.join(dir, "tail.enc");
    writeFileSync(f, input);
    const r = await cli(["decrypt", "-i", f, "-o", out, "--wrapping-keys", `key=${key.Arn}`]);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, "bulwark: The input continues after the end of the encrypted message\n");
    assert.equal(existsSync(out), false);
    const s = await cli(["decrypt", "--wrapping-keys", `key=${key.Arn}`, "--decrypt-unsigned"], input);
    assert.equal(s.code, 1);
    assert.equal(s.stderr, "bulwark: The input continues after the end of the encrypted message\n");
  }
  // The message alone still decrypts.
  const ok = await cli(["decrypt", "--wrapping-keys", `key=${key.Arn}`], message);
  assert.equal(ok.code, 0, ok.stderr);
  assert.deepEqual(ok.stdout, plaintext);
});

test("decrypt with keys that wrapped none of the message's data keys: one plain line naming the problem", async () => {
  const plaintext = Buffer.from("for another key\n");
  const enc = await cli(["encrypt", "--wrapping-keys", `key=${key.Arn}`], plaintext);
  assert.equal(enc.code, 0, enc.stderr);
  const other = await cli(["decrypt", "--wrapping-keys", `key=${key2.Arn}`], enc.stdout);
  assert.equal(other.code, 1);
  assert.equal(other.stderr, "bulwark: None of the wrapping keys given wrapped a data key of this message\n");
  assert.equal(other.stdout.length, 0);
  const elsewhere = await cli(["decrypt", "--wrapping-keys", "discovery=true", "discovery-account=111122223333", "discovery-partition=aws"], enc.stdout);
  assert.equal(elsewhere.code, 1);
  assert.equal(elsewhere.stderr, "bulwark: No KMS key that discovery may use wrapped a data key of this message (check discovery-account / discovery-partition)\n");
  const alias = await cli(["decrypt", "--wrapping-keys", "key=alias/app"], enc.stdout);
  assert.equal(alias.code, 1);
  assert.match(alias.stderr, /^bulwark: decrypt needs key ARNs \(arn:aws:kms:<region>:<account>:key\/<id>\), not "alias\/app"/);
});

test("decrypt --max-length refuses messages with longer frames, before any plaintext, as the aws-encryption-cli's does", async () => {
  const plaintext = randomBytes(10_000);
  const enc = await cli(["encrypt", "--wrapping-keys", `key=${key.Arn}`, "--frame-length", "4096"], plaintext);
  assert.equal(enc.code, 0, enc.stderr);
  const out = path.join(dir, "max-length.dec");
  const input = path.join(dir, "max-length.enc");
  writeFileSync(input, enc.stdout);
  const short = await cli(["decrypt", "-i", input, "-o", out, "--wrapping-keys", `key=${key.Arn}`, "--max-length", "4095"]);
  assert.equal(short.code, 1);
  assert.equal(short.stderr, "bulwark: The message has a frame (or non-framed body) longer than --max-length 4095 bytes\n");
  assert.equal(existsSync(out), false);
  const streamed = await cli(["decrypt", "--wrapping-keys", `key=${key.Arn}`, "--max-length", "4095"], enc.stdout);
  assert.equal(streamed.code, 1);
  assert.equal(streamed.stdout.length, 0);
  const enough = await cli(["decrypt", "-i", input, "-o", out, "--wrapping-keys", `key=${key.Arn}`, "--max-length", "4096"]);
  assert.equal(enough.code, 0, enough.stderr);
  assert.deepEqual(readFileSync(out), plaintext);
  rmSync(out);
});

test("an output directory, as in the aws-encryption-cli's examples: hello.txt → hello.txt.encrypted → hello.txt.encrypted.decrypted", async () => {
  const work = path.join(dir, "outdir");
  mkdirSync(work);
  const hello = path.join(dir, "hello.txt");
  writeFileSync(hello, "Hello World");
  const e = await cli(["encrypt", "--input", hello, "--wrapping-keys", `key=${key.Arn}`, "--encryption-context", "purpose=test", "--output", work]);
  assert.equal(e.code, 0, e.stderr);
  const d = await cli(["decrypt", "--input", path.join(work, "hello.txt.encrypted"), "--wrapping-keys", `key=${key.Arn}`, "--encryption-context", "purpose=test", "--output", work]);
  assert.equal(d.code, 0, d.stderr);
  assert.equal(readFileSync(path.join(work, "hello.txt.encrypted.decrypted"), "utf8"), "Hello World");
  const bare = await cli(["decrypt", "--input", path.join(work, "hello.txt.encrypted"), "--wrapping-keys", `key=${key.Arn}`, "--output", dir, "--suffix"]);
  assert.equal(bare.code, 0, bare.stderr);
  assert.equal(readFileSync(path.join(dir, "hello.txt.encrypted"), "utf8"), "Hello World");
  const piped = await cli(["encrypt", "--wrapping-keys", `key=${key.Arn}`, "--output", work], Buffer.from("x"));
  assert.equal(piped.code, 1);
  assert.match(piped.stderr, /^bulwark: The output .* is a directory: with input from stdin/);
});

interface MetadataRecord {
  mode: string;
  input: string;
  output: string;
  header: {
    algorithm: string;
    version: string;
    message_id: string;
    frame_length: number;
    encryption_context: Record<string, string>;
    encrypted_data_keys: { encrypted_data_key: string; key_provider: { key_info: string; provider_id: string } }[];
  };
}

test("metadata records as the aws-encryption-cli writes them: --metadata-output appends (or --overwrite-metadata replaces), -S writes none", async () => {
  const hello = path.join(dir, "meta.txt");
  writeFileSync(hello, "metadata");
  const enc = path.join(dir, "meta.enc");
  const dec = path.join(dir, "meta.dec");
  const meta = path.join(dir, "metadata.jsonl");
  const e = await cli(["encrypt", "-i", hello, "-o", enc, "-w", `key=${key.Arn}`, "-c", "purpose=test", "--metadata-output", meta, "--algorithm", "AES_256_GCM_HKDF_SHA512_COMMIT_KEY"]);
  assert.equal(e.code, 0, e.stderr);
  const d = await cli(["decrypt", "-i", enc, "-o", dec, "-w", `key=${key.Arn}`, "--metadata-output", meta]);
  assert.equal(d.code, 0, d.stderr);
  const records = readFileSync(meta, "utf8").trimEnd().split("\n").map((l) => JSON.parse(l) as MetadataRecord);
  assert.deepEqual(records.map((r) => [r.mode, r.input, r.output]), [["encrypt", hello, enc], ["decrypt", enc, dec]]);
  for (const r of records) {
    assert.equal(r.header.algorithm, "AES_256_GCM_HKDF_SHA512_COMMIT_KEY");
    assert.equal(r.header.version, "2.0");
    assert.deepEqual(r.header.encryption_context, { purpose: "test" });
    assert.equal(r.header.frame_length, 4096);
    assert.equal(r.header.encrypted_data_keys.length, 1);
    assert.equal(Buffer.from(r.header.encrypted_data_keys[0]!.key_provider.key_info, "base64").toString(), key.Arn);
    assert.equal(Buffer.from(r.header.encrypted_data_keys[0]!.key_provider.provider_id, "base64").toString(), "aws-kms");
  }
  assert.equal(records[0]!.header.message_id, records[1]!.header.message_id);
  const again = await cli(["decrypt", "-i", enc, "-o", dec, "-w", `key=${key.Arn}`, "--metadata-output", meta, "--overwrite-metadata"]);
  assert.equal(again.code, 0, again.stderr);
  assert.equal(readFileSync(meta, "utf8").trimEnd().split("\n").length, 1);
  // To stdout while the plaintext goes to a file; a failed operation writes no record.
  const toStdout = await cli(["decrypt", "-i", enc, "-o", dec, "-w", `key=${key.Arn}`, "--metadata-output", "-"]);
  assert.equal(toStdout.code, 0, toStdout.stderr);
  assert.equal((JSON.parse(toStdout.stdout.toString()) as MetadataRecord).mode, "decrypt");
  const failed = await cli(["decrypt", "-i", enc, "-o", dec, "-w", `key=${key2.Arn}`, "--metadata-output", "-"]);
  assert.equal(failed.code, 1);
  assert.equal(failed.stdout.length, 0);
  const s = await cli(["encrypt", "-i", hello, "-o", "-", "-w", `key=${key.Arn}`, "-S"]);
  assert.equal(s.code, 0, s.stderr);
  assert.equal(s.stdout.subarray(0, 1)[0], 0x02);
  const both = await cli(["encrypt", "-i", hello, "-o", "-", "-w", `key=${key.Arn}`, "--metadata-output", "-"]);
  assert.equal(both.code, 1);
  assert.equal(both.stderr, "bulwark: --metadata-output - and --output - cannot both write to stdout\n");
});

test("decrypt metadata records carry header_auth; --decrypt-unsigned records mode decrypt-unsigned; a missing required context is recorded as skipped", async () => {
  const plain = path.join(dir, "auth.txt");
  writeFileSync(plain, "header auth");
  const enc = path.join(dir, "auth.enc");
  const dec = path.join(dir, "auth.dec");
  type Record = MetadataRecord & { header_auth?: { iv: string; tag: string }; skipped?: boolean; reason?: string; missing_encryption_context_keys?: string[]; missing_encryption_context_pairs?: string[][] };
  const e = await cli(["encrypt", "-i", plain, "-o", enc, "-w", `key=${key.Arn}`, "-c", "purpose=test", "--algorithm", "AES_256_GCM_HKDF_SHA512_COMMIT_KEY", "--metadata-output", "-"]);
  assert.equal(e.code, 0, e.stderr);
  assert.equal((JSON.parse(e.stdout.toString()) as Record).header_auth, undefined);
  const message = readFileSync(enc);
  // Version 2: the header authentication is its tag, right before the body, here one final frame
  // (end marker, sequence number, IV, content length, 11 bytes of content, tag; no footer); its IV is all zeros.
  const body = 4 + 4 + 12 + 4 + 11 + 16;
  const tag = message.subarray(message.length - body - 16, message.length - body).toString("base64");
  assert.deepEqual(message.subarray(message.length - body, message.length - body + 8), Buffer.from([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 1]));
  for (const unsigned of [false, true]) {
    const d = await cli(["decrypt", "-i", enc, "-o", dec, "-w", `key=${key.Arn}`, "--metadata-output", "-", ...(unsigned ? ["--decrypt-unsigned"] : [])]);
    assert.equal(d.code, 0, d.stderr);
    const r = JSON.parse(d.stdout.toString()) as Record;
    assert.equal(r.mode, unsigned ? "decrypt-unsigned" : "decrypt");
    assert.deepEqual(r.header_auth, { iv: Buffer.alloc(12).toString("base64"), tag });
    assert.deepEqual(Object.keys(r), ["header", "header_auth", "input", "mode", "output"]);
  }
  // A message without the required pairs and keys: no plaintext, exit 1, and a record of the skipped operation.
  rmSync(dec, { force: true });
  const skipped = await cli(["decrypt", "-i", enc, "-o", dec, "-w", `key=${key.Arn}`, "-c", "purpose=prod", "dept", "purpose2=x", "--metadata-output", "-"]);
  assert.equal(skipped.code, 1);
  assert.equal(skipped.stderr, 'bulwark: The message\'s encryption context does not contain the required pair for key "purpose"\n');
  assert.equal(existsSync(dec), false);
  const r = JSON.parse(skipped.stdout.toString()) as Record;
  assert.equal(r.skipped, true);
  assert.equal(r.reason, "Missing encryption context key or value");
  assert.deepEqual(r.missing_encryption_context_keys, ["dept"]);
  assert.deepEqual(r.missing_encryption_context_pairs, [["purpose", "prod"], ["purpose2", "x"]]);
  assert.deepEqual([r.mode, r.input, r.output], ["decrypt", enc, dec]);
  assert.deepEqual(r.header.encryption_context, { purpose: "test" });
  assert.deepEqual(r.header_auth, { iv: Buffer.alloc(12).toString("base64"), tag });
});

test("--frame-length takes 1 to 2^31 - 1, the aws-encryption-cli's range: a longer frame is refused before anything is written", async () => {
  const plaintext = Buffer.from("frame length");
  const tooLong = await cli(["encrypt", "-w", `key=${key.Arn}`, "--frame-length", "2147483648"], plaintext);
  assert.equal(tooLong.code, 1);
  assert.equal(tooLong.stderr, "bulwark: --frame-length must be a positive integer of at most 2147483647\n");
  assert.equal(tooLong.stdout.length, 0);
  const longest = await cli(["encrypt", "-w", `key=${key.Arn}`, "--frame-length", "2147483647"], plaintext);
  assert.equal(longest.code, 0, longest.stderr);
  const lib = library();
  const { plaintext: back, messageHeader } = await lib.decrypt(new KmsKeyringNode({ clientProvider: lib.clientProvider, keyIds: [key.Arn!] }), longest.stdout);
  assert.equal(messageHeader.frameLength, 2147483647);
  assert.deepEqual(Buffer.from(back), plaintext);
});

test("every suite, by either SDK's name: what encrypt writes the library decrypts, and what the library writes decrypt reads", async () => {
  const conn = {
    endpoint: s.url,
    region: "us-east-1",
    caBundle: path.join(s.dataDir, "ca.pem"),
    credentials: { accessKeyId: ADMIN_KEY_ID, secretAccessKey: ADMIN_SECRET },
  };
  const lib = library();
  const keyring = new KmsKeyringNode({ clientProvider: lib.clientProvider, generatorKeyId: key.Arn });
  const plaintext = randomBytes(9000);
  const input = path.join(dir, "suites.txt");
  writeFileSync(input, plaintext);
  const suites = Object.entries(AlgorithmSuiteIdentifier).filter((e): e is [string, AlgorithmSuiteIdentifier] => typeof e[1] === "number");
  for (const [name, suiteId] of suites) {
    const policy = name.includes("COMMIT_KEY") ? CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT : CommitmentPolicy.FORBID_ENCRYPT_ALLOW_DECRYPT;
    const cliName = name.replace(/^ALG_AES(\d+)_/, "AES_$1_").replace("_IV12_TAG16_HKDF_SHA512_COMMIT_KEY", "_HKDF_SHA512_COMMIT_KEY");
    for (const algorithm of [name, cliName]) {
      const enc = path.join(dir, "suites.enc");
      await runEncrypt({ ...conn, input, output: enc, keyIds: [key.Arn!], encryptionContext: { suite: name }, commitmentPolicy: policy, suiteId: parseAlgorithm(algorithm), frameLength: 4096 });
      const d = await buildClient(policy).decrypt(keyring, readFileSync(enc));
      assert.equal(d.messageHeader.suiteId, suiteId, algorithm);
      assert.deepEqual(d.plaintext, plaintext, algorithm);
    }
    const { result } = await buildClient(policy).encrypt(keyring, plaintext, { suiteId, encryptionContext: { suite: name } });
    const enc = path.join(dir, "suites-lib.enc");
    writeFileSync(enc, result);
    const out = path.join(dir, "suites.dec");
    for (const buffer of [false, true]) {
      await runDecrypt({
        ...conn,
        input: enc,
        output: out,
        keyIds: [key.Arn!],
        encryptionContext: { suite: name },
        commitmentPolicy: policy,
        discovery: false,
        discoveryAccounts: [],
        discoveryPartition: "aws",
        requiredContextKeys: [],
        unsignedOnly: !name.includes("ECDSA"),
        buffer,
      });
      assert.deepEqual(readFileSync(out), plaintext, name);
    }
  }
});
