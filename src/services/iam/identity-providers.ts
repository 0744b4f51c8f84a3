/**
 * What IAM's two kinds of identity provider (OpenID Connect, SAML) share: a provider is named
 * by an ARN `arn:<partition>:iam::<account>:<kind>/<resource>`, stored under `<account>/<resource>`,
 * authorised on that ARN with its tags as aws:ResourceTag/*, changed in one transaction, and
 * tagged, untagged and listed the same way.
 */
import type { AwsError } from "../../core/errors.js";
import type { ConditionContext } from "../../core/types.js";
import type { DocStore } from "../../storage/types.js";
import { authorize, noteResource, write, type Caller, type IamEnv } from "./env.js";
import { invalidInput } from "./errors.js";
import type { TagDoc } from "./model.js";
import { paginate, pageFields } from "./pagination.js";
import { mergeTags, removeTags, requestTagContext, resourceTagContext, sortedTags } from "./tags.js";
import { checkArn, checkMarker, checkMaxItems, checkTagKeys, checkTags, required, validateMembers } from "./validation.js";
import { arnPattern, iamArn } from "../../core/partition.js";

export interface ProviderKind {
  collection: string;
  /** CloudTrail resource type, e.g. AWS::IAM::OIDCProvider. */
  resourceType: string;
  /** The ARN's resource type: "oidc-provider" or "saml-provider". */
  arnType: string;
  /** Wire name of the ARN member in requests (for validation messages). */
  arnField: string;
  /** Quota name in LimitExceeded messages for more than 50 tags. */
  tagQuota: string | (() => Error);
  notFound(arn: string): AwsError;
}

interface ProviderDoc {
  accountId: string;
  tags: TagDoc[];
}

export interface ProviderStore<D extends ProviderDoc> {
  arnOf(accountId: string, resource: string): string;
  /** Storage key of the provider an ARN names, when it names one of `accountId`'s providers. */
  keyOfArn(arn: string, accountId: string): string | undefined;
  byResource(db: DocStore, accountId: string, resource: string): Promise<D | undefined>;
  byArn(db: DocStore, accountId: string, arn: string): Promise<D | undefined>;
  /** Authorises `iam:<action>` on the provider named by ARN; returns the stored provider (if any, and in the caller's account). */
  authorizeOn(env: IamEnv, caller: Caller, action: string, arnInput: string | undefined, context?: ConditionContext): Promise<{ arn: string; doc: D | undefined }>;
  /** Applies `change` to the stored provider in one transaction; NoSuchEntity when it is gone. Returns the new document. */
  update(env: IamEnv, caller: Caller, arn: string, change: (p: D) => D): Promise<D>;
  remove(env: IamEnv, caller: Caller, arn: string): Promise<D>;
  tag(env: IamEnv, caller: Caller, action: string, arnInput: string | undefined, tagsInput: Array<{ Key?: string; Value?: string }> | undefined): Promise<Record<string, never>>;
  untag(env: IamEnv, caller: Caller, action: string, arnInput: string | undefined, keysInput: string[] | undefined): Promise<Record<string, never>>;
  listTags(
    env: IamEnv,
    caller: Caller,
    action: string,
    input: { arn: string | undefined; Marker?: string | undefined; MaxItems?: number | undefined },
  ): Promise<{ Tags: TagDoc[]; IsTruncated: boolean; Marker?: string }>;
}

export function providerStore<D extends ProviderDoc>(kind: ProviderKind): ProviderStore<D> {
  const arnRe = arnPattern(new RegExp(`^arn:aws:iam::(\\d{12}):${kind.arnType}/(.+)$`));
  const keyOf = (accountId: string, resource: string) => `${accountId}/${resource}`;

  const store: ProviderStore<D> = {
    arnOf: (accountId, resource) => iamArn(accountId, `${kind.arnType}/${resource}`),

    keyOfArn(arn, accountId) {
      const m = arnRe.exec(arn);
      return m && m[1] === accountId ? keyOf(accountId, m[2] as string) : undefined;
    },

    byResource: (db, accountId, resource) => db.get<D>(kind.collection, keyOf(accountId, resource)),

    async byArn(db, accountId, arn) {
      const key = store.keyOfArn(arn, accountId);
      return key === undefined ? undefined : db.get<D>(kind.collection, key);
    },

    async authorizeOn(env, caller, action, arnInput, context) {
      const arn = checkArn(arnInput, kind.arnField);
      const doc = await store.byArn(env.store, caller.accountId, arn);
      await authorize(caller, action, arn, { ...resourceTagContext(doc?.tags), ...context });
      noteResource(caller, arn, kind.resourceType);
      return { arn, doc };
    },

    async update(env, caller, arn, change) {
      const key = store.keyOfArn(arn, caller.accountId);
      return write(env, caller.accountId, async (tx) => {
        const p = key === undefined ? undefined : await tx.get<D>(kind.collection, key);
        if (!p || key === undefined) throw kind.notFound(arn);
        const next = change(p);
        await tx.put<D>(kind.collection, key, next);
        return next;
      });
    },

    async remove(env, caller, arn) {
      const key = store.keyOfArn(arn, caller.accountId);
      return write(env, caller.accountId, async (tx) => {
        const p = key === undefined ? undefined : await tx.get<D>(kind.collection, key);
        if (!p || key === undefined) throw kind.notFound(arn);
        await tx.delete(kind.collection, key);
        return p;
      });
    },

    async tag(env, caller, action, arnInput, tagsInput) {
      const tags = checkTags(required(tagsInput, "tags"), true);
      const { arn } = await store.authorizeOn(env, caller, action, arnInput, requestTagContext(tags));
      await store.update(env, caller, arn, (p) => ({ ...p, tags: mergeTags(p.tags, tags, true, kind.tagQuota) }));
      return {};
    },

    async untag(env, caller, action, arnInput, keysInput) {
      const keys = checkTagKeys(keysInput);
      const { arn } = await store.authorizeOn(env, caller, action, arnInput, { "aws:TagKeys": keys });
      await store.update(env, caller, arn, (p) => ({ ...p, tags: removeTags(p.tags, keys, true) }));
      return {};
    },

    async listTags(env, caller, action, input) {
      const [marker, max] = validateMembers(() => checkMarker(input.Marker), () => checkMaxItems(input.MaxItems));
      const { arn, doc } = await store.authorizeOn(env, caller, action, input.arn);
      if (!doc) throw kind.notFound(arn);
      const page = paginate(action, sortedTags(doc.tags), (t) => t.Key, marker, max);
      return { Tags: page.items, ...pageFields(page) };
    },
  };
  return store;
}

/**
 * Trusted identity propagation (ContextProvider, IdentityCenterInstanceArn on OIDC and SAML
 * providers) ties a provider to an IAM Identity Center instance, which this endpoint does not
 * serve: a request that asks for it is refused rather than stored without effect. Removing what
 * was never set is allowed (a no-op).
 */
export function refuseIdentityPropagation(input: { ContextProvider?: unknown; IdentityCenterInstanceArn?: string | undefined }): void {
  if (input.ContextProvider !== undefined || input.IdentityCenterInstanceArn !== undefined) {
    throw invalidInput("Trusted identity propagation (ContextProvider, IdentityCenterInstanceArn) is not available: IAM Identity Center is not served by this endpoint.");
  }
}
