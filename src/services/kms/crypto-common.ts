/**
 * The common path of every cryptographic operation: resolve the key, take a request from the
 * account's quota, authorise (key policy + IAM, grants as the alternative), check state and
 * key usage, honour DryRun — then fetch the unsealed material from the LRU.
 */
import type { ConditionContext, RequestContext } from "../../core/types.js";
import { authorizeKey, checkGrantTokens, type KeyAuthOptions } from "./authorize.js";
import type { KeyMaterial, KeyUsage } from "./crypto/index.js";
import type { KmsEnv } from "./env.js";
import { invalidCiphertext, invalidKeyUsage, kmsInternal, validation } from "./errors.js";
import { assertState, STATES, type StateRule } from "./key-state.js";
import { resolveKey, resolveKeyNow, type IdRules } from "./lookup.js";
import type { KeyRecord } from "./model.js";
import { quotaClassOf } from "./throttle.js";
import { Violations } from "./validation.js";

export interface UseKeyOptions {
  /** IAM action name without "kms:" (e.g. "Encrypt", "ReEncryptFrom"). */
  action: string;
  /** Grant operation (defaults to the action). */
  grantOp?: string;
  /** Required key usage; absent: any usage (GetPublicKey). */
  usage?: KeyUsage;
  encryptionContext?: Readonly<Record<string, string>> | undefined;
  context?: ConditionContext;
  grantTokens?: readonly string[] | undefined;
  states?: StateRule;
  viaService?: string | undefined;
  /** Skips the quota (a second key of the same request, e.g. ReEncrypt's destination). */
  noThrottle?: boolean;
}

export function keyUsageError(key: KeyRecord, op: string): Error {
  return invalidKeyUsage(`${key.arn} key usage is ${key.keyUsage} which is not valid for ${op}.`);
}

/** Checks everything about using `key` for the operation (quota, authorisation, state, usage). */
export async function useResolvedKey(env: KmsEnv, ctx: RequestContext, key: KeyRecord, opts: UseKeyOptions & { requestAlias?: string | undefined }): Promise<void> {
  if (!opts.noThrottle) env.throttle.take(ctx.scope.accountId, ctx.scope.region, quotaClassOf(key.keySpec));
  checkGrantTokens(env, opts.grantTokens);
  const auth: KeyAuthOptions = {
    grantOp: opts.grantOp ?? opts.action,
    encryptionContext: opts.encryptionContext,
    context: opts.context,
    requestAlias: opts.requestAlias,
    viaService: opts.viaService,
  };
  await authorizeKey(env, ctx, key, opts.action, auth);
  assertState(key, opts.states ?? STATES.crypto);
  if (opts.usage !== undefined && key.keyUsage !== opts.usage) throw keyUsageError(key, opts.action.replace(/^ReEncrypt(From|To)$/, "ReEncrypt"));
}

export async function useKey(env: KmsEnv, ctx: RequestContext, id: string, rules: IdRules, opts: UseKeyOptions): Promise<{ key: KeyRecord; aliasName?: string }> {
  const resolved = resolveKeyNow(env, ctx, id, rules) ?? (await resolveKey(env, ctx, id, rules));
  if (resolved.aliasName !== undefined) await useResolvedKey(env, ctx, resolved.key, { ...opts, requestAlias: resolved.aliasName });
  else await useResolvedKey(env, ctx, resolved.key, opts);
  return resolved;
}

/**
 * The material of one version; a version that no longer exists cannot decrypt anything. A blob that
 * names a version this key never had (a modified blob) gets the same answer as any other invalid
 * ciphertext: which versions exist is not revealed.
 */
export async function materialOf(env: KmsEnv, key: KeyRecord, materialId: string | undefined): Promise<KeyMaterial> {
  if (materialId === undefined) throw kmsInternal("The KMS key has no key material.");
  const m = env.repo.cachedMaterial(key, materialId) ?? (await env.repo.material(key, materialId));
  if (!m) throw invalidCiphertext("");
  return m;
}

/** currentMaterialOf's answer without a promise when the material is cached; undefined otherwise. */
export function currentMaterialNow(env: KmsEnv, key: KeyRecord): { id: string; material: KeyMaterial } | undefined {
  const id = key.currentMaterialId;
  const m = id === undefined ? undefined : env.repo.cachedMaterial(key, id);
  return m === undefined || id === undefined ? undefined : { id, material: m };
}

export async function currentMaterialOf(env: KmsEnv, key: KeyRecord): Promise<{ id: string; material: KeyMaterial }> {
  const id = key.currentMaterialId;
  const m = id === undefined ? undefined : await env.repo.material(key, id);
  if (!m || id === undefined) throw kmsInternal("The KMS key has no key material.");
  return { id, material: m };
}

/** CloudTrail's requestParameters of a cryptographic call (absent values omitted; never secrets). */
export function auditParams(ctx: RequestContext, params: Record<string, unknown>): void {
  const out: Record<string, unknown> = {};
  for (const k in params) {
    const v = params[k];
    if (v !== undefined) out[k] = v;
  }
  ctx.audit.requestParameters = out;
}

/**
 * additionalEventData of a cryptographic call: the key material it used (KMS developer guide,
 * Encrypt, Decrypt, GenerateDataKey: `"additionalEventData": { "keyMaterialId": … }`; ReEncrypt:
 * sourceKeyMaterialId and destinationKeyMaterialId). Only symmetric keys name a material version.
 */
export function auditMaterial(ctx: RequestContext, data: Record<string, string | undefined>): void {
  let out: Record<string, string> | undefined;
  for (const k in data) {
    const v = data[k];
    if (v !== undefined) (out ??= {})[k] = v;
  }
  if (out !== undefined) ctx.audit.additionalEventData = out;
}

export function noteUse(env: KmsEnv, ctx: RequestContext, key: KeyRecord, operation: string): void {
  env.usage.note(key, operation, ctx.requestId);
}

/** RecipientInfo (Nitro Enclaves / NitroTPM attestation): validated, then refused — no attestation root is configured here. */
export function checkRecipient(recipient: { KeyEncryptionAlgorithm?: string; AttestationDocument?: Uint8Array } | undefined): void {
  if (recipient === undefined) return;
  const v = new Violations();
  v.oneOf(recipient.KeyEncryptionAlgorithm, "recipient.keyEncryptionAlgorithm", ["RSAES_OAEP_SHA_256"]);
  v.blob(recipient.AttestationDocument, "recipient.attestationDocument", 1, 262144);
  v.throwIfAny();
  throw validation("The attestation document in the Recipient parameter is not valid: it is not signed by a trusted attestation authority.");
}

export const ENCRYPTION_ALGORITHMS = ["SYMMETRIC_DEFAULT", "RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256", "SM2PKE"] as const;
