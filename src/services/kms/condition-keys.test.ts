/**
 * KMS condition keys as the KMS developer guide ("AWS KMS condition keys") documents them, each
 * with the guide's own example statements, and the grant rules of the API reference (CreateGrant,
 * ListRetirableGrants), through the production authoriser.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, describe, test } from "node:test";
import type { Principal } from "../../core/types.js";
import { wrapKeyMaterialForImport } from "./crypto/index.js";
import { ACCOUNT, ALLOW_KMS, createKmsHarness, OTHER, rejects } from "./testing/harness.js";

type Md = { KeyMetadata: { KeyId: string; Arn: string } };
type Grants = { Grants: Array<Record<string, unknown>> };
const pt = Buffer.from("p");
const DAY = 86_400_000;

const policy = (...statements: object[]) => JSON.stringify({ Version: "2012-10-17", Statement: statements });
const rootAll = { Sid: "root", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: "kms:*", Resource: "*" };
const deny = (who: Principal, action: string | string[], condition: object) => ({ Effect: "Deny", Principal: { AWS: who.arn }, Action: action, Resource: "*", Condition: condition });

describe("KMS condition keys and grant rules", () => {
  const h = createKmsHarness();
  after(() => h.close());
  let n = 0;
  const user = () => h.user(ACCOUNT, `ck-${++n}`, ALLOW_KMS);
  const key = async (statements: object[], input: object = {}) => (await h.call<Md>("CreateKey", { Policy: policy(rootAll, ...statements), ...input })).KeyMetadata;

  test("kms:EncryptionAlgorithm: the operations that make data keys use SYMMETRIC_DEFAULT, so 'deny unless SYMMETRIC_DEFAULT' leaves them allowed", async () => {
    const u = await user();
    const k = await key([deny(u, ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*"], { StringNotEquals: { "kms:EncryptionAlgorithm": "SYMMETRIC_DEFAULT" } })]);
    await h.call("Encrypt", { KeyId: k.KeyId, Plaintext: pt }, u);
    await h.call("GenerateDataKey", { KeyId: k.KeyId, KeySpec: "AES_256" }, u);
    await h.call("GenerateDataKeyWithoutPlaintext", { KeyId: k.KeyId, KeySpec: "AES_256" }, u);
    await h.call("GenerateDataKeyPair", { KeyId: k.KeyId, KeyPairSpec: "ECC_NIST_P256" }, u);
    // And a Deny of SYMMETRIC_DEFAULT reaches them.
    const v = await user();
    const k2 = await key([deny(v, "kms:GenerateDataKey*", { StringEquals: { "kms:EncryptionAlgorithm": "SYMMETRIC_DEFAULT" } })]);
    await rejects(h.call("GenerateDataKey", { KeyId: k2.KeyId, KeySpec: "AES_256" }, v), "AccessDeniedException");
    await rejects(h.call("GenerateDataKeyPairWithoutPlaintext", { KeyId: k2.KeyId, KeyPairSpec: "RSA_2048" }, v), "AccessDeniedException");
  });

  test("aws:ViaAWSService: false for the caller's own request, true when a service calls KMS on the caller's behalf", async () => {
    const u = await user();
    const k = await key([deny(u, "kms:Encrypt", { Bool: { "aws:ViaAWSService": "false" } })]);
    await rejects(h.call("Encrypt", { KeyId: k.KeyId, Plaintext: pt }, u), "AccessDeniedException");
    const e = await h.kms.api.encryptFor(h.ctx(u), "ssm", { KeyId: k.KeyId, Plaintext: pt });
    assert.equal(e.KeyId, k.Arn);
  });

  test("the deprecated kms:CustomerMasterKeySpec and kms:CustomerMasterKeyUsage work as kms:KeySpec and kms:KeyUsage", async () => {
    const u = await user();
    const bySpec = await key([deny(u, "kms:Encrypt", { StringEquals: { "kms:CustomerMasterKeySpec": "SYMMETRIC_DEFAULT" } })]);
    await rejects(h.call("Encrypt", { KeyId: bySpec.KeyId, Plaintext: pt }, u), "AccessDeniedException");
    const byUsage = await key([deny(u, "kms:Encrypt", { StringEquals: { "kms:CustomerMasterKeyUsage": "ENCRYPT_DECRYPT" } })]);
    await rejects(h.call("Encrypt", { KeyId: byUsage.KeyId, Plaintext: pt }, u), "AccessDeniedException");
    const other = await key([deny(u, "kms:Encrypt", { StringEquals: { "kms:CustomerMasterKeySpec": "RSA_2048" } })]);
    await h.call("Encrypt", { KeyId: other.KeyId, Plaintext: pt }, u);
    const creator = await h.user(ACCOUNT, "ck-creator", {
      Version: "2012-10-17",
      Statement: [
        { Effect: "Allow", Action: "kms:*", Resource: "*" },
        { Effect: "Deny", Action: "kms:CreateKey", Resource: "*", Condition: { StringEquals: { "kms:CustomerMasterKeySpec": "RSA_2048" } } },
      ],
    });
    await rejects(h.call("CreateKey", { KeySpec: "RSA_2048", KeyUsage: "SIGN_VERIFY" }, creator), "AccessDeniedException");
    await h.call("CreateKey", {}, creator);
  });

  test("kms:ReEncryptOnSameKey: whether the destination is the source key, in both of ReEncrypt's authorisations", async () => {
    const u = await user();
    const sameOnly = deny(u, "kms:ReEncrypt*", { Bool: { "kms:ReEncryptOnSameKey": "false" } });
    const k1 = await key([sameOnly]);
    const k2 = await key([sameOnly]);
    const blob = (await h.call<{ CiphertextBlob: Uint8Array }>("Encrypt", { KeyId: k1.KeyId, Plaintext: pt }, u)).CiphertextBlob;
    await rejects(h.call("ReEncrypt", { CiphertextBlob: blob, DestinationKeyId: k2.KeyId }, u), "AccessDeniedException");
    // The same key, named by ARN: allowed.
    const r = await h.call<{ KeyId: string }>("ReEncrypt", { CiphertextBlob: blob, DestinationKeyId: k1.Arn }, u);
    assert.equal(r.KeyId, k1.Arn);
    // The guide's Allow form: only with the key allowing it and the caller's IAM policy silent.
    const w = await h.user(ACCOUNT, "ck-reencrypt", { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: ["kms:Encrypt"], Resource: "*" }] });
    const allowSame = { Effect: "Allow", Principal: { AWS: w.arn }, Action: "kms:ReEncrypt*", Resource: "*", Condition: { Bool: { "kms:ReEncryptOnSameKey": "true" } } };
    const k3 = await key([allowSame]);
    const k4 = await key([allowSame]);
    const b3 = (await h.call<{ CiphertextBlob: Uint8Array }>("Encrypt", { KeyId: k3.KeyId, Plaintext: pt }, w)).CiphertextBlob;
    await h.call("ReEncrypt", { CiphertextBlob: b3, DestinationKeyId: k3.KeyId }, w);
    await rejects(h.call("ReEncrypt", { CiphertextBlob: b3, DestinationKeyId: k4.KeyId }, w), "AccessDeniedException");
  });

  test("CreateGrant: kms:EncryptionContext:<key> and kms:EncryptionContextKeys are the grant's encryption context constraint", async () => {
    const u = await user();
    const k = await key([deny(u, "kms:CreateGrant", { StringEquals: { "kms:EncryptionContext:Stage": "Restricted" } })]);
    const grant = (c: object) => h.call("CreateGrant", { KeyId: k.KeyId, GranteePrincipal: u.arn, Operations: ["Decrypt"], Constraints: c }, u);
    await rejects(grant({ EncryptionContextSubset: { Stage: "Restricted" } }), "AccessDeniedException");
    await rejects(grant({ EncryptionContextEquals: { stage: "Restricted" } }), "AccessDeniedException"); // the key's name is not case sensitive
    await grant({ EncryptionContextSubset: { Stage: "Test" } });
    const v = await user();
    const k2 = await key([deny(v, "kms:CreateGrant", { Null: { "kms:EncryptionContextKeys": "true" } })]);
    await h.call("CreateGrant", { KeyId: k2.KeyId, GranteePrincipal: v.arn, Operations: ["Decrypt"], Constraints: { EncryptionContextEquals: { Dept: "IT" } } }, v);
    await rejects(h.call("CreateGrant", { KeyId: k2.KeyId, GranteePrincipal: v.arn, Operations: ["Decrypt"] }, v), "AccessDeniedException");
  });

  test("kms:BypassPolicyLockoutSafetyCheck is in the request only with the parameter: the guide's Null statement lets a PutKeyPolicy without it through", async () => {
    const u = await user();
    const statements = [
      { Sid: "root", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, NotAction: "kms:PutKeyPolicy", Resource: "*" },
      { Effect: "Allow", Principal: { AWS: u.arn }, Action: "kms:PutKeyPolicy", Resource: "*", Condition: { Null: { "kms:BypassPolicyLockoutSafetyCheck": "true" } } },
    ];
    const p = policy(...statements);
    const k = (await h.call<Md>("CreateKey", { Policy: p, BypassPolicyLockoutSafetyCheck: true })).KeyMetadata;
    await h.call("PutKeyPolicy", { KeyId: k.KeyId, Policy: p }, u);
    await rejects(h.call("PutKeyPolicy", { KeyId: k.KeyId, Policy: p, BypassPolicyLockoutSafetyCheck: false }, u), "AccessDeniedException");
    // An IAM Deny of a bypass does not reach CreateKey calls without the parameter.
    const creator = await h.user(ACCOUNT, "ck-nobypass", {
      Version: "2012-10-17",
      Statement: [
        { Effect: "Allow", Action: "kms:*", Resource: "*" },
        { Effect: "Deny", Action: ["kms:CreateKey", "kms:PutKeyPolicy"], Resource: "*", Condition: { Bool: { "kms:BypassPolicyLockoutSafetyCheck": "true" } } },
      ],
    });
    await h.call("CreateKey", {}, creator);
    await rejects(h.call("CreateKey", { BypassPolicyLockoutSafetyCheck: true }, creator), "AccessDeniedException");
  });

  test("the lockout check accepts a policy that lets the caller change it later without bypassing (parameter false)", async () => {
    const admin = await user();
    const k = (await h.call<Md>("CreateKey", {}, admin)).KeyMetadata;
    const p = policy(
      { Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, NotAction: "kms:PutKeyPolicy", Resource: "*" },
      { Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: "kms:PutKeyPolicy", Resource: "*", Condition: { Bool: { "kms:BypassPolicyLockoutSafetyCheck": "false" } } },
    );
    await h.call("PutKeyPolicy", { KeyId: k.KeyId, Policy: p }, admin);
    await h.call("PutKeyPolicy", { KeyId: k.KeyId, Policy: p, BypassPolicyLockoutSafetyCheck: false }, admin);
  });

  test("kms:ExpirationModel is in an ImportKeyMaterial request only with the parameter (the guide's Null statement)", async () => {
    const u = await user();
    const k = await key(
      [
        { Effect: "Deny", Principal: { AWS: u.arn }, Action: "kms:ImportKeyMaterial", Resource: "*", Condition: { Null: { "kms:ExpirationModel": "false" } } },
      ],
      { Origin: "EXTERNAL" },
    );
    const material = randomBytes(32);
    const wrapped = async () => {
      const p = await h.call<{ ImportToken: Uint8Array; PublicKey: Uint8Array }>("GetParametersForImport", { KeyId: k.KeyId, WrappingAlgorithm: "RSAES_OAEP_SHA_256", WrappingKeySpec: "RSA_2048" }, u);
      return { ImportToken: p.ImportToken, EncryptedKeyMaterial: wrapKeyMaterialForImport({ wrappingPublicDer: Buffer.from(p.PublicKey), wrappingAlgorithm: "RSAES_OAEP_SHA_256", keyMaterial: material }) };
    };
    await rejects(h.call("ImportKeyMaterial", { KeyId: k.KeyId, ...(await wrapped()), ExpirationModel: "KEY_MATERIAL_DOES_NOT_EXPIRE" }, u), "AccessDeniedException");
    const validTo = new Date(h.clock.now() + 86_400_000);
    await h.call("ImportKeyMaterial", { KeyId: k.KeyId, ...(await wrapped()), ValidTo: validTo }, u);
  });

  test("ForAllValues with kms:EncryptionContext:<key> or aws:RequestTag/<key> in a key policy is OverlyPermissiveCondition", async () => {
    const k = await key([]);
    const withCondition = (c: object) => policy(rootAll, { Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: "kms:Decrypt", Resource: "*", Condition: c });
    await rejects(
      h.call("PutKeyPolicy", { KeyId: k.KeyId, Policy: withCondition({ "ForAllValues:StringEquals": { "kms:EncryptionContext:Department": "IT" } }) }),
      "MalformedPolicyDocumentException",
      "OverlyPermissiveCondition:EncryptionContext: Using the ForAllValues set operator with a single-valued condition key matches requests without the specified encryption context or with an unspecified encryption context. To fix, remove ForAllValues.",
    );
    await rejects(
      h.call("CreateKey", { Policy: withCondition({ "ForAllValues:StringLike": { "aws:RequestTag/Project": "a*" } }) }),
      "MalformedPolicyDocumentException",
      /^OverlyPermissiveCondition:RequestTag: /,
    );
    // ForAllValues with the multi-valued kms:EncryptionContextKeys is the guide's own example.
    await h.call("PutKeyPolicy", { KeyId: k.KeyId, Policy: withCondition({ "ForAllValues:StringEquals": { "kms:EncryptionContextKeys": ["Department"] } }) });
  });

  test("grants to service principals: SourceArn and a retiring principal are required, not both kinds of grantee or retiring principal; ListGrants shows them as such", async () => {
    const k = await key([]);
    const base = { KeyId: k.KeyId, Operations: ["Decrypt"] };
    const source = `arn:aws:s3:::bucket-${n}`;
    const r = await h.call<{ GrantId: string }>("CreateGrant", {
      ...base,
      GranteeServicePrincipal: "s3.amazonaws.com",
      RetiringServicePrincipal: "s3.amazonaws.com",
      Constraints: { SourceArn: source },
    });
    const listed = await h.call<Grants>("ListGrants", { KeyId: k.KeyId, GranteeServicePrincipal: "s3.amazonaws.com" });
    assert.equal(listed.Grants.length, 1);
    const g = listed.Grants[0]!;
    assert.equal(g.GrantId, r.GrantId);
    assert.equal(g.GranteeServicePrincipal, "s3.amazonaws.com");
    assert.equal(g.RetiringServicePrincipal, "s3.amazonaws.com");
    assert.equal(g.GranteePrincipal, undefined);
    assert.deepEqual(g.Constraints, { SourceArn: source });
    assert.deepEqual((await h.call<Grants>("ListGrants", { KeyId: k.KeyId, GranteePrincipal: "arn:aws:iam::111122223333:root" })).Grants, []);
    await rejects(h.call("CreateGrant", { ...base, GranteeServicePrincipal: "s3.amazonaws.com", RetiringServicePrincipal: "s3.amazonaws.com" }), "ValidationException", /SourceArn/);
    await rejects(h.call("CreateGrant", { ...base, GranteeServicePrincipal: "s3.amazonaws.com", Constraints: { SourceArn: source } }), "ValidationException", /RetiringPrincipal or RetiringServicePrincipal/);
    await rejects(
      h.call("CreateGrant", { ...base, GranteePrincipal: `arn:aws:iam::${ACCOUNT}:root`, GranteeServicePrincipal: "s3.amazonaws.com", RetiringPrincipal: `arn:aws:iam::${ACCOUNT}:root`, Constraints: { SourceArn: source } }),
      "ValidationException",
      "Specify either GranteePrincipal or GranteeServicePrincipal, but not both.",
    );
    await rejects(
      h.call("CreateGrant", { ...base, GranteePrincipal: `arn:aws:iam::${ACCOUNT}:root`, RetiringPrincipal: `arn:aws:iam::${ACCOUNT}:root`, RetiringServicePrincipal: "s3.amazonaws.com" }),
      "ValidationException",
      "Specify either RetiringPrincipal or RetiringServicePrincipal, but not both.",
    );
    await rejects(h.call("CreateGrant", { ...base, GranteePrincipal: `arn:aws:iam::${ACCOUNT}:root`, Constraints: { SourceArn: source } }), "ValidationException", /valid only for grants to AWS service principals/);
    // A service principal is a service's name, never an IAM principal's ARN (which would escape kms:GranteePrincipal conditions).
    await rejects(
      h.call("CreateGrant", { ...base, GranteeServicePrincipal: `arn:aws:iam::${ACCOUNT}:user/alice`, RetiringServicePrincipal: "s3.amazonaws.com", Constraints: { SourceArn: source } }),
      "ValidationException",
      /granteeServicePrincipal/,
    );
    await rejects(h.call("ListGrants", { KeyId: k.KeyId, GranteePrincipal: `arn:aws:iam::${ACCOUNT}:root`, GranteeServicePrincipal: "s3.amazonaws.com" }), "ValidationException", "Specify either GranteePrincipal or GranteeServicePrincipal, but not both.");
  });

  test("CreateGrant to a service principal: kms:GranteeServicePrincipal, kms:RetiringServicePrincipal and kms:GrantConstraintSourceArn are the request's", async () => {
    const u = await user();
    const source = `arn:aws:s3:::bucket-src-${n}`;
    const k = await key([
      deny(u, "kms:CreateGrant", { StringNotEquals: { "kms:GranteeServicePrincipal": "s3.amazonaws.com" } }),
      deny(u, "kms:CreateGrant", { StringEquals: { "kms:RetiringServicePrincipal": "logs.amazonaws.com" } }),
      deny(u, "kms:CreateGrant", { ArnNotLike: { "kms:GrantConstraintSourceArn": "arn:aws:s3:::bucket-src-*" } }),
    ]);
    const grant = (over: object) =>
      h.call("CreateGrant", { KeyId: k.KeyId, Operations: ["Decrypt"], GranteeServicePrincipal: "s3.amazonaws.com", RetiringServicePrincipal: "s3.amazonaws.com", Constraints: { SourceArn: source }, ...over }, u);
    await grant({});
    await rejects(grant({ GranteeServicePrincipal: "sqs.amazonaws.com" }), "AccessDeniedException");
    await rejects(grant({ RetiringServicePrincipal: "logs.amazonaws.com" }), "AccessDeniedException");
    await rejects(grant({ Constraints: { SourceArn: "arn:aws:s3:::other-bucket" } }), "AccessDeniedException");
    // A grant to an IAM principal has none of them: a Null condition tells it apart.
    const v = await user();
    const k2 = await key([deny(v, "kms:CreateGrant", { Null: { "kms:GranteeServicePrincipal": "false" } })]);
    await h.call("CreateGrant", { KeyId: k2.KeyId, Operations: ["Decrypt"], GranteePrincipal: v.arn }, v);
    await rejects(
      h.call("CreateGrant", { KeyId: k2.KeyId, Operations: ["Decrypt"], GranteeServicePrincipal: "s3.amazonaws.com", RetiringPrincipal: v.arn, Constraints: { SourceArn: source } }, v),
      "AccessDeniedException",
    );
  });

  test("ReplicateKey: the kms:CreateKey it needs in the replica Region has the replica's kms:KeySpec, kms:KeyUsage and kms:KeyOrigin", async () => {
    const symmetricOnly = await h.user(ACCOUNT, "ck-replicator", {
      Version: "2012-10-17",
      Statement: [
        { Effect: "Allow", Action: "kms:*", Resource: "*" },
        { Effect: "Deny", Action: "kms:CreateKey", Resource: "*", Condition: { StringNotEquals: { "kms:KeySpec": "SYMMETRIC_DEFAULT" } } },
        { Effect: "Deny", Action: "kms:CreateKey", Resource: "*", Condition: { StringNotEquals: { "kms:KeyUsage": "ENCRYPT_DECRYPT" } } },
        { Effect: "Deny", Action: "kms:CreateKey", Resource: "*", Condition: { StringNotEquals: { "kms:KeyOrigin": "AWS_KMS" } } },
      ],
    });
    const sym = (await h.call<Md>("CreateKey", { MultiRegion: true }, symmetricOnly)).KeyMetadata;
    await h.call("ReplicateKey", { KeyId: sym.KeyId, ReplicaRegion: "eu-west-1" }, symmetricOnly);
    const signing = (await h.call<Md>("CreateKey", { MultiRegion: true, KeySpec: "ECC_NIST_P256", KeyUsage: "SIGN_VERIFY" })).KeyMetadata;
    await rejects(h.call("ReplicateKey", { KeyId: signing.KeyId, ReplicaRegion: "eu-west-1" }, symmetricOnly), "AccessDeniedException", /kms:CreateKey/);
  });

  test("kms:TrailingDaysWithoutKeyUsage: whole days since the key's last cryptographic use, or since its creation while unused (DisableKey, ScheduleKeyDeletion)", async () => {
    const u = await user();
    // The guide's guard: no disabling or deleting a key used in the last two days.
    const guard = deny(u, ["kms:DisableKey", "kms:ScheduleKeyDeletion"], { NumericLessThanEquals: { "kms:TrailingDaysWithoutKeyUsage": "2" } });
    const k = await key([guard]);
    // Never used: counted from its creation (0 days now).
    await rejects(h.call("DisableKey", { KeyId: k.KeyId }, u), "AccessDeniedException", /kms:DisableKey/);
    h.clock.advance(3 * DAY);
    await h.call("DisableKey", { KeyId: k.KeyId }, u);
    await h.call("EnableKey", { KeyId: k.KeyId }, u);
    // Used now: 0 days again, and 2 after 2.9 days (rounded down).
    await h.call("Encrypt", { KeyId: k.KeyId, Plaintext: pt }, u);
    await rejects(h.call("ScheduleKeyDeletion", { KeyId: k.KeyId, PendingWindowInDays: 7 }, u), "AccessDeniedException", /kms:ScheduleKeyDeletion/);
    h.clock.advance(2.9 * DAY);
    await rejects(h.call("DisableKey", { KeyId: k.KeyId }, u), "AccessDeniedException", /kms:DisableKey/);
    h.clock.advance(0.2 * DAY);
    await h.call("ScheduleKeyDeletion", { KeyId: k.KeyId, PendingWindowInDays: 7 }, u);
    // Other operations do not carry the key: a Deny on it leaves them alone.
    const w = await user();
    const k2 = await key([deny(w, "kms:Encrypt", { NumericGreaterThanEquals: { "kms:TrailingDaysWithoutKeyUsage": "0" } })]);
    await h.call("Encrypt", { KeyId: k2.KeyId, Plaintext: pt }, w);
  });

  test("ListRetirableGrants: grants on other accounts' keys, authorised on the retiring principal", async () => {
    const retirer = await h.user(OTHER, "ck-retirer", {
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Action: "kms:ListRetirableGrants", Resource: `arn:aws:iam::${OTHER}:user/ck-retirer` }],
    });
    const k = await key([]);
    const g = await h.call<{ GrantId: string }>("CreateGrant", { KeyId: k.KeyId, GranteePrincipal: `arn:aws:iam::${ACCOUNT}:root`, RetiringPrincipal: retirer.arn, Operations: ["Encrypt"] });
    const mine = await h.call<Grants>("ListRetirableGrants", { RetiringPrincipal: retirer.arn }, retirer);
    assert.deepEqual(
      mine.Grants.map((x) => [x.GrantId, x.KeyId]),
      [[g.GrantId, k.Arn]],
    );
    // Another principal is another resource, which this caller's policy does not allow.
    await rejects(h.call("ListRetirableGrants", { RetiringPrincipal: `arn:aws:iam::${OTHER}:user/someone` }, retirer), "AccessDeniedException", /on resource: arn:aws:iam::444455556666:user\/someone/);
    // "You must specify a principal in your AWS account": another account's principal is refused
    // even to a caller allowed kms:* everywhere, and the service principals' form is not for IAM callers.
    const wide = await h.user(OTHER, "ck-wide", ALLOW_KMS);
    await rejects(h.call("ListRetirableGrants", { RetiringPrincipal: `arn:aws:iam::${ACCOUNT}:root` }, wide), "AccessDeniedException", /kms:ListRetirableGrants on resource: arn:aws:iam::111122223333:root/);
    await rejects(h.call("ListRetirableGrants", { RetiringServicePrincipal: "s3.amazonaws.com" }, wide), "ValidationException");
    await rejects(h.call("ListRetirableGrants", { RetiringPrincipal: wide.arn, RetiringServicePrincipal: "s3.amazonaws.com" }, wide), "ValidationException", "Specify either RetiringPrincipal or RetiringServicePrincipal, but not both.");
  });
  test("ListKeys, ListAliases, GenerateRandom, ListRetirableGrants and the alias side of alias operations have no KMS condition key, kms:CallerAccount included", async () => {
    // The permissions table lists "None" for them ("None (when controlling access to the alias)"):
    // an Allow that requires kms:CallerAccount is never satisfied there, as it is for CreateKey.
    const sameAccount = { StringEquals: { "kms:CallerAccount": ACCOUNT } };
    const u = await h.user(ACCOUNT, "ck-noaccountkey", {
      Version: "2012-10-17",
      Statement: [
        { Effect: "Allow", Action: ["kms:ListKeys", "kms:ListAliases", "kms:GenerateRandom", "kms:ListRetirableGrants", "kms:CreateKey"], Resource: "*", Condition: sameAccount },
        { Effect: "Allow", Action: "kms:CreateAlias", Resource: `arn:aws:kms:*:${ACCOUNT}:alias/*`, Condition: sameAccount },
        { Effect: "Allow", Action: "kms:DeleteAlias", Resource: `arn:aws:kms:*:${ACCOUNT}:alias/*` },
      ],
    });
    await rejects(h.call("ListKeys", {}, u), "AccessDeniedException", /kms:ListKeys/);
    await rejects(h.call("ListAliases", {}, u), "AccessDeniedException", /kms:ListAliases/);
    await rejects(h.call("GenerateRandom", { NumberOfBytes: 8 }, u), "AccessDeniedException", /kms:GenerateRandom/);
    await rejects(h.call("ListRetirableGrants", { RetiringPrincipal: u.arn }, u), "AccessDeniedException", /kms:ListRetirableGrants/);
    await h.call("CreateKey", {}, u);
    // The key side of CreateAlias has kms:CallerAccount; the alias side has none.
    const k = await key([{ Effect: "Allow", Principal: { AWS: u.arn }, Action: ["kms:CreateAlias", "kms:DeleteAlias"], Resource: "*", Condition: sameAccount }]);
    await rejects(h.call("CreateAlias", { AliasName: "alias/ck-noaccountkey", TargetKeyId: k.KeyId }, u), "AccessDeniedException", /kms:CreateAlias on resource: arn:aws:kms:us-east-1:111122223333:alias\/ck-noaccountkey/);
    await h.call("CreateAlias", { AliasName: "alias/ck-noaccountkey", TargetKeyId: k.KeyId });
    await h.call("DeleteAlias", { AliasName: "alias/ck-noaccountkey" }, u);
    // A Deny unless kms:CallerAccount is the caller's own reaches them (the key is absent), not key operations.
    const v = await h.user(ACCOUNT, "ck-denyother", {
      Version: "2012-10-17",
      Statement: [
        { Effect: "Allow", Action: "kms:*", Resource: "*" },
        { Effect: "Deny", Action: "kms:*", Resource: "*", Condition: { StringNotEquals: { "kms:CallerAccount": ACCOUNT } } },
      ],
    });
    await rejects(h.call("ListKeys", {}, v), "AccessDeniedException", /with an explicit deny in an identity-based policy$/);
    await h.call("DescribeKey", { KeyId: k.KeyId }, v);
  });

  test("RetireGrant: kms:GrantConstraintType, kms:EncryptionContext:<key> and kms:EncryptionContextKeys are those of the grant it retires", async () => {
    const u = await h.user(ACCOUNT, "ck-retire-by-constraint", {
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Action: "kms:RetireGrant",
          Resource: "*",
          Condition: { StringEquals: { "kms:GrantConstraintType": "EncryptionContextSubset", "kms:EncryptionContext:Dept": "IT" }, "ForAllValues:StringEquals": { "kms:EncryptionContextKeys": ["Dept"] } },
        },
      ],
    });
    const k = await key([]);
    const grant = async (c?: object) =>
      (await h.call<{ GrantId: string }>("CreateGrant", { KeyId: k.KeyId, GranteePrincipal: `arn:aws:iam::${ACCOUNT}:root`, Operations: ["Decrypt"], ...(c ? { Constraints: c } : {}) })).GrantId;
    const retire = async (id: string) => h.call("RetireGrant", { KeyId: k.KeyId, GrantId: id }, u);
    await retire(await grant({ EncryptionContextSubset: { Dept: "IT" } }));
    await rejects(retire(await grant({ EncryptionContextEquals: { Dept: "IT" } })), "AccessDeniedException", /kms:RetireGrant/);
    await rejects(retire(await grant({ EncryptionContextSubset: { Dept: "HR" } })), "AccessDeniedException");
    await rejects(retire(await grant({ EncryptionContextSubset: { Dept: "IT", Stage: "Test" } })), "AccessDeniedException");
    await rejects(retire(await grant()), "AccessDeniedException");
    // A retiring principal needs no permission, but an IAM Deny on the grant's constraint still wins.
    const r = await h.user(ACCOUNT, "ck-retirer-denied", {
      Version: "2012-10-17",
      Statement: [{ Effect: "Deny", Action: "kms:RetireGrant", Resource: "*", Condition: { StringEquals: { "kms:GrantConstraintType": "EncryptionContextEquals" } } }],
    });
    const named = async (c?: object) =>
      (await h.call<{ GrantId: string }>("CreateGrant", { KeyId: k.KeyId, GranteePrincipal: `arn:aws:iam::${ACCOUNT}:root`, RetiringPrincipal: r.arn, Operations: ["Decrypt"], ...(c ? { Constraints: c } : {}) })).GrantId;
    await h.call("RetireGrant", { KeyId: k.KeyId, GrantId: await named() }, r);
    await rejects(h.call("RetireGrant", { KeyId: k.KeyId, GrantId: await named({ EncryptionContextEquals: { Dept: "IT" } }) }, r), "AccessDeniedException", /explicit deny/);
  });
});
