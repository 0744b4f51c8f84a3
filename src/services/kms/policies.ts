/**
 * Key policies: GetKeyPolicy, PutKeyPolicy, ListKeyPolicies, policy validation and the
 * policy lockout safety check.
 *
 * Lockout check: unless BypassPolicyLockoutSafetyCheck is true, the principal making the
 * request must be allowed kms:PutKeyPolicy on the key by the new policy (evaluated with the
 * caller's IAM policies exactly as a later PutKeyPolicy would be), otherwise
 * MalformedPolicyDocumentException.
 */
import { PutKeyPolicyRequest$, type GetKeyPolicyResponse, type ListKeyPoliciesResponse } from "@aws-sdk/client-kms";
import { redactForCloudTrail } from "../../audit/redact.js";
import type { ConditionContext, RequestContext } from "../../core/types.js";
import { parsePolicy, PolicyParseError } from "../../iam/policy/index.js";
import { replaceAwsPrincipals } from "../../iam/policy/principal-rewrite.js";
import { authorizeKey, keyContext } from "./authorize.js";
import type { KmsEnv } from "./env.js";
import { limitExceeded, malformedPolicy, notFound, validation } from "./errors.js";
import { assertState, STATES } from "./key-state.js";
import { ID, resolveKey } from "./lookup.js";
import type { KeyRecord } from "./model.js";
import { PATTERNS, validateKeyId, validateLimit, validateMarker, Violations } from "./validation.js";

export const MAX_KEY_POLICY_BYTES = 32 * 1024;
export const LOCKOUT_MESSAGE = "The new key policy will not allow you to update the key policy in the future.";

export function validatePolicyText(v: Violations, policy: string | undefined, member = "policy"): void {
  v.str(policy, member, 1, 131072, PATTERNS.policy);
}

/**
 * Grammar, size and principals of a key policy (MalformedPolicyDocumentException /
 * LimitExceededException). Returns the unique ids of the IAM users and roles it names by ARN:
 * the policy names those principals, not whoever has their ARN later (see policyForCaller).
 */
export async function checkKeyPolicy(env: KmsEnv, text: string): Promise<Record<string, string> | undefined> {
  if (Buffer.byteLength(text, "utf8") > MAX_KEY_POLICY_BYTES) {
    throw limitExceeded(`Key policy document size exceeds the limit of ${MAX_KEY_POLICY_BYTES} bytes.`);
  }
  let principals: readonly string[];
  try {
    principals = parsePolicy(text, "key").awsPrincipals;
  } catch (e) {
    if (e instanceof PolicyParseError) {
      throw malformedPolicy(/principal/i.test(e.message) ? "Policy contains a statement with one or more invalid principals." : e.message);
    }
    throw e;
  }
  checkSetOperators(text);
  const ids: Record<string, string> = {};
  if (env.principalExists) {
    for (const p of principals) {
      if (p === "*" || /^\d{12}$/.test(p)) continue;
      const found = await env.principalExists(p);
      if (found === false) throw malformedPolicy("Policy contains a statement with one or more invalid principals.");
      if (typeof found === "string") ids[p] = found;
    }
  }
  return Object.keys(ids).length > 0 ? ids : undefined;
}

/** A key record's policy fields after the policy is set to `policy` (bound to `ids`). */
export function withPolicy(rec: KeyRecord, policy: string, ids: Record<string, string> | undefined): KeyRecord {
  const out: KeyRecord = { ...rec, policy };
  if (ids) out.policyPrincipalIds = ids;
  else delete out.policyPrincipalIds;
  return out;
}

/**
 * The key policy as shown now: the ARN of a user or role it was bound to that no longer exists
 * (or was created again, with a new id) is replaced by the old unique id, as KMS shows it.
 */
async function shownKeyPolicy(env: KmsEnv, key: KeyRecord): Promise<string> {
  const ids = key.policyPrincipalIds;
  if (!ids || !env.principalExists) return key.policy;
  const stale = new Map<string, string>();
  for (const [arn, id] of Object.entries(ids)) {
    const now = await env.principalExists(arn);
    if (now !== id) stale.set(arn, id);
  }
  return replaceAwsPrincipals(key.policy, stale);
}

/**
 * Throws unless `policy` would still let the caller change the key policy of `key` with a later
 * PutKeyPolicy that does not bypass the check: one without the parameter, or with it false.
 */
export async function lockoutCheck(env: KmsEnv, ctx: RequestContext, key: KeyRecord, policy: string): Promise<void> {
  // Only the new default policy is judged, as a PutKeyPolicy of it (kms:PolicyName "default").
  const context = await keyContext(env, key, ctx.principal, { context: policyNameContext(undefined) });
  const later = (c: typeof context) =>
    ctx.evaluate({ action: "kms:PutKeyPolicy", resource: key.arn, resourceAccount: key.accountId, resourcePolicy: policy, resourcePolicyIsAuthoritative: true, resourcePolicyKind: "key", context: c });
  if ((await later(context)) === "Allow") return;
  if ((await later({ ...context, "kms:BypassPolicyLockoutSafetyCheck": false })) === "Allow") return;
  throw malformedPolicy(LOCKOUT_MESSAGE);
}

/**
 * KMS refuses a key policy that uses ForAllValues with kms:EncryptionContext:<key> or
 * aws:RequestTag/<key>, single-valued keys with which it matches requests without them (KMS
 * developer guide, "Using set operators with condition keys": OverlyPermissiveCondition).
 */
function checkSetOperators(text: string): void {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return; // parsePolicy has judged the grammar
  }
  const statements = (doc as { Statement?: unknown })?.Statement;
  for (const st of Array.isArray(statements) ? statements : [statements]) {
    const cond = (st as { Condition?: unknown } | null)?.Condition;
    if (cond === null || typeof cond !== "object") continue;
    for (const [operator, keys] of Object.entries(cond as Record<string, unknown>)) {
      if (!operator.toLowerCase().startsWith("forallvalues:") || keys === null || typeof keys !== "object") continue;
      for (const k of Object.keys(keys as Record<string, unknown>)) {
        const key = k.toLowerCase();
        if (key.startsWith("kms:encryptioncontext:")) {
          throw malformedPolicy(
            "OverlyPermissiveCondition:EncryptionContext: Using the ForAllValues set operator with a single-valued condition key matches requests without the specified encryption context or with an unspecified encryption context. To fix, remove ForAllValues.",
          );
        }
        if (key.startsWith("aws:requesttag/")) {
          throw malformedPolicy(
            "OverlyPermissiveCondition:RequestTag: Using the ForAllValues set operator with a single-valued condition key matches requests without the specified tag or with an unspecified tag. To fix, remove ForAllValues.",
          );
        }
      }
    }
  }
}

/**
 * kms:PolicyName of GetKeyPolicy and PutKeyPolicy: the request's PolicyName, "default" when it has
 * none (KMS developer guide, "kms:PolicyName").
 */
function policyNameContext(name: string | undefined): ConditionContext {
  return { "kms:PolicyName": name ?? "default" };
}

function checkPolicyName(name: string | undefined): void {
  const v = new Violations();
  v.str(name, "policyName", 1, 128, PATTERNS.policyName);
  v.throwIfAny();
  if (name !== undefined && name !== "default") throw notFound("No such policy exists");
}

export async function getKeyPolicy(env: KmsEnv, ctx: RequestContext, input: { KeyId: string; PolicyName?: string }): Promise<GetKeyPolicyResponse> {
  const v = new Violations();
  validateKeyId(v, input.KeyId);
  v.str(input.PolicyName, "policyName", 1, 128, PATTERNS.policyName);
  v.throwIfAny();
  const { key } = await resolveKey(env, ctx, input.KeyId, ID.own);
  await authorizeKey(env, ctx, key, "GetKeyPolicy", { context: policyNameContext(input.PolicyName) });
  // AWS_RAM names the key policy AWS RAM keeps for a key shared through it: no key is shared here
  // (AWS RAM is not served), so no key has one and it is not found, like any other name.
  checkPolicyName(input.PolicyName);
  return { Policy: await shownKeyPolicy(env, key), PolicyName: "default" };
}

export async function putKeyPolicy(
  env: KmsEnv,
  ctx: RequestContext,
  input: { KeyId: string; Policy: string; PolicyName?: string; BypassPolicyLockoutSafetyCheck?: boolean },
): Promise<void> {
  const v = new Violations();
  validateKeyId(v, input.KeyId);
  validatePolicyText(v, input.Policy);
  v.str(input.PolicyName, "policyName", 1, 128, PATTERNS.policyName);
  v.throwIfAny();
  const bypass = input.BypassPolicyLockoutSafetyCheck === true;
  // KMS records bypassPolicyLockoutSafetyCheck whether or not the request had it (false when it had
  // not), as in the KMS developer guide's PutKeyPolicy and CreateKey entries.
  ctx.audit.requestParameters = redactForCloudTrail({ ...input, BypassPolicyLockoutSafetyCheck: bypass }, PutKeyPolicyRequest$, "input");
  const { key } = await resolveKey(env, ctx, input.KeyId, ID.own);
  // The condition key is in the request context only when the request has the parameter (KMS
  // developer guide, "kms:BypassPolicyLockoutSafetyCheck": a Null condition tells requests without it).
  const context = policyNameContext(input.PolicyName);
  if (input.BypassPolicyLockoutSafetyCheck !== undefined) context["kms:BypassPolicyLockoutSafetyCheck"] = bypass;
  await authorizeKey(env, ctx, key, "PutKeyPolicy", { context });
  // Only AWS RAM writes the AWS_RAM key policy (PutKeyPolicy in the API reference).
  if (input.PolicyName === "AWS_RAM") throw validation("The AWS_RAM policy can only be managed by the RAM service.");
  checkPolicyName(input.PolicyName);
  assertState(key, STATES.any);
  const ids = await checkKeyPolicy(env, input.Policy);
  if (!bypass) await lockoutCheck(env, ctx, key, input.Policy);
  await env.repo.updateKey(key.accountId, key.region, key.keyId, (rec) => withPolicy(rec, input.Policy, ids));
}

export async function listKeyPolicies(env: KmsEnv, ctx: RequestContext, input: { KeyId: string; Limit?: number; Marker?: string }): Promise<ListKeyPoliciesResponse> {
  const v = new Violations();
  validateKeyId(v, input.KeyId);
  validateLimit(v, input.Limit);
  validateMarker(v, input.Marker);
  v.throwIfAny();
  const { key } = await resolveKey(env, ctx, input.KeyId, ID.own);
  await authorizeKey(env, ctx, key, "ListKeyPolicies");
  return { PolicyNames: ["default"], Truncated: false };
}
