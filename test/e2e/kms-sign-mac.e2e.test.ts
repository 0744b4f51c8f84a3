/**
 * KMS asymmetric and MAC operations through the real server, each checked against an independent
 * implementation where one exists: Sign / Verify for every signing algorithm (RSA PSS and
 * PKCS#1 v1.5, ECDSA on the NIST curves and secp256k1, Ed25519 and Ed25519ph, ML-DSA with
 * MessageType RAW / DIGEST / EXTERNAL_MU rules), GenerateMac / VerifyMac for every HMAC key spec,
 * DeriveSharedSecret (ECDH) and Encapsulate / Decapsulate (ML-KEM).
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { constants, createHash, createPublicKey, diffieHellman, generateKeyPairSync, randomBytes, verify as nodeVerify } from "node:crypto";
import {
  CreateKeyCommand,
  type CreateKeyCommandInput,
  SignCommand,
  VerifyCommand,
  GetPublicKeyCommand,
  GenerateMacCommand,
  VerifyMacCommand,
  DeriveSharedSecretCommand,
  EncapsulateCommand,
  DecapsulateCommand,
  type KMSClient,
  type KeyMetadata,
  type KeySpec,
  type SigningAlgorithmSpec,
  type MacAlgorithmSpec,
} from "@aws-sdk/client-kms";
import { ml_dsa44, ml_dsa65, ml_dsa87 } from "@noble/post-quantum/ml-dsa.js";
import { ml_kem512, ml_kem768, ml_kem1024 } from "@noble/post-quantum/ml-kem.js";
import { ed25519ph } from "@noble/curves/ed25519.js";
import { startTestServer, type TestServer } from "./harness.js";
import { kmsClient, rejectsWith, utf8 } from "./kms-support.js";

let s: TestServer;
let kms: KMSClient;
const keys = new Map<string, KeyMetadata>();
const pubs = new Map<string, Buffer>();

const SIGN_KEYS: KeySpec[] = ["RSA_2048", "ECC_NIST_P256", "ECC_NIST_P384", "ECC_NIST_P521", "ECC_SECG_P256K1", "ECC_NIST_EDWARDS25519", "ML_DSA_44", "ML_DSA_65", "ML_DSA_87"];
before(async () => {
  s = await startTestServer();
  kms = kmsClient(s);
  const specs: Array<[string, KeySpec, CreateKeyCommandInput]> = [
    ...SIGN_KEYS.map((k) => [k, k, { KeySpec: k, KeyUsage: "SIGN_VERIFY" }] as [string, KeySpec, CreateKeyCommandInput]),
    ...(["HMAC_224", "HMAC_256", "HMAC_384", "HMAC_512"] as const).map((k) => [k, k, { KeySpec: k, KeyUsage: "GENERATE_VERIFY_MAC" }] as [string, KeySpec, CreateKeyCommandInput]),
    ...(["ECC_NIST_P256", "ECC_NIST_P384", "ECC_NIST_P521"] as const).map((k) => [`agree-${k}`, k, { KeySpec: k, KeyUsage: "KEY_AGREEMENT" }] as [string, KeySpec, CreateKeyCommandInput]),
    ...(["ML_KEM_512", "ML_KEM_768", "ML_KEM_1024"] as const).map((k) => [k, k, { KeySpec: k, KeyUsage: "ENCAPSULATE_DECAPSULATE" }] as [string, KeySpec, CreateKeyCommandInput]),
    ["symmetric", "SYMMETRIC_DEFAULT", {}],
  ];
  const made = await Promise.all(specs.map(([, , input]) => kms.send(new CreateKeyCommand(input))));
  specs.forEach(([name], i) => keys.set(name, made[i]!.KeyMetadata!));
  await Promise.all(
    [...keys.entries()]
      .filter(([name]) => !name.startsWith("HMAC") && name !== "symmetric")
      .map(async ([name, m]) => pubs.set(name, Buffer.from((await kms.send(new GetPublicKeyCommand({ KeyId: m.KeyId }))).PublicKey!))),
  );
});
after(async () => {
  await s.destroy();
});

const key = (name: string) => keys.get(name)!;
const HASH: Record<string, string> = { "256": "sha256", "384": "sha384", "512": "sha512" };

async function signVerify(name: string, alg: SigningAlgorithmSpec, message: Uint8Array, messageType: "RAW" | "DIGEST" | "EXTERNAL_MU" = "RAW"): Promise<Buffer> {
  const k = key(name);
  const sig = await kms.send(new SignCommand({ KeyId: k.KeyId, Message: message, MessageType: messageType, SigningAlgorithm: alg }));
  assert.equal(sig.KeyId, k.Arn);
  assert.equal(sig.SigningAlgorithm, alg);
  const v = await kms.send(new VerifyCommand({ KeyId: k.Arn, Message: message, MessageType: messageType, SigningAlgorithm: alg, Signature: sig.Signature }));
  assert.equal(v.SignatureValid, true);
  assert.equal(v.KeyId, k.Arn);
  assert.equal(v.SigningAlgorithm, alg);
  return Buffer.from(sig.Signature!);
}

test("RSA signatures (PSS with salt = hash length, PKCS#1 v1.5), RAW and DIGEST, verify with node:crypto", async () => {
  const pub = createPublicKey({ key: pubs.get("RSA_2048")!, format: "der", type: "spki" });
  const msg = utf8("a message to sign with RSA");
  for (const pad of ["PSS", "PKCS1_V1_5"] as const) {
    for (const bits of ["256", "384", "512"]) {
      const alg = `RSASSA_${pad}_SHA_${bits}` as SigningAlgorithmSpec;
      const padding = pad === "PSS" ? { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: Number(bits) / 8 } : { padding: constants.RSA_PKCS1_PADDING };
      const raw = await signVerify("RSA_2048", alg, msg);
      assert.ok(nodeVerify(HASH[bits]!, msg, { key: pub, ...padding }, raw), alg);
      // DIGEST: KMS skips the hash; the signature is the one over the original message.
      const digest = createHash(HASH[bits]!).update(msg).digest();
      const dig = await signVerify("RSA_2048", alg, digest, "DIGEST");
      assert.ok(nodeVerify(HASH[bits]!, msg, { key: pub, ...padding }, dig), `${alg} DIGEST`);
    }
  }
});

test("ECDSA on P-256, P-384, P-521 and secp256k1: DER signatures, RAW and DIGEST, verify with node:crypto", async () => {
  const msg = utf8("a message to sign with ECDSA");
  const curves = [
    ["ECC_NIST_P256", "ECDSA_SHA_256", "sha256"],
    ["ECC_NIST_P384", "ECDSA_SHA_384", "sha384"],
    ["ECC_NIST_P521", "ECDSA_SHA_512", "sha512"],
    ["ECC_SECG_P256K1", "ECDSA_SHA_256", "sha256"],
  ] as const;
  const pub = (name: string) => createPublicKey({ key: pubs.get(name)!, format: "der", type: "spki" });
  for (const [name, alg, hash] of curves) {
    const raw = await signVerify(name, alg, msg);
    assert.equal(raw[0], 0x30, "DER SEQUENCE");
    assert.ok(nodeVerify(hash, msg, { key: pub(name), dsaEncoding: "der" }, raw), name);
  }
  // The algorithm must match the curve.
  await rejectsWith(kms.send(new SignCommand({ KeyId: key("ECC_NIST_P256").KeyId, Message: msg, SigningAlgorithm: "ECDSA_SHA_384" })), "InvalidKeyUsageException");
  await rejectsWith(kms.send(new SignCommand({ KeyId: key("ECC_NIST_P256").KeyId, Message: msg, SigningAlgorithm: "RSASSA_PSS_SHA_256" })), "InvalidKeyUsageException");
  // DIGEST must have the hash's length.
  await rejectsWith(kms.send(new SignCommand({ KeyId: key("ECC_NIST_P256").KeyId, Message: randomBytes(31), MessageType: "DIGEST", SigningAlgorithm: "ECDSA_SHA_256" })), "ValidationException");
  // DIGEST: the signature over a digest is the signature over the message.
  for (const [name, alg, hash] of curves) {
    const dig = await signVerify(name, alg, createHash(hash).update(msg).digest(), "DIGEST");
    assert.ok(nodeVerify(hash, msg, { key: pub(name), dsaEncoding: "der" }, dig), `${name} DIGEST`);
  }
});

test("Ed25519: ED25519_SHA_512 needs RAW, ED25519_PH_SHA_512 needs DIGEST (and pre-hashes once more)", async () => {
  const spki = pubs.get("ECC_NIST_EDWARDS25519")!;
  const pub = createPublicKey({ key: spki, format: "der", type: "spki" });
  const msg = utf8("a message to sign with Ed25519");
  const raw = await signVerify("ECC_NIST_EDWARDS25519", "ED25519_SHA_512", msg);
  assert.equal(raw.length, 64);
  assert.ok(nodeVerify(null, msg, pub, raw));
  const digest = createHash("sha512").update(msg).digest();
  const k = key("ECC_NIST_EDWARDS25519").KeyId;
  await rejectsWith(kms.send(new SignCommand({ KeyId: k, Message: digest, MessageType: "DIGEST", SigningAlgorithm: "ED25519_SHA_512" })), "ValidationException");
  await rejectsWith(kms.send(new SignCommand({ KeyId: k, Message: msg, MessageType: "RAW", SigningAlgorithm: "ED25519_PH_SHA_512" })), "ValidationException");
  const ph = await signVerify("ECC_NIST_EDWARDS25519", "ED25519_PH_SHA_512", digest, "DIGEST");
  // Ed25519ph (RFC 8032) over the 64-byte digest: KMS hashes the submitted digest again.
  assert.ok(ed25519ph.verify(ph, digest, spki.subarray(spki.length - 32)));
});

test("ML-DSA 44/65/87: RAW verifies with FIPS 204 ML-DSA, EXTERNAL_MU signs the 64-byte μ, DIGEST is refused", async () => {
  const msg = utf8("a message to sign with ML-DSA");
  for (const [name, impl, sigLen] of [
    ["ML_DSA_44", ml_dsa44, 2420],
    ["ML_DSA_65", ml_dsa65, 3309],
    ["ML_DSA_87", ml_dsa87, 4627],
  ] as const) {
    const spki = pubs.get(name)!;
    const rawPub = spki.subarray(22);
    const raw = await signVerify(name, "ML_DSA_SHAKE_256", msg);
    assert.equal(raw.length, sigLen, name);
    assert.ok(impl.verify(raw, msg, rawPub), `${name}: pure ML-DSA, empty context`);
    // μ = SHAKE256(SHAKE256(pk, 64) ‖ 0x00 ‖ 0x00 ‖ M, 64) (FIPS 204, empty context string).
    const tr = createHash("shake256", { outputLength: 64 }).update(rawPub).digest();
    const mu = createHash("shake256", { outputLength: 64 }).update(tr).update(Buffer.from([0, 0])).update(msg).digest();
    const ext = await signVerify(name, "ML_DSA_SHAKE_256", mu, "EXTERNAL_MU");
    // A signature over μ is a signature over the message.
    assert.ok(impl.verify(ext, msg, rawPub), `${name}: EXTERNAL_MU`);
    const v = await kms.send(new VerifyCommand({ KeyId: key(name).KeyId, Message: msg, MessageType: "RAW", SigningAlgorithm: "ML_DSA_SHAKE_256", Signature: ext }));
    assert.equal(v.SignatureValid, true);
  }
  const k = key("ML_DSA_65").KeyId;
  await rejectsWith(kms.send(new SignCommand({ KeyId: k, Message: randomBytes(32), MessageType: "EXTERNAL_MU", SigningAlgorithm: "ML_DSA_SHAKE_256" })), "ValidationException");
  await rejectsWith(kms.send(new SignCommand({ KeyId: k, Message: randomBytes(64), MessageType: "DIGEST", SigningAlgorithm: "ML_DSA_SHAKE_256" })), "ValidationException");
  await rejectsWith(kms.send(new SignCommand({ KeyId: k, Message: msg, SigningAlgorithm: "ECDSA_SHA_256" })), "InvalidKeyUsageException");
});

test("Verify failures, the 4096-byte RAW message limit, and key usage", async () => {
  const k = key("ECC_NIST_P256");
  const sig = await kms.send(new SignCommand({ KeyId: k.KeyId, Message: utf8("original"), SigningAlgorithm: "ECDSA_SHA_256" }));
  await rejectsWith(kms.send(new VerifyCommand({ KeyId: k.KeyId, Message: utf8("tampered"), SigningAlgorithm: "ECDSA_SHA_256", Signature: sig.Signature })), "KMSInvalidSignatureException");
  await rejectsWith(
    kms.send(new VerifyCommand({ KeyId: key("ECC_SECG_P256K1").KeyId, Message: utf8("original"), SigningAlgorithm: "ECDSA_SHA_256", Signature: sig.Signature })),
    "KMSInvalidSignatureException",
  );
  await signVerify("ECC_NIST_P256", "ECDSA_SHA_256", randomBytes(4096));
  await rejectsWith(kms.send(new SignCommand({ KeyId: k.KeyId, Message: randomBytes(4097), SigningAlgorithm: "ECDSA_SHA_256" })), "ValidationException");
  await rejectsWith(kms.send(new SignCommand({ KeyId: key("symmetric").KeyId, Message: utf8("x"), SigningAlgorithm: "ECDSA_SHA_256" })), "InvalidKeyUsageException");
  await rejectsWith(kms.send(new SignCommand({ KeyId: key("agree-ECC_NIST_P256").KeyId, Message: utf8("x"), SigningAlgorithm: "ECDSA_SHA_256" })), "InvalidKeyUsageException");
});

test("HMAC: GenerateMac / VerifyMac for every HMAC key spec; wrong algorithm, key or MAC are refused", async () => {
  const msg = utf8("a message to authenticate");
  for (const [name, alg, len] of [
    ["HMAC_224", "HMAC_SHA_224", 28],
    ["HMAC_256", "HMAC_SHA_256", 32],
    ["HMAC_384", "HMAC_SHA_384", 48],
    ["HMAC_512", "HMAC_SHA_512", 64],
  ] as const) {
    const k = key(name);
    const mac = await kms.send(new GenerateMacCommand({ KeyId: k.KeyId, Message: msg, MacAlgorithm: alg }));
    assert.equal(mac.Mac!.length, len);
    assert.equal(mac.KeyId, k.Arn);
    assert.equal(mac.MacAlgorithm, alg);
    // HMAC is deterministic.
    const again = await kms.send(new GenerateMacCommand({ KeyId: k.Arn, Message: msg, MacAlgorithm: alg }));
    assert.deepEqual(Buffer.from(again.Mac!), Buffer.from(mac.Mac!));
    const v = await kms.send(new VerifyMacCommand({ KeyId: k.KeyId, Message: msg, MacAlgorithm: alg, Mac: mac.Mac }));
    assert.equal(v.MacValid, true);
    assert.equal(v.KeyId, k.Arn);
    const bad = Buffer.from(mac.Mac!);
    bad[0] = bad[0]! ^ 1;
    await rejectsWith(kms.send(new VerifyMacCommand({ KeyId: k.KeyId, Message: msg, MacAlgorithm: alg, Mac: bad })), "KMSInvalidMacException");
  }
  const other = await kms.send(new GenerateMacCommand({ KeyId: key("HMAC_256").KeyId, Message: msg, MacAlgorithm: "HMAC_SHA_256" }));
  // Two keys never share a MAC.
  const fromOther = await kms.send(new GenerateMacCommand({ KeyId: key("HMAC_256").KeyId, Message: utf8("another message"), MacAlgorithm: "HMAC_SHA_256" }));
  assert.notDeepEqual(Buffer.from(other.Mac!), Buffer.from(fromOther.Mac!));
  await rejectsWith(kms.send(new GenerateMacCommand({ KeyId: key("HMAC_256").KeyId, Message: msg, MacAlgorithm: "HMAC_SHA_512" as MacAlgorithmSpec })), "InvalidKeyUsageException");
  await rejectsWith(kms.send(new GenerateMacCommand({ KeyId: key("symmetric").KeyId, Message: msg, MacAlgorithm: "HMAC_SHA_256" })), "InvalidKeyUsageException");
  await rejectsWith(kms.send(new GenerateMacCommand({ KeyId: key("HMAC_256").KeyId, Message: randomBytes(4097), MacAlgorithm: "HMAC_SHA_256" })), "ValidationException");
});

test("DeriveSharedSecret (ECDH) equals the secret the other party derives with node:crypto", async () => {
  for (const [curve, name] of [["prime256v1", "agree-ECC_NIST_P256"], ["secp384r1", "agree-ECC_NIST_P384"], ["secp521r1", "agree-ECC_NIST_P521"]] as const) {
    const mine = generateKeyPairSync("ec", { namedCurve: curve });
    const r = await kms.send(
      new DeriveSharedSecretCommand({ KeyId: key(name).KeyId, KeyAgreementAlgorithm: "ECDH", PublicKey: mine.publicKey.export({ format: "der", type: "spki" }) }),
    );
    assert.equal(r.KeyId, key(name).Arn);
    assert.equal(r.KeyAgreementAlgorithm, "ECDH");
    assert.equal(r.KeyOrigin, "AWS_KMS");
    const theirs = createPublicKey({ key: pubs.get(name)!, format: "der", type: "spki" });
    assert.deepEqual(Buffer.from(r.SharedSecret!), diffieHellman({ privateKey: mine.privateKey, publicKey: theirs }), curve);
  }
  await rejectsWith(
    kms.send(new DeriveSharedSecretCommand({ KeyId: key("ECC_NIST_P256").KeyId, KeyAgreementAlgorithm: "ECDH", PublicKey: pubs.get("agree-ECC_NIST_P256") })),
    "InvalidKeyUsageException",
  );
});

test("ML-KEM Encapsulate / Decapsulate agree with FIPS 203 ML-KEM on the other side", async () => {
  for (const [name, impl, ctLen] of [["ML_KEM_512", ml_kem512, 768], ["ML_KEM_768", ml_kem768, 1088], ["ML_KEM_1024", ml_kem1024, 1568]] as const) {
    const k = key(name);
    const e = await kms.send(new EncapsulateCommand({ KeyId: k.KeyId, EncapsulationAlgorithm: "ML_KEM" }));
    assert.equal(e.KeyId, k.Arn);
    assert.equal(e.EncapsulationAlgorithm, "ML_KEM");
    assert.equal(e.SharedSecret!.length, 32);
    assert.equal(e.SharedSecretCiphertextBlob!.length, ctLen);
    const d = await kms.send(new DecapsulateCommand({ KeyId: k.Arn, EncapsulationAlgorithm: "ML_KEM", SharedSecretCiphertextBlob: e.SharedSecretCiphertextBlob }));
    assert.deepEqual(Buffer.from(d.SharedSecret!), Buffer.from(e.SharedSecret!));
    assert.equal(d.KeyId, k.Arn);
    // A sender that only has the public key (GetPublicKey) encapsulates locally.
    const local = impl.encapsulate(pubs.get(name)!.subarray(22));
    const d2 = await kms.send(new DecapsulateCommand({ KeyId: k.KeyId, EncapsulationAlgorithm: "ML_KEM", SharedSecretCiphertextBlob: local.cipherText }));
    assert.deepEqual(Buffer.from(d2.SharedSecret!), Buffer.from(local.sharedSecret));
    await rejectsWith(
      kms.send(new DecapsulateCommand({ KeyId: k.KeyId, EncapsulationAlgorithm: "ML_KEM", SharedSecretCiphertextBlob: local.cipherText.subarray(1) })),
      "InvalidCiphertextException",
    );
  }
  await rejectsWith(kms.send(new EncapsulateCommand({ KeyId: key("symmetric").KeyId, EncapsulationAlgorithm: "ML_KEM" })), "InvalidKeyUsageException");
});
