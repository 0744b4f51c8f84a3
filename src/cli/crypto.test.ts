import { test } from "node:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import assert from "node:assert/strict";
import { Command } from "commander";
import {
  parseWrappingKeys,
  parseContext,
  parseCommitmentPolicy,
  parseAlgorithm,
  parseCaching,
  resolveDiscovery,
  checkRequiredContext,
  runDecrypt,
  runEncrypt,
  outputPath,
  markWrappingKeyGroups,
  registerCryptoCommands,
  CryptoCliError,
} from "./crypto.js";
import { AlgorithmSuiteIdentifier, type MessageHeader } from "@aws-crypto/client-node";

test("parseWrappingKeys reads aws-encryption-cli style attributes, one group per --wrapping-keys, each with its own region and profile", () => {
  assert.deepEqual(parseWrappingKeys([["key=arn:aws:kms:us-east-1:111122223333:key/abc", "key=alias/x", "region=eu-west-1", "profile=dev"]]), {
    groups: [{ keyIds: ["arn:aws:kms:us-east-1:111122223333:key/abc", "alias/x"], region: "eu-west-1", profile: "dev" }],
    discoveryAccounts: [],
  });
  assert.deepEqual(parseWrappingKeys([["key=alias/east", "region=us-east-1"], ["key=alias/west", "region=eu-west-1", "profile=west"], ["key=k3"]]), {
    groups: [{ keyIds: ["alias/east"], region: "us-east-1" }, { keyIds: ["alias/west"], region: "eu-west-1", profile: "west" }, { keyIds: ["k3"] }],
    discoveryAccounts: [],
  });
  assert.deepEqual(parseWrappingKeys([["discovery=true", "discovery-account=111122223333", "discovery-partition=aws"]]), {
    groups: [{ keyIds: [], discovery: true }],
    discovery: true,
    discoveryAccounts: ["111122223333"],
    discoveryPartition: "aws",
  });
  // A key ARN contains '=' nowhere, but values may contain ':' and '/'.
  assert.throws(() => parseWrappingKeys([["arn:aws:kms:us-east-1:1:key/x"]]), CryptoCliError);
  assert.throws(() => parseWrappingKeys([["colour=blue"]]), /Unknown --wrapping-keys attribute "colour"/);
  assert.throws(() => parseWrappingKeys([["discovery=maybe"]]), /true or false/);
  assert.throws(() => parseWrappingKeys([["discovery-account=12"]]), /12-digit/);
  assert.throws(() => parseWrappingKeys([["key="]]), /Empty value/);
  assert.throws(() => parseWrappingKeys([[]]), /--wrapping-keys needs attributes/);
  // One Region and one profile per group: another Region is another --wrapping-keys.
  assert.throws(() => parseWrappingKeys([["key=a", "region=us-east-1", "region=eu-west-1"]]), /Give region= once per --wrapping-keys group/);
  assert.throws(() => parseWrappingKeys([["key=a", "profile=x", "profile=y"]]), /Give profile= once per --wrapping-keys group/);
});

test("parseWrappingKeys takes the aws-encryption-cli's provider=aws-kms (its default, also package-qualified) and no other provider", () => {
  for (const provider of ["aws-kms", "aws-encryption-sdk-cli::aws-kms"]) {
    assert.deepEqual(parseWrappingKeys([[`provider=${provider}`, "key=alias/x", "region=eu-west-1"], ["discovery=true", `provider=${provider}`]]), {
      groups: [{ keyIds: ["alias/x"], region: "eu-west-1" }, { keyIds: [], discovery: true }],
      discovery: true,
      discoveryAccounts: [],
    });
  }
  assert.throws(() => parseWrappingKeys([["provider=raw", "key=k"]]), /Unknown key provider "raw": the keys here are KMS keys \(provider=aws-kms, the default\)$/);
  assert.throws(() => parseWrappingKeys([["provider=AWS-KMS", "key=k"]]), /Unknown key provider "AWS-KMS"/);
  assert.throws(() => parseWrappingKeys([["provider=aws-kms", "provider=aws-kms", "key=k"]]), /Give provider= once per --wrapping-keys group/);
});

test("markWrappingKeyGroups starts a group at each -w / --wrapping-keys, in every spelling, and never at another option's value", async () => {
  const program = new Command();
  registerCryptoCommands(program);
  const encrypt = program.commands.find((c) => c.name() === "encrypt")!;
  const G = "\u0000--wrapping-keys";
  assert.deepEqual(markWrappingKeyGroups(encrypt, ["-w", "key=a", "region=r1", "--wrapping-keys", "key=b", "--wrapping-keys=key=c", "-wkey=d", "region=r2"]), [
    "-w", G, "key=a", "region=r1", "--wrapping-keys", G, "key=b", "--wrapping-keys", G, "key=c", "-w", G, "key=d", "region=r2",
  ]);
  // The value of --output is taken as given, even "-w"; after "--" nothing is touched.
  assert.deepEqual(markWrappingKeyGroups(encrypt, ["-o", "-w", "-w", "key=a", "--", "-w"]), ["-o", "-w", "-w", G, "key=a", "--", "-w"]);
  assert.deepEqual(markWrappingKeyGroups(encrypt, ["--output", "-w", "--input=-w", "-w", "key=a"]), ["--output", "-w", "--input=-w", "-w", G, "key=a"]);
  // Clusters of short flags: booleans before -w are kept apart; a value option takes the rest of the cluster (or the next argument).
  assert.deepEqual(markWrappingKeyGroups(encrypt, ["-rSw", "key=a", "-Swkey=b", "-rC", "capacity=1", "-S", "-o-w", "-ri", "-w"]), [
    "-rS", "-w", G, "key=a", "-S", "-w", G, "key=b", "-rC", "capacity=1", "-S", "-o-w", "-ri", "-w",
  ]);
  // Commander reads the marked arguments into groups.
  const program2 = new Command();
  program2.exitOverride();
  let groups: unknown;
  registerCryptoCommands(program2);
  const enc2 = program2.commands.find((c) => c.name() === "encrypt")!;
  enc2.action((f: { wrappingKeys?: string[][] }) => {
    groups = f.wrappingKeys;
  });
  await program2.parseAsync(["encrypt", "-w", "key=a", "region=r1", "-rSwkey=b", "key=c", "--wrapping-keys=key=d", "profile=p", "-c", "x=1"], { from: "user" });
  assert.deepEqual(groups, [["key=a", "region=r1"], ["key=b", "key=c"], ["key=d", "profile=p"]]);
});

test("parseCaching: the aws-encryption-cli's names; capacity and max_age required; positive numbers within the Encryption SDK's limits", () => {
  assert.deepEqual(parseCaching(["capacity=10", "max_age=2.5"]), { capacity: 10, maxAge: 2.5 });
  assert.deepEqual(parseCaching(["capacity=1", "max_age=60", "max_messages_encrypted=5", "max_bytes_encrypted=1000"]), { capacity: 1, maxAge: 60, maxMessagesEncrypted: 5, maxBytesEncrypted: 1000 });
  assert.throws(() => parseCaching(["capacity=10"]), /both "capacity" and "max_age" are required/);
  assert.throws(() => parseCaching(["max_age=10"]), /both "capacity" and "max_age" are required/);
  assert.throws(() => parseCaching(["capacity=10", "max_age=1", "ttl=3"]), /Invalid caching configuration key: "ttl"/);
  assert.throws(() => parseCaching(["capacity=1.5", "max_age=1"]), /capacity must be a positive integer/);
  assert.throws(() => parseCaching(["capacity=10", "max_age=0"]), /max_age must be a positive number/);
  assert.throws(() => parseCaching(["capacity=10", "max_age=x"]), /max_age must be a positive number/);
  assert.throws(() => parseCaching(["capacity=10", "max_age=1", "max_messages_encrypted=4294967297"]), /at most 4294967296/);
  assert.throws(() => parseCaching(["capacity=10", "capacity=2", "max_age=1"]), /once/);
  assert.throws(() => parseCaching(["capacity"]), /expected name=value/);
});

test("parseContext: k=v pairs; bare keys only where allowed; duplicates and empty keys refused", () => {
  assert.deepEqual(parseContext(["a=1", "b=x=y", "c="], false), { context: { a: "1", b: "x=y", c: "" }, keys: [] });
  assert.deepEqual(parseContext(["a=1", "needed"], true), { context: { a: "1" }, keys: ["needed"] });
  assert.throws(() => parseContext(["needed"], false), /expected key=value/);
  assert.throws(() => parseContext(["a=1", "a=2"], false), /given twice/);
  assert.throws(() => parseContext(["=v"], false), /empty key/);
});

test("parseCommitmentPolicy accepts the CLI spellings and the enum names", () => {
  assert.equal(parseCommitmentPolicy("require-encrypt-require-decrypt"), "REQUIRE_ENCRYPT_REQUIRE_DECRYPT");
  assert.equal(parseCommitmentPolicy("FORBID_ENCRYPT_ALLOW_DECRYPT"), "FORBID_ENCRYPT_ALLOW_DECRYPT");
  assert.equal(parseCommitmentPolicy("Require-Encrypt-Allow-Decrypt"), "REQUIRE_ENCRYPT_ALLOW_DECRYPT");
  assert.throws(() => parseCommitmentPolicy("allow-everything"), /Unknown commitment policy/);
});

test("checkRequiredContext: every required pair must match exactly and every required key exist", () => {
  const header = { encryptionContext: { tenant: "acme", stage: "prod" } } as unknown as MessageHeader;
  checkRequiredContext(header, { tenant: "acme" }, ["stage"]);
  assert.throws(() => checkRequiredContext(header, { tenant: "ACME" }, []), /required pair for key "tenant"/);
  assert.throws(() => checkRequiredContext(header, {}, ["region"]), /required key "region"/);
  // Inherited properties are not context entries.
  assert.throws(() => checkRequiredContext(header, {}, ["toString"]), /required key "toString"/);
});

test("parseContext: keys beginning with aws-crypto- are the Encryption SDK's and refused on encrypt (a decrypt may require them)", () => {
  assert.throws(() => parseContext(["aws-crypto-x=1"], false), /"aws-crypto-x": keys beginning with "aws-crypto-" are reserved/);
  assert.throws(() => parseContext(["a=1", "aws-crypto-public-key=AAAA"], false), /reserved for the Encryption SDK/);
  assert.deepEqual(parseContext(["aws-crypto-public-key"], true), { context: {}, keys: ["aws-crypto-public-key"] });
  assert.deepEqual(parseContext(["aws-cryptography=1", "x-aws-crypto-y=2"], false).context, { "aws-cryptography": "1", "x-aws-crypto-y": "2" });
});

test("parseAlgorithm takes the JavaScript SDK's names and the aws-encryption-cli's, and nothing else", () => {
  const names = Object.keys(AlgorithmSuiteIdentifier).filter((k) => k.startsWith("ALG_"));
  assert.equal(names.length, 11);
  for (const name of names) assert.equal(parseAlgorithm(name), AlgorithmSuiteIdentifier[name as keyof typeof AlgorithmSuiteIdentifier]);
  assert.equal(parseAlgorithm("AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384"), AlgorithmSuiteIdentifier.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY_ECDSA_P384);
  assert.equal(parseAlgorithm("AES_256_GCM_HKDF_SHA512_COMMIT_KEY"), AlgorithmSuiteIdentifier.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY);
  assert.equal(parseAlgorithm("AES_128_GCM_IV12_TAG16_HKDF_SHA256_ECDSA_P256"), AlgorithmSuiteIdentifier.ALG_AES128_GCM_IV12_TAG16_HKDF_SHA256_ECDSA_P256);
  assert.equal(parseAlgorithm("AES_192_GCM_IV12_TAG16"), AlgorithmSuiteIdentifier.ALG_AES192_GCM_IV12_TAG16);
  // The enum's reverse mapping (number → name) and inherited properties are not suite names.
  for (const bad of ["1144", "0x0478", "toString", "NOPE", ""]) assert.throws(() => parseAlgorithm(bad), /Unknown algorithm suite/);
});

test("resolveDiscovery: an account or partition limit is refused where it would be ignored", () => {
  const wk = (specs: string[]) => parseWrappingKeys(specs.length ? [specs] : []);
  // No partition given: the caller's, asked of STS when the keyring is made.
  assert.deepEqual(resolveDiscovery(wk(["discovery=true", "discovery-account=111122223333"]), { accounts: [] }), {
    discovery: true,
    discoveryAccounts: ["111122223333"],
  });
  assert.deepEqual(resolveDiscovery(wk([]), { discovery: true, accounts: ["111122223333"], partition: "aws-cn" }), {
    discovery: true,
    discoveryAccounts: ["111122223333"],
    discoveryPartition: "aws-cn",
  });
  assert.deepEqual(resolveDiscovery(wk(["discovery=true"]), { accounts: [] }), { discovery: true, discoveryAccounts: [] });
  assert.deepEqual(resolveDiscovery(wk(["key=arn:aws:kms:us-east-1:111122223333:key/k"]), { accounts: [] }).discovery, false);
  // Limits without discovery: named keys decrypt, the limit would do nothing.
  assert.throws(() => resolveDiscovery(wk(["key=arn:aws:kms:us-east-1:111122223333:key/k", "discovery-account=111122223333"]), { accounts: [] }), /use them with discovery=true/);
  assert.throws(() => resolveDiscovery(wk(["discovery=false", "discovery-account=111122223333", "discovery-partition=aws"]), { accounts: [] }), /use them with discovery=true/);
  assert.throws(() => resolveDiscovery(wk(["key=arn:aws:kms:us-east-1:111122223333:key/k"]), { accounts: ["111122223333"] }), /use them with discovery=true/);
  // A partition alone would leave discovery open to every account and partition.
  assert.throws(() => resolveDiscovery(wk(["discovery=true", "discovery-partition=aws-cn"]), { accounts: [] }), /needs the accounts/);
  assert.throws(() => resolveDiscovery(wk([]), { discovery: true, accounts: [], partition: "aws-cn" }), /needs the accounts/);
  assert.throws(() => resolveDiscovery(wk(["discovery=true", "discovery-account=111122223333", "discovery-partition=aws"]), { accounts: [], partition: "aws-cn" }), /once/);
  assert.throws(() => parseWrappingKeys([["discovery-partition=aws"], ["discovery-partition=aws-cn"]]), /once/);
  assert.throws(() => resolveDiscovery(wk([]), { discovery: true, accounts: ["12"] }), /12-digit/);
});

test("runDecrypt wants key ARNs: a message names its KMS keys by ARN, so an alias or key id could never match", async () => {
  const options = {
    input: "-",
    output: "-",
    encryptionContext: {},
    commitmentPolicy: parseCommitmentPolicy("require-encrypt-require-decrypt"),
    endpoint: "https://127.0.0.1:1",
    discovery: false,
    discoveryAccounts: [],
    discoveryPartition: "aws",
    requiredContextKeys: [],
    unsignedOnly: false,
    buffer: false,
  };
  for (const id of ["alias/app", "arn:aws:kms:us-east-1:111122223333:alias/app", "1234abcd-12ab-34cd-56ef-1234567890ab", "mrk-1234abcd12ab34cd56ef1234567890ab"]) {
    await assert.rejects(runDecrypt({ ...options, keyIds: [id] }), (e: unknown) => e instanceof CryptoCliError && e.message.startsWith(`decrypt needs key ARNs (arn:aws:kms:<region>:<account>:key/<id>), not "${id}"`));
  }
});

test("runDecrypt needs wrapping keys or discovery, and says which is missing or which one too many", async () => {
  const options = {
    input: "-",
    output: "-",
    encryptionContext: {},
    commitmentPolicy: parseCommitmentPolicy("require-encrypt-require-decrypt"),
    endpoint: "https://127.0.0.1:1",
    discoveryAccounts: [],
    requiredContextKeys: [],
    unsignedOnly: false,
    buffer: false,
  };
  await assert.rejects(
    runDecrypt({ ...options, keyIds: [], discovery: false }),
    new CryptoCliError("decrypt needs wrapping keys: --wrapping-keys key=<key ARN> …, or --wrapping-keys discovery=true (--discovery) for any KMS key the caller may use"),
  );
  await assert.rejects(
    runDecrypt({ ...options, keyIds: ["arn:aws:kms:us-east-1:111122223333:key/k"], discovery: true }),
    new CryptoCliError("decrypt takes either wrapping keys (key=<key ARN>) or discovery, not both"),
  );
});

test("a --wrapping-keys group without keys is refused (its region= or profile= would apply to nothing)", async () => {
  const options = {
    input: "-",
    output: "-",
    keyIds: ["arn:aws:kms:us-east-1:111122223333:key/k"],
    encryptionContext: {},
    commitmentPolicy: parseCommitmentPolicy("require-encrypt-require-decrypt"),
    endpoint: "https://127.0.0.1:1",
  };
  const decryptOptions = { ...options, discovery: false, discoveryAccounts: [], discoveryPartition: "aws", requiredContextKeys: [], unsignedOnly: false, buffer: false };
  await assert.rejects(runEncrypt({ ...options, keyGroups: [{ keyIds: [], region: "eu-west-1" }] }), {
    message: "Each --wrapping-keys group needs at least one key=<key ARN / id / alias>",
  });
  await assert.rejects(runDecrypt({ ...decryptOptions, keyGroups: [{ keyIds: [], profile: "dev" }] }), {
    message: "Each --wrapping-keys group needs at least one key=<key ARN> (or discovery=true)",
  });
});

test("outputPath: a directory output gets the input's name and the aws-encryption-cli's suffixes", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "bulwark-output-path-"));
  try {
    const file = path.join(dir, "existing.bin");
    writeFileSync(file, "x");
    assert.equal(outputPath("in/hello.txt", dir, false), path.join(dir, "hello.txt.encrypted"));
    assert.equal(outputPath("hello.txt.encrypted", dir, true), path.join(dir, "hello.txt.encrypted.decrypted"));
    assert.equal(outputPath("hello.txt", dir, false, ".enc"), path.join(dir, "hello.txt.enc"));
    assert.equal(outputPath("hello.txt", dir, true, ""), path.join(dir, "hello.txt"));
    // Files (existing or not) and stdout are used as given.
    assert.equal(outputPath("hello.txt", file, false), file);
    assert.equal(outputPath("hello.txt", path.join(dir, "new.bin"), false, ".x"), path.join(dir, "new.bin"));
    assert.equal(outputPath("-", "-", true), "-");
    assert.throws(() => outputPath("-", dir, false), /is a directory: with input from stdin/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
