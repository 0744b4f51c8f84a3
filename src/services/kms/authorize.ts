/**
 * The one authorisation call of every key operation: the key policy is the authoritative
 * resource policy (the default policy delegates to IAM through the account root), grants
 * are the alternative allow consulted only on an implicit deny, and the KMS condition keys
 * describe the key and the request.
 *
 * What must stay true: an explicit deny in any policy wins over a grant (the pipeline calls
 * alternativeAllow only for ImplicitDeny); grants never apply to key management actions.
 */
import type { AuthorizeRequest, ConditionContext, Principal, RequestContext } from "../../core/types.js";
import type { KmsEnv } from "./env.js";
import { invalidGrantToken } from "./errors.js";
import { replaceAwsPrincipals } from "../../iam/policy/principal-rewrite.js";
import { openGrantToken } from "./grant-token.js";
import { AwsError } from "../../core/errors.js";
import { keyArnOf, type GrantConstraintsRecord, type GrantRecord, type KeyRecord } from "./model.js";
import { accountRootArn, arnPattern, iamArn } from "../../core/partition.js";

export interface KeyAuthOptions {
  /** Operation-specific condition keys (kms:EncryptionAlgorithm, kms:GrantOperations, …). */
  context?: ConditionContext | undefined;
  /** The grant operation this call is (e.g. "Encrypt", "ReEncryptFrom"); absent: grants do not apply. */
  grantOp?: string | undefined;
  encryptionContext?: Readonly<Record<string, string>> | undefined;
  /** Alias name used to name the key (kms:RequestAlias). */
  requestAlias?: string | undefined;
  /** "ssm.us-east-1.amazonaws.com" when another service calls on the caller's behalf. */
  viaService?: string | undefined;
  /** CreateGrant: the grant asked for, which a parent grant's CreateGrant permission must cover. */
  childGrant?: ChildGrant | undefined;
}

/** Condition keys describing the key and the request (kms:KeySpec, aws:ResourceTag/…, kms:EncryptionContext:…). */
function buildKeyContext(key: KeyRecord, principal: Principal, opts: KeyAuthOptions, aliases: readonly string[]): ConditionContext {
  const c: ConditionContext = {
    "kms:CallerAccount": principal.accountId,
    "kms:KeySpec": key.keySpec,
    "kms:KeyUsage": key.keyUsage,
    // The deprecated names, which KMS still honours ("they work the same way; only the names differ").
    "kms:CustomerMasterKeySpec": key.keySpec,
    "kms:CustomerMasterKeyUsage": key.keyUsage,
    "kms:KeyOrigin": key.origin,
    "kms:MultiRegion": key.multiRegion,
  };
  if (key.multiRegion) c["kms:MultiRegionKeyType"] = key.region === key.primaryRegion ? "PRIMARY" : "REPLICA";
  if (aliases.length > 0) c["kms:ResourceAliases"] = aliases as string[];
  if (opts.requestAlias !== undefined) c["kms:RequestAlias"] = opts.requestAlias;
  if (opts.viaService !== undefined) {
    c["kms:ViaService"] = opts.viaService;
    // A service calling with the caller's credentials on the caller's behalf (IAM: aws:ViaAWSService).
    c["aws:ViaAWSService"] = true;
  }
  for (const t of key.tags) c[`aws:ResourceTag/${t.TagKey}`] = t.TagValue;
  if (opts.encryptionContext) {
    const keys = Object.keys(opts.encryptionContext);
    for (const k of keys) c[`kms:EncryptionContext:${k}`] = opts.encryptionContext[k];
    if (keys.length > 0) c["kms:EncryptionContextKeys"] = keys;
  }
  if (opts.context) Object.assign(c, opts.context);
  return c;
}

/** The alias names of a key (kms:ResourceAliases), without a storage read when they are cached. */
function aliasesOf(env: KmsEnv, key: KeyRecord): readonly string[] | Promise<readonly string[]> {
  const scope = { accountId: key.accountId, region: key.region };
  return env.repo.cachedAliasNamesForKey(scope, key.keyId) ?? env.repo.aliasNamesForKey(scope, key.keyId);
}

/** Condition keys describing the key itself (kms:KeySpec, aws:ResourceTag/…). */
export async function keyContext(env: KmsEnv, key: KeyRecord, principal: Principal, opts: KeyAuthOptions): Promise<ConditionContext> {
  return buildKeyContext(key, principal, opts, await aliasesOf(env, key));
}

const ROLE_ARN = arnPattern(/^arn:aws:iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/);

/** Does a grantee/retiring principal named in a grant designate this caller? */
export function principalNamedBy(named: string, p: Principal): boolean {
  if (named === p.arn) return true;
  if (p.type === "AssumedRole" && p.roleArn !== undefined) {
    if (named === p.roleArn) return true;
    // A role named without its path still designates it.
    const m = ROLE_ARN.exec(p.roleArn);
    if (m && named === iamArn(m[1] as string, `role/${m[2]}`)) return true;
  }
  return false;
}

type Pairs = Readonly<Record<string, string>>;

/** Does `ec` hold the pair (k, v)? Grant constraints compare keys case-insensitively, values exactly. */
function holdsPair(ec: Pairs, k: string, v: string): boolean {
  if (ec[k] === v) return true;
  const lk = k.toLowerCase();
  return Object.keys(ec).some((x) => x.toLowerCase() === lk && ec[x] === v);
}

function includesAll(ec: Pairs, want: Pairs): boolean {
  return Object.entries(want).every(([k, v]) => holdsPair(ec, k, v));
}

function samePairs(a: Pairs, b: Pairs): boolean {
  return Object.keys(a).length === Object.keys(b).length && includesAll(a, b) && includesAll(b, a);
}

/**
 * Does a request's encryption context satisfy the grant's constraints? In a grant constraint the
 * key of each pair is not case sensitive and the value is (KMS API reference, GrantConstraints).
 */
export function constraintsHold(g: GrantRecord, ec: Readonly<Record<string, string>> | undefined): boolean {
  const c = g.constraints;
  if (!c) return true;
  const given = ec ?? {};
  if (c.EncryptionContextEquals && !samePairs(given, c.EncryptionContextEquals)) return false;
  if (c.EncryptionContextSubset && !includesAll(given, c.EncryptionContextSubset)) return false;
  return true;
}

/**
 * A grant created with the CreateGrant permission of a parent grant may allow only operations of
 * the parent, and its constraints must be as strict as the parent's or stricter: every request a
 * child allows must satisfy the parent's constraints (KMS developer guide, "Granting CreateGrant
 * permission").
 */
export function childGrantWithin(parent: GrantRecord, child: ChildGrant): boolean {
  if (!child.operations.every((op) => parent.operations.includes(op))) return false;
  const p = parent.constraints;
  if (!p) return true;
  const c = child.constraints ?? {};
  if (p.EncryptionContextEquals) {
    if (!c.EncryptionContextEquals || !samePairs(c.EncryptionContextEquals, p.EncryptionContextEquals)) return false;
  }
  if (p.EncryptionContextSubset) {
    const fromSubset = c.EncryptionContextSubset !== undefined && includesAll(c.EncryptionContextSubset, p.EncryptionContextSubset);
    const fromEquals = c.EncryptionContextEquals !== undefined && includesAll(c.EncryptionContextEquals, p.EncryptionContextSubset);
    if (!fromSubset && !fromEquals) return false;
  }
  return true;
}

/** The grant a CreateGrant call asks for, checked against a parent grant that allows CreateGrant. */
export interface ChildGrant {
  operations: readonly string[];
  constraints?: GrantConstraintsRecord | undefined;
}

/** Grant operations that take no encryption context: a grant's constraints do not apply to them. */
const UNCONSTRAINED_OPS = new Set(["DescribeKey", "RetireGrant"]);

/** Throws InvalidGrantTokenException for any token that is not one of ours. */
export function checkGrantTokens(env: KmsEnv, tokens: readonly string[] | undefined): void {
  if (!tokens) return;
  for (const t of tokens) if (!openGrantToken(t, env.grantTokenKey)) throw invalidGrantToken("Invalid grant token.");
}

async function grantAllows(env: KmsEnv, ctx: RequestContext, key: KeyRecord, action: string, grantOp: string, opts: KeyAuthOptions): Promise<boolean> {
  const grants = await env.repo.grantsOf(key);
  const p = ctx.principal;
  for (const g of grants) {
    // A grant to an AWS service principal is for that service, never for an IAM principal.
    if (g.granteeIsService === true || !g.operations.includes(grantOp)) continue;
    if (grantOp === "CreateGrant") {
      // Without the child grant nothing can be checked against the parent: no allow.
      if (!opts.childGrant || !childGrantWithin(g, opts.childGrant)) continue;
    } else if (!UNCONSTRAINED_OPS.has(grantOp) && !constraintsHold(g, opts.encryptionContext)) continue;
    if (principalNamedBy(g.granteePrincipal, p)) return true;
    // An account as grantee: its principals may use the grant when their IAM policies allow the action.
    if (g.granteePrincipal === accountRootArn(p.accountId)) {
      if (p.type === "Root") return true;
      if ((await ctx.evaluate({ action, resource: key.arn, resourceAccount: p.accountId })) === "Allow") return true;
    }
  }
  return false;
}

/**
 * The key policy as it applies to this caller. A user or role the policy named by ARN is bound to
 * its unique id: if the caller has that ARN but another id (the named principal was deleted and
 * one of the same name created), the ARN does not name the caller, as in KMS. Only the caller's
 * own ARNs can match an ARN principal, so no other entry needs checking (and no storage read).
 */
export function policyForCaller(key: Pick<KeyRecord, "policy" | "policyPrincipalIds">, p: Principal): string {
  const ids = key.policyPrincipalIds;
  if (!ids) return key.policy;
  let stale: Map<string, string> | undefined;
  const check = (arn: string | undefined, id: string | undefined): void => {
    if (arn === undefined) return;
    const bound = ids[arn];
    if (bound !== undefined && bound !== id) (stale ??= new Map()).set(arn, bound);
  };
  if (p.type === "IAMUser") {
    check(p.arn, p.principalId);
    // A user renamed since (UpdateUser) keeps its id: the policy still names it, under its new ARN.
    for (const arn in ids) if (ids[arn] === p.principalId && arn !== p.arn) (stale ??= new Map()).set(arn, p.arn);
  }
  if (p.type === "AssumedRole") check(p.roleArn, p.roleId);
  return stale ? replaceAwsPrincipals(key.policy, stale) : key.policy;
}

/** Records the key as the event's resource (and delivers the event to the key's account too). */
export function auditKey(ctx: RequestContext, key: Pick<KeyRecord, "arn" | "accountId">): void {
  const r = { ARN: key.arn, accountId: key.accountId, type: "AWS::KMS::Key" };
  const list = ctx.audit.resources;
  if (list) {
    if (!list.some((x) => x.ARN === r.ARN)) list.push(r);
  } else ctx.audit.resources = [r];
  if (key.accountId === ctx.principal.accountId) return;
  // Each key owner's trail gets a copy ("Cross-account operations on KMS keys are logged in both
  // the caller account and the KMS key owner account"): a ReEncrypt between keys of two other
  // accounts is delivered to both.
  const a = ctx.audit;
  if (a.recipientAccountId === undefined || a.recipientAccountId === key.accountId) a.recipientAccountId = key.accountId;
  else if (!(a.otherRecipientAccountIds ??= []).includes(key.accountId)) a.otherRecipientAccountIds.push(key.accountId);
}

/**
 * responseElements of a KMS call that changed a key: KMS records the key ARN in
 * `responseElements.keyId` even when the operation returns nothing (KMS developer guide,
 * CreateAlias, CreateGrant, DisableKey, EnableKey, EnableKeyRotation, UpdateAlias: "CloudTrail
 * log entries for this operation recorded on or after December 2022 include the key ARN…").
 * Called last on the success path: a failed call keeps null.
 */
export function auditKeyArnResponse(ctx: RequestContext, key: Pick<KeyRecord, "arn">, extra?: Record<string, unknown>): void {
  ctx.audit.responseElements = { ...extra, keyId: key.arn };
}

/** Records an alias as a resource of the event, typed as KMS types it ("AWS::KMS::Key"). */
export function auditAlias(ctx: RequestContext, aliasArn: string, accountId: string): void {
  const r = { ARN: aliasArn, accountId, type: "AWS::KMS::Key" };
  const list = ctx.audit.resources;
  if (list) {
    if (!list.some((x) => x.ARN === r.ARN)) list.push(r);
  } else ctx.audit.resources = [r];
}

/**
 * The authorisation request of a key operation. The authoriser reads `context` only when a
 * policy reaches a Condition or a policy variable (most requests: never), so the condition keys
 * are built on first read. A class with a prototype getter: an object literal with a getter
 * costs V8 about a microsecond per request.
 */
class KeyAuthorizeRequest implements AuthorizeRequest {
  readonly resource: string;
  readonly resourceAccount: string;
  readonly resourcePolicy: string;
  readonly resourcePolicyIsAuthoritative = true;
  readonly resourcePolicyKind = "key";
  readonly resourceControlPoliciesExempt: boolean;
  private built: ConditionContext | undefined;

  constructor(
    readonly action: string,
    private readonly key: KeyRecord,
    private readonly principal: Principal,
    private readonly opts: KeyAuthOptions,
    private readonly aliases: readonly string[],
  ) {
    this.resource = key.arn;
    this.resourceAccount = key.accountId;
    this.resourcePolicy = policyForCaller(key, principal);
    this.resourceControlPoliciesExempt = key.manager === "AWS";
  }

  get context(): ConditionContext {
    return (this.built ??= buildKeyContext(this.key, this.principal, this.opts, this.aliases));
  }
}

/** Authorises `kms:<op>` on the key; throws AccessDeniedException when neither policies nor a grant allow. */
export async function authorizeKey(env: KmsEnv, ctx: RequestContext, key: KeyRecord, op: string, opts: KeyAuthOptions = {}): Promise<void> {
  auditKey(ctx, key);
  const action = `kms:${op}`;
  const pending = aliasesOf(env, key);
  const aliases = Array.isArray(pending) ? (pending as readonly string[]) : await pending;
  const req = new KeyAuthorizeRequest(action, key, ctx.principal, opts, aliases);
  const grantOp = opts.grantOp;
  try {
    await ctx.authorize(req, grantOp !== undefined ? { alternativeAllow: () => grantAllows(env, ctx, key, action, grantOp, opts) } : undefined);
  } catch (e) {
    deniedToCaller(ctx, e);
  }
}

/**
 * "Cross-account AWS KMS requests that are rejected because access is denied are logged only in
 * the caller's account" (KMS developer guide, logging with CloudTrail): a denial takes back the
 * key owner's copy of the event that auditKey asked for. Rethrows.
 */
export function deniedToCaller(ctx: RequestContext, e: unknown): never {
  if (e instanceof AwsError && e.common === "AccessDenied") {
    delete ctx.audit.recipientAccountId;
    delete ctx.audit.otherRecipientAccountIds;
  }
  throw e;
}

/** CreateKey and the custom key store operations: the caller's IAM policies only (resource "*"), with kms:CallerAccount. */
export async function authorizeIamOnly(ctx: RequestContext, op: string, context?: ConditionContext, resource = "*"): Promise<void> {
  await ctx.authorize({ action: `kms:${op}`, resource, context: { "kms:CallerAccount": ctx.principal.accountId, ...context } });
}

/**
 * ListKeys, ListAliases, GenerateRandom, ListRetirableGrants, and the alias resource of
 * CreateAlias, UpdateAlias and DeleteAlias: the caller's IAM policies only, with no KMS condition
 * key at all (KMS developer guide, "AWS KMS permissions": their condition keys are "None", "None
 * (when controlling access to the alias)"; kms:CallerAccount is for KMS key resource and custom key
 * store operations). A condition on a KMS key there is never satisfied.
 */
export async function authorizeWithoutKmsKeys(ctx: RequestContext, op: string, resource = "*", resourceAccount?: string): Promise<void> {
  await ctx.authorize({ action: `kms:${op}`, resource, ...(resourceAccount !== undefined ? { resourceAccount } : {}) });
}

/**
 * Tagging a key as it is made (CreateKey, ReplicateKey): kms:TagResource in an IAM policy that
 * "must cover all KMS keys in the account and Region" (KMS developer guide), i.e. authorised on
 * every key there, `key/*`: a policy granting it on "*" or on the Region's `key/*` allows it, one
 * naming particular keys does not.
 */
export async function authorizeTagOnCreate(ctx: RequestContext, region: string, context: ConditionContext): Promise<void> {
  await authorizeIamOnly(ctx, "TagResource", context, keyArnOf(ctx.scope.accountId, region, "*"));
}
