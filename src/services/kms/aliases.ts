/**
 * Aliases: CreateAlias, UpdateAlias, DeleteAlias, ListAliases. An alias change needs the
 * permission on the alias (IAM policy) and on each key involved (key policy). The
 * alias/aws/ prefix belongs to AWS managed keys; ListAliases shows the predefined ones
 * even before their key exists.
 */
import type { AliasListEntry, ListAliasesResponse } from "@aws-sdk/client-kms";
import type { RequestContext } from "../../core/types.js";
import { auditAlias, auditKeyArnResponse, authorizeKey, authorizeWithoutKmsKeys } from "./authorize.js";
import type { KmsEnv } from "./env.js";
import { alreadyExists, limitExceeded, notAuthorized, notFound, validation } from "./errors.js";
import { assertState, STATES } from "./key-state.js";
import { ID, resolveKey } from "./lookup.js";
import { aliasArnOf, type AliasRecord, type KeyRecord } from "./model.js";
import { pageOf } from "./pagination.js";
import { AWS_MANAGED_ALIASES } from "./policy-text.js";
import { PATTERNS, validateKeyId, validateLimit, validateMarker, Violations } from "./validation.js";

export const MAX_ALIASES_PER_KEY = 50;
const PREFIX_MESSAGE = 'Alias must start with the prefix "alias/". Please see https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html';

function checkAliasName(name: string, member = "aliasName"): void {
  const v = new Violations();
  v.str(name, member, 1, 256, PATTERNS.aliasName);
  v.throwIfAny();
  if (!name.startsWith("alias/")) throw validation(PREFIX_MESSAGE);
  if (name.startsWith("alias/aws/")) throw notAuthorized();
  // The pattern admits ':', but an alias name cannot hold one (an alias ARN would be ambiguous).
  if (name.includes(":")) throw validation(`${name} contains invalid characters for an alias`);
}

function checkTarget(target: string): void {
  if (target.startsWith("alias/") || target.includes(":alias/")) throw validation("Aliases must refer to keys. Not aliases");
}

/** The alias side of an alias operation: an IAM policy on the alias ARN, with no KMS condition key. */
async function authorizeAlias(ctx: RequestContext, op: string, aliasArn: string): Promise<void> {
  await authorizeWithoutKmsKeys(ctx, op, aliasArn);
}

async function targetKey(env: KmsEnv, ctx: RequestContext, target: string): Promise<KeyRecord> {
  checkTarget(target);
  const { key } = await resolveKey(env, ctx, target, ID.own);
  return key;
}

export async function createAlias(env: KmsEnv, ctx: RequestContext, input: { AliasName: string; TargetKeyId: string }): Promise<void> {
  const v = new Violations();
  v.str(input.AliasName, "aliasName", 1, 256, PATTERNS.aliasName);
  validateKeyId(v, input.TargetKeyId, "targetKeyId");
  v.throwIfAny();
  checkAliasName(input.AliasName);
  const scope = ctx.scope;
  const aliasArn = aliasArnOf(scope.accountId, scope.region, input.AliasName);
  const key = await targetKey(env, ctx, input.TargetKeyId);
  await authorizeAlias(ctx, "CreateAlias", aliasArn);
  await authorizeKey(env, ctx, key, "CreateAlias");
  auditAlias(ctx, aliasArn, scope.accountId);
  assertState(key, STATES.manage);
  const now = ctx.now;
  const rec: AliasRecord = { aliasName: input.AliasName, aliasArn, targetKeyId: key.keyId, createdAt: now, updatedAt: now };
  if (!(await env.repo.insertAlias(scope, rec, admitAliasForKey))) throw alreadyExists(`An alias with the name ${aliasArn} already exists`);
  auditKeyArnResponse(ctx, key);
}

/** The AliasesPerKey quota, checked in the write's transaction (parallel calls count each other). */
function admitAliasForKey(namesForKey: string[]): void {
  if (namesForKey.length >= MAX_ALIASES_PER_KEY) throw limitExceeded(`Cannot exceed quota for AliasesPerKey: ${MAX_ALIASES_PER_KEY}`);
}

export async function updateAlias(env: KmsEnv, ctx: RequestContext, input: { AliasName: string; TargetKeyId: string }): Promise<void> {
  const v = new Violations();
  v.str(input.AliasName, "aliasName", 1, 256, PATTERNS.aliasName);
  validateKeyId(v, input.TargetKeyId, "targetKeyId");
  v.throwIfAny();
  checkAliasName(input.AliasName);
  const scope = ctx.scope;
  const aliasArn = aliasArnOf(scope.accountId, scope.region, input.AliasName);
  const alias = await env.repo.getAlias(scope, input.AliasName);
  if (!alias) throw notFound(`Alias ${aliasArn} is not found.`);
  const key = await targetKey(env, ctx, input.TargetKeyId);
  const old = await env.repo.getKey(scope.accountId, scope.region, alias.targetKeyId);
  await authorizeAlias(ctx, "UpdateAlias", aliasArn);
  // KMS records the alias, then the key it now points to, as the resources (KMS developer guide,
  // "UpdateAlias"): the key it pointed to before is authorised, not listed.
  auditAlias(ctx, aliasArn, scope.accountId);
  if (old) {
    try {
      await authorizeKey(env, ctx, old, "UpdateAlias");
    } finally {
      if (old.arn !== key.arn) ctx.audit.resources = ctx.audit.resources?.filter((r) => r.ARN !== old.arn);
    }
  }
  await authorizeKey(env, ctx, key, "UpdateAlias");
  assertState(key, STATES.manage);
  if (old && (old.keyUsage !== key.keyUsage || typeClass(old) !== typeClass(key))) {
    throw validation(`${key.arn} is not the same type (${typeClass(key)}, ${key.keyUsage}) as the key currently associated with the alias (${typeClass(old)}, ${old.keyUsage}).`);
  }
  // A DeleteAlias that ran meanwhile wins: the alias is not brought back.
  if (!(await env.repo.updateAlias(scope, input.AliasName, (cur) => ({ ...cur, targetKeyId: key.keyId, updatedAt: ctx.now }), admitAliasForKey))) {
    throw notFound(`Alias ${aliasArn} is not found.`);
  }
  auditKeyArnResponse(ctx, key);
}

function typeClass(k: KeyRecord): string {
  return k.keySpec === "SYMMETRIC_DEFAULT" ? "symmetric" : k.keySpec.startsWith("HMAC_") ? "HMAC" : "asymmetric";
}

export async function deleteAlias(env: KmsEnv, ctx: RequestContext, input: { AliasName: string }): Promise<void> {
  const v = new Violations();
  v.str(input.AliasName, "aliasName", 1, 256, PATTERNS.aliasName);
  v.throwIfAny();
  checkAliasName(input.AliasName);
  const scope = ctx.scope;
  const aliasArn = aliasArnOf(scope.accountId, scope.region, input.AliasName);
  const alias = await env.repo.getAlias(scope, input.AliasName);
  if (!alias) throw notFound(`Alias ${aliasArn} is not found.`);
  await authorizeAlias(ctx, "DeleteAlias", aliasArn);
  // KMS records the alias, then its key, as the resources, and the key ARN in
  // responseElements.keyId (KMS developer guide, "DeleteAlias").
  auditAlias(ctx, aliasArn, scope.accountId);
  const key = await env.repo.getKey(scope.accountId, scope.region, alias.targetKeyId);
  if (key) await authorizeKey(env, ctx, key, "DeleteAlias");
  // Of parallel deletes only the one that removed it succeeds.
  if (!(await env.repo.deleteAlias(scope, input.AliasName))) throw notFound(`Alias ${aliasArn} is not found.`);
  if (key) auditKeyArnResponse(ctx, key);
}

export async function listAliases(env: KmsEnv, ctx: RequestContext, input: { KeyId?: string; Limit?: number; Marker?: string }): Promise<ListAliasesResponse> {
  // No particular alias or key: an empty resources list (KMS developer guide, "ListAliases").
  if (input.KeyId === undefined) ctx.audit.resources ??= [];
  const v = new Violations();
  if (input.KeyId !== undefined) validateKeyId(v, input.KeyId);
  validateLimit(v, input.Limit, 100);
  validateMarker(v, input.Marker);
  v.throwIfAny();
  await authorizeWithoutKmsKeys(ctx, "ListAliases");
  const scope = ctx.scope;
  let keyFilter: string | undefined;
  if (input.KeyId !== undefined) keyFilter = (await resolveKey(env, ctx, input.KeyId, ID.own)).key.keyId;
  const stored = await env.repo.aliasesOf(scope);
  const entries: AliasListEntry[] = [];
  for (const a of stored.values()) {
    if (keyFilter !== undefined && a.targetKeyId !== keyFilter) continue;
    entries.push({ AliasName: a.aliasName, AliasArn: a.aliasArn, TargetKeyId: a.targetKeyId, CreationDate: new Date(a.createdAt), LastUpdatedDate: new Date(a.updatedAt) });
  }
  if (keyFilter === undefined) {
    for (const name of Object.keys(AWS_MANAGED_ALIASES)) {
      if (!stored.has(name)) entries.push({ AliasName: name, AliasArn: aliasArnOf(scope.accountId, scope.region, name) });
    }
  }
  entries.sort((a, b) => ((a.AliasName ?? "") < (b.AliasName ?? "") ? -1 : 1));
  const { page, nextMarker } = pageOf(env.markerKey, `aliases/${scope.accountId}/${scope.region}`, entries, (e) => e.AliasName ?? "", input.Marker, input.Limit ?? 50);
  return { Aliases: page, Truncated: nextMarker !== undefined, ...(nextMarker ? { NextMarker: nextMarker } : {}) };
}
