/**
 * CloudTrail events KMS records for work it does itself (no caller): DeleteKey at the end of
 * a deletion window, RotateKey for automatic rotations, DeleteExpiredKeyMaterial when
 * imported material expires. Failures to record are reported, never thrown into the job.
 */
import { randomUUID } from "node:crypto";
import type { KmsEnv } from "./env.js";
import type { KeyRecord } from "./model.js";

const KMS_HOST = "kms.amazonaws.com";

export async function recordServiceEvent(env: KmsEnv, key: Pick<KeyRecord, "arn" | "accountId" | "region" | "keyId">, eventName: string, extra: Record<string, unknown> = {}): Promise<void> {
  if (!env.audit) return;
  await env.audit
    .record({
      time: env.clock.now(),
      requestId: randomUUID(),
      eventSource: KMS_HOST,
      service: "kms",
      operation: eventName,
      region: key.region,
      accountId: key.accountId,
      sourceIp: KMS_HOST,
      userAgent: KMS_HOST,
      readOnly: false,
      annotations: {
        resources: [{ ARN: key.arn, accountId: key.accountId, type: "AWS::KMS::Key" }],
        requestParameters: null,
        responseElements: null,
        additionalEventData: { keyId: key.arn, ...extra },
        recipientAccountId: key.accountId,
      },
    })
    .catch(() => undefined);
}
