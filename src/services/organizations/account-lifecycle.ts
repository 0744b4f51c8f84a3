/**
 * Accounts leaving an organization and closing (Organizations API Reference:
 * RemoveAccountFromOrganization, LeaveOrganization, CloseAccount).
 *
 * A removed or departed account becomes a standalone account: its registry entry loses the
 * organization, and its place in the tree and its policy attachments are dropped. Each write
 * bumps the change counter (the registry's update, orgTransaction), so the membership and SCP
 * caches stop applying the organization's SCPs to it at once.
 *
 * An account the organization created (CreateAccount) may leave it, removed or by itself, only
 * once CREATED_ACCOUNT_WAIT_MS have passed since it was created (WAIT_PERIOD_ACTIVE); invited
 * accounts are not subject to it, nor is an account created elsewhere that joined by invitation.
 *
 * Closure is asynchronous as in AWS: CloseAccount records the request time and the status follows
 * from it (account-status.ts). A closed account stays in the organization, as in AWS; from the
 * request on, its credentials are refused (see ClosedAccounts).
 */
import { GLOBAL_EVENT_REGION } from "../../audit/event.js";
import { cloudTrailDate } from "../../audit/cloudtrail-date.js";
import { serviceRecordedEvent, stageAuditEvent, type StagedEvent } from "../../audit/outbox.js";
import type { Clock } from "../../core/clock.js";
import { ACCOUNTS_COLLECTION, withoutOrganization, type AccountRecord, type AccountRegistry } from "./accounts.js";
import { accountUsable, closeQuota, CLOSE_QUOTA_WINDOW_MS, CLOSURE_DELAY_MS } from "./account-status.js";
import { accountAlreadyClosed, accountNotFound, constraintViolation, masterCannotLeave } from "./errors.js";
import { ChangeTrackedCache, MISS, type MembershipCacheOptions } from "./membership-cache.js";
import type { OrganizationRecord } from "./model.js";
import { orgTransaction, storedOrganization, type OrganizationsDomainDeps } from "./organization.js";
import { forgetAccountIn } from "./tree.js";

const ORGANIZATIONS_HOST = "organizations.amazonaws.com";

/**
 * How long an account created in the organization stays in it before it may leave: "at least four
 * days after the account was created" (the service model's WAIT_PERIOD_ACTIVE and the
 * LeaveOrganization reference; earlier documentation said seven days).
 */
export const CREATED_ACCOUNT_WAIT_MS = 4 * 24 * 60 * 60 * 1000;

/** Whether `a` is still within the wait at `now`: created in its organization less than CREATED_ACCOUNT_WAIT_MS ago. */
export function inCreatedAccountWait(a: Readonly<AccountRecord>, now: number): boolean {
  // An account joins as CREATED only through CreateAccount (a record without the field is shown as
  // CREATED too); one that joined by invitation is INVITED, whatever made it.
  return a.joinedMethod !== "INVITED" && now - a.createdAt < CREATED_ACCOUNT_WAIT_MS;
}

/**
 * Removes a member from its organization: `by` is "management" for RemoveAccountFromOrganization
 * and "self" for LeaveOrganization (the management account gets the error each one documents).
 */
export async function removeMember(deps: OrganizationsDomainDeps, organizationId: string, accountId: string, by: "management" | "self", now: number): Promise<void> {
  // One transaction on the stored records: a RegisterDelegatedAdministrator (or a second removal)
  // in parallel either comes first and is seen here, or comes after and finds no member.
  await orgTransaction(deps, async (tx) => {
    const org = await storedOrganization(tx, organizationId);
    if (org.managementAccountId === accountId) throw by === "self" ? masterCannotLeave() : constraintViolation("ACCOUNT_CANNOT_LEAVE_ORGANIZATION");
    if ((org.delegatedAdministrators ?? []).some((d) => d.accountId === accountId)) throw constraintViolation("CANNOT_REMOVE_DELEGATED_ADMINISTRATOR_FROM_ORG");
    const cur = await tx.get<AccountRecord>(ACCOUNTS_COLLECTION, accountId);
    if (cur?.organizationId !== organizationId) throw accountNotFound();
    // Last of the refusals: the caller is authorised and the account is a member by now.
    if (inCreatedAccountWait(cur, now)) throw constraintViolation("WAIT_PERIOD_ACTIVE");
    await tx.put<AccountRecord>(ACCOUNTS_COLLECTION, accountId, withoutOrganization(cur));
    await forgetAccountIn(tx, organizationId, accountId);
  });
}

/** CloseAccount: the member becomes PENDING_CLOSURE now, SUSPENDED after CLOSURE_DELAY_MS. */
export async function closeMember(deps: OrganizationsDomainDeps, org: Readonly<OrganizationRecord>, accountId: string, now: number): Promise<AccountRecord> {
  if (org.managementAccountId === accountId) {
    // ConstraintViolationException's own reason for this case (not ACCOUNT_CANNOT_LEAVE_ORGANIZATION,
    // which is RemoveAccountFromOrganization's).
    throw constraintViolation("CANNOT_CLOSE_MANAGEMENT_ACCOUNT");
  }
  // The quota is counted in the transaction that records the closure: parallel CloseAccount
  // calls count each other.
  return orgTransaction(deps, async (tx) => {
    const all = (await tx.list<AccountRecord>(ACCOUNTS_COLLECTION)).map((e) => e.value).filter((a) => a.organizationId === org.id);
    const members = all.filter((a) => a.id !== org.managementAccountId);
    const recent = members.filter((a) => a.closureRequestedAt !== undefined && a.closureRequestedAt > now - CLOSE_QUOTA_WINDOW_MS).length;
    const cur = members.find((a) => a.id === accountId);
    if (!cur) throw accountNotFound();
    if (cur.closureRequestedAt !== undefined || cur.status !== "ACTIVE") throw accountAlreadyClosed();
    if (recent >= closeQuota(members.length)) throw constraintViolation("CLOSE_ACCOUNT_QUOTA_EXCEEDED");
    const next: AccountRecord = { ...cur, closureRequestedAt: now };
    await tx.put<AccountRecord>(ACCOUNTS_COLLECTION, accountId, next);
    // The closure completes by itself CLOSURE_DELAY_MS later (account-status.ts): its result event
    // is staged now, for that time, so it is recorded whatever happens to this process meanwhile.
    await stageAuditEvent(tx, closeAccountResult(deps, org.managementAccountId, accountId, now, now + CLOSURE_DELAY_MS));
    return next;
  });
}

/**
 * The CloseAccountResult event Organizations records in the management account once a closure
 * has completed (Organizations User Guide, "Logging API calls with CloudTrail"): an AWS service
 * event invoked by Organizations itself, serviceEventDetails.closeAccountStatus with the account,
 * the state and both timestamps.
 */
function closeAccountResult(deps: OrganizationsDomainDeps, managementAccountId: string, accountId: string, requestedAt: number, completedAt: number): StagedEvent {
  return serviceRecordedEvent({
    time: completedAt,
    eventSource: ORGANIZATIONS_HOST,
    operation: "CloseAccountResult",
    region: deps.globalRegion ?? GLOBAL_EVENT_REGION,
    accountId: managementAccountId,
    invokedBy: ORGANIZATIONS_HOST,
    serviceEventDetails: {
      closeAccountStatus: { accountId, state: "SUCCEEDED", requestedTimestamp: cloudTrailDate(new Date(requestedAt)), completedTimestamp: cloudTrailDate(new Date(completedAt)) },
    },
  });
}

/**
 * Whether an account's principals are refused (the account is closing, closed or suspended),
 * cached for the request path and dropped on every registry write like the membership cache.
 */
export class ClosedAccounts {
  private readonly cache: ChangeTrackedCache<boolean>;

  constructor(
    private readonly accounts: AccountRegistry,
    clock: Clock,
    opts: MembershipCacheOptions = {},
  ) {
    this.cache = new ChangeTrackedCache<boolean>(accounts.changes, clock, { ...opts, keepAbsent: true });
  }

  isClosed(accountId: string, now?: number): boolean | Promise<boolean> {
    const held = this.cache.peek(accountId, now);
    if (held !== MISS) return held === true;
    return this.cache
      .get(accountId, async () => {
        const a = await this.accounts.get(accountId);
        // Accounts this installation does not know (none is), and usable ones, are not refused.
        return a !== undefined && !accountUsable(a) ? true : undefined;
      })
      .then((v) => v === true);
  }
}
