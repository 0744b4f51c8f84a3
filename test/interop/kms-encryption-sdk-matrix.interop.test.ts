/**
 * The AWS Encryption SDK for JavaScript against Bulwark's KMS, across what the SDK offers: every
 * algorithm suite under every commitment policy that allows it (data keys of 16, 24 and 32 bytes,
 * v1 and v2 messages, ECDSA P-256 / P-384 signatures), frame lengths from 1 byte to 1 MiB with
 * empty bodies and exact frame multiples, streaming, non-ASCII encryption context; and the keyring
 * cases the Encryption SDK's documentation describes: a multi-key decrypt keyring whose first keys
 * are disabled or denied by key policy, discovery filters (account and partition), a key in
 * another account reached through its key policy or a grant, alias names and ARNs as generator.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import { buildClient, CommitmentPolicy, KmsKeyringNode, getClient, AlgorithmSuiteIdentifier, type KmsNodeClientSupplier } from "@aws-crypto/client-node";
import { KMS, CreateAliasCommand, CreateGrantCommand, CreateKeyCommand, DisableKeyCommand, PutKeyPolicyCommand, type KeyMetadata } from "@aws-sdk/client-kms";
import { startTestServer, type TestServer } from "../e2e/harness.js";
import { kmsClient, memberAccount } from "../e2e/kms-support.js";

let s: TestServer;
let key: KeyMetadata;
let clientProvider: KmsNodeClientSupplier;

before(async () => {
  s = await startTestServer();
  key = (await kmsClient(s).send(new CreateKeyCommand({}))).KeyMetadata!;
  const { region: _r, ...config } = s.clientConfig();
  clientProvider = getClient(KMS, config);
});
after(async () => {
  await s.destroy();
});

const context = { tenant: "acme", "ключ": "значение", "日本語": "値 with spaces", "emoji🔑": "🔒" };
const suites = Object.entries(AlgorithmSuiteIdentifier).filter((e): e is [string, AlgorithmSuiteIdentifier] => typeof e[1] === "number");
const policies = [CommitmentPolicy.FORBID_ENCRYPT_ALLOW_DECRYPT, CommitmentPolicy.REQUIRE_ENCRYPT_ALLOW_DECRYPT, CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT];

async function collect(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

test("every suite × commitment policy × frame length: encrypt allowed only where the policy allows, decrypt (whole and streamed) likewise", async () => {
  assert.equal(suites.length, 11);
  const keyring = new KmsKeyringNode({ clientProvider, generatorKeyId: key.Arn });
  for (const [name, suiteId] of suites) {
    const committing = name.includes("COMMIT_KEY");
    const signed = name.includes("ECDSA");
    for (const encryptPolicy of policies) {
      const encryptAllowed = (encryptPolicy === CommitmentPolicy.FORBID_ENCRYPT_ALLOW_DECRYPT) !== committing;
      const enc = buildClient(encryptPolicy);
      if (!encryptAllowed) {
        await assert.rejects(enc.encrypt(keyring, Buffer.from("x"), { suiteId }), /Configuration conflict/, `${name} under ${encryptPolicy}`);
        continue;
      }
      for (const [frameLength, size] of [
        [1, 0],
        [1, 3],
        [4096, 0],
        [4096, 4096],
        [4096, 10_000],
        [1 << 20, (1 << 20) + 5],
      ] as const) {
        const plaintext = randomBytes(size);
        const { result, messageHeader } = await enc.encrypt(keyring, plaintext, { suiteId, frameLength, encryptionContext: context });
        assert.equal(messageHeader.suiteId, suiteId);
        assert.equal(messageHeader.version, committing ? 2 : 1);
        assert.equal(messageHeader.encryptedDataKeys[0]!.providerInfo, key.Arn);
        for (const decryptPolicy of policies) {
          const dec = buildClient(decryptPolicy);
          const label = `${name} frame ${frameLength} size ${size} decrypt under ${decryptPolicy}`;
          if (decryptPolicy === CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT && !committing) {
            await assert.rejects(dec.decrypt(keyring, result), /Configuration conflict/, label);
            continue;
          }
          const d = await dec.decrypt(keyring, result);
          assert.deepEqual(d.plaintext, plaintext, label);
          for (const [k, v] of Object.entries(context)) assert.equal(d.messageHeader.encryptionContext[k], v, label);
          const stream = signed ? dec.decryptStream(keyring) : dec.decryptUnsignedMessageStream(keyring);
          assert.deepEqual(await collect(Readable.from([result]).pipe(stream)), plaintext, `${label} (stream)`);
        }
      }
    }
  }
});

test("encryptStream of a multi-MiB input in uneven chunks decrypts whole", async () => {
  const keyring = new KmsKeyringNode({ clientProvider, generatorKeyId: key.Arn });
  const client = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);
  const plaintext = randomBytes(3 * 1024 * 1024 + 13);
  for (const suiteId of [AlgorithmSuiteIdentifier.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY, AlgorithmSuiteIdentifier.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY_ECDSA_P384]) {
    const ciphertext = await collect(Readable.from([plaintext.subarray(0, 1000), plaintext.subarray(1000, 70_001), plaintext.subarray(70_001)]).pipe(client.encryptStream(keyring, { suiteId, frameLength: 65_536, encryptionContext: context })));
    assert.deepEqual((await client.decrypt(keyring, ciphertext)).plaintext, plaintext);
  }
});

test("decrypt keyring over several keys: a disabled key and one whose key policy denies Decrypt are passed over for the next", async () => {
  const kms = kmsClient(s);
  const [k1, k2, k3] = await Promise.all([0, 1, 2].map(async () => (await kms.send(new CreateKeyCommand({}))).KeyMetadata!)) as [KeyMetadata, KeyMetadata, KeyMetadata];
  const client = buildClient({ commitmentPolicy: CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT, maxEncryptedDataKeys: 3 });
  const { result } = await client.encrypt(new KmsKeyringNode({ clientProvider, generatorKeyId: k1.Arn, keyIds: [k2.Arn!, k3.Arn!] }), Buffer.from("three keys"), { encryptionContext: context });
  await kms.send(new DisableKeyCommand({ KeyId: k1.KeyId }));
  const policy = {
    Version: "2012-10-17",
    Statement: [
      { Sid: "Enable IAM policies", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${s.accountId}:root` }, Action: "kms:*", Resource: "*" },
      { Sid: "No decrypt", Effect: "Deny", Principal: { AWS: "*" }, Action: "kms:Decrypt", Resource: "*" },
    ],
  };
  await kms.send(new PutKeyPolicyCommand({ KeyId: k2.KeyId, PolicyName: "default", Policy: JSON.stringify(policy) }));
  const all = new KmsKeyringNode({ clientProvider, keyIds: [k1.Arn!, k2.Arn!, k3.Arn!] });
  assert.equal((await client.decrypt(all, result)).plaintext.toString(), "three keys");
  assert.equal((await client.decrypt(new KmsKeyringNode({ clientProvider, discovery: true }), result)).plaintext.toString(), "three keys");
  await assert.rejects(client.decrypt(new KmsKeyringNode({ clientProvider, keyIds: [k1.Arn!, k2.Arn!] }), result), /DisabledException[\s\S]*AccessDeniedException|AccessDeniedException[\s\S]*DisabledException/);
  // More data keys than the client allows.
  await assert.rejects(buildClient({ commitmentPolicy: CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT, maxEncryptedDataKeys: 2 }).decrypt(all, result), /maxEncryptedDataKeys exceeded/);
});

test("aliases as generator (name and ARN): the data key is recorded under the key ARN KMS answers with", async () => {
  const kms = kmsClient(s);
  const target = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!;
  await kms.send(new CreateAliasCommand({ AliasName: "alias/esdk-generator", TargetKeyId: target.KeyId }));
  const client = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);
  for (const generatorKeyId of ["alias/esdk-generator", `arn:aws:kms:us-east-1:${s.accountId}:alias/esdk-generator`, target.KeyId!]) {
    const { result, messageHeader } = await client.encrypt(new KmsKeyringNode({ clientProvider: getClient(KMS, s.clientConfig()), generatorKeyId }), Buffer.from("alias"));
    assert.deepEqual(messageHeader.encryptedDataKeys.map((k) => k.providerInfo), [target.Arn], generatorKeyId);
    assert.equal((await client.decrypt(new KmsKeyringNode({ clientProvider, keyIds: [target.Arn!] }), result)).plaintext.toString(), "alias");
  }
});

test("a key in another account, through its key policy or a grant; discovery filters by account and partition", async () => {
  const member = await memberAccount(s, "EsdkKeys");
  const other = kmsClient(s, member.admin);
  const byPolicy = (
    await other.send(
      new CreateKeyCommand({
        Policy: JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            { Effect: "Allow", Principal: { AWS: `arn:aws:iam::${member.accountId}:root` }, Action: "kms:*", Resource: "*" },
            { Effect: "Allow", Principal: { AWS: `arn:aws:iam::${s.accountId}:root` }, Action: ["kms:GenerateDataKey", "kms:Decrypt"], Resource: "*" },
          ],
        }),
      }),
    )
  ).KeyMetadata!;
  const byGrant = (await other.send(new CreateKeyCommand({}))).KeyMetadata!;
  const grant = await other.send(new CreateGrantCommand({ KeyId: byGrant.KeyId, GranteePrincipal: `arn:aws:iam::${s.accountId}:user/admin`, Operations: ["GenerateDataKey", "Decrypt"] }));
  const client = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);
  for (const [k, grantTokens] of [
    [byPolicy, []],
    [byGrant, [grant.GrantToken!]],
  ] as const) {
    const { result, messageHeader } = await client.encrypt(new KmsKeyringNode({ clientProvider, generatorKeyId: k.Arn, grantTokens: [...grantTokens] }), Buffer.from("cross-account"), { encryptionContext: context });
    assert.deepEqual(messageHeader.encryptedDataKeys.map((e) => e.providerInfo), [k.Arn]);
    assert.equal((await client.decrypt(new KmsKeyringNode({ clientProvider, keyIds: [k.Arn!], grantTokens: [...grantTokens] }), result)).plaintext.toString(), "cross-account");
    const filtered = (accountIDs: string[], partition: string) => new KmsKeyringNode({ clientProvider, discovery: true, discoveryFilter: { accountIDs, partition } });
    assert.equal((await client.decrypt(filtered([member.accountId], "aws"), result)).plaintext.toString(), "cross-account");
    await assert.rejects(client.decrypt(filtered([s.accountId], "aws"), result));
    await assert.rejects(client.decrypt(filtered([member.accountId], "aws-cn"), result));
  }
});
