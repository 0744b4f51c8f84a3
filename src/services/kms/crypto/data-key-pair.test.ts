import assert from "node:assert/strict";
import { createPrivateKey, createPublicKey } from "node:crypto";
import { describe, test } from "node:test";
import { generateDataKeyPair, generateDataKeyPairAsync } from "./data-key-pair.js";
import { isKmsCryptoError } from "./errors.js";
import { decodePqSpki, pqSeedFromStoredKey } from "./pq.js";

describe("GenerateDataKeyPair", () => {
  test("RSA / ECC / Ed25519 pairs: PKCS#8 private, SPKI public, matching", async () => {
    const specs = ["RSA_2048", "ECC_NIST_P256", "ECC_NIST_P384", "ECC_NIST_P521", "ECC_SECG_P256K1", "ECC_NIST_EDWARDS25519"];
    const pairs = [...specs.map((s) => generateDataKeyPair(s)), await generateDataKeyPairAsync("RSA_3072")];
    for (const p of pairs) {
      const priv = createPrivateKey({ key: p.privateKeyDer, format: "der", type: "pkcs8" });
      const pub = createPublicKey({ key: p.publicKeyDer, format: "der", type: "spki" });
      assert.deepEqual(createPublicKey(priv).export({ type: "spki", format: "der" }), p.publicKeyDer, p.spec);
      assert.equal(pub.asymmetricKeyType, p.spec.startsWith("RSA") ? "rsa" : p.spec === "ECC_NIST_EDWARDS25519" ? "ed25519" : "ec", p.spec);
    }
    assert.equal(pairs.at(-1)?.spec, "RSA_3072");
  });

  test("ML-KEM pairs use the seed-form PKCS#8 and the ML-KEM SPKI", () => {
    const p = generateDataKeyPair("ML_KEM_768");
    assert.equal(pqSeedFromStoredKey("ML_KEM_768", p.privateKeyDer)?.length, 64);
    assert.equal(decodePqSpki("ML_KEM_768", p.publicKeyDer)?.length, 1184);
  });

  test("SM2 unsupported; specs outside DataKeyPairSpec are Validation", () => {
    assert.throws(() => generateDataKeyPair("SM2"), (e: unknown) => isKmsCryptoError(e, "UnsupportedOperation"));
    assert.throws(() => generateDataKeyPair("ML_DSA_44"), (e: unknown) => isKmsCryptoError(e, "Validation"));
    assert.throws(() => generateDataKeyPair("SYMMETRIC_DEFAULT"), (e: unknown) => isKmsCryptoError(e, "Validation"));
  });
});
