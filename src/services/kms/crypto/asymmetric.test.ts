import assert from "node:assert/strict";
import { constants, createHash, createPublicKey, publicEncrypt, verify as nodeVerify } from "node:crypto";
import { before, describe, test } from "node:test";
import { ed25519ph as ed25519phRef } from "@noble/curves/ed25519.js";
import { decryptAsymmetric, encryptAsymmetric, sign, verify, verifyOrThrow } from "./asymmetric.js";
import { INVALID_CIPHERTEXT_MESSAGE, isKmsCryptoError, type KmsCryptoErrorKind } from "./errors.js";
import { generateKeyMaterial, generateKeyMaterialAsync, type KeyMaterial } from "./material.js";
import { decodePqSpki, mlDsaExternalMu } from "./pq.js";

const kind = (k: KmsCryptoErrorKind) => (e: unknown): boolean => isKmsCryptoError(e, k);
const MESSAGE = Buffer.from("Bulwark signs this message.");
const HASH = { 256: "sha256", 384: "sha384", 512: "sha512" } as const;
const digest = (bits: 256 | 384 | 512, m: Buffer = MESSAGE): Buffer => createHash(HASH[bits]).update(m).digest();

let rsa2048: KeyMaterial;
let rsa3072: KeyMaterial;
const ec: Record<string, KeyMaterial> = {};
let ed25519: KeyMaterial;
let mlDsa44: KeyMaterial;

before(async () => {
  [rsa2048, rsa3072] = await Promise.all([generateKeyMaterialAsync("RSA_2048"), generateKeyMaterialAsync("RSA_3072")]);
  for (const s of ["ECC_NIST_P256", "ECC_NIST_P384", "ECC_NIST_P521", "ECC_SECG_P256K1"]) ec[s] = generateKeyMaterial(s);
  ed25519 = generateKeyMaterial("ECC_NIST_EDWARDS25519");
  mlDsa44 = generateKeyMaterial("ML_DSA_44");
});

describe("RSA encryption (RSAES-OAEP)", () => {
  test("round trip at the maximum plaintext size, one byte more is Validation", () => {
    for (const [alg, max] of [["RSAES_OAEP_SHA_1", 214], ["RSAES_OAEP_SHA_256", 190]] as const) {
      const pt = Buffer.alloc(max, 0x5a);
      const ct = encryptAsymmetric({ material: rsa2048, algorithm: alg, plaintext: pt });
      assert.equal(ct.length, 256);
      assert.deepEqual(decryptAsymmetric({ material: rsa2048, algorithm: alg, ciphertext: ct }), pt);
      assert.throws(() => encryptAsymmetric({ material: rsa2048, algorithm: alg, plaintext: Buffer.alloc(max + 1) }), kind("Validation"));
    }
    assert.equal(encryptAsymmetric({ material: rsa3072, algorithm: "RSAES_OAEP_SHA_256", plaintext: Buffer.alloc(318) }).length, 384);
  });

  test("ciphertext made outside KMS with the public key (node, MGF1 = same hash) decrypts", () => {
    const key = createPublicKey({ key: rsa2048.publicDer as Buffer, format: "der", type: "spki" });
    const ct = publicEncrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha256" }, Buffer.from("offline"));
    assert.equal(decryptAsymmetric({ material: rsa2048, algorithm: "RSAES_OAEP_SHA_256", ciphertext: ct }).toString(), "offline");
  });

  test("wrong algorithm, tampering, wrong length, wrong key: InvalidCiphertext", () => {
    const ct = encryptAsymmetric({ material: rsa2048, algorithm: "RSAES_OAEP_SHA_256", plaintext: Buffer.from("x") });
    const invalid = (e: unknown): boolean => isKmsCryptoError(e, "InvalidCiphertext") && (e as Error).message === INVALID_CIPHERTEXT_MESSAGE;
    assert.throws(() => decryptAsymmetric({ material: rsa2048, algorithm: "RSAES_OAEP_SHA_1", ciphertext: ct }), invalid);
    const t = Buffer.from(ct);
    t[10] = (t[10] as number) ^ 1;
    assert.throws(() => decryptAsymmetric({ material: rsa2048, algorithm: "RSAES_OAEP_SHA_256", ciphertext: t }), invalid);
    assert.throws(() => decryptAsymmetric({ material: rsa2048, algorithm: "RSAES_OAEP_SHA_256", ciphertext: ct.subarray(1) }), invalid);
    assert.throws(() => decryptAsymmetric({ material: rsa3072, algorithm: "RSAES_OAEP_SHA_256", ciphertext: ct }), invalid);
  });

  test("algorithms the key does not support are InvalidKeyUsage", () => {
    assert.throws(() => encryptAsymmetric({ material: rsa2048, algorithm: "SYMMETRIC_DEFAULT", plaintext: Buffer.from("x") }), kind("InvalidKeyUsage"));
    assert.throws(() => encryptAsymmetric({ material: ec["ECC_NIST_P256"] as KeyMaterial, algorithm: "RSAES_OAEP_SHA_256", plaintext: Buffer.from("x") }), kind("InvalidKeyUsage"));
  });
});

describe("RSA signatures", () => {
  const algs = [
    ["RSASSA_PSS_SHA_256", 256],
    ["RSASSA_PSS_SHA_384", 384],
    ["RSASSA_PSS_SHA_512", 512],
    ["RSASSA_PKCS1_V1_5_SHA_256", 256],
    ["RSASSA_PKCS1_V1_5_SHA_384", 384],
    ["RSASSA_PKCS1_V1_5_SHA_512", 512],
  ] as const;

  test("RAW and DIGEST signatures are interchangeable (DIGEST is not hashed again)", () => {
    for (const material of [rsa2048, rsa3072]) {
      for (const [algorithm, bits] of algs) {
        const raw = sign({ material, algorithm, message: MESSAGE });
        const dig = sign({ material, algorithm, messageType: "DIGEST", message: digest(bits) });
        for (const sig of [raw, dig]) {
          assert.equal(verify({ material, algorithm, message: MESSAGE, signature: sig }), true, `${algorithm} raw-verify`);
          assert.equal(verify({ material, algorithm, messageType: "DIGEST", message: digest(bits), signature: sig }), true, `${algorithm} digest-verify`);
        }
        assert.equal(verify({ material, algorithm, message: Buffer.from("other"), signature: raw }), false);
        assert.equal(verify({ material, algorithm, messageType: "DIGEST", message: digest(bits, Buffer.from("other")), signature: dig }), false);
      }
    }
  });

  test("PKCS#1 v1.5 signatures are deterministic and equal for RAW and DIGEST", () => {
    const a = sign({ material: rsa2048, algorithm: "RSASSA_PKCS1_V1_5_SHA_256", message: MESSAGE });
    const b = sign({ material: rsa2048, algorithm: "RSASSA_PKCS1_V1_5_SHA_256", messageType: "DIGEST", message: digest(256) });
    assert.deepEqual(a, b);
  });

  test("PSS uses a salt as long as the digest (KMS), checked with node's strict salt length", () => {
    const key = createPublicKey({ key: rsa2048.publicDer as Buffer, format: "der", type: "spki" });
    for (const [algorithm, bits] of algs.filter(([a]) => a.startsWith("RSASSA_PSS"))) {
      for (const messageType of ["RAW", "DIGEST"] as const) {
        const sig = sign({ material: rsa2048, algorithm, messageType, message: messageType === "RAW" ? MESSAGE : digest(bits) });
        const opts = { key, padding: constants.RSA_PKCS1_PSS_PADDING };
        assert.equal(nodeVerify(HASH[bits], MESSAGE, { ...opts, saltLength: bits / 8 }, sig), true, `${algorithm} ${messageType}`);
        assert.equal(nodeVerify(HASH[bits], MESSAGE, { ...opts, saltLength: bits / 8 - 1 }, sig), false, `${algorithm} ${messageType}`);
      }
    }
  });

  test("tampered signatures are invalid; verifyOrThrow raises KMSInvalidSignature", () => {
    const sig = sign({ material: rsa2048, algorithm: "RSASSA_PSS_SHA_256", messageType: "DIGEST", message: digest(256) });
    for (const i of [0, 100, sig.length - 1]) {
      const t = Buffer.from(sig);
      t[i] = (t[i] as number) ^ 0x80;
      assert.equal(verify({ material: rsa2048, algorithm: "RSASSA_PSS_SHA_256", messageType: "DIGEST", message: digest(256), signature: t }), false);
      assert.throws(() => verifyOrThrow({ material: rsa2048, algorithm: "RSASSA_PSS_SHA_256", message: MESSAGE, signature: t }), kind("KMSInvalidSignature"));
    }
    assert.equal(verify({ material: rsa2048, algorithm: "RSASSA_PKCS1_V1_5_SHA_256", messageType: "DIGEST", message: digest(256), signature: sig.subarray(1) }), false);
    assert.doesNotThrow(() => verifyOrThrow({ material: rsa2048, algorithm: "RSASSA_PSS_SHA_256", message: MESSAGE, signature: sig }));
  });

  test("message limits: RAW 1..4096 bytes, DIGEST exactly the hash length", () => {
    assert.equal(sign({ material: rsa2048, algorithm: "RSASSA_PSS_SHA_256", message: Buffer.alloc(4096) }).length, 256);
    assert.throws(() => sign({ material: rsa2048, algorithm: "RSASSA_PSS_SHA_256", message: Buffer.alloc(4097) }), kind("Validation"));
    assert.throws(() => sign({ material: rsa2048, algorithm: "RSASSA_PSS_SHA_256", message: Buffer.alloc(0) }), kind("Validation"));
    assert.throws(() => sign({ material: rsa2048, algorithm: "RSASSA_PSS_SHA_384", messageType: "DIGEST", message: digest(256) }), kind("Validation"));
    assert.throws(() => sign({ material: rsa2048, algorithm: "RSASSA_PSS_SHA_256", messageType: "EXTERNAL_MU", message: Buffer.alloc(64) }), kind("Validation"));
    assert.throws(() => sign({ material: rsa2048, algorithm: "RSASSA_PSS_SHA_256", messageType: "HASHED", message: digest(256) }), kind("Validation"));
  });

  test("algorithms of another key family are InvalidKeyUsage", () => {
    assert.throws(() => sign({ material: rsa2048, algorithm: "ECDSA_SHA_256", message: MESSAGE }), kind("InvalidKeyUsage"));
    assert.throws(() => sign({ material: generateKeyMaterial("SYMMETRIC_DEFAULT"), algorithm: "RSASSA_PSS_SHA_256", message: MESSAGE }), kind("InvalidKeyUsage"));
  });
});

describe("ECDSA and Ed25519", () => {
  test("ECDSA: one algorithm per curve, DER-encoded signatures, RAW round trip", () => {
    const pairs = [["ECC_NIST_P256", "ECDSA_SHA_256"], ["ECC_NIST_P384", "ECDSA_SHA_384"], ["ECC_NIST_P521", "ECDSA_SHA_512"], ["ECC_SECG_P256K1", "ECDSA_SHA_256"]] as const;
    for (const [spec, algorithm] of pairs) {
      const material = ec[spec] as KeyMaterial;
      const sig = sign({ material, algorithm, message: MESSAGE });
      assert.equal(sig[0], 0x30, `${spec}: DER SEQUENCE`);
      assert.equal(verify({ material, algorithm, message: MESSAGE, signature: sig }), true, spec);
      assert.equal(verify({ material, algorithm, message: Buffer.from("x"), signature: sig }), false, spec);
      assert.equal(verify({ material, algorithm, message: MESSAGE, signature: Buffer.from("3000", "hex") }), false, spec);
    }
    assert.throws(() => sign({ material: ec["ECC_NIST_P256"] as KeyMaterial, algorithm: "ECDSA_SHA_384", message: MESSAGE }), kind("InvalidKeyUsage"));
  });

  test("ECDSA with MessageType DIGEST: a signature over sha(M) is a signature over M, on every curve", () => {
    const pairs = [
      ["ECC_NIST_P256", "ECDSA_SHA_256", 256],
      ["ECC_NIST_P384", "ECDSA_SHA_384", 384],
      ["ECC_NIST_P521", "ECDSA_SHA_512", 512],
      ["ECC_SECG_P256K1", "ECDSA_SHA_256", 256],
    ] as const;
    for (const [spec, algorithm, bits] of pairs) {
      const material = ec[spec] as KeyMaterial;
      const sig = sign({ material, algorithm, messageType: "DIGEST", message: digest(bits) });
      assert.equal(sig[0], 0x30, `${spec}: DER`);
      const pub = createPublicKey({ key: material.publicDer as Buffer, format: "der", type: "spki" });
      assert.ok(nodeVerify(HASH[bits], MESSAGE, { key: pub, dsaEncoding: "der" }, sig), `${spec}: node verifies over the message`);
      assert.equal(verify({ material, algorithm, messageType: "DIGEST", message: digest(bits), signature: sig }), true, spec);
      const raw = sign({ material, algorithm, message: MESSAGE });
      assert.equal(verify({ material, algorithm, messageType: "DIGEST", message: digest(bits), signature: raw }), true, `${spec}: RAW signature verifies as DIGEST`);
      assert.equal(verify({ material, algorithm, messageType: "DIGEST", message: digest(bits, Buffer.from("x")), signature: sig }), false, spec);
      assert.equal(verify({ material, algorithm, messageType: "DIGEST", message: digest(bits), signature: Buffer.alloc(70) }), false, spec);
    }
    assert.throws(() => sign({ material: ec["ECC_NIST_P256"] as KeyMaterial, algorithm: "ECDSA_SHA_256", messageType: "DIGEST", message: Buffer.alloc(31) }), kind("Validation"));
  });

  test("Ed25519: 64-byte signatures over the raw message; Ed25519ph over the submitted digest", () => {
    const sig = sign({ material: ed25519, algorithm: "ED25519_SHA_512", message: MESSAGE });
    assert.equal(sig.length, 64);
    assert.deepEqual(sign({ material: ed25519, algorithm: "ED25519_SHA_512", message: MESSAGE }), sig, "Ed25519 is deterministic");
    assert.equal(verify({ material: ed25519, algorithm: "ED25519_SHA_512", message: MESSAGE, signature: sig }), true);
    assert.equal(verify({ material: ed25519, algorithm: "ED25519_SHA_512", message: Buffer.from("y"), signature: sig }), false);
    assert.throws(() => sign({ material: ed25519, algorithm: "ED25519_SHA_512", messageType: "DIGEST", message: digest(512) }), kind("Validation"));
    const ph = sign({ material: ed25519, algorithm: "ED25519_PH_SHA_512", messageType: "DIGEST", message: digest(512) });
    assert.equal(ph.length, 64);
    assert.notDeepEqual(ph, sig);
    // RFC 8032 Ed25519ph of the digest (KMS applies the SHA-512 pre-hash to what it is given).
    const rawPub = (ed25519.publicDer as Buffer).subarray(-32);
    assert.ok(ed25519phRef.verify(ph, digest(512), rawPub));
    assert.equal(verify({ material: ed25519, algorithm: "ED25519_PH_SHA_512", messageType: "DIGEST", message: digest(512), signature: ph }), true);
    assert.equal(verify({ material: ed25519, algorithm: "ED25519_PH_SHA_512", messageType: "DIGEST", message: digest(512, Buffer.from("z")), signature: ph }), false);
    assert.throws(() => sign({ material: ed25519, algorithm: "ED25519_PH_SHA_512", message: MESSAGE }), kind("Validation"));
  });
});

describe("ML-DSA", () => {
  test("RAW and EXTERNAL_MU signatures verify both ways", () => {
    const raw = decodePqSpki("ML_DSA_44", mlDsa44.publicDer as Buffer) as Buffer;
    const mu = mlDsaExternalMu(raw, MESSAGE);
    const s1 = sign({ material: mlDsa44, algorithm: "ML_DSA_SHAKE_256", message: MESSAGE });
    const s2 = sign({ material: mlDsa44, algorithm: "ML_DSA_SHAKE_256", messageType: "EXTERNAL_MU", message: mu });
    assert.equal(s1.length, 2420);
    for (const s of [s1, s2]) {
      assert.equal(verify({ material: mlDsa44, algorithm: "ML_DSA_SHAKE_256", message: MESSAGE, signature: s }), true);
      assert.equal(verify({ material: mlDsa44, algorithm: "ML_DSA_SHAKE_256", messageType: "EXTERNAL_MU", message: mu, signature: s }), true);
    }
    assert.equal(verify({ material: mlDsa44, algorithm: "ML_DSA_SHAKE_256", message: Buffer.from("z"), signature: s1 }), false);
  });

  test("DIGEST is refused, EXTERNAL_MU must be 64 bytes", () => {
    assert.throws(() => sign({ material: mlDsa44, algorithm: "ML_DSA_SHAKE_256", messageType: "DIGEST", message: Buffer.alloc(64) }), kind("Validation"));
    assert.throws(() => sign({ material: mlDsa44, algorithm: "ML_DSA_SHAKE_256", messageType: "EXTERNAL_MU", message: Buffer.alloc(32) }), kind("Validation"));
    assert.throws(() => sign({ material: mlDsa44, algorithm: "RSASSA_PSS_SHA_256", message: MESSAGE }), kind("InvalidKeyUsage"));
  });
});
