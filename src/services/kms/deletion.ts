/**
 * ScheduleKeyDeletion / CancelKeyDeletion and the durable job that really deletes a key
 * (record, sealed material, grants, aliases, usage) when its waiting period ends.
 *
 * Multi-Region: a primary with replicas waits in PendingReplicaDeletion; its own waiting
 * period starts when its last replica has been deleted.
 */
import type { CancelKeyDeletionResponse, ScheduleKeyDeletionResponse } from "@aws-sdk/client-kms";
import type { RequestContext } from "../../core/types.js";
import { authorizeKey } from "./authorize.js";
import { DAY_MS, type KmsEnv } from "./env.js";
import { assertState, STATES } from "./key-state.js";
import { ID, resolveKey } from "./lookup.js";
import type { KeyRecord } from "./model.js";
import { recordServiceEvent } from "./service-events.js";
import { validateKeyId, Violations } from "./validation.js";

export const DELETE_KEY_JOB = "kms-delete-key";

export interface KeyJobPayload {
  accountId: string;
  region: string;
  keyId: string;
}

export const deleteJobId = (arn: string): string => `kms-delete/${arn}`;

async function scheduleDeletionJob(env: KmsEnv, key: Pick<KeyRecord, "arn" | "accountId" | "region" | "keyId">, dueAt: number): Promise<void> {
  await env.scheduler?.schedule<KeyJobPayload>(DELETE_KEY_JOB, dueAt, { accountId: key.accountId, region: key.region, keyId: key.keyId }, deleteJobId(key.arn));
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
  const waitForReplicas = key.multiRegion && key.region === key.primaryRegion && (key.replicaRegions?.length ?? 0) > 0;
  const deletionDate = ctx.now + days * DAY_MS;
  const updated = await env.repo.updateKey(key.accountId, key.region, key.keyId, (rec) => {
    assertState(rec, STATES.manage);
    if (waitForReplicas) {
      const { deletionDate: _drop, ...rest } = rec;
      return { ...rest, state: "PendingReplicaDeletion", pendingWindowInDays: days };
    }
    return { ...rec, state: "PendingDeletion", deletionDate, pendingWindowInDays: days };
  });
  env.repo.dropMaterial(key.arn);
  if (!waitForReplicas) await scheduleDeletionJob(env, key, deletionDate);
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
  await env.repo.updateKey(key.accountId, key.region, key.keyId, (rec) => {
    assertState(rec, STATES.cancelDeletion);
    const { deletionDate: _d, pendingWindowInDays: _p, ...rest } = rec;
    // A cancelled key comes back disabled; imported keys without material stay pending import.
    return { ...rest, state: rec.origin === "EXTERNAL" && rec.currentMaterialId === undefined ? "PendingImport" : "Disabled" };
  });
  await env.scheduler?.cancel(deleteJobId(key.arn));
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
  const scope = { accountId: key.accountId, region: key.region };
  for (const name of await env.repo.aliasNamesForKey(scope, key.keyId)) await env.repo.deleteAlias(scope, name);
  env.usage.forget(key);
  await env.repo.deleteKeyCompletely(key);
  await env.scheduler?.cancel(`kms-rotate/${key.arn}`);
  await recordServiceEvent(env, key, "DeleteKey");
  if (key.multiRegion && key.primaryRegion !== undefined && key.primaryRegion !== key.region) await replicaGone(env, key, key.primaryRegion);
}

/** A replica was deleted: drop it from its primary; a primary waiting for its replicas starts its own window. */
async function replicaGone(env: KmsEnv, replica: KeyRecord, primaryRegion: string): Promise<void> {
  const now = env.clock.now();
  const primary = await env.repo.updateKey(replica.accountId, primaryRegion, replica.keyId, (rec) => {
    const replicaRegions = (rec.replicaRegions ?? []).filter((r) => r !== replica.region);
    if (rec.state === "PendingReplicaDeletion" && replicaRegions.length === 0) {
      return { ...rec, replicaRegions, state: "PendingDeletion", deletionDate: now + (rec.pendingWindowInDays ?? 30) * DAY_MS };
    }
    return { ...rec, replicaRegions };
  });
  if (primary && primary.state === "PendingDeletion" && primary.deletionDate !== undefined) await scheduleDeletionJob(env, primary, primary.deletionDate);
}
