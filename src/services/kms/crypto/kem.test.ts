import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ml_kem768 } from "@noble/post-quantum/ml-kem.js";
import { isKmsCryptoError } from "./errors.js";
import { decapsulate, encapsulate } from "./kem.js";
import { generateKeyMaterial } from "./material.js";
import { decodePqSpki } from "./pq.js";

describe("Encapsulate / Decapsulate (ML-KEM)", () => {
  test("32-byte shared secret, spec-sized ciphertext, both sides agree", () => {
    for (const [spec, ctLen] of [["ML_KEM_512", 768], ["ML_KEM_768", 1088], ["ML_KEM_1024", 1568]] as const) {
      const material = generateKeyMaterial(spec);
      const { sharedSecret, ciphertext } = encapsulate({ material, algorithm: "ML_KEM" });
      assert.equal(sharedSecret.length, 32, spec);
      assert.equal(ciphertext.length, ctLen, spec);
      assert.deepEqual(decapsulate({ material, algorithm: "ML_KEM", ciphertext }), sharedSecret, spec);
    }
  });

  test("a peer encapsulating to the GetPublicKey SPKI reaches the same secret", () => {
    const material = generateKeyMaterial("ML_KEM_768");
    const raw = decodePqSpki("ML_KEM_768", material.publicDer as Buffer) as Buffer;
    const { cipherText, sharedSecret } = ml_kem768.encapsulate(raw);
    assert.deepEqual(decapsulate({ material, algorithm: "ML_KEM", ciphertext: Buffer.from(cipherText) }), Buffer.from(sharedSecret));
  });

  test("wrong length is InvalidCiphertext; a modified ciphertext gives another secret (implicit rejection)", () => {
    const material = generateKeyMaterial("ML_KEM_512");
    const { sharedSecret, ciphertext } = encapsulate({ material, algorithm: "ML_KEM" });
    assert.throws(() => decapsulate({ material, algorithm: "ML_KEM", ciphertext: ciphertext.subarray(1) }), (e: unknown) => isKmsCryptoError(e, "InvalidCiphertext"));
    const t = Buffer.from(ciphertext);
    t[0] = (t[0] as number) ^ 1;
    const other = decapsulate({ material, algorithm: "ML_KEM", ciphertext: t });
    assert.equal(other.length, 32);
    assert.notDeepEqual(other, sharedSecret);
  });

  test("non-ML-KEM keys or algorithms: InvalidKeyUsage", () => {
    const iku = (e: unknown): boolean => isKmsCryptoError(e, "InvalidKeyUsage");
    assert.throws(() => encapsulate({ material: generateKeyMaterial("ML_DSA_44"), algorithm: "ML_KEM" }), iku);
    assert.throws(() => encapsulate({ material: generateKeyMaterial("ML_KEM_512"), algorithm: "ECDH" }), iku);
  });
});
