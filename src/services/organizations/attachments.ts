/**
 * Policy attachments to the root, OUs and accounts, and enabling/disabling policy types in the
 * root, with the documented rules:
 *   - a policy of a type can be attached only while the type is enabled in the root;
 *   - at most `maxPerTarget` policies of a type per target; for authorization policies never
 *     fewer than one while the type is enabled (a target's last SCP cannot be detached),
 *     management policies have no minimum;
 *   - enabling an authorization type attaches its AWS managed default policy (FullAWSAccess for
 *     SCPs) to the root, every OU and every account, and so does creating an OU or account while
 *     it is enabled; management types have no default;
 *   - each attachment records when it was made: management policies attached to one node merge
 *     in that order (inheritance.ts);
 *   - disabling a type detaches every policy of that type in the root (re-enabling starts over
 *     from the default policy everywhere).
 * All writes go through orgTransaction (one transaction, then the change counter is bumped).
 */
import type { DocStore } from "../../storage/types.js";
import { ACCOUNTS_COLLECTION, type AccountRecord } from "./accounts.js";
import {
  constraintViolation,
  duplicatePolicyAttachment,
  invalidInput,
  policyNotAttached,
  policyTypeAlreadyEnabled,
  policyTypeNotAvailable,
  policyTypeNotEnabled,
  rootNotFound,
  targetNotFound,
} from "./errors.js";
import {
  ATTACHMENTS_COLLECTION,
  attachmentKey,
  ORGANIZATIONS_COLLECTION,
  OU_COLLECTION,
  ouKey,
  ROOT_NAME,
  type AttachmentRecord,
  type OrganizationRecord,
  type OrgPolicyType,
  type OuRecord,
} from "./model.js";
import { orgTransaction, storedOrganization, type OrganizationsDomainDeps } from "./organization.js";
import { findPolicy, type FoundPolicy } from "./policies.js";
import { defaultPolicyOf, isAuthorizationType, POLICY_TYPES, RCP_FULL_AWS_ACCESS } from "./policy-types.js";

export type TargetType = "ROOT" | "ORGANIZATIONAL_UNIT" | "ACCOUNT";

export interface Target {
  id: string;
  type: TargetType;
  name: string;
}

/** The root, OU or member account `targetId` names in the organization, if any. */
export async function findTarget(db: DocStore, org: Readonly<OrganizationRecord>, targetId: string): Promise<Target | undefined> {
  if (targetId === org.rootId) return { id: targetId, type: "ROOT", name: ROOT_NAME };
  if (targetId.startsWith("ou-")) {
    const ou = await db.get<OuRecord>(OU_COLLECTION, ouKey(org.id, targetId));
    return ou ? { id: ou.id, type: "ORGANIZATIONAL_UNIT", name: ou.name } : undefined;
  }
  const account = await db.get<AccountRecord>(ACCOUNTS_COLLECTION, targetId);
  return account?.organizationId === org.id ? { id: account.id, type: "ACCOUNT", name: account.name } : undefined;
}

/** Attachments to one target, ordered by policy id. */
export async function attachmentsOf(db: DocStore, organizationId: string, targetId: string): Promise<AttachmentRecord[]> {
  return (await db.list<AttachmentRecord>(ATTACHMENTS_COLLECTION, { prefix: `${organizationId}/${targetId}/` })).map((e) => e.value);
}

/** Every attachment in the organization. */
export async function allAttachments(db: DocStore, organizationId: string): Promise<AttachmentRecord[]> {
  return (await db.list<AttachmentRecord>(ATTACHMENTS_COLLECTION, { prefix: `${organizationId}/` })).map((e) => e.value);
}

const enabled = (org: Readonly<OrganizationRecord>, type: OrgPolicyType): boolean => (org.policyTypes ?? []).includes(type);

/**
 * Gives a new (or newly covered) target the default policy of each enabled type it has none of.
 * Called inside the transaction that creates an OU, and after CreateAccount registers an account.
 */
export async function attachDefaultPolicies(tx: DocStore, org: Readonly<OrganizationRecord>, targetId: string): Promise<void> {
  const types = org.policyTypes ?? [];
  if (types.length === 0) return;
  const present = await attachmentsOf(tx, org.id, targetId);
  for (const type of types) {
    const policyId = defaultPolicyOf(type)?.id;
    if (policyId === undefined || present.some((a) => a.type === type)) continue;
    await tx.put<AttachmentRecord>(ATTACHMENTS_COLLECTION, attachmentKey(org.id, targetId, policyId), { policyId, targetId, type });
  }
}

/** The default policies for an account that has just joined (read the organization fresh: a type may have been enabled meanwhile). */
export async function attachDefaultPoliciesToAccount(deps: OrganizationsDomainDeps, organizationId: string, accountId: string): Promise<void> {
  await orgTransaction(deps, async (tx) => {
    const org = await tx.get<OrganizationRecord>(ORGANIZATIONS_COLLECTION, organizationId);
    if (org) await attachDefaultPolicies(tx, org, accountId);
  });
}

async function policyAndTarget(tx: DocStore, org: Readonly<OrganizationRecord>, policyId: string, targetId: string): Promise<{ policy: FoundPolicy; target: Target }> {
  const policy = await findPolicy(tx, org, policyId);
  const target = await findTarget(tx, org, targetId);
  if (!target) throw targetNotFound();
  return { policy, target };
}

export async function attachPolicy(deps: OrganizationsDomainDeps, organizationId: string, policyId: string, targetId: string, now: number): Promise<void> {
  await orgTransaction(deps, async (tx) => {
    const org = await storedOrganization(tx, organizationId);
    const { policy } = await policyAndTarget(tx, org, policyId, targetId);
    if (!enabled(org, policy.type)) throw policyTypeNotEnabled();
    const present = await attachmentsOf(tx, org.id, targetId);
    if (present.some((a) => a.policyId === policyId)) throw duplicatePolicyAttachment();
    if (present.filter((a) => a.type === policy.type).length >= POLICY_TYPES[policy.type].maxPerTarget) {
      throw constraintViolation("MAX_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED");
    }
    await tx.put<AttachmentRecord>(ATTACHMENTS_COLLECTION, attachmentKey(org.id, targetId, policyId), { policyId, targetId, type: policy.type, attachedAt: now });
  });
}

export async function detachPolicy(deps: OrganizationsDomainDeps, organizationId: string, policyId: string, targetId: string): Promise<void> {
  await orgTransaction(deps, async (tx) => {
    const org = await storedOrganization(tx, organizationId);
    const { policy } = await policyAndTarget(tx, org, policyId, targetId);
    const present = await attachmentsOf(tx, org.id, targetId);
    if (!present.some((a) => a.policyId === policyId)) throw policyNotAttached();
    // RCPFullAWSAccess "is automatically attached to the organization root, every OU, and every
    // account ... You cannot detach this policy" (Organizations user guide, RCP syntax): without it
    // an RCP level allows nothing, and every resource of the accounts below is shut. The API's
    // InvalidInputException reason for it: NON_DETACHABLE_POLICY, "You can't detach this AWS
    // Managed Policy."
    if (policyId === RCP_FULL_AWS_ACCESS.id) throw invalidInput("NON_DETACHABLE_POLICY");
    if (isAuthorizationType(policy.type) && present.filter((a) => a.type === policy.type).length <= 1) throw constraintViolation("MIN_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED");
    await tx.delete(ATTACHMENTS_COLLECTION, attachmentKey(org.id, targetId, policyId));
  });
}

export async function enablePolicyType(deps: OrganizationsDomainDeps, organizationId: string, rootId: string, type: OrgPolicyType | undefined): Promise<OrganizationRecord> {
  return orgTransaction(deps, async (tx) => {
    const org = await storedOrganization(tx, organizationId);
    if (rootId !== org.rootId) throw rootNotFound();
    // Policies need all features; a type this installation does not know is offered to no organization.
    if (type === undefined || org.featureSet !== "ALL") throw policyTypeNotAvailable();
    if (enabled(org, type)) throw policyTypeAlreadyEnabled();
    const next: OrganizationRecord = { ...org, policyTypes: [...(org.policyTypes ?? []), type] };
    const policyId = defaultPolicyOf(type)?.id;
    if (policyId !== undefined) {
      // One snapshot of the tree: OUs and accounts created later attach the default themselves.
      const targets = [org.rootId, ...(await tx.list<OuRecord>(OU_COLLECTION, { prefix: `${org.id}/` })).map((e) => e.value.id)];
      for (const e of await tx.list<AccountRecord>(ACCOUNTS_COLLECTION)) if (e.value.organizationId === org.id) targets.push(e.value.id);
      for (const targetId of targets) {
        await tx.put<AttachmentRecord>(ATTACHMENTS_COLLECTION, attachmentKey(org.id, targetId, policyId), { policyId, targetId, type });
      }
    }
    await tx.put(ORGANIZATIONS_COLLECTION, org.id, next);
    return next;
  });
}

export async function disablePolicyType(deps: OrganizationsDomainDeps, organizationId: string, rootId: string, type: OrgPolicyType | undefined): Promise<OrganizationRecord> {
  return orgTransaction(deps, async (tx) => {
    const org = await storedOrganization(tx, organizationId);
    if (rootId !== org.rootId) throw rootNotFound();
    if (type === undefined || !enabled(org, type)) throw policyTypeNotEnabled();
    for (const e of await tx.list<AttachmentRecord>(ATTACHMENTS_COLLECTION, { prefix: `${org.id}/` })) {
      if (e.value.type === type) await tx.delete(ATTACHMENTS_COLLECTION, e.key);
    }
    const next: OrganizationRecord = { ...org, policyTypes: (org.policyTypes ?? []).filter((t) => t !== type) };
    await tx.put(ORGANIZATIONS_COLLECTION, org.id, next);
    return next;
  });
}
