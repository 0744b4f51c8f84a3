/**
 * The organization's tree: the root, organizational units (OUs, nested at most five levels
 * below the root) and where each account sits. OUs are documents of their own; an account's
 * place is an `org-account-parents` entry, absent while it sits directly in the root.
 *
 * Every write runs in one transaction (orgTransaction) and checks its preconditions on what that
 * transaction reads, so concurrent writes cannot leave an account in a deleted OU or two OUs of
 * one name under one parent.
 */
import type { DocStore } from "../../storage/types.js";
import { ACCOUNTS_COLLECTION, type AccountRecord } from "./accounts.js";
import {
  accountNotFound,
  constraintViolation,
  destinationParentNotFound,
  duplicateAccount,
  duplicateOrganizationalUnit,
  organizationalUnitNotEmpty,
  organizationalUnitNotFound,
  parentNotFound,
  sourceParentNotFound,
} from "./errors.js";
import {
  ACCOUNT_PARENTS_COLLECTION,
  accountParentKey,
  ATTACHMENTS_COLLECTION,
  newOuId,
  OU_COLLECTION,
  ouKey,
  type OrganizationRecord,
  type OuRecord,
  type Tag,
} from "./model.js";
import { attachDefaultPolicies } from "./attachments.js";
import { orgTransaction, storedOrganization, type OrganizationsDomainDeps } from "./organization.js";

/** OUs can be nested five levels deep under the root. */
export const MAX_OU_DEPTH = 5;
export const MAX_OUS_PER_ORGANIZATION = 2000;

export type ParentType = "ROOT" | "ORGANIZATIONAL_UNIT";

export async function getOu(db: DocStore, org: Readonly<OrganizationRecord>, ouId: string): Promise<OuRecord | undefined> {
  const ou = await db.get<OuRecord>(OU_COLLECTION, ouKey(org.id, ouId));
  return ou?.organizationId === org.id ? ou : undefined;
}

/** Every OU of the organization, ordered by id. */
export async function listOus(db: DocStore, org: Readonly<OrganizationRecord>): Promise<OuRecord[]> {
  return (await db.list<OuRecord>(OU_COLLECTION, { prefix: `${org.id}/` })).map((e) => e.value);
}

/** The root or OU directly containing the account (the root when it was never moved). */
export async function parentOfAccount(db: DocStore, org: Readonly<OrganizationRecord>, accountId: string): Promise<string> {
  return (await db.get<{ parentId: string }>(ACCOUNT_PARENTS_COLLECTION, accountParentKey(org.id, accountId)))?.parentId ?? org.rootId;
}

/** Parent of every account that was moved out of the root. */
async function accountParents(db: DocStore, org: Readonly<OrganizationRecord>): Promise<Map<string, string>> {
  const entries = await db.list<{ parentId: string }>(ACCOUNT_PARENTS_COLLECTION, { prefix: `${org.id}/` });
  return new Map(entries.map((e) => [e.key.slice(org.id.length + 1), e.value.parentId]));
}

export const parentType = (org: Readonly<OrganizationRecord>, parentId: string): ParentType => (parentId === org.rootId ? "ROOT" : "ORGANIZATIONAL_UNIT");

/** Whether `parentId` names the root or an OU of the organization. */
export async function parentExists(db: DocStore, org: Readonly<OrganizationRecord>, parentId: string): Promise<boolean> {
  return parentId === org.rootId || (await getOu(db, org, parentId)) !== undefined;
}

/** The OUs from just below the root down to `ouId` (empty for the root itself). */
export async function ouChain(db: DocStore, org: Readonly<OrganizationRecord>, ouId: string): Promise<OuRecord[]> {
  const chain: OuRecord[] = [];
  let id = ouId;
  // The depth limit bounds the walk; the extra step guards against a corrupted (cyclic) tree.
  while (id !== org.rootId && chain.length <= MAX_OU_DEPTH) {
    const ou = await getOu(db, org, id);
    if (!ou) break;
    chain.unshift(ou);
    id = ou.parentId;
  }
  return chain;
}

/** Accounts of the organization (management account included) directly in `parentId`, ordered by id. */
export async function accountsIn(db: DocStore, org: Readonly<OrganizationRecord>, parentId: string): Promise<AccountRecord[]> {
  const parents = await accountParents(db, org);
  const all = (await db.list<AccountRecord>(ACCOUNTS_COLLECTION)).map((e) => e.value);
  return all.filter((a) => a.organizationId === org.id && (parents.get(a.id) ?? org.rootId) === parentId);
}

/** OUs directly in `parentId`, ordered by id. */
export async function ousIn(db: DocStore, org: Readonly<OrganizationRecord>, parentId: string): Promise<OuRecord[]> {
  return (await listOus(db, org)).filter((ou) => ou.parentId === parentId);
}

export async function createOu(
  deps: OrganizationsDomainDeps,
  organizationId: string,
  input: { parentId: string; name: string; tags: Tag[]; now: number },
): Promise<{ org: OrganizationRecord; ou: OuRecord }> {
  return orgTransaction(deps, async (tx) => {
    const org = await storedOrganization(tx, organizationId);
    if (!(await parentExists(tx, org, input.parentId))) throw parentNotFound();
    const depth = input.parentId === org.rootId ? 1 : (await ouChain(tx, org, input.parentId)).length + 1;
    if (depth > MAX_OU_DEPTH) throw constraintViolation("OU_DEPTH_LIMIT_EXCEEDED");
    const all = await listOus(tx, org);
    if (all.some((ou) => ou.parentId === input.parentId && ou.name === input.name)) throw duplicateOrganizationalUnit();
    if (all.length >= MAX_OUS_PER_ORGANIZATION) throw constraintViolation("OU_NUMBER_LIMIT_EXCEEDED");
    let id = newOuId(org.rootId);
    while (all.some((ou) => ou.id === id)) id = newOuId(org.rootId);
    const ou: OuRecord = {
      id,
      organizationId: org.id,
      parentId: input.parentId,
      name: input.name,
      createdAt: input.now,
      ...(input.tags.length > 0 ? { tags: input.tags } : {}),
    };
    await tx.put(OU_COLLECTION, ouKey(org.id, id), ou);
    await attachDefaultPolicies(tx, org, id);
    return { org, ou };
  });
}

export async function renameOu(deps: OrganizationsDomainDeps, organizationId: string, ouId: string, name: string | undefined): Promise<{ org: OrganizationRecord; ou: OuRecord }> {
  return orgTransaction(deps, async (tx) => {
    const org = await storedOrganization(tx, organizationId);
    const ou = await getOu(tx, org, ouId);
    if (!ou) throw organizationalUnitNotFound();
    // Without a Name nothing changes (the model makes it optional).
    if (name === undefined || name === ou.name) return { org, ou };
    if ((await ousIn(tx, org, ou.parentId)).some((o) => o.id !== ou.id && o.name === name)) throw duplicateOrganizationalUnit();
    const next = { ...ou, name };
    await tx.put(OU_COLLECTION, ouKey(org.id, ou.id), next);
    return { org, ou: next };
  });
}

export async function deleteOu(deps: OrganizationsDomainDeps, organizationId: string, ouId: string): Promise<void> {
  await orgTransaction(deps, async (tx) => {
    const org = await storedOrganization(tx, organizationId);
    if (!(await getOu(tx, org, ouId))) throw organizationalUnitNotFound();
    if ((await ousIn(tx, org, ouId)).length > 0 || (await accountsIn(tx, org, ouId)).length > 0) throw organizationalUnitNotEmpty();
    for (const a of await tx.list(ATTACHMENTS_COLLECTION, { prefix: `${org.id}/${ouId}/` })) await tx.delete(ATTACHMENTS_COLLECTION, a.key);
    await tx.delete(OU_COLLECTION, ouKey(org.id, ouId));
  });
}

/**
 * Moves a member account from `source` to `destination`. The account must be in `source` now;
 * when it is not, the source is reported as not found (AWS documents no separate error).
 * Membership is checked again here, in the write's transaction: an account removed (or that
 * left) in parallel is not given a place in an OU it would find again when it rejoins.
 */
export async function moveAccount(deps: OrganizationsDomainDeps, organizationId: string, accountId: string, source: string, destination: string): Promise<void> {
  await orgTransaction(deps, async (tx) => {
    const org = await storedOrganization(tx, organizationId);
    if ((await tx.get<AccountRecord>(ACCOUNTS_COLLECTION, accountId))?.organizationId !== org.id) throw accountNotFound();
    if (!(await parentExists(tx, org, source))) throw sourceParentNotFound();
    if (!(await parentExists(tx, org, destination))) throw destinationParentNotFound();
    const current = await parentOfAccount(tx, org, accountId);
    if (current !== source) throw sourceParentNotFound();
    if (current === destination) throw duplicateAccount();
    if (destination === org.rootId) await tx.delete(ACCOUNT_PARENTS_COLLECTION, accountParentKey(org.id, accountId));
    else await tx.put(ACCOUNT_PARENTS_COLLECTION, accountParentKey(org.id, accountId), { parentId: destination });
  });
}

/** Removes an account's place and policy attachments (an account that leaves, or a failed CreateAccount). */
export async function forgetAccount(deps: OrganizationsDomainDeps, organizationId: string, accountId: string): Promise<void> {
  await orgTransaction(deps, (tx) => forgetAccountIn(tx, organizationId, accountId));
}

/** forgetAccount inside the caller's transaction. */
export async function forgetAccountIn(tx: DocStore, organizationId: string, accountId: string): Promise<void> {
  await tx.delete(ACCOUNT_PARENTS_COLLECTION, accountParentKey(organizationId, accountId));
  for (const a of await tx.list(ATTACHMENTS_COLLECTION, { prefix: `${organizationId}/${accountId}/` })) await tx.delete(ATTACHMENTS_COLLECTION, a.key);
}
