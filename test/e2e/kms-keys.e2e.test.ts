/**
 * KMS keys through the real server and @aws-sdk/client-kms, as the AWS KMS API reference
 * specifies them: CreateKey for every key spec (usages, algorithms, public keys), DescribeKey and
 * the identifier forms each operation accepts, ListKeys paging, aliases, tags, descriptions,
 * Enable/Disable, custom key stores (none exist here), DryRun and validation errors.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createPublicKey } from "node:crypto";
import {
  CreateKeyCommand,
  type CreateKeyCommandInput,
  DescribeKeyCommand,
  ListKeysCommand,
  GetPublicKeyCommand,
  CreateAliasCommand,
  UpdateAliasCommand,
  DeleteAliasCommand,
  ListAliasesCommand,
  TagResourceCommand,
  UntagResourceCommand,
  ListResourceTagsCommand,
  UpdateKeyDescriptionCommand,
  DisableKeyCommand,
  EnableKeyCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  GenerateRandomCommand,
  DescribeCustomKeyStoresCommand,
  CreateCustomKeyStoreCommand,
  ConnectCustomKeyStoreCommand,
  DisconnectCustomKeyStoreCommand,
  DeleteCustomKeyStoreCommand,
  UpdateCustomKeyStoreCommand,
  type KeySpec,
  type KeyUsageType,
  type KeyMetadata,
} from "@aws-sdk/client-kms";
import { IAMClient, GetRoleCommand, ListAttachedRolePoliciesCommand, NoSuchEntityException } from "@aws-sdk/client-iam";
import { newUser, startTestServer, type TestServer } from "./harness.js";
import { allow, kmsClient, rejectsWith, utf8 } from "./kms-support.js";
import type { KMSClient } from "@aws-sdk/client-kms";

let s: TestServer;
let kms: KMSClient;
before(async () => {
  s = await startTestServer();
  kms = kmsClient(s);
});
after(async () => {
  await s.destroy();
});

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const keyArn = (id: string, region = "us-east-1") => `arn:aws:kms:${region}:${s.accountId}:key/${id}`;

async function createKey(input: CreateKeyCommandInput = {}): Promise<KeyMetadata> {
  const r = await kms.send(new CreateKeyCommand(input));
  return r.KeyMetadata!;
}

test("CreateKey with defaults returns the documented KeyMetadata of a symmetric encryption key", async () => {
  const startedAt = Date.now();
  const m = await createKey({ Description: "first key" });
  assert.match(m.KeyId!, UUID);
  assert.equal(m.Arn, keyArn(m.KeyId!));
  assert.equal(m.AWSAccountId, s.accountId);
  assert.equal(m.Description, "first key");
  assert.equal(m.Enabled, true);
  assert.equal(m.KeyState, "Enabled");
  assert.equal(m.KeyUsage, "ENCRYPT_DECRYPT");
  assert.equal(m.KeySpec, "SYMMETRIC_DEFAULT");
  assert.equal(m.CustomerMasterKeySpec, "SYMMETRIC_DEFAULT");
  assert.equal(m.Origin, "AWS_KMS");
  assert.equal(m.KeyManager, "CUSTOMER");
  assert.equal(m.MultiRegion, false);
  assert.deepEqual(m.EncryptionAlgorithms, ["SYMMETRIC_DEFAULT"]);
  assert.equal(m.SigningAlgorithms, undefined);
  assert.equal(m.MacAlgorithms, undefined);
  assert.equal(m.DeletionDate, undefined);
  assert.equal(typeof m.CurrentKeyMaterialId, "string");
  assert.ok(m.CurrentKeyMaterialId!.length > 0);
  // CreationDate is whole seconds on the wire (epoch seconds).
  assert.ok(m.CreationDate!.getTime() >= Math.floor(startedAt / 1000) * 1000 - 1000 && m.CreationDate!.getTime() <= Date.now() + 1000);
  const d = await kms.send(new DescribeKeyCommand({ KeyId: m.KeyId }));
  assert.deepEqual(d.KeyMetadata, m);
});

test("DescribeKey accepts key id, key ARN, alias name and alias ARN; unknown ones are NotFoundException", async () => {
  const m = await createKey();
  await kms.send(new CreateAliasCommand({ AliasName: "alias/ident", TargetKeyId: m.Arn }));
  for (const id of [m.KeyId!, m.Arn!, "alias/ident", `arn:aws:kms:us-east-1:${s.accountId}:alias/ident`]) {
    const d = await kms.send(new DescribeKeyCommand({ KeyId: id }));
    assert.equal(d.KeyMetadata?.KeyId, m.KeyId, id);
  }
  const missing = "0b9a2c1e-3f4d-4e5f-8a9b-0c1d2e3f4a5b";
  await rejectsWith(kms.send(new DescribeKeyCommand({ KeyId: missing })), { name: "NotFoundException", message: `Key '${keyArn(missing)}' does not exist` });
  await rejectsWith(kms.send(new DescribeKeyCommand({ KeyId: keyArn(missing) })), { name: "NotFoundException", message: `Key '${keyArn(missing)}' does not exist` });
  await rejectsWith(kms.send(new DescribeKeyCommand({ KeyId: "alias/nope" })), {
    name: "NotFoundException",
    message: `Alias arn:aws:kms:us-east-1:${s.accountId}:alias/nope is not found.`,
  });
  // Operations that take only a key id or key ARN do not resolve aliases.
  await rejectsWith(kms.send(new DisableKeyCommand({ KeyId: "alias/ident" })), "NotFoundException");
  await rejectsWith(kms.send(new UpdateKeyDescriptionCommand({ KeyId: "alias/ident", Description: "x" })), "NotFoundException");
  // Keys are Regional: the same key id is not found through another Region's endpoint.
  await rejectsWith(kmsClient(s, undefined, "eu-west-1").send(new DescribeKeyCommand({ KeyId: m.KeyId })), "NotFoundException");
});

test("ListKeys pages with Limit/Marker and lists every key exactly once", async () => {
  const ids = new Set<string>();
  for (let i = 0; i < 5; i++) ids.add((await createKey()).KeyId!);
  const seen: string[] = [];
  let marker: string | undefined;
  let pages = 0;
  do {
    const page = await kms.send(new ListKeysCommand({ Limit: 2, ...(marker ? { Marker: marker } : {}) }));
    pages++;
    assert.ok(page.Keys!.length <= 2);
    for (const k of page.Keys!) {
      assert.equal(k.KeyArn, keyArn(k.KeyId!));
      seen.push(k.KeyId!);
    }
    assert.equal(page.Truncated, page.NextMarker !== undefined);
    marker = page.NextMarker;
  } while (marker);
  assert.ok(pages >= 3);
  assert.equal(new Set(seen).size, seen.length, "no key twice");
  for (const id of ids) assert.ok(seen.includes(id));
  await rejectsWith(kms.send(new ListKeysCommand({ Limit: 0 })), "ValidationException");
  await rejectsWith(kms.send(new ListKeysCommand({ Limit: 1001 })), "ValidationException");
  // A marker that no listing handed out.
  await rejectsWith(kms.send(new ListKeysCommand({ Marker: "bm90LWEtbWFya2Vy" })), "InvalidMarkerException");
});

const RSA_SIGNING = ["RSASSA_PKCS1_V1_5_SHA_256", "RSASSA_PKCS1_V1_5_SHA_384", "RSASSA_PKCS1_V1_5_SHA_512", "RSASSA_PSS_SHA_256", "RSASSA_PSS_SHA_384", "RSASSA_PSS_SHA_512"];
interface SpecCase {
  spec: KeySpec;
  usage: KeyUsageType;
  enc?: string[];
  sign?: string[];
  mac?: string[];
  agree?: string[];
  encap?: string[];
  /** node:crypto asymmetricKeyType and details of the public key, where node can parse it. */
  pub?: { type: string; bits?: number; curve?: string };
  /** DER SPKI length and algorithm OID bytes for post-quantum keys. */
  pq?: { length: number; oid: string };
}
const SPECS: SpecCase[] = [
  { spec: "SYMMETRIC_DEFAULT", usage: "ENCRYPT_DECRYPT", enc: ["SYMMETRIC_DEFAULT"] },
  { spec: "HMAC_224", usage: "GENERATE_VERIFY_MAC", mac: ["HMAC_SHA_224"] },
  { spec: "HMAC_256", usage: "GENERATE_VERIFY_MAC", mac: ["HMAC_SHA_256"] },
  { spec: "HMAC_384", usage: "GENERATE_VERIFY_MAC", mac: ["HMAC_SHA_384"] },
  { spec: "HMAC_512", usage: "GENERATE_VERIFY_MAC", mac: ["HMAC_SHA_512"] },
  { spec: "RSA_2048", usage: "ENCRYPT_DECRYPT", enc: ["RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256"], pub: { type: "rsa", bits: 2048 } },
  { spec: "RSA_2048", usage: "SIGN_VERIFY", sign: RSA_SIGNING, pub: { type: "rsa", bits: 2048 } },
  { spec: "RSA_3072", usage: "SIGN_VERIFY", sign: RSA_SIGNING, pub: { type: "rsa", bits: 3072 } },
  { spec: "RSA_4096", usage: "ENCRYPT_DECRYPT", enc: ["RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256"], pub: { type: "rsa", bits: 4096 } },
  { spec: "ECC_NIST_P256", usage: "SIGN_VERIFY", sign: ["ECDSA_SHA_256"], pub: { type: "ec", curve: "prime256v1" } },
  { spec: "ECC_NIST_P384", usage: "SIGN_VERIFY", sign: ["ECDSA_SHA_384"], pub: { type: "ec", curve: "secp384r1" } },
  { spec: "ECC_NIST_P521", usage: "SIGN_VERIFY", sign: ["ECDSA_SHA_512"], pub: { type: "ec", curve: "secp521r1" } },
  { spec: "ECC_SECG_P256K1", usage: "SIGN_VERIFY", sign: ["ECDSA_SHA_256"], pub: { type: "ec", curve: "secp256k1" } },
  { spec: "ECC_NIST_P256", usage: "KEY_AGREEMENT", agree: ["ECDH"], pub: { type: "ec", curve: "prime256v1" } },
  { spec: "ECC_NIST_P384", usage: "KEY_AGREEMENT", agree: ["ECDH"], pub: { type: "ec", curve: "secp384r1" } },
  { spec: "ECC_NIST_P521", usage: "KEY_AGREEMENT", agree: ["ECDH"], pub: { type: "ec", curve: "secp521r1" } },
  { spec: "ECC_NIST_EDWARDS25519", usage: "SIGN_VERIFY", sign: ["ED25519_PH_SHA_512", "ED25519_SHA_512"], pub: { type: "ed25519" } },
  // FIPS 204 / 203 public key sizes + a 22-byte SPKI header; OIDs 2.16.840.1.101.3.4.3.{17,18,19} and .4.4.{1,2,3}.
  { spec: "ML_DSA_44", usage: "SIGN_VERIFY", sign: ["ML_DSA_SHAKE_256"], pq: { length: 1312 + 22, oid: "0609608648016503040311" } },
  { spec: "ML_DSA_65", usage: "SIGN_VERIFY", sign: ["ML_DSA_SHAKE_256"], pq: { length: 1952 + 22, oid: "0609608648016503040312" } },
  { spec: "ML_DSA_87", usage: "SIGN_VERIFY", sign: ["ML_DSA_SHAKE_256"], pq: { length: 2592 + 22, oid: "0609608648016503040313" } },
  { spec: "ML_KEM_512", usage: "ENCAPSULATE_DECAPSULATE", encap: ["ML_KEM"], pq: { length: 800 + 22, oid: "0609608648016503040401" } },
  { spec: "ML_KEM_768", usage: "ENCAPSULATE_DECAPSULATE", encap: ["ML_KEM"], pq: { length: 1184 + 22, oid: "0609608648016503040402" } },
  { spec: "ML_KEM_1024", usage: "ENCAPSULATE_DECAPSULATE", encap: ["ML_KEM"], pq: { length: 1568 + 22, oid: "0609608648016503040403" } },
];
const sorted = (a: readonly string[] | undefined) => (a ? [...a].sort() : undefined);

test("every key spec: KeyUsage, algorithms and GetPublicKey as documented", async () => {
  const made = await Promise.all(SPECS.map((c) => createKey({ KeySpec: c.spec, KeyUsage: c.usage })));
  for (const [i, c] of SPECS.entries()) {
    const m = made[i]!;
    const label = `${c.spec}/${c.usage}`;
    assert.equal(m.KeySpec, c.spec, label);
    assert.equal(m.KeyUsage, c.usage, label);
    assert.equal(m.Origin, "AWS_KMS", label);
    assert.deepEqual(sorted(m.EncryptionAlgorithms), sorted(c.enc), label);
    assert.deepEqual(sorted(m.SigningAlgorithms), sorted(c.sign), label);
    assert.deepEqual(sorted(m.MacAlgorithms), sorted(c.mac), label);
    assert.deepEqual(sorted(m.KeyAgreementAlgorithms), sorted(c.agree), label);
    assert.deepEqual(sorted(m.EncapsulationAlgorithms), sorted(c.encap), label);
    if (!c.pub && !c.pq) {
      // Symmetric and HMAC keys have no public key.
      await rejectsWith(kms.send(new GetPublicKeyCommand({ KeyId: m.KeyId })), "UnsupportedOperationException");
      continue;
    }
    const p = await kms.send(new GetPublicKeyCommand({ KeyId: m.KeyId }));
    assert.equal(p.KeyId, m.Arn, label);
    assert.equal(p.KeySpec, c.spec, label);
    assert.equal(p.KeyUsage, c.usage, label);
    assert.deepEqual(sorted(p.EncryptionAlgorithms), sorted(c.enc), label);
    assert.deepEqual(sorted(p.SigningAlgorithms), sorted(c.sign), label);
    assert.deepEqual(sorted(p.KeyAgreementAlgorithms), sorted(c.agree), label);
    const der = Buffer.from(p.PublicKey!);
    if (c.pub) {
      const k = createPublicKey({ key: der, format: "der", type: "spki" });
      assert.equal(k.asymmetricKeyType, c.pub.type, label);
      if (c.pub.bits) assert.equal(k.asymmetricKeyDetails?.modulusLength, c.pub.bits, label);
      if (c.pub.curve) assert.equal(k.asymmetricKeyDetails?.namedCurve, c.pub.curve, label);
      // The exact bytes node re-exports: GetPublicKey is plain DER SubjectPublicKeyInfo.
      assert.deepEqual(k.export({ format: "der", type: "spki" }), der, label);
    } else {
      assert.equal(der.length, c.pq!.length, label);
      assert.ok(der.toString("hex").includes(c.pq!.oid), `${label}: algorithm OID`);
    }
  }
});

test("CreateKey rejects key spec / usage combinations AWS does not offer", async () => {
  await rejectsWith(kms.send(new CreateKeyCommand({ KeySpec: "HMAC_256" })), "ValidationException");
  await rejectsWith(kms.send(new CreateKeyCommand({ KeySpec: "HMAC_256", KeyUsage: "ENCRYPT_DECRYPT" })), "ValidationException");
  await rejectsWith(kms.send(new CreateKeyCommand({ KeySpec: "SYMMETRIC_DEFAULT", KeyUsage: "SIGN_VERIFY" })), "ValidationException");
  await rejectsWith(kms.send(new CreateKeyCommand({ KeySpec: "ECC_NIST_P256", KeyUsage: "ENCRYPT_DECRYPT" })), "ValidationException");
  await rejectsWith(kms.send(new CreateKeyCommand({ KeySpec: "ECC_SECG_P256K1", KeyUsage: "KEY_AGREEMENT" })), "ValidationException");
  await rejectsWith(kms.send(new CreateKeyCommand({ KeySpec: "ML_DSA_65", KeyUsage: "ENCRYPT_DECRYPT" })), "ValidationException");
  await rejectsWith(kms.send(new CreateKeyCommand({ KeySpec: "ML_KEM_768", KeyUsage: "SIGN_VERIFY" })), "ValidationException");
  await rejectsWith(kms.send(new CreateKeyCommand({ KeySpec: "RSA_2048", KeyUsage: "GENERATE_VERIFY_MAC" })), "ValidationException");
  // An enum value the service does not know is a validation error, not a crash.
  await rejectsWith(kms.send(new CreateKeyCommand({ KeySpec: "RSA_1024" as KeySpec, KeyUsage: "SIGN_VERIFY" })), "ValidationException");
  // The deprecated CustomerMasterKeySpec works like KeySpec.
  const m = await createKey({ CustomerMasterKeySpec: "ECC_NIST_P256", KeyUsage: "SIGN_VERIFY" });
  assert.equal(m.KeySpec, "ECC_NIST_P256");
  assert.equal(m.CustomerMasterKeySpec, "ECC_NIST_P256");
});

test("aliases: create, list, update target, delete; names are validated and unique", async () => {
  const a = await createKey();
  const b = await createKey();
  const name = "alias/app-data";
  const aliasArn = `arn:aws:kms:us-east-1:${s.accountId}:alias/app-data`;
  await kms.send(new CreateAliasCommand({ AliasName: name, TargetKeyId: a.KeyId }));
  await rejectsWith(kms.send(new CreateAliasCommand({ AliasName: name, TargetKeyId: b.KeyId })), {
    name: "AlreadyExistsException",
    message: `An alias with the name ${aliasArn} already exists`,
  });
  await rejectsWith(kms.send(new CreateAliasCommand({ AliasName: "app-data-2", TargetKeyId: a.KeyId })), "ValidationException");
  await rejectsWith(kms.send(new CreateAliasCommand({ AliasName: "alias/bad name!", TargetKeyId: a.KeyId })), "ValidationException");
  // ':' fits the member's pattern, but no alias name may hold one.
  await rejectsWith(kms.send(new CreateAliasCommand({ AliasName: "alias/my:alias", TargetKeyId: a.KeyId })), {
    name: "ValidationException",
    message: "alias/my:alias contains invalid characters for an alias",
  });
  await assert.rejects(kms.send(new CreateAliasCommand({ AliasName: "alias/aws/mine", TargetKeyId: a.KeyId })));
  await rejectsWith(kms.send(new CreateAliasCommand({ AliasName: "alias/to-nothing", TargetKeyId: "0b9a2c1e-3f4d-4e5f-8a9b-0c1d2e3f4a5b" })), "NotFoundException");

  const mine = async (keyId?: string) =>
    ((await kms.send(new ListAliasesCommand(keyId ? { KeyId: keyId } : {}))).Aliases ?? []).filter((x) => !x.AliasName!.startsWith("alias/aws/"));
  const listed = (await mine()).find((x) => x.AliasName === name)!;
  assert.equal(listed.AliasArn, aliasArn);
  assert.equal(listed.TargetKeyId, a.KeyId);
  assert.ok(listed.CreationDate instanceof Date);
  assert.deepEqual((await mine(a.KeyId)).map((x) => x.AliasName), [name]);
  assert.deepEqual(await mine(b.KeyId), []);
  assert.equal((await mine()).some((x) => x.AliasName === "alias/aws/mine"), false);

  await kms.send(new UpdateAliasCommand({ AliasName: name, TargetKeyId: b.Arn }));
  assert.equal((await kms.send(new DescribeKeyCommand({ KeyId: name }))).KeyMetadata?.KeyId, b.KeyId);
  assert.deepEqual((await mine(b.KeyId)).map((x) => x.AliasName), [name]);
  await kms.send(new DeleteAliasCommand({ AliasName: name }));
  await rejectsWith(kms.send(new DescribeKeyCommand({ KeyId: name })), "NotFoundException");
  await rejectsWith(kms.send(new DeleteAliasCommand({ AliasName: name })), "NotFoundException");
  // Deleting an alias does not touch the key.
  assert.equal((await kms.send(new DescribeKeyCommand({ KeyId: b.KeyId }))).KeyMetadata?.KeyState, "Enabled");
});

test("tags and descriptions", async () => {
  const m = await createKey({ Tags: [{ TagKey: "team", TagValue: "blue" }] });
  await kms.send(new TagResourceCommand({ KeyId: m.Arn, Tags: [{ TagKey: "env", TagValue: "prod" }, { TagKey: "team", TagValue: "red" }] }));
  const tags = await kms.send(new ListResourceTagsCommand({ KeyId: m.KeyId }));
  assert.deepEqual(
    tags.Tags?.map((t) => `${t.TagKey}=${t.TagValue}`).sort(),
    ["env=prod", "team=red"],
  );
  assert.equal(tags.Truncated, false);
  await kms.send(new UntagResourceCommand({ KeyId: m.KeyId, TagKeys: ["team"] }));
  assert.deepEqual((await kms.send(new ListResourceTagsCommand({ KeyId: m.KeyId }))).Tags, [{ TagKey: "env", TagValue: "prod" }]);
  // The aws: prefix is reserved for AWS.
  await rejectsWith(kms.send(new TagResourceCommand({ KeyId: m.KeyId, Tags: [{ TagKey: "aws:owner", TagValue: "x" }] })), "TagException");
  await kms.send(new UpdateKeyDescriptionCommand({ KeyId: m.KeyId, Description: "rotated description" }));
  assert.equal((await kms.send(new DescribeKeyCommand({ KeyId: m.KeyId }))).KeyMetadata?.Description, "rotated description");
});

test("tags given to CreateKey need kms:TagResource in an IAM policy that covers every key of the account and Region (key/*), not particular keys", async () => {
  const wide = await newUser(s, "tagging-creator", {
    Version: "2012-10-17",
    Statement: [
      { Effect: "Allow", Action: "kms:CreateKey", Resource: "*" },
      { Effect: "Allow", Action: "kms:TagResource", Resource: `arn:aws:kms:us-east-1:${s.accountId}:key/*` },
    ],
  });
  const made = (await kmsClient(s, wide).send(new CreateKeyCommand({ Tags: [{ TagKey: "team", TagValue: "red" }] }))).KeyMetadata!;
  assert.deepEqual((await kms.send(new ListResourceTagsCommand({ KeyId: made.KeyId! }))).Tags, [{ TagKey: "team", TagValue: "red" }]);
  const narrow = await newUser(s, "narrow-creator", {
    Version: "2012-10-17",
    Statement: [
      { Effect: "Allow", Action: "kms:CreateKey", Resource: "*" },
      { Effect: "Allow", Action: "kms:TagResource", Resource: keyArn(made.KeyId!) },
    ],
  });
  const before = (await kms.send(new ListKeysCommand({ Limit: 1000 }))).Keys!.length;
  await rejectsWith(kmsClient(s, narrow).send(new CreateKeyCommand({ Tags: [{ TagKey: "team", TagValue: "blue" }] })), {
    name: "AccessDeniedException",
    message: `User: ${narrow.arn} is not authorized to perform: kms:TagResource on resource: arn:aws:kms:us-east-1:${s.accountId}:key/* because no identity-based policy allows the kms:TagResource action`,
  });
  assert.equal((await kms.send(new ListKeysCommand({ Limit: 1000 }))).Keys!.length, before, "no key was made");
  // Without tags, CreateKey alone is enough.
  assert.match((await kmsClient(s, narrow).send(new CreateKeyCommand({}))).KeyMetadata!.KeyId!, UUID);
});

test("DisableKey / EnableKey: a disabled key refuses cryptographic use with DisabledException", async () => {
  const m = await createKey();
  await kms.send(new DisableKeyCommand({ KeyId: m.KeyId }));
  const d = (await kms.send(new DescribeKeyCommand({ KeyId: m.KeyId }))).KeyMetadata!;
  assert.equal(d.KeyState, "Disabled");
  assert.equal(d.Enabled, false);
  await rejectsWith(kms.send(new EncryptCommand({ KeyId: m.KeyId, Plaintext: utf8("x") })), { name: "DisabledException", message: `${m.Arn} is disabled.` });
  // Disabling twice is allowed (idempotent), as is describing a disabled key.
  await kms.send(new DisableKeyCommand({ KeyId: m.KeyId }));
  await kms.send(new EnableKeyCommand({ KeyId: m.Arn }));
  assert.equal((await kms.send(new DescribeKeyCommand({ KeyId: m.KeyId }))).KeyMetadata?.KeyState, "Enabled");
  await kms.send(new EncryptCommand({ KeyId: m.KeyId, Plaintext: utf8("x") }));
});

test("DryRun: a request that would succeed gets DryRunOperationException (HTTP 400, as KMS sends it) and changes nothing", async () => {
  const m = await createKey();
  await rejectsWith(kms.send(new EncryptCommand({ KeyId: m.KeyId, Plaintext: utf8("secret"), DryRun: true })), { name: "DryRunOperationException", status: 400 });
  // A request that would fail reports its real error, not the dry-run one.
  await kms.send(new DisableKeyCommand({ KeyId: m.KeyId }));
  await rejectsWith(kms.send(new EncryptCommand({ KeyId: m.KeyId, Plaintext: utf8("secret"), DryRun: true })), "DisabledException");
});

test("Integer members sent as fractions are truncated, NaN is a SerializationException: never InternalFailure, never a broken server", async () => {
  const m = await createKey();
  await createKey();
  await createKey();
  const page = await kms.send(new ListKeysCommand({ Limit: 1.5 }));
  assert.equal(page.Keys!.length, 1);
  assert.equal(page.Truncated, true);
  const dk = await kms.send(new GenerateDataKeyCommand({ KeyId: m.KeyId, NumberOfBytes: 32.7 }));
  assert.equal(dk.Plaintext!.length, 32);
  assert.equal((await kms.send(new GenerateRandomCommand({ NumberOfBytes: 8.2 }))).Plaintext!.length, 8);
  await rejectsWith(kms.send(new ListKeysCommand({ Limit: NaN })), { name: "SerializationException", message: "STRING_VALUE can not be converted to an Integer" });
  await rejectsWith(kms.send(new GenerateDataKeyCommand({ KeyId: m.KeyId, NumberOfBytes: NaN })), "SerializationException");
  // Symmetric cryptography of every caller still works afterwards.
  assert.ok((await kms.send(new EncryptCommand({ KeyId: m.KeyId, Plaintext: utf8("after") }))).CiphertextBlob!.length > 0);
  assert.equal((await kms.send(new GenerateDataKeyCommand({ KeyId: m.KeyId, KeySpec: "AES_256" }))).Plaintext!.length, 32);
  await rejectsWith(kms.send(new GenerateDataKeyCommand({ KeyId: m.KeyId, NumberOfBytes: 0.5 })), {
    name: "ValidationException",
    message: "1 validation error detected: Value '0' at 'numberOfBytes' failed to satisfy constraint: Member must have value greater than or equal to 1",
  });
});

test("custom key stores: none exist, and unknown ones are CustomKeyStoreNotFoundException", async () => {
  const d = await kms.send(new DescribeCustomKeyStoresCommand({}));
  assert.deepEqual(d.CustomKeyStores, []);
  const id = "cks-1234567890abcdef0";
  await rejectsWith(kms.send(new DescribeCustomKeyStoresCommand({ CustomKeyStoreId: id })), "CustomKeyStoreNotFoundException");
  await rejectsWith(kms.send(new ConnectCustomKeyStoreCommand({ CustomKeyStoreId: id })), "CustomKeyStoreNotFoundException");
  await rejectsWith(kms.send(new DisconnectCustomKeyStoreCommand({ CustomKeyStoreId: id })), "CustomKeyStoreNotFoundException");
  await rejectsWith(kms.send(new UpdateCustomKeyStoreCommand({ CustomKeyStoreId: id, NewCustomKeyStoreName: "x" })), "CustomKeyStoreNotFoundException");
  await rejectsWith(kms.send(new DeleteCustomKeyStoreCommand({ CustomKeyStoreId: id })), "CustomKeyStoreNotFoundException");
  await rejectsWith(kms.send(new CreateKeyCommand({ CustomKeyStoreId: id, Origin: "AWS_CLOUDHSM" })), "CustomKeyStoreNotFoundException");
  // There is no CloudHSM here: any cluster id is not found.
  await rejectsWith(
    kms.send(new CreateCustomKeyStoreCommand({ CustomKeyStoreName: "hsm", CloudHsmClusterId: "cluster-2a23b4cdefg", TrustAnchorCertificate: "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----", KeyStorePassword: "kmsPswd1" })),
    "CloudHsmClusterNotFoundException",
  );
});

test("the first multi-Region key creates KMS's service-linked role for them, as the caller (iam:CreateServiceLinkedRole needed while it is missing)", async () => {
  const iam = new IAMClient(s.clientConfig());
  const ROLE = "AWSServiceRoleForKeyManagementServiceMultiRegionKeys";
  const roleArn = `arn:aws:iam::${s.accountId}:role/aws-service-role/mrk.kms.amazonaws.com/${ROLE}`;
  await assert.rejects(iam.send(new GetRoleCommand({ RoleName: ROLE })), (e: unknown) => e instanceof NoSuchEntityException);

  const kmsOnly = kmsClient(s, await newUser(s, "kms-only", allow("kms:*")));
  // Single-Region keys need no role.
  await kmsOnly.send(new CreateKeyCommand({}));
  await assert.rejects(iam.send(new GetRoleCommand({ RoleName: ROLE })), (e: unknown) => e instanceof NoSuchEntityException);
  const before = (await kms.send(new ListKeysCommand({ Limit: 1000 }))).Keys!.length;
  await rejectsWith(kmsOnly.send(new CreateKeyCommand({ MultiRegion: true })), {
    name: "AccessDeniedException",
    message: new RegExp(`not authorized to perform: iam:CreateServiceLinkedRole on resource: ${roleArn.replace(/[.]/g, "\\.")}`),
  });
  assert.equal((await kms.send(new ListKeysCommand({ Limit: 1000 }))).Keys!.length, before);

  const primary = await createKey({ MultiRegion: true });
  assert.equal(primary.MultiRegionConfiguration?.MultiRegionKeyType, "PRIMARY");
  const role = (await iam.send(new GetRoleCommand({ RoleName: ROLE }))).Role!;
  assert.deepEqual([role.Path, role.Arn], ["/aws-service-role/mrk.kms.amazonaws.com/", roleArn]);
  assert.deepEqual(JSON.parse(decodeURIComponent(role.AssumeRolePolicyDocument!)).Statement, [
    { Effect: "Allow", Principal: { Service: "mrk.kms.amazonaws.com" }, Action: "sts:AssumeRole" },
  ]);
  assert.deepEqual((await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: ROLE }))).AttachedPolicies, [
    {
      PolicyName: "AWSKeyManagementServiceMultiRegionKeysServiceRolePolicy",
      PolicyArn: "arn:aws:iam::aws:policy/aws-service-role/AWSKeyManagementServiceMultiRegionKeysServiceRolePolicy",
    },
  ]);
  // Once it exists, KMS permissions suffice, and the role is not created again.
  await kmsOnly.send(new CreateKeyCommand({ MultiRegion: true }));
  assert.equal((await iam.send(new GetRoleCommand({ RoleName: ROLE }))).Role!.RoleId, role.RoleId);
});
