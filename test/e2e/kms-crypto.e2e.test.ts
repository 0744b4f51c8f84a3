/**
 * KMS encryption operations through the real server: Encrypt / Decrypt / ReEncrypt with
 * symmetric and RSA keys, every key identifier form, the encryption context as additional
 * authenticated data, the 4096-byte plaintext limit, data keys and data key pairs, GenerateRandom,
 * GetKeyLastUsage, and the documented errors (IncorrectKeyException, InvalidCiphertextException,
 * InvalidKeyUsageException, ValidationException).
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { constants, createPrivateKey, createPublicKey, publicEncrypt, randomBytes } from "node:crypto";
import {
  CreateKeyCommand,
  type CreateKeyCommandInput,
  CreateAliasCommand,
  EncryptCommand,
  DecryptCommand,
  ReEncryptCommand,
  GenerateDataKeyCommand,
  GenerateDataKeyWithoutPlaintextCommand,
  GenerateDataKeyPairCommand,
  GenerateDataKeyPairWithoutPlaintextCommand,
  GenerateRandomCommand,
  GetPublicKeyCommand,
  GetKeyLastUsageCommand,
  type KMSClient,
  type KeyMetadata,
  type DataKeyPairSpec,
} from "@aws-sdk/client-kms";
import { startTestServer, type TestServer } from "./harness.js";
import { kmsClient, rejectsWith, utf8, text } from "./kms-support.js";

let s: TestServer;
let kms: KMSClient;
let sym: KeyMetadata;
let sym2: KeyMetadata;
let rsa: KeyMetadata;
let signer: KeyMetadata;
before(async () => {
  s = await startTestServer();
  kms = kmsClient(s);
  const mk = async (input: CreateKeyCommandInput) => (await kms.send(new CreateKeyCommand(input))).KeyMetadata!;
  [sym, sym2, rsa, signer] = await Promise.all([
    mk({}),
    mk({}),
    mk({ KeySpec: "RSA_2048", KeyUsage: "ENCRYPT_DECRYPT" }),
    mk({ KeySpec: "ECC_NIST_P256", KeyUsage: "SIGN_VERIFY" }),
  ]);
  await kms.send(new CreateAliasCommand({ AliasName: "alias/crypto", TargetKeyId: sym.KeyId }));
});
after(async () => {
  await s.destroy();
});

test("Encrypt / Decrypt round trip through every identifier form; responses name the key ARN", async () => {
  const ids = [sym.KeyId!, sym.Arn!, "alias/crypto", `arn:aws:kms:us-east-1:${s.accountId}:alias/crypto`];
  for (const KeyId of ids) {
    const e = await kms.send(new EncryptCommand({ KeyId, Plaintext: utf8(`hello via ${KeyId}`) }));
    assert.equal(e.KeyId, sym.Arn);
    assert.equal(e.EncryptionAlgorithm, "SYMMETRIC_DEFAULT");
    assert.ok(e.CiphertextBlob!.length > 16);
    // Symmetric ciphertext names its key: Decrypt needs no KeyId.
    const d = await kms.send(new DecryptCommand({ CiphertextBlob: e.CiphertextBlob }));
    assert.equal(text(d.Plaintext), `hello via ${KeyId}`);
    assert.equal(d.KeyId, sym.Arn);
    assert.equal(d.EncryptionAlgorithm, "SYMMETRIC_DEFAULT");
    // And with a KeyId, every form is accepted for Decrypt too.
    const d2 = await kms.send(new DecryptCommand({ CiphertextBlob: e.CiphertextBlob, KeyId }));
    assert.equal(text(d2.Plaintext), `hello via ${KeyId}`);
  }
  // Two encryptions of the same plaintext differ (random IV).
  const a = await kms.send(new EncryptCommand({ KeyId: sym.KeyId, Plaintext: utf8("same") }));
  const b = await kms.send(new EncryptCommand({ KeyId: sym.KeyId, Plaintext: utf8("same") }));
  assert.notDeepEqual(Buffer.from(a.CiphertextBlob!), Buffer.from(b.CiphertextBlob!));
});

test("the encryption context is required, exactly, to decrypt", async () => {
  const ctx = { Department: "Engineering", Project: "Bulwark" };
  const e = await kms.send(new EncryptCommand({ KeyId: sym.KeyId, Plaintext: utf8("bound"), EncryptionContext: ctx }));
  // Same pairs in another order decrypt.
  const d = await kms.send(new DecryptCommand({ CiphertextBlob: e.CiphertextBlob, EncryptionContext: { Project: "Bulwark", Department: "Engineering" } }));
  assert.equal(text(d.Plaintext), "bound");
  const wrongs: Array<Record<string, string> | undefined> = [undefined, {}, { Department: "Engineering" }, { ...ctx, Extra: "x" }, { Department: "engineering", Project: "Bulwark" }];
  for (const wrong of wrongs) {
    // AWS sends this error without a message; SDK v3 then reports "UnknownError".
    await rejectsWith(kms.send(new DecryptCommand({ CiphertextBlob: e.CiphertextBlob, ...(wrong ? { EncryptionContext: wrong } : {}) })), { name: "InvalidCiphertextException", message: "UnknownError" });
  }
});

test("plaintext size: 1 to 4096 bytes for Encrypt", async () => {
  const max = randomBytes(4096);
  const e = await kms.send(new EncryptCommand({ KeyId: sym.KeyId, Plaintext: max }));
  assert.deepEqual(Buffer.from((await kms.send(new DecryptCommand({ CiphertextBlob: e.CiphertextBlob }))).Plaintext!), max);
  await rejectsWith(kms.send(new EncryptCommand({ KeyId: sym.KeyId, Plaintext: randomBytes(4097) })), { name: "ValidationException", message: /4096/ });
  await rejectsWith(kms.send(new EncryptCommand({ KeyId: sym.KeyId, Plaintext: new Uint8Array() })), "ValidationException");
});

test("Decrypt errors: another key's KeyId, a modified ciphertext, garbage", async () => {
  const e = await kms.send(new EncryptCommand({ KeyId: sym.KeyId, Plaintext: utf8("mine") }));
  await rejectsWith(kms.send(new DecryptCommand({ CiphertextBlob: e.CiphertextBlob, KeyId: sym2.KeyId })), "IncorrectKeyException");
  const blob = Buffer.from(e.CiphertextBlob!);
  for (const i of [0, Math.floor(blob.length / 2), blob.length - 1]) {
    const bad = Buffer.from(blob);
    bad[i] = bad[i]! ^ 0x01;
    await assert.rejects(kms.send(new DecryptCommand({ CiphertextBlob: bad })), (err: { name?: string }) => {
      // Flipping a byte of the key id may name a key that does not exist; everything else is
      // InvalidCiphertextException.
      assert.ok(["InvalidCiphertextException", "NotFoundException"].includes(err.name ?? ""), err.name);
      return true;
    });
  }
  await rejectsWith(kms.send(new DecryptCommand({ CiphertextBlob: randomBytes(100) })), "InvalidCiphertextException");
  await rejectsWith(kms.send(new DecryptCommand({ CiphertextBlob: blob.subarray(0, blob.length - 1) })), "InvalidCiphertextException");
});

test("key usage is enforced: encrypting with a signing key, a symmetric algorithm on RSA", async () => {
  await rejectsWith(kms.send(new EncryptCommand({ KeyId: signer.KeyId, Plaintext: utf8("x") })), "InvalidKeyUsageException");
  await rejectsWith(kms.send(new EncryptCommand({ KeyId: rsa.KeyId, Plaintext: utf8("x") })), "InvalidKeyUsageException");
  await rejectsWith(kms.send(new EncryptCommand({ KeyId: sym.KeyId, Plaintext: utf8("x"), EncryptionAlgorithm: "RSAES_OAEP_SHA_256" })), "InvalidKeyUsageException");
  await rejectsWith(kms.send(new GenerateDataKeyCommand({ KeyId: rsa.KeyId, KeySpec: "AES_256" })), "InvalidKeyUsageException");
});

test("RSA ENCRYPT_DECRYPT: OAEP SHA-1 and SHA-256, decryptable data from a local public-key encryption", async () => {
  const pub = createPublicKey({ key: Buffer.from((await kms.send(new GetPublicKeyCommand({ KeyId: rsa.KeyId }))).PublicKey!), format: "der", type: "spki" });
  for (const [alg, hash, max] of [["RSAES_OAEP_SHA_1", "sha1", 214], ["RSAES_OAEP_SHA_256", "sha256", 190]] as const) {
    const pt = randomBytes(max);
    const e = await kms.send(new EncryptCommand({ KeyId: rsa.KeyId, Plaintext: pt, EncryptionAlgorithm: alg }));
    assert.equal(e.EncryptionAlgorithm, alg);
    assert.equal(e.CiphertextBlob!.length, 256);
    const d = await kms.send(new DecryptCommand({ KeyId: rsa.Arn, CiphertextBlob: e.CiphertextBlob, EncryptionAlgorithm: alg }));
    assert.deepEqual(Buffer.from(d.Plaintext!), pt);
    assert.equal(d.EncryptionAlgorithm, alg);
    // Encrypted outside KMS with the downloaded public key (OAEP, MGF1 with the same hash).
    const local = publicEncrypt({ key: pub, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: hash }, pt);
    const d2 = await kms.send(new DecryptCommand({ KeyId: rsa.KeyId, CiphertextBlob: local, EncryptionAlgorithm: alg }));
    assert.deepEqual(Buffer.from(d2.Plaintext!), pt);
    // The wrong OAEP hash does not decrypt.
    await rejectsWith(kms.send(new DecryptCommand({ KeyId: rsa.KeyId, CiphertextBlob: local, EncryptionAlgorithm: alg === "RSAES_OAEP_SHA_1" ? "RSAES_OAEP_SHA_256" : "RSAES_OAEP_SHA_1" })), "InvalidCiphertextException");
  }
  // Encryption context is not supported with asymmetric keys.
  await rejectsWith(kms.send(new EncryptCommand({ KeyId: rsa.KeyId, Plaintext: utf8("x"), EncryptionAlgorithm: "RSAES_OAEP_SHA_256", EncryptionContext: { a: "b" } })), "ValidationException");
});

test("ReEncrypt moves a ciphertext to another key and context without exposing the plaintext", async () => {
  const e = await kms.send(new EncryptCommand({ KeyId: sym.KeyId, Plaintext: utf8("moving"), EncryptionContext: { stage: "1" } }));
  const r = await kms.send(
    new ReEncryptCommand({ CiphertextBlob: e.CiphertextBlob, SourceEncryptionContext: { stage: "1" }, DestinationKeyId: sym2.Arn, DestinationEncryptionContext: { stage: "2" } }),
  );
  assert.equal(r.SourceKeyId, sym.Arn);
  assert.equal(r.KeyId, sym2.Arn);
  assert.equal(r.SourceEncryptionAlgorithm, "SYMMETRIC_DEFAULT");
  assert.equal(r.DestinationEncryptionAlgorithm, "SYMMETRIC_DEFAULT");
  assert.equal((r as unknown as Record<string, unknown>).Plaintext, undefined);
  const d = await kms.send(new DecryptCommand({ CiphertextBlob: r.CiphertextBlob, EncryptionContext: { stage: "2" } }));
  assert.equal(text(d.Plaintext), "moving");
  assert.equal(d.KeyId, sym2.Arn);
  await rejectsWith(kms.send(new ReEncryptCommand({ CiphertextBlob: e.CiphertextBlob, DestinationKeyId: sym2.KeyId })), "InvalidCiphertextException");
  await rejectsWith(kms.send(new ReEncryptCommand({ CiphertextBlob: e.CiphertextBlob, SourceEncryptionContext: { stage: "1" }, SourceKeyId: sym2.KeyId, DestinationKeyId: sym2.KeyId })), "IncorrectKeyException");
  // RSA → symmetric.
  const re = await kms.send(new EncryptCommand({ KeyId: rsa.KeyId, Plaintext: utf8("from rsa"), EncryptionAlgorithm: "RSAES_OAEP_SHA_256" }));
  const r2 = await kms.send(new ReEncryptCommand({ CiphertextBlob: re.CiphertextBlob, SourceKeyId: rsa.KeyId, SourceEncryptionAlgorithm: "RSAES_OAEP_SHA_256", DestinationKeyId: "alias/crypto" }));
  assert.equal(r2.SourceEncryptionAlgorithm, "RSAES_OAEP_SHA_256");
  assert.equal(text((await kms.send(new DecryptCommand({ CiphertextBlob: r2.CiphertextBlob }))).Plaintext), "from rsa");
  // An asymmetric ciphertext names no key: the message names the member each operation left out.
  await rejectsWith(kms.send(new ReEncryptCommand({ CiphertextBlob: re.CiphertextBlob, SourceEncryptionAlgorithm: "RSAES_OAEP_SHA_256", DestinationKeyId: "alias/crypto" })), {
    name: "ValidationException",
    message: "SourceKeyId is required when the encryption algorithm is asymmetric.",
  });
  await rejectsWith(kms.send(new DecryptCommand({ CiphertextBlob: re.CiphertextBlob, EncryptionAlgorithm: "RSAES_OAEP_SHA_256" })), {
    name: "ValidationException",
    message: "KeyId is required when the encryption algorithm is asymmetric.",
  });
});

test("GenerateDataKey and GenerateDataKeyWithoutPlaintext", async () => {
  const ctx = { purpose: "dek" };
  const k = await kms.send(new GenerateDataKeyCommand({ KeyId: "alias/crypto", KeySpec: "AES_256", EncryptionContext: ctx }));
  assert.equal(k.KeyId, sym.Arn);
  assert.equal(k.Plaintext!.length, 32);
  const d = await kms.send(new DecryptCommand({ CiphertextBlob: k.CiphertextBlob, EncryptionContext: ctx }));
  assert.deepEqual(Buffer.from(d.Plaintext!), Buffer.from(k.Plaintext!));
  assert.equal((await kms.send(new GenerateDataKeyCommand({ KeyId: sym.KeyId, KeySpec: "AES_128" }))).Plaintext!.length, 16);
  assert.equal((await kms.send(new GenerateDataKeyCommand({ KeyId: sym.KeyId, NumberOfBytes: 1024 }))).Plaintext!.length, 1024);
  await rejectsWith(kms.send(new GenerateDataKeyCommand({ KeyId: sym.KeyId })), "ValidationException");
  await rejectsWith(kms.send(new GenerateDataKeyCommand({ KeyId: sym.KeyId, KeySpec: "AES_256", NumberOfBytes: 32 })), "ValidationException");
  await rejectsWith(kms.send(new GenerateDataKeyCommand({ KeyId: sym.KeyId, NumberOfBytes: 1025 })), "ValidationException");
  await rejectsWith(kms.send(new GenerateDataKeyCommand({ KeyId: sym.KeyId, NumberOfBytes: 0 })), "ValidationException");
  const w = await kms.send(new GenerateDataKeyWithoutPlaintextCommand({ KeyId: sym.KeyId, KeySpec: "AES_256" }));
  assert.equal((w as unknown as Record<string, unknown>).Plaintext, undefined);
  assert.equal(w.KeyId, sym.Arn);
  assert.equal((await kms.send(new DecryptCommand({ CiphertextBlob: w.CiphertextBlob }))).Plaintext!.length, 32);
});

test("GenerateDataKeyPair(WithoutPlaintext): matching PKCS#8 private / SPKI public keys, private key encrypted under the KMS key", async () => {
  const cases: Array<[DataKeyPairSpec, string, Record<string, unknown>]> = [
    ["RSA_2048", "rsa", { modulusLength: 2048 }],
    ["ECC_NIST_P256", "ec", { namedCurve: "prime256v1" }],
    ["ECC_NIST_P384", "ec", { namedCurve: "secp384r1" }],
    ["ECC_SECG_P256K1", "ec", { namedCurve: "secp256k1" }],
    ["ECC_NIST_EDWARDS25519", "ed25519", {}],
  ];
  for (const [spec, type, details] of cases) {
    const p = await kms.send(new GenerateDataKeyPairCommand({ KeyId: sym.KeyId, KeyPairSpec: spec, EncryptionContext: { spec } }));
    assert.equal(p.KeyPairSpec, spec);
    assert.equal(p.KeyId, sym.Arn);
    const priv = createPrivateKey({ key: Buffer.from(p.PrivateKeyPlaintext!), format: "der", type: "pkcs8" });
    assert.equal(priv.asymmetricKeyType, type, spec);
    for (const [k, v] of Object.entries(details)) assert.equal((priv.asymmetricKeyDetails as Record<string, unknown>)[k], v, spec);
    assert.deepEqual(createPublicKey(priv).export({ format: "der", type: "spki" }), Buffer.from(p.PublicKey!), spec);
    const d = await kms.send(new DecryptCommand({ CiphertextBlob: p.PrivateKeyCiphertextBlob, EncryptionContext: { spec } }));
    assert.deepEqual(Buffer.from(d.Plaintext!), Buffer.from(p.PrivateKeyPlaintext!), spec);
  }
  const w = await kms.send(new GenerateDataKeyPairWithoutPlaintextCommand({ KeyId: sym.KeyId, KeyPairSpec: "ECC_NIST_P256" }));
  assert.equal((w as unknown as Record<string, unknown>).PrivateKeyPlaintext, undefined);
  const priv = createPrivateKey({ key: Buffer.from((await kms.send(new DecryptCommand({ CiphertextBlob: w.PrivateKeyCiphertextBlob }))).Plaintext!), format: "der", type: "pkcs8" });
  assert.deepEqual(createPublicKey(priv).export({ format: "der", type: "spki" }), Buffer.from(w.PublicKey!));
  // Data key pairs are protected by a symmetric encryption key only.
  await rejectsWith(kms.send(new GenerateDataKeyPairCommand({ KeyId: rsa.KeyId, KeyPairSpec: "ECC_NIST_P256" })), "InvalidKeyUsageException");
});

test("GenerateRandom returns 1 to 1024 random bytes", async () => {
  const a = await kms.send(new GenerateRandomCommand({ NumberOfBytes: 32 }));
  const b = await kms.send(new GenerateRandomCommand({ NumberOfBytes: 32 }));
  assert.equal(a.Plaintext!.length, 32);
  assert.notDeepEqual(Buffer.from(a.Plaintext!), Buffer.from(b.Plaintext!));
  assert.equal((await kms.send(new GenerateRandomCommand({ NumberOfBytes: 1024 }))).Plaintext!.length, 1024);
  await rejectsWith(kms.send(new GenerateRandomCommand({ NumberOfBytes: 1025 })), {
    name: "ValidationException",
    message: "1 validation error detected: Value '1025' at 'numberOfBytes' failed to satisfy constraint: Member must have value less than or equal to 1024",
  });
  await rejectsWith(kms.send(new GenerateRandomCommand({ NumberOfBytes: 0 })), {
    name: "ValidationException",
    message: "1 validation error detected: Value '0' at 'numberOfBytes' failed to satisfy constraint: Member must have value greater than or equal to 1",
  });
  // NumberOfBytes is optional in the model but required by the service, absent or JSON null.
  await rejectsWith(kms.send(new GenerateRandomCommand({})), { name: "ValidationException", message: "NumberOfBytes is required." });
  const nullBytes = kmsClient(s);
  nullBytes.middlewareStack.add(
    (next) => async (args) => {
      const req = args.request as { body?: unknown; headers?: Record<string, string> };
      req.body = '{"NumberOfBytes":null}';
      if (req.headers) req.headers["content-length"] = String(Buffer.byteLength(req.body as string));
      return next(args);
    },
    { step: "build", priority: "low" },
  );
  await rejectsWith(nullBytes.send(new GenerateRandomCommand({ NumberOfBytes: 8 })), { name: "ValidationException", message: "NumberOfBytes is required." });
  await rejectsWith(kms.send(new GenerateRandomCommand({ NumberOfBytes: 8, CustomKeyStoreId: "cks-1234567890abcdef0" })), "CustomKeyStoreNotFoundException");
});

test("GetKeyLastUsage: empty before use, then the last successful cryptographic operation and its request id", async () => {
  const m = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!;
  const fresh = await kms.send(new GetKeyLastUsageCommand({ KeyId: m.KeyId }));
  assert.equal(fresh.KeyId, m.KeyId);
  assert.deepEqual(fresh.KeyLastUsage ?? {}, {});
  assert.equal(fresh.KeyCreationDate?.getTime(), m.CreationDate?.getTime());
  assert.ok(fresh.TrackingStartDate!.getTime() >= m.CreationDate!.getTime());
  const e = await kms.send(new EncryptCommand({ KeyId: m.KeyId, Plaintext: utf8("used") }));
  const used = await kms.send(new GetKeyLastUsageCommand({ KeyId: m.Arn }));
  assert.equal(used.KeyLastUsage?.Operation, "Encrypt");
  assert.equal(used.KeyLastUsage?.KmsRequestId, e.$metadata.requestId);
  assert.ok(used.KeyLastUsage?.Timestamp instanceof Date);
  // A failed operation is not a use.
  await assert.rejects(kms.send(new DecryptCommand({ CiphertextBlob: e.CiphertextBlob, EncryptionContext: { wrong: "ctx" } })));
  assert.equal((await kms.send(new GetKeyLastUsageCommand({ KeyId: m.KeyId }))).KeyLastUsage?.Operation, "Encrypt");
  await kms.send(new DecryptCommand({ CiphertextBlob: e.CiphertextBlob }));
  assert.equal((await kms.send(new GetKeyLastUsageCommand({ KeyId: m.KeyId }))).KeyLastUsage?.Operation, "Decrypt");
  await rejectsWith(kms.send(new GetKeyLastUsageCommand({ KeyId: "alias/crypto" })), "NotFoundException");
  // The CloudTrail event id of that last use.
  assert.equal(typeof used.KeyLastUsage?.CloudTrailEventId, "string");
});
