import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { DAY_MS, MAX_ON_DEMAND_ROTATIONS } from "./env.js";
import { createKmsHarness, rejects } from "./testing/harness.js";

type Md = { KeyMetadata: { KeyId: string; Arn: string; CurrentKeyMaterialId?: string } };
type Rot = { Rotations: Array<{ KeyMaterialId: string; KeyMaterialState: string; RotationType?: string; RotationDate?: Date }>; Truncated: boolean };

describe("KMS key rotation", () => {
  const h = createKmsHarness();
  after(() => h.close());

  test("EnableKeyRotation validates RotationPeriodInDays (90–2560) and reports NextRotationDate", async () => {
    const k = (await h.call<Md>("CreateKey", {})).KeyMetadata;
    assert.deepEqual(await h.call("GetKeyRotationStatus", { KeyId: k.KeyId }), { KeyRotationEnabled: false, KeyId: k.Arn });
    await rejects(
      h.call("EnableKeyRotation", { KeyId: k.KeyId, RotationPeriodInDays: 89 }),
      "ValidationException",
      "1 validation error detected: Value '89' at 'rotationPeriodInDays' failed to satisfy constraint: Member must have value greater than or equal to 90",
    );
    await rejects(h.call("EnableKeyRotation", { KeyId: k.KeyId, RotationPeriodInDays: 2561 }), "ValidationException", /less than or equal to 2560/);
    await h.call("EnableKeyRotation", { KeyId: k.KeyId });
    const s = await h.call<{ KeyRotationEnabled: boolean; RotationPeriodInDays: number; NextRotationDate: Date }>("GetKeyRotationStatus", { KeyId: k.KeyId });
    assert.equal(s.KeyRotationEnabled, true);
    assert.equal(s.RotationPeriodInDays, 365);
    assert.equal(s.NextRotationDate.getTime(), h.clock.now() + 365 * DAY_MS);
    await h.call("DisableKeyRotation", { KeyId: k.KeyId });
    assert.equal((await h.call<{ KeyRotationEnabled: boolean }>("GetKeyRotationStatus", { KeyId: k.KeyId })).KeyRotationEnabled, false);
    const rsa = (await h.call<Md>("CreateKey", { KeySpec: "RSA_2048", KeyUsage: "SIGN_VERIFY" })).KeyMetadata;
    await rejects(h.call("EnableKeyRotation", { KeyId: rsa.KeyId }), "UnsupportedOperationException");
    await h.call("DisableKey", { KeyId: k.KeyId });
    await rejects(h.call("EnableKeyRotation", { KeyId: k.KeyId }), "DisabledException");
  });

  test("automatic rotation runs from the durable scheduler; older ciphertexts keep decrypting", async () => {
    const k = (await h.call<Md>("CreateKey", {})).KeyMetadata;
    const first = k.CurrentKeyMaterialId;
    const old = await h.call<{ CiphertextBlob: Uint8Array }>("Encrypt", { KeyId: k.KeyId, Plaintext: Buffer.from("before") });
    await h.call("EnableKeyRotation", { KeyId: k.KeyId, RotationPeriodInDays: 90 });
    h.clock.advance(90 * DAY_MS + 1);
    await h.scheduler.runDue();
    const md = (await h.call<Md>("DescribeKey", { KeyId: k.KeyId })).KeyMetadata;
    assert.notEqual(md.CurrentKeyMaterialId, first);
    const rot = await h.call<Rot>("ListKeyRotations", { KeyId: k.KeyId });
    assert.equal(rot.Rotations.length, 1);
    assert.equal(rot.Rotations[0]?.RotationType, "AUTOMATIC");
    assert.equal(rot.Rotations[0]?.KeyMaterialId, md.CurrentKeyMaterialId);
    const all = await h.call<Rot>("ListKeyRotations", { KeyId: k.KeyId, IncludeKeyMaterial: "ALL_KEY_MATERIAL" });
    assert.deepEqual(all.Rotations.map((r) => r.KeyMaterialState), ["NON_CURRENT", "CURRENT"]);
    const d = await h.call<{ Plaintext: Uint8Array; KeyMaterialId: string }>("Decrypt", { CiphertextBlob: old.CiphertextBlob });
    assert.equal(Buffer.from(d.Plaintext).toString(), "before");
    assert.equal(d.KeyMaterialId, first);
    const fresh = await h.call<{ CiphertextBlob: Uint8Array }>("Encrypt", { KeyId: k.KeyId, Plaintext: Buffer.from("after") });
    assert.equal((await h.call<{ KeyMaterialId: string }>("Decrypt", { CiphertextBlob: fresh.CiphertextBlob })).KeyMaterialId, md.CurrentKeyMaterialId);
    const s = await h.call<{ NextRotationDate: Date }>("GetKeyRotationStatus", { KeyId: k.KeyId });
    assert.equal(s.NextRotationDate.getTime(), h.clock.now() + 90 * DAY_MS);
  });

  test("an automatic rotation cut short after its commit does not rotate again when its job runs again", async () => {
    const k = (await h.call<Md>("CreateKey", {})).KeyMetadata;
    await h.call("EnableKeyRotation", { KeyId: k.KeyId, RotationPeriodInDays: 90 });
    h.clock.advance(90 * DAY_MS + 1);
    // Every write after the one that rotates the material fails, as if the process stopped there.
    const store = h.store;
    const real = store.transaction.bind(store);
    let rotatedCommits = 0;
    store.transaction = (async (fn: Parameters<typeof real>[0]) => {
      if (rotatedCommits > 0) throw new Error("stopped");
      const before = (await h.call<Md>("DescribeKey", { KeyId: k.KeyId })).KeyMetadata.CurrentKeyMaterialId;
      const r = await real(fn);
      const after = (await store.get<{ currentMaterialId?: string }>("kms-keys", `${h.root().accountId}/us-east-1/${k.KeyId}`))?.currentMaterialId;
      if (after !== before) rotatedCommits++;
      return r;
    }) as typeof store.transaction;
    try {
      await h.scheduler.runDue().catch(() => undefined);
    } finally {
      store.transaction = real;
    }
    assert.equal(rotatedCommits, 1);
    // The job is still there (its handler did not finish): it runs again, after its retry pause.
    h.clock.advance(DAY_MS);
    await h.scheduler.runDue();
    const rot = await h.call<Rot>("ListKeyRotations", { KeyId: k.KeyId });
    assert.equal(rot.Rotations.length, 1, "rotated once");
    const s = await h.call<{ NextRotationDate: Date }>("GetKeyRotationStatus", { KeyId: k.KeyId });
    assert.equal(s.NextRotationDate.getTime(), h.clock.now() - DAY_MS + 90 * DAY_MS);
  });

  test("RotateKeyOnDemand is refused (ConflictException) while an automatic rotation is due within 20 minutes", async () => {
    const k = (await h.call<Md>("CreateKey", {})).KeyMetadata;
    await h.call("EnableKeyRotation", { KeyId: k.KeyId, RotationPeriodInDays: 90 });
    h.clock.advance(90 * DAY_MS - 21 * 60_000);
    await h.call("RotateKeyOnDemand", { KeyId: k.KeyId });
    h.clock.advance(2 * 60_000);
    await rejects(h.call("RotateKeyOnDemand", { KeyId: k.KeyId }), "ConflictException");
    // Due and not yet run: in progress.
    h.clock.advance(20 * 60_000);
    await rejects(h.call("RotateKeyOnDemand", { KeyId: k.KeyId }), "ConflictException");
    await h.scheduler.runDue();
    await h.call("RotateKeyOnDemand", { KeyId: k.KeyId });
    const rot = await h.call<Rot>("ListKeyRotations", { KeyId: k.KeyId });
    assert.deepEqual(rot.Rotations.map((r) => r.RotationType), ["ON_DEMAND", "AUTOMATIC", "ON_DEMAND"]);
  });

  test("RotateKeyOnDemand adds ON_DEMAND material, up to the per-key limit", async () => {
    const k = (await h.call<Md>("CreateKey", {})).KeyMetadata;
    for (let i = 0; i < MAX_ON_DEMAND_ROTATIONS; i++) await h.call("RotateKeyOnDemand", { KeyId: k.KeyId });
    await rejects(h.call("RotateKeyOnDemand", { KeyId: k.KeyId }), "LimitExceededException");
    const rot = await h.call<Rot>("ListKeyRotations", { KeyId: k.KeyId, Limit: 10 });
    assert.equal(rot.Rotations.length, 10);
    assert.equal(rot.Truncated, true);
    assert.ok(rot.Rotations.every((r) => r.RotationType === "ON_DEMAND"));
  });

  test("ListKeyRotations without Limit answers 100 rotations, its documented default, then the rest after NextMarker", async () => {
    const k = (await h.call<Md>("CreateKey", {})).KeyMetadata;
    await h.call("EnableKeyRotation", { KeyId: k.KeyId, RotationPeriodInDays: 90 });
    for (let i = 0; i < 101; i++) {
      h.clock.advance(90 * DAY_MS + 1);
      await h.scheduler.runDue();
    }
    // "If you do not include a value, it defaults to 100" (API reference, ListKeyRotations, Limit).
    const first = await h.call<Rot & { NextMarker?: string }>("ListKeyRotations", { KeyId: k.KeyId });
    assert.deepEqual([first.Rotations.length, first.Truncated, typeof first.NextMarker], [100, true, "string"]);
    const rest = await h.call<Rot & { NextMarker?: string }>("ListKeyRotations", { KeyId: k.KeyId, Marker: first.NextMarker });
    assert.deepEqual([rest.Rotations.length, rest.Truncated, rest.NextMarker], [1, false, undefined]);
    const ids = [...first.Rotations, ...rest.Rotations].map((r) => r.KeyMaterialId);
    assert.equal(new Set(ids).size, 101);
    assert.equal(rest.Rotations[0]?.KeyMaterialId, (await h.call<Md>("DescribeKey", { KeyId: k.KeyId })).KeyMetadata.CurrentKeyMaterialId);
    // The whole list fits in one page of 1000, the largest Limit.
    const all = await h.call<Rot>("ListKeyRotations", { KeyId: k.KeyId, Limit: 1000, IncludeKeyMaterial: "ALL_KEY_MATERIAL" });
    assert.deepEqual([all.Rotations.length, all.Truncated], [102, false]);
  });
});
