import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { describe, test } from "node:test";
import { ml_dsa44 } from "@noble/post-quantum/ml-dsa.js";
import { derOid, derRead } from "./der.js";
import {
  isMlDsaSpec,
  isMlKemSpec,
  decodePqPrivateKey,
  decodePqSpki,
  encodePqPrivateKey,
  encodePqSpki,
  mlDsaExternalMu,
  mlDsaSign,
  mlDsaVerify,
  pqExpand,
  pqSeedFromStoredKey,
} from "./pq.js";

const SEED32 = Buffer.from(Array.from({ length: 32 }, (_, i) => i));

describe("DER helpers", () => {
  test("OIDs encode as in RFC 9881 / NIST CSOR", () => {
    assert.equal(derOid("2.16.840.1.101.3.4.3.17").toString("hex"), "0609608648016503040311");
    assert.equal(derOid("2.16.840.1.101.3.4.4.2").toString("hex"), "0609608648016503040402");
    assert.equal(derOid("1.2.840.113549.1.1.1").toString("hex"), "06092a864886f70d010101");
  });

  test("reader rejects non-minimal and truncated lengths", () => {
    assert.equal(derRead(Buffer.from("048101ff", "hex"), 0), undefined); // 1 encoded in long form
    assert.equal(derRead(Buffer.from("04820001ff", "hex"), 0), undefined); // leading zero length byte
    assert.equal(derRead(Buffer.from("0405ff", "hex"), 0), undefined); // truncated
    assert.equal(derRead(Buffer.from("0480", "hex"), 0), undefined); // indefinite
    assert.deepEqual(derRead(Buffer.from("0401ff", "hex"), 0)?.content, Buffer.from([0xff]));
  });
});

describe("ML-DSA / ML-KEM encodings", () => {
  test("spec guards ignore inherited property names", () => {
    assert.equal(isMlDsaSpec("ML_DSA_87"), true);
    assert.equal(isMlKemSpec("ML_KEM_512"), true);
    assert.equal(isMlDsaSpec("toString"), false);
    assert.equal(isMlKemSpec("__proto__"), false);
  });

  test("ML-DSA-44 seed-only PKCS#8 matches the RFC 9881 layout", () => {
    // RFC 9881 example seed 00..1f, base64 "MDQCAQAwCwYJYIZIAWUDBAMRBCKAIAABAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGhscHR4f"
    assert.equal(
      encodePqPrivateKey("ML_DSA_44", SEED32).toString("base64"),
      "MDQCAQAwCwYJYIZIAWUDBAMRBCKAIAABAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGhscHR4f",
    );
  });

  test("ML-DSA SPKI: header, OID, BIT STRING of the raw key, round trip", () => {
    const { publicKey } = ml_dsa44.keygen(SEED32);
    const spki = encodePqSpki("ML_DSA_44", publicKey);
    assert.equal(spki.length, 1334);
    assert.equal(spki.subarray(0, 22).toString("hex"), "30820532300b0609608648016503040311038205210" + "0");
    assert.deepEqual(decodePqSpki("ML_DSA_44", spki), Buffer.from(publicKey));
    assert.equal(decodePqSpki("ML_DSA_65", spki), undefined, "wrong parameter set");
    assert.equal(decodePqSpki("ML_DSA_44", spki.subarray(0, spki.length - 1)), undefined, "truncated");
    assert.equal(decodePqSpki("ML_DSA_44", Buffer.concat([spki, Buffer.from([0])])), undefined, "trailing byte");
  });

  test("SPKI sizes for all parameter sets", () => {
    const sizes: Record<string, number> = {};
    for (const spec of ["ML_DSA_44", "ML_DSA_65", "ML_DSA_87", "ML_KEM_512", "ML_KEM_768", "ML_KEM_1024"] as const) {
      const seed = randomBytes(spec.startsWith("ML_DSA") ? 32 : 64);
      sizes[spec] = encodePqSpki(spec, pqExpand(spec, seed).publicKey).length;
    }
    assert.deepEqual(sizes, { ML_DSA_44: 1334, ML_DSA_65: 1974, ML_DSA_87: 2614, ML_KEM_512: 822, ML_KEM_768: 1206, ML_KEM_1024: 1590 });
  });

  test("private key decoding: seed-only, both-form, mismatching both-form, wrong spec", () => {
    const der = encodePqPrivateKey("ML_DSA_44", SEED32);
    assert.deepEqual(pqSeedFromStoredKey("ML_DSA_44", der), SEED32);
    assert.deepEqual(decodePqPrivateKey("ML_DSA_44", der), SEED32);
    assert.equal(decodePqPrivateKey("ML_DSA_65", der), undefined);

    const { secretKey } = ml_dsa44.keygen(SEED32);
    const both = (expanded: Uint8Array): Buffer => {
      const inner = Buffer.concat([Buffer.from([0x04, 0x20]), SEED32, Buffer.from([0x04, 0x82, 0x0a, 0x00]), Buffer.from(expanded)]);
      const octet = Buffer.concat([Buffer.from([0x30, 0x82, inner.length >> 8, inner.length & 0xff]), inner]);
      const body = Buffer.concat([Buffer.from("020100300b0609608648016503040311", "hex"), Buffer.from([0x04, 0x82, octet.length >> 8, octet.length & 0xff]), octet]);
      return Buffer.concat([Buffer.from([0x30, 0x82, body.length >> 8, body.length & 0xff]), body]);
    };
    assert.equal(secretKey.length, 0x0a00);
    assert.deepEqual(decodePqPrivateKey("ML_DSA_44", both(secretKey)), SEED32);
    const wrong = Buffer.from(secretKey);
    wrong[100] = (wrong[100] as number) ^ 1;
    assert.equal(decodePqPrivateKey("ML_DSA_44", both(wrong)), undefined);
  });
});

describe("ML-DSA external mu", () => {
  test("EXTERNAL_MU signatures verify as RAW signatures of the message and vice versa", () => {
    const { publicKey } = pqExpand("ML_DSA_44", SEED32);
    const message = Buffer.from("a message larger systems would pre-hash");
    const mu = mlDsaExternalMu(publicKey, message);
    assert.equal(mu.length, 64);
    const viaMu = mlDsaSign("ML_DSA_44", SEED32, mu, true);
    const viaRaw = mlDsaSign("ML_DSA_44", SEED32, message, false);
    assert.equal(mlDsaVerify("ML_DSA_44", publicKey, message, viaMu, false), true);
    assert.equal(mlDsaVerify("ML_DSA_44", publicKey, mu, viaRaw, true), true);
    assert.equal(ml_dsa44.verify(viaMu, message, publicKey), true);
    assert.equal(mlDsaVerify("ML_DSA_44", publicKey, Buffer.from("other"), viaMu, false), false);
    assert.equal(mlDsaVerify("ML_DSA_44", publicKey, message, viaMu.subarray(1), false), false);
  });
});
