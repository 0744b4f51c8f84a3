/**
 * The key aggregate: CreateKey, DescribeKey, ListKeys, UpdateKeyDescription, EnableKey,
 * DisableKey. Deletion is in deletion.ts, rotation in rotation.ts, multi-Region in
 * multi-region.ts, import in import-material.ts.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { CreateKeyRequest$, CreateKeyResponse$, type CreateKeyResponse, type DescribeKeyResponse, type ListKeysResponse } from "@aws-sdk/client-kms";
import { redactForCloudTrail } from "../../audit/redact.js";
import type { RequestContext, Scope } from "../../core/types.js";
import type { DocStore } from "../../storage/types.js";
import { auditKeyArnResponse, authorizeIamOnly, authorizeKey, authorizeTagOnCreate, authorizeWithoutKmsKeys, checkGrantTokens } from "./authorize.js";
import {
  assertKeyUsageAllowed,
  assertSpecSupported,
  generateKeyMaterialAsync,
  isKeySpec,
  KEY_SPECS,
  keySpecInfo,
  newKeyMaterialId,
  type KeySpec,
  type KeyUsage,
} from "./crypto/index.js";
import type { KmsEnv } from "./env.js";
import { customKeyStoreNotFound, cryptoCall, limitExceeded, tagException, validation } from "./errors.js";
import { assertState, STATES } from "./key-state.js";
import { trailingDaysWithoutKeyUsage } from "./last-usage.js";
import { ID, resolveKey } from "./lookup.js";
import { CMK_SPECS, keyMetadata, type MultiRegionView } from "./metadata.js";
import { keyArnOf, type KeyRecord, type Origin, type Tag } from "./model.js";
import { decodeMarker, encodeMarker } from "./pagination.js";
import { checkKeyPolicy, lockoutCheck, validatePolicyText } from "./policies.js";
import { defaultKeyPolicy } from "./policy-text.js";
import { checkTagRules, MAX_TAGS, requestTagContext, validateTags } from "./tags.js";
import { PATTERNS, validateGrantTokens, validateKeyId, validateLimit, validateMarker, Violations } from "./validation.js";

export const KEY_USAGES: readonly KeyUsage[] = ["SIGN_VERIFY", "ENCRYPT_DECRYPT", "GENERATE_VERIFY_MAC", "KEY_AGREEMENT", "ENCAPSULATE_DECAPSULATE"];
export const ORIGINS: readonly Origin[] = ["AWS_KMS", "EXTERNAL", "AWS_CLOUDHSM", "EXTERNAL_KEY_STORE"];

export interface CreateKeyInput {
  Policy?: string;
  Description?: string;
  KeyUsage?: string;
  CustomerMasterKeySpec?: string;
  KeySpec?: string;
  Origin?: string;
  CustomKeyStoreId?: string;
  BypassPolicyLockoutSafetyCheck?: boolean;
  Tags?: Tag[];
  MultiRegion?: boolean;
  XksKeyId?: string;
}

export function newKeyId(multiRegion: boolean): string {
  return multiRegion ? `mrk-${randomBytes(16).toString("hex")}` : randomUUID();
}

/** The multi-Region layout of a key, read from its primary. */
export async function multiRegionView(env: KmsEnv, key: KeyRecord): Promise<MultiRegionView | undefined> {
  if (!key.multiRegion || key.primaryRegion === undefined) return undefined;
  const primary = key.region === key.primaryRegion ? key : await env.repo.getKey(key.accountId, key.primaryRegion, key.keyId);
  return { primaryRegion: key.primaryRegion, replicaRegions: primary?.replicaRegions ?? [] };
}

export async function describe(env: KmsEnv, key: KeyRecord) {
  return keyMetadata(key, await multiRegionView(env, key));
}

/** A fresh key record (no material yet). */
export function newKeyRecord(scope: Scope, now: number, opts: { keyId: string; spec: KeySpec; usage: KeyUsage; origin: Origin; description: string; policy: string; tags: Tag[]; multiRegion: boolean; manager?: "CUSTOMER" | "AWS" }): KeyRecord {
  return {
    keyId: opts.keyId,
    accountId: scope.accountId,
    region: scope.region,
    arn: keyArnOf(scope.accountId, scope.region, opts.keyId),
    createdAt: now,
    description: opts.description,
    keyUsage: opts.usage,
    keySpec: opts.spec,
    origin: opts.origin,
    state: opts.origin === "EXTERNAL" ? "PendingImport" : "Enabled",
    policy: opts.policy,
    tags: opts.tags,
    manager: opts.manager ?? "CUSTOMER",
    multiRegion: opts.multiRegion,
    ...(opts.multiRegion ? { primaryRegion: scope.region, replicaRegions: [] } : {}),
    rotation: { enabled: false, onDemandCount: 0 },
    materials: [],
    version: 0,
  };
}

/**
 * The "AWS KMS keys" resource quota, checked on what the write's transaction reads (parallel
 * CreateKey / ReplicateKey calls count each other). AWS managed keys do not count.
 */
export async function checkKeyQuota(env: KmsEnv, tx: DocStore, accountId: string, region: string): Promise<void> {
  const usage = await env.repo.customerKeyCount(tx, accountId, region);
  if (usage >= env.maxKeysPerRegion) throw limitExceeded(`Key quota for this account in this region is ${env.maxKeysPerRegion} but the current usage is ${usage}.`);
}

/** Generates the first material of an AWS_KMS key and stores record + sealed material together. */
export async function storeNewKey(env: KmsEnv, rec: KeyRecord): Promise<KeyRecord> {
  let out = rec;
  if (rec.origin === "AWS_KMS") {
    const material = await generateKeyMaterialAsync(rec.keySpec);
    const id = newKeyMaterialId();
    out = { ...rec, currentMaterialId: id, materials: [{ id, createdAt: rec.createdAt, state: "CURRENT" }] };
    try {
      await env.repo.store.transaction(async (tx) => {
        await checkKeyQuota(env, tx, rec.accountId, rec.region);
        await env.repo.putMaterial(tx, out, id, material);
        await env.repo.indexKey(tx, out);
        out = await env.repo.putKey(out, tx);
      });
    } finally {
      env.repo.invalidateKey(rec.accountId, rec.region, rec.keyId);
    }
    return out;
  }
  try {
    await env.repo.store.transaction(async (tx) => {
      await checkKeyQuota(env, tx, rec.accountId, rec.region);
      await env.repo.indexKey(tx, out);
      out = await env.repo.putKey(out, tx);
    });
  } finally {
    env.repo.invalidateKey(rec.accountId, rec.region, rec.keyId);
  }
  return out;
}

function checkCreateKeyInput(input: CreateKeyInput): { spec: KeySpec; usage: KeyUsage; origin: Origin } {
  const v = new Violations();
  validatePolicyText(v, input.Policy);
  v.str(input.Description, "description", 0, 8192, PATTERNS.description);
  v.oneOf(input.KeyUsage, "keyUsage", KEY_USAGES);
  v.oneOf(input.CustomerMasterKeySpec, "customerMasterKeySpec", CMK_SPECS);
  v.oneOf(input.KeySpec, "keySpec", KEY_SPECS);
  v.oneOf(input.Origin, "origin", ORIGINS);
  v.str(input.CustomKeyStoreId, "customKeyStoreId", 1, 64);
  v.str(input.XksKeyId, "xksKeyId", 1, 128, { re: /^[a-zA-Z0-9-_.]+$/, text: "^[a-zA-Z0-9-_.]+$" });
  validateTags(v, input.Tags);
  v.throwIfAny();
  if (input.KeySpec !== undefined && input.CustomerMasterKeySpec !== undefined) {
    throw validation("You cannot specify KeySpec and CustomerMasterKeySpec in the same request. CustomerMasterKeySpec is deprecated.");
  }
  const specName = input.KeySpec ?? input.CustomerMasterKeySpec ?? "SYMMETRIC_DEFAULT";
  if (!isKeySpec(specName)) throw validation(`Unsupported KeySpec ${specName}`);
  const spec = specName;
  if (input.KeyUsage === undefined && spec !== "SYMMETRIC_DEFAULT") {
    throw validation("You must specify a KeyUsage value for all KMS keys except for symmetric encryption keys.");
  }
  const usage = (input.KeyUsage ?? "ENCRYPT_DECRYPT") as KeyUsage;
  const origin = (input.Origin ?? "AWS_KMS") as Origin;
  cryptoCall(() => assertSpecSupported(keySpecInfo(spec)));
  cryptoCall(() => assertKeyUsageAllowed(spec, usage));
  if (input.CustomKeyStoreId !== undefined) throw customKeyStoreNotFound(`Custom key store ${input.CustomKeyStoreId} was not found.`);
  if (origin === "AWS_CLOUDHSM" || origin === "EXTERNAL_KEY_STORE") {
    throw validation(`Origin ${origin} requires a CustomKeyStoreId.`);
  }
  if (input.XksKeyId !== undefined) throw validation("XksKeyId is valid only for keys in an external key store.");
  if (input.Tags && input.Tags.length > MAX_TAGS) throw tagException("Too many tags");
  return { spec, usage, origin };
}

/**
 * CreateKey's requestParameters as KMS records them: the request with the values KMS took for the
 * members it left out (description "", origin, bypassPolicyLockoutSafetyCheck false, the key spec
 * under both its names, the key usage), then the other members sent. The KMS developer guide's
 * CreateKey entry shows these six together, customerMasterKeySpec beside keySpec, which a request
 * may not name together: they are KMS's values, not only what the caller sent.
 */
export function createKeyRequestParameters(input: CreateKeyInput, spec: KeySpec, usage: KeyUsage, origin: Origin): Record<string, unknown> {
  const sent = redactForCloudTrail(input, CreateKeyRequest$, "input") ?? {};
  const out: Record<string, unknown> = {
    description: sent["description"] ?? "",
    origin,
    bypassPolicyLockoutSafetyCheck: input.BypassPolicyLockoutSafetyCheck === true,
    ...(CMK_SPECS.includes(spec) ? { customerMasterKeySpec: spec } : {}),
    keySpec: spec,
    keyUsage: usage,
  };
  for (const [k, v] of Object.entries(sent)) if (!(k in out)) out[k] = v;
  return out;
}

export async function createKey(env: KmsEnv, ctx: RequestContext, input: CreateKeyInput): Promise<CreateKeyResponse> {
  const { spec, usage, origin } = checkCreateKeyInput(input);
  ctx.audit.requestParameters = createKeyRequestParameters(input, spec, usage, origin);
  const multiRegion = input.MultiRegion === true;
  const bypass = input.BypassPolicyLockoutSafetyCheck === true;
  await authorizeIamOnly(ctx, "CreateKey", {
    "kms:KeySpec": spec,
    "kms:KeyUsage": usage,
    "kms:CustomerMasterKeySpec": spec,
    "kms:CustomerMasterKeyUsage": usage,
    "kms:KeyOrigin": origin,
    "kms:MultiRegion": multiRegion,
    // Only when the request has the parameter: a key policy's Null condition on it tells requests
    // without it (KMS developer guide, "kms:BypassPolicyLockoutSafetyCheck").
    ...(input.BypassPolicyLockoutSafetyCheck !== undefined ? { "kms:BypassPolicyLockoutSafetyCheck": bypass } : {}),
    ...(multiRegion ? { "kms:MultiRegionKeyType": "PRIMARY" } : {}),
    ...requestTagContext(input.Tags),
  });
  if (input.Tags && input.Tags.length > 0) {
    checkTagRules(input.Tags);
    await authorizeTagOnCreate(ctx, ctx.scope.region, requestTagContext(input.Tags));
  }
  const keyId = newKeyId(multiRegion);
  const now = ctx.now;
  const policy = input.Policy ?? defaultKeyPolicy(ctx.scope.accountId);
  const rec = newKeyRecord(ctx.scope, now, { keyId, spec, usage, origin, description: input.Description ?? "", policy, tags: input.Tags ?? [], multiRegion });
  if (input.Policy !== undefined) {
    const ids = await checkKeyPolicy(env, input.Policy);
    if (ids) rec.policyPrincipalIds = ids;
    if (!bypass) await lockoutCheck(env, ctx, rec, input.Policy);
  }
  // KMS creates its service-linked role for multi-Region keys with the first one.
  if (multiRegion) await env.ensureMultiRegionServiceLinkedRole?.(ctx);
  const stored = await storeNewKey(env, rec);
  ctx.audit.resources = [{ ARN: stored.arn, accountId: stored.accountId, type: "AWS::KMS::Key" }];
  const out: CreateKeyResponse = { KeyMetadata: await describe(env, stored) };
  ctx.audit.responseElements = createKeyResponseElements(out);
  return out;
}

/**
 * CreateKey's responseElements as the KMS developer guide shows them: the response in CloudTrail's
 * form, except that KeyMetadata.AWSAccountId keeps its name ("AWSAccountId", where the generic
 * lowerCamel rule would write "aWSAccountId").
 */
export function createKeyResponseElements(out: CreateKeyResponse): Record<string, unknown> | null {
  const re = redactForCloudTrail(out, CreateKeyResponse$, "output");
  const md = re?.["keyMetadata"];
  if (re === null || md === null || typeof md !== "object" || !("aWSAccountId" in md)) return re;
  const renamed: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(md as Record<string, unknown>)) renamed[k === "aWSAccountId" ? "AWSAccountId" : k] = v;
  return { ...re, keyMetadata: renamed };
}

export async function describeKey(env: KmsEnv, ctx: RequestContext, input: { KeyId: string; GrantTokens?: string[] }, viaService?: string): Promise<DescribeKeyResponse> {
  const v = new Violations();
  validateKeyId(v, input.KeyId);
  validateGrantTokens(v, input.GrantTokens);
  v.throwIfAny();
  const { key, aliasName } = await resolveKey(env, ctx, input.KeyId, ID.useCreating);
  checkGrantTokens(env, input.GrantTokens);
  await authorizeKey(env, ctx, key, "DescribeKey", { grantOp: "DescribeKey", ...(aliasName ? { requestAlias: aliasName } : {}), ...(viaService !== undefined ? { viaService } : {}) });
  return { KeyMetadata: await describe(env, key) };
}

/**
 * ListKeys' ResourceOwners values, in the order the API reference describes them ("Specify one or
 * two values"); the enum order in KMS's validation message is not published, so this is inferred.
 */
const RESOURCE_OWNERS = ["SELF", "OTHER_ACCOUNTS_VIA_RAM"] as const;

export async function listKeys(
  env: KmsEnv,
  ctx: RequestContext,
  input: { Limit?: number; Marker?: string; ResourceOwners?: string[] },
): Promise<ListKeysResponse> {
  const v = new Violations();
  validateLimit(v, input.Limit);
  validateMarker(v, input.Marker);
  const owners = input.ResourceOwners;
  v.list(owners, "resourceOwners", 1, 2);
  owners?.forEach((o, i) => v.oneOf(o, `resourceOwners.${i + 1}.member`, RESOURCE_OWNERS));
  v.throwIfAny();
  await authorizeWithoutKmsKeys(ctx, "ListKeys");
  // Without ResourceOwners, the caller's own keys only. OTHER_ACCOUNTS_VIA_RAM adds the keys other
  // accounts share with the caller through AWS RAM, after its own when both are asked for (in
  // either order). No resource share reaches a key here (AWS RAM is not served), so that part of
  // the list is empty. A NextMarker is good only with the same ResourceOwners set: each set pages
  // its own list, and a marker of another is InvalidMarkerException.
  const self = owners === undefined || owners.includes("SELF");
  const shared = owners !== undefined && owners.includes("OTHER_ACCOUNTS_VIA_RAM");
  const limit = input.Limit ?? 100;
  const list = `keys/${ctx.scope.accountId}/${ctx.scope.region}${shared ? (self ? "/self+ram" : "/ram") : ""}`;
  const after = decodeMarker(env.markerKey, list, input.Marker);
  const rows = self ? await env.repo.listKeys(ctx.scope, after, limit + 1) : [];
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  const truncated = rows.length > limit && last !== undefined;
  return {
    Keys: page.map((k) => ({ KeyId: k.keyId, KeyArn: k.arn })),
    Truncated: truncated,
    ...(truncated ? { NextMarker: encodeMarker(env.markerKey, list, last.keyId) } : {}),
  };
}

export async function updateKeyDescription(env: KmsEnv, ctx: RequestContext, input: { KeyId: string; Description: string }): Promise<void> {
  const v = new Violations();
  validateKeyId(v, input.KeyId);
  v.str(input.Description, "description", 0, 8192, PATTERNS.description);
  v.throwIfAny();
  const { key } = await resolveKey(env, ctx, input.KeyId, ID.own);
  await authorizeKey(env, ctx, key, "UpdateKeyDescription");
  assertState(key, STATES.manage);
  await env.repo.updateKey(key.accountId, key.region, key.keyId, (rec) => ({ ...rec, description: input.Description }));
}

export async function enableKey(env: KmsEnv, ctx: RequestContext, input: { KeyId: string }): Promise<void> {
  const v = new Violations();
  validateKeyId(v, input.KeyId);
  v.throwIfAny();
  const { key } = await resolveKey(env, ctx, input.KeyId, ID.own);
  await authorizeKey(env, ctx, key, "EnableKey");
  assertState(key, STATES.enableDisable);
  await env.repo.updateKey(key.accountId, key.region, key.keyId, (rec) => {
    assertState(rec, STATES.enableDisable);
    return rec.state === "Enabled" ? undefined : { ...rec, state: "Enabled" };
  });
  auditKeyArnResponse(ctx, key);
}

export async function disableKey(env: KmsEnv, ctx: RequestContext, input: { KeyId: string }): Promise<void> {
  const v = new Violations();
  validateKeyId(v, input.KeyId);
  v.throwIfAny();
  const { key } = await resolveKey(env, ctx, input.KeyId, ID.own);
  await authorizeKey(env, ctx, key, "DisableKey", { context: { "kms:TrailingDaysWithoutKeyUsage": await trailingDaysWithoutKeyUsage(env, key, ctx.now) } });
  assertState(key, STATES.enableDisable);
  await env.repo.updateKey(key.accountId, key.region, key.keyId, (rec) => {
    assertState(rec, STATES.enableDisable);
    return rec.state === "Disabled" ? undefined : { ...rec, state: "Disabled" };
  });
  env.repo.dropMaterial(key.arn);
  auditKeyArnResponse(ctx, key);
}
