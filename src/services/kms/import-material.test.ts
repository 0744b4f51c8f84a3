import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, describe, test } from "node:test";
import { wrapKeyMaterialForImport } from "./crypto/index.js";
import { DAY_MS } from "./env.js";
import { COLLECTIONS } from "./model.js";
import { ACCOUNT, createKmsHarness, REGION, rejects } from "./testing/harness.js";

type Md = { KeyMetadata: Record<string, unknown> & { KeyId: string; Arn: string } };
type Params = { ImportToken: Uint8Array; PublicKey: Uint8Array; ParametersValidTo: Date; KeyId: string };

describe("KMS imported key material", () => {
  const h = createKmsHarness();
  after(() => h.close());

  async function wrapFor(keyId: string, material: Buffer, alg = "RSAES_OAEP_SHA_256") {
    const p = await h.call<Params>("GetParametersForImport", { KeyId: keyId, WrappingAlgorithm: alg, WrappingKeySpec: "RSA_2048" });
    return { p, wrapped: wrapKeyMaterialForImport({ wrappingPublicDer: Buffer.from(p.PublicKey), wrappingAlgorithm: alg, keyMaterial: material }) };
  }

  test("KeyMaterialDescription must match the model's pattern, checked before the import token or expiration", async () => {
    const k = (await h.call<Md>("CreateKey", { Origin: "EXTERNAL" })).KeyMetadata;
    const { p, wrapped } = await wrapFor(k.KeyId, randomBytes(32));
    const base = { KeyId: k.KeyId, ImportToken: p.ImportToken, EncryptedKeyMaterial: wrapped, ExpirationModel: "KEY_MATERIAL_DOES_NOT_EXPIRE" };
    const refused = (v: string): string =>
      `1 validation error detected: Value '${v}' at 'keyMaterialDescription' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9:/_\\s.-]+$`;
    for (const bad of ["café", "a,b", "tab\u00a0nbsp", ""]) {
      await rejects(h.call("ImportKeyMaterial", { ...base, KeyMaterialDescription: bad }), "ValidationException", refused(bad));
    }
    // The pattern is reported even when the request is wrong in other ways too (no ValidTo for an expiring import).
    await rejects(h.call("ImportKeyMaterial", { ...base, ExpirationModel: "KEY_MATERIAL_EXPIRES", KeyMaterialDescription: "x!" }), "ValidationException", refused("x!"));
    const r = await h.call<{ KeyMaterialId: string }>("ImportKeyMaterial", { ...base, KeyMaterialDescription: "first import: 2026/11 batch_a.b-c\t" });
    assert.equal(r.KeyMaterialId.length, 64);
  });

  test("EXTERNAL key: PendingImport → Enabled; expiry deletes the material → PendingImport; re-import restores it", async () => {
    const k = (await h.call<Md>("CreateKey", { Origin: "EXTERNAL" })).KeyMetadata;
    assert.equal(k.KeyState, "PendingImport");
    assert.equal(k.Enabled, false);
    await rejects(h.call("Encrypt", { KeyId: k.KeyId, Plaintext: Buffer.from("x") }), "KMSInvalidStateException", `${k.Arn} is pending import.`);
    const material = randomBytes(32);
    const { p, wrapped } = await wrapFor(k.KeyId, material);
    assert.equal(p.KeyId, k.Arn);
    assert.equal(p.ParametersValidTo.getTime(), h.clock.now() + DAY_MS);
    await rejects(h.call("ImportKeyMaterial", { KeyId: k.KeyId, ImportToken: p.ImportToken, EncryptedKeyMaterial: wrapped }), "ValidationException", /validTo/);
    const validTo = new Date(h.clock.now() + 2 * DAY_MS);
    const r = await h.call<{ KeyId: string; KeyMaterialId: string }>("ImportKeyMaterial", { KeyId: k.KeyId, ImportToken: p.ImportToken, EncryptedKeyMaterial: wrapped, ValidTo: validTo, ExpirationModel: "KEY_MATERIAL_EXPIRES" });
    assert.match(r.KeyMaterialId, /^[0-9a-f]{64}$/);
    const md = (await h.call<Md>("DescribeKey", { KeyId: k.KeyId })).KeyMetadata;
    assert.equal(md.KeyState, "Enabled");
    assert.equal(md.ExpirationModel, "KEY_MATERIAL_EXPIRES");
    assert.equal((md.ValidTo as Date).getTime(), validTo.getTime());
    const e = await h.call<{ CiphertextBlob: Uint8Array }>("Encrypt", { KeyId: k.KeyId, Plaintext: Buffer.from("imported") });
    h.clock.advance(2 * DAY_MS + 1);
    await h.scheduler.runDue();
    assert.equal((await h.call<Md>("DescribeKey", { KeyId: k.KeyId })).KeyMetadata.KeyState, "PendingImport");
    assert.equal(await h.store.count(COLLECTIONS.material, `${ACCOUNT}/${REGION}/${k.KeyId}/`), 0);
    await rejects(h.call("Decrypt", { CiphertextBlob: e.CiphertextBlob }), "KMSInvalidStateException");
    const again = await wrapFor(k.KeyId, material);
    const r2 = await h.call<{ KeyMaterialId: string }>("ImportKeyMaterial", { KeyId: k.KeyId, ImportToken: again.p.ImportToken, EncryptedKeyMaterial: again.wrapped, ExpirationModel: "KEY_MATERIAL_DOES_NOT_EXPIRE" });
    assert.equal(r2.KeyMaterialId, r.KeyMaterialId);
    assert.equal(Buffer.from((await h.call<{ Plaintext: Uint8Array }>("Decrypt", { CiphertextBlob: e.CiphertextBlob })).Plaintext).toString(), "imported");
  });

  test("parallel imports of different material into a key without material: one is imported, the other is refused", async () => {
    const k = (await h.call<Md>("CreateKey", { Origin: "EXTERNAL" })).KeyMetadata;
    const a = await wrapFor(k.KeyId, randomBytes(32));
    const b = await wrapFor(k.KeyId, randomBytes(32));
    const rs = await Promise.allSettled(
      [a, b].map((w) => h.call("ImportKeyMaterial", { KeyId: k.KeyId, ImportToken: w.p.ImportToken, EncryptedKeyMaterial: w.wrapped, ExpirationModel: "KEY_MATERIAL_DOES_NOT_EXPIRE" })),
    );
    // As in either serial order: the second import (no ImportType) is for the existing material, and this is not it.
    assert.deepEqual(rs.map((r) => (r.status === "fulfilled" ? "OK" : (r.reason as Error).name)).sort(), ["IncorrectKeyMaterialException", "OK"]);
    const stored = await h.store.get<{ materials: unknown[] }>(COLLECTIONS.keys, `${ACCOUNT}/${REGION}/${k.KeyId}`);
    assert.equal(stored?.materials.length, 1);
  });

  test("other material, foreign or expired tokens are refused; DeleteImportedKeyMaterial", async () => {
    const k = (await h.call<Md>("CreateKey", { Origin: "EXTERNAL" })).KeyMetadata;
    const first = await wrapFor(k.KeyId, randomBytes(32));
    await h.call("ImportKeyMaterial", { KeyId: k.KeyId, ImportToken: first.p.ImportToken, EncryptedKeyMaterial: first.wrapped, ExpirationModel: "KEY_MATERIAL_DOES_NOT_EXPIRE" });
    const other = await wrapFor(k.KeyId, randomBytes(32));
    await rejects(h.call("ImportKeyMaterial", { KeyId: k.KeyId, ImportToken: other.p.ImportToken, EncryptedKeyMaterial: other.wrapped, ExpirationModel: "KEY_MATERIAL_DOES_NOT_EXPIRE", ImportType: "EXISTING_KEY_MATERIAL" }), "IncorrectKeyMaterialException");
    const k2 = (await h.call<Md>("CreateKey", { Origin: "EXTERNAL" })).KeyMetadata;
    await rejects(h.call("ImportKeyMaterial", { KeyId: k2.KeyId, ImportToken: other.p.ImportToken, EncryptedKeyMaterial: other.wrapped, ExpirationModel: "KEY_MATERIAL_DOES_NOT_EXPIRE" }), "InvalidImportTokenException");
    const late = await wrapFor(k2.KeyId, randomBytes(32));
    h.clock.advance(DAY_MS + 1);
    await rejects(h.call("ImportKeyMaterial", { KeyId: k2.KeyId, ImportToken: late.p.ImportToken, EncryptedKeyMaterial: late.wrapped, ExpirationModel: "KEY_MATERIAL_DOES_NOT_EXPIRE" }), "ExpiredImportTokenException");
    const short = await wrapFor(k2.KeyId, randomBytes(16));
    await rejects(h.call("ImportKeyMaterial", { KeyId: k2.KeyId, ImportToken: short.p.ImportToken, EncryptedKeyMaterial: short.wrapped, ExpirationModel: "KEY_MATERIAL_DOES_NOT_EXPIRE" }), "IncorrectKeyMaterialException");
    const del = await h.call<{ KeyId: string; KeyMaterialId: string }>("DeleteImportedKeyMaterial", { KeyId: k.KeyId });
    assert.equal(del.KeyId, k.Arn);
    assert.equal((await h.call<Md>("DescribeKey", { KeyId: k.KeyId })).KeyMetadata.KeyState, "PendingImport");
    const aws = (await h.call<Md>("CreateKey", {})).KeyMetadata;
    await rejects(h.call("GetParametersForImport", { KeyId: aws.KeyId, WrappingAlgorithm: "RSAES_OAEP_SHA_256", WrappingKeySpec: "RSA_2048" }), "UnsupportedOperationException", `${aws.Arn} origin is AWS_KMS which is not valid for this operation.`);
  });

  test("DeleteImportedKeyMaterial on a key pending deletion keeps its state; CancelKeyDeletion then leaves it pending import", async () => {
    const k = (await h.call<Md>("CreateKey", { Origin: "EXTERNAL" })).KeyMetadata;
    const material = randomBytes(32);
    const w = await wrapFor(k.KeyId, material);
    const imported = await h.call<{ KeyMaterialId: string }>("ImportKeyMaterial", { KeyId: k.KeyId, ImportToken: w.p.ImportToken, EncryptedKeyMaterial: w.wrapped, ExpirationModel: "KEY_MATERIAL_DOES_NOT_EXPIRE" });
    const sched = await h.call<{ DeletionDate: Date }>("ScheduleKeyDeletion", { KeyId: k.KeyId, PendingWindowInDays: 7 });
    assert.deepEqual(await h.call("DeleteImportedKeyMaterial", { KeyId: k.KeyId }), { KeyId: k.Arn, KeyMaterialId: imported.KeyMaterialId });
    const pending = (await h.call<Md>("DescribeKey", { KeyId: k.KeyId })).KeyMetadata;
    assert.equal(pending.KeyState, "PendingDeletion");
    assert.equal((pending.DeletionDate as Date).getTime(), sched.DeletionDate.getTime());
    assert.equal(await h.store.count(COLLECTIONS.material, `${ACCOUNT}/${REGION}/${k.KeyId}/`), 0);
    // GetParametersForImport and ImportKeyMaterial still refuse a key pending deletion.
    await rejects(h.call("GetParametersForImport", { KeyId: k.KeyId, WrappingAlgorithm: "RSAES_OAEP_SHA_256", WrappingKeySpec: "RSA_2048" }), "KMSInvalidStateException", `${k.Arn} is pending deletion.`);
    await h.call("CancelKeyDeletion", { KeyId: k.KeyId });
    assert.equal((await h.call<Md>("DescribeKey", { KeyId: k.KeyId })).KeyMetadata.KeyState, "PendingImport");
    await rejects(h.call("Encrypt", { KeyId: k.KeyId, Plaintext: Buffer.from("x") }), "KMSInvalidStateException", `${k.Arn} is pending import.`);
    const again = await wrapFor(k.KeyId, material);
    await h.call("ImportKeyMaterial", { KeyId: k.KeyId, ImportToken: again.p.ImportToken, EncryptedKeyMaterial: again.wrapped, ExpirationModel: "KEY_MATERIAL_DOES_NOT_EXPIRE" });
    assert.equal((await h.call<Md>("DescribeKey", { KeyId: k.KeyId })).KeyMetadata.KeyState, "Enabled");
  });

  test("material that expires while its key is pending deletion: CancelKeyDeletion leaves the key pending import, not disabled", async () => {
    const k = (await h.call<Md>("CreateKey", { Origin: "EXTERNAL" })).KeyMetadata;
    const w = await wrapFor(k.KeyId, randomBytes(32));
    await h.call("ImportKeyMaterial", { KeyId: k.KeyId, ImportToken: w.p.ImportToken, EncryptedKeyMaterial: w.wrapped, ExpirationModel: "KEY_MATERIAL_EXPIRES", ValidTo: new Date(h.clock.now() + DAY_MS) });
    await h.call("ScheduleKeyDeletion", { KeyId: k.KeyId, PendingWindowInDays: 30 });
    h.clock.advance(DAY_MS + 1);
    await h.scheduler.runDue();
    assert.equal((await h.call<Md>("DescribeKey", { KeyId: k.KeyId })).KeyMetadata.KeyState, "PendingDeletion");
    await h.call("CancelKeyDeletion", { KeyId: k.KeyId });
    assert.equal((await h.call<Md>("DescribeKey", { KeyId: k.KeyId })).KeyMetadata.KeyState, "PendingImport");
    // A key whose material is still there comes back disabled, as any other.
    const kept = (await h.call<Md>("CreateKey", { Origin: "EXTERNAL" })).KeyMetadata;
    const w2 = await wrapFor(kept.KeyId, randomBytes(32));
    await h.call("ImportKeyMaterial", { KeyId: kept.KeyId, ImportToken: w2.p.ImportToken, EncryptedKeyMaterial: w2.wrapped, ExpirationModel: "KEY_MATERIAL_DOES_NOT_EXPIRE" });
    await h.call("ScheduleKeyDeletion", { KeyId: kept.KeyId });
    await h.call("CancelKeyDeletion", { KeyId: kept.KeyId });
    assert.equal((await h.call<Md>("DescribeKey", { KeyId: kept.KeyId })).KeyMetadata.KeyState, "Disabled");
  });

  test("new imported material waits for RotateKeyOnDemand (symmetric keys)", async () => {
    const k = (await h.call<Md>("CreateKey", { Origin: "EXTERNAL" })).KeyMetadata;
    const a = await wrapFor(k.KeyId, randomBytes(32));
    const ra = await h.call<{ KeyMaterialId: string }>("ImportKeyMaterial", { KeyId: k.KeyId, ImportToken: a.p.ImportToken, EncryptedKeyMaterial: a.wrapped, ExpirationModel: "KEY_MATERIAL_DOES_NOT_EXPIRE" });
    await rejects(h.call("RotateKeyOnDemand", { KeyId: k.KeyId }), "KMSInvalidStateException");
    const b = await wrapFor(k.KeyId, randomBytes(32));
    const rb = await h.call<{ KeyMaterialId: string }>("ImportKeyMaterial", { KeyId: k.KeyId, ImportToken: b.p.ImportToken, EncryptedKeyMaterial: b.wrapped, ExpirationModel: "KEY_MATERIAL_DOES_NOT_EXPIRE", ImportType: "NEW_KEY_MATERIAL" });
    assert.equal((await h.call<Md>("DescribeKey", { KeyId: k.KeyId })).KeyMetadata.CurrentKeyMaterialId, ra.KeyMaterialId);
    await h.call("RotateKeyOnDemand", { KeyId: k.KeyId });
    assert.equal((await h.call<Md>("DescribeKey", { KeyId: k.KeyId })).KeyMetadata.CurrentKeyMaterialId, rb.KeyMaterialId);
  });

  test("multi-Region imported key: new material goes into the primary, then into each replica as EXISTING_KEY_MATERIAL, then the primary rotates", async () => {
    const EU = "eu-west-1";
    const inEu = async (keyId: string, material: Buffer) => {
      const p = await h.call<Params>("GetParametersForImport", { KeyId: keyId, WrappingAlgorithm: "RSAES_OAEP_SHA_256", WrappingKeySpec: "RSA_2048" }, h.root(), EU);
      return { p, wrapped: wrapKeyMaterialForImport({ wrappingPublicDer: Buffer.from(p.PublicKey), wrappingAlgorithm: "RSAES_OAEP_SHA_256", keyMaterial: material }) };
    };
    const k = (await h.call<Md>("CreateKey", { Origin: "EXTERNAL", MultiRegion: true })).KeyMetadata;
    const replicaArn = `arn:aws:kms:${EU}:${ACCOUNT}:key/${k.KeyId}`;
    const first = randomBytes(32);
    const a = await wrapFor(k.KeyId, first);
    await h.call("ImportKeyMaterial", { KeyId: k.KeyId, ImportToken: a.p.ImportToken, EncryptedKeyMaterial: a.wrapped, ExpirationModel: "KEY_MATERIAL_DOES_NOT_EXPIRE" });
    await h.call("ReplicateKey", { KeyId: k.KeyId, ReplicaRegion: EU });
    const ra = await inEu(k.KeyId, first);
    await h.call("ImportKeyMaterial", { KeyId: k.KeyId, ImportToken: ra.p.ImportToken, EncryptedKeyMaterial: ra.wrapped, ExpirationModel: "KEY_MATERIAL_DOES_NOT_EXPIRE" }, h.root(), EU);
    // A replica takes no new material of its own.
    const own = await inEu(k.KeyId, randomBytes(32));
    await rejects(
      h.call("ImportKeyMaterial", { KeyId: k.KeyId, ImportToken: own.p.ImportToken, EncryptedKeyMaterial: own.wrapped, ExpirationModel: "KEY_MATERIAL_DOES_NOT_EXPIRE", ImportType: "NEW_KEY_MATERIAL" }, h.root(), EU),
      "UnsupportedOperationException",
      /is a multi-Region replica key/,
    );
    const next = randomBytes(32);
    const b = await wrapFor(k.KeyId, next);
    const nb = await h.call<{ KeyMaterialId: string }>("ImportKeyMaterial", { KeyId: k.KeyId, ImportToken: b.p.ImportToken, EncryptedKeyMaterial: b.wrapped, ExpirationModel: "KEY_MATERIAL_DOES_NOT_EXPIRE", ImportType: "NEW_KEY_MATERIAL" });
    type Rotations = { Rotations: Array<{ KeyMaterialId: string; KeyMaterialState: string }> };
    const stateOf = async (region?: string) =>
      Object.fromEntries((await h.call<Rotations>("ListKeyRotations", { KeyId: k.KeyId, IncludeKeyMaterial: "ALL_KEY_MATERIAL" }, h.root(), region)).Rotations.map((r) => [r.KeyMaterialId, r.KeyMaterialState]));
    assert.equal((await stateOf())[nb.KeyMaterialId], "PENDING_MULTI_REGION_IMPORT_AND_ROTATION");
    // The primary cannot rotate to material a replica does not hold.
    await rejects(h.call("RotateKeyOnDemand", { KeyId: k.KeyId }), "KMSInvalidStateException", new RegExp(`not yet imported into its replica key in ${EU}`));
    assert.equal((await h.call<Md>("DescribeKey", { KeyId: k.KeyId }, h.root(), EU)).KeyMetadata.KeyState, "Enabled");
    await h.call("Encrypt", { KeyId: k.KeyId, Plaintext: Buffer.from("x") }, h.root(), EU);
    // The primary's new material, as EXISTING_KEY_MATERIAL (the default once a key has material).
    const rb = await inEu(k.KeyId, next);
    const imported = await h.call<{ KeyId: string; KeyMaterialId: string }>("ImportKeyMaterial", { KeyId: k.KeyId, ImportToken: rb.p.ImportToken, EncryptedKeyMaterial: rb.wrapped, ExpirationModel: "KEY_MATERIAL_DOES_NOT_EXPIRE" }, h.root(), EU);
    assert.deepEqual(imported, { KeyId: replicaArn, KeyMaterialId: nb.KeyMaterialId });
    assert.equal((await stateOf())[nb.KeyMaterialId], "PENDING_ROTATION");
    assert.equal((await stateOf(EU))[nb.KeyMaterialId], "PENDING_ROTATION");
    await h.call("RotateKeyOnDemand", { KeyId: k.KeyId });
    assert.equal((await stateOf(EU))[nb.KeyMaterialId], "CURRENT");
    const e = await h.call<{ CiphertextBlob: Uint8Array; KeyMaterialId?: string }>("GenerateDataKey", { KeyId: k.KeyId, KeySpec: "AES_256" }, h.root(), EU);
    assert.equal(e.KeyMaterialId, nb.KeyMaterialId);
    await h.call("Decrypt", { CiphertextBlob: e.CiphertextBlob });
  });

  test("multi-Region imported key: deleting the primary's material pending rotation deletes the replicas' copy; a replica's deletion stays in the replica", async () => {
    const EU = "eu-west-1";
    const AP = "ap-southeast-2";
    const into = async (keyId: string, material: Buffer, region?: string) => {
      const p = await h.call<Params>("GetParametersForImport", { KeyId: keyId, WrappingAlgorithm: "RSAES_OAEP_SHA_256", WrappingKeySpec: "RSA_2048" }, h.root(), region);
      const wrapped = wrapKeyMaterialForImport({ wrappingPublicDer: Buffer.from(p.PublicKey), wrappingAlgorithm: "RSAES_OAEP_SHA_256", keyMaterial: material });
      return h.call<{ KeyMaterialId: string }>("ImportKeyMaterial", { KeyId: keyId, ImportToken: p.ImportToken, EncryptedKeyMaterial: wrapped, ExpirationModel: "KEY_MATERIAL_DOES_NOT_EXPIRE" }, h.root(), region);
    };
    type Rotations = { Rotations: Array<{ KeyMaterialId: string; ImportState?: string; KeyMaterialState: string }> };
    const importStates = async (keyId: string, region?: string) =>
      Object.fromEntries((await h.call<Rotations>("ListKeyRotations", { KeyId: keyId, IncludeKeyMaterial: "ALL_KEY_MATERIAL" }, h.root(), region)).Rotations.map((r) => [r.KeyMaterialId, r.ImportState]));
    const k = (await h.call<Md>("CreateKey", { Origin: "EXTERNAL", MultiRegion: true })).KeyMetadata;
    const first = randomBytes(32);
    const a = await into(k.KeyId, first);
    await h.call("ReplicateKey", { KeyId: k.KeyId, ReplicaRegion: EU });
    await h.call("ReplicateKey", { KeyId: k.KeyId, ReplicaRegion: AP });
    await into(k.KeyId, first, EU);
    await into(k.KeyId, first, AP);
    const next = randomBytes(32);
    const pb = await h.call<Params>("GetParametersForImport", { KeyId: k.KeyId, WrappingAlgorithm: "RSAES_OAEP_SHA_256", WrappingKeySpec: "RSA_2048" });
    const b = await h.call<{ KeyMaterialId: string }>("ImportKeyMaterial", {
      KeyId: k.KeyId, ImportToken: pb.ImportToken, ExpirationModel: "KEY_MATERIAL_DOES_NOT_EXPIRE", ImportType: "NEW_KEY_MATERIAL",
      EncryptedKeyMaterial: wrapKeyMaterialForImport({ wrappingPublicDer: Buffer.from(pb.PublicKey), wrappingAlgorithm: "RSAES_OAEP_SHA_256", keyMaterial: next }),
    });
    await into(k.KeyId, next, EU); // AP has not imported it yet
    assert.equal((await importStates(k.KeyId, EU))[b.KeyMaterialId], "IMPORTED");
    // The replica's own deletion leaves the primary's copy in place.
    assert.deepEqual(await h.call("DeleteImportedKeyMaterial", { KeyId: k.KeyId, KeyMaterialId: b.KeyMaterialId }, h.root(), EU), { KeyId: `arn:aws:kms:${EU}:${ACCOUNT}:key/${k.KeyId}`, KeyMaterialId: b.KeyMaterialId });
    assert.equal((await importStates(k.KeyId))[b.KeyMaterialId], "IMPORTED");
    // Material pending rotation is not permanently associated: the replica's deleted copy left it.
    assert.equal(b.KeyMaterialId in (await importStates(k.KeyId, EU)), false);
    await into(k.KeyId, next, EU);
    // The primary's deletion of material pending rotation takes it from the replica that holds it too.
    await h.call("DeleteImportedKeyMaterial", { KeyId: k.KeyId, KeyMaterialId: b.KeyMaterialId });
    assert.equal(b.KeyMaterialId in (await importStates(k.KeyId)), false);
    assert.equal(b.KeyMaterialId in (await importStates(k.KeyId, EU)), false);
    assert.equal(await h.store.count(COLLECTIONS.material, `${ACCOUNT}/${REGION}/${k.KeyId}/${b.KeyMaterialId}`), 0);
    assert.equal(await h.store.count(COLLECTIONS.material, `${ACCOUNT}/${EU}/${k.KeyId}/${b.KeyMaterialId}`), 0);
    // The current material stays everywhere, and so does each key's state.
    for (const region of [undefined, EU, AP]) {
      assert.equal((await importStates(k.KeyId, region))[a.KeyMaterialId], "IMPORTED");
      assert.equal((await h.call<Md>("DescribeKey", { KeyId: k.KeyId }, h.root(), region)).KeyMetadata.KeyState, "Enabled");
    }
    await h.call("Encrypt", { KeyId: k.KeyId, Plaintext: Buffer.from("x") }, h.root(), EU);
  });

  test("CurrentKeyMaterialId is reported for a single-Region imported symmetric key, not for a multi-Region one", async () => {
    for (const multi of [false, true]) {
      const k = (await h.call<Md>("CreateKey", { Origin: "EXTERNAL", MultiRegion: multi })).KeyMetadata;
      const a = await wrapFor(k.KeyId, randomBytes(32));
      const r = await h.call<{ KeyMaterialId: string }>("ImportKeyMaterial", { KeyId: k.KeyId, ImportToken: a.p.ImportToken, EncryptedKeyMaterial: a.wrapped, ExpirationModel: "KEY_MATERIAL_DOES_NOT_EXPIRE" });
      const md = (await h.call<Md>("DescribeKey", { KeyId: k.KeyId })).KeyMetadata;
      assert.equal(md.KeyState, "Enabled");
      if (multi) assert.equal("CurrentKeyMaterialId" in md, false);
      else assert.equal(md.CurrentKeyMaterialId, r.KeyMaterialId);
    }
  });

  test("asymmetric imported material (ECC P-256) signs after import", async () => {
    const { generateKeyPairSync } = await import("node:crypto");
    const k = (await h.call<Md>("CreateKey", { Origin: "EXTERNAL", KeySpec: "ECC_NIST_P256", KeyUsage: "SIGN_VERIFY" })).KeyMetadata;
    const pair = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
    const der = pair.privateKey.export({ type: "pkcs8", format: "der" });
    const w = await wrapFor(k.KeyId, der, "RSA_AES_KEY_WRAP_SHA_256");
    await h.call("ImportKeyMaterial", { KeyId: k.KeyId, ImportToken: w.p.ImportToken, EncryptedKeyMaterial: w.wrapped, ExpirationModel: "KEY_MATERIAL_DOES_NOT_EXPIRE" });
    const s = await h.call<{ Signature: Uint8Array }>("Sign", { KeyId: k.KeyId, Message: Buffer.from("m"), SigningAlgorithm: "ECDSA_SHA_256" });
    const { verify } = await import("node:crypto");
    assert.ok(verify("sha256", Buffer.from("m"), { key: pair.publicKey, dsaEncoding: "der" }, Buffer.from(s.Signature)));
  });
});

describe("KMS material expiry job racing a re-import", () => {
  const h = createKmsHarness();
  after(() => h.close());

  test("material re-imported while its expiry job runs is never removed once the import is acknowledged", async () => {
    const outcomes = (ps: Array<Promise<unknown>>) => Promise.allSettled(ps).then((rs) => rs.map((r) => (r.status === "fulfilled" ? "OK" : (r.reason as Error).name)));
    const wait = async (n: number) => {
      for (let i = 0; i < n; i++) await Promise.resolve();
    };
    // A positive delay starts the re-import that many microtasks after the job, a negative one the job after it.
    for (let delay = -40; delay <= 40; delay += 4) {
      const k = (await h.call<Md>("CreateKey", { Origin: "EXTERNAL" })).KeyMetadata;
      const material = randomBytes(32);
      const first = await h.call<Params>("GetParametersForImport", { KeyId: k.KeyId, WrappingAlgorithm: "RSAES_OAEP_SHA_256", WrappingKeySpec: "RSA_2048" });
      const wrap = (p: Params) => wrapKeyMaterialForImport({ wrappingPublicDer: Buffer.from(p.PublicKey), wrappingAlgorithm: "RSAES_OAEP_SHA_256", keyMaterial: material });
      await h.call("ImportKeyMaterial", { KeyId: k.KeyId, ImportToken: first.ImportToken, EncryptedKeyMaterial: wrap(first), ValidTo: new Date(h.clock.now() + DAY_MS), ExpirationModel: "KEY_MATERIAL_EXPIRES" });
      h.clock.advance(DAY_MS + 1);
      const again = await h.call<Params>("GetParametersForImport", { KeyId: k.KeyId, WrappingAlgorithm: "RSAES_OAEP_SHA_256", WrappingKeySpec: "RSA_2048" });
      const [job, imp] = await outcomes([
        wait(-delay).then(() => h.scheduler.runDue()),
        wait(delay).then(() => h.call("ImportKeyMaterial", { KeyId: k.KeyId, ImportToken: again.ImportToken, EncryptedKeyMaterial: wrap(again), ExpirationModel: "KEY_MATERIAL_DOES_NOT_EXPIRE" })),
      ]);
      assert.equal(job, "OK");
      assert.equal(imp, "OK", `after ${delay} ticks`);
      const md = (await h.call<Md>("DescribeKey", { KeyId: k.KeyId })).KeyMetadata;
      assert.equal(md.KeyState, "Enabled", `after ${delay} ticks`);
      assert.equal(md.ExpirationModel, "KEY_MATERIAL_DOES_NOT_EXPIRE", `after ${delay} ticks`);
      await h.call("Encrypt", { KeyId: k.KeyId, Plaintext: Buffer.from("still here") });
    }
  });
});
