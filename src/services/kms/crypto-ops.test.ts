import assert from "node:assert/strict";
import { createHash, createPublicKey, generateKeyPairSync, verify as nodeVerify, diffieHellman, randomBytes } from "node:crypto";
import { after, describe, test } from "node:test";
import { createKmsHarness, rejects } from "./testing/harness.js";

type Md = { KeyMetadata: { KeyId: string; Arn: string } };
type Bytes = Uint8Array;

describe("KMS cryptographic operations", () => {
  const h = createKmsHarness();
  after(() => h.close());
  const key = async (input: object = {}) => (await h.call<Md>("CreateKey", input)).KeyMetadata;

  test("Encrypt/Decrypt: the context is bound, Decrypt finds the key in the blob, KeyId must match", async () => {
    const k = await key();
    const ec = { purpose: "test", tenant: "t1" };
    const e = await h.call<{ CiphertextBlob: Bytes; KeyId: string; EncryptionAlgorithm: string }>("Encrypt", { KeyId: k.KeyId, Plaintext: Buffer.from("secret"), EncryptionContext: ec });
    assert.equal(e.KeyId, k.Arn);
    assert.equal(e.EncryptionAlgorithm, "SYMMETRIC_DEFAULT");
    const d = await h.call<{ Plaintext: Bytes; KeyId: string; KeyMaterialId: string }>("Decrypt", { CiphertextBlob: e.CiphertextBlob, EncryptionContext: { tenant: "t1", purpose: "test" } });
    assert.equal(Buffer.from(d.Plaintext).toString(), "secret");
    assert.equal(d.KeyId, k.Arn);
    assert.match(d.KeyMaterialId, /^[0-9a-f]{64}$/);
    await rejects(h.call("Decrypt", { CiphertextBlob: e.CiphertextBlob }), "InvalidCiphertextException");
    await rejects(h.call("Decrypt", { CiphertextBlob: e.CiphertextBlob, EncryptionContext: { purpose: "test", tenant: "T1" } }), "InvalidCiphertextException");
    const other = await key();
    await rejects(
      h.call("Decrypt", { CiphertextBlob: e.CiphertextBlob, EncryptionContext: ec, KeyId: other.KeyId }),
      "IncorrectKeyException",
      "The key ID in the request does not identify a CMK that can perform this operation.",
    );
    // A KeyId naming a key of another usage: IncorrectKeyException too (not InvalidKeyUsage), for ReEncrypt's source as well.
    const hmac = await key({ KeySpec: "HMAC_224", KeyUsage: "GENERATE_VERIFY_MAC" });
    await rejects(h.call("Decrypt", { CiphertextBlob: e.CiphertextBlob, EncryptionContext: ec, KeyId: hmac.KeyId }), "IncorrectKeyException", "The key ID in the request does not identify a CMK that can perform this operation.");
    await rejects(
      h.call("ReEncrypt", { CiphertextBlob: e.CiphertextBlob, SourceEncryptionContext: ec, SourceKeyId: hmac.KeyId, DestinationKeyId: k.KeyId }),
      "IncorrectKeyException",
      "The key ID in the request does not identify a CMK that can perform this operation.",
    );
    const tampered = Buffer.from(e.CiphertextBlob);
    tampered[tampered.length - 1]! ^= 1;
    await rejects(h.call("Decrypt", { CiphertextBlob: tampered, EncryptionContext: ec }), "InvalidCiphertextException");
    await rejects(h.call("Decrypt", { CiphertextBlob: Buffer.from("garbage") }), "InvalidCiphertextException");
    // A blob naming a key-material version the key never had: the same answer, nothing about which versions exist.
    const otherVersion = Buffer.from(e.CiphertextBlob);
    const at = 3 + otherVersion[1]!; // version, key id length, key id, material id length, then the material id
    otherVersion[at] = otherVersion[at] === 0x30 ? 0x31 : 0x30;
    await rejects(
      h.call("Decrypt", { CiphertextBlob: otherVersion, EncryptionContext: ec }),
      "InvalidCiphertextException",
      "", // no message, as AWS answers
    );
  });

  test("the 4,096-byte plaintext limit and Plaintext never echoed in the error", async () => {
    const k = await key();
    await h.call("Encrypt", { KeyId: k.KeyId, Plaintext: Buffer.alloc(4096, 1) });
    await rejects(
      h.call("Encrypt", { KeyId: k.KeyId, Plaintext: Buffer.alloc(4097, 65) }),
      "ValidationException",
      "1 validation error detected: Value at 'plaintext' failed to satisfy constraint: Member must have length less than or equal to 4096",
    );
  });

  test("ReEncrypt moves a ciphertext to another key and context", async () => {
    const a = await key();
    const b = await key();
    const e = await h.call<{ CiphertextBlob: Bytes }>("Encrypt", { KeyId: a.KeyId, Plaintext: Buffer.from("move me"), EncryptionContext: { x: "1" } });
    const r = await h.call<{ CiphertextBlob: Bytes; SourceKeyId: string; KeyId: string; SourceKeyMaterialId: string; DestinationKeyMaterialId: string }>("ReEncrypt", {
      CiphertextBlob: e.CiphertextBlob,
      SourceEncryptionContext: { x: "1" },
      DestinationKeyId: b.Arn,
      DestinationEncryptionContext: { y: "2" },
    });
    assert.equal(r.SourceKeyId, a.Arn);
    assert.equal(r.KeyId, b.Arn);
    const d = await h.call<{ Plaintext: Bytes; KeyId: string }>("Decrypt", { CiphertextBlob: r.CiphertextBlob, EncryptionContext: { y: "2" } });
    assert.equal(Buffer.from(d.Plaintext).toString(), "move me");
    assert.equal(d.KeyId, b.Arn);
  });

  test("GenerateDataKey: KeySpec or NumberOfBytes, plaintext decrypts from the blob", async () => {
    const k = await key();
    const g = await h.call<{ Plaintext: Bytes; CiphertextBlob: Bytes }>("GenerateDataKey", { KeyId: k.KeyId, KeySpec: "AES_128", EncryptionContext: { a: "b" } });
    assert.equal(g.Plaintext.length, 16);
    const d = await h.call<{ Plaintext: Bytes }>("Decrypt", { CiphertextBlob: g.CiphertextBlob, EncryptionContext: { a: "b" } });
    assert.deepEqual(Buffer.from(d.Plaintext), Buffer.from(g.Plaintext));
    assert.equal((await h.call<{ Plaintext: Bytes }>("GenerateDataKey", { KeyId: k.KeyId, NumberOfBytes: 1024 })).Plaintext.length, 1024);
    const w = await h.call<Record<string, unknown>>("GenerateDataKeyWithoutPlaintext", { KeyId: k.KeyId, KeySpec: "AES_256" });
    assert.equal(w.Plaintext, undefined);
    assert.ok(w.CiphertextBlob instanceof Uint8Array);
    await rejects(h.call("GenerateDataKey", { KeyId: k.KeyId }), "ValidationException", "Please specify either number of bytes or key spec.");
    await rejects(
      h.call("GenerateDataKey", { KeyId: k.KeyId, NumberOfBytes: 1025 }),
      "ValidationException",
      "1 validation error detected: Value '1025' at 'numberOfBytes' failed to satisfy constraint: Member must have value less than or equal to 1024",
    );
    const rsa = await key({ KeySpec: "RSA_2048", KeyUsage: "ENCRYPT_DECRYPT" });
    await rejects(h.call("GenerateDataKey", { KeyId: rsa.KeyId, KeySpec: "AES_256" }), "InvalidKeyUsageException");
  });

  test("GenerateDataKeyPair returns a pair whose private key decrypts from the blob", async () => {
    const k = await key();
    const p = await h.call<{ PrivateKeyCiphertextBlob: Bytes; PrivateKeyPlaintext: Bytes; PublicKey: Bytes; KeyPairSpec: string }>("GenerateDataKeyPair", { KeyId: k.KeyId, KeyPairSpec: "ECC_NIST_P256" });
    assert.equal(p.KeyPairSpec, "ECC_NIST_P256");
    const d = await h.call<{ Plaintext: Bytes }>("Decrypt", { CiphertextBlob: p.PrivateKeyCiphertextBlob });
    assert.deepEqual(Buffer.from(d.Plaintext), Buffer.from(p.PrivateKeyPlaintext));
    assert.equal(createPublicKey({ key: Buffer.from(p.PublicKey), format: "der", type: "spki" }).asymmetricKeyDetails?.namedCurve, "prime256v1");
    const w = await h.call<Record<string, unknown>>("GenerateDataKeyPairWithoutPlaintext", { KeyId: k.KeyId, KeyPairSpec: "ML_KEM_512" });
    assert.equal(w.PrivateKeyPlaintext, undefined);
    await rejects(h.call("GenerateDataKeyPair", { KeyId: k.KeyId, KeyPairSpec: "SM2" }), "UnsupportedOperationException");
  });

  test("RSA encryption: algorithm required and plaintext limits from the crypto core", async () => {
    const k = await key({ KeySpec: "RSA_2048", KeyUsage: "ENCRYPT_DECRYPT" });
    await rejects(h.call("Encrypt", { KeyId: k.KeyId, Plaintext: Buffer.from("x") }), "InvalidKeyUsageException");
    const e = await h.call<{ CiphertextBlob: Bytes }>("Encrypt", { KeyId: k.KeyId, Plaintext: Buffer.from("rsa"), EncryptionAlgorithm: "RSAES_OAEP_SHA_256" });
    assert.equal(e.CiphertextBlob.length, 256);
    const d = await h.call<{ Plaintext: Bytes }>("Decrypt", { KeyId: k.KeyId, CiphertextBlob: e.CiphertextBlob, EncryptionAlgorithm: "RSAES_OAEP_SHA_256" });
    assert.equal(Buffer.from(d.Plaintext).toString(), "rsa");
    await rejects(h.call("Encrypt", { KeyId: k.KeyId, Plaintext: Buffer.alloc(191), EncryptionAlgorithm: "RSAES_OAEP_SHA_256" }), "ValidationException");
  });

  test("Sign/Verify with the public key from GetPublicKey; wrong signatures are KMSInvalidSignatureException", async () => {
    const k = await key({ KeySpec: "ECC_NIST_P256", KeyUsage: "SIGN_VERIFY" });
    const msg = Buffer.from("message");
    const s = await h.call<{ Signature: Bytes; SigningAlgorithm: string }>("Sign", { KeyId: k.KeyId, Message: msg, SigningAlgorithm: "ECDSA_SHA_256" });
    const pub = await h.call<{ PublicKey: Bytes; SigningAlgorithms: string[]; KeyUsage: string }>("GetPublicKey", { KeyId: k.KeyId });
    assert.deepEqual(pub.SigningAlgorithms, ["ECDSA_SHA_256"]);
    assert.ok(nodeVerify("sha256", msg, { key: createPublicKey({ key: Buffer.from(pub.PublicKey), format: "der", type: "spki" }), dsaEncoding: "der" }, Buffer.from(s.Signature)));
    const v = await h.call<{ SignatureValid: boolean }>("Verify", { KeyId: k.KeyId, Message: msg, Signature: s.Signature, SigningAlgorithm: "ECDSA_SHA_256" });
    assert.equal(v.SignatureValid, true);
    await rejects(h.call("Verify", { KeyId: k.KeyId, Message: Buffer.from("other"), Signature: s.Signature, SigningAlgorithm: "ECDSA_SHA_256" }), "KMSInvalidSignatureException");
    await rejects(h.call("Sign", { KeyId: k.KeyId, Message: msg, SigningAlgorithm: "RSASSA_PSS_SHA_256" }), "InvalidKeyUsageException");
    const sym = await key();
    await rejects(h.call("Sign", { KeyId: sym.KeyId, Message: msg, SigningAlgorithm: "ECDSA_SHA_256" }), "InvalidKeyUsageException");
    await rejects(h.call("GetPublicKey", { KeyId: sym.KeyId }), "UnsupportedOperationException");
    const rsa = await key({ KeySpec: "RSA_2048", KeyUsage: "SIGN_VERIFY" });
    const digest = createHash("sha256").update(msg).digest();
    const ds = await h.call<{ Signature: Bytes }>("Sign", { KeyId: rsa.KeyId, Message: digest, MessageType: "DIGEST", SigningAlgorithm: "RSASSA_PKCS1_V1_5_SHA_256" });
    await h.call("Verify", { KeyId: rsa.KeyId, Message: msg, Signature: ds.Signature, SigningAlgorithm: "RSASSA_PKCS1_V1_5_SHA_256" });
    const ml = await key({ KeySpec: "ML_DSA_44", KeyUsage: "SIGN_VERIFY" });
    const ms = await h.call<{ Signature: Bytes }>("Sign", { KeyId: ml.KeyId, Message: msg, SigningAlgorithm: "ML_DSA_SHAKE_256" });
    assert.equal(ms.Signature.length, 2420);
    await h.call("Verify", { KeyId: ml.KeyId, Message: msg, Signature: ms.Signature, SigningAlgorithm: "ML_DSA_SHAKE_256" });
  });

  test("GenerateMac/VerifyMac agree with HMAC over the same key; mismatches are KMSInvalidMacException", async () => {
    const k = await key({ KeySpec: "HMAC_384", KeyUsage: "GENERATE_VERIFY_MAC" });
    const m = await h.call<{ Mac: Bytes; MacAlgorithm: string }>("GenerateMac", { KeyId: k.KeyId, Message: Buffer.from("m"), MacAlgorithm: "HMAC_SHA_384" });
    assert.equal(m.Mac.length, 48);
    assert.equal((await h.call<{ MacValid: boolean }>("VerifyMac", { KeyId: k.KeyId, Message: Buffer.from("m"), Mac: m.Mac, MacAlgorithm: "HMAC_SHA_384" })).MacValid, true);
    await rejects(h.call("VerifyMac", { KeyId: k.KeyId, Message: Buffer.from("n"), Mac: m.Mac, MacAlgorithm: "HMAC_SHA_384" }), "KMSInvalidMacException");
    await rejects(h.call("GenerateMac", { KeyId: k.KeyId, Message: Buffer.from("m"), MacAlgorithm: "HMAC_SHA_256" }), "InvalidKeyUsageException", "Algorithm HMAC_SHA_256 is incompatible with key spec HMAC_384.");
    await rejects(
      h.call("GenerateMac", { KeyId: k.KeyId, Message: Buffer.from("m"), MacAlgorithm: "INVALID" }),
      "ValidationException",
      "1 validation error detected: Value 'INVALID' at 'macAlgorithm' failed to satisfy constraint: Member must satisfy enum value set: [HMAC_SHA_384, HMAC_SHA_256, HMAC_SHA_224, HMAC_SHA_512]",
    );
  });

  test("DeriveSharedSecret matches ECDH computed by the peer", async () => {
    const k = await key({ KeySpec: "ECC_NIST_P256", KeyUsage: "KEY_AGREEMENT" });
    const peer = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
    const r = await h.call<{ SharedSecret: Bytes; KeyOrigin: string }>("DeriveSharedSecret", {
      KeyId: k.KeyId,
      KeyAgreementAlgorithm: "ECDH",
      PublicKey: peer.publicKey.export({ type: "spki", format: "der" }),
    });
    const pub = await h.call<{ PublicKey: Bytes }>("GetPublicKey", { KeyId: k.KeyId });
    const mine = diffieHellman({ privateKey: peer.privateKey, publicKey: createPublicKey({ key: Buffer.from(pub.PublicKey), format: "der", type: "spki" }) });
    assert.deepEqual(Buffer.from(r.SharedSecret), mine);
    assert.equal(r.KeyOrigin, "AWS_KMS");
  });

  test("Encapsulate/Decapsulate agree on the shared secret", async () => {
    const k = await key({ KeySpec: "ML_KEM_1024", KeyUsage: "ENCAPSULATE_DECAPSULATE" });
    const e = await h.call<{ SharedSecret: Bytes; SharedSecretCiphertextBlob: Bytes }>("Encapsulate", { KeyId: k.KeyId, EncapsulationAlgorithm: "ML_KEM" });
    assert.equal(e.SharedSecretCiphertextBlob.length, 1568);
    const d = await h.call<{ SharedSecret: Bytes }>("Decapsulate", { KeyId: k.KeyId, SharedSecretCiphertextBlob: e.SharedSecretCiphertextBlob, EncapsulationAlgorithm: "ML_KEM" });
    assert.deepEqual(Buffer.from(d.SharedSecret), Buffer.from(e.SharedSecret));
  });

  test("DryRun answers DryRunOperationException only when the call would succeed", async () => {
    const k = await key();
    await rejects(h.call("Encrypt", { KeyId: k.KeyId, Plaintext: Buffer.from("x"), DryRun: true }), "DryRunOperationException", "The request would have succeeded, but the DryRun option is set.");
    const e = await h.call<{ CiphertextBlob: Bytes }>("Encrypt", { KeyId: k.KeyId, Plaintext: Buffer.from("x") });
    await rejects(h.call("Decrypt", { CiphertextBlob: e.CiphertextBlob, DryRun: true }), "DryRunOperationException");
    await rejects(h.call("Decrypt", { KeyId: k.KeyId, DryRun: true, DryRunModifiers: ["IGNORE_CIPHERTEXT"] }), "DryRunOperationException");
    await rejects(h.call("GenerateDataKey", { KeyId: k.KeyId, KeySpec: "AES_256", DryRun: true }), "DryRunOperationException");
    await h.call("DisableKey", { KeyId: k.KeyId });
    await rejects(h.call("Encrypt", { KeyId: k.KeyId, Plaintext: Buffer.from("x"), DryRun: true }), "DisabledException");
    await rejects(h.call("Decrypt", { DryRun: false }), "ValidationException", "1 validation error detected: Value null at 'ciphertextBlob' failed to satisfy constraint: Member must not be null");
  });

  test("Recipient (attestation) parameters get a validation error, never a crash", async () => {
    const k = await key();
    await rejects(h.call("GenerateDataKey", { KeyId: k.KeyId, KeySpec: "AES_256", Recipient: { KeyEncryptionAlgorithm: "RSAES_OAEP_SHA_256", AttestationDocument: randomBytes(64) } }), "ValidationException");
    await rejects(h.call("GenerateRandom", { NumberOfBytes: 8, Recipient: { KeyEncryptionAlgorithm: "RSAES_OAEP_SHA_1", AttestationDocument: randomBytes(8) } }), "ValidationException", /enum value set: \[RSAES_OAEP_SHA_256\]/);
  });

  test("GenerateRandom: 1–1024 bytes", async () => {
    assert.equal((await h.call<{ Plaintext: Bytes }>("GenerateRandom", { NumberOfBytes: 1024 })).Plaintext.length, 1024);
    await rejects(h.call("GenerateRandom", { NumberOfBytes: 0 }), "ValidationException", /Value '0' at 'numberOfBytes'/);
  });

  test("throttling: the account's symmetric quota gives ThrottlingException", async () => {
    const t = createKmsHarness({ quotas: { symmetricRps: 3 } });
    try {
      const k = (await t.call<Md>("CreateKey", {})).KeyMetadata;
      for (let i = 0; i < 3; i++) await t.call("Encrypt", { KeyId: k.KeyId, Plaintext: Buffer.from("x") });
      const err = await rejects(t.call("Encrypt", { KeyId: k.KeyId, Plaintext: Buffer.from("x") }), "ThrottlingException", "You have exceeded the rate at which you may call KMS. Reduce the frequency of your calls.");
      assert.equal(err.status, 400);
      t.clock.advance(1000);
      await t.call("Encrypt", { KeyId: k.KeyId, Plaintext: Buffer.from("x") });
    } finally {
      await t.close();
    }
  });
});
