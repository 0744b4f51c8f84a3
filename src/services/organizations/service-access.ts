/**
 * Trusted access for AWS services (EnableAWSServiceAccess, DisableAWSServiceAccess,
 * ListAWSServiceAccessForOrganization) and delegated administrators
 * (RegisterDelegatedAdministrator, DeregisterDelegatedAdministrator, ListDelegatedAdministrators).
 * Both live on the organization record; IAM reads them (centralised root access needs trusted
 * access for iam.amazonaws.com and lets its delegated administrator manage member accounts' root).
 */
import { accountAlreadyRegistered, accountNotFound, accountNotRegistered, constraintViolation } from "./errors.js";
import { ORGANIZATIONS_COLLECTION, serviceAccessEnabled, isDelegatedAdministrator, type OrganizationRecord, type OrgPolicyType } from "./model.js";
import { organizationAccounts, orgTransaction, storedOrganization, updateOrganization, type OrganizationsDomainDeps } from "./organization.js";
import { ACCOUNTS_COLLECTION, type AccountRecord } from "./accounts.js";
import { accountUsable } from "./account-status.js";

export async function enableServiceAccess(deps: OrganizationsDomainDeps, org: OrganizationRecord, servicePrincipal: string, now: number): Promise<void> {
  // Enabling a service that already has trusted access changes nothing (AWS answers success).
  if (serviceAccessEnabled(org, servicePrincipal)) return;
  await updateOrganization(deps, org.id, (cur) =>
    serviceAccessEnabled(cur, servicePrincipal) ? cur : { ...cur, enabledServices: [...(cur.enabledServices ?? []), { servicePrincipal, enabledAt: now }] },
  );
}

/**
 * The policy type a service's trusted access may not be disabled under: "You attempted to disable
 * service access before you disabled the policy type (for example, SECURITYHUB_POLICY)"
 * (ConstraintViolationException POLICY_TYPE_ENABLED_FOR_THIS_SERVICE). Only the pairing the API
 * reference names is held to it.
 */
const POLICY_TYPE_OF_SERVICE: Readonly<Record<string, OrgPolicyType>> = { "securityhub.amazonaws.com": "SECURITYHUB_POLICY" };

export async function disableServiceAccess(deps: OrganizationsDomainDeps, org: OrganizationRecord, servicePrincipal: string): Promise<void> {
  await updateOrganization(deps, org.id, (cur) => {
    if ((cur.delegatedAdministrators ?? []).some((d) => d.servicePrincipal === servicePrincipal)) {
      throw constraintViolation(
        "DELEGATED_ADMINISTRATOR_EXISTS_FOR_THIS_SERVICE",
        "You have delegated administrator/s for this service. De-register them in order to disable service access.",
      );
    }
    const type = Object.hasOwn(POLICY_TYPE_OF_SERVICE, servicePrincipal) ? POLICY_TYPE_OF_SERVICE[servicePrincipal] : undefined;
    if (type !== undefined && serviceAccessEnabled(cur, servicePrincipal) && (cur.policyTypes ?? []).includes(type)) {
      throw constraintViolation("POLICY_TYPE_ENABLED_FOR_THIS_SERVICE");
    }
    return { ...cur, enabledServices: (cur.enabledServices ?? []).filter((s) => s.servicePrincipal !== servicePrincipal) };
  });
}

export async function registerDelegatedAdministrator(
  deps: OrganizationsDomainDeps,
  org: OrganizationRecord,
  accountId: string,
  servicePrincipal: string,
  now: number,
): Promise<void> {
  const member = (await organizationAccounts(deps, org)).find((a) => a.id === accountId);
  if (!member) throw accountNotFound();
  if (accountId === org.managementAccountId) {
    // Not documented word for word; the reason code is the modelled one.
    throw constraintViolation("CANNOT_REGISTER_MASTER_AS_DELEGATED_ADMINISTRATOR", "You can't register the management account of the organization as a delegated administrator.");
  }
  // Membership again in the write's transaction: an account removed in parallel is not left a
  // delegated administrator of an organization it is no longer in.
  await orgTransaction(deps, async (tx) => {
    const cur = await storedOrganization(tx, org.id);
    const account = await tx.get<AccountRecord>(ACCOUNTS_COLLECTION, accountId);
    if (account?.organizationId !== org.id) throw accountNotFound();
    if (isDelegatedAdministrator(cur, accountId, servicePrincipal)) throw accountAlreadyRegistered();
    // Trusted access and the account's state as stored: a DisableAWSServiceAccess in parallel either
    // comes first and is seen here, or comes after and finds the delegation (and is refused); a
    // CloseAccount committed first is seen here.
    if (!serviceAccessEnabled(cur, servicePrincipal)) throw constraintViolation("SERVICE_ACCESS_NOT_ENABLED");
    if (!accountUsable(account)) throw constraintViolation("CANNOT_REGISTER_SUSPENDED_ACCOUNT_AS_DELEGATED_ADMINISTRATOR");
    await tx.put<OrganizationRecord>(ORGANIZATIONS_COLLECTION, org.id, {
      ...cur,
      delegatedAdministrators: [...(cur.delegatedAdministrators ?? []), { accountId, servicePrincipal, delegatedAt: now }],
    });
  });
}

export async function deregisterDelegatedAdministrator(deps: OrganizationsDomainDeps, org: OrganizationRecord, accountId: string, servicePrincipal: string): Promise<void> {
  if (!(await organizationAccounts(deps, org)).some((a) => a.id === accountId)) throw accountNotFound();
  await updateOrganization(deps, org.id, (cur) => {
    if (!isDelegatedAdministrator(cur, accountId, servicePrincipal)) throw accountNotRegistered();
    return { ...cur, delegatedAdministrators: (cur.delegatedAdministrators ?? []).filter((d) => !(d.accountId === accountId && d.servicePrincipal === servicePrincipal)) };
  });
}

/** Delegated administrators (optionally of one service): each account once, with its earliest delegation. */
export async function delegatedAdministrators(
  deps: OrganizationsDomainDeps,
  org: OrganizationRecord,
  servicePrincipal: string | undefined,
): Promise<Array<{ account: AccountRecord; delegatedAt: number }>> {
  const byAccount = new Map<string, number>();
  for (const d of org.delegatedAdministrators ?? []) {
    if (servicePrincipal !== undefined && d.servicePrincipal !== servicePrincipal) continue;
    byAccount.set(d.accountId, Math.min(byAccount.get(d.accountId) ?? d.delegatedAt, d.delegatedAt));
  }
  const accounts = await organizationAccounts(deps, org);
  return accounts.filter((a) => byAccount.has(a.id)).map((account) => ({ account, delegatedAt: byAccount.get(account.id) as number }));
}

/** The services `accountId` is a delegated administrator of, ordered by service principal. */
export function delegatedServices(org: Readonly<OrganizationRecord>, accountId: string): Array<{ servicePrincipal: string; delegatedAt: number }> {
  return (org.delegatedAdministrators ?? [])
    .filter((d) => d.accountId === accountId)
    .map(({ servicePrincipal, delegatedAt }) => ({ servicePrincipal, delegatedAt }))
    .sort((a, b) => (a.servicePrincipal < b.servicePrincipal ? -1 : a.servicePrincipal > b.servicePrincipal ? 1 : 0));
}
