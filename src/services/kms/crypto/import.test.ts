import assert from "node:assert/strict";
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { before, describe, test } from "node:test";
import { sign, verify } from "./asymmetric.js";
import { isKmsCryptoError, type KmsCryptoErrorKind } from "./errors.js";
import {
  assertWrappingAllowed,
  createImportToken,
  generateWrappingKeyPair,
  generateWrappingKeyPairAsync,
  IMPORT_TOKEN_TTL_MS,
  openImportToken,
  unwrapKeyMaterial,
  validateImportedKeyMaterial,
  wrapKeyMaterialForImport,
  type WrappingKeyPair,
} from "./import.js";
import { generateKeyMaterial } from "./material.js";
import { encodePqPrivateKey } from "./pq.js";

const kind = (k: KmsCryptoErrorKind) => (e: unknown): boolean => isKmsCryptoError(e, k);
const KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab";
const NOW = 1_700_000_000_000;
let wrap2048: WrappingKeyPair;
let wrap3072: WrappingKeyPair;

before(async () => {
  [wrap2048, wrap3072] = await Promise.all([generateWrappingKeyPairAsync("RSA_2048"), generateWrappingKeyPairAsync("RSA_3072")]);
});

describe("wrapping keys and algorithms", () => {
  test("wrapping key pairs are RSA of the requested size; SM2 unsupported; unknown spec Validation", () => {
    assert.equal(wrap2048.spec, "RSA_2048");
    assert.equal(wrap3072.publicDer.length > wrap2048.publicDer.length, true);
    assert.throws(() => generateWrappingKeyPair("SM2"), kind("UnsupportedOperation"));
    assert.throws(() => generateWrappingKeyPair("RSA_1024"), kind("Validation"));
    assert.throws(() => generateWrappingKeyPair("toString"), kind("Validation"));
  });

  test("every KMS wrapping algorithm round-trips 32 bytes of symmetric material", () => {
    const material = randomBytes(32);
    for (const alg of ["RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256", "RSA_AES_KEY_WRAP_SHA_1", "RSA_AES_KEY_WRAP_SHA_256"]) {
      const wrapped = wrapKeyMaterialForImport({ wrappingPublicDer: wrap2048.publicDer, wrappingAlgorithm: alg, keyMaterial: material });
      assert.equal(wrapped.length, alg.startsWith("RSA_AES") ? 256 + 40 : 256, alg);
      assert.deepEqual(unwrapKeyMaterial({ wrappingPrivateDer: wrap2048.privateDer, wrappingAlgorithm: alg, encryptedKeyMaterial: wrapped }), material, alg);
    }
  });

  test("RSA_AES_KEY_WRAP carries an RSA private key; wrong algorithm, tampering, wrong key: InvalidCiphertext", () => {
    const rsa = generateKeyMaterial("RSA_2048");
    const wrapped = wrapKeyMaterialForImport({ wrappingPublicDer: wrap3072.publicDer, wrappingAlgorithm: "RSA_AES_KEY_WRAP_SHA_256", keyMaterial: rsa.privateDer as Buffer });
    assert.deepEqual(
      unwrapKeyMaterial({ wrappingPrivateDer: wrap3072.privateDer, wrappingAlgorithm: "RSA_AES_KEY_WRAP_SHA_256", encryptedKeyMaterial: wrapped }),
      rsa.privateDer,
    );
    const ic = kind("InvalidCiphertext");
    assert.throws(() => unwrapKeyMaterial({ wrappingPrivateDer: wrap3072.privateDer, wrappingAlgorithm: "RSA_AES_KEY_WRAP_SHA_1", encryptedKeyMaterial: wrapped }), ic);
    assert.throws(() => unwrapKeyMaterial({ wrappingPrivateDer: wrap2048.privateDer, wrappingAlgorithm: "RSA_AES_KEY_WRAP_SHA_256", encryptedKeyMaterial: wrapped }), ic);
    for (const i of [5, 384 + 3, wrapped.length - 1]) {
      const t = Buffer.from(wrapped);
      t[i] = (t[i] as number) ^ 1;
      assert.throws(() => unwrapKeyMaterial({ wrappingPrivateDer: wrap3072.privateDer, wrappingAlgorithm: "RSA_AES_KEY_WRAP_SHA_256", encryptedKeyMaterial: t }), ic, `byte ${i}`);
    }
    assert.throws(() => unwrapKeyMaterial({ wrappingPrivateDer: wrap3072.privateDer, wrappingAlgorithm: "RSA_AES_KEY_WRAP_SHA_256", encryptedKeyMaterial: wrapped.subarray(0, 384) }), ic);
  });

  test("deprecated and China-only algorithms", () => {
    const args = { wrappingPrivateDer: wrap2048.privateDer, encryptedKeyMaterial: Buffer.alloc(256) };
    assert.throws(() => unwrapKeyMaterial({ ...args, wrappingAlgorithm: "RSAES_PKCS1_V1_5" }), kind("Validation"));
    assert.throws(() => unwrapKeyMaterial({ ...args, wrappingAlgorithm: "SM2PKE" }), kind("UnsupportedOperation"));
    assert.throws(() => unwrapKeyMaterial({ ...args, wrappingAlgorithm: "AES_GCM" }), kind("Validation"));
    assert.throws(() => unwrapKeyMaterial({ ...args, wrappingAlgorithm: "constructor" }), kind("Validation"));
  });

  test("GetParametersForImport compatibility rules", () => {
    assert.doesNotThrow(() => assertWrappingAllowed("SYMMETRIC_DEFAULT", "RSAES_OAEP_SHA_256", "RSA_2048"));
    assert.doesNotThrow(() => assertWrappingAllowed("RSA_4096", "RSA_AES_KEY_WRAP_SHA_256", "RSA_4096"));
    assert.throws(() => assertWrappingAllowed("RSA_2048", "RSAES_OAEP_SHA_256", "RSA_4096"), kind("Validation"));
    assert.throws(() => assertWrappingAllowed("ECC_NIST_P521", "RSAES_OAEP_SHA_1", "RSA_2048"), kind("Validation"));
    assert.doesNotThrow(() => assertWrappingAllowed("ECC_NIST_P521", "RSAES_OAEP_SHA_1", "RSA_3072"));
    assert.throws(() => assertWrappingAllowed("SM2", "RSAES_OAEP_SHA_1", "RSA_3072"), kind("UnsupportedOperation"));
  });
});

describe("imported key material validation", () => {
  const im = kind("IncorrectKeyMaterial");

  test("symmetric: exactly 32 bytes", () => {
    const m = validateImportedKeyMaterial("SYMMETRIC_DEFAULT", Buffer.alloc(32, 1));
    assert.deepEqual(m, { spec: "SYMMETRIC_DEFAULT", secret: Buffer.alloc(32, 1) });
    assert.throws(() => validateImportedKeyMaterial("SYMMETRIC_DEFAULT", Buffer.alloc(16)), im);
    assert.throws(() => validateImportedKeyMaterial("SYMMETRIC_DEFAULT", Buffer.alloc(33)), im);
  });

  test("HMAC: length ranges per spec", () => {
    const cases = [["HMAC_224", 28, 64], ["HMAC_256", 32, 64], ["HMAC_384", 48, 128], ["HMAC_512", 64, 128]] as const;
    for (const [spec, min, max] of cases) {
      assert.equal(validateImportedKeyMaterial(spec, Buffer.alloc(min)).secret?.length, min);
      assert.equal(validateImportedKeyMaterial(spec, Buffer.alloc(max)).secret?.length, max);
      assert.throws(() => validateImportedKeyMaterial(spec, Buffer.alloc(min - 1)), im, spec);
      assert.throws(() => validateImportedKeyMaterial(spec, Buffer.alloc(max + 1)), im, spec);
    }
  });

  test("asymmetric: PKCS#8 of the right type, size and curve; imported keys sign", () => {
    const ec = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
    const der = ec.privateKey.export({ type: "pkcs8", format: "der" });
    const m = validateImportedKeyMaterial("ECC_NIST_P256", der);
    assert.deepEqual(m.publicDer, ec.publicKey.export({ type: "spki", format: "der" }));
    const sig = sign({ material: m, algorithm: "ECDSA_SHA_256", message: Buffer.from("imported") });
    assert.equal(verify({ material: m, algorithm: "ECDSA_SHA_256", message: Buffer.from("imported"), signature: sig }), true);

    assert.throws(() => validateImportedKeyMaterial("ECC_NIST_P384", der), im);
    assert.throws(() => validateImportedKeyMaterial("RSA_2048", der), im);
    assert.throws(() => validateImportedKeyMaterial("ECC_NIST_P256", der.subarray(1)), im);
    assert.throws(() => validateImportedKeyMaterial("ECC_NIST_P256", ec.privateKey.export({ type: "sec1", format: "der" })), im);
    const rsa = generateKeyMaterial("RSA_2048");
    assert.equal(validateImportedKeyMaterial("RSA_2048", rsa.privateDer as Buffer).publicDer?.equals(rsa.publicDer as Buffer), true);
    assert.throws(() => validateImportedKeyMaterial("RSA_3072", rsa.privateDer as Buffer), im);
    const ed = generateKeyMaterial("ECC_NIST_EDWARDS25519");
    assert.deepEqual(validateImportedKeyMaterial("ECC_NIST_EDWARDS25519", ed.privateDer as Buffer).publicDer, ed.publicDer);
  });

  test("ML-DSA / ML-KEM: seed-form PKCS#8 of the right parameter set", () => {
    const seed = randomBytes(32);
    const m = validateImportedKeyMaterial("ML_DSA_65", encodePqPrivateKey("ML_DSA_65", seed));
    assert.deepEqual(m.privateDer, encodePqPrivateKey("ML_DSA_65", seed));
    assert.throws(() => validateImportedKeyMaterial("ML_DSA_44", encodePqPrivateKey("ML_DSA_65", seed)), im);
    assert.throws(() => validateImportedKeyMaterial("ML_DSA_65", seed), im);
    assert.equal(validateImportedKeyMaterial("ML_KEM_512", encodePqPrivateKey("ML_KEM_512", randomBytes(64))).spec, "ML_KEM_512");
  });
});

describe("import tokens", () => {
  const tokenKey = randomBytes(32);
  const contents = { keyId: KEY_ID, wrappingAlgorithm: "RSAES_OAEP_SHA_256", wrappingKeySpec: "RSA_2048", expiresAt: NOW + IMPORT_TOKEN_TTL_MS, wrappingPrivateDer: Buffer.alloc(0) };

  test("round trip binds key id, parameters and the wrapping private key", () => {
    const token = createImportToken({ ...contents, wrappingPrivateDer: wrap2048.privateDer }, tokenKey);
    assert.equal(token[0], 0x01);
    assert.equal(token.includes(wrap2048.privateDer.subarray(0, 64)), false, "private key is not in clear");
    const opened = openImportToken(token, tokenKey, { keyId: KEY_ID, now: NOW });
    assert.deepEqual(opened, { ...contents, wrappingPrivateDer: wrap2048.privateDer });
  });

  test("other key, tampering, other token key, unknown version: InvalidImportToken; expiry: ExpiredImportToken", () => {
    const token = createImportToken({ ...contents, wrappingPrivateDer: wrap2048.privateDer }, tokenKey);
    const it = kind("InvalidImportToken");
    assert.throws(() => openImportToken(token, tokenKey, { keyId: "00000000-0000-0000-0000-000000000000", now: NOW }), it);
    assert.throws(() => openImportToken(token, randomBytes(32), { keyId: KEY_ID, now: NOW }), it);
    for (const i of [0, 1, 20, token.length - 1]) {
      const t = Buffer.from(token);
      t[i] = (t[i] as number) ^ 1;
      assert.throws(() => openImportToken(t, tokenKey, { keyId: KEY_ID, now: NOW }), it, `byte ${i}`);
    }
    assert.throws(() => openImportToken(token.subarray(0, 20), tokenKey, { keyId: KEY_ID, now: NOW }), it);
    assert.doesNotThrow(() => openImportToken(token, tokenKey, { keyId: KEY_ID, now: NOW + IMPORT_TOKEN_TTL_MS }));
    assert.throws(() => openImportToken(token, tokenKey, { keyId: KEY_ID, now: NOW + IMPORT_TOKEN_TTL_MS + 1 }), kind("ExpiredImportToken"));
  });
});
