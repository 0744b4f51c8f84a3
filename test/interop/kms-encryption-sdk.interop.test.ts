/**
 * The AWS Encryption SDK for JavaScript (@aws-crypto/client-node) against Bulwark's KMS: its
 * KMS keyring generates, encrypts and decrypts data keys through the real server (single key,
 * a keyring over two keys decrypted with only the second, discovery with and without an account
 * filter), with the encryption context bound to every data key, and its multi-Region-key-aware
 * keyrings decrypting in a replica's Region what was encrypted under the primary.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import {
  buildClient,
  CommitmentPolicy,
  KmsKeyringNode,
  getClient,
  AlgorithmSuiteIdentifier,
  buildAwsKmsMrkAwareStrictMultiKeyringNode,
  buildAwsKmsMrkAwareDiscoveryMultiKeyringNode,
  type KmsNodeClientSupplier,
} from "@aws-crypto/client-node";
import { KMS, CreateKeyCommand, DecryptCommand, DisableKeyCommand, ReplicateKeyCommand, type KeyMetadata } from "@aws-sdk/client-kms";
import { startTestServer, type TestServer } from "../e2e/harness.js";
import { kmsClient, rejectsWith } from "../e2e/kms-support.js";

let s: TestServer;
let k1: KeyMetadata;
let k2: KeyMetadata;
let k3: KeyMetadata;
/** The Encryption SDK wants the aggregated `KMS` client (encrypt/decrypt/generateDataKey methods). */
let clientProvider: KmsNodeClientSupplier;
const { encrypt, decrypt } = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);

before(async () => {
  s = await startTestServer();
  const kms = kmsClient(s);
  [k1, k2, k3] = await Promise.all([0, 1, 2].map(async () => (await kms.send(new CreateKeyCommand({}))).KeyMetadata!)) as [KeyMetadata, KeyMetadata, KeyMetadata];
  const { region: _r, ...config } = s.clientConfig();
  clientProvider = getClient(KMS, config);
});
after(async () => {
  await s.destroy();
});

const context = { tenant: "acme", purpose: "interop" };

test("single KMS key: encrypt and decrypt; the header carries the context and one data key under the key ARN", async () => {
  const keyring = new KmsKeyringNode({ clientProvider, generatorKeyId: k1.Arn });
  const plaintext = randomBytes(100_000);
  for (const suiteId of [undefined, AlgorithmSuiteIdentifier.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY]) {
    const { result, messageHeader } = await encrypt(keyring, plaintext, { encryptionContext: context, ...(suiteId ? { suiteId } : {}) });
    assert.equal(messageHeader.encryptedDataKeys.length, 1);
    assert.equal(messageHeader.encryptedDataKeys[0]!.providerId, "aws-kms");
    assert.equal(messageHeader.encryptedDataKeys[0]!.providerInfo, k1.Arn);
    const d = await decrypt(keyring, result);
    assert.deepEqual(d.plaintext, plaintext);
    assert.equal(d.messageHeader.encryptionContext.tenant, "acme");
    assert.equal(d.messageHeader.encryptionContext.purpose, "interop");
  }
});

test("a keyring over two keys: one data key per KMS key; decrypting with only the second key works", async () => {
  const both = new KmsKeyringNode({ clientProvider, generatorKeyId: k1.Arn, keyIds: [k2.Arn!] });
  const plaintext = Buffer.from("two keys, either decrypts");
  const { result, messageHeader } = await encrypt(both, plaintext, { encryptionContext: context });
  assert.deepEqual(messageHeader.encryptedDataKeys.map((e) => e.providerInfo), [k1.Arn, k2.Arn]);
  // Disable the generator key: only the second key can still unwrap the data key.
  await kmsClient(s).send(new DisableKeyCommand({ KeyId: k1.KeyId }));
  const onlySecond = new KmsKeyringNode({ clientProvider, keyIds: [k2.Arn!] });
  assert.deepEqual((await decrypt(onlySecond, result)).plaintext, plaintext);
  // A keyring whose key wrapped none of the data keys cannot decrypt.
  await assert.rejects(decrypt(new KmsKeyringNode({ clientProvider, keyIds: [k3.Arn!] }), result));
  // Nor with more data keys than allowed.
  const strict = buildClient({ commitmentPolicy: CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT, maxEncryptedDataKeys: 1 });
  await assert.rejects(strict.decrypt(onlySecond, result), /maxEncryptedDataKeys|encrypted data keys/i);
});

test("discovery keyring: decrypts with whatever key wrapped the data key; the discovery filter limits accounts", async () => {
  const { result } = await encrypt(new KmsKeyringNode({ clientProvider, generatorKeyId: k2.Arn }), Buffer.from("discover me"), { encryptionContext: context });
  const any = new KmsKeyringNode({ clientProvider, discovery: true });
  assert.equal((await decrypt(any, result)).plaintext.toString(), "discover me");
  const mine = new KmsKeyringNode({ clientProvider, discovery: true, discoveryFilter: { accountIDs: [s.accountId], partition: "aws" } });
  assert.equal((await decrypt(mine, result)).plaintext.toString(), "discover me");
  const others = new KmsKeyringNode({ clientProvider, discovery: true, discoveryFilter: { accountIDs: ["111122223333"], partition: "aws" } });
  await assert.rejects(decrypt(others, result));
});

test("each encrypted data key is a KMS ciphertext bound to the message's encryption context", async () => {
  const { result, messageHeader } = await encrypt(new KmsKeyringNode({ clientProvider, generatorKeyId: k3.Arn }), Buffer.from("bound"), { encryptionContext: context });
  const edk = messageHeader.encryptedDataKeys[0]!;
  const kms = kmsClient(s);
  // The full header context (the SDK adds aws-crypto-public-key for signed suites) decrypts it.
  const d = await kms.send(new DecryptCommand({ CiphertextBlob: edk.encryptedDataKey, EncryptionContext: messageHeader.encryptionContext, KeyId: k3.Arn }));
  assert.equal(d.Plaintext!.length, 32);
  assert.equal(d.KeyId, k3.Arn);
  await rejectsWith(kms.send(new DecryptCommand({ CiphertextBlob: edk.encryptedDataKey, EncryptionContext: context })), "InvalidCiphertextException");
  // A changed message does not decrypt.
  const tampered = Buffer.from(result);
  tampered[tampered.length - 200] = tampered[tampered.length - 200]! ^ 0x01;
  await assert.rejects(decrypt(new KmsKeyringNode({ clientProvider, keyIds: [k3.Arn!] }), tampered));
});

test("multi-Region keys: the MRK-aware keyrings decrypt in the replica's Region what the primary encrypted", async () => {
  const kms = kmsClient(s);
  const primary = (await kms.send(new CreateKeyCommand({ MultiRegion: true }))).KeyMetadata!;
  const replica = (await kms.send(new ReplicateKeyCommand({ KeyId: primary.Arn, ReplicaRegion: "eu-west-1" }))).ReplicaKeyMetadata!;
  assert.match(primary.KeyId!, /^mrk-[0-9a-f]{32}$/);
  assert.equal(replica.Arn, primary.Arn!.replace(`:${primary.Arn!.split(":")[3]}:`, ":eu-west-1:"));
  const { result, messageHeader } = await encrypt(buildAwsKmsMrkAwareStrictMultiKeyringNode({ generatorKeyId: primary.Arn!, clientProvider }), Buffer.from("one key, two Regions"), {
    encryptionContext: context,
  });
  assert.deepEqual(messageHeader.encryptedDataKeys.map((k) => k.providerInfo), [primary.Arn]);
  // Strict keyring naming only the replica: the SDK sends Decrypt to the replica's Region.
  const strict = await decrypt(buildAwsKmsMrkAwareStrictMultiKeyringNode({ keyIds: [replica.Arn!], clientProvider }), result);
  assert.equal(strict.plaintext.toString(), "one key, two Regions");
  // Discovery in the replica's Region, limited to this account.
  const discovery = buildAwsKmsMrkAwareDiscoveryMultiKeyringNode({ regions: ["eu-west-1"], clientProvider, discoveryFilter: { accountIDs: [s.accountId], partition: "aws" } });
  assert.equal((await decrypt(discovery, result)).plaintext.toString(), "one key, two Regions");
  // A Region holding no replica of the key cannot decrypt it.
  const nowhere = buildAwsKmsMrkAwareDiscoveryMultiKeyringNode({ regions: ["ap-south-1"], clientProvider, discoveryFilter: { accountIDs: [s.accountId], partition: "aws" } });
  await assert.rejects(decrypt(nowhere, result));
});
