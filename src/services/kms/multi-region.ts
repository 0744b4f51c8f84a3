/**
 * Multi-Region keys: ReplicateKey (same key id and key material in another Region of the
 * same account) and UpdatePrimaryRegion. Shared properties (spec, usage, origin, material,
 * rotation) follow the primary; policy, tags, description, aliases, grants and state are
 * per Region. A ciphertext of any of them decrypts with any other (the blob names the key id
 * and material id, never the Region).
 */
import type { ReplicateKeyResponse } from "@aws-sdk/client-kms";
import type { RequestContext } from "../../core/types.js";
import { authorizeIamOnly, authorizeKey } from "./authorize.js";
import { describe } from "./keys.js";
import type { KmsEnv } from "./env.js";
import { alreadyExists, notFound, unsupported, validation } from "./errors.js";
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
  if (key.primaryRegion !== key.region) throw unsupported(`${key.arn} is a multi-Region replica key; ${op} requires the primary key in ${key.primaryRegion}.`);
}

export interface ReplicateKeyInput {
  KeyId: string;
  ReplicaRegion: string;
  Policy?: string;
  BypassPolicyLockoutSafetyCheck?: boolean;
  Description?: string;
  Tags?: Tag[];
}

export async function replicateKey(env: KmsEnv, ctx: RequestContext, input: ReplicateKeyInput): Promise<ReplicateKeyResponse> {
  const v = new Violations();
  validateKeyId(v, input.KeyId);
  v.str(input.ReplicaRegion, "replicaRegion", 1, 32, PATTERNS.region);
  validatePolicyText(v, input.Policy);
  v.str(input.Description, "description", 0, 8192, PATTERNS.description);
  validateTags(v, input.Tags);
  v.throwIfAny();
  const { key } = await resolveKey(env, ctx, input.KeyId, ID.own);
  const region = input.ReplicaRegion;
  await authorizeKey(env, ctx, key, "ReplicateKey", { context: { "kms:ReplicaRegion": region } });
  await authorizeIamOnly(ctx, "CreateKey", { "kms:MultiRegion": true, "kms:MultiRegionKeyType": "REPLICA", ...requestTagContext(input.Tags) });
  if (input.Tags && input.Tags.length > 0) {
    checkTagRules(input.Tags);
    await authorizeIamOnly(ctx, "TagResource", requestTagContext(input.Tags));
  }
  primaryOnly(key, "ReplicateKey");
  assertState(key, STATES.import);
  if (region === key.region) throw validation(`The replica Region ${region} must be different from the Region of the primary key.`);
  if (await env.repo.getKey(key.accountId, region, key.keyId)) {
    throw alreadyExists(`Unable to replicate key ${key.keyId} to region ${region}, as the key already exists there.`);
  }
  const replicaArn = keyArnOf(key.accountId, region, key.keyId);
  const policy = input.Policy ?? defaultKeyPolicy(key.accountId);
  const external = key.origin === "EXTERNAL";
  const materials: MaterialInfo[] = key.materials.map((m) => {
    if (!external) return { ...m };
    const { expirationModel: _e, validTo: _v, ...rest } = m;
    return { ...rest, importState: "PENDING_IMPORT" };
  });
  const replica: KeyRecord = {
    ...key,
    region,
    arn: replicaArn,
    createdAt: ctx.now,
    description: input.Description ?? "",
    policy,
    tags: input.Tags ?? [],
    state: external ? "PendingImport" : "Enabled",
    primaryRegion: key.region,
    rotation: { enabled: false, onDemandCount: 0 },
    materials,
    version: 0,
  };
  delete replica.replicaRegions;
  delete replica.deletionDate;
  delete replica.pendingWindowInDays;
  if (input.Policy !== undefined) {
    await checkKeyPolicy(env, input.Policy);
    if (input.BypassPolicyLockoutSafetyCheck !== true) await lockoutCheck(env, ctx, replica, input.Policy);
  }
  // The same material, sealed again under the replica's ARN.
  const copies = external ? [] : await Promise.all(key.materials.map(async (m) => ({ id: m.id, material: await env.repo.material(key, m.id) })));
  try {
    await env.repo.store.transaction(async (tx) => {
      for (const c of copies) if (c.material) await env.repo.putMaterial(tx, replica, c.id, c.material);
      await env.repo.putKey(replica, tx);
      await env.repo.indexKey(tx, replica);
      const primary = await tx.get<KeyRecord>("kms-keys", `${key.accountId}/${key.region}/${key.keyId}`);
      if (primary) await env.repo.putKey({ ...primary, replicaRegions: [...(primary.replicaRegions ?? []).filter((r) => r !== region), region] }, tx);
    });
  } finally {
    env.repo.invalidateKey(key.accountId, region, key.keyId);
    env.repo.invalidateKey(key.accountId, key.region, key.keyId);
  }
  const stored = (await env.repo.getKey(key.accountId, region, key.keyId)) ?? replica;
  const md = await describe(env, stored);
  // Like AWS, the response shows the replica while it is being created.
  if (!external) md.KeyState = "Creating";
  md.Enabled = false;
  return { ReplicaKeyMetadata: md, ReplicaPolicy: policy, ReplicaTags: input.Tags ?? [] };
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
  if (target === key.region) return;
  const replica = await env.repo.getKey(key.accountId, target, key.keyId);
  if (!replica || !(key.replicaRegions ?? []).includes(target)) throw notFound(`Key '${keyArnOf(key.accountId, target, key.keyId)}' does not exist`);
  await authorizeKey(env, ctx, replica, "UpdatePrimaryRegion", { context: { "kms:PrimaryRegion": target } });
  assertState(replica, STATES.replicate);
  const regions = [key.region, ...(key.replicaRegions ?? [])];
  const newReplicas = regions.filter((r) => r !== target);
  try {
    await env.repo.store.transaction(async (tx) => {
      for (const r of regions) {
        const rec = await tx.get<KeyRecord>("kms-keys", `${key.accountId}/${r}/${key.keyId}`);
        if (!rec) continue;
        const next: KeyRecord = { ...rec, primaryRegion: target };
        if (r === target) {
          next.replicaRegions = newReplicas;
          next.rotation = { ...key.rotation };
        } else {
          delete next.replicaRegions;
          if (r === key.region) next.rotation = { enabled: false, onDemandCount: 0 };
        }
        await env.repo.putKey(next, tx);
      }
      // The rotation job moves with the primary, in the same transaction.
      await env.scheduler?.cancelIn(tx, rotateJobId(key.arn));
      if (key.rotation.enabled && key.rotation.nextRotationAt !== undefined) {
        await env.scheduler?.scheduleIn(tx, ROTATE_KEY_JOB, key.rotation.nextRotationAt, { accountId: key.accountId, region: target, keyId: key.keyId }, rotateJobId(replica.arn));
      }
    });
  } finally {
    for (const r of regions) env.repo.invalidateKey(key.accountId, r, key.keyId);
  }
}
