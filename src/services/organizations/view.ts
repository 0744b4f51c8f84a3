/**
 * What other services read of Organizations (IAM's centralised root access, STS's AssumeRoot and
 * the organization claims of outbound web identity tokens): an account's organization, fresh from
 * storage. Read-only; Organizations' own handlers stay the only writers.
 */
import type { Storage } from "../../storage/types.js";
import type { AccountRecord, AccountRegistry } from "./accounts.js";
import type { OrganizationRecord } from "./model.js";
import { findMembership } from "./organization.js";

export interface OrganizationMembershipView {
  account: Readonly<AccountRecord>;
  org: Readonly<OrganizationRecord>;
}

export interface OrganizationsView {
  /** The account and its organization, or undefined when the account belongs to none. */
  membership(accountId: string): Promise<OrganizationMembershipView | undefined>;
}

export function createOrganizationsView(deps: { store: Storage; accounts: AccountRegistry }): OrganizationsView {
  return {
    membership: (accountId) => findMembership(deps, accountId),
  };
}

/** The ou_path of an account (organization, root, then organizational units; none are offered, so the root). */
export function organizationPath(org: Readonly<OrganizationRecord>): string {
  return `${org.id}/${org.rootId}/`;
}
