/**
 * Stored shapes of Organizations and their API views. Collections:
 *   organizations                 organization id → OrganizationRecord
 *   org-create-account-requests   `<managementAccountId>//<car-id>` → CreateAccountRequestRecord
 *   org-units                     `<o-id>/<ou-id>` → OuRecord
 *   org-account-parents           `<o-id>/<account-id>` → { parentId } (no entry: the root)
 *   org-policies                  `<o-id>/<p-id>` → PolicyRecord (AWS managed policies are constants)
 *   org-policy-attachments        `<o-id>/<target-id>/<p-id>` → AttachmentRecord
 *   org-handshakes                `<h-id>` → HandshakeRecord (handshakes.ts)
 *   org-resource-policies         `<o-id>` → ResourcePolicyRecord (resource-policy.ts)
 */
import { randomBytes } from "node:crypto";
import type { AccountRecord } from "./accounts.js";
import { accountStatusAt } from "./account-status.js";
import { arn } from "../../core/partition.js";

export const ORGANIZATIONS_COLLECTION = "organizations";
export const CREATE_ACCOUNT_COLLECTION = "org-create-account-requests";
export const OU_COLLECTION = "org-units";
export const ACCOUNT_PARENTS_COLLECTION = "org-account-parents";
export const POLICIES_COLLECTION = "org-policies";
export const ATTACHMENTS_COLLECTION = "org-policy-attachments";
export const RESOURCE_POLICY_COLLECTION = "org-resource-policies";

export type FeatureSet = "ALL" | "CONSOLIDATED_BILLING";
export type CreateAccountState = "IN_PROGRESS" | "SUCCEEDED" | "FAILED";
export type CreateAccountFailureReason = "EMAIL_ALREADY_EXISTS" | "INTERNAL_FAILURE" | "ACCOUNT_LIMIT_EXCEEDED" | "INVALID_EMAIL";

export type Tag = { Key: string; Value: string };

/** Authorization policies: the authoriser enforces them (scp-cache.ts). */
export type AuthorizationPolicyType = "SERVICE_CONTROL_POLICY" | "RESOURCE_CONTROL_POLICY";
/** Management policies: stored, validated and merged into effective policies (see policy-types.ts). */
export type ManagementPolicyType =
  | "AISERVICES_OPT_OUT_POLICY"
  | "BACKUP_POLICY"
  | "BEDROCK_POLICY"
  | "CHATBOT_POLICY"
  | "DECLARATIVE_POLICY_EC2"
  | "GUARDDUTY_POLICY"
  | "INSPECTOR_POLICY"
  | "NETWORK_SECURITY_DIRECTOR_POLICY"
  | "S3_POLICY"
  | "SECURITYHUB_CSPM_POLICY"
  | "SECURITYHUB_POLICY"
  | "TAG_POLICY"
  | "UPGRADE_ROLLOUT_POLICY";
/** Every policy type of the service model (see policy-types.ts). */
export type OrgPolicyType = AuthorizationPolicyType | ManagementPolicyType;

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
  /** Policy types enabled in the root. */
  policyTypes?: OrgPolicyType[];
  rootTags?: Tag[];
}

export interface OuRecord {
  id: string; // ou-<root suffix>-…
  organizationId: string;
  /** The root or OU that contains it (OUs never move). */
  parentId: string;
  name: string;
  createdAt: number;
  tags?: Tag[];
}

export interface PolicyRecord {
  id: string; // p-…
  organizationId: string;
  type: OrgPolicyType;
  name: string;
  description: string;
  content: string;
  createdAt: number;
  /** Last UpdatePolicy (absent: never updated). */
  updatedAt?: number;
  tags?: Tag[];
}

export interface AttachmentRecord {
  policyId: string;
  targetId: string;
  type: OrgPolicyType;
  /**
   * When it was attached. Management policies attached to the same node merge in this order
   * (inheritance.ts); attachments made before it was recorded count as the oldest.
   */
  attachedAt?: number;
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
/** OU ids carry the root's id: ou-<root id without "r-">-<8 characters>. */
export const newOuId = (rootId: string): string => `ou-${rootId.slice(2)}-${randomLowerAlnum(8)}`;
export const newPolicyId = (): string => `p-${randomLowerAlnum(8)}`;

export const ouKey = (organizationId: string, ouId: string): string => `${organizationId}/${ouId}`;
export const accountParentKey = (organizationId: string, accountId: string): string => `${organizationId}/${accountId}`;
export const policyKey = (organizationId: string, policyId: string): string => `${organizationId}/${policyId}`;
export const attachmentKey = (organizationId: string, targetId: string, policyId: string): string => `${organizationId}/${targetId}/${policyId}`;

export const organizationArn = (o: OrganizationRecord): string => arn("organizations", "", o.managementAccountId, `organization/${o.id}`);
export const accountArn = (o: OrganizationRecord, accountId: string): string => arn("organizations", "", o.managementAccountId, `account/${o.id}/${accountId}`);
export const rootArn = (o: OrganizationRecord): string => arn("organizations", "", o.managementAccountId, `root/${o.id}/${o.rootId}`);
export const ouArn = (o: OrganizationRecord, ouId: string): string => arn("organizations", "", o.managementAccountId, `ou/${o.id}/${ouId}`);
export const policyArn = (o: OrganizationRecord, type: OrgPolicyType, policyId: string): string =>
  arn("organizations", "", o.managementAccountId, `policy/${o.id}/${type.toLowerCase()}/${policyId}`);
export const awsManagedPolicyArn = (type: OrgPolicyType, policyId: string): string => arn("organizations", "", "aws", `policy/${type.toLowerCase()}/${policyId}`);

export interface OrganizationView {
  Id: string;
  Arn: string;
  FeatureSet: FeatureSet;
  MasterAccountArn: string;
  MasterAccountId: string;
  MasterAccountEmail: string;
  /**
   * Deprecated by AWS in favour of ListRoots. As documented, it names no policy type but SCPs and
   * shows them available wherever all features are on, whether or not the root has them enabled
   * ("even if a policy type is shown as available in the organization, you can disable it
   * separately at the root level"); empty for consolidated billing.
   */
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
    AvailablePolicyTypes: o.featureSet === "ALL" ? [{ Type: "SERVICE_CONTROL_POLICY", Status: "ENABLED" }] : [],
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

/** The account as its organization describes it at `now` (Status and State follow closure, see account-lifecycle.ts). */
export function accountView(o: OrganizationRecord, a: AccountRecord, now: number): AccountView {
  const { status, state } = accountStatusAt(a, now);
  return {
    Id: a.id,
    Arn: accountArn(o, a.id),
    Email: a.email,
    Name: a.name,
    Status: status,
    State: state,
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

/** Policy types are enabled synchronously here, so a type is ENABLED or absent (never PENDING_*). */
function enabledPolicyTypes(o: OrganizationRecord): Array<{ Type: string; Status: string }> {
  return (o.policyTypes ?? []).map((t) => ({ Type: t, Status: "ENABLED" }));
}

export const ROOT_NAME = "Root";

export function rootView(o: OrganizationRecord): { Id: string; Arn: string; Name: string; PolicyTypes: Array<{ Type: string; Status: string }> } {
  return { Id: o.rootId, Arn: rootArn(o), Name: ROOT_NAME, PolicyTypes: enabledPolicyTypes(o) };
}

export function ouView(o: OrganizationRecord, ou: OuRecord): { Id: string; Arn: string; Name: string } {
  return { Id: ou.id, Arn: ouArn(o, ou.id), Name: ou.name };
}
