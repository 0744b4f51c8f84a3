/**
 * Tags on the four taggable resources (account, root, OU, policy): request validation with the
 * model's constraints, and reading/replacing a resource's tags where each kind keeps them
 * (account registry, organization record, OU and policy documents). At most 50 per resource.
 */
import type { DocStore } from "../../storage/types.js";
import { ACCOUNTS_COLLECTION, type AccountRecord } from "./accounts.js";
import { constraintViolation, invalidInput, targetNotFound } from "./errors.js";
import { checkString, requireString } from "./input.js";
import {
  accountArn,
  awsManagedPolicyArn,
  ORGANIZATIONS_COLLECTION,
  ouArn,
  OU_COLLECTION,
  ouKey,
  policyArn,
  rootArn,
  type OrganizationRecord,
  type OuRecord,
  type Tag,
} from "./model.js";
import { orgTransaction, storedOrganization, type OrganizationsDomainDeps } from "./organization.js";
import { findPolicy, setPolicyTags } from "./policies.js";

export const MAX_TAGS_PER_RESOURCE = 50;
export const TAG_PATTERN = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

/**
 * Tags of a create or tag request: the model's key/value constraints, unique keys, at most 50 in
 * one request, and no system ("aws:") keys, whichever operation carries them (CreateAccount,
 * CreateOrganizationalUnit, CreatePolicy, InviteAccountToOrganization, PutResourcePolicy and
 * TagResource alike: a system tag can't be added at creation either).
 */
export function checkTags(tags: ReadonlyArray<{ Key?: string; Value?: string }> | undefined): Tag[] {
  const out: Tag[] = [];
  const seen = new Set<string>();
  for (const t of tags ?? []) {
    const key = requireString(t.Key);
    const value = requireString(t.Value);
    checkString(key, { min: 1, max: 128, pattern: TAG_PATTERN });
    checkString(value, { max: 256, pattern: TAG_PATTERN });
    if (seen.has(key)) throw invalidInput("DUPLICATE_TAG_KEY");
    seen.add(key);
    out.push({ Key: key, Value: value });
  }
  if (out.length > MAX_TAGS_PER_RESOURCE) throw invalidInput("MAX_VALUE_EXCEEDED");
  checkUserTagKeys(out.map((t) => t.Key));
  return out;
}

/** Keys beginning with "aws:" are AWS's system tags: callers can neither set nor remove them. */
export function checkUserTagKeys(keys: readonly string[]): void {
  if (keys.some((k) => k.toLowerCase().startsWith("aws:"))) throw invalidInput("INVALID_SYSTEM_TAGS_PARAMETER");
}

export function mergeTags(existing: readonly Tag[], added: readonly Tag[]): Tag[] {
  const map = new Map(existing.map((t) => [t.Key, t.Value] as const));
  for (const t of added) map.set(t.Key, t.Value);
  if (map.size > MAX_TAGS_PER_RESOURCE) throw constraintViolation("MAX_TAG_LIMIT_EXCEEDED");
  return [...map].map(([Key, Value]) => ({ Key, Value }));
}

export const removeTags = (existing: readonly Tag[], keys: readonly string[]): Tag[] => existing.filter((t) => !keys.includes(t.Key));

export interface TaggedResource {
  arn: string;
  type: string;
  tags: Tag[];
}

/** The resource `id` names in the organization with its tags, or TargetNotFoundException. */
export async function taggedResource(db: DocStore, org: Readonly<OrganizationRecord>, id: string): Promise<TaggedResource> {
  if (id === org.rootId) return { arn: rootArn(org), type: "AWS::Organizations::Root", tags: org.rootTags ?? [] };
  if (id.startsWith("ou-")) {
    const ou = await db.get<OuRecord>(OU_COLLECTION, ouKey(org.id, id));
    if (ou) return { arn: ouArn(org, id), type: "AWS::Organizations::OrganizationalUnit", tags: ou.tags ?? [] };
  } else if (id.startsWith("p-")) {
    const p = await findPolicy(db, org, id).catch(() => undefined);
    if (p) return { arn: p.awsManaged ? awsManagedPolicyArn(p.type, p.id) : policyArn(org, p.type, p.id), type: "AWS::Organizations::Policy", tags: p.tags };
  } else {
    const a = await db.get<AccountRecord>(ACCOUNTS_COLLECTION, id);
    if (a?.organizationId === org.id) return { arn: accountArn(org, id), type: "AWS::Organizations::Account", tags: a.tags ?? [] };
  }
  throw targetNotFound();
}

const withTags = <T extends { tags?: Tag[] }>(rec: T, tags: Tag[]): T => {
  const { tags: _old, ...rest } = rec;
  return (tags.length > 0 ? { ...rest, tags } : rest) as T;
};

/** Replaces the tags of the resource `id` names with `change(current tags)`. */
export async function changeTags(deps: OrganizationsDomainDeps, organizationId: string, id: string, change: (tags: Tag[]) => Tag[]): Promise<void> {
  if (id.startsWith("p-")) return setPolicyTags(deps, organizationId, id, change);
  if (/^\d{12}$/.test(id)) {
    await deps.accounts.update(id, (a) => {
      if (a.organizationId !== organizationId) throw targetNotFound();
      return withTags(a, change(a.tags ?? []));
    });
    return;
  }
  await orgTransaction(deps, async (tx) => {
    const org = await storedOrganization(tx, organizationId);
    if (id === org.rootId) {
      const { rootTags: _old, ...rest } = org;
      const tags = change(org.rootTags ?? []);
      await tx.put(ORGANIZATIONS_COLLECTION, org.id, tags.length > 0 ? { ...rest, rootTags: tags } : rest);
      return;
    }
    const ou = await tx.get<OuRecord>(OU_COLLECTION, ouKey(org.id, id));
    if (!ou) throw targetNotFound();
    await tx.put(OU_COLLECTION, ouKey(org.id, id), withTags(ou, change(ou.tags ?? [])));
  });
}
