import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { isKmsCryptoError } from "./errors.js";
import {
  algorithmsForUsage,
  assertKeyUsageAllowed,
  KEY_SPECS,
  keySpecInfo,
  maxOaepPlaintextBytes,
  signingAlgorithmInfo,
} from "./key-specs.js";

describe("key spec table", () => {
  test("lists every KeySpec of the current KMS API", () => {
    assert.deepEqual(
      [...KEY_SPECS].sort(),
      [
        "ECC_NIST_EDWARDS25519",
        "ECC_NIST_P256",
        "ECC_NIST_P384",
        "ECC_NIST_P521",
        "ECC_SECG_P256K1",
        "HMAC_224",
        "HMAC_256",
        "HMAC_384",
        "HMAC_512",
        "ML_DSA_44",
        "ML_DSA_65",
        "ML_DSA_87",
        "ML_KEM_1024",
        "ML_KEM_512",
        "ML_KEM_768",
        "RSA_2048",
        "RSA_3072",
        "RSA_4096",
        "SM2",
        "SYMMETRIC_DEFAULT",
      ],
    );
    for (const spec of KEY_SPECS) assert.equal(keySpecInfo(spec).spec, spec);
  });

  test("key usages per spec", () => {
    const usages = Object.fromEntries(KEY_SPECS.map((s) => [s, [...keySpecInfo(s).keyUsages].sort()]));
    assert.deepEqual(usages, {
      SYMMETRIC_DEFAULT: ["ENCRYPT_DECRYPT"],
      HMAC_224: ["GENERATE_VERIFY_MAC"],
      HMAC_256: ["GENERATE_VERIFY_MAC"],
      HMAC_384: ["GENERATE_VERIFY_MAC"],
      HMAC_512: ["GENERATE_VERIFY_MAC"],
      RSA_2048: ["ENCRYPT_DECRYPT", "SIGN_VERIFY"],
      RSA_3072: ["ENCRYPT_DECRYPT", "SIGN_VERIFY"],
      RSA_4096: ["ENCRYPT_DECRYPT", "SIGN_VERIFY"],
      ECC_NIST_P256: ["KEY_AGREEMENT", "SIGN_VERIFY"],
      ECC_NIST_P384: ["KEY_AGREEMENT", "SIGN_VERIFY"],
      ECC_NIST_P521: ["KEY_AGREEMENT", "SIGN_VERIFY"],
      ECC_SECG_P256K1: ["SIGN_VERIFY"],
      ECC_NIST_EDWARDS25519: ["SIGN_VERIFY"],
      SM2: ["ENCRYPT_DECRYPT", "KEY_AGREEMENT", "SIGN_VERIFY"],
      ML_DSA_44: ["SIGN_VERIFY"],
      ML_DSA_65: ["SIGN_VERIFY"],
      ML_DSA_87: ["SIGN_VERIFY"],
      ML_KEM_512: ["ENCAPSULATE_DECAPSULATE"],
      ML_KEM_768: ["ENCAPSULATE_DECAPSULATE"],
      ML_KEM_1024: ["ENCAPSULATE_DECAPSULATE"],
    });
  });

  test("algorithms reported per usage (DescribeKey)", () => {
    assert.deepEqual(algorithmsForUsage("RSA_2048", "ENCRYPT_DECRYPT"), { encryptionAlgorithms: ["RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256"] });
    assert.deepEqual(algorithmsForUsage("RSA_3072", "SIGN_VERIFY"), {
      signingAlgorithms: [
        "RSASSA_PKCS1_V1_5_SHA_256",
        "RSASSA_PKCS1_V1_5_SHA_384",
        "RSASSA_PKCS1_V1_5_SHA_512",
        "RSASSA_PSS_SHA_256",
        "RSASSA_PSS_SHA_384",
        "RSASSA_PSS_SHA_512",
      ],
    });
    assert.deepEqual(algorithmsForUsage("ECC_NIST_P256", "SIGN_VERIFY"), { signingAlgorithms: ["ECDSA_SHA_256"] });
    assert.deepEqual(algorithmsForUsage("ECC_NIST_P384", "SIGN_VERIFY"), { signingAlgorithms: ["ECDSA_SHA_384"] });
    assert.deepEqual(algorithmsForUsage("ECC_NIST_P521", "KEY_AGREEMENT"), { keyAgreementAlgorithms: ["ECDH"] });
    assert.deepEqual(algorithmsForUsage("ECC_SECG_P256K1", "SIGN_VERIFY"), { signingAlgorithms: ["ECDSA_SHA_256"] });
    assert.deepEqual(algorithmsForUsage("ECC_NIST_EDWARDS25519", "SIGN_VERIFY"), { signingAlgorithms: ["ED25519_SHA_512", "ED25519_PH_SHA_512"] });
    assert.deepEqual(algorithmsForUsage("HMAC_384", "GENERATE_VERIFY_MAC"), { macAlgorithms: ["HMAC_SHA_384"] });
    assert.deepEqual(algorithmsForUsage("ML_DSA_65", "SIGN_VERIFY"), { signingAlgorithms: ["ML_DSA_SHAKE_256"] });
    assert.deepEqual(algorithmsForUsage("ML_KEM_768", "ENCAPSULATE_DECAPSULATE"), { encapsulationAlgorithms: ["ML_KEM"] });
    assert.deepEqual(algorithmsForUsage("SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT"), { encryptionAlgorithms: ["SYMMETRIC_DEFAULT"] });
    assert.deepEqual(algorithmsForUsage("SYMMETRIC_DEFAULT", "SIGN_VERIFY"), {});
  });

  test("only SM2 is unsupported (China Regions only)", () => {
    assert.deepEqual(
      KEY_SPECS.filter((s) => !keySpecInfo(s).supported),
      ["SM2"],
    );
  });

  test("RSAES-OAEP maximum plaintext sizes match the KMS table", () => {
    assert.equal(maxOaepPlaintextBytes(2048, "RSAES_OAEP_SHA_1"), 214);
    assert.equal(maxOaepPlaintextBytes(2048, "RSAES_OAEP_SHA_256"), 190);
    assert.equal(maxOaepPlaintextBytes(3072, "RSAES_OAEP_SHA_1"), 342);
    assert.equal(maxOaepPlaintextBytes(3072, "RSAES_OAEP_SHA_256"), 318);
    assert.equal(maxOaepPlaintextBytes(4096, "RSAES_OAEP_SHA_1"), 470);
    assert.equal(maxOaepPlaintextBytes(4096, "RSAES_OAEP_SHA_256"), 446);
  });

  test("signing algorithm message types and digest lengths", () => {
    assert.deepEqual(signingAlgorithmInfo("RSASSA_PSS_SHA_384").messageTypes, ["RAW", "DIGEST"]);
    assert.equal(signingAlgorithmInfo("RSASSA_PSS_SHA_384").digestBytes, 48);
    assert.equal(signingAlgorithmInfo("ECDSA_SHA_512").digestBytes, 64);
    assert.deepEqual(signingAlgorithmInfo("ED25519_SHA_512").messageTypes, ["RAW"]);
    assert.deepEqual(signingAlgorithmInfo("ED25519_PH_SHA_512").messageTypes, ["DIGEST"]);
    assert.deepEqual(signingAlgorithmInfo("ML_DSA_SHAKE_256").messageTypes, ["RAW", "EXTERNAL_MU"]);
    assert.equal(signingAlgorithmInfo("ML_DSA_SHAKE_256").digestBytes, 64);
    assert.throws(() => signingAlgorithmInfo("RSASSA_PSS_SHA_1"), (e: unknown) => isKmsCryptoError(e, "Validation"));
  });

  test("HMAC key lengths: generated and importable", () => {
    assert.deepEqual(
      ["HMAC_224", "HMAC_256", "HMAC_384", "HMAC_512"].map((s) => [keySpecInfo(s).hmacKeyBytes, keySpecInfo(s).hmacImportBytes]),
      [
        [28, [28, 64]],
        [32, [32, 64]],
        [48, [48, 128]],
        [64, [64, 128]],
      ],
    );
  });

  test("CreateKey usage validation and unknown specs", () => {
    assert.doesNotThrow(() => assertKeyUsageAllowed("ECC_NIST_P256", "KEY_AGREEMENT"));
    assert.throws(() => assertKeyUsageAllowed("ECC_SECG_P256K1", "KEY_AGREEMENT"), (e: unknown) => isKmsCryptoError(e, "Validation"));
    assert.throws(() => assertKeyUsageAllowed("HMAC_256", "ENCRYPT_DECRYPT"), (e: unknown) => isKmsCryptoError(e, "Validation"));
    assert.throws(() => keySpecInfo("AES_256"), (e: unknown) => isKmsCryptoError(e, "Validation"));
    assert.throws(() => keySpecInfo("toString"), (e: unknown) => isKmsCryptoError(e, "Validation"));
  });
});
