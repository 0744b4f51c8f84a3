import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { DAY_MS } from "./env.js";
import { ACCOUNT, createKmsHarness, rejects } from "./testing/harness.js";

type Md = { KeyMetadata: Record<string, unknown> & { KeyId: string; Arn: string; MultiRegionConfiguration?: { MultiRegionKeyType: string; PrimaryKey: { Region: string }; ReplicaKeys: Array<{ Region: string; Arn: string }> } } };

describe("KMS multi-Region keys", () => {
  const h = createKmsHarness();
  after(() => h.close());
  const EU = "eu-west-1";
  const AP = "ap-southeast-2";

  test("mrk- ids, replicas share material: a primary's ciphertext decrypts in the replica Region", async () => {
    const p = (await h.call<Md>("CreateKey", { MultiRegion: true, Description: "primary" })).KeyMetadata;
    assert.match(p.KeyId, /^mrk-[0-9a-f]{32}$/);
    assert.equal(p.MultiRegionConfiguration?.MultiRegionKeyType, "PRIMARY");
    const r = await h.call<{ ReplicaKeyMetadata: Md["KeyMetadata"]; ReplicaPolicy: string }>("ReplicateKey", { KeyId: p.KeyId, ReplicaRegion: EU, Description: "replica" });
    assert.equal(r.ReplicaKeyMetadata.Arn, `arn:aws:kms:${EU}:${ACCOUNT}:key/${p.KeyId}`);
    assert.equal(r.ReplicaKeyMetadata.KeyState, "Creating");
    // No tags asked for: no ReplicaTags member, as KMS answers.
    assert.equal(Object.hasOwn(r, "ReplicaTags"), false);
    assert.equal(r.ReplicaKeyMetadata.MultiRegionConfiguration?.MultiRegionKeyType, "REPLICA");
    await rejects(h.call("ReplicateKey", { KeyId: p.KeyId, ReplicaRegion: EU }), "AlreadyExistsException");
    const e = await h.call<{ CiphertextBlob: Uint8Array }>("Encrypt", { KeyId: p.KeyId, Plaintext: Buffer.from("global"), EncryptionContext: { a: "b" } });
    const d = await h.call<{ Plaintext: Uint8Array; KeyId: string }>("Decrypt", { CiphertextBlob: e.CiphertextBlob, EncryptionContext: { a: "b" } }, h.root(), EU);
    assert.equal(Buffer.from(d.Plaintext).toString(), "global");
    assert.equal(d.KeyId, r.ReplicaKeyMetadata.Arn);
    const desc = (await h.call<Md>("DescribeKey", { KeyId: p.KeyId })).KeyMetadata;
    assert.deepEqual(desc.MultiRegionConfiguration?.ReplicaKeys.map((x) => x.Region), [EU]);
    assert.equal((await h.call<Md>("DescribeKey", { KeyId: p.KeyId }, h.root(), EU)).KeyMetadata.Description, "replica");
    // Rotation on the primary reaches the replica: new ciphertexts still decrypt there.
    await h.call("RotateKeyOnDemand", { KeyId: p.KeyId });
    const e2 = await h.call<{ CiphertextBlob: Uint8Array }>("Encrypt", { KeyId: p.KeyId, Plaintext: Buffer.from("rotated") });
    assert.equal(Buffer.from((await h.call<{ Plaintext: Uint8Array }>("Decrypt", { CiphertextBlob: e2.CiphertextBlob }, h.root(), EU)).Plaintext).toString(), "rotated");
    await rejects(h.call("EnableKeyRotation", { KeyId: p.KeyId }, h.root(), EU), "UnsupportedOperationException");
    const single = (await h.call<Md>("CreateKey", {})).KeyMetadata;
    await rejects(h.call("ReplicateKey", { KeyId: single.KeyId, ReplicaRegion: EU }), "UnsupportedOperationException");
  });

  test("UpdatePrimaryRegion swaps roles", async () => {
    const p = (await h.call<Md>("CreateKey", { MultiRegion: true })).KeyMetadata;
    await h.call("ReplicateKey", { KeyId: p.KeyId, ReplicaRegion: AP });
    await h.call("UpdatePrimaryRegion", { KeyId: p.KeyId, PrimaryRegion: AP });
    const now = (await h.call<Md>("DescribeKey", { KeyId: p.KeyId }, h.root(), AP)).KeyMetadata.MultiRegionConfiguration;
    assert.equal(now?.MultiRegionKeyType, "PRIMARY");
    assert.equal(now?.PrimaryKey.Region, AP);
    assert.deepEqual(now?.ReplicaKeys.map((x) => x.Region), ["us-east-1"]);
    assert.equal((await h.call<Md>("DescribeKey", { KeyId: p.KeyId })).KeyMetadata.MultiRegionConfiguration?.MultiRegionKeyType, "REPLICA");
  });

  test("a primary with replicas waits in PendingReplicaDeletion until its last replica is deleted", async () => {
    const p = (await h.call<Md>("CreateKey", { MultiRegion: true })).KeyMetadata;
    await h.call("ReplicateKey", { KeyId: p.KeyId, ReplicaRegion: EU });
    const s = await h.call<Record<string, unknown>>("ScheduleKeyDeletion", { KeyId: p.KeyId, PendingWindowInDays: 7 });
    assert.equal(s.KeyState, "PendingReplicaDeletion");
    assert.equal(s.DeletionDate, undefined);
    const md = (await h.call<Md>("DescribeKey", { KeyId: p.KeyId })).KeyMetadata;
    assert.equal(md.PendingDeletionWindowInDays, 7);
    await h.call("ScheduleKeyDeletion", { KeyId: p.KeyId, PendingWindowInDays: 7 }, h.root(), EU);
    h.clock.advance(7 * DAY_MS + 1);
    await h.scheduler.runDue();
    await rejects(h.call("DescribeKey", { KeyId: p.KeyId }, h.root(), EU), "NotFoundException");
    assert.equal((await h.call<Md>("DescribeKey", { KeyId: p.KeyId })).KeyMetadata.KeyState, "PendingDeletion");
    h.clock.advance(7 * DAY_MS + 1);
    await h.scheduler.runDue();
    await rejects(h.call("DescribeKey", { KeyId: p.KeyId }), "NotFoundException");
  });
});
