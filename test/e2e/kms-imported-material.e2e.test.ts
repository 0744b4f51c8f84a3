/**
 * Keys with imported key material, through the real server. A key is usable only while every
 * material permanently associated with it is imported, and DescribeKey's ValidTo is the earliest
 * expiry among them. Multi-Region keys: the same material
 * imported into a primary and its replica makes them interoperable; new material goes into the
 * primary (ImportType NEW_KEY_MATERIAL), then into each replica as EXISTING_KEY_MATERIAL, and
 * RotateKeyOnDemand on the primary waits until every replica holds it; deleting the primary's
 * material pending rotation deletes the replicas' copies too, and material deleted while pending
 * rotation (not permanently associated with the key) leaves it, so other material can take its
 * place (API reference: ImportKeyMaterial, RotateKeyOnDemand, ListKeyRotations /
 * RotationsListEntry, DeleteImportedKeyMaterial).
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { constants, createPublicKey, publicEncrypt, randomBytes } from "node:crypto";
import {
  type KMSClient,
  CreateKeyCommand,
  DescribeKeyCommand,
  EncryptCommand,
  DecryptCommand,
  GetParametersForImportCommand,
  ImportKeyMaterialCommand,
  type ImportKeyMaterialCommandInput,
  ReplicateKeyCommand,
  RotateKeyOnDemandCommand,
  ListKeyRotationsCommand,
  DeleteImportedKeyMaterialCommand,
  ScheduleKeyDeletionCommand,
  CancelKeyDeletionCommand,
  type RotationsListEntry,
} from "@aws-sdk/client-kms";
import { startTestServer, type TestServer } from "./harness.js";
import { kmsClient, rejectsWith, utf8, text } from "./kms-support.js";

const PRIMARY = "us-east-1";
const REPLICA = "eu-west-1";

let s: TestServer;
let east: KMSClient;
let west: KMSClient;
before(async () => {
  s = await startTestServer();
  east = kmsClient(s, undefined, PRIMARY);
  west = kmsClient(s, undefined, REPLICA);
});
after(async () => {
  await s.destroy();
});

/**
 * ImportKeyMaterial input for `material` wrapped for the key in `kms`'s Region: RSAES_OAEP_SHA_256
 * under an RSA_2048 wrapping key, as the AWS docs describe; the material never expires.
 */
async function wrappedFor(kms: KMSClient, keyId: string, material: Buffer, extra: Partial<ImportKeyMaterialCommandInput> = {}): Promise<ImportKeyMaterialCommandInput> {
  const p = await kms.send(new GetParametersForImportCommand({ KeyId: keyId, WrappingAlgorithm: "RSAES_OAEP_SHA_256", WrappingKeySpec: "RSA_2048" }));
  const pub = createPublicKey({ key: Buffer.from(p.PublicKey!), format: "der", type: "spki" });
  const wrapped = publicEncrypt({ key: pub, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha256" }, material);
  return { KeyId: keyId, ImportToken: p.ImportToken, EncryptedKeyMaterial: wrapped, ExpirationModel: "KEY_MATERIAL_DOES_NOT_EXPIRE", ...extra };
}
const importInto = async (kms: KMSClient, keyId: string, material: Buffer, extra: Partial<ImportKeyMaterialCommandInput> = {}) =>
  kms.send(new ImportKeyMaterialCommand(await wrappedFor(kms, keyId, material, extra)));

const describe = async (kms: KMSClient, keyId: string) => (await kms.send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata!;
const materials = async (kms: KMSClient, keyId: string): Promise<RotationsListEntry[]> =>
  (await kms.send(new ListKeyRotationsCommand({ KeyId: keyId, IncludeKeyMaterial: "ALL_KEY_MATERIAL" }))).Rotations ?? [];
const entryOf = (list: RotationsListEntry[], id: string): RotationsListEntry => {
  const e = list.find((r) => r.KeyMaterialId === id);
  assert.ok(e, `no entry for key material ${id}`);
  return e;
};
/** The material ListKeyRotations shows CURRENT (DescribeKey has no CurrentKeyMaterialId for multi-Region EXTERNAL keys). */
const currentOf = async (kms: KMSClient, keyId: string): Promise<string | undefined> => {
  const cur = (await materials(kms, keyId)).filter((r) => r.KeyMaterialState === "CURRENT");
  assert.equal(cur.length, 1);
  return cur[0]!.KeyMaterialId;
};
const decryptsIn = async (kms: KMSClient, blob: Uint8Array | undefined) => text((await kms.send(new DecryptCommand({ CiphertextBlob: blob }))).Plaintext);

/** An EXTERNAL multi-Region primary in us-east-1 and its replica in eu-west-1, both holding `material`. */
async function importedPair(material: Buffer) {
  const k = (await east.send(new CreateKeyCommand({ Origin: "EXTERNAL", MultiRegion: true, Description: "imported multi-Region" }))).KeyMetadata!;
  assert.equal(k.KeyState, "PendingImport");
  assert.equal(k.MultiRegion, true);
  const first = await importInto(east, k.KeyId!, material);
  assert.equal(first.KeyId, k.Arn);
  assert.match(first.KeyMaterialId!, /^[0-9a-f]{64}$/);
  assert.equal((await describe(east, k.KeyId!)).KeyState, "Enabled");
  const rep = (await east.send(new ReplicateKeyCommand({ KeyId: k.KeyId, ReplicaRegion: REPLICA }))).ReplicaKeyMetadata!;
  assert.equal(rep.KeyId, k.KeyId);
  assert.equal(rep.Arn, k.Arn!.replace(`:${PRIMARY}:`, `:${REPLICA}:`));
  assert.equal(rep.Origin, "EXTERNAL");
  // KMS copies no imported material to a replica: it waits for its own import.
  assert.equal(rep.KeyState, "PendingImport");
  await rejectsWith(west.send(new EncryptCommand({ KeyId: k.KeyId, Plaintext: utf8("x") })), "KMSInvalidStateException");
  // The same material in the replica has the same key material id.
  const second = await importInto(west, k.KeyId!, material);
  assert.equal(second.KeyId, rep.Arn);
  assert.equal(second.KeyMaterialId, first.KeyMaterialId);
  const replica = await describe(west, k.KeyId!);
  assert.equal(replica.KeyState, "Enabled");
  assert.equal(replica.MultiRegionConfiguration?.MultiRegionKeyType, "REPLICA");
  // "present for ... single-Region, symmetric encryption keys with EXTERNAL origin" (KeyMetadata): not these.
  assert.equal(replica.CurrentKeyMaterialId, undefined);
  assert.equal((await describe(east, k.KeyId!)).CurrentKeyMaterialId, undefined);
  assert.equal(await currentOf(west, k.KeyId!), first.KeyMaterialId);
  assert.equal(await currentOf(east, k.KeyId!), first.KeyMaterialId);
  return { keyId: k.KeyId!, primaryArn: k.Arn!, replicaArn: rep.Arn!, firstMaterialId: first.KeyMaterialId! };
}

test("imported multi-Region key: same material in primary and replica, new material imported into both before the primary rotates to it", async () => {
  const m1 = randomBytes(32);
  const { keyId, replicaArn, firstMaterialId } = await importedPair(m1);

  // Encrypted in the primary's Region, decrypted in the replica's.
  const older = await east.send(new EncryptCommand({ KeyId: keyId, Plaintext: utf8("under the first material") }));
  assert.equal(await decryptsIn(west, older.CiphertextBlob), "under the first material");

  // New material goes into the primary and waits there for rotation.
  const m2 = randomBytes(32);
  const imported = await importInto(east, keyId, m2, { ImportType: "NEW_KEY_MATERIAL", KeyMaterialDescription: "second" });
  const newId = imported.KeyMaterialId!;
  assert.match(newId, /^[0-9a-f]{64}$/);
  assert.notEqual(newId, firstMaterialId);
  assert.equal(await currentOf(east, keyId), firstMaterialId);

  // The replica does not hold it yet: the primary shows it pending multi-Region import and rotation,
  // and refuses to rotate to it.
  let list = await materials(east, keyId);
  assert.equal(list.length, 2);
  assert.deepEqual(
    { ...entryOf(list, newId) },
    {
      KeyId: keyId,
      KeyMaterialId: newId,
      KeyMaterialDescription: "second",
      ImportState: "IMPORTED",
      KeyMaterialState: "PENDING_MULTI_REGION_IMPORT_AND_ROTATION",
      ExpirationModel: "KEY_MATERIAL_DOES_NOT_EXPIRE",
    },
  );
  assert.equal(entryOf(list, firstMaterialId).KeyMaterialState, "CURRENT");
  assert.equal(entryOf(list, firstMaterialId).ImportState, "IMPORTED");
  // Without IncludeKeyMaterial only completed rotations are listed: none yet.
  assert.deepEqual((await east.send(new ListKeyRotationsCommand({ KeyId: keyId }))).Rotations, []);
  await rejectsWith(east.send(new RotateKeyOnDemandCommand({ KeyId: keyId })), "KMSInvalidStateException");
  assert.equal(await currentOf(east, keyId), firstMaterialId);

  // A replica takes no new material of its own...
  const m3 = randomBytes(32);
  await rejectsWith(west.send(new ImportKeyMaterialCommand(await wrappedFor(west, keyId, m3, { ImportType: "NEW_KEY_MATERIAL" }))), "UnsupportedOperationException");
  // ...nor, as existing material, anything its primary does not hold pending rotation.
  await rejectsWith(west.send(new ImportKeyMaterialCommand(await wrappedFor(west, keyId, m3, { ImportType: "EXISTING_KEY_MATERIAL" }))), "IncorrectKeyMaterialException");
  assert.equal((await materials(west, keyId)).length, 1);

  // It takes the primary's new material as EXISTING_KEY_MATERIAL (here naming its id).
  const onReplica = await importInto(west, keyId, m2, { ImportType: "EXISTING_KEY_MATERIAL", KeyMaterialId: newId });
  assert.equal(onReplica.KeyId, replicaArn);
  assert.equal(onReplica.KeyMaterialId, newId);
  const replicaList = await materials(west, keyId);
  assert.equal(entryOf(replicaList, newId).KeyMaterialState, "PENDING_ROTATION");
  assert.equal(entryOf(replicaList, newId).ImportState, "IMPORTED");
  assert.equal(await currentOf(west, keyId), firstMaterialId);

  // Every replica holds it now: PENDING_ROTATION on the primary, and the rotation goes through.
  list = await materials(east, keyId);
  assert.equal(entryOf(list, newId).KeyMaterialState, "PENDING_ROTATION");
  const rotated = await east.send(new RotateKeyOnDemandCommand({ KeyId: keyId }));
  assert.equal(rotated.KeyId, keyId);

  for (const [kms, label] of [[east, PRIMARY], [west, REPLICA]] as const) {
    assert.equal((await describe(kms, keyId)).KeyState, "Enabled");
    assert.equal(await currentOf(kms, keyId), newId, `current material in ${label}`);
    const after = await materials(kms, keyId);
    assert.equal(entryOf(after, newId).KeyMaterialState, "CURRENT", label);
    assert.equal(entryOf(after, newId).RotationType, "ON_DEMAND", label);
    assert.equal(entryOf(after, firstMaterialId).KeyMaterialState, "NON_CURRENT", label);
  }
  const rotations = (await east.send(new ListKeyRotationsCommand({ KeyId: keyId }))).Rotations ?? [];
  assert.deepEqual(
    rotations.map((r) => [r.KeyMaterialId, r.RotationType]),
    [[newId, "ON_DEMAND"]],
  );

  // New ciphertext (under the new material) decrypts in the replica; the old one still in both.
  const newer = await east.send(new EncryptCommand({ KeyId: keyId, Plaintext: utf8("under the second material") }));
  assert.equal(await decryptsIn(west, newer.CiphertextBlob), "under the second material");
  assert.equal(await decryptsIn(east, newer.CiphertextBlob), "under the second material");
  assert.equal(await decryptsIn(east, older.CiphertextBlob), "under the first material");
  assert.equal(await decryptsIn(west, older.CiphertextBlob), "under the first material");
  // And the replica's own encryption (now under the new material) decrypts in the primary.
  const fromWest = await west.send(new EncryptCommand({ KeyId: keyId, Plaintext: utf8("written in eu-west-1") }));
  assert.equal(await decryptsIn(east, fromWest.CiphertextBlob), "written in eu-west-1");

  // Nothing is pending any more.
  await rejectsWith(east.send(new RotateKeyOnDemandCommand({ KeyId: keyId })), "KMSInvalidStateException");
  // Rotation is managed on the primary.
  await rejectsWith(west.send(new RotateKeyOnDemandCommand({ KeyId: keyId })), "UnsupportedOperationException");
});

test("deleting the primary's material pending rotation deletes the replica's copy too", async () => {
  const m1 = randomBytes(32);
  const { keyId, primaryArn, firstMaterialId } = await importedPair(m1);
  const before = await east.send(new EncryptCommand({ KeyId: keyId, Plaintext: utf8("kept") }));

  const m2 = randomBytes(32);
  const newId = (await importInto(east, keyId, m2, { ImportType: "NEW_KEY_MATERIAL" })).KeyMaterialId!;
  await importInto(west, keyId, m2, { ImportType: "EXISTING_KEY_MATERIAL" });
  assert.equal(entryOf(await materials(east, keyId), newId).KeyMaterialState, "PENDING_ROTATION");
  assert.equal(entryOf(await materials(west, keyId), newId).ImportState, "IMPORTED");

  const del = await east.send(new DeleteImportedKeyMaterialCommand({ KeyId: keyId, KeyMaterialId: newId }));
  assert.equal(del.KeyId, primaryArn);
  assert.equal(del.KeyMaterialId, newId);

  // Both keys keep their current (permanently associated) material and stay usable; the pending
  // material, never permanently associated, is gone from both.
  for (const [kms, label] of [[east, PRIMARY], [west, REPLICA]] as const) {
    assert.equal((await describe(kms, keyId)).KeyState, "Enabled", label);
    assert.equal(await currentOf(kms, keyId), firstMaterialId, label);
    const list = await materials(kms, keyId);
    assert.deepEqual(
      list.map((r) => [r.KeyMaterialId, r.ImportState, r.KeyMaterialState]),
      [[firstMaterialId, "IMPORTED", "CURRENT"]],
      label,
    );
    assert.equal(await decryptsIn(kms, before.CiphertextBlob), "kept");
  }
  // Nothing is pending: the primary has nothing to rotate to, and the replica cannot take the
  // deleted material back, as the primary no longer holds it.
  await rejectsWith(east.send(new RotateKeyOnDemandCommand({ KeyId: keyId })), "KMSInvalidStateException");
  await rejectsWith(importInto(west, keyId, m2, { ImportType: "EXISTING_KEY_MATERIAL" }), "IncorrectKeyMaterialException");
  assert.equal(await currentOf(east, keyId), firstMaterialId);
  assert.equal(await currentOf(west, keyId), firstMaterialId);

  // Different material takes its place, and the key rotates to it in both Regions.
  const m3 = randomBytes(32);
  const thirdId = (await importInto(east, keyId, m3, { ImportType: "NEW_KEY_MATERIAL" })).KeyMaterialId!;
  assert.notEqual(thirdId, newId);
  await importInto(west, keyId, m3, { ImportType: "EXISTING_KEY_MATERIAL" });
  assert.equal(entryOf(await materials(east, keyId), thirdId).KeyMaterialState, "PENDING_ROTATION");
  await east.send(new RotateKeyOnDemandCommand({ KeyId: keyId }));
  for (const [kms, label] of [[east, PRIMARY], [west, REPLICA]] as const) {
    assert.equal(await currentOf(kms, keyId), thirdId, label);
    const out = await kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: utf8(`after rotation in ${label}`) }));
    assert.equal(await decryptsIn(east, out.CiphertextBlob), `after rotation in ${label}`);
    assert.equal(await decryptsIn(west, out.CiphertextBlob), `after rotation in ${label}`);
    assert.equal(await decryptsIn(kms, before.CiphertextBlob), "kept");
  }
  // The deleted material was never associated for good: it can come back as new material.
  const again = await importInto(east, keyId, m2, { ImportType: "NEW_KEY_MATERIAL" });
  assert.equal(again.KeyMaterialId, newId);
  assert.equal(entryOf(await materials(east, keyId), newId).KeyMaterialState, "PENDING_MULTI_REGION_IMPORT_AND_ROTATION");
});

test("single-Region key: material deleted while pending rotation leaves the key, and RotateKeyOnDemand does not make it current", async () => {
  const k = (await east.send(new CreateKeyCommand({ Origin: "EXTERNAL", Description: "imported single-Region" }))).KeyMetadata!;
  const firstId = (await importInto(east, k.KeyId!, randomBytes(32))).KeyMaterialId!;
  const m2 = randomBytes(32);
  const pendingId = (await importInto(east, k.KeyId!, m2, { ImportType: "NEW_KEY_MATERIAL" })).KeyMaterialId!;
  assert.equal(entryOf(await materials(east, k.KeyId!), pendingId).KeyMaterialState, "PENDING_ROTATION");
  await east.send(new DeleteImportedKeyMaterialCommand({ KeyId: k.KeyId, KeyMaterialId: pendingId }));

  const meta = await describe(east, k.KeyId!);
  assert.equal(meta.KeyState, "Enabled");
  assert.equal(meta.CurrentKeyMaterialId, firstId);
  assert.deepEqual((await materials(east, k.KeyId!)).map((r) => r.KeyMaterialId), [firstId]);
  await rejectsWith(east.send(new RotateKeyOnDemandCommand({ KeyId: k.KeyId })), "KMSInvalidStateException");
  assert.equal((await describe(east, k.KeyId!)).CurrentKeyMaterialId, firstId);
  const blob = (await east.send(new EncryptCommand({ KeyId: k.KeyId, Plaintext: utf8("still current") }))).CiphertextBlob;
  assert.equal(await decryptsIn(east, blob), "still current");

  // Different material in its place is what the rotation takes.
  const otherId = (await importInto(east, k.KeyId!, randomBytes(32), { ImportType: "NEW_KEY_MATERIAL" })).KeyMaterialId!;
  await east.send(new RotateKeyOnDemandCommand({ KeyId: k.KeyId }));
  const rotated = await describe(east, k.KeyId!);
  assert.equal(rotated.KeyState, "Enabled");
  assert.equal(rotated.CurrentKeyMaterialId, otherId);
  const after = (await east.send(new EncryptCommand({ KeyId: k.KeyId, Plaintext: utf8("under the new material") }))).CiphertextBlob;
  assert.equal(await decryptsIn(east, after), "under the new material");
  assert.equal(await decryptsIn(east, blob), "still current");
});

test("a key is pending import while any permanently associated material is deleted, not only the current one", async () => {
  const k = (await east.send(new CreateKeyCommand({ Origin: "EXTERNAL" }))).KeyMetadata!;
  const m1 = randomBytes(32);
  const firstId = (await importInto(east, k.KeyId!, m1)).KeyMaterialId!;
  const older = (await east.send(new EncryptCommand({ KeyId: k.KeyId, Plaintext: utf8("under the first material") }))).CiphertextBlob;
  const secondId = (await importInto(east, k.KeyId!, randomBytes(32), { ImportType: "NEW_KEY_MATERIAL" })).KeyMaterialId!;
  await east.send(new RotateKeyOnDemandCommand({ KeyId: k.KeyId }));
  assert.equal((await describe(east, k.KeyId!)).CurrentKeyMaterialId, secondId);

  // The earlier (NON_CURRENT) material goes: the key cannot be used until it is back.
  await east.send(new DeleteImportedKeyMaterialCommand({ KeyId: k.KeyId, KeyMaterialId: firstId }));
  assert.equal((await describe(east, k.KeyId!)).KeyState, "PendingImport");
  assert.equal(entryOf(await materials(east, k.KeyId!), firstId).ImportState, "PENDING_IMPORT");
  await rejectsWith(east.send(new EncryptCommand({ KeyId: k.KeyId, Plaintext: utf8("x") })), "KMSInvalidStateException");
  await rejectsWith(east.send(new DecryptCommand({ CiphertextBlob: older })), "KMSInvalidStateException");

  // Scheduled for deletion and cancelled meanwhile: back as PendingImport, not Disabled.
  await east.send(new ScheduleKeyDeletionCommand({ KeyId: k.KeyId, PendingWindowInDays: 7 }));
  await east.send(new CancelKeyDeletionCommand({ KeyId: k.KeyId }));
  assert.equal((await describe(east, k.KeyId!)).KeyState, "PendingImport");

  // The same material again makes it usable, and the old ciphertext decrypts.
  await importInto(east, k.KeyId!, m1);
  assert.equal((await describe(east, k.KeyId!)).KeyState, "Enabled");
  assert.equal(await decryptsIn(east, older), "under the first material");
  await east.send(new EncryptCommand({ KeyId: k.KeyId, Plaintext: utf8("x") }));
});

test("DescribeKey's ValidTo is the earliest expiry of the permanently associated material, not only the current one's", async () => {
  const k = (await east.send(new CreateKeyCommand({ Origin: "EXTERNAL" }))).KeyMetadata!;
  const soon = new Date(Math.ceil((Date.now() + 3600_000) / 1000) * 1000);
  await importInto(east, k.KeyId!, randomBytes(32), { ExpirationModel: "KEY_MATERIAL_EXPIRES", ValidTo: soon });
  let md = await describe(east, k.KeyId!);
  assert.equal(md.ExpirationModel, "KEY_MATERIAL_EXPIRES");
  assert.equal(md.ValidTo?.getTime(), soon.getTime());

  // New material that does not expire, pending rotation: not permanently associated yet.
  const later = new Date(soon.getTime() + 3600_000);
  await importInto(east, k.KeyId!, randomBytes(32), { ImportType: "NEW_KEY_MATERIAL", ExpirationModel: "KEY_MATERIAL_EXPIRES", ValidTo: new Date(soon.getTime() - 1800_000) });
  md = await describe(east, k.KeyId!);
  assert.equal(md.ValidTo?.getTime(), soon.getTime());
  await east.send(new RotateKeyOnDemandCommand({ KeyId: k.KeyId }));
  // Now current, and it expires first.
  md = await describe(east, k.KeyId!);
  assert.equal(md.ExpirationModel, "KEY_MATERIAL_EXPIRES");
  assert.equal(md.ValidTo?.getTime(), soon.getTime() - 1800_000);

  // A key whose current material never expires still reports the earlier material's expiry.
  const k2 = (await east.send(new CreateKeyCommand({ Origin: "EXTERNAL" }))).KeyMetadata!;
  await importInto(east, k2.KeyId!, randomBytes(32), { ExpirationModel: "KEY_MATERIAL_EXPIRES", ValidTo: later });
  await importInto(east, k2.KeyId!, randomBytes(32), { ImportType: "NEW_KEY_MATERIAL" });
  await east.send(new RotateKeyOnDemandCommand({ KeyId: k2.KeyId }));
  md = await describe(east, k2.KeyId!);
  assert.equal(md.ExpirationModel, "KEY_MATERIAL_EXPIRES");
  assert.equal(md.ValidTo?.getTime(), later.getTime());
});

test("a replica made before its primary had material takes only the material of the related keys", async () => {
  // Primary first.
  const k = (await east.send(new CreateKeyCommand({ Origin: "EXTERNAL", MultiRegion: true }))).KeyMetadata!;
  await east.send(new ReplicateKeyCommand({ KeyId: k.KeyId, ReplicaRegion: REPLICA }));
  const m = randomBytes(32);
  const id = (await importInto(east, k.KeyId!, m)).KeyMaterialId!;
  await rejectsWith(importInto(west, k.KeyId!, randomBytes(32)), "IncorrectKeyMaterialException");
  await rejectsWith(importInto(west, k.KeyId!, randomBytes(32), { ImportType: "NEW_KEY_MATERIAL" }), "IncorrectKeyMaterialException");
  assert.equal((await describe(west, k.KeyId!)).KeyState, "PendingImport");
  assert.equal((await importInto(west, k.KeyId!, m)).KeyMaterialId, id);
  const blob = (await east.send(new EncryptCommand({ KeyId: k.KeyId, Plaintext: utf8("across") }))).CiphertextBlob;
  assert.equal(await decryptsIn(west, blob), "across");

  // Replica first: then the primary must take the same material.
  const k2 = (await east.send(new CreateKeyCommand({ Origin: "EXTERNAL", MultiRegion: true }))).KeyMetadata!;
  await east.send(new ReplicateKeyCommand({ KeyId: k2.KeyId, ReplicaRegion: REPLICA }));
  const m2 = randomBytes(32);
  await importInto(west, k2.KeyId!, m2);
  await rejectsWith(importInto(east, k2.KeyId!, randomBytes(32)), "IncorrectKeyMaterialException");
  assert.equal((await describe(east, k2.KeyId!)).KeyState, "PendingImport");
  await importInto(east, k2.KeyId!, m2);
  const blob2 = (await west.send(new EncryptCommand({ KeyId: k2.KeyId, Plaintext: utf8("back") }))).CiphertextBlob;
  assert.equal(await decryptsIn(east, blob2), "back");
});
