/** GetKeyLastUsage: the last successful cryptographic operation of a key (tracked in usage.ts). */
import type { GetKeyLastUsageResponse } from "@aws-sdk/client-kms";
import type { RequestContext } from "../../core/types.js";
import { authorizeKey } from "./authorize.js";
import type { KmsEnv } from "./env.js";
import { ID, resolveKey } from "./lookup.js";
import { validateKeyId, Violations } from "./validation.js";

/**
 * The id of the CloudTrail event of a request (the audit log assigns event ids): looked up in
 * the key owner's events about the key around the time of use. Only GetKeyLastUsage pays this.
 */
async function cloudTrailEventId(env: KmsEnv, accountId: string, keyArn: string, requestId: string, at: number): Promise<string | undefined> {
  const rows = await env.repo.store.queryAudit({ accountId, attribute: { key: "ResourceName", value: keyArn }, startTime: at - 60_000, endTime: at + 60_000, limit: 200 });
  const needle = `"requestID":${JSON.stringify(requestId)}`;
  return rows.find((r) => r.json.includes(needle))?.eventId;
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
