/**
 * Organization lifecycle, independent of any request: the API handlers and the operator
 * CLI both call these with an account id and a time.
 *
 * Reads here go to storage (write paths decide on fresh data); the service's reads go
 * through a MembershipCache. Organization records are written only through orgTransaction
 * (updateOrganization) or saveOrganization, which invalidate that cache once settled.
 */
import type { Clock } from "../../core/clock.js";
import type { DocStore, Storage } from "../../storage/types.js";
import type { IamApi } from "../iam/api.js";
import { ACCOUNTS_COLLECTION, withoutOrganization, type AccountRecord, type AccountRegistry } from "./accounts.js";
import type { CachedMembership } from "./membership-cache.js";
import { alreadyInOrganization, constraintViolation, notInUse, notManagementAccount, organizationNotEmpty } from "./errors.js";
import {
  ACCOUNT_PARENTS_COLLECTION,
  ATTACHMENTS_COLLECTION,
  RESOURCE_POLICY_COLLECTION,
  CREATE_ACCOUNT_COLLECTION,
  OU_COLLECTION,
  POLICIES_COLLECTION,
  newOrganizationId,
  newRootId,
  ORGANIZATIONS_COLLECTION,
  type CreateAccountRequestRecord,
  type FeatureSet,
  type OrganizationRecord,
} from "./model.js";

export interface OrganizationsDomainDeps {
  store: Storage;
  iam: IamApi;
  clock: Clock;
  accounts: AccountRegistry;
  /** Maximum number of accounts in an organization (default MAX_ACCOUNTS_PER_ORGANIZATION, 10). */
  maxAccounts?: number;
  /**
   * Reports a failure of work that does not decide a call's answer (the call stands, or the job is
   * resumed later): the operator's log. Messages and fields never carry secrets.
   */
  warn?: (fields: Record<string, unknown>, message: string) => void;
  /**
   * Appends the audit events staged with a change (CreateAccountResult), once it has committed:
   * the server's audit outbox. Without it (the operator CLI) they wait for the server's next drain.
   */
  drainAudit?: () => Promise<unknown>;
  /** Region Organizations' own events are recorded in (the gateway's global-service Region; default us-east-1). */
  globalRegion?: string;
}

/** The message of an error, for warn(). */
export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export interface Membership {
  account: AccountRecord;
  org: OrganizationRecord;
}

/** The caller's account and its organization, or undefined when it belongs to none. */
export async function findMembership(deps: Pick<OrganizationsDomainDeps, "store" | "accounts">, accountId: string): Promise<Membership | undefined> {
  const account = await deps.accounts.get(accountId);
  if (!account?.organizationId) return undefined;
  const org = await deps.store.get<OrganizationRecord>(ORGANIZATIONS_COLLECTION, account.organizationId);
  // An account pointing at a missing organization (interrupted create/delete) belongs to none.
  return org ? { account, org } : undefined;
}

/** The membership with the management account's email, as the membership cache keeps it. */
export async function loadMembership(deps: OrganizationsDomainDeps, accountId: string): Promise<CachedMembership | undefined> {
  const m = await findMembership(deps, accountId);
  if (!m) return undefined;
  const mgmt = m.org.managementAccountId === accountId ? m.account : await deps.accounts.get(m.org.managementAccountId);
  return { account: m.account, org: m.org, managementEmail: mgmt?.email ?? "" };
}

/** Writes an organization record on its own (writes that decide on stored state use orgTransaction). */
export async function saveOrganization(deps: OrganizationsDomainDeps, org: OrganizationRecord): Promise<void> {
  try {
    await deps.store.put(ORGANIZATIONS_COLLECTION, org.id, org);
  } finally {
    deps.accounts.changes.bump();
  }
}

/**
 * Runs a write of an organization's structure (OUs, account placement), policies, attachments
 * or record in one storage transaction, and bumps the change counter once it has settled (so the
 * membership and SCP caches drop what they hold). Preconditions are checked inside `fn` on what
 * `tx` reads: transactions are serialised, so concurrent writes see each other's effects.
 */
export async function orgTransaction<T>(deps: OrganizationsDomainDeps, fn: (tx: DocStore) => Promise<T>): Promise<T> {
  try {
    return await deps.store.transaction(fn);
  } finally {
    deps.accounts.changes.bump();
  }
}

/** The organization as stored now; AWSOrganizationsNotInUse if it is gone. */
export async function storedOrganization(db: DocStore, organizationId: string): Promise<OrganizationRecord> {
  const org = await db.get<OrganizationRecord>(ORGANIZATIONS_COLLECTION, organizationId);
  if (!org) throw notInUse();
  return org;
}

/**
 * Read-modify-write of one organization record in a transaction (concurrent changes do not
 * overwrite each other); `fn` returns the new record, or throws to change nothing.
 */
export async function updateOrganization(
  deps: OrganizationsDomainDeps,
  organizationId: string,
  fn: (org: OrganizationRecord) => OrganizationRecord,
): Promise<OrganizationRecord> {
  return orgTransaction(deps, async (tx) => {
    const next = fn(await storedOrganization(tx, organizationId));
    await tx.put(ORGANIZATIONS_COLLECTION, organizationId, next);
    return next;
  });
}

export async function requireMembership(deps: OrganizationsDomainDeps, accountId: string): Promise<Membership> {
  const m = await findMembership(deps, accountId);
  if (!m) throw notInUse();
  return m;
}

/** Only the management account may manage accounts; members get AccessDeniedException. */
export async function requireManagement(deps: OrganizationsDomainDeps, accountId: string): Promise<Membership> {
  const m = await requireMembership(deps, accountId);
  if (m.org.managementAccountId !== accountId) throw notManagementAccount();
  return m;
}

export async function createOrganization(
  deps: OrganizationsDomainDeps,
  input: { accountId: string; featureSet: FeatureSet; now: number },
): Promise<{ org: OrganizationRecord; managementEmail: string }> {
  if (await findMembership(deps, input.accountId)) throw alreadyInOrganization();
  const account = await deps.accounts.get(input.accountId);
  if (!account) {
    // Every account is registered by the operator; one that is not has no contact email.
    throw constraintViolation("MASTER_ACCOUNT_MISSING_CONTACT_INFO", "The management account must have a registered email address before it can create an organization.");
  }
  const org: OrganizationRecord = {
    id: newOrganizationId(),
    featureSet: input.featureSet,
    managementAccountId: input.accountId,
    rootId: newRootId(),
    createdAt: input.now,
  };
  // The claim and the organization in one transaction, decided on the stored records: of
  // parallel CreateOrganization calls one creates it, the others find the account in it. A
  // claim naming no stored organization (left by an interrupted earlier version) is taken over.
  await orgTransaction(deps, async (tx) => {
    const cur = await tx.get<AccountRecord>(ACCOUNTS_COLLECTION, input.accountId);
    if (!cur) throw constraintViolation("MASTER_ACCOUNT_MISSING_CONTACT_INFO", "The management account must have a registered email address before it can create an organization.");
    if (cur.organizationId !== undefined && (await tx.get(ORGANIZATIONS_COLLECTION, cur.organizationId)) !== undefined) throw alreadyInOrganization();
    await tx.put<AccountRecord>(ACCOUNTS_COLLECTION, input.accountId, { ...cur, organizationId: org.id, joinedMethod: "CREATED", joinedAt: input.now });
    await tx.put(ORGANIZATIONS_COLLECTION, org.id, org);
  });
  return { org, managementEmail: account.email };
}

/** Accounts of the organization (management account included), ordered by id. */
export async function organizationAccounts(deps: OrganizationsDomainDeps, org: OrganizationRecord): Promise<AccountRecord[]> {
  return (await deps.accounts.list()).filter((a) => a.organizationId === org.id);
}

export async function deleteOrganization(deps: OrganizationsDomainDeps, accountId: string): Promise<void> {
  const { org } = await requireManagement(deps, accountId);
  // The emptiness checks and the deletion are one transaction on the stored records: an OU,
  // policy, invited member or account request added in parallel either comes first and is
  // refused here (OrganizationNotEmpty), or comes after and finds no organization; none is
  // left behind in an organization that no longer exists.
  const prefix = `${org.id}/`;
  await orgTransaction(deps, async (tx) => {
    const current = await storedOrganization(tx, org.id);
    const members = (await tx.list<AccountRecord>(ACCOUNTS_COLLECTION)).map((e) => e.value).filter((a) => a.organizationId === current.id && a.id !== current.managementAccountId);
    // Member accounts, OUs and (customer managed) policies must all be gone first.
    if (members.length > 0 || (await tx.count(OU_COLLECTION, prefix)) > 0 || (await tx.count(POLICIES_COLLECTION, prefix)) > 0) {
      throw organizationNotEmpty();
    }
    const requests = await tx.list<CreateAccountRequestRecord>(CREATE_ACCOUNT_COLLECTION, { prefix: `${accountId}//` });
    if (requests.some((r) => r.value.state === "IN_PROGRESS")) {
      throw constraintViolation("ACCOUNT_CREATION_NOT_COMPLETE", "An account creation request is still in progress. Wait for it to finish before deleting the organization.");
    }
    const management = await tx.get<AccountRecord>(ACCOUNTS_COLLECTION, accountId);
    if (management) await tx.put<AccountRecord>(ACCOUNTS_COLLECTION, accountId, withoutOrganization(management));
    await tx.delete(ORGANIZATIONS_COLLECTION, current.id);
    await tx.delete(RESOURCE_POLICY_COLLECTION, current.id);
    for (const r of requests) await tx.delete(CREATE_ACCOUNT_COLLECTION, r.key);
    // What remains of the tree: the default policies' attachments and the management account's place.
    for (const c of [ATTACHMENTS_COLLECTION, ACCOUNT_PARENTS_COLLECTION]) for (const e of await tx.list(c, { prefix })) await tx.delete(c, e.key);
  });
}
