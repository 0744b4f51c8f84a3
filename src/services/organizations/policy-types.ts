/**
 * The organization policy types this installation enforces and their documented quotas
 * (Organizations User Guide, "Quotas and service limits": maximum size, number attached to one
 * root, OU or account, number per organization). A type the service model names but that is not
 * listed here is offered to no organization (PolicyTypeNotAvailableForOrganizationException).
 */
import { PolicyType } from "@aws-sdk/client-organizations";
import type { PolicyKind } from "../../iam/policy/index.js";
import { invalidInput } from "./errors.js";
import type { OrgPolicyType } from "./model.js";

export interface AwsManagedPolicy {
  id: string;
  name: string;
  description: string;
  content: string;
}

export interface PolicyTypeRules {
  /** How the policy engine validates and evaluates documents of this type. */
  kind: PolicyKind;
  /** Maximum document size in characters, counted as stored (the API keeps white space). */
  maxSize: number;
  maxPerTarget: number;
  maxPerOrganization: number;
  /** Attached to the root, every OU and every account when the type is enabled. */
  defaultPolicy: AwsManagedPolicy;
}

export const SCP: OrgPolicyType = "SERVICE_CONTROL_POLICY";
export const RCP: OrgPolicyType = "RESOURCE_CONTROL_POLICY";

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

export const POLICY_TYPES: Readonly<Record<OrgPolicyType, PolicyTypeRules>> = {
  SERVICE_CONTROL_POLICY: { kind: "scp", maxSize: 5120, maxPerTarget: 5, maxPerOrganization: 10_000, defaultPolicy: FULL_AWS_ACCESS },
  RESOURCE_CONTROL_POLICY: { kind: "rcp", maxSize: 5120, maxPerTarget: 5, maxPerOrganization: 1000, defaultPolicy: RCP_FULL_AWS_ACCESS },
};

const MODEL_TYPES: ReadonlySet<string> = new Set(Object.values(PolicyType));

/** The AWS managed policy with this id, if any. */
export function awsManagedPolicy(policyId: string): { type: OrgPolicyType; policy: AwsManagedPolicy } | undefined {
  for (const [type, rules] of Object.entries(POLICY_TYPES) as Array<[OrgPolicyType, PolicyTypeRules]>) {
    if (rules.defaultPolicy.id === policyId) return { type, policy: rules.defaultPolicy };
  }
  return undefined;
}

/**
 * A policy type named in a request: INVALID_ENUM_POLICY_TYPE when the model does not know it,
 * undefined when this installation does not offer it.
 */
export function offeredPolicyType(v: string): OrgPolicyType | undefined {
  if (!MODEL_TYPES.has(v)) throw invalidInput("INVALID_ENUM_POLICY_TYPE");
  return Object.hasOwn(POLICY_TYPES, v) ? (v as OrgPolicyType) : undefined;
}
