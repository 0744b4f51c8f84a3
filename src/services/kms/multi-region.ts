/**
 * Multi-Region keys: ReplicateKey (same key id and key material in another Region of the
 * same account) and UpdatePrimaryRegion. Shared properties (spec, usage, origin, material,
 * rotation) follow the primary; policy, tags, description, aliases, grants and state are
 * per Region. A ciphertext of any of them decrypts with any other (the blob names the key id
 * and material id, never the Region).
 */
import { CreateKeyRequest$, ReplicateKeyRequest$, type ReplicateKeyResponse } from "@aws-sdk/client-kms";
import { redactForCloudTrail } from "../../audit/redact.js";
import type { RequestContext } from "../../core/types.js";
import { auditKeyArnResponse, authorizeIamOnly, authorizeKey, authorizeTagOnCreate } from "./authorize.js";
import { checkKeyQuota, createKeyResponseElements, describe } from "./keys.js";
import { keyMetadata } from "./metadata.js";
import { appendServiceEvents, stageCallerEvent, stageSynchronization } from "./service-events.js";
import type { KmsEnv } from "./env.js";
import { alreadyExists, invalidState, notFound, unsupported, validation } from "./errors.js";
import { assertState, STATES } from "./key-state.js";
import { ID, resolveKey } from "./lookup.js";
import { keyArnOf, type KeyRecord, type MaterialInfo, type Tag } from "./model.js";
import { checkKeyPolicy, lockoutCheck, validatePolicyText } from "./policies.js";
import { defaultKeyPolicy } from "./policy-text.js";
import { rotateJobId, ROTATE_KEY_JOB } from "./rotation.js";
import { checkTagRules, requestTagContext, validateTags } from "./tags.js";
import { PATTERNS, validateKeyId, Violations } from "./validation.js";

function primaryOnly(key: KeyRecord, op: string): void {
  if (!key.multiRegion) throw unsupported(`${key.arn} is not a multi-Region key; ${op} applies only to multi-Region keys.`);
  if (key.primaryRegion !== key.region) throw unsupported(`${key.arn} is not a multi-region primary key.`);
}

export interface ReplicateKeyInput {
  KeyId: string;
  ReplicaRegion: string;
  Policy?: string;
  BypassPolicyLockoutSafetyCheck?: boolean;
  Description?: string;
  Tags?: Tag[];
}

/** The replica record of `primary` in `region` (same key id, spec and material ids; its own policy, tags and state). */
function replicaOf(primary: KeyRecord, region: string, arn: string, policy: string, ids: Record<string, string> | undefined, input: ReplicateKeyInput, now: number): KeyRecord {
  const external = primary.origin === "EXTERNAL";
  const materials: MaterialInfo[] = primary.materials.map((m) => {
    if (!external) return { ...m };
    const { expirationModel: _e, validTo: _v, ...rest } = m;
    return { ...rest, importState: "PENDING_IMPORT" };
  });
  const replica: KeyRecord = {
    ...primary,
    region,
    arn,
    createdAt: now,
    description: input.Description ?? "",
    policy,
    tags: input.Tags ?? [],
    state: external ? "PendingImport" : "Enabled",
    primaryRegion: primary.region,
    rotation: { enabled: false, onDemandCount: 0 },
    materials,
    version: 0,
  };
  delete replica.replicaRegions;
  if (ids) replica.policyPrincipalIds = ids;
  else delete replica.policyPrincipalIds;
  delete replica.deletionDate;
  delete replica.pendingWindowInDays;
  return replica;
}

function sameMaterialIds(key: KeyRecord, copies: ReadonlyArray<{ id: string }>): boolean {
  return key.materials.length === copies.length && key.materials.every((m, i) => m.id === copies[i]?.id);
}

export async function replicateKey(env: KmsEnv, ctx: RequestContext, input: ReplicateKeyInput): Promise<ReplicateKeyResponse> {
  const v = new Violations();
  validateKeyId(v, input.KeyId);
  v.str(input.ReplicaRegion, "replicaRegion", 1, 32, PATTERNS.region);
  validatePolicyText(v, input.Policy);
  v.str(input.Description, "description", 0, 8192, PATTERNS.description);
  validateTags(v, input.Tags);
  v.throwIfAny();
  // KMS records the lockout bypass and the description with the values it took when the request
  // left them out (false, ""), as in the KMS developer guide's ReplicateKey entry.
  ctx.audit.requestParameters = redactForCloudTrail(
    { ...input, BypassPolicyLockoutSafetyCheck: input.BypassPolicyLockoutSafetyCheck === true, Description: input.Description ?? "" },
    ReplicateKeyRequest$,
    "input",
  );
  const { key } = await resolveKey(env, ctx, input.KeyId, ID.own);
  const region = input.ReplicaRegion;
  await authorizeKey(env, ctx, key, "ReplicateKey", { context: { "kms:ReplicaRegion": region } });
  // kms:CreateKey in the replica Region, with the properties of the key it creates (kms:KeySpec,
  // kms:KeyUsage, kms:KeyOrigin: "the KMS key that is created by or used in the operation").
  await authorizeIamOnly(ctx, "CreateKey", {
    "kms:KeySpec": key.keySpec,
    "kms:KeyUsage": key.keyUsage,
    "kms:CustomerMasterKeySpec": key.keySpec,
    "kms:CustomerMasterKeyUsage": key.keyUsage,
    "kms:KeyOrigin": key.origin,
    "kms:MultiRegion": true,
    "kms:MultiRegionKeyType": "REPLICA",
    ...requestTagContext(input.Tags),
  });
  if (input.Tags && input.Tags.length > 0) {
    checkTagRules(input.Tags);
    await authorizeTagOnCreate(ctx, region, requestTagContext(input.Tags));
  }
  primaryOnly(key, "ReplicateKey");
  assertState(key, STATES.import);
  if (region === key.region) throw validation(`The replica Region ${region} must be different from the Region of the primary key.`);
  if (await env.repo.getKey(key.accountId, region, key.keyId)) {
    throw alreadyExists(`Unable to replicate key ${key.keyId} to region ${region}, as the key already exists there.`);
  }
  const replicaArn = keyArnOf(key.accountId, region, key.keyId);
  const policy = input.Policy ?? defaultKeyPolicy(key.accountId);
  const ids = input.Policy !== undefined ? await checkKeyPolicy(env, input.Policy) : undefined;
  if (input.Policy !== undefined) {
    if (input.BypassPolicyLockoutSafetyCheck !== true) await lockoutCheck(env, ctx, replicaOf(key, region, replicaArn, policy, ids, input, ctx.now), input.Policy);
  }
  // The checks above ran on the primary as read before the write: a parallel ReplicateKey,
  // UpdatePrimaryRegion, ScheduleKeyDeletion or rotation may have changed it since. They are
  // made again on the stored records inside the transaction, and the replica is built from the
  // primary as stored there, so parallel calls give what some serial order of them gives.
  let source = key;
  let created: KeyRecord | undefined;
  for (let attempt = 0; ; attempt++) {
    // The same material, sealed again under the replica's ARN (read before the transaction,
    // which may use nothing but its tx).
    const copies = source.origin === "EXTERNAL" ? [] : await Promise.all(source.materials.map(async (m) => ({ id: m.id, material: await env.repo.material(source, m.id) })));
    try {
      created = await env.repo.store.transaction(async (tx) => {
        const primary = await tx.get<KeyRecord>("kms-keys", `${key.accountId}/${key.region}/${key.keyId}`);
        if (!primary) throw notFound(`Key '${key.arn}' does not exist`);
        primaryOnly(primary, "ReplicateKey");
        assertState(primary, STATES.import);
        if (await tx.get<KeyRecord>("kms-keys", `${key.accountId}/${region}/${key.keyId}`)) {
          throw alreadyExists(`Unable to replicate key ${key.keyId} to region ${region}, as the key already exists there.`);
        }
        // A rotation committed since the material was read: read it again, then retry.
        if (primary.origin !== "EXTERNAL" && !sameMaterialIds(primary, copies)) {
          source = primary;
          return undefined;
        }
        await checkKeyQuota(env, tx, key.accountId, region);
        const rec = replicaOf(primary, region, replicaArn, policy, ids, input, ctx.now);
        for (const c of copies) if (c.material) await env.repo.putMaterial(tx, rec, c.id, c.material);
        await env.repo.putKey(rec, tx);
        await env.repo.indexKey(tx, rec);
        const replicaRegions = [...(primary.replicaRegions ?? []).filter((r) => r !== region), region];
        await env.repo.putKey({ ...primary, replicaRegions }, tx);
        // "A ReplicateKey request results in a ReplicateKey operation and a CreateKey operation"
        // (KMS developer guide): KMS creates the replica in its Region on the caller's behalf,
        // then synchronizes the primary's shared properties to it.
        const metadata = keyMetadata(rec, { primaryRegion: primary.region, replicaRegions });
        if (rec.origin !== "EXTERNAL") metadata.KeyState = "Creating";
        metadata.Enabled = false;
        await stageCallerEvent(env, tx, ctx, {
          operation: "CreateKey",
          key: rec,
          invokedByKms: true,
          requestParameters: redactForCloudTrail(
            {
              Policy: policy,
              Description: rec.description,
              KeyUsage: rec.keyUsage,
              KeySpec: rec.keySpec,
              Origin: rec.origin,
              MultiRegion: true,
              BypassPolicyLockoutSafetyCheck: input.BypassPolicyLockoutSafetyCheck === true,
              ...(input.Tags && input.Tags.length > 0 ? { Tags: input.Tags } : {}),
            },
            CreateKeyRequest$,
          ),
          responseElements: createKeyResponseElements({ KeyMetadata: metadata }),
        });
        await stageSynchronization(env, tx, primary);
        return rec;
      });
    } finally {
      env.repo.invalidateKey(key.accountId, region, key.keyId);
      env.repo.invalidateKey(key.accountId, key.region, key.keyId);
    }
    if (created) break;
    if (attempt >= 2) throw invalidState(`${key.arn} is updating.`);
  }
  await appendServiceEvents(env);
  const stored = (await env.repo.getKey(key.accountId, region, key.keyId)) ?? created;
  const md = await describe(env, stored);
  // Like AWS, the response shows the replica while it is being created.
  if (stored.origin !== "EXTERNAL") md.KeyState = "Creating";
  md.Enabled = false;
  // ReplicaTags only when the request gave some (KMS leaves the member out otherwise).
  return { ReplicaKeyMetadata: md, ReplicaPolicy: policy, ...(input.Tags && input.Tags.length > 0 ? { ReplicaTags: input.Tags } : {}) };
}

export async function updatePrimaryRegion(env: KmsEnv, ctx: RequestContext, input: { KeyId: string; PrimaryRegion: string }): Promise<void> {
  const v = new Violations();
  validateKeyId(v, input.KeyId);
  v.str(input.PrimaryRegion, "primaryRegion", 1, 32, PATTERNS.region);
  v.throwIfAny();
  const { key } = await resolveKey(env, ctx, input.KeyId, ID.own);
  const target = input.PrimaryRegion;
  await authorizeKey(env, ctx, key, "UpdatePrimaryRegion", { context: { "kms:PrimaryRegion": target } });
  primaryOnly(key, "UpdatePrimaryRegion");
  assertState(key, STATES.replicate);
  if (target === key.region) {
    auditKeyArnResponse(ctx, key);
    return;
  }
  const replica = await env.repo.getKey(key.accountId, target, key.keyId);
  if (!replica || !(key.replicaRegions ?? []).includes(target)) throw notFound(`Key '${keyArnOf(key.accountId, target, key.keyId)}' does not exist`);
  try {
    await authorizeKey(env, ctx, replica, "UpdatePrimaryRegion", { context: { "kms:PrimaryRegion": target } });
  } finally {
    // The request's entry names only the key in its own Region; the replica is the resource of
    // the entry in the new primary's Region (KMS developer guide, "UpdatePrimaryRegion").
    ctx.audit.resources = ctx.audit.resources?.filter((r) => r.ARN !== replica.arn);
  }
  assertState(replica, STATES.replicate);
  // Checked again on the stored records inside the transaction: a parallel UpdatePrimaryRegion,
  // ReplicateKey or deletion may have moved the primary or changed its replicas since.
  let regions = [key.region, ...(key.replicaRegions ?? [])];
  try {
    await env.repo.store.transaction(async (tx) => {
      const primary = await tx.get<KeyRecord>("kms-keys", `${key.accountId}/${key.region}/${key.keyId}`);
      if (!primary) throw notFound(`Key '${key.arn}' does not exist`);
      primaryOnly(primary, "UpdatePrimaryRegion");
      assertState(primary, STATES.replicate);
      const targetRec = await tx.get<KeyRecord>("kms-keys", `${key.accountId}/${target}/${key.keyId}`);
      if (!targetRec || !(primary.replicaRegions ?? []).includes(target)) throw notFound(`Key '${keyArnOf(key.accountId, target, key.keyId)}' does not exist`);
      assertState(targetRec, STATES.replicate);
      regions = [primary.region, ...(primary.replicaRegions ?? [])];
      const newReplicas = regions.filter((r) => r !== target);
      for (const r of regions) {
        const rec = r === primary.region ? primary : await tx.get<KeyRecord>("kms-keys", `${key.accountId}/${r}/${key.keyId}`);
        if (!rec) continue;
        const next: KeyRecord = { ...rec, primaryRegion: target };
        if (r === target) {
          next.replicaRegions = newReplicas;
          next.rotation = { ...primary.rotation };
        } else {
          delete next.replicaRegions;
          if (r === primary.region) next.rotation = { enabled: false, onDemandCount: 0 };
        }
        await env.repo.putKey(next, tx);
      }
      // The rotation job moves with the primary, in the same transaction.
      await env.scheduler?.cancelIn(tx, rotateJobId(primary.arn));
      if (primary.rotation.enabled && primary.rotation.nextRotationAt !== undefined) {
        await env.scheduler?.scheduleIn(tx, ROTATE_KEY_JOB, primary.rotation.nextRotationAt, { accountId: key.accountId, region: target, keyId: key.keyId }, rotateJobId(replica.arn));
      }
      // "UpdatePrimaryRegion writes two CloudTrail log entries" (KMS developer guide): the
      // request's own, in the Region of the old primary, and this one in the new primary's.
      await stageCallerEvent(env, tx, ctx, {
        operation: "UpdatePrimaryRegion",
        key: targetRec,
        requestParameters: { keyId: input.KeyId, primaryRegion: target },
        responseElements: { keyId: targetRec.arn },
      });
    });
  } finally {
    for (const r of regions) env.repo.invalidateKey(key.accountId, r, key.keyId);
  }
  await appendServiceEvents(env);
  auditKeyArnResponse(ctx, key);
}
