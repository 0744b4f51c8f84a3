/** GetKeyLastUsage: the last successful cryptographic operation of a key (tracked in usage.ts). */
import type { GetKeyLastUsageResponse } from "@aws-sdk/client-kms";
import type { RequestContext } from "../../core/types.js";
import { authorizeKey } from "./authorize.js";
import { DAY_MS, type KmsEnv } from "./env.js";
import type { KeyRecord } from "./model.js";
import { ID, resolveKey } from "./lookup.js";
import { validateKeyId, Violations } from "./validation.js";
import { setImmediate as nextTurn } from "node:timers/promises";

/** Index entries examined per slice, and in all, looking for the event (see cloudTrailEventId). */
const SLICE = 5000;
const SCAN_LIMIT = 200_000;
const PAGE = 200;
/** Margin for a system clock that steps back between the request's start and its use of the key. */
const CLOCK_MARGIN_MS = 1000;
/** How long before its use of the key a request may have started. */
const MAX_REQUEST_MS = 60_000;


/**
 * The id of the CloudTrail event of a request (the audit log assigns event ids): looked up in
 * the key owner's events about the key, newest first, from the time of use back to the
 * earliest start the request can have had (an event is stamped when its request arrives, before
 * the key is used). In slices with a turn of the event loop between them, so a busy log is never
 * walked in one go, and past any number of later events about the key (DescribeKey, concurrent
 * requests). Only GetKeyLastUsage pays this.
 */
async function cloudTrailEventId(env: KmsEnv, accountId: string, keyArn: string, requestId: string, at: number): Promise<string | undefined> {
  const needle = `"requestID":${JSON.stringify(requestId)}`;
  const q = { accountId, attribute: { key: "ResourceName", value: keyArn }, startTime: at - MAX_REQUEST_MS, endTime: at + CLOCK_MARGIN_MS, limit: PAGE } as const;
  let beforeSeq: number | undefined;
  for (let examined = 0; examined < SCAN_LIMIT; ) {
    if (beforeSeq !== undefined) await nextTurn();
    const page = await env.repo.store.lookupAudit(beforeSeq === undefined ? q : { ...q, beforeSeq }, SLICE);
    const hit = page.rows.find((r) => r.json.includes(needle));
    if (hit) return hit.eventId;
    const lastRow = page.rows[page.rows.length - 1];
    if (page.rows.length === PAGE && lastRow) beforeSeq = lastRow.seq;
    else if (page.resumeBeforeSeq !== undefined) beforeSeq = page.resumeBeforeSeq;
    else return undefined;
    examined += SLICE;
  }
  return undefined;
}

/**
 * kms:TrailingDaysWithoutKeyUsage (DisableKey, ScheduleKeyDeletion): whole days, rounded down,
 * since the key's last tracked cryptographic use; for a key not used since tracking began for
 * it, since that beginning — its creation, or the installation's tracking start for a key made
 * before it (the date GetKeyLastUsage gives as TrackingStartDate).
 */
export async function trailingDaysWithoutKeyUsage(env: KmsEnv, key: KeyRecord, now: number): Promise<number> {
  const last = await env.usage.last(key);
  const since = last?.timestamp ?? Math.max(await env.usage.trackingStartDate(), key.createdAt);
  return Math.max(0, Math.floor((now - since) / DAY_MS));
}

export async function getKeyLastUsage(env: KmsEnv, ctx: RequestContext, input: { KeyId: string }): Promise<GetKeyLastUsageResponse> {
  const v = new Violations();
  validateKeyId(v, input.KeyId);
  v.throwIfAny();
  const { key } = await resolveKey(env, ctx, input.KeyId, ID.own);
  await authorizeKey(env, ctx, key, "GetKeyLastUsage");
  const last = await env.usage.last(key);
  const eventId = last ? await cloudTrailEventId(env, key.accountId, key.arn, last.requestId, last.timestamp) : undefined;
  const tracking = Math.max(await env.usage.trackingStartDate(), key.createdAt);
  return {
    KeyId: key.keyId,
    KeyLastUsage: last
      ? {
          Operation: last.operation as NonNullable<GetKeyLastUsageResponse["KeyLastUsage"]>["Operation"],
          Timestamp: new Date(last.timestamp),
          ...(eventId !== undefined ? { CloudTrailEventId: eventId } : {}),
          KmsRequestId: last.requestId,
        }
      : {},
    TrackingStartDate: new Date(tracking),
    KeyCreationDate: new Date(key.createdAt),
  };
}
