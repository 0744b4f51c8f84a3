/**
 * KMS key lifecycle through the real server, with the server's clock moved forward where AWS
 * waits: on-demand and automatic rotation (old ciphertexts keep decrypting), import of key
 * material wrapped locally as the AWS docs describe (RSAES_OAEP_SHA_256 and
 * RSA_AES_KEY_WRAP_SHA_256) with expiry, and scheduled deletion carried out after the waiting
 * period by the durable scheduler.
 *
 * Tests in this file run in order and only move the clock forward.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { constants, createCipheriv, createPublicKey, publicEncrypt, randomBytes } from "node:crypto";
import {
  KMSClient,
  CreateKeyCommand,
  type CreateKeyCommandInput,
  DescribeKeyCommand,
  EncryptCommand,
  DecryptCommand,
  EnableKeyRotationCommand,
  DisableKeyRotationCommand,
  GetKeyRotationStatusCommand,
  RotateKeyOnDemandCommand,
  ListKeyRotationsCommand,
  ScheduleKeyDeletionCommand,
  CancelKeyDeletionCommand,
  EnableKeyCommand,
  GetParametersForImportCommand,
  ImportKeyMaterialCommand,
  DeleteImportedKeyMaterialCommand,
  type KeyMetadata,
  type AlgorithmSpec,
} from "@aws-sdk/client-kms";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { startTestServer, eventually, type TestServer } from "./harness.js";
import { rejectsWith, utf8, text } from "./kms-support.js";

let s: TestServer;
before(async () => {
  s = await startTestServer();
});
after(async () => {
  await s.destroy();
});

const DAY = 86_400_000;
/**
 * A client whose signing clock matches the server's (moved) clock. A fresh one per call: the SDK
 * re-derives its clock offset from a response's Date header, which is wall-clock time.
 */
const kms = () => new KMSClient({ ...s.clientConfig(), systemClockOffset: s.clock.offsetMs });
/** Moves the server's clock forward (never back: the scheduler must not see time reverse). */
function advance(ms: number): void {
  s.clock.offsetMs += ms;
}
const serverNow = () => Date.now() + s.clock.offsetMs;
const newKey = async (input: CreateKeyCommandInput = {}): Promise<KeyMetadata> => (await kms().send(new CreateKeyCommand(input))).KeyMetadata!;
const describe = async (id: string) => (await kms().send(new DescribeKeyCommand({ KeyId: id }))).KeyMetadata!;
/** Resolves once DescribeKey answers NotFoundException: the deletion job has run. */
const untilDeleted = (id: string) =>
  eventually(
    async () => {
      try {
        await describe(id);
        return false;
      } catch (err) {
        return (err as { name?: string }).name === "NotFoundException";
      }
    },
    8000,
    200,
  );

test("RotateKeyOnDemand: new key material, old ciphertexts still decrypt, ListKeyRotations records it", async () => {
  const k = await newKey();
  const older = await kms().send(new EncryptCommand({ KeyId: k.KeyId, Plaintext: utf8("before rotation") }));
  assert.deepEqual((await kms().send(new ListKeyRotationsCommand({ KeyId: k.KeyId }))).Rotations, []);
  const r = await kms().send(new RotateKeyOnDemandCommand({ KeyId: k.KeyId }));
  const rotations = await eventually(async () => {
    const l = await kms().send(new ListKeyRotationsCommand({ KeyId: k.Arn }));
    return l.Rotations && l.Rotations.length === 1 ? l.Rotations : undefined;
  });
  assert.equal(rotations[0]!.RotationType, "ON_DEMAND");
  assert.equal(rotations[0]!.KeyId, k.KeyId);
  assert.ok(Math.abs(rotations[0]!.RotationDate!.getTime() - serverNow()) < 60_000);
  const now = await describe(k.KeyId!);
  assert.notEqual(now.CurrentKeyMaterialId, k.CurrentKeyMaterialId);
  assert.equal(rotations[0]!.KeyMaterialId, now.CurrentKeyMaterialId);
  const newer = await kms().send(new EncryptCommand({ KeyId: k.KeyId, Plaintext: utf8("after rotation") }));
  assert.equal(text((await kms().send(new DecryptCommand({ CiphertextBlob: older.CiphertextBlob }))).Plaintext), "before rotation");
  assert.equal(text((await kms().send(new DecryptCommand({ CiphertextBlob: newer.CiphertextBlob }))).Plaintext), "after rotation");
  // Rotation status: automatic rotation is off; EnableKeyRotation validates the period (90–2560 days).
  const st = await kms().send(new GetKeyRotationStatusCommand({ KeyId: k.KeyId }));
  assert.equal(st.KeyRotationEnabled, false);
  await rejectsWith(kms().send(new EnableKeyRotationCommand({ KeyId: k.KeyId, RotationPeriodInDays: 89 })), "ValidationException");
  await rejectsWith(kms().send(new EnableKeyRotationCommand({ KeyId: k.KeyId, RotationPeriodInDays: 2561 })), "ValidationException");
  // Only symmetric encryption keys rotate.
  const rsa = await newKey({ KeySpec: "RSA_2048", KeyUsage: "SIGN_VERIFY" });
  await rejectsWith(kms().send(new RotateKeyOnDemandCommand({ KeyId: rsa.KeyId })), "UnsupportedOperationException");
  await rejectsWith(kms().send(new EnableKeyRotationCommand({ KeyId: rsa.KeyId })), "UnsupportedOperationException");
  // The response identifies the key as the request did (the API reference example: key id in, key id out).
  assert.equal(r.KeyId, k.KeyId);
});

// --- Import of key material ------------------------------------------------------------------

/** AES key wrap with padding (RFC 5649) as node/OpenSSL implement it: id-aes256-wrap-pad. */
function aesKwp(kek: Buffer, data: Buffer): Buffer {
  const c = createCipheriv("id-aes256-wrap-pad", kek, Buffer.from("A65959A6", "hex"));
  return Buffer.concat([c.update(data), c.final()]);
}

async function importParams(keyId: string, alg: AlgorithmSpec) {
  const p = await kms().send(new GetParametersForImportCommand({ KeyId: keyId, WrappingAlgorithm: alg, WrappingKeySpec: "RSA_2048" }));
  return { ...p, pub: createPublicKey({ key: Buffer.from(p.PublicKey!), format: "der", type: "spki" }) };
}

/** Wraps key material the way the AWS docs tell a customer to (OpenSSL-equivalent). */
function wrap(material: Buffer, pub: ReturnType<typeof createPublicKey>, alg: "RSAES_OAEP_SHA_256" | "RSA_AES_KEY_WRAP_SHA_256"): Buffer {
  const oaep = (b: Buffer) => publicEncrypt({ key: pub, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha256" }, b);
  if (alg === "RSAES_OAEP_SHA_256") return oaep(material);
  const aesKey = randomBytes(32);
  return Buffer.concat([oaep(aesKey), aesKwp(aesKey, material)]);
}

test("import: EXTERNAL keys wait for material; wrapped material imports; expiry returns the key to PendingImport", async () => {
  const k = await newKey({ Origin: "EXTERNAL" });
  assert.equal(k.Origin, "EXTERNAL");
  assert.equal(k.KeyState, "PendingImport");
  assert.equal(k.Enabled, false);
  await rejectsWith(kms().send(new EncryptCommand({ KeyId: k.KeyId, Plaintext: utf8("x") })), { name: "KMSInvalidStateException", message: `${k.Arn} is pending import.` });

  const material = randomBytes(32);
  const p = await importParams(k.KeyId!, "RSAES_OAEP_SHA_256");
  assert.equal(p.KeyId, k.Arn);
  assert.equal(p.pub.asymmetricKeyDetails?.modulusLength, 2048);
  assert.ok(Math.abs(p.ParametersValidTo!.getTime() - (serverNow() + DAY)) < 60_000, "parameters are valid for 24 hours");
  // The wrong material wrapping (garbage) is refused and leaves the key pending.
  await rejectsWith(kms().send(new ImportKeyMaterialCommand({ KeyId: k.KeyId, ImportToken: p.ImportToken, EncryptedKeyMaterial: randomBytes(256), ExpirationModel: "KEY_MATERIAL_DOES_NOT_EXPIRE" })), "InvalidCiphertextException");
  // A token belongs to its key.
  const other = await newKey({ Origin: "EXTERNAL" });
  await rejectsWith(kms().send(new ImportKeyMaterialCommand({ KeyId: other.KeyId, ImportToken: p.ImportToken, EncryptedKeyMaterial: wrap(material, p.pub, "RSAES_OAEP_SHA_256"), ExpirationModel: "KEY_MATERIAL_DOES_NOT_EXPIRE" })), "InvalidImportTokenException");

  const validTo = new Date(serverNow() + 3_600_000);
  const imp = await kms().send(new ImportKeyMaterialCommand({ KeyId: k.Arn, ImportToken: p.ImportToken, EncryptedKeyMaterial: wrap(material, p.pub, "RSAES_OAEP_SHA_256"), ExpirationModel: "KEY_MATERIAL_EXPIRES", ValidTo: validTo }));
  assert.equal(imp.KeyId, k.Arn);
  const m = await describe(k.KeyId!);
  assert.equal(m.KeyState, "Enabled");
  assert.equal(m.ExpirationModel, "KEY_MATERIAL_EXPIRES");
  // Timestamps travel as epoch seconds: allow the sub-second part to be dropped.
  assert.ok(Math.abs(m.ValidTo!.getTime() - validTo.getTime()) < 1000, `ValidTo ${m.ValidTo?.toISOString()}`);
  const e = await kms().send(new EncryptCommand({ KeyId: k.KeyId, Plaintext: utf8("under imported material") }));
  assert.equal(text((await kms().send(new DecryptCommand({ CiphertextBlob: e.CiphertextBlob }))).Plaintext), "under imported material");

  // Past ValidTo, KMS deletes the material: the key is PendingImport again.
  advance(2 * 3_600_000);
  await eventually(async () => (await describe(k.KeyId!)).KeyState === "PendingImport", 8000, 200);
  await rejectsWith(kms().send(new DecryptCommand({ CiphertextBlob: e.CiphertextBlob })), "KMSInvalidStateException");

  // Re-importing the same material (here with RSA_AES_KEY_WRAP_SHA_256) brings old ciphertexts back.
  const p2 = await importParams(k.KeyId!, "RSA_AES_KEY_WRAP_SHA_256");
  await kms().send(new ImportKeyMaterialCommand({ KeyId: k.KeyId, ImportToken: p2.ImportToken, EncryptedKeyMaterial: wrap(material, p2.pub, "RSA_AES_KEY_WRAP_SHA_256"), ExpirationModel: "KEY_MATERIAL_DOES_NOT_EXPIRE" }));
  const m2 = await describe(k.KeyId!);
  assert.equal(m2.KeyState, "Enabled");
  assert.equal(m2.ExpirationModel, "KEY_MATERIAL_DOES_NOT_EXPIRE");
  assert.equal(m2.ValidTo, undefined);
  assert.equal(text((await kms().send(new DecryptCommand({ CiphertextBlob: e.CiphertextBlob }))).Plaintext), "under imported material");

  // DeleteImportedKeyMaterial; then different material cannot be imported into this key.
  await kms().send(new DeleteImportedKeyMaterialCommand({ KeyId: k.KeyId }));
  assert.equal((await describe(k.KeyId!)).KeyState, "PendingImport");
  const p3 = await importParams(k.KeyId!, "RSA_AES_KEY_WRAP_SHA_256");
  await rejectsWith(
    kms().send(new ImportKeyMaterialCommand({ KeyId: k.KeyId, ImportToken: p3.ImportToken, EncryptedKeyMaterial: wrap(randomBytes(32), p3.pub, "RSA_AES_KEY_WRAP_SHA_256"), ExpirationModel: "KEY_MATERIAL_DOES_NOT_EXPIRE" })),
    "IncorrectKeyMaterialException",
  );
  // Import is for EXTERNAL keys only.
  const native = await newKey();
  await rejectsWith(kms().send(new GetParametersForImportCommand({ KeyId: native.KeyId, WrappingAlgorithm: "RSAES_OAEP_SHA_256", WrappingKeySpec: "RSA_2048" })), "UnsupportedOperationException");

  // Parameters expire after 24 hours.
  const late = await importParams(other.KeyId!, "RSAES_OAEP_SHA_256");
  advance(DAY + 3_600_000);
  await rejectsWith(
    kms().send(new ImportKeyMaterialCommand({ KeyId: other.KeyId, ImportToken: late.ImportToken, EncryptedKeyMaterial: wrap(material, late.pub, "RSAES_OAEP_SHA_256"), ExpirationModel: "KEY_MATERIAL_DOES_NOT_EXPIRE" })),
    "ExpiredImportTokenException",
  );
});

// --- Deletion ----------------------------------------------------------------------------------

test("ScheduleKeyDeletion: 7–30 day window, unusable while pending, cancel → Disabled, deleted after the window", async () => {
  const k = await newKey();
  const e = await kms().send(new EncryptCommand({ KeyId: k.KeyId, Plaintext: utf8("doomed") }));
  await rejectsWith(kms().send(new ScheduleKeyDeletionCommand({ KeyId: k.KeyId, PendingWindowInDays: 6 })), "ValidationException");
  await rejectsWith(kms().send(new ScheduleKeyDeletionCommand({ KeyId: k.KeyId, PendingWindowInDays: 31 })), "ValidationException");

  const sch = await kms().send(new ScheduleKeyDeletionCommand({ KeyId: k.KeyId, PendingWindowInDays: 7 }));
  assert.equal(sch.KeyId, k.Arn);
  assert.equal(sch.KeyState, "PendingDeletion");
  assert.equal(sch.PendingWindowInDays, 7);
  assert.ok(Math.abs(sch.DeletionDate!.getTime() - (serverNow() + 7 * DAY)) < 60_000);
  const m = await describe(k.KeyId!);
  assert.equal(m.KeyState, "PendingDeletion");
  assert.equal(m.Enabled, false);
  assert.equal(m.DeletionDate?.getTime(), sch.DeletionDate?.getTime());
  await rejectsWith(kms().send(new EncryptCommand({ KeyId: k.KeyId, Plaintext: utf8("x") })), { name: "KMSInvalidStateException", message: `${k.Arn} is pending deletion.` });
  await rejectsWith(kms().send(new DecryptCommand({ CiphertextBlob: e.CiphertextBlob })), { name: "KMSInvalidStateException", message: `${k.Arn} is pending deletion.` });
  await rejectsWith(kms().send(new EnableKeyCommand({ KeyId: k.KeyId })), "KMSInvalidStateException");
  await rejectsWith(kms().send(new ScheduleKeyDeletionCommand({ KeyId: k.KeyId, PendingWindowInDays: 7 })), "KMSInvalidStateException");

  // Cancel: the key comes back Disabled, and works once enabled.
  const cancel = await kms().send(new CancelKeyDeletionCommand({ KeyId: k.KeyId }));
  assert.equal(cancel.KeyId, k.Arn);
  const back = await describe(k.KeyId!);
  assert.equal(back.KeyState, "Disabled");
  assert.equal(back.DeletionDate, undefined);
  await kms().send(new EnableKeyCommand({ KeyId: k.KeyId }));
  assert.equal(text((await kms().send(new DecryptCommand({ CiphertextBlob: e.CiphertextBlob }))).Plaintext), "doomed");

  // Schedule again, let the window pass: the durable scheduler deletes the key.
  const keep = await newKey();
  await kms().send(new ScheduleKeyDeletionCommand({ KeyId: k.KeyId, PendingWindowInDays: 7 }));
  advance(6 * DAY);
  // Not yet.
  await new Promise((r) => setTimeout(r, 1500));
  assert.equal((await describe(k.KeyId!)).KeyState, "PendingDeletion");
  advance(DAY + 3_600_000);
  await untilDeleted(k.KeyId!);
  await rejectsWith(kms().send(new DescribeKeyCommand({ KeyId: k.KeyId })), { name: "NotFoundException", message: `Key '${k.Arn}' does not exist` });
  await rejectsWith(kms().send(new CancelKeyDeletionCommand({ KeyId: k.KeyId })), "NotFoundException");
  // Other keys are untouched.
  assert.equal((await describe(keep.KeyId!)).KeyState, "Enabled");
});

test("a deleted key's sealed material does not stay in the data directory's files", async () => {
  const k = await newKey();
  await kms().send(new RotateKeyOnDemandCommand({ KeyId: k.KeyId }));
  const dbPath = path.join(s.dataDir, "bulwark.db");
  // The sealed material versions as stored (a short read on a connection of its own).
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  let sealed: string[];
  try {
    const rows = db.prepare("SELECT value FROM docs WHERE collection = 'kms-material' AND key LIKE ?").all(`%/${k.KeyId}/%`) as Array<{ value: string }>;
    sealed = rows.map((r) => (JSON.parse(r.value) as { sealed: string }).sealed);
  } finally {
    db.close();
  }
  assert.equal(sealed.length, 2);
  const inFiles = (v: string): boolean => [dbPath, `${dbPath}-wal`].some((f) => existsSync(f) && readFileSync(f).includes(v));
  assert.deepEqual(sealed.map(inFiles), [true, true]);
  await kms().send(new ScheduleKeyDeletionCommand({ KeyId: k.KeyId, PendingWindowInDays: 7 }));
  advance(7 * DAY + 3_600_000);
  await untilDeleted(k.KeyId!);
  // Neither in the database file's free space nor in an earlier frame of the WAL.
  await eventually(async () => sealed.every((v) => !inFiles(v)), 5000, 50);
});

test("automatic rotation happens when its period has passed", async () => {
  const k = await newKey();
  const old = await kms().send(new EncryptCommand({ KeyId: k.KeyId, Plaintext: utf8("year one") }));
  await kms().send(new EnableKeyRotationCommand({ KeyId: k.KeyId, RotationPeriodInDays: 90 }));
  const st = await kms().send(new GetKeyRotationStatusCommand({ KeyId: k.Arn }));
  assert.equal(st.KeyRotationEnabled, true);
  assert.equal(st.RotationPeriodInDays, 90);
  assert.ok(Math.abs(st.NextRotationDate!.getTime() - (serverNow() + 90 * DAY)) < DAY + 60_000);
  advance(91 * DAY);
  const rotations = await eventually(
    async () => {
      const l = await kms().send(new ListKeyRotationsCommand({ KeyId: k.KeyId }));
      return l.Rotations && l.Rotations.length > 0 ? l.Rotations : undefined;
    },
    8000,
    200,
  );
  assert.equal(rotations[0]!.RotationType, "AUTOMATIC");
  assert.notEqual((await describe(k.KeyId!)).CurrentKeyMaterialId, k.CurrentKeyMaterialId);
  assert.equal(text((await kms().send(new DecryptCommand({ CiphertextBlob: old.CiphertextBlob }))).Plaintext), "year one");
  const next = await kms().send(new GetKeyRotationStatusCommand({ KeyId: k.KeyId }));
  assert.ok(next.NextRotationDate!.getTime() > serverNow());
  await kms().send(new DisableKeyRotationCommand({ KeyId: k.KeyId }));
  const off = await kms().send(new GetKeyRotationStatusCommand({ KeyId: k.KeyId }));
  assert.equal(off.KeyRotationEnabled, false);
  assert.equal(off.NextRotationDate, undefined);
});
