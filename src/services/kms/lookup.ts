/**
 * Key identifiers: key id, key ARN, alias name, alias ARN — each accepted only where the
 * operation accepts it, with the NotFoundException wording of the real service.
 *
 *  - a bare key id or alias name always means the caller's account and the request Region;
 *  - another account's key needs its key ARN or alias ARN, and only operations with
 *    "cross-account use: yes" accept one;
 *  - an ARN of another Region is not found here ("Invalid arn <region>").
 */
import type { RequestContext } from "../../core/types.js";
import type { KmsEnv } from "./env.js";
import { notFound } from "./errors.js";
import { aliasArnOf, keyArnOf, type KeyRecord } from "./model.js";
import { AWS_MANAGED_ALIASES } from "./policy-text.js";
import { partition } from "../../core/partition.js";

export interface IdRules {
  /** Alias names / alias ARNs allowed. */
  alias: boolean;
  /** Another account's key (by ARN) allowed. */
  crossAccount: boolean;
  /** A predefined alias (alias/aws/…) creates its AWS managed key on first use. */
  createAwsManaged?: boolean;
}

export const ID = {
  /** Encrypt, GenerateDataKey*, DescribeKey: any form, cross-account, creates AWS managed keys. */
  useCreating: { alias: true, crossAccount: true, createAwsManaged: true },
  /** Other cryptographic operations and GetPublicKey. */
  use: { alias: true, crossAccount: true },
  /** Key id or key ARN in the caller's account (most management operations). */
  own: { alias: false, crossAccount: false },
  /** Key id or key ARN, cross-account allowed (grants, GetKeyRotationStatus). */
  ownOrCross: { alias: false, crossAccount: true },
} as const satisfies Record<string, IdRules>;

export interface ResolvedKey {
  key: KeyRecord;
  /** The alias name the request used, if any (kms:RequestAlias). */
  aliasName?: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const MRK = /^mrk-[0-9a-f]{32}$/;
const ARN = /^arn:(aws[a-z-]*):kms:([^:]*):([^:]*):(key|alias)\/(.+)$/;

export function isKeyId(s: string): boolean {
  return UUID.test(s) || MRK.test(s);
}

function invalidKeyId(id: string): never {
  throw notFound(`Invalid keyId '${id}'`);
}

interface Parsed {
  accountId: string;
  region: string;
  keyId?: string;
  /** Known already: keyId is well-formed. */
  keyIdValid?: boolean;
  aliasName?: string;
}

interface ParsedArn {
  partition: string;
  region: string;
  accountId: string;
  kind: "key" | "alias";
  /** Key id (kind key) or alias name with its "alias/" prefix (kind alias). */
  name: string;
  accountValid: boolean;
  /** kind key: the name is a well-formed key id. */
  keyIdValid: boolean;
}

/**
 * ARN identifiers parsed before, by their text (null: not a KMS key or alias ARN). A parse is a
 * pure function of the text; the checks against the caller and the operation run every time.
 * Bounded; starts over when full.
 */
const arnCache = new Map<string, ParsedArn | null>();
const ARN_CACHE_MAX = 10_000;
const ARN_CACHE_MAX_LENGTH = 512;

function parseArn(id: string): ParsedArn | null {
  const hit = arnCache.get(id);
  if (hit !== undefined) return hit;
  const m = ARN.exec(id);
  let parsed: ParsedArn | null = null;
  if (m) {
    const [, partition, region, accountId, kind, rest] = m as unknown as [string, string, string, string, "key" | "alias", string];
    parsed = {
      partition,
      region,
      accountId,
      kind,
      name: kind === "alias" ? `alias/${rest}` : rest,
      accountValid: /^\d{12}$/.test(accountId),
      keyIdValid: kind === "key" && isKeyId(rest),
    };
  }
  if (id.length <= ARN_CACHE_MAX_LENGTH) {
    if (arnCache.size >= ARN_CACHE_MAX) arnCache.clear();
    arnCache.set(id, parsed);
  }
  return parsed;
}

function parseIdentifier(id: string, ctx: Pick<RequestContext, "scope">, rules: IdRules): Parsed {
  const { accountId, region } = ctx.scope;
  if (id.startsWith("arn:")) {
    const m = parseArn(id);
    if (!m) invalidKeyId(id);
    const { kind, region: arnRegion, accountId: arnAccount } = m;
    if (kind === "alias" && !rules.alias) invalidKeyId(id);
    // Every key here is in the installation's partition: an ARN of another one (aws, aws-cn, …)
    // names a key this endpoint does not have, answered like one of another region.
    if (m.partition !== partition()) throw notFound(`Invalid arn ${m.partition}`);
    if (arnRegion !== region) throw notFound(`Invalid arn ${arnRegion}`);
    if (!m.accountValid) invalidKeyId(id);
    if (arnAccount !== accountId && !rules.crossAccount) {
      throw notFound(kind === "key" ? `Key '${id}' does not exist` : `Alias ${id} is not found.`);
    }
    return kind === "key" ? { accountId: arnAccount, region, keyId: m.name, keyIdValid: m.keyIdValid } : { accountId: arnAccount, region, aliasName: m.name };
  }
  if (id.startsWith("alias/")) {
    if (!rules.alias) invalidKeyId(id);
    return { accountId, region, aliasName: id };
  }
  return { accountId, region, keyId: id };
}

/**
 * resolveKey's answer without a promise when `id` is a key id or key ARN whose record is cached;
 * undefined otherwise (aliases, keys not cached or absent: then call resolveKey). Throws what
 * resolveKey would for an identifier that is malformed or not allowed here.
 */
export function resolveKeyNow(env: KmsEnv, ctx: Pick<RequestContext, "scope">, id: string, rules: IdRules): ResolvedKey | undefined {
  const p = parseIdentifier(id, ctx, rules);
  const keyId = p.keyId;
  if (p.aliasName !== undefined) return undefined;
  if (keyId === undefined || (p.keyIdValid !== true && !isKeyId(keyId))) invalidKeyId(id);
  const key = env.repo.cachedKey(p.accountId, p.region, keyId);
  return key === undefined ? undefined : { key };
}

/** Resolves a KeyId parameter to the key it names (NotFoundException otherwise). */
export async function resolveKey(env: KmsEnv, ctx: Pick<RequestContext, "scope">, id: string, rules: IdRules): Promise<ResolvedKey> {
  const p = parseIdentifier(id, ctx, rules);
  let keyId = p.keyId;
  if (p.aliasName !== undefined) {
    const scope = { accountId: p.accountId, region: p.region };
    let alias = await env.repo.getAlias(scope, p.aliasName);
    // Only the predefined aliases (the ones ListAliases shows without a key) stand for an AWS
    // managed key: "If you specify a predefined AWS alias … KMS associates the alias with an AWS
    // managed key". Any other alias/aws/ name is just an alias that does not exist.
    if (!alias && rules.createAwsManaged && Object.hasOwn(AWS_MANAGED_ALIASES, p.aliasName) && p.accountId === ctx.scope.accountId) {
      await env.awsManagedKey(scope, p.aliasName);
      alias = await env.repo.getAlias(scope, p.aliasName);
    }
    if (!alias) throw notFound(`Alias ${aliasArnOf(p.accountId, p.region, p.aliasName)} is not found.`);
    keyId = alias.targetKeyId;
  }
  if (keyId === undefined || (p.keyIdValid !== true && !isKeyId(keyId))) invalidKeyId(id);
  const key = await env.repo.getKey(p.accountId, p.region, keyId);
  if (!key) throw notFound(`Key '${keyArnOf(p.accountId, p.region, keyId)}' does not exist`);
  return p.aliasName !== undefined ? { key, aliasName: p.aliasName } : { key };
}
