/**
 * Stored shapes of Organizations (collection "organizations" keyed by organization id,
 * collection "org-create-account-requests" keyed `<managementAccountId>//<car-id>`) and
 * their API views.
 */
import { randomBytes } from "node:crypto";
import type { AccountRecord } from "./accounts.js";

export const ORGANIZATIONS_COLLECTION = "organizations";
export const CREATE_ACCOUNT_COLLECTION = "org-create-account-requests";

export type FeatureSet = "ALL" | "CONSOLIDATED_BILLING";
export type CreateAccountState = "IN_PROGRESS" | "SUCCEEDED" | "FAILED";
export type CreateAccountFailureReason = "EMAIL_ALREADY_EXISTS" | "INTERNAL_FAILURE" | "ACCOUNT_LIMIT_EXCEEDED" | "INVALID_EMAIL";

export interface OrganizationRecord {
  id: string; // o-…
  featureSet: FeatureSet;
  managementAccountId: string;
  rootId: string; // r-…
  createdAt: number;
  /** Services given trusted access (EnableAWSServiceAccess), in the order they were enabled. */
  enabledServices?: Array<{ servicePrincipal: string; enabledAt: number }>;
  /** Member accounts registered as a service's delegated administrator (RegisterDelegatedAdministrator). */
  delegatedAdministrators?: Array<{ accountId: string; servicePrincipal: string; delegatedAt: number }>;
}

/** True when `servicePrincipal` (e.g. iam.amazonaws.com) has trusted access to the organization. */
export function serviceAccessEnabled(o: Readonly<OrganizationRecord>, servicePrincipal: string): boolean {
  return (o.enabledServices ?? []).some((s) => s.servicePrincipal === servicePrincipal);
}

/** True when `accountId` is a delegated administrator of the organization for `servicePrincipal`. */
export function isDelegatedAdministrator(o: Readonly<OrganizationRecord>, accountId: string, servicePrincipal: string): boolean {
  return (o.delegatedAdministrators ?? []).some((d) => d.accountId === accountId && d.servicePrincipal === servicePrincipal);
}

export interface CreateAccountRequestRecord {
  id: string; // car-…
  organizationId: string;
  managementAccountId: string;
  accountName: string;
  email: string;
  roleName: string;
  iamUserAccessToBilling: "ALLOW" | "DENY";
  tags: Array<{ Key: string; Value: string }>;
  state: CreateAccountState;
  requestedAt: number;
  /** Reserved before the account is registered, so a resumed job reuses it. */
  accountId?: string;
  completedAt?: number;
  failureReason?: CreateAccountFailureReason;
}

export function requestKey(managementAccountId: string, requestId: string): string {
  return `${managementAccountId}//${requestId}`;
}

const ALNUM = "abcdefghijklmnopqrstuvwxyz0123456789";

/** `n` characters of [a-z0-9] from the CSPRNG, unbiased (rejection of bytes >= 252). */
export function randomLowerAlnum(n: number): string {
  let out = "";
  while (out.length < n) {
    for (const b of randomBytes(n * 2)) {
      if (b < 252 && out.length < n) out += ALNUM[b % 36];
    }
  }
  return out;
}

export const newOrganizationId = (): string => `o-${randomLowerAlnum(10)}`;
export const newRootId = (): string => `r-${randomLowerAlnum(4)}`;
export const newCreateAccountRequestId = (): string => `car-${randomLowerAlnum(32)}`;

export const organizationArn = (o: OrganizationRecord): string => `arn:aws:organizations::${o.managementAccountId}:organization/${o.id}`;
export const accountArn = (o: OrganizationRecord, accountId: string): string => `arn:aws:organizations::${o.managementAccountId}:account/${o.id}/${accountId}`;
export const rootArn = (o: OrganizationRecord): string => `arn:aws:organizations::${o.managementAccountId}:root/${o.id}/${o.rootId}`;

export interface OrganizationView {
  Id: string;
  Arn: string;
  FeatureSet: FeatureSet;
  MasterAccountArn: string;
  MasterAccountId: string;
  MasterAccountEmail: string;
  /** No organization policy types are enforced by this installation, so none is advertised. */
  AvailablePolicyTypes: Array<{ Type: string; Status: string }>;
}

export function organizationView(o: OrganizationRecord, managementEmail: string): OrganizationView {
  return {
    Id: o.id,
    Arn: organizationArn(o),
    FeatureSet: o.featureSet,
    MasterAccountArn: accountArn(o, o.managementAccountId),
    MasterAccountId: o.managementAccountId,
    MasterAccountEmail: managementEmail,
    AvailablePolicyTypes: [],
  };
}

export interface AccountView {
  Id: string;
  Arn: string;
  Email: string;
  Name: string;
  Status: string;
  State: string;
  JoinedMethod: string;
  JoinedTimestamp: Date;
}

export function accountView(o: OrganizationRecord, a: AccountRecord): AccountView {
  return {
    Id: a.id,
    Arn: accountArn(o, a.id),
    Email: a.email,
    Name: a.name,
    Status: a.status,
    State: a.status,
    JoinedMethod: a.joinedMethod ?? "CREATED",
    JoinedTimestamp: new Date(a.joinedAt ?? a.createdAt),
  };
}

export interface CreateAccountStatusView {
  Id: string;
  AccountName: string;
  State: CreateAccountState;
  RequestedTimestamp: Date;
  CompletedTimestamp?: Date;
  AccountId?: string;
  FailureReason?: CreateAccountFailureReason;
}

export function createAccountStatusView(r: CreateAccountRequestRecord): CreateAccountStatusView {
  const v: CreateAccountStatusView = { Id: r.id, AccountName: r.accountName, State: r.state, RequestedTimestamp: new Date(r.requestedAt) };
  if (r.completedAt !== undefined) v.CompletedTimestamp = new Date(r.completedAt);
  // The account id is reported only once the account exists.
  if (r.state === "SUCCEEDED" && r.accountId !== undefined) v.AccountId = r.accountId;
  if (r.failureReason !== undefined) v.FailureReason = r.failureReason;
  return v;
}

export function rootView(o: OrganizationRecord): { Id: string; Arn: string; Name: string; PolicyTypes: Array<{ Type: string; Status: string }> } {
  return { Id: o.rootId, Arn: rootArn(o), Name: "Root", PolicyTypes: [] };
}
