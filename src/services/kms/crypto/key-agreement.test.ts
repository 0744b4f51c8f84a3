import assert from "node:assert/strict";
import { createPrivateKey, diffieHellman, generateKeyPairSync } from "node:crypto";
import { describe, test } from "node:test";
import { isKmsCryptoError } from "./errors.js";
import { deriveSharedSecret } from "./key-agreement.js";
import { generateKeyMaterial } from "./material.js";

const spki = (k: { export(o: { type: "spki"; format: "der" }): Buffer }): Buffer => k.export({ type: "spki", format: "der" });

describe("DeriveSharedSecret (ECDH)", () => {
  test("both parties derive the same raw secret on P-256, P-384, P-521", () => {
    for (const [spec, curve, len] of [["ECC_NIST_P256", "prime256v1", 32], ["ECC_NIST_P384", "secp384r1", 48], ["ECC_NIST_P521", "secp521r1", 66]] as const) {
      const material = generateKeyMaterial(spec);
      const peer = generateKeyPairSync("ec", { namedCurve: curve });
      const kms = deriveSharedSecret({ material, algorithm: "ECDH", publicKey: spki(peer.publicKey) });
      const kmsPrivate = createPrivateKey({ key: material.privateDer as Buffer, format: "der", type: "pkcs8" });
      const other = diffieHellman({ privateKey: peer.privateKey, publicKey: kmsPrivate });
      assert.equal(kms.length, len, spec);
      assert.deepEqual(kms, other, spec);
    }
  });

  test("peer key on another curve, of another type, or not DER SPKI: Validation", () => {
    const material = generateKeyMaterial("ECC_NIST_P256");
    const v = (e: unknown): boolean => isKmsCryptoError(e, "Validation");
    assert.throws(() => deriveSharedSecret({ material, algorithm: "ECDH", publicKey: spki(generateKeyPairSync("ec", { namedCurve: "secp384r1" }).publicKey) }), v);
    assert.throws(() => deriveSharedSecret({ material, algorithm: "ECDH", publicKey: spki(generateKeyPairSync("x25519").publicKey) }), v);
    assert.throws(() => deriveSharedSecret({ material, algorithm: "ECDH", publicKey: Buffer.from("not a key") }), v);
    assert.throws(() => deriveSharedSecret({ material, algorithm: "ECDH", publicKey: Buffer.alloc(0) }), v);
    // A valid SPKI with bytes after it is not a DER encoding (node:crypto alone would ignore them).
    const good = spki(generateKeyPairSync("ec", { namedCurve: "prime256v1" }).publicKey);
    assert.equal(deriveSharedSecret({ material, algorithm: "ECDH", publicKey: good }).length, 32);
    for (const extra of [Buffer.from([0]), Buffer.alloc(16, 0xa5)]) assert.throws(() => deriveSharedSecret({ material, algorithm: "ECDH", publicKey: Buffer.concat([good, extra]) }), v);
  });

  test("keys without key agreement or another algorithm: InvalidKeyUsage", () => {
    const iku = (e: unknown): boolean => isKmsCryptoError(e, "InvalidKeyUsage");
    const peer = spki(generateKeyPairSync("ec", { namedCurve: "secp256k1" }).publicKey);
    assert.throws(() => deriveSharedSecret({ material: generateKeyMaterial("ECC_SECG_P256K1"), algorithm: "ECDH", publicKey: peer }), iku);
    assert.throws(() => deriveSharedSecret({ material: generateKeyMaterial("ECC_NIST_P256"), algorithm: "ECDHE", publicKey: peer }), iku);
    assert.throws(() => deriveSharedSecret({ material: generateKeyMaterial("ECC_NIST_EDWARDS25519"), algorithm: "ECDH", publicKey: peer }), iku);
  });
});
