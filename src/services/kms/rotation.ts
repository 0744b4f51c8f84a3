/**
 * Key rotation: EnableKeyRotation (RotationPeriodInDays 90–2560, default 365),
 * DisableKeyRotation, GetKeyRotationStatus, RotateKeyOnDemand (at most 25 per key),
 * ListKeyRotations, and the durable job that rotates automatically at NextRotationDate.
 *
 * A rotation adds a material version and makes it current; older versions stay (blobs name
 * their material id), so everything encrypted before keeps decrypting. A multi-Region
 * primary's new material is copied to its replicas in the same transaction.
 */
import type { GetKeyRotationStatusResponse, ListKeyRotationsResponse, RotateKeyOnDemandResponse, RotationsListEntry } from "@aws-sdk/client-kms";
import type { RequestContext } from "../../core/types.js";
import type { DocStore } from "../../storage/types.js";
import { auditKeyArnResponse, authorizeKey } from "./authorize.js";
import { generateKeyMaterialAsync, newKeyMaterialId, type KeyMaterial } from "./crypto/index.js";
import { DAY_MS, MAX_ON_DEMAND_ROTATIONS, type KmsEnv } from "./env.js";
import { conflict, invalidState, limitExceeded, unsupported } from "./errors.js";
import { assertState, STATES } from "./key-state.js";
import { ID, resolveKey } from "./lookup.js";
import { keyArnOf, type KeyRecord, type MaterialInfo } from "./model.js";
import { pageOf } from "./pagination.js";
import type { KeyJobPayload } from "./deletion.js";
import { appendServiceEvents, stageServiceEvent, stageSynchronization } from "./service-events.js";
import { validateKeyId, validateLimit, validateMarker, Violations } from "./validation.js";

export const ROTATE_KEY_JOB = "kms-rotate-key";
export const DEFAULT_ROTATION_DAYS = 365;
export const rotateJobId = (arn: string): string => `kms-rotate/${arn}`;

function onDemandLimit(key: KeyRecord): Error {
  return limitExceeded(`The on-demand rotations limit has been reached for the given keyId. No more on-demand rotations can be performed for this key: ${key.arn}`);
}

function noPendingMaterial(key: KeyRecord): Error {
  return invalidState(`${key.arn} has no imported key material pending rotation. Import new key material first.`);
}

function replicaLacksPending(key: KeyRecord, region: string): Error {
  return invalidState(`${key.arn} has imported key material pending rotation that is not yet imported into its replica key in ${region}. Import the same key material into every replica key first.`);
}

/**
 * The state ListKeyRotations shows for a multi-Region primary's imported material pending rotation:
 * PENDING_MULTI_REGION_IMPORT_AND_ROTATION until every replica has imported it (API reference,
 * RotationsListEntry.KeyMaterialState), PENDING_ROTATION after.
 */
async function pendingStates(env: KmsEnv, key: KeyRecord): Promise<Map<string, RotationsListEntry["KeyMaterialState"]>> {
  const out = new Map<string, RotationsListEntry["KeyMaterialState"]>();
  const pending = key.materials.filter((m) => m.state === "PENDING_ROTATION");
  const replicaRegions = key.multiRegion && key.region === key.primaryRegion ? (key.replicaRegions ?? []) : [];
  if (key.origin !== "EXTERNAL" || pending.length === 0 || replicaRegions.length === 0) return out;
  const replicas = await Promise.all(replicaRegions.map((r) => env.repo.getKey(key.accountId, r, key.keyId)));
  for (const m of pending) {
    const everywhere = replicas.every((rep) => rep === undefined || rep.materials.some((x) => x.id === m.id && x.importState === "IMPORTED"));
    if (!everywhere) out.set(m.id, "PENDING_MULTI_REGION_IMPORT_AND_ROTATION");
  }
  return out;
}

function rotatable(key: KeyRecord): void {
  // KMS answers this one without a message.
  if (key.keySpec !== "SYMMETRIC_DEFAULT") throw unsupported("");
  if (key.multiRegion && key.primaryRegion !== key.region) {
    throw unsupported(`${key.arn} is a multi-Region replica key. Key rotation is managed on its primary key in ${key.primaryRegion}.`);
  }
}

/**
 * Automatic rotation is for keys whose material KMS generated: a key with imported material or in a
 * custom key store answers UnsupportedOperationException in any state (the key-state table:
 * "origin is EXTERNAL which is not valid for this operation" also while pending import).
 */
function automaticRotationOrigin(key: KeyRecord): void {
  if (key.origin !== "AWS_KMS") throw unsupported(`${key.arn} origin is ${key.origin} which is not valid for this operation.`);
}

/** Schedules the key's next automatic rotation, inside `tx` when given (with the state that calls for it). */
async function scheduleRotation(env: KmsEnv, key: KeyRecord, at: number, tx?: DocStore): Promise<void> {
  const payload: KeyJobPayload = { accountId: key.accountId, region: key.region, keyId: key.keyId };
  if (tx) await env.scheduler?.scheduleIn(tx, ROTATE_KEY_JOB, at, payload, rotateJobId(key.arn));
  else await env.scheduler?.schedule(ROTATE_KEY_JOB, at, payload, rotateJobId(key.arn));
}

export async function enableKeyRotation(env: KmsEnv, ctx: RequestContext, input: { KeyId: string; RotationPeriodInDays?: number }): Promise<void> {
  const v = new Violations();
  validateKeyId(v, input.KeyId);
  v.int(input.RotationPeriodInDays, "rotationPeriodInDays", 90, 2560);
  v.throwIfAny();
  const days = input.RotationPeriodInDays ?? DEFAULT_ROTATION_DAYS;
  const { key } = await resolveKey(env, ctx, input.KeyId, ID.own);
  await authorizeKey(env, ctx, key, "EnableKeyRotation", { context: { "kms:RotationPeriodInDays": days } });
  automaticRotationOrigin(key);
  assertState(key, STATES.rotation);
  rotatable(key);
  const next = ctx.now + days * DAY_MS;
  // The job in the same transaction: a key with rotation enabled always has its rotation job.
  await env.repo.updateKey(key.accountId, key.region, key.keyId, async (r, tx) => {
    // Again on the stored record: a key made a replica in parallel (UpdatePrimaryRegion) refuses.
    assertState(r, STATES.rotation);
    rotatable(r);
    await scheduleRotation(env, r, next, tx);
    return { ...r, rotation: { ...r.rotation, enabled: true, periodDays: days, nextRotationAt: next } };
  });
  auditKeyArnResponse(ctx, key);
}

export async function disableKeyRotation(env: KmsEnv, ctx: RequestContext, input: { KeyId: string }): Promise<void> {
  const v = new Violations();
  validateKeyId(v, input.KeyId);
  v.throwIfAny();
  const { key } = await resolveKey(env, ctx, input.KeyId, ID.own);
  await authorizeKey(env, ctx, key, "DisableKeyRotation");
  automaticRotationOrigin(key);
  assertState(key, STATES.rotation);
  rotatable(key);
  await env.repo.updateKey(key.accountId, key.region, key.keyId, async (r, tx) => {
    assertState(r, STATES.rotation);
    rotatable(r);
    const { periodDays: _p, nextRotationAt: _n, ...rest } = r.rotation;
    await env.scheduler?.cancelIn(tx, rotateJobId(key.arn));
    return { ...r, rotation: { ...rest, enabled: false } };
  });
}

export async function getKeyRotationStatus(env: KmsEnv, ctx: RequestContext, input: { KeyId: string }): Promise<GetKeyRotationStatusResponse> {
  const v = new Violations();
  validateKeyId(v, input.KeyId);
  v.throwIfAny();
  const { key } = await resolveKey(env, ctx, input.KeyId, ID.ownOrCross);
  await authorizeKey(env, ctx, key, "GetKeyRotationStatus");
  if (key.keySpec !== "SYMMETRIC_DEFAULT") throw unsupported(`${key.arn} is not a symmetric encryption KMS key; key rotation is not supported for it.`);
  // Replicas report their primary's rotation settings.
  const src = key.multiRegion && key.primaryRegion !== key.region ? ((await env.repo.getKey(key.accountId, key.primaryRegion ?? key.region, key.keyId)) ?? key) : key;
  const r = src.rotation;
  // "While a KMS key is pending deletion, its key rotation status is false and KMS does not rotate
  // the key material. If you cancel the deletion, the original key rotation status returns to true."
  if (key.state === "PendingDeletion" || key.state === "PendingReplicaDeletion") return { KeyRotationEnabled: false, KeyId: key.arn };
  return {
    KeyRotationEnabled: r.enabled,
    KeyId: key.arn,
    ...(r.enabled && r.periodDays !== undefined ? { RotationPeriodInDays: r.periodDays } : {}),
    ...(r.enabled && r.nextRotationAt !== undefined ? { NextRotationDate: new Date(r.nextRotationAt) } : {}),
  };
}

/**
 * Makes `material` (new, generated) or an existing pending version the current one of the key
 * and of its replicas. Runs in one transaction; returns the updated record.
 */
export async function rotateMaterial(
  env: KmsEnv,
  key: KeyRecord,
  type: "AUTOMATIC" | "ON_DEMAND",
  now: number,
  /**
   * Checks the stored record inside the transaction (throws to refuse) and returns it, changed or
   * not; undefined when the record no longer calls for a rotation (nothing is written then).
   */
  admit: (cur: KeyRecord) => KeyRecord | undefined = (cur) => cur,
): Promise<KeyRecord | undefined> {
  // Imported material is never generated: the key rotates to the material imported for it
  // (NEW_KEY_MATERIAL), as stored when the rotation commits.
  let newId = "";
  let generated: KeyMaterial | undefined;
  if (key.origin !== "EXTERNAL") {
    generated = await generateKeyMaterialAsync(key.keySpec);
    newId = newKeyMaterialId();
  }
  const promote = (r: KeyRecord): KeyRecord => {
    const materials: MaterialInfo[] = r.materials.map((m) => (m.state === "CURRENT" ? { ...m, state: "NON_CURRENT" } : m));
    const idx = materials.findIndex((m) => m.id === newId);
    const entry: MaterialInfo = { ...(idx >= 0 ? materials[idx]! : { id: newId, createdAt: now }), state: "CURRENT", rotatedAt: now, rotationType: type };
    if (idx >= 0) materials[idx] = entry;
    else materials.push(entry);
    return { ...r, materials, currentMaterialId: newId };
  };
  // The replicas are those of the stored record: one created, or a primary moved, in parallel
  // gets the new material too (or, for a key no longer primary, the caller's admit refuses).
  let replicas = key.multiRegion && key.region === key.primaryRegion ? (key.replicaRegions ?? []) : [];
  let out: KeyRecord | undefined;
  try {
    await env.repo.store.transaction(async (tx) => {
    const cur = await tx.get<KeyRecord>("kms-keys", `${key.accountId}/${key.region}/${key.keyId}`);
    if (!cur) return;
    const admitted = admit(cur);
    if (!admitted) return;
    if (!generated) {
      const pending = cur.materials.find((m) => m.state === "PENDING_ROTATION" && m.importState === "IMPORTED");
      if (!pending) throw noPendingMaterial(cur);
      newId = pending.id;
    }
    replicas = cur.multiRegion && cur.region === cur.primaryRegion ? (cur.replicaRegions ?? []) : [];
    if (generated) await env.repo.putMaterial(tx, cur, newId, generated);
    out = await env.repo.putKey(promote(admitted), tx);
    await stageRotation(env, tx, cur, newId, type);
    let synced = false;
    for (const region of replicas) {
      const rep = await tx.get<KeyRecord>("kms-keys", `${key.accountId}/${region}/${key.keyId}`);
      if (!rep) continue;
      // Imported material is not copied: every replica must hold it (imported as
      // EXISTING_KEY_MATERIAL) before the primary rotates to it (API reference, ImportKeyMaterial).
      if (!generated && !rep.materials.some((m) => m.id === newId && m.importState === "IMPORTED")) throw replicaLacksPending(cur, region);
      if (generated) await env.repo.putMaterial(tx, { ...rep, arn: keyArnOf(key.accountId, region, key.keyId) }, newId, generated);
      await env.repo.putKey(promote(rep), tx);
      synced = true;
    }
    // The new material reached the replicas: KMS records that as a synchronization.
    if (synced) await stageSynchronization(env, tx, cur);
  });
  } finally {
    for (const region of [key.region, ...replicas]) env.repo.invalidateKey(key.accountId, region, key.keyId);
  }
  return out;
}

/**
 * The RotateKey service event KMS writes when key material rotates, automatically or on demand
 * (KMS developer guide, "RotateKey"): serviceEventDetails names the rotation type, the key's
 * origin, the material ids before and after, and the key id. Staged with the rotation.
 */
async function stageRotation(env: KmsEnv, tx: DocStore, before: KeyRecord, currentKeyMaterialId: string, rotationType: "AUTOMATIC" | "ON_DEMAND"): Promise<void> {
  await stageServiceEvent(env, tx, before, "RotateKey", {
    rotationType,
    keyOrigin: before.origin,
    ...(before.currentMaterialId !== undefined ? { previousKeyMaterialId: before.currentMaterialId } : {}),
    currentKeyMaterialId,
    keyId: before.keyId,
  });
}

/** How close a due automatic rotation refuses an on-demand one (KMS API reference, ConflictException). */
export const AUTOMATIC_ROTATION_GUARD_MS = 20 * 60_000;

/**
 * RotateKeyOnDemand is refused while an automatic rotation is in progress or due within the next
 * 20 minutes (ConflictException): the two would otherwise race for the same material change. A
 * rotation job that is due but has not run yet counts as in progress.
 */
function automaticRotationNotImminent(key: KeyRecord, now: number): void {
  const next = key.rotation.enabled ? key.rotation.nextRotationAt : undefined;
  if (next !== undefined && next - now <= AUTOMATIC_ROTATION_GUARD_MS) {
    throw conflict(`An automatic rotation of ${key.arn} is in progress or scheduled to begin within the next 20 minutes.`);
  }
}

export async function rotateKeyOnDemand(env: KmsEnv, ctx: RequestContext, input: { KeyId: string }): Promise<RotateKeyOnDemandResponse> {
  const v = new Violations();
  validateKeyId(v, input.KeyId);
  v.throwIfAny();
  const { key } = await resolveKey(env, ctx, input.KeyId, ID.own);
  await authorizeKey(env, ctx, key, "RotateKeyOnDemand");
  assertState(key, STATES.rotation);
  rotatable(key);
  if (key.rotation.onDemandCount >= MAX_ON_DEMAND_ROTATIONS) {
    throw onDemandLimit(key);
  }
  automaticRotationNotImminent(key, ctx.now);
  if (key.origin === "EXTERNAL" && !key.materials.some((m) => m.state === "PENDING_ROTATION")) throw noPendingMaterial(key);
  // The quota is checked and counted in the rotation's transaction: parallel calls cannot
  // all pass the check above on the same count.
  await rotateMaterial(env, key, "ON_DEMAND", ctx.now, (cur) => {
    assertState(cur, STATES.rotation);
    rotatable(cur);
    automaticRotationNotImminent(cur, ctx.now);
    if (cur.rotation.onDemandCount >= MAX_ON_DEMAND_ROTATIONS) {
      throw onDemandLimit(key);
    }
    return { ...cur, rotation: { ...cur.rotation, onDemandCount: cur.rotation.onDemandCount + 1 } };
  });
  await appendServiceEvents(env);
  return { KeyId: key.keyId };
}

export async function listKeyRotations(env: KmsEnv, ctx: RequestContext, input: { KeyId: string; IncludeKeyMaterial?: string; Limit?: number; Marker?: string }): Promise<ListKeyRotationsResponse> {
  const v = new Violations();
  validateKeyId(v, input.KeyId);
  v.oneOf(input.IncludeKeyMaterial, "includeKeyMaterial", ["ALL_KEY_MATERIAL", "ROTATIONS_ONLY"]);
  validateLimit(v, input.Limit);
  validateMarker(v, input.Marker);
  v.throwIfAny();
  const { key } = await resolveKey(env, ctx, input.KeyId, ID.own);
  await authorizeKey(env, ctx, key, "ListKeyRotations");
  if (key.keySpec !== "SYMMETRIC_DEFAULT") throw unsupported(`${key.arn} is not a symmetric encryption KMS key; ListKeyRotations supports only symmetric encryption KMS keys.`);
  const all = input.IncludeKeyMaterial === "ALL_KEY_MATERIAL";
  const items = key.materials.filter((m) => all || m.rotatedAt !== undefined);
  const { page, nextMarker } = pageOf(env.markerKey, `rotations/${key.arn}`, items, (m) => String(key.materials.indexOf(m)).padStart(6, "0"), input.Marker, input.Limit ?? 100);
  const shownState = await pendingStates(env, key);
  const rotations: RotationsListEntry[] = page.map((m) => ({
    KeyId: key.keyId,
    KeyMaterialId: m.id,
    ...(m.description !== undefined ? { KeyMaterialDescription: m.description } : {}),
    ...(m.importState !== undefined ? { ImportState: m.importState } : {}),
    KeyMaterialState: shownState.get(m.id) ?? m.state,
    ...(m.expirationModel !== undefined ? { ExpirationModel: m.expirationModel } : {}),
    ...(m.validTo !== undefined ? { ValidTo: new Date(m.validTo) } : {}),
    ...(m.rotatedAt !== undefined ? { RotationDate: new Date(m.rotatedAt), RotationType: m.rotationType ?? "AUTOMATIC" } : {}),
  }));
  return { Rotations: rotations, Truncated: nextMarker !== undefined, ...(nextMarker ? { NextMarker: nextMarker } : {}) };
}

/** Job handler: rotates when due; a disabled key is checked again a day later (idempotent). */
export async function runAutomaticRotation(env: KmsEnv, p: KeyJobPayload): Promise<void> {
  const key = await env.repo.getKey(p.accountId, p.region, p.keyId);
  if (!key || !key.rotation.enabled || key.rotation.nextRotationAt === undefined || key.rotation.periodDays === undefined) return;
  const now = env.clock.now();
  if (key.rotation.nextRotationAt > now) {
    await scheduleRotation(env, key, key.rotation.nextRotationAt);
    return;
  }
  if (key.state !== "Enabled") {
    await scheduleRotation(env, key, now + DAY_MS);
    return;
  }
  const next = now + key.rotation.periodDays * DAY_MS;
  // The next rotation date is written with the new material: a job that runs again after a crash
  // then finds the rotation done (not due) instead of rotating a second time.
  // Decided again on the stored record: rotation disabled, the key disabled or no longer the
  // primary since it was read means no rotation (the job is rescheduled by whoever changed it).
  const rotated = await rotateMaterial(env, key, "AUTOMATIC", now, (r) => {
    if (!r.rotation.enabled || r.state !== "Enabled" || (r.multiRegion && r.primaryRegion !== r.region) || r.rotation.nextRotationAt !== key.rotation.nextRotationAt) return undefined;
    return { ...r, rotation: { ...r.rotation, nextRotationAt: next } };
  });
  if (!rotated) {
    // Changed in between: the job decides again on the key as it now is.
    const cur = await env.repo.getKey(p.accountId, p.region, p.keyId);
    if (cur?.rotation.enabled && cur.rotation.nextRotationAt !== undefined && !(cur.multiRegion && cur.primaryRegion !== cur.region)) {
      await scheduleRotation(env, cur, Math.max(cur.rotation.nextRotationAt, cur.state === "Enabled" ? now : now + DAY_MS));
    }
    return;
  }
  await appendServiceEvents(env);
  await scheduleRotation(env, rotated, next);
}
