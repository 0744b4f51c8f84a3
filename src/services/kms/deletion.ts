/**
 * ScheduleKeyDeletion / CancelKeyDeletion and the durable job that really deletes a key
 * (record, sealed material, grants, aliases, usage) when its waiting period ends.
 *
 * Multi-Region: a primary with replicas waits in PendingReplicaDeletion; its own waiting
 * period starts when its last replica has been deleted.
 */
import type { CancelKeyDeletionResponse, ScheduleKeyDeletionResponse } from "@aws-sdk/client-kms";
import type { RequestContext } from "../../core/types.js";
import type { DocStore } from "../../storage/types.js";
import { authorizeKey } from "./authorize.js";
import { DAY_MS, type KmsEnv } from "./env.js";
import { assertState, STATES } from "./key-state.js";
import { ID, resolveKey } from "./lookup.js";
import type { KeyRecord } from "./model.js";
import { appendServiceEvents, stageServiceEvent } from "./service-events.js";
import { validateKeyId, Violations } from "./validation.js";

export const DELETE_KEY_JOB = "kms-delete-key";

export interface KeyJobPayload {
  accountId: string;
  region: string;
  keyId: string;
}

export const deleteJobId = (arn: string): string => `kms-delete/${arn}`;

/** Schedules the key's deletion job, inside `tx` when given (with the state that calls for it). */
async function scheduleDeletionJob(env: KmsEnv, key: Pick<KeyRecord, "arn" | "accountId" | "region" | "keyId">, dueAt: number, tx?: DocStore): Promise<void> {
  const payload: KeyJobPayload = { accountId: key.accountId, region: key.region, keyId: key.keyId };
  if (tx) await env.scheduler?.scheduleIn(tx, DELETE_KEY_JOB, dueAt, payload, deleteJobId(key.arn));
  else await env.scheduler?.schedule(DELETE_KEY_JOB, dueAt, payload, deleteJobId(key.arn));
}

export async function scheduleKeyDeletion(env: KmsEnv, ctx: RequestContext, input: { KeyId: string; PendingWindowInDays?: number }): Promise<ScheduleKeyDeletionResponse> {
  const v = new Violations();
  validateKeyId(v, input.KeyId);
  v.int(input.PendingWindowInDays, "pendingWindowInDays", 7, 30);
  v.throwIfAny();
  const days = input.PendingWindowInDays ?? 30;
  const { key } = await resolveKey(env, ctx, input.KeyId, ID.own);
  await authorizeKey(env, ctx, key, "ScheduleKeyDeletion", { context: { "kms:ScheduleKeyDeletionPendingWindowInDays": days } });
  assertState(key, STATES.manage);
  const deletionDate = ctx.now + days * DAY_MS;
  // Whether a primary waits for its replicas is decided on the stored record: a replica created
  // in parallel must hold the primary back as one created before.
  let waitForReplicas = false;
  const updated = await env.repo.updateKey(key.accountId, key.region, key.keyId, async (rec, tx) => {
    assertState(rec, STATES.manage);
    waitForReplicas = rec.multiRegion === true && rec.region === rec.primaryRegion && (rec.replicaRegions?.length ?? 0) > 0;
    if (waitForReplicas) {
      const { deletionDate: _drop, ...rest } = rec;
      return { ...rest, state: "PendingReplicaDeletion", pendingWindowInDays: days };
    }
    // In the same transaction: a key pending deletion always has its deletion job.
    await scheduleDeletionJob(env, key, deletionDate, tx);
    return { ...rec, state: "PendingDeletion", deletionDate, pendingWindowInDays: days };
  });
  env.repo.dropMaterial(key.arn);
  return {
    KeyId: key.arn,
    KeyState: updated?.state ?? "PendingDeletion",
    PendingWindowInDays: days,
    ...(waitForReplicas ? {} : { DeletionDate: new Date(deletionDate) }),
  };
}

export async function cancelKeyDeletion(env: KmsEnv, ctx: RequestContext, input: { KeyId: string }): Promise<CancelKeyDeletionResponse> {
  const v = new Violations();
  validateKeyId(v, input.KeyId);
  v.throwIfAny();
  const { key } = await resolveKey(env, ctx, input.KeyId, ID.own);
  await authorizeKey(env, ctx, key, "CancelKeyDeletion");
  assertState(key, STATES.cancelDeletion);
  await env.repo.updateKey(key.accountId, key.region, key.keyId, async (rec, tx) => {
    assertState(rec, STATES.cancelDeletion);
    const { deletionDate: _d, pendingWindowInDays: _p, ...rest } = rec;
    await env.scheduler?.cancelIn(tx, deleteJobId(key.arn));
    // A cancelled key comes back disabled; imported keys without material stay pending import.
    return { ...rest, state: rec.origin === "EXTERNAL" && rec.currentMaterialId === undefined ? "PendingImport" : "Disabled" };
  });
  return { KeyId: key.arn };
}

/** Job handler: deletes the key if it is still pending deletion and its date has come (idempotent). */
export async function runKeyDeletion(env: KmsEnv, p: KeyJobPayload): Promise<void> {
  const key = await env.repo.getKey(p.accountId, p.region, p.keyId);
  if (!key || key.state !== "PendingDeletion" || key.deletionDate === undefined) return;
  if (key.deletionDate > env.clock.now()) {
    await scheduleDeletionJob(env, key, key.deletionDate);
    return;
  }
  // The primary first: once the replica is gone this job finds nothing to do if it runs again,
  // so a primary waiting for its replicas would wait for ever after a crash in between.
  if (key.multiRegion && key.primaryRegion !== undefined && key.primaryRegion !== key.region) await replicaGone(env, key, key.primaryRegion);
  const scope = { accountId: key.accountId, region: key.region };
  for (const name of await env.repo.aliasNamesForKey(scope, key.keyId)) await env.repo.deleteAlias(scope, name);
  env.usage.forget(key);
  await env.repo.deleteKeyCompletely(key, (tx) => stageServiceEvent(env, tx, key, "DeleteKey"));
  await appendServiceEvents(env);
  await env.scheduler?.cancel(`kms-rotate/${key.arn}`);
}

/** A replica was deleted: drop it from its primary; a primary waiting for its replicas starts its own window. */
async function replicaGone(env: KmsEnv, replica: KeyRecord, primaryRegion: string): Promise<void> {
  const now = env.clock.now();
  await env.repo.updateKey(replica.accountId, primaryRegion, replica.keyId, async (rec, tx) => {
    const replicaRegions = (rec.replicaRegions ?? []).filter((r) => r !== replica.region);
    if (rec.state === "PendingReplicaDeletion" && replicaRegions.length === 0) {
      const deletionDate = now + (rec.pendingWindowInDays ?? 30) * DAY_MS;
      await scheduleDeletionJob(env, rec, deletionDate, tx);
      return { ...rec, replicaRegions, state: "PendingDeletion", deletionDate };
    }
    return { ...rec, replicaRegions };
  });
}
