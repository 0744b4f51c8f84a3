/**
 * The example policies of the KMS developer guide, "AWS KMS condition keys", one test per key
 * (or per group of keys that one example combines), each asserting both the request the example
 * allows and the one it refuses, through the production authoriser. The keys are those whose
 * examples condition-keys.test.ts does not already exercise.
 */
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { after, describe, test } from "node:test";
import { wrapKeyMaterialForImport } from "./crypto/index.js";
import { ACCOUNT, createKmsHarness, rejects } from "./testing/harness.js";

type Md = { KeyMetadata: { KeyId: string; Arn: string } };
const DAY = 86_400_000;
const pt = Buffer.from("p");
const policy = (...statements: object[]) => JSON.stringify({ Version: "2012-10-17", Statement: statements });
const rootAll = { Sid: "root", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: "kms:*", Resource: "*" };
const denied = (user: string, action: string) => new RegExp(`^User: ${user.replace(/[/.]/g, "\\$&")} is not authorized to perform: kms:${action} on resource: `);

describe("KMS condition keys: the developer guide's example policies", () => {
  const h = createKmsHarness();
  after(() => h.close());
  let n = 0;
  /** A user without IAM policies: what it may do, its key policy statement says. */
  const user = (policyDoc?: object) => h.user(ACCOUNT, `guide-${++n}`, policyDoc);
  const key = async (statements: object[], input: object = {}) => (await h.call<Md>("CreateKey", { Policy: policy(rootAll, ...statements), ...input })).KeyMetadata;
  const allowTo = (who: { arn: string }, action: string | string[], condition: object) => ({ Effect: "Allow", Principal: { AWS: who.arn }, Action: action, Resource: "*", Condition: condition });

  test("kms:EncryptionContext:<key>: the key name is not case sensitive, the value is as the operator says", async () => {
    const u = await user();
    const k = await key([allowTo(u, "kms:Encrypt", { StringEquals: { "kms:EncryptionContext:Appname": "ExampleApp" } })]);
    await h.call("Encrypt", { KeyId: k.KeyId, Plaintext: pt, EncryptionContext: { AppName: "ExampleApp" } }, u);
    await rejects(h.call("Encrypt", { KeyId: k.KeyId, Plaintext: pt, EncryptionContext: { AppName: "exampleapp" } }, u), "AccessDeniedException", denied(u.arn, "Encrypt"));
  });

  test("kms:EncryptionContext:<key> with a policy variable (${aws:username}) in the value", async () => {
    const u = await user();
    const k = await key([allowTo(u, ["kms:Encrypt", "kms:Decrypt"], { StringEquals: { "kms:EncryptionContext:user": "${aws:username}" } })]);
    const name = u.arn.split("/").pop() as string;
    const blob = (await h.call<{ CiphertextBlob: Uint8Array }>("Encrypt", { KeyId: k.KeyId, Plaintext: pt, EncryptionContext: { user: name } }, u)).CiphertextBlob;
    await h.call("Decrypt", { CiphertextBlob: blob, EncryptionContext: { user: name } }, u);
    await rejects(h.call("Encrypt", { KeyId: k.KeyId, Plaintext: pt, EncryptionContext: { user: "bob" } }, u), "AccessDeniedException", denied(u.arn, "Encrypt"));
  });

  test("kms:EncryptionContextKeys: ForAllValues with a required pair allows only that key; Null false requires an encryption context", async () => {
    const u = await user();
    const k = await key([
      allowTo(u, "kms:GenerateDataKey", { StringEquals: { "kms:EncryptionContext:AppName": "ExampleApp" }, "ForAllValues:StringEquals": { "kms:EncryptionContextKeys": ["AppName"] } }),
      allowTo(u, "kms:Encrypt", { Null: { "kms:EncryptionContextKeys": false } }),
    ]);
    await h.call("GenerateDataKey", { KeyId: k.KeyId, KeySpec: "AES_256", EncryptionContext: { AppName: "ExampleApp" } }, u);
    await rejects(h.call("GenerateDataKey", { KeyId: k.KeyId, KeySpec: "AES_256", EncryptionContext: { AppName: "ExampleApp", Stage: "Test" } }, u), "AccessDeniedException");
    await rejects(h.call("GenerateDataKey", { KeyId: k.KeyId, KeySpec: "AES_256" }, u), "AccessDeniedException");
    await h.call("Encrypt", { KeyId: k.KeyId, Plaintext: pt, EncryptionContext: { any: "thing" } }, u);
    await rejects(h.call("Encrypt", { KeyId: k.KeyId, Plaintext: pt }, u), "AccessDeniedException", denied(u.arn, "Encrypt"));
  });

  test("ReEncrypt: kms:EncryptionContext:<key> is the source context for kms:ReEncryptFrom and the destination context for kms:ReEncryptTo", async () => {
    const u = await user();
    const k = await key([
      allowTo(u, "kms:Encrypt", {}),
      allowTo(u, "kms:ReEncryptFrom", { StringEquals: { "kms:EncryptionContext:src": "1" } }),
      allowTo(u, "kms:ReEncryptTo", { StringEquals: { "kms:EncryptionContext:dst": "2" } }),
    ]);
    const blob = (await h.call<{ CiphertextBlob: Uint8Array }>("Encrypt", { KeyId: k.KeyId, Plaintext: pt, EncryptionContext: { src: "1" } }, u)).CiphertextBlob;
    await h.call("ReEncrypt", { CiphertextBlob: blob, SourceEncryptionContext: { src: "1" }, DestinationKeyId: k.KeyId, DestinationEncryptionContext: { dst: "2" } }, u);
    await rejects(h.call("ReEncrypt", { CiphertextBlob: blob, SourceEncryptionContext: { src: "1" }, DestinationKeyId: k.KeyId, DestinationEncryptionContext: { src: "1" } }, u), "AccessDeniedException", denied(u.arn, "ReEncryptTo"));
  });

  test("kms:RequestAlias: the alias name the request names the key by (alias name or alias ARN), in cryptographic operations, DescribeKey and GetPublicKey", async () => {
    const u = await user();
    const k = await key([allowTo(u, ["kms:GenerateDataKey", "kms:DescribeKey"], { StringEquals: { "kms:RequestAlias": "alias/finance-key" } })]);
    await h.call("CreateAlias", { AliasName: "alias/finance-key", TargetKeyId: k.KeyId });
    await h.call("GenerateDataKey", { KeyId: "alias/finance-key", KeySpec: "AES_256" }, u);
    await h.call("GenerateDataKey", { KeyId: `arn:aws:kms:us-east-1:${ACCOUNT}:alias/finance-key`, KeySpec: "AES_256" }, u);
    await h.call("DescribeKey", { KeyId: "alias/finance-key" }, u);
    // Another identifier of the same key does not satisfy the condition.
    await rejects(h.call("GenerateDataKey", { KeyId: k.KeyId, KeySpec: "AES_256" }, u), "AccessDeniedException", denied(u.arn, "GenerateDataKey"));
    await rejects(h.call("DescribeKey", { KeyId: k.Arn }, u), "AccessDeniedException", denied(u.arn, "DescribeKey"));
    const s = await key([allowTo(u, "kms:GetPublicKey", { StringLike: { "kms:RequestAlias": "alias/*signing*" } })], { KeySpec: "ECC_NIST_P256", KeyUsage: "SIGN_VERIFY" });
    await h.call("CreateAlias", { AliasName: "alias/team-signing", TargetKeyId: s.KeyId });
    await h.call("GetPublicKey", { KeyId: "alias/team-signing" }, u);
    await rejects(h.call("GetPublicKey", { KeyId: s.KeyId }, u), "AccessDeniedException", denied(u.arn, "GetPublicKey"));
  });

  test("kms:ResourceAliases: the key's aliases, whatever identifier the request uses; ForAllValues with ForAnyValue requires at least one alias and only matching ones", async () => {
    const u = await user({
      Version: "2012-10-17",
      Statement: [
        { Sid: "AliasBasedIAMPolicy", Effect: "Allow", Action: "kms:GenerateDataKey", Resource: [`arn:aws:kms:*:${ACCOUNT}:key/*`], Condition: { "ForAnyValue:StringEquals": { "kms:ResourceAliases": "alias/payroll-key" } } },
        {
          Effect: "Allow",
          Action: ["kms:EnableKey", "kms:DisableKey"],
          Resource: `arn:aws:kms:*:${ACCOUNT}:key/*`,
          Condition: { "ForAllValues:StringLike": { "kms:ResourceAliases": ["alias/*Test*"] }, "ForAnyValue:StringLike": { "kms:ResourceAliases": ["alias/*Test*"] } },
        },
      ],
    });
    const k = await key([]);
    await rejects(h.call("GenerateDataKey", { KeyId: k.KeyId, KeySpec: "AES_256" }, u), "AccessDeniedException", denied(u.arn, "GenerateDataKey"));
    await h.call("CreateAlias", { AliasName: "alias/payroll-key", TargetKeyId: k.KeyId });
    await h.call("GenerateDataKey", { KeyId: k.Arn, KeySpec: "AES_256" }, u);
    const t = await key([]);
    // No alias: ForAllValues alone would allow, ForAnyValue does not.
    await rejects(h.call("DisableKey", { KeyId: t.KeyId }, u), "AccessDeniedException", denied(u.arn, "DisableKey"));
    await h.call("CreateAlias", { AliasName: "alias/MyTestKey", TargetKeyId: t.KeyId });
    await h.call("DisableKey", { KeyId: t.KeyId }, u);
    // One alias without "Test": ForAllValues no longer holds.
    await h.call("CreateAlias", { AliasName: "alias/production", TargetKeyId: t.KeyId });
    await rejects(h.call("EnableKey", { KeyId: t.KeyId }, u), "AccessDeniedException", denied(u.arn, "EnableKey"));
  });

  test("CreateGrant: kms:GrantOperations (ForAllValues), kms:GrantConstraintType, kms:GranteePrincipal, kms:RetiringPrincipal, kms:GrantIsForAWSResource", async () => {
    const u = await user();
    const grantee = `arn:aws:iam::${ACCOUNT}:role/LimitedAdminRole`;
    const k = await key([
      allowTo(u, "kms:CreateGrant", {
        "ForAllValues:StringEquals": { "kms:GrantOperations": ["Encrypt", "ReEncryptTo"] },
        StringEquals: {
          "kms:GrantConstraintType": "EncryptionContextEquals",
          "kms:GranteePrincipal": grantee,
          "kms:RetiringPrincipal": [grantee, `arn:aws:iam::${ACCOUNT}:user/OpsAdmin`],
        },
      }),
    ]);
    const ok = { KeyId: k.KeyId, GranteePrincipal: grantee, RetiringPrincipal: grantee, Operations: ["Encrypt", "ReEncryptTo"], Constraints: { EncryptionContextEquals: { Dept: "IT" } } };
    await h.call("CreateGrant", ok, u);
    await rejects(h.call("CreateGrant", { ...ok, Operations: ["Encrypt", "Decrypt"] }, u), "AccessDeniedException", denied(u.arn, "CreateGrant"));
    await rejects(h.call("CreateGrant", { ...ok, Constraints: { EncryptionContextSubset: { Dept: "IT" } } }, u), "AccessDeniedException");
    await rejects(h.call("CreateGrant", { ...ok, Constraints: undefined }, u), "AccessDeniedException");
    await rejects(h.call("CreateGrant", { ...ok, GranteePrincipal: u.arn }, u), "AccessDeniedException");
    await rejects(h.call("CreateGrant", { ...ok, RetiringPrincipal: u.arn }, u), "AccessDeniedException");
    // kms:GrantIsForAWSResource true: only an AWS service calling for the user, never the user directly.
    const v = await user();
    const k2 = await key([allowTo(v, "kms:CreateGrant", { Bool: { "kms:GrantIsForAWSResource": true } })]);
    await rejects(h.call("CreateGrant", { KeyId: k2.KeyId, GranteePrincipal: v.arn, Operations: ["Encrypt"] }, v), "AccessDeniedException", denied(v.arn, "CreateGrant"));
  });

  test("kms:MessageType (RAW when the request omits it), kms:SigningAlgorithm, kms:MacAlgorithm", async () => {
    const u = await user();
    const k = await key([allowTo(u, "kms:Sign", { StringEquals: { "kms:MessageType": "RAW" }, StringLike: { "kms:SigningAlgorithm": "RSASSA_PSS*" } })], { KeySpec: "RSA_2048", KeyUsage: "SIGN_VERIFY" });
    await h.call("Sign", { KeyId: k.KeyId, Message: pt, SigningAlgorithm: "RSASSA_PSS_SHA_256" }, u);
    await rejects(h.call("Sign", { KeyId: k.KeyId, Message: Buffer.alloc(32), MessageType: "DIGEST", SigningAlgorithm: "RSASSA_PSS_SHA_256" }, u), "AccessDeniedException", denied(u.arn, "Sign"));
    await rejects(h.call("Sign", { KeyId: k.KeyId, Message: pt, SigningAlgorithm: "RSASSA_PKCS1_V1_5_SHA_256" }, u), "AccessDeniedException", denied(u.arn, "Sign"));
    const m = await key([allowTo(u, ["kms:GenerateMac", "kms:VerifyMac"], { StringEquals: { "kms:MacAlgorithm": "HMAC_SHA_384" } })], { KeySpec: "HMAC_384", KeyUsage: "GENERATE_VERIFY_MAC" });
    const mac = await h.call<{ Mac: Uint8Array }>("GenerateMac", { KeyId: m.KeyId, Message: pt, MacAlgorithm: "HMAC_SHA_384" }, u);
    await h.call("VerifyMac", { KeyId: m.KeyId, Message: pt, MacAlgorithm: "HMAC_SHA_384", Mac: mac.Mac }, u);
    const m2 = await key([allowTo(u, "kms:GenerateMac", { StringEquals: { "kms:MacAlgorithm": "HMAC_SHA_512" } })], { KeySpec: "HMAC_384", KeyUsage: "GENERATE_VERIFY_MAC" });
    await rejects(h.call("GenerateMac", { KeyId: m2.KeyId, Message: pt, MacAlgorithm: "HMAC_SHA_384" }, u), "AccessDeniedException", denied(u.arn, "GenerateMac"));
  });

  test("kms:KeyAgreementAlgorithm (DeriveSharedSecret) and kms:DataKeyPairSpec (GenerateDataKeyPair*)", async () => {
    const u = await user();
    const peer = generateKeyPairSync("ec", { namedCurve: "prime256v1" }).publicKey.export({ type: "spki", format: "der" });
    const ka = await key([allowTo(u, "kms:DeriveSharedSecret", { StringEquals: { "kms:KeyAgreementAlgorithm": "ECDH" } })], { KeySpec: "ECC_NIST_P256", KeyUsage: "KEY_AGREEMENT" });
    await h.call("DeriveSharedSecret", { KeyId: ka.KeyId, KeyAgreementAlgorithm: "ECDH", PublicKey: peer }, u);
    const kb = await key([{ Effect: "Deny", Principal: { AWS: u.arn }, Action: "kms:DeriveSharedSecret", Resource: "*", Condition: { StringEquals: { "kms:KeyAgreementAlgorithm": "ECDH" } } }, allowTo(u, "kms:DeriveSharedSecret", {})], {
      KeySpec: "ECC_NIST_P256",
      KeyUsage: "KEY_AGREEMENT",
    });
    await rejects(h.call("DeriveSharedSecret", { KeyId: kb.KeyId, KeyAgreementAlgorithm: "ECDH", PublicKey: peer }, u), "AccessDeniedException", denied(u.arn, "DeriveSharedSecret"));
    const k = await key([allowTo(u, ["kms:GenerateDataKeyPair", "kms:GenerateDataKeyPairWithoutPlaintext"], { StringLike: { "kms:DataKeyPairSpec": "RSA*" } })]);
    await h.call("GenerateDataKeyPairWithoutPlaintext", { KeyId: k.KeyId, KeyPairSpec: "RSA_2048" }, u);
    await rejects(h.call("GenerateDataKeyPair", { KeyId: k.KeyId, KeyPairSpec: "ECC_NIST_P256" }, u), "AccessDeniedException", denied(u.arn, "GenerateDataKeyPair"));
  });

  test("kms:WrappingAlgorithm, kms:WrappingKeySpec (GetParametersForImport) and kms:ValidTo in Unix time (numeric or date operators)", async () => {
    const u = await user();
    const limit = h.clock.now() + 10 * DAY;
    const k = await key(
      [
        allowTo(u, "kms:GetParametersForImport", { StringNotEquals: { "kms:WrappingAlgorithm": "RSAES_OAEP_SHA_1" }, StringEquals: { "kms:WrappingKeySpec": "RSA_2048" } }),
        allowTo(u, "kms:ImportKeyMaterial", { NumericLessThanEquals: { "kms:ValidTo": `${limit / 1000}.0` } }),
      ],
      { Origin: "EXTERNAL" },
    );
    await rejects(h.call("GetParametersForImport", { KeyId: k.KeyId, WrappingAlgorithm: "RSAES_OAEP_SHA_1", WrappingKeySpec: "RSA_2048" }, u), "AccessDeniedException", denied(u.arn, "GetParametersForImport"));
    const material = randomBytes(32);
    const wrapped = async (keyId: string) => {
      const p = await h.call<{ ImportToken: Uint8Array; PublicKey: Uint8Array }>("GetParametersForImport", { KeyId: keyId, WrappingAlgorithm: "RSAES_OAEP_SHA_256", WrappingKeySpec: "RSA_2048" }, u);
      return { ImportToken: p.ImportToken, EncryptedKeyMaterial: wrapKeyMaterialForImport({ wrappingPublicDer: Buffer.from(p.PublicKey), wrappingAlgorithm: "RSAES_OAEP_SHA_256", keyMaterial: material }) };
    };
    await rejects(h.call("ImportKeyMaterial", { KeyId: k.KeyId, ...(await wrapped(k.KeyId)), ValidTo: new Date(limit + 1000) }, u), "AccessDeniedException", denied(u.arn, "ImportKeyMaterial"));
    // Material that does not expire has no kms:ValidTo: the numeric condition fails.
    await rejects(h.call("ImportKeyMaterial", { KeyId: k.KeyId, ...(await wrapped(k.KeyId)), ExpirationModel: "KEY_MATERIAL_DOES_NOT_EXPIRE" }, u), "AccessDeniedException");
    await h.call("ImportKeyMaterial", { KeyId: k.KeyId, ...(await wrapped(k.KeyId)), ValidTo: new Date(limit) }, u);
    // The Service Authorization Reference types it Date: a date operator with an ISO 8601 value.
    const d = await key(
      [allowTo(u, "kms:GetParametersForImport", {}), allowTo(u, "kms:ImportKeyMaterial", { DateLessThanEquals: { "kms:ValidTo": new Date(limit).toISOString() } })],
      { Origin: "EXTERNAL" },
    );
    await rejects(h.call("ImportKeyMaterial", { KeyId: d.KeyId, ...(await wrapped(d.KeyId)), ValidTo: new Date(limit + DAY) }, u), "AccessDeniedException");
    await h.call("ImportKeyMaterial", { KeyId: d.KeyId, ...(await wrapped(d.KeyId)), ValidTo: new Date(limit - DAY) }, u);
  });

  test("kms:RotationPeriodInDays (365 when omitted) and kms:ScheduleKeyDeletionPendingWindowInDays (30 when omitted) are numbers", async () => {
    const u = await user();
    const k = await key([
      allowTo(u, "kms:EnableKeyRotation", { NumericLessThanEquals: { "kms:RotationPeriodInDays": "180" } }),
      allowTo(u, "kms:ScheduleKeyDeletion", { NumericGreaterThanEquals: { "kms:ScheduleKeyDeletionPendingWindowInDays": "30" } }),
    ]);
    await rejects(h.call("EnableKeyRotation", { KeyId: k.KeyId }, u), "AccessDeniedException", denied(u.arn, "EnableKeyRotation"));
    await rejects(h.call("EnableKeyRotation", { KeyId: k.KeyId, RotationPeriodInDays: 181 }, u), "AccessDeniedException");
    await h.call("EnableKeyRotation", { KeyId: k.KeyId, RotationPeriodInDays: 180 }, u);
    const y = await key([allowTo(u, "kms:EnableKeyRotation", { NumericEquals: { "kms:RotationPeriodInDays": "365" } })]);
    await h.call("EnableKeyRotation", { KeyId: y.KeyId }, u);
    await rejects(h.call("ScheduleKeyDeletion", { KeyId: k.KeyId, PendingWindowInDays: 7 }, u), "AccessDeniedException", denied(u.arn, "ScheduleKeyDeletion"));
    await h.call("ScheduleKeyDeletion", { KeyId: k.KeyId }, u);
  });

  test("CreateKey in an IAM policy: kms:KeySpec, kms:KeyUsage, kms:KeyOrigin, kms:MultiRegion, kms:CallerAccount of the request (defaults included)", async () => {
    const c = await user({
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Action: "kms:CreateKey",
          Resource: "*",
          Condition: { Bool: { "kms:MultiRegion": false }, StringLike: { "kms:KeySpec": "RSA_*" }, StringEquals: { "kms:CallerAccount": ACCOUNT, "kms:KeyUsage": "ENCRYPT_DECRYPT", "kms:KeyOrigin": "AWS_KMS" } },
        },
      ],
    });
    await h.call("CreateKey", { KeySpec: "RSA_2048", KeyUsage: "ENCRYPT_DECRYPT" }, c);
    await rejects(h.call("CreateKey", { KeySpec: "RSA_2048", KeyUsage: "ENCRYPT_DECRYPT", MultiRegion: true }, c), "AccessDeniedException", denied(c.arn, "CreateKey"));
    await rejects(h.call("CreateKey", { KeySpec: "RSA_2048", KeyUsage: "SIGN_VERIFY" }, c), "AccessDeniedException");
    await rejects(h.call("CreateKey", { KeySpec: "RSA_2048", KeyUsage: "ENCRYPT_DECRYPT", Origin: "EXTERNAL" }, c), "AccessDeniedException");
    // No KeySpec: SYMMETRIC_DEFAULT, which "RSA_*" does not match.
    await rejects(h.call("CreateKey", {}, c), "AccessDeniedException");
  });

  test("multi-Region keys: kms:ReplicaRegion, kms:PrimaryRegion, and kms:MultiRegionKeyType of the key in each Region", async () => {
    const admin = await user();
    const k = await key(
      [
        allowTo(admin, "kms:ReplicateKey", { StringEquals: { "kms:ReplicaRegion": ["eu-west-3", "ap-southeast-2"] } }),
        allowTo(admin, "kms:UpdatePrimaryRegion", { StringEquals: { "kms:PrimaryRegion": ["us-west-2"] } }),
      ],
      { MultiRegion: true },
    );
    await rejects(h.call("ReplicateKey", { KeyId: k.KeyId, ReplicaRegion: "eu-west-1" }, admin), "AccessDeniedException", denied(admin.arn, "ReplicateKey"));
    // The replica's kms:CreateKey is authorised by the caller's IAM policy, which this user does not have.
    await h.call("ReplicateKey", { KeyId: k.KeyId, ReplicaRegion: "eu-west-3" });
    await rejects(h.call("UpdatePrimaryRegion", { KeyId: k.KeyId, PrimaryRegion: "eu-west-3" }, admin), "AccessDeniedException", denied(admin.arn, "UpdatePrimaryRegion"));
    // The guide's IAM example: deletion scheduled and cancelled only on replicas.
    const ops = await user({
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Action: ["kms:ScheduleKeyDeletion", "kms:CancelKeyDeletion"], Resource: `arn:aws:kms:*:${ACCOUNT}:key/*`, Condition: { StringEquals: { "kms:MultiRegionKeyType": "REPLICA" } } }],
    });
    const m = (await h.call<Md>("CreateKey", { MultiRegion: true })).KeyMetadata;
    await h.call("ReplicateKey", { KeyId: m.KeyId, ReplicaRegion: "eu-west-3" });
    await rejects(h.call("ScheduleKeyDeletion", { KeyId: m.KeyId, PendingWindowInDays: 7 }, ops), "AccessDeniedException", denied(ops.arn, "ScheduleKeyDeletion"));
    await h.call("ScheduleKeyDeletion", { KeyId: m.KeyId, PendingWindowInDays: 7 }, ops, "eu-west-3");
    await h.call("CancelKeyDeletion", { KeyId: m.KeyId }, ops, "eu-west-3");
    // A single-Region key has no kms:MultiRegionKeyType.
    const single = (await h.call<Md>("CreateKey", {})).KeyMetadata;
    await rejects(h.call("ScheduleKeyDeletion", { KeyId: single.KeyId, PendingWindowInDays: 7 }, ops), "AccessDeniedException");
  });

  test("operations without a key (ListKeys, ListAliases, GenerateRandom) carry none of the key's or request's KMS keys", async () => {
    const present = (k: string) => ({ Effect: "Deny", Action: "kms:*", Resource: "*", Condition: { Null: { [k]: "false" } } });
    const c = await user({
      Version: "2012-10-17",
      Statement: [
        { Effect: "Allow", Action: "kms:*", Resource: "*" },
        ...["kms:KeySpec", "kms:KeyUsage", "kms:KeyOrigin", "kms:MultiRegion", "kms:ResourceAliases", "kms:RequestAlias", "kms:ViaService", "kms:EncryptionAlgorithm"].map(present),
      ],
    });
    await h.call("ListKeys", {}, c);
    await h.call("ListAliases", {}, c);
    await h.call("GenerateRandom", { NumberOfBytes: 8 }, c);
    // The same statements refuse an operation on a key: the test sees the keys when they are there.
    const k = (await h.call<Md>("CreateKey", {})).KeyMetadata;
    await rejects(h.call("DescribeKey", { KeyId: k.KeyId }, c), "AccessDeniedException", /with an explicit deny in an identity-based policy$/);
  });
});
