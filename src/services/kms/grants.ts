/**
 * Grants: CreateGrant (Name idempotency, constraints, grant tokens), ListGrants,
 * ListRetirableGrants, RetireGrant (by token, or key + grant id), RevokeGrant. The check
 * that lets a grant allow an operation is in authorize.ts (alternativeAllow).
 */
import { randomBytes } from "node:crypto";
import type { CreateGrantResponse, GrantListEntry, ListGrantsResponse } from "@aws-sdk/client-kms";
import type { RequestContext } from "../../core/types.js";
import { commonError } from "../../core/errors.js";
import { auditKey, auditKeyArnResponse, authorizeKey, authorizeWithoutKmsKeys, checkGrantTokens, deniedToCaller, keyContext, principalNamedBy } from "./authorize.js";
import type { KmsEnv } from "./env.js";
import { dryRunSucceeded, invalidArn, invalidGrantId, invalidGrantToken, limitExceeded, notFound, validation } from "./errors.js";
import { createGrantToken, openGrantToken } from "./grant-token.js";
import { assertState, STATES } from "./key-state.js";
import { ID, resolveKey } from "./lookup.js";
import { keyArnOf, retirablePosition, type GrantConstraintsRecord, type GrantRecord, type KeyRecord } from "./model.js";
import { decodeMarker, encodeMarker, pageOf } from "./pagination.js";
import { PATTERNS, validateGrantTokens, validateKeyId, validateLimit, validateMarker, Violations } from "./validation.js";
import { accountRootArn, arnPattern } from "../../core/partition.js";

export const GRANT_OPERATIONS = [
  "Decrypt",
  "Encrypt",
  "GenerateDataKey",
  "GenerateDataKeyWithoutPlaintext",
  "ReEncryptFrom",
  "ReEncryptTo",
  "Sign",
  "Verify",
  "GetPublicKey",
  "CreateGrant",
  "RetireGrant",
  "DescribeKey",
  "GenerateDataKeyPair",
  "GenerateDataKeyPairWithoutPlaintext",
  "GenerateMac",
  "VerifyMac",
  "DeriveSharedSecret",
  "Encapsulate",
  "Decapsulate",
] as const;

/**
 * Operations a grant with constraints may include: those whose requests carry an encryption
 * context, and DescribeKey and RetireGrant, to which the constraint does not apply (API reference,
 * CreateGrant, Constraints: "Grants with grant constraints can include the DescribeKey and
 * RetireGrant operations, but the constraint doesn't apply to these operations").
 */
const EC_OPERATIONS = new Set([
  "Decrypt",
  "Encrypt",
  "GenerateDataKey",
  "GenerateDataKeyWithoutPlaintext",
  "ReEncryptFrom",
  "ReEncryptTo",
  "GenerateDataKeyPair",
  "GenerateDataKeyPairWithoutPlaintext",
  "CreateGrant",
  "RetireGrant",
  "DescribeKey",
]);

/** Grant operations each key usage can use. */
const OPS_FOR_USAGE: Record<string, ReadonlySet<string>> = {
  ENCRYPT_DECRYPT_SYMMETRIC: new Set(["Decrypt", "Encrypt", "GenerateDataKey", "GenerateDataKeyWithoutPlaintext", "ReEncryptFrom", "ReEncryptTo", "GenerateDataKeyPair", "GenerateDataKeyPairWithoutPlaintext"]),
  ENCRYPT_DECRYPT: new Set(["Decrypt", "Encrypt", "ReEncryptFrom", "ReEncryptTo", "GetPublicKey"]),
  SIGN_VERIFY: new Set(["Sign", "Verify", "GetPublicKey"]),
  GENERATE_VERIFY_MAC: new Set(["GenerateMac", "VerifyMac"]),
  KEY_AGREEMENT: new Set(["DeriveSharedSecret", "GetPublicKey"]),
  ENCAPSULATE_DECAPSULATE: new Set(["Encapsulate", "Decapsulate", "GetPublicKey"]),
};
const ALWAYS = new Set(["CreateGrant", "RetireGrant", "DescribeKey"]);
export const MAX_GRANTS_PER_KEY = 50_000;
const PRINCIPAL = { re: /^[\w+=,.@:/-]+$/, text: "^[\\w+=,.@:/-]+$" };
/** An AWS service principal ("s3.amazonaws.com"), never an ARN. */
const SERVICE_PRINCIPAL = { re: /^[a-z0-9][a-z0-9.-]*\.amazonaws\.com(\.cn)?$/, text: "^[a-z0-9][a-z0-9.-]*\\.amazonaws\\.com(\\.cn)?$" };
const PRINCIPAL_ARN = arnPattern(/^arn:aws:(?:iam::\d{12}:(?:root|user\/.+|role\/.+)|sts::\d{12}:(?:assumed-role|federated-user)\/.+)$/);

/**
 * kms:GrantIsForAWSResource of CreateGrant, ListGrants and RevokeGrant: true only when an AWS
 * service calls them on the user's behalf; a caller's own request is false.
 */
const DIRECT_CALL = Object.freeze({ "kms:GrantIsForAWSResource": false });

export interface CreateGrantInput {
  KeyId: string;
  GranteePrincipal?: string;
  RetiringPrincipal?: string;
  Operations: string[];
  Constraints?: GrantConstraintsRecord & { SourceArn?: string };
  GrantTokens?: string[];
  Name?: string;
  DryRun?: boolean;
  GranteeServicePrincipal?: string;
  RetiringServicePrincipal?: string;
}

function usageClass(key: KeyRecord): string {
  return key.keyUsage === "ENCRYPT_DECRYPT" && key.keySpec === "SYMMETRIC_DEFAULT" ? "ENCRYPT_DECRYPT_SYMMETRIC" : key.keyUsage;
}

function sameGrant(g: GrantRecord, input: CreateGrantInput): boolean {
  const ops = [...input.Operations].sort().join(",");
  return (
    g.granteePrincipal === (input.GranteePrincipal ?? input.GranteeServicePrincipal) &&
    (g.granteeIsService === true) === (input.GranteeServicePrincipal !== undefined) &&
    g.retiringPrincipal === (input.RetiringPrincipal ?? input.RetiringServicePrincipal) &&
    (g.retiringIsService === true) === (input.RetiringServicePrincipal !== undefined) &&
    g.sourceArn === input.Constraints?.SourceArn &&
    [...g.operations].sort().join(",") === ops &&
    JSON.stringify(g.constraints ?? null) === JSON.stringify(normalizeConstraints(input.Constraints) ?? null)
  );
}

function normalizeConstraints(c: CreateGrantInput["Constraints"]): GrantConstraintsRecord | undefined {
  if (!c) return undefined;
  const out: GrantConstraintsRecord = {};
  if (c.EncryptionContextSubset) out.EncryptionContextSubset = c.EncryptionContextSubset;
  if (c.EncryptionContextEquals) out.EncryptionContextEquals = c.EncryptionContextEquals;
  return out.EncryptionContextEquals || out.EncryptionContextSubset ? out : undefined;
}

/** Each grant constraint holds up to 8 encryption context pairs, each value up to 384 characters (CreateGrant, Constraints). */
const CONSTRAINT_PAIRS_MAX = 8;
const CONSTRAINT_VALUE_MAX = 384;

function checkConstraintLimits(c: CreateGrantInput["Constraints"]): void {
  for (const name of ["EncryptionContextSubset", "EncryptionContextEquals"] as const) {
    const ec = c?.[name];
    if (ec === undefined) continue;
    const pairs = Object.entries(ec);
    if (pairs.length > CONSTRAINT_PAIRS_MAX) throw validation(`The ${name} grant constraint can include up to ${CONSTRAINT_PAIRS_MAX} encryption context pairs.`);
    if (pairs.some(([, v]) => v.length > CONSTRAINT_VALUE_MAX)) throw validation(`An encryption context value in the ${name} grant constraint cannot exceed ${CONSTRAINT_VALUE_MAX} characters.`);
  }
}

function checkCreateGrantInput(input: CreateGrantInput): void {
  const v = new Violations();
  validateKeyId(v, input.KeyId);
  v.str(input.GranteePrincipal, "granteePrincipal", 1, 256, PRINCIPAL);
  v.str(input.RetiringPrincipal, "retiringPrincipal", 1, 256, PRINCIPAL);
  v.str(input.GranteeServicePrincipal, "granteeServicePrincipal", 1, 256, SERVICE_PRINCIPAL);
  v.str(input.RetiringServicePrincipal, "retiringServicePrincipal", 1, 256, SERVICE_PRINCIPAL);
  v.str(input.Name, "name", 1, 256, PATTERNS.grantName);
  input.Operations.forEach((op, i) => v.oneOf(op, `operations.${i + 1}.member`, GRANT_OPERATIONS));
  validateGrantTokens(v, input.GrantTokens);
  v.throwIfAny();
  // CreateGrant: "You must specify either GranteePrincipal or GranteeServicePrincipal, but not both"
  // (the same for the retiring principals); a grant to a service principal needs a SourceArn
  // constraint and a retiring principal.
  if (input.GranteePrincipal === undefined && input.GranteeServicePrincipal === undefined) {
    throw validation("Either GranteePrincipal or GranteeServicePrincipal must be specified.");
  }
  if (input.GranteePrincipal !== undefined && input.GranteeServicePrincipal !== undefined) {
    throw validation("Specify either GranteePrincipal or GranteeServicePrincipal, but not both.");
  }
  if (input.RetiringPrincipal !== undefined && input.RetiringServicePrincipal !== undefined) {
    throw validation("Specify either RetiringPrincipal or RetiringServicePrincipal, but not both.");
  }
  if (input.Operations.length === 0) throw validation("1 validation error detected: Value '[]' at 'operations' failed to satisfy constraint: Member must have length greater than or equal to 1");
  for (const p of [input.GranteePrincipal, input.RetiringPrincipal]) {
    if (p !== undefined && !PRINCIPAL_ARN.test(p)) throw invalidArn(`${p} is not a valid principal.`);
  }
  checkConstraintLimits(input.Constraints);
  const sourceArn = input.Constraints?.SourceArn;
  if (input.GranteeServicePrincipal !== undefined) {
    if (sourceArn === undefined) throw validation("A SourceArn grant constraint is required when you specify a GranteeServicePrincipal.");
    if (input.RetiringPrincipal === undefined && input.RetiringServicePrincipal === undefined) {
      throw validation("A RetiringPrincipal or RetiringServicePrincipal is required when you specify a GranteeServicePrincipal.");
    }
  } else if (sourceArn !== undefined) {
    throw validation("The SourceArn grant constraint is valid only for grants to AWS service principals.");
  }
  if (sourceArn !== undefined && !/^arn:[a-z-]+:[a-z0-9-]+:[a-z0-9-]*:\d{0,12}:.+$/.test(sourceArn)) throw invalidArn(`${sourceArn} is not a valid ARN.`);
  if (normalizeConstraints(input.Constraints) && input.Operations.some((op) => !EC_OPERATIONS.has(op))) {
    throw validation("Grant constraints are not supported for the requested operations. Use constraints only with operations that accept an encryption context.");
  }
}

/**
 * The encryption context condition keys of a grant's constraint: kms:GrantConstraintType, and the
 * pairs of the constraint as kms:EncryptionContext:<key> and kms:EncryptionContextKeys. CreateGrant
 * carries those of the grant it asks for, RetireGrant those of the grant it retires (KMS developer
 * guide, "AWS KMS permissions": both list the encryption context conditions and
 * kms:GrantConstraintType; the Service Authorization Reference likewise).
 */
function grantConstraintKeys(constraints: GrantConstraintsRecord | undefined): { encryptionContext?: Readonly<Record<string, string>>; context: Record<string, string> } {
  const type = constraints?.EncryptionContextEquals ? "EncryptionContextEquals" : constraints?.EncryptionContextSubset ? "EncryptionContextSubset" : undefined;
  const pairs = constraints?.EncryptionContextEquals ?? constraints?.EncryptionContextSubset;
  return { ...(pairs !== undefined ? { encryptionContext: pairs } : {}), context: type !== undefined ? { "kms:GrantConstraintType": type } : {} };
}

export async function createGrant(env: KmsEnv, ctx: RequestContext, input: CreateGrantInput): Promise<CreateGrantResponse> {
  checkCreateGrantInput(input);
  const { key } = await resolveKey(env, ctx, input.KeyId, ID.ownOrCross);
  checkGrantTokens(env, input.GrantTokens);
  const constraints = normalizeConstraints(input.Constraints);
  const constraintKeys = grantConstraintKeys(constraints);
  await authorizeKey(env, ctx, key, "CreateGrant", {
    grantOp: "CreateGrant",
    childGrant: { operations: input.Operations, constraints },
    encryptionContext: constraintKeys.encryptionContext,
    context: {
      "kms:GrantOperations": input.Operations,
      "kms:GrantIsForAWSResource": false,
      ...(input.GranteePrincipal !== undefined ? { "kms:GranteePrincipal": input.GranteePrincipal } : {}),
      ...(input.RetiringPrincipal !== undefined ? { "kms:RetiringPrincipal": input.RetiringPrincipal } : {}),
      // A grant to a service principal: the service principals and the SourceArn constraint of the
      // request (Service Authorization Reference, CreateGrant: kms:GranteeServicePrincipal,
      // kms:RetiringServicePrincipal, kms:GrantConstraintSourceArn).
      ...(input.GranteeServicePrincipal !== undefined ? { "kms:GranteeServicePrincipal": input.GranteeServicePrincipal } : {}),
      ...(input.RetiringServicePrincipal !== undefined ? { "kms:RetiringServicePrincipal": input.RetiringServicePrincipal } : {}),
      ...(input.Constraints?.SourceArn !== undefined ? { "kms:GrantConstraintSourceArn": input.Constraints.SourceArn } : {}),
      ...constraintKeys.context,
    },
  });
  assertState(key, STATES.grant);
  const allowed = OPS_FOR_USAGE[usageClass(key)] ?? new Set<string>();
  const bad = input.Operations.find((op) => !allowed.has(op) && !ALWAYS.has(op));
  if (bad !== undefined) throw validation(`Grant operation ${bad} is not valid for a KMS key with KeySpec ${key.keySpec} and KeyUsage ${key.keyUsage}.`);
  // "You cannot use an encryption context grant constraint for cryptographic operations with
  // asymmetric KMS keys or HMAC KMS keys" (CreateGrant, Constraints): only symmetric encryption keys
  // take an encryption context.
  if (constraints && key.keySpec !== "SYMMETRIC_DEFAULT") {
    throw validation(`Grant constraints are not supported for a KMS key with KeySpec ${key.keySpec}. Use constraints only with symmetric encryption KMS keys.`);
  }
  if (input.DryRun) throw dryRunSucceeded();
  // The name's idempotency and the per-key quota are decided against the stored grants in the
  // same transaction as the insert, so parallel CreateGrant calls see each other.
  const sourceArn = input.Constraints?.SourceArn;
  const grantId = await env.repo.addGrant(key, (grants) => {
    const existing = input.Name !== undefined ? grants.find((g) => g.name === input.Name && sameGrant(g, input)) : undefined;
    if (existing) return existing.grantId;
    if (grants.length >= MAX_GRANTS_PER_KEY) throw limitExceeded(`Cannot exceed quota for GrantsPerKey: ${MAX_GRANTS_PER_KEY}`);
    return {
      grantId: randomBytes(32).toString("hex"),
      keyId: key.keyId,
      keyArn: key.arn,
      createdAt: ctx.now,
      granteePrincipal: input.GranteePrincipal ?? input.GranteeServicePrincipal ?? "",
      ...(input.GranteeServicePrincipal !== undefined ? { granteeIsService: true as const } : {}),
      issuingAccount: accountRootArn(ctx.principal.accountId),
      operations: [...new Set(input.Operations)],
      ...(input.Name !== undefined ? { name: input.Name } : {}),
      ...(input.RetiringPrincipal !== undefined || input.RetiringServicePrincipal !== undefined ? { retiringPrincipal: input.RetiringPrincipal ?? input.RetiringServicePrincipal } : {}),
      ...(input.RetiringServicePrincipal !== undefined ? { retiringIsService: true as const } : {}),
      ...(constraints ? { constraints } : {}),
      ...(sourceArn !== undefined ? { sourceArn } : {}),
    };
  });
  const token = createGrantToken({ accountId: key.accountId, region: key.region, keyId: key.keyId, grantId }, env.grantTokenKey);
  // CloudTrail records the grant id and the key ARN, not the grant token (KMS developer guide, "CreateGrant").
  auditKeyArnResponse(ctx, key, { grantId });
  return { GrantToken: token, GrantId: grantId };
}

function entryOf(g: GrantRecord): GrantListEntry {
  const constraints = g.sourceArn !== undefined ? { ...g.constraints, SourceArn: g.sourceArn } : g.constraints;
  return {
    KeyId: g.keyArn,
    GrantId: g.grantId,
    ...(g.name !== undefined ? { Name: g.name } : {}),
    CreationDate: new Date(g.createdAt),
    ...(g.granteeIsService ? { GranteeServicePrincipal: g.granteePrincipal } : { GranteePrincipal: g.granteePrincipal }),
    ...(g.retiringPrincipal !== undefined ? (g.retiringIsService ? { RetiringServicePrincipal: g.retiringPrincipal } : { RetiringPrincipal: g.retiringPrincipal }) : {}),
    IssuingAccount: g.issuingAccount,
    Operations: g.operations as GrantListEntry["Operations"],
    ...(constraints ? { Constraints: constraints } : {}),
  };
}

export async function listGrants(
  env: KmsEnv,
  ctx: RequestContext,
  input: { KeyId: string; Limit?: number; Marker?: string; GrantId?: string; GranteePrincipal?: string; GranteeServicePrincipal?: string },
): Promise<ListGrantsResponse> {
  const v = new Violations();
  validateKeyId(v, input.KeyId);
  validateLimit(v, input.Limit, 100);
  validateMarker(v, input.Marker);
  v.str(input.GrantId, "grantId", 1, 128);
  v.str(input.GranteePrincipal, "granteePrincipal", 1, 256, PRINCIPAL);
  v.str(input.GranteeServicePrincipal, "granteeServicePrincipal", 1, 256);
  v.throwIfAny();
  if (input.GranteePrincipal !== undefined && input.GranteeServicePrincipal !== undefined) {
    throw validation("Specify either GranteePrincipal or GranteeServicePrincipal, but not both.");
  }
  const { key } = await resolveKey(env, ctx, input.KeyId, ID.ownOrCross);
  await authorizeKey(env, ctx, key, "ListGrants", { context: DIRECT_CALL });
  let grants = [...(await env.repo.grantsOf(key))];
  if (input.GrantId !== undefined) {
    grants = grants.filter((g) => g.grantId === input.GrantId);
    if (grants.length === 0) throw invalidGrantId("Grant ID not found.");
  }
  if (input.GranteePrincipal !== undefined) grants = grants.filter((g) => g.granteeIsService !== true && g.granteePrincipal === input.GranteePrincipal);
  if (input.GranteeServicePrincipal !== undefined) grants = grants.filter((g) => g.granteeIsService === true && g.granteePrincipal === input.GranteeServicePrincipal);
  grants.sort((a, b) => (a.grantId < b.grantId ? -1 : 1));
  const { page, nextMarker } = pageOf(env.markerKey, `grants/${key.arn}`, grants, (g) => g.grantId, input.Marker, input.Limit ?? 50);
  return { Grants: page.map(entryOf), Truncated: nextMarker !== undefined, ...(nextMarker ? { NextMarker: nextMarker } : {}) };
}

export async function listRetirableGrants(
  env: KmsEnv,
  ctx: RequestContext,
  input: { Limit?: number; Marker?: string; RetiringPrincipal?: string; RetiringServicePrincipal?: string },
): Promise<ListGrantsResponse> {
  const v = new Violations();
  validateLimit(v, input.Limit, 100);
  validateMarker(v, input.Marker);
  v.str(input.RetiringPrincipal, "retiringPrincipal", 1, 256, PRINCIPAL);
  v.str(input.RetiringServicePrincipal, "retiringServicePrincipal", 1, 256);
  v.throwIfAny();
  if (input.RetiringPrincipal !== undefined && input.RetiringServicePrincipal !== undefined) {
    throw validation("Specify either RetiringPrincipal or RetiringServicePrincipal, but not both.");
  }
  // RetiringServicePrincipal "is only usable by callers in a service principal": no IAM caller is one.
  if (input.RetiringServicePrincipal !== undefined) throw validation("RetiringServicePrincipal is only usable by callers in an AWS service principal.");
  const who = input.RetiringPrincipal;
  if (who === undefined) throw validation("1 validation error detected: Value null at 'retiringPrincipal' failed to satisfy constraint: Member must not be null");
  // "The authorized resource in ListRetirableGrants calls is the retiring principal specified in
  // the request", which must be "a principal in your AWS account"; the grants listed are on keys of
  // any account (API reference, ListRetirableGrants). A principal of another account is a resource
  // of that account: without a resource policy the caller is denied.
  const ofAccount = PRINCIPAL_ACCOUNT.exec(who)?.[1] ?? (/^\d{12}$/.test(who) ? who : undefined);
  await authorizeWithoutKmsKeys(ctx, "ListRetirableGrants", who, ofAccount);
  if (ofAccount !== ctx.principal.accountId) {
    throw commonError("AccessDenied", `User: ${ctx.principal.arn} is not authorized to perform: kms:ListRetirableGrants on resource: ${who}`);
  }
  // The grants whose RetiringPrincipal is exactly the ARN given, read from the principal's range of
  // the kms-retirable index (never a scan of the Region's grants), one page plus one.
  const list = `retirable/${ctx.scope.accountId}/${ctx.scope.region}/${who}`;
  const limit = input.Limit ?? 50;
  const grants = await env.repo.retirableGrants(ofAccount, ctx.scope.region, who, decodeMarker(env.markerKey, list, input.Marker), limit);
  const page = grants.slice(0, limit);
  const last = page[page.length - 1];
  const nextMarker = grants.length > limit && last !== undefined ? encodeMarker(env.markerKey, list, retirablePosition(last)) : undefined;
  return { Grants: page.map(entryOf), Truncated: nextMarker !== undefined, ...(nextMarker ? { NextMarker: nextMarker } : {}) };
}

/** A grant id as CreateGrant makes them (and KMS's are): 64 hexadecimal digits. */
const GRANT_ID = /^[0-9a-fA-F]{64}$/;

/**
 * RevokeGrant and RetireGrant of a grant the key does not have (never had, already retired or
 * revoked, or another key's): NotFoundException, as KMS answers a well-formed grant id it cannot
 * find; an id that cannot be a grant id at all is InvalidGrantIdException ("the specified GrantId
 * is not valid"). A grant token that opens but whose grant is gone names a grant that is not found
 * just the same; only a token that does not open is InvalidGrantTokenException.
 */
function noSuchGrant(grantId: string): Error {
  return GRANT_ID.test(grantId) ? notFound(`Grant ID ${grantId} not found.`) : invalidGrantId(`${grantId} is not a valid grant ID.`);
}

export async function retireGrant(env: KmsEnv, ctx: RequestContext, input: { GrantToken?: string; KeyId?: string; GrantId?: string; DryRun?: boolean }): Promise<void> {
  const v = new Violations();
  // CloudTrail records RetireGrant with requestParameters null and the grant id in
  // additionalEventData (KMS developer guide, "RetireGrant"): the grant token never reaches the log.
  ctx.audit.requestParameters = null;
  v.str(input.GrantToken, "grantToken", 1, 8192);
  if (input.KeyId !== undefined) validateKeyId(v, input.KeyId);
  v.str(input.GrantId, "grantId", 1, 128);
  v.throwIfAny();
  let key: KeyRecord | undefined;
  let grantId: string;
  if (input.GrantToken !== undefined) {
    const t = openGrantToken(input.GrantToken, env.grantTokenKey);
    if (!t) throw invalidGrantToken("Invalid grant token.");
    if (input.GrantId !== undefined && input.GrantId !== t.grantId) throw invalidGrantId("The grant ID does not match the grant token.");
    key = await env.repo.getKey(t.accountId, t.region, t.keyId);
    if (!key) throw notFound(`Key '${keyArnOf(t.accountId, t.region, t.keyId)}' does not exist`);
    grantId = t.grantId;
  } else {
    if (input.KeyId === undefined || input.GrantId === undefined) throw validation("Grant token OR (grant ID, key ID) must be specified");
    key = (await resolveKey(env, ctx, input.KeyId, ID.ownOrCross)).key;
    grantId = input.GrantId;
  }
  ctx.audit.additionalEventData = { grantId };
  const grant = (await env.repo.grantsOf(key)).find((g) => g.grantId === grantId);
  const k = key;
  await authorizeRetire(env, ctx, k, grant);
  if (!grant) throw noSuchGrant(grantId);
  if (input.DryRun) throw dryRunSucceeded();
  // A grant retired or revoked meanwhile is gone: only the call that removed it succeeds.
  if (!(await env.repo.deleteGrant(k, grant))) throw noSuchGrant(grantId);
}

const ROOT_ARN = arnPattern(/^arn:aws:iam::(\d{12}):root$/);
/** The account of a principal's ARN (IAM user, role or root; STS session). */
const PRINCIPAL_ACCOUNT = arnPattern(/^arn:aws:(?:iam|sts)::(\d{12}):/);

/** `arn:<partition>:iam::<account>:root` → the account id. */
function rootAccountOf(arn: string | undefined): string | undefined {
  return arn === undefined ? undefined : ROOT_ARN.exec(arn)?.[1];
}

/**
 * Who may retire a grant (KMS developer guide, "Retiring and revoking grants"): the retiring
 * principal named in the grant, the grantee principal when the grant includes RetireGrant, and
 * "the AWS account in which the grant was created": the account that issued it (its
 * IssuingAccount, which differs from the key's account for a grant created across accounts) and
 * the key's account. A principal the grant names needs no permission; an account named (its root
 * ARN), the issuing account and the key's account may retire as their root user, and their IAM
 * principals when their IAM policies allow kms:RetireGrant ("The AWS
 * account that owns the KMS key can delegate the kms:RetireGrant permission to an IAM principal in
 * the account"; a retiring account's administrators likewise). "The kms:RetireGrant permission
 * alone does not allow principals to retire a grant" and "is not effective in a key policy or
 * resource control policy": the key policy and RCPs are not evaluated, and an IAM allow counts only
 * for a principal of one of those accounts. "To deny permission to retire a grant, you can use a
 * Deny action with the kms:RetireGrant permission in your IAM policies": an explicit deny in the
 * caller's IAM policies, or an SCP, still wins in every case.
 */
async function authorizeRetire(env: KmsEnv, ctx: RequestContext, key: KeyRecord, grant: GrantRecord | undefined): Promise<void> {
  auditKey(ctx, key);
  const p = ctx.principal;
  // A service principal named by the grant is that service's, never an IAM caller's.
  const named =
    grant !== undefined &&
    ((grant.retiringPrincipal !== undefined && grant.retiringIsService !== true && principalNamedBy(grant.retiringPrincipal, p)) ||
      (grant.operations.includes("RetireGrant") && grant.granteeIsService !== true && principalNamedBy(grant.granteePrincipal, p)));
  const accounts = new Set([key.accountId]);
  if (grant !== undefined) {
    const issuing = rootAccountOf(grant.issuingAccount);
    if (issuing !== undefined) accounts.add(issuing);
    const retiring = grant.retiringIsService === true ? undefined : rootAccountOf(grant.retiringPrincipal);
    if (retiring !== undefined) accounts.add(retiring);
    const grantee = grant.operations.includes("RetireGrant") && grant.granteeIsService !== true ? rootAccountOf(grant.granteePrincipal) : undefined;
    if (grantee !== undefined) accounts.add(grantee);
  }
  const action = "kms:RetireGrant";
  if (!named && !accounts.has(p.accountId)) {
    deniedToCaller(ctx, commonError("AccessDenied", `User: ${p.arn} is not authorized to perform: ${action} on resource: ${key.arn}`));
  }
  // The caller's own IAM policies (and its account's SCPs), evaluated as for a resource of its
  // account: the root user is allowed unless an SCP or its session policy denies.
  // kms:GrantConstraintType and the encryption context keys are those of the grant being retired.
  const constraintKeys = grantConstraintKeys(grant?.constraints);
  const keys = await keyContext(env, key, p, { encryptionContext: constraintKeys.encryptionContext, context: constraintKeys.context });
  const context = { ...keys, "aws:ResourceAccount": key.accountId };
  try {
    await ctx.authorize({ action, resource: key.arn, resourceAccount: p.accountId, resourceControlPoliciesExempt: true, context }, named ? { alternativeAllow: async () => true } : undefined);
  } catch (e) {
    deniedToCaller(ctx, e);
  }
}

export async function revokeGrant(env: KmsEnv, ctx: RequestContext, input: { KeyId: string; GrantId: string; DryRun?: boolean }): Promise<void> {
  const v = new Violations();
  validateKeyId(v, input.KeyId);
  v.str(input.GrantId, "grantId", 1, 128);
  v.throwIfAny();
  const { key } = await resolveKey(env, ctx, input.KeyId, ID.ownOrCross);
  await authorizeKey(env, ctx, key, "RevokeGrant", { context: DIRECT_CALL });
  const grant = (await env.repo.grantsOf(key)).find((g) => g.grantId === input.GrantId);
  if (!grant) throw noSuchGrant(input.GrantId);
  if (input.DryRun) throw dryRunSucceeded();
  if (!(await env.repo.deleteGrant(key, grant))) throw noSuchGrant(input.GrantId);
}
