/**
 * CloudTrail events KMS records for work it does itself (no caller): DeleteKey at the end of
 * a deletion window, RotateKey for automatic and on-demand rotations, DeleteExpiredKeyMaterial
 * when imported material expires. They are AWS service events as the KMS developer guide shows
 * them: eventType "AwsServiceEvent", userIdentity `{ accountId, invokedBy: "AWS Internal" }`,
 * sourceIPAddress and userAgent "AWS Internal", no requestID, requestParameters and
 * responseElements null, the key as resource, and what happened in serviceEventDetails.
 * Failures to record are reported, never thrown into the job.
 */
import { randomUUID } from "node:crypto";
import { AWS_INTERNAL } from "../../audit/event.js";
import type { KmsEnv } from "./env.js";
import type { KeyRecord } from "./model.js";

const KMS_HOST = "kms.amazonaws.com";

export async function recordServiceEvent(
  env: KmsEnv,
  key: Pick<KeyRecord, "arn" | "accountId" | "region" | "keyId">,
  eventName: string,
  serviceEventDetails?: Record<string, unknown>,
): Promise<void> {
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
      sourceIp: AWS_INTERNAL,
      userAgent: AWS_INTERNAL,
      readOnly: false,
      eventType: "AwsServiceEvent",
      annotations: {
        resources: [{ ARN: key.arn, accountId: key.accountId, type: "AWS::KMS::Key" }],
        requestParameters: null,
        responseElements: null,
        ...(serviceEventDetails !== undefined ? { serviceEventDetails } : {}),
        recipientAccountId: key.accountId,
      },
    })
    .catch(() => undefined);
}
