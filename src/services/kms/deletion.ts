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
import { notFound } from "./errors.js";
import { assertState, STATES } from "./key-state.js";
import { trailingDaysWithoutKeyUsage } from "./last-usage.js";
import { ID, resolveKey } from "./lookup.js";
import { allAssociatedImported, COLLECTIONS, keyDocKey, type KeyRecord } from "./model.js";
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
  await authorizeKey(env, ctx, key, "ScheduleKeyDeletion", {
    context: { "kms:ScheduleKeyDeletionPendingWindowInDays": days, "kms:TrailingDaysWithoutKeyUsage": await trailingDaysWithoutKeyUsage(env, key, ctx.now) },
  });
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
  const cancelled = await env.repo.updateKey(key.accountId, key.region, key.keyId, async (rec, tx) => {
    assertState(rec, STATES.cancelDeletion);
    const { deletionDate: _d, pendingWindowInDays: _p, ...rest } = rec;
    await env.scheduler?.cancelIn(tx, deleteJobId(key.arn));
    // A cancelled key comes back disabled; an imported key missing any of its permanently
    // associated material (never imported, or deleted or expired while the key was pending
    // deletion) is pending import.
    return { ...rest, state: rec.origin === "EXTERNAL" && !allAssociatedImported(rec.materials) ? "PendingImport" : "Disabled" };
  });
  // Deleted by its deletion job since it was read: too late to cancel, as in that serial order.
  if (!cancelled) throw notFound(`Key '${key.arn}' does not exist`);
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
  // Decided again, and done, in one transaction on the stored state: a CancelKeyDeletion that
  // commits first keeps the key whole (aliases included); dropping a replica from its primary
  // commits with the replica's deletion, so no crash can leave one without the other.
  const now = env.clock.now();
  const scope = { accountId: key.accountId, region: key.region };
  let primaryRegion: string | undefined;
  let deleted = false;
  try {
    deleted = await env.repo.deleteKeyCompletely(key, async (tx) => {
      const cur = await tx.get<KeyRecord>(COLLECTIONS.keys, keyDocKey(key.accountId, key.region, key.keyId));
      if (!cur || cur.state !== "PendingDeletion" || cur.deletionDate === undefined || cur.deletionDate > now) return false;
      // The primary as stored now (an UpdatePrimaryRegion may have moved it since the key was read).
      primaryRegion = cur.multiRegion && cur.primaryRegion !== undefined && cur.primaryRegion !== cur.region ? cur.primaryRegion : undefined;
      if (primaryRegion !== undefined) await replicaGone(env, tx, cur, primaryRegion, now);
      for (const name of await env.repo.aliasNamesIn(tx, scope, key.keyId)) await env.repo.deleteAlias(scope, name, tx);
      await env.scheduler?.cancelIn(tx, `kms-rotate/${key.arn}`);
      // "CloudTrail log entries for this operation recorded on or after December 2022 include the
      // key ARN of the affected KMS key in the responseElements.keyId value" (KMS developer guide, "DeleteKey").
      await stageServiceEvent(env, tx, key, "DeleteKey", undefined, { keyId: key.arn });
      return true;
    });
  } finally {
    if (primaryRegion !== undefined) env.repo.invalidateKey(key.accountId, primaryRegion, key.keyId);
  }
  if (!deleted) return;
  env.usage.forget(key);
  await appendServiceEvents(env);
}

/** A replica was deleted: drop it from its primary; a primary waiting for its replicas starts its own window. */
async function replicaGone(env: KmsEnv, tx: DocStore, replica: KeyRecord, primaryRegion: string, now: number): Promise<void> {
  const rec = await tx.get<KeyRecord>(COLLECTIONS.keys, keyDocKey(replica.accountId, primaryRegion, replica.keyId));
  if (!rec) return;
  const replicaRegions = (rec.replicaRegions ?? []).filter((r) => r !== replica.region);
  if (rec.state === "PendingReplicaDeletion" && replicaRegions.length === 0) {
    const deletionDate = now + (rec.pendingWindowInDays ?? 30) * DAY_MS;
    await scheduleDeletionJob(env, rec, deletionDate, tx);
    await env.repo.putKey({ ...rec, replicaRegions, state: "PendingDeletion", deletionDate }, tx);
    return;
  }
  await env.repo.putKey({ ...rec, replicaRegions }, tx);
}
