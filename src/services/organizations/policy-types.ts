/**
 * Every organization policy type of the service model and its documented limits (Organizations
 * User Guide, "Quotas and service limits": maximum document size, number attached to one root,
 * OU or account, number per organization).
 *
 * Two families behave differently:
 *   - authorization policies (SCPs, RCPs) are IAM-grammar documents the authoriser enforces;
 *     enabling the type attaches its AWS managed default everywhere and every node keeps at least
 *     one;
 *   - management policies follow the management-policy grammar (management-policy.ts), merge
 *     through the inheritance operators into each account's effective policy (inheritance.ts) and
 *     have no default policy and no minimum. Bulwark stores, validates, merges and reports them;
 *     no service here acts on them.
 * The quotas page lists declarative, backup, tag, chat applications, AI services opt-out and
 * Security Hub policies. For the types it does not list, the values are those of the type whose
 * grammar and purpose they share (noted beside each); an upgrade rollout policy's size limit
 * comes from its syntax page.
 */
import { PolicyType } from "@aws-sdk/client-organizations";
import type { PolicyKind } from "../../iam/policy/index.js";
import { invalidInput } from "./errors.js";
import type { AuthorizationPolicyType, ManagementPolicyType, OrgPolicyType } from "./model.js";

export interface AwsManagedPolicy {
  id: string;
  name: string;
  description: string;
  content: string;
}

interface Limits {
  /** Maximum document size in characters, counted as stored (the API keeps white space). */
  maxSize: number;
  maxPerTarget: number;
  maxPerOrganization: number;
}

export interface AuthorizationRules extends Limits {
  family: "authorization";
  /** How the policy engine validates and evaluates documents of this type. */
  kind: PolicyKind;
  /** Attached to the root, every OU and every account when the type is enabled. */
  defaultPolicy: AwsManagedPolicy;
}

export interface ManagementRules extends Limits {
  family: "management";
  /** The fixed top-level key its documents start with, where the user guide names one. */
  rootKey?: string;
}

export type PolicyTypeRules = AuthorizationRules | ManagementRules;

export const SCP = "SERVICE_CONTROL_POLICY" as const;
export const RCP = "RESOURCE_CONTROL_POLICY" as const;

/** The services whose actions RCPs apply to; an RCP statement may name only their actions. */
export { RCP_SERVICES } from "../../iam/authorizer.js";

export const FULL_AWS_ACCESS: AwsManagedPolicy = {
  id: "p-FullAWSAccess",
  name: "FullAWSAccess",
  description: "Allows access to every operation",
  content: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] }, null, 4),
};

export const RCP_FULL_AWS_ACCESS: AwsManagedPolicy = {
  id: "p-RCPFullAWSAccess",
  name: "RCPFullAWSAccess",
  // Description text not documented; worded like FullAWSAccess's.
  description: "Allows access to every resource",
  content: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: "*", Action: "*", Resource: "*" }] }, null, 4),
};

export const AUTHORIZATION_TYPES: Readonly<Record<AuthorizationPolicyType, AuthorizationRules>> = {
  SERVICE_CONTROL_POLICY: { family: "authorization", kind: "scp", maxSize: 5120, maxPerTarget: 5, maxPerOrganization: 10_000, defaultPolicy: FULL_AWS_ACCESS },
  RESOURCE_CONTROL_POLICY: { family: "authorization", kind: "rcp", maxSize: 5120, maxPerTarget: 5, maxPerOrganization: 1000, defaultPolicy: RCP_FULL_AWS_ACCESS },
};

const mgmt = (rootKey: string | undefined, maxSize: number, maxPerTarget: number): ManagementRules => ({
  family: "management",
  ...(rootKey !== undefined ? { rootKey } : {}),
  maxSize,
  maxPerTarget,
  maxPerOrganization: 1000,
});

export const MANAGEMENT_TYPES: Readonly<Record<ManagementPolicyType, ManagementRules>> = {
  DECLARATIVE_POLICY_EC2: mgmt("ec2_attributes", 10_000, 10),
  BACKUP_POLICY: mgmt("plans", 10_000, 10),
  TAG_POLICY: mgmt("tags", 10_000, 10),
  CHATBOT_POLICY: mgmt("chatbot", 10_000, 5),
  AISERVICES_OPT_OUT_POLICY: mgmt("services", 2500, 5),
  SECURITYHUB_POLICY: mgmt("securityhub", 10_000, 10),
  // Security Hub CSPM: the quotas page's Security Hub values; its syntax page names no root key.
  SECURITYHUB_CSPM_POLICY: mgmt(undefined, 10_000, 10),
  // Enablement policies shaped like Security Hub's (enable_in_regions / disable_in_regions): its values.
  INSPECTOR_POLICY: mgmt("inspector", 10_000, 10),
  NETWORK_SECURITY_DIRECTOR_POLICY: mgmt("network_security_director", 10_000, 10),
  GUARDDUTY_POLICY: mgmt("guardduty", 10_000, 10),
  // Declarative policies of other services: the declarative policy's values.
  S3_POLICY: mgmt("s3_attributes", 10_000, 10),
  BEDROCK_POLICY: mgmt("bedrock", 10_000, 10),
  // "the maximum policy size of 5,120 bytes" (upgrade rollout policy syntax page).
  UPGRADE_ROLLOUT_POLICY: mgmt("upgrade_rollout", 5120, 10),
};

export const POLICY_TYPES: Readonly<Record<OrgPolicyType, PolicyTypeRules>> = { ...AUTHORIZATION_TYPES, ...MANAGEMENT_TYPES };

export const isAuthorizationType = (t: OrgPolicyType): t is AuthorizationPolicyType => POLICY_TYPES[t].family === "authorization";
export const isManagementType = (t: OrgPolicyType): t is ManagementPolicyType => POLICY_TYPES[t].family === "management";

/** The type's AWS managed default policy (authorization types only). */
export function defaultPolicyOf(type: OrgPolicyType): AwsManagedPolicy | undefined {
  return isAuthorizationType(type) ? AUTHORIZATION_TYPES[type].defaultPolicy : undefined;
}

const MODEL_TYPES: ReadonlySet<string> = new Set(Object.values(PolicyType));

/** The AWS managed policy with this id, if any. */
export function awsManagedPolicy(policyId: string): { type: AuthorizationPolicyType; policy: AwsManagedPolicy } | undefined {
  for (const [type, rules] of Object.entries(AUTHORIZATION_TYPES) as Array<[AuthorizationPolicyType, AuthorizationRules]>) {
    if (rules.defaultPolicy.id === policyId) return { type, policy: rules.defaultPolicy };
  }
  return undefined;
}

/**
 * A policy type named in a request: INVALID_ENUM_POLICY_TYPE when the model does not know it,
 * undefined when this installation does not offer it (every type of today's model is offered).
 */
export function offeredPolicyType(v: string): OrgPolicyType | undefined {
  if (!MODEL_TYPES.has(v)) throw invalidInput("INVALID_ENUM_POLICY_TYPE");
  return Object.hasOwn(POLICY_TYPES, v) ? (v as OrgPolicyType) : undefined;
}

/**
 * A policy type for the effective-policy operations: management types only. Their model enum
 * (EffectivePolicyType) leaves SCPs and RCPs out, so those are invalid values like any other.
 */
export function effectivePolicyType(v: string): ManagementPolicyType {
  if (!Object.hasOwn(MANAGEMENT_TYPES, v)) throw invalidInput("INVALID_ENUM_POLICY_TYPE");
  return v as ManagementPolicyType;
}
