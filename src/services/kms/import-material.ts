/**
 * Imported key material (Origin EXTERNAL): GetParametersForImport, ImportKeyMaterial,
 * DeleteImportedKeyMaterial, and the durable job that deletes material when its ValidTo
 * passes (the key goes back to PendingImport until the same material is imported again).
 *
 * Material ids of imported material are derived from the key id and the material itself, so
 * re-importing the same material yields the same id and other material is recognised as
 * new (ImportType NEW_KEY_MATERIAL, symmetric keys: it waits in PENDING_ROTATION until
 * RotateKeyOnDemand makes it current).
 */
import { createHash } from "node:crypto";
import type { DeleteImportedKeyMaterialResponse, GetParametersForImportResponse, ImportKeyMaterialResponse } from "@aws-sdk/client-kms";
import type { RequestContext } from "../../core/types.js";
import type { DocStore } from "../../storage/types.js";
import { authorizeKey } from "./authorize.js";
import {
  assertWrappingAllowed,
  createImportToken,
  generateWrappingKeyPairAsync,
  IMPORT_TOKEN_TTL_MS,
  openImportToken,
  unwrapKeyMaterial,
  validateImportedKeyMaterial,
  type KeyMaterial,
} from "./crypto/index.js";
import type { KeyJobPayload } from "./deletion.js";
import { DAY_MS, type KmsEnv } from "./env.js";
import { cryptoCall, incorrectKeyMaterial, mapCryptoError, unsupported, validation } from "./errors.js";
import { assertState, STATES } from "./key-state.js";
import { ID, resolveKey } from "./lookup.js";
import { allAssociatedImported, keyArnOf, type ExpirationModel, type KeyRecord, type MaterialInfo } from "./model.js";
import { appendServiceEvents, stageServiceEvent } from "./service-events.js";
import { PATTERNS, validateKeyId, Violations } from "./validation.js";

export const EXPIRE_MATERIAL_JOB = "kms-expire-material";
const WRAPPING_ALGORITHMS = ["RSAES_PKCS1_V1_5", "RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256", "RSA_AES_KEY_WRAP_SHA_1", "RSA_AES_KEY_WRAP_SHA_256", "SM2PKE"];
const WRAPPING_KEY_SPECS = ["RSA_2048", "RSA_3072", "RSA_4096", "SM2"];
export const expireJobId = (arn: string, materialId: string): string => `kms-expire/${arn}/${materialId}`;

/** A multi-Region replica (not the primary of its set). */
function isReplica(key: KeyRecord): boolean {
  return key.multiRegion && key.primaryRegion !== undefined && key.primaryRegion !== key.region;
}

function externalOnly(key: KeyRecord): void {
  if (key.origin !== "EXTERNAL") throw unsupported(`${key.arn} origin is ${key.origin} which is not valid for this operation.`);
}

/** Deterministic id of imported material (same key + same material → same id). */
export function importedMaterialId(keyId: string, m: KeyMaterial): string {
  const h = createHash("sha256").update("bulwark/kms/imported-material-id/v1\u0000").update(keyId).update("\u0000");
  h.update(m.secret ?? m.publicDer ?? Buffer.alloc(0));
  return h.digest("hex");
}

export async function getParametersForImport(
  env: KmsEnv,
  ctx: RequestContext,
  input: { KeyId: string; WrappingAlgorithm: string; WrappingKeySpec: string },
): Promise<GetParametersForImportResponse> {
  const v = new Violations();
  validateKeyId(v, input.KeyId);
  v.oneOf(input.WrappingAlgorithm, "wrappingAlgorithm", WRAPPING_ALGORITHMS);
  v.oneOf(input.WrappingKeySpec, "wrappingKeySpec", WRAPPING_KEY_SPECS);
  v.throwIfAny();
  const { key } = await resolveKey(env, ctx, input.KeyId, ID.own);
  await authorizeKey(env, ctx, key, "GetParametersForImport", {
    context: { "kms:WrappingAlgorithm": input.WrappingAlgorithm, "kms:WrappingKeySpec": input.WrappingKeySpec },
  });
  externalOnly(key);
  assertState(key, STATES.import);
  cryptoCall(() => assertWrappingAllowed(key.keySpec, input.WrappingAlgorithm, input.WrappingKeySpec));
  const pair = await generateWrappingKeyPairAsync(input.WrappingKeySpec).catch((e: unknown) => {
    throw mapCryptoError(e);
  });
  const expiresAt = ctx.now + IMPORT_TOKEN_TTL_MS;
  const token = createImportToken(
    { keyId: key.keyId, wrappingAlgorithm: input.WrappingAlgorithm, wrappingKeySpec: input.WrappingKeySpec, expiresAt, wrappingPrivateDer: pair.privateDer },
    env.importTokenKey,
  );
  pair.privateDer.fill(0);
  return { KeyId: key.arn, ImportToken: token, PublicKey: pair.publicDer, ParametersValidTo: new Date(expiresAt) };
}

export interface ImportKeyMaterialInput {
  KeyId: string;
  ImportToken: Uint8Array;
  EncryptedKeyMaterial: Uint8Array;
  ValidTo?: Date;
  ExpirationModel?: string;
  ImportType?: string;
  KeyMaterialDescription?: string;
  KeyMaterialId?: string;
}

function expirationOf(input: ImportKeyMaterialInput, now: number): { model: ExpirationModel; validTo?: number } {
  const model = (input.ExpirationModel ?? "KEY_MATERIAL_EXPIRES") as ExpirationModel;
  if (model === "KEY_MATERIAL_EXPIRES") {
    if (input.ValidTo === undefined) throw validation("A validTo date must be set if the ExpirationModel is KEY_MATERIAL_EXPIRES");
    const t = input.ValidTo.getTime();
    if (t <= now) throw validation("The ValidTo date must be in the future.");
    if (t > now + 365 * DAY_MS) throw validation("The ValidTo date must be no more than 365 days in the future.");
    return { model, validTo: t };
  }
  if (input.ValidTo !== undefined) throw validation("A validTo date must not be set if the ExpirationModel is KEY_MATERIAL_DOES_NOT_EXPIRE.");
  return { model };
}

export async function importKeyMaterial(env: KmsEnv, ctx: RequestContext, input: ImportKeyMaterialInput): Promise<ImportKeyMaterialResponse> {
  const v = new Violations();
  validateKeyId(v, input.KeyId);
  v.blob(input.ImportToken, "importToken", 1, 6144);
  v.blob(input.EncryptedKeyMaterial, "encryptedKeyMaterial", 1, 6144);
  v.oneOf(input.ExpirationModel, "expirationModel", ["KEY_MATERIAL_EXPIRES", "KEY_MATERIAL_DOES_NOT_EXPIRE"]);
  v.oneOf(input.ImportType, "importType", ["NEW_KEY_MATERIAL", "EXISTING_KEY_MATERIAL"]);
  v.str(input.KeyMaterialDescription, "keyMaterialDescription", 0, 256, PATTERNS.keyMaterialDescription);
  v.str(input.KeyMaterialId, "keyMaterialId", 64, 64, PATTERNS.keyMaterialId);
  v.throwIfAny();
  const { key } = await resolveKey(env, ctx, input.KeyId, ID.own);
  const exp = expirationOf(input, ctx.now);
  await authorizeKey(env, ctx, key, "ImportKeyMaterial", {
    // kms:ExpirationModel only when the request has the parameter: a key policy's Null condition on it
    // tells requests without one (KMS developer guide, "kms:ExpirationModel").
    context: {
      ...(input.ExpirationModel !== undefined ? { "kms:ExpirationModel": exp.model } : {}),
      ...(exp.validTo !== undefined ? { "kms:ValidTo": Math.floor(exp.validTo / 1000) } : {}),
    },
  });
  externalOnly(key);
  assertState(key, STATES.import);
  const symmetric = key.keySpec === "SYMMETRIC_DEFAULT";
  if (!symmetric && (input.ImportType !== undefined || input.KeyMaterialDescription !== undefined || input.KeyMaterialId !== undefined)) {
    throw validation("ImportType, KeyMaterialDescription and KeyMaterialId are valid only for symmetric encryption KMS keys.");
  }
  const token = cryptoCall(() => openImportToken(Buffer.from(input.ImportToken), env.importTokenKey, { keyId: key.keyId, now: ctx.now }));
  let material: KeyMaterial;
  try {
    const raw = cryptoCall(() => unwrapKeyMaterial({ wrappingPrivateDer: token.wrappingPrivateDer, wrappingAlgorithm: token.wrappingAlgorithm, encryptedKeyMaterial: Buffer.from(input.EncryptedKeyMaterial) }));
    try {
      material = cryptoCall(() => validateImportedKeyMaterial(key.keySpec, raw));
    } finally {
      raw.fill(0);
    }
  } finally {
    token.wrappingPrivateDer.fill(0);
  }
  const id = importedMaterialId(key.keyId, material);
  if (input.KeyMaterialId !== undefined && input.KeyMaterialId !== id) {
    throw incorrectKeyMaterial("The key material does not match the specified key material ID.");
  }
  /**
   * Whether this material may go into the key as recorded in `rec` (checked again in the write).
   * `primary`: the record of the multi-Region primary when `rec` is a replica. New material of a
   * multi-Region key goes into the primary (NEW_KEY_MATERIAL), then into each replica as
   * EXISTING_KEY_MATERIAL; a replica takes no new material of its own (API reference,
   * ImportKeyMaterial: "You cannot directly import new key material into the replica Region keys").
   */
  const checkMatches = (rec: KeyRecord, primary: KeyRecord | undefined, peers: readonly KeyRecord[]): void => {
    // The first material of a key in a multi-Region set is what the related keys already hold
    // ("You must import the same key material into related primary and replica keys", KMS
    // developer guide, multi-Region keys with imported material): a replica made before its
    // primary had any material has nothing of its own to compare with.
    if (rec.materials.length === 0) {
      const held = peers.flatMap((p) => p.materials.filter((m) => m.state !== "PENDING_ROTATION").map((m) => m.id));
      if (held.length > 0 && !held.includes(id)) {
        throw incorrectKeyMaterial("The key material does not match the key material of the related multi-Region keys.");
      }
      return;
    }
    const existing = rec.materials.find((m) => m.id === id);
    const importType = input.ImportType ?? (rec.materials.length === 0 ? "NEW_KEY_MATERIAL" : "EXISTING_KEY_MATERIAL");
    // A replica's copy of material pending rotation is re-imported only while the primary still
    // holds it pending: the primary's deletion or expiry of it ends its use everywhere.
    if ((!existing || existing.state === "PENDING_ROTATION") && rec.materials.length > 0 && isReplica(rec)) {
      if (importType === "NEW_KEY_MATERIAL") {
        throw unsupported(`${rec.arn} is a multi-Region replica key. Import new key material into its primary key in ${rec.primaryRegion ?? ""}, then import the same key material into the replica with ImportType EXISTING_KEY_MATERIAL.`);
      }
      if (!symmetric || !primary?.materials.some((m) => m.id === id && m.state === "PENDING_ROTATION" && m.importState === "IMPORTED")) {
        throw incorrectKeyMaterial("The key material does not match the key material that was previously imported into this KMS key.");
      }
      return;
    }
    if (!existing && rec.materials.length > 0 && !(symmetric && importType === "NEW_KEY_MATERIAL")) {
      throw incorrectKeyMaterial("The key material does not match the key material that was previously imported into this KMS key.");
    }
    if (existing && input.ImportType === "NEW_KEY_MATERIAL") throw incorrectKeyMaterial("This key material was already imported into this KMS key; use ImportType EXISTING_KEY_MATERIAL.");
  };
  const primaryOf = async (rec: KeyRecord, tx?: DocStore): Promise<KeyRecord | undefined> => {
    if (!isReplica(rec) || rec.primaryRegion === undefined) return undefined;
    const docKey = `${rec.accountId}/${rec.primaryRegion}/${rec.keyId}`;
    return tx ? await tx.get<KeyRecord>("kms-keys", docKey) : await env.repo.getKey(rec.accountId, rec.primaryRegion, rec.keyId);
  };
  /** The other keys of a multi-Region set, read only for a key still without material. */
  const peersOf = async (rec: KeyRecord, tx?: DocStore): Promise<KeyRecord[]> => {
    if (!rec.multiRegion || rec.materials.length > 0 || rec.primaryRegion === undefined) return [];
    const get = (region: string) =>
      tx ? tx.get<KeyRecord>("kms-keys", `${rec.accountId}/${region}/${rec.keyId}`) : env.repo.getKey(rec.accountId, region, rec.keyId);
    const primary = rec.primaryRegion === rec.region ? rec : await get(rec.primaryRegion);
    if (!primary) return [];
    const regions = [primary.region, ...(primary.replicaRegions ?? [])].filter((r) => r !== rec.region);
    return (await Promise.all(regions.map(get))).filter((r): r is KeyRecord => r !== undefined);
  };
  checkMatches(key, await primaryOf(key), await peersOf(key));
  const now = ctx.now;
  const info = (prev: MaterialInfo | undefined, state: MaterialInfo["state"]): MaterialInfo => {
    const description = input.KeyMaterialDescription ?? prev?.description;
    return {
      id,
      createdAt: prev?.createdAt ?? now,
      ...(prev?.rotatedAt !== undefined ? { rotatedAt: prev.rotatedAt } : {}),
      ...(prev?.rotationType !== undefined ? { rotationType: prev.rotationType } : {}),
      state,
      importState: "IMPORTED",
      expirationModel: exp.model,
      ...(exp.validTo !== undefined ? { validTo: exp.validTo } : {}),
      ...(description !== undefined ? { description } : {}),
    };
  };
  try {
    await env.repo.store.transaction(async (tx) => {
      const cur = await tx.get<KeyRecord>("kms-keys", `${key.accountId}/${key.region}/${key.keyId}`);
      if (!cur) return;
      // A parallel import of other material may have committed since: an asymmetric key still
      // takes only one, and a symmetric one another only as NEW_KEY_MATERIAL (a replica: only
      // what its primary holds pending rotation, as the primary is stored now).
      checkMatches(cur, await primaryOf(cur, tx), await peersOf(cur, tx));
      await env.repo.putMaterial(tx, cur, id, material);
      let materials = [...cur.materials];
      let currentMaterialId = cur.currentMaterialId;
      const idx = materials.findIndex((m) => m.id === id);
      if (idx >= 0) materials[idx] = info(materials[idx], materials[idx]!.state);
      else if (materials.length === 0) {
        materials = [info(undefined, "CURRENT")];
        currentMaterialId = id;
      } else materials.push(info(undefined, "PENDING_ROTATION"));
      const state = cur.state === "PendingImport" && allAssociatedImported(materials) ? "Enabled" : cur.state;
      await env.repo.putKey({ ...cur, materials, ...(currentMaterialId !== undefined ? { currentMaterialId } : {}), state }, tx);
      // In the same transaction: material that expires always has its expiry job.
      if (exp.validTo !== undefined) {
        await env.scheduler?.scheduleIn<ExpirePayload>(tx, EXPIRE_MATERIAL_JOB, exp.validTo, { accountId: key.accountId, region: key.region, keyId: key.keyId, materialId: id }, expireJobId(key.arn, id));
      } else await env.scheduler?.cancelIn(tx, expireJobId(key.arn, id));
    });
  } finally {
    env.repo.invalidateKey(key.accountId, key.region, key.keyId);
    env.repo.dropMaterial(key.arn);
  }
  return { KeyId: key.arn, KeyMaterialId: id };
}

export interface ExpirePayload extends KeyJobPayload {
  materialId: string;
}

/**
 * Deletes one imported material of `key` (and, with `replicaRegions`, the same material of the
 * key's replicas in those Regions) in one transaction. Returns the Regions whose replica held it.
 * `admit` decides on the key as stored, in the same transaction (false removes nothing), and what
 * it writes commits with the removal.
 *
 * Material permanently associated with the key (current or an earlier current one) stays listed as
 * PENDING_IMPORT until the same material is imported again, and the key is PendingImport until then
 * (unless pending deletion). Material pending rotation is not permanently associated (RotationsListEntry:
 * "You can delete this key material and import different key material in its place"): it leaves
 * the key altogether, so it can neither become current by a rotation nor block one, and other new
 * material may take its place.
 */
async function removeMaterial(
  env: KmsEnv,
  key: KeyRecord,
  materialId: string,
  admit?: (cur: KeyRecord, tx: DocStore) => Promise<boolean>,
  replicaRegions: readonly string[] = [],
): Promise<string[]> {
  const removedIn: string[] = [];
  const drop = async (tx: DocStore, cur: KeyRecord): Promise<void> => {
    await env.repo.deleteMaterial(tx, cur, materialId);
    const materials = cur.materials.flatMap((m): MaterialInfo[] => {
      if (m.id !== materialId) return [m];
      if (m.state === "PENDING_ROTATION") return [];
      const { expirationModel: _e, validTo: _v, ...rest } = m;
      return [{ ...rest, importState: "PENDING_IMPORT" }];
    });
    const state = (cur.state === "Enabled" || cur.state === "Disabled") && !allAssociatedImported(materials) ? "PendingImport" : cur.state;
    await env.repo.putKey({ ...cur, materials, state }, tx);
  };
  try {
    await env.repo.store.transaction(async (tx) => {
      removedIn.length = 0;
      const cur = await tx.get<KeyRecord>("kms-keys", `${key.accountId}/${key.region}/${key.keyId}`);
      if (!cur) return;
      if (admit && !(await admit(cur, tx))) return;
      await drop(tx, cur);
      for (const region of replicaRegions) {
        const rep = await tx.get<KeyRecord>("kms-keys", `${key.accountId}/${region}/${key.keyId}`);
        if (!rep?.materials.some((m) => m.id === materialId && m.importState === "IMPORTED")) continue;
        await drop(tx, rep);
        removedIn.push(region);
      }
    });
  } finally {
    for (const region of [key.region, ...replicaRegions]) {
      env.repo.invalidateKey(key.accountId, region, key.keyId);
      env.repo.dropMaterial(keyArnOf(key.accountId, region, key.keyId));
    }
  }
  return removedIn;
}

export async function deleteImportedKeyMaterial(env: KmsEnv, ctx: RequestContext, input: { KeyId: string; KeyMaterialId?: string }): Promise<DeleteImportedKeyMaterialResponse> {
  const v = new Violations();
  validateKeyId(v, input.KeyId);
  v.str(input.KeyMaterialId, "keyMaterialId", 64, 64, PATTERNS.keyMaterialId);
  v.throwIfAny();
  const { key } = await resolveKey(env, ctx, input.KeyId, ID.own);
  await authorizeKey(env, ctx, key, "DeleteImportedKeyMaterial");
  externalOnly(key);
  assertState(key, STATES.deleteImported);
  const materialId = input.KeyMaterialId ?? key.currentMaterialId;
  // A key that never had material (pending import): "succeeds, no effect" (key-state table).
  if (materialId === undefined) return { KeyId: key.arn };
  const m = key.materials.find((x) => x.id === materialId);
  if (!m) throw validation(`Key material ${input.KeyMaterialId ?? ""} is not associated with ${key.arn}.`.replace("  ", " "));
  // Material a multi-Region primary holds pending rotation goes from its replicas too (API
  // reference, DeleteImportedKeyMaterial: "When you delete the key material of a primary Region key
  // that is in PENDING_ROTATION or PENDING_MULTI_REGION_IMPORT_AND_ROTATION state, you'll also be
  // deleting the key materials for the replica Region keys"); a replica's own deletion touches
  // only the replica.
  const cascade = m.state === "PENDING_ROTATION" && key.multiRegion && key.primaryRegion === key.region ? (key.replicaRegions ?? []) : [];
  const replicas = await removeMaterial(env, key, materialId, undefined, cascade);
  await env.scheduler?.cancel(expireJobId(key.arn, materialId));
  for (const region of replicas) await env.scheduler?.cancel(expireJobId(keyArnOf(key.accountId, region, key.keyId), materialId));
  return { KeyId: key.arn, KeyMaterialId: materialId };
}

/** Job handler: deletes expired imported material (idempotent). */
export async function runMaterialExpiry(env: KmsEnv, p: ExpirePayload): Promise<void> {
  const key = await env.repo.getKey(p.accountId, p.region, p.keyId);
  const m = key?.materials.find((x) => x.id === p.materialId);
  if (!key || !m || m.importState !== "IMPORTED" || m.validTo === undefined) return;
  if (m.validTo > env.clock.now()) {
    await env.scheduler?.schedule<ExpirePayload>(EXPIRE_MATERIAL_JOB, m.validTo, p, expireJobId(key.arn, p.materialId));
    return;
  }
  const now = env.clock.now();
  let expiresLater: number | undefined;
  await removeMaterial(env, key, p.materialId, async (cur, tx) => {
    // Decided again on the stored key: material re-imported since it was read (with a later
    // expiry, or none) is not removed; the job follows the new expiry.
    const stored = cur.materials.find((x) => x.id === p.materialId);
    if (!stored || stored.importState !== "IMPORTED" || stored.validTo === undefined) return false;
    if (stored.validTo > now) {
      expiresLater = stored.validTo;
      return false;
    }
    await stageServiceEvent(env, tx, key, "DeleteExpiredKeyMaterial", { keyId: key.keyId, keyMaterialId: p.materialId });
    return true;
  });
  if (expiresLater !== undefined) await env.scheduler?.schedule<ExpirePayload>(EXPIRE_MATERIAL_JOB, expiresLater, p, expireJobId(key.arn, p.materialId));
  await appendServiceEvents(env);
}
