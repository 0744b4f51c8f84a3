import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { isKmsCryptoError } from "./errors.js";
import { generateMac, verifyMac, verifyMacOrThrow } from "./hmac.js";
import { generateKeyMaterial, type KeyMaterial } from "./material.js";

const MESSAGE = Buffer.from("bulwark hmac vector");
const key = (spec: KeyMaterial["spec"], n: number): KeyMaterial => ({ spec, secret: Buffer.from(Array.from({ length: n }, (_, i) => i)) });

// Expected values computed with `openssl dgst -<hash> -mac HMAC -macopt hexkey:000102…`.
const VECTORS = [
  ["HMAC_224", "HMAC_SHA_224", 28, "b02a41a4b43f10a1af837e5b77ad73a5228808541d60b881b90348c4"],
  ["HMAC_256", "HMAC_SHA_256", 32, "08770d749deb91bcf16cc532331e6b93f40a5923aaeeafd87f7a5caad6e48108"],
  ["HMAC_384", "HMAC_SHA_384", 48, "ff96017afbdddeffa441f34844f49579e13563b2ad6c110dd587b8dd43b638aba8a095f30499835bebd7e8652c774805"],
  [
    "HMAC_512",
    "HMAC_SHA_512",
    64,
    "ea7b3ef069de8245e3e3a9f3628b05de1d56a1ad810041803eec723a5ffe41be034f916bd2c4fb0cc8c32542314e4f85994e922528670b899e5fb7b11d6a9807",
  ],
] as const;

describe("GenerateMac / VerifyMac", () => {
  test("known vectors (OpenSSL)", () => {
    for (const [spec, algorithm, n, hex] of VECTORS) {
      const material = key(spec, n);
      assert.equal(generateMac({ material, algorithm, message: MESSAGE }).toString("hex"), hex, spec);
      assert.equal(verifyMac({ material, algorithm, message: MESSAGE, mac: Buffer.from(hex, "hex") }), true, spec);
    }
  });

  test("wrong MAC, truncated MAC, other message, other key: false / KMSInvalidMac", () => {
    const material = generateKeyMaterial("HMAC_256");
    const mac = generateMac({ material, algorithm: "HMAC_SHA_256", message: MESSAGE });
    const t = Buffer.from(mac);
    t[31] = (t[31] as number) ^ 1;
    assert.equal(verifyMac({ material, algorithm: "HMAC_SHA_256", message: MESSAGE, mac: t }), false);
    assert.equal(verifyMac({ material, algorithm: "HMAC_SHA_256", message: MESSAGE, mac: mac.subarray(0, 16) }), false);
    assert.equal(verifyMac({ material, algorithm: "HMAC_SHA_256", message: Buffer.from("x"), mac }), false);
    assert.equal(verifyMac({ material: generateKeyMaterial("HMAC_256"), algorithm: "HMAC_SHA_256", message: MESSAGE, mac }), false);
    assert.throws(
      () => verifyMacOrThrow({ material, algorithm: "HMAC_SHA_256", message: MESSAGE, mac: t }),
      (e: unknown) => isKmsCryptoError(e, "KMSInvalidMac"),
    );
    assert.doesNotThrow(() => verifyMacOrThrow({ material, algorithm: "HMAC_SHA_256", message: MESSAGE, mac }));
  });

  test("algorithm of another HMAC spec is InvalidKeyUsage; message limits are Validation", () => {
    const material = generateKeyMaterial("HMAC_384");
    assert.throws(() => generateMac({ material, algorithm: "HMAC_SHA_256", message: MESSAGE }), (e: unknown) => isKmsCryptoError(e, "InvalidKeyUsage"));
    assert.throws(
      () => generateMac({ material: generateKeyMaterial("SYMMETRIC_DEFAULT"), algorithm: "HMAC_SHA_256", message: MESSAGE }),
      (e: unknown) => isKmsCryptoError(e, "InvalidKeyUsage"),
    );
    assert.equal(generateMac({ material, algorithm: "HMAC_SHA_384", message: Buffer.alloc(4096) }).length, 48);
    assert.throws(() => generateMac({ material, algorithm: "HMAC_SHA_384", message: Buffer.alloc(4097) }), (e: unknown) => isKmsCryptoError(e, "Validation"));
    assert.throws(() => generateMac({ material, algorithm: "HMAC_SHA_384", message: Buffer.alloc(0) }), (e: unknown) => isKmsCryptoError(e, "Validation"));
  });
});
