import assert from "node:assert/strict";
import { createPrivateKey, createPublicKey } from "node:crypto";
import { describe, test } from "node:test";
import { isKmsCryptoError } from "./errors.js";
import { KEY_SPECS, keySpecInfo } from "./key-specs.js";
import {
  generateKeyMaterial,
  generateKeyMaterialAsync,
  isSameKeyMaterial,
  newKeyMaterialId,
  parseKeyMaterial,
  pqMaterialFromSeed,
  serializeKeyMaterial,
  type KeyMaterial,
} from "./material.js";
import { decodePqSpki } from "./pq.js";

const BYTES = Buffer.from(Array.from({ length: 64 }, (_, i) => i));
const internal = (e: unknown): boolean => isKmsCryptoError(e, "KMSInternal");

describe("key material generation", () => {
  test("symmetric and HMAC secrets have the spec's length and are random", () => {
    assert.equal(generateKeyMaterial("SYMMETRIC_DEFAULT").secret?.length, 32);
    assert.notDeepEqual(generateKeyMaterial("SYMMETRIC_DEFAULT").secret, generateKeyMaterial("SYMMETRIC_DEFAULT").secret);
    assert.deepEqual(
      ["HMAC_224", "HMAC_256", "HMAC_384", "HMAC_512"].map((s) => generateKeyMaterial(s).secret?.length),
      [28, 32, 48, 64],
    );
  });

  test("RSA / EC / Ed25519: PKCS#8 private + SPKI public of the right type and size", async () => {
    const expect: Record<string, [string, number | string | undefined]> = {
      RSA_2048: ["rsa", 2048],
      RSA_3072: ["rsa", 3072],
      ECC_NIST_P256: ["ec", "prime256v1"],
      ECC_NIST_P384: ["ec", "secp384r1"],
      ECC_NIST_P521: ["ec", "secp521r1"],
      ECC_SECG_P256K1: ["ec", "secp256k1"],
      ECC_NIST_EDWARDS25519: ["ed25519", undefined],
    };
    const generated: KeyMaterial[] = Object.keys(expect).map((s) => generateKeyMaterial(s));
    generated.push(await generateKeyMaterialAsync("RSA_4096"));
    expect["RSA_4096"] = ["rsa", 4096];
    for (const m of generated) {
      const [type, size] = expect[m.spec] ?? ["?", undefined];
      const priv = createPrivateKey({ key: m.privateDer as Buffer, format: "der", type: "pkcs8" });
      const pub = createPublicKey({ key: m.publicDer as Buffer, format: "der", type: "spki" });
      assert.equal(priv.asymmetricKeyType, type, m.spec);
      assert.equal(pub.asymmetricKeyType, type, m.spec);
      const d = pub.asymmetricKeyDetails;
      assert.equal(type === "rsa" ? d?.modulusLength : d?.namedCurve, size, m.spec);
      assert.deepEqual(createPublicKey(priv).export({ type: "spki", format: "der" }), m.publicDer, `${m.spec}: public matches private`);
      assert.equal(m.secret, undefined);
    }
  });

  test("ML-DSA / ML-KEM: SPKI with the NIST OID, seed-form PKCS#8", async () => {
    for (const spec of ["ML_DSA_44", "ML_DSA_65", "ML_DSA_87", "ML_KEM_512", "ML_KEM_768", "ML_KEM_1024"] as const) {
      const m = spec === "ML_KEM_1024" ? await generateKeyMaterialAsync(spec) : generateKeyMaterial(spec);
      assert.ok(decodePqSpki(spec, m.publicDer as Buffer), spec);
      const seedBytes = spec.startsWith("ML_DSA") ? 32 : 64;
      assert.equal(m.privateDer?.length, 22 + seedBytes, spec);
    }
  });

  test("SM2 is refused as unsupported; unknown specs are Validation errors", () => {
    assert.throws(() => generateKeyMaterial("SM2"), (e: unknown) => isKmsCryptoError(e, "UnsupportedOperation"));
    assert.throws(() => generateKeyMaterial("RSA_1024"), (e: unknown) => isKmsCryptoError(e, "Validation"));
  });

  test("key material ids are 64 lowercase hex characters", () => {
    assert.match(newKeyMaterialId(), /^[0-9a-f]{64}$/);
    assert.notEqual(newKeyMaterialId(), newKeyMaterialId());
  });
});

describe("key material serialisation v1 (golden vectors: these bytes must never change)", () => {
  test("symmetric", () => {
    const m: KeyMaterial = { spec: "SYMMETRIC_DEFAULT", secret: BYTES.subarray(0, 32) };
    const hex = "011153594d4d45545249435f44454641554c540100000020000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
    assert.equal(serializeKeyMaterial(m).toString("hex"), hex);
    assert.deepEqual(parseKeyMaterial(Buffer.from(hex, "hex")), { spec: "SYMMETRIC_DEFAULT", secret: BYTES.subarray(0, 32) });
  });

  test("HMAC_224 (28-byte key)", () => {
    const hex = "0108484d41435f323234010000001c000102030405060708090a0b0c0d0e0f101112131415161718191a1b";
    assert.equal(serializeKeyMaterial({ spec: "HMAC_224", secret: BYTES.subarray(0, 28) }).toString("hex"), hex);
  });

  test("asymmetric layout: private then public", () => {
    const m: KeyMaterial = { spec: "ECC_NIST_P256", privateDer: Buffer.from("3041", "hex"), publicDer: Buffer.from("3059", "hex") };
    const hex = "010d4543435f4e4953545f503235360200000002304103000000023059";
    assert.equal(serializeKeyMaterial(m).toString("hex"), hex);
    assert.deepEqual(parseKeyMaterial(Buffer.from(hex, "hex")), m);
  });

  test("ML-DSA-44 from a fixed seed is deterministic", () => {
    const m = pqMaterialFromSeed("ML_DSA_44", BYTES.subarray(0, 32));
    const ser = serializeKeyMaterial(m);
    assert.equal(ser.length, 1 + 1 + 9 + 5 + 54 + 5 + 1334);
    assert.equal(ser.subarray(0, 16 + 54).toString("hex").slice(0, 32), "01094d4c5f4453415f34340200000036");
    assert.deepEqual(parseKeyMaterial(ser), m);
    assert.deepEqual(pqMaterialFromSeed("ML_DSA_44", BYTES.subarray(0, 32)).publicDer, m.publicDer);
  });

  test("round trip of generated material for every supported spec", () => {
    for (const spec of KEY_SPECS) {
      if (!keySpecInfo(spec).supported || spec === "RSA_4096" || spec === "RSA_3072") continue;
      const m = generateKeyMaterial(spec);
      assert.deepEqual(parseKeyMaterial(serializeKeyMaterial(m)), m, spec);
    }
  });

  test("rejects unknown versions, truncation, trailing bytes, unknown/out-of-order tags, unknown specs, wrong shapes", () => {
    const good = serializeKeyMaterial({ spec: "SYMMETRIC_DEFAULT", secret: BYTES.subarray(0, 32) });
    const version = Buffer.from(good);
    version[0] = 0x02;
    assert.throws(() => parseKeyMaterial(version), (e: unknown) => internal(e) && /version/.test((e as Error).message));
    for (let len = 0; len < good.length; len++) assert.throws(() => parseKeyMaterial(good.subarray(0, len)), internal, `length ${len}`);
    assert.throws(() => parseKeyMaterial(Buffer.concat([good, Buffer.from([0])])), internal);
    const unknownTag = Buffer.concat([good, Buffer.from([0x09, 0, 0, 0, 0])]);
    assert.throws(() => parseKeyMaterial(unknownTag), internal);
    const asym = serializeKeyMaterial({ spec: "ECC_NIST_P256", privateDer: Buffer.from("30", "hex"), publicDer: Buffer.from("31", "hex") });
    const swapped = Buffer.concat([asym.subarray(0, 15), asym.subarray(21), asym.subarray(15, 21)]);
    assert.equal(swapped[15], 0x03);
    assert.throws(() => parseKeyMaterial(swapped), internal, "out-of-order tags");
    const spec = Buffer.from(good);
    spec.write("X", 2, "ascii");
    assert.throws(() => parseKeyMaterial(spec), internal, "unknown spec");
    assert.throws(() => serializeKeyMaterial({ spec: "SYMMETRIC_DEFAULT", secret: BYTES.subarray(0, 16) }), internal);
    assert.throws(() => serializeKeyMaterial({ spec: "HMAC_256", secret: BYTES.subarray(0, 31) }), internal);
    assert.throws(() => serializeKeyMaterial({ spec: "RSA_2048", secret: BYTES.subarray(0, 32) }), internal);
  });

  test("isSameKeyMaterial compares secrets (constant time) or public keys", () => {
    const a = generateKeyMaterial("HMAC_256");
    assert.equal(isSameKeyMaterial(a, { spec: "HMAC_256", secret: Buffer.from(a.secret as Buffer) }), true);
    assert.equal(isSameKeyMaterial(a, generateKeyMaterial("HMAC_256")), false);
    assert.equal(isSameKeyMaterial(a, { spec: "HMAC_512", secret: a.secret as Buffer }), false);
    const e = generateKeyMaterial("ECC_NIST_P256");
    assert.equal(isSameKeyMaterial(e, { ...e }), true);
    assert.equal(isSameKeyMaterial(e, generateKeyMaterial("ECC_NIST_P256")), false);
  });
});
