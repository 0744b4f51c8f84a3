import assert from "node:assert/strict";
import { constants, createHash, generateKeyPairSync, sign as nodeSign, verify as nodeVerify } from "node:crypto";
import { describe, test } from "node:test";
import { pkcs1SignDigest, pkcs1VerifyDigest, pssSignDigest, pssVerifyDigest } from "./rsa-digest.js";

describe("RSA signatures over a supplied digest", () => {
  test("PSS on a modulus whose bit length is 1 mod 8 (EM shorter than the modulus)", () => {
    const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2049 });
    const msg = Buffer.from("odd modulus");
    const d = createHash("sha256").update(msg).digest();
    for (let i = 0; i < 5; i++) {
      const sig = pssSignDigest(privateKey, "sha256", d);
      assert.equal(nodeVerify("sha256", msg, { key: publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, sig), true);
      assert.equal(pssVerifyDigest(publicKey, "sha256", d, sig), true);
    }
    const theirs = nodeSign("sha256", msg, { key: privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 });
    assert.equal(pssVerifyDigest(publicKey, "sha256", d, theirs), true);
  });

  test("PSS verify rejects other salt lengths and other digests", () => {
    const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const msg = Buffer.from("salt");
    const d = createHash("sha384").update(msg).digest();
    const shortSalt = nodeSign("sha384", msg, { key: privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 20 });
    assert.equal(pssVerifyDigest(publicKey, "sha384", d, shortSalt), false);
    const good = pssSignDigest(privateKey, "sha384", d);
    assert.equal(pssVerifyDigest(publicKey, "sha384", createHash("sha384").update("other").digest(), good), false);
    assert.equal(pssVerifyDigest(publicKey, "sha384", d, Buffer.alloc(256)), false);
  });

  test("PKCS#1 v1.5 over a digest equals node's signature of the message", () => {
    const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const msg = Buffer.from("pkcs1");
    for (const hash of ["sha256", "sha384", "sha512"] as const) {
      const d = createHash(hash).update(msg).digest();
      const sig = pkcs1SignDigest(privateKey, hash, d);
      assert.deepEqual(sig, nodeSign(hash, msg, privateKey));
      assert.equal(pkcs1VerifyDigest(publicKey, hash, d, sig), true);
      assert.equal(pkcs1VerifyDigest(publicKey, hash === "sha256" ? "sha512" : "sha256", d, sig), false);
    }
  });
});
