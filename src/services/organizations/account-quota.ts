/**
 * The "maximum number of accounts" quota of an organization (Organizations user guide, Quotas:
 * 10 by default, adjustable). What counts: the member accounts, whatever their status (closed
 * ones count until closed permanently), the management account included; the CreateAccount
 * requests still IN_PROGRESS (each reserves its place when it is accepted, so the job that
 * finishes it never exceeds the quota); and the invitations still OPEN ("invitations sent to
 * an account count against this quota"; declined, canceled or expired ones give it back).
 * The count is made on what the write's transaction reads, so parallel CreateAccount,
 * InviteAccountToOrganization and AcceptHandshake calls count each other.
 */
import type { DocStore } from "../../storage/types.js";
import { ACCOUNTS_COLLECTION, type AccountRecord } from "./accounts.js";
import { CREATE_ACCOUNT_COLLECTION, type CreateAccountRequestRecord, type OrganizationRecord } from "./model.js";
import { HANDSHAKES_COLLECTION, handshakeState, type HandshakeRecord } from "./handshakes.js";
import type { OrganizationsDomainDeps } from "./organization.js";

/** Default maximum number of accounts in an organization (Quotas for AWS Organizations). */
export const MAX_ACCOUNTS_PER_ORGANIZATION = 10;

/** AWS's message for ACCOUNT_NUMBER_LIMIT_EXCEEDED, in both exceptions that carry it. */
export const ACCOUNT_NUMBER_LIMIT_MESSAGE = "You have exceeded the allowed number of AWS accounts";

export function maxAccounts(deps: Pick<OrganizationsDomainDeps, "maxAccounts">): number {
  return deps.maxAccounts ?? MAX_ACCOUNTS_PER_ORGANIZATION;
}

/** Accounts counted against the quota, as `tx` reads them; `except` leaves out one invitation (the one being accepted). */
export async function accountsCounted(tx: DocStore, org: Pick<OrganizationRecord, "id" | "managementAccountId">, now: number, except?: string): Promise<number> {
  const members = new Set<string>();
  for (const { value: a } of await tx.list<AccountRecord>(ACCOUNTS_COLLECTION)) if (a.organizationId === org.id) members.add(a.id);
  let n = members.size;
  for (const { value: r } of await tx.list<CreateAccountRequestRecord>(CREATE_ACCOUNT_COLLECTION, { prefix: `${org.managementAccountId}//` })) {
    // A request whose account is already registered is counted as that member.
    if (r.organizationId === org.id && r.state === "IN_PROGRESS" && !(r.accountId !== undefined && members.has(r.accountId))) n++;
  }
  for (const { value: h } of await tx.list<HandshakeRecord>(HANDSHAKES_COLLECTION)) {
    if (h.organizationId === org.id && h.action === "INVITE" && h.id !== except && handshakeState(h, now) === "OPEN") n++;
  }
  return n;
}

/** True when one more account would exceed the organization's quota. */
export async function accountQuotaFull(deps: Pick<OrganizationsDomainDeps, "maxAccounts">, tx: DocStore, org: Pick<OrganizationRecord, "id" | "managementAccountId">, now: number, except?: string): Promise<boolean> {
  return (await accountsCounted(tx, org, now, except)) >= maxAccounts(deps);
}
