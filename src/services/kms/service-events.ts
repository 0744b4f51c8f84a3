/**
 * CloudTrail events KMS records for work it does itself (no caller): DeleteKey at the end of
 * a deletion window, RotateKey for automatic and on-demand rotations, DeleteExpiredKeyMaterial
 * when imported material expires. They are AWS service events as the KMS developer guide shows
 * them: eventType "AwsServiceEvent", userIdentity `{ accountId, invokedBy: "AWS Internal" }`,
 * sourceIPAddress and userAgent "AWS Internal", no requestID, requestParameters null,
 * responseElements null (DeleteKey: the key ARN in responseElements.keyId), the key as resource,
 * and what happened in serviceEventDetails.
 *
 * Each is staged in the transaction of the change it records (src/audit/outbox.ts) and appended
 * after the commit (`appendServiceEvents`), so a process that dies in between still records it.
 * Failures to append are reported by the outbox and retried, never thrown into the job.
 */
import { randomUUID } from "node:crypto";
import { AWS_INTERNAL, eventPrincipal } from "../../audit/event.js";
import { serviceRecordedEvent, type StagedEvent } from "../../audit/outbox.js";
import type { RequestContext } from "../../core/types.js";
import type { DocStore } from "../../storage/types.js";
import type { KmsEnv } from "./env.js";
import type { KeyRecord } from "./model.js";

const KMS_HOST = "kms.amazonaws.com";

export function serviceEvent(
  env: KmsEnv,
  key: Pick<KeyRecord, "arn" | "accountId" | "region" | "keyId">,
  eventName: string,
  serviceEventDetails?: Record<string, unknown>,
  responseElements?: Record<string, unknown>,
): StagedEvent {
  return serviceRecordedEvent({
    time: env.clock.now(),
    eventSource: KMS_HOST,
    operation: eventName,
    region: key.region,
    accountId: key.accountId,
    resources: [{ ARN: key.arn, accountId: key.accountId, type: "AWS::KMS::Key" }],
    ...(responseElements !== undefined ? { responseElements } : {}),
    ...(serviceEventDetails !== undefined ? { serviceEventDetails } : {}),
  });
}

/** Stages a service event in `tx`, the transaction of the change it records. */
export async function stageServiceEvent(
  env: KmsEnv,
  tx: DocStore,
  key: Pick<KeyRecord, "arn" | "accountId" | "region" | "keyId">,
  eventName: string,
  serviceEventDetails?: Record<string, unknown>,
  responseElements?: Record<string, unknown>,
): Promise<void> {
  await env.outbox?.stageIn(tx, serviceEvent(env, key, eventName, serviceEventDetails, responseElements));
}

/**
 * SynchronizeMultiRegionKey, which KMS records when it copies a primary key's shared properties
 * (its key material) to the replicas (KMS developer guide, "SynchronizeMultiRegionKey"): an
 * AwsApiCall of the account invoked by "AWS Internal", in the primary's Region, the primary key
 * as the resource and its ARN in responseElements.keyId. Staged in `tx`.
 */
export async function stageSynchronization(env: KmsEnv, tx: DocStore, primary: Pick<KeyRecord, "arn" | "accountId" | "region">): Promise<void> {
  await env.outbox?.stageIn(
    tx,
    serviceRecordedEvent({
      time: env.clock.now(),
      eventSource: KMS_HOST,
      operation: "SynchronizeMultiRegionKey",
      region: primary.region,
      accountId: primary.accountId,
      invokedBy: AWS_INTERNAL,
      eventType: "AwsApiCall",
      resources: [{ ARN: primary.arn, accountId: primary.accountId, type: "AWS::KMS::Key" }],
      responseElements: { keyId: primary.arn },
    }),
  );
}

/**
 * An event of the caller's request recorded in another Region of the key (ReplicateKey's CreateKey
 * in the replica's Region, UpdatePrimaryRegion's entry in the new primary's Region). With
 * `invokedBy`, a call KMS made on the caller's behalf: the service as source address and user
 * agent. Staged in `tx`, the transaction of the change it records.
 */
export async function stageCallerEvent(
  env: KmsEnv,
  tx: DocStore,
  ctx: RequestContext,
  e: { operation: string; key: Pick<KeyRecord, "arn" | "accountId" | "region">; requestParameters: Record<string, unknown> | null; responseElements: Record<string, unknown> | null; invokedByKms?: boolean },
): Promise<void> {
  const by = e.invokedByKms === true;
  await env.outbox?.stageIn(tx, {
    eventId: randomUUID(),
    time: ctx.now,
    requestId: by ? randomUUID() : ctx.requestId,
    eventSource: KMS_HOST,
    service: "kms",
    operation: e.operation,
    region: e.key.region,
    accountId: ctx.principal.accountId,
    principal: eventPrincipal(ctx.principal),
    sourceIp: by ? KMS_HOST : ctx.sourceIp,
    userAgent: by ? KMS_HOST : ctx.userAgent,
    ...(by ? { invokedBy: KMS_HOST } : {}),
    readOnly: false,
    annotations: {
      resources: [{ ARN: e.key.arn, accountId: e.key.accountId, type: "AWS::KMS::Key" }],
      requestParameters: e.requestParameters,
      responseElements: e.responseElements,
      ...(e.key.accountId !== ctx.principal.accountId ? { recipientAccountId: e.key.accountId } : {}),
    },
  });
}

/** Appends the staged events once their transaction has committed (what fails stays staged). */
export async function appendServiceEvents(env: KmsEnv): Promise<void> {
  await env.outbox?.drain().catch(() => undefined);
}
