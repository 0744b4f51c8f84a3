/**
 * The organization's resource-based delegation policy (PutResourcePolicy, DescribeResourcePolicy,
 * DeleteResourcePolicy): one per organization, stored in RESOURCE_POLICY_COLLECTION (model.ts).
 * It lets member accounts call the Organizations actions the user guide ("Delegated administrator
 * for AWS Organizations") lets the management account delegate: the read-only actions and the
 * management of policies. handler-support.ts hands it to the policy engine for those calls.
 */
import { parsePolicy, PolicyParseError } from "../../iam/policy/index.js";
import { constraintViolation, invalidInput, resourcePolicyNotFound } from "./errors.js";
import { randomLowerAlnum, RESOURCE_POLICY_COLLECTION, type OrganizationRecord, type Tag } from "./model.js";
import { orgTransaction, storedOrganization, type OrganizationsDomainDeps } from "./organization.js";
import { arn } from "../../core/partition.js";

/** The ResourcePolicyContent shape's length limit. */
export const MAX_RESOURCE_POLICY_SIZE = 40_000;

/** Actions a resource-based delegation policy may grant to member accounts. */
export const DELEGATABLE_ACTIONS: ReadonlySet<string> = new Set([
  // Read-only actions.
  "DescribeAccount",
  "DescribeCreateAccountStatus",
  "DescribeEffectivePolicy",
  "DescribeHandshake",
  "DescribeOrganization",
  "DescribeOrganizationalUnit",
  "DescribePolicy",
  "DescribeResourcePolicy",
  "ListAccounts",
  "ListAccountsForParent",
  "ListAccountsWithInvalidEffectivePolicy",
  "ListAWSServiceAccessForOrganization",
  "ListChildren",
  "ListCreateAccountStatus",
  "ListDelegatedAdministrators",
  "ListDelegatedServicesForAccount",
  "ListEffectivePolicyValidationErrors",
  "ListHandshakesForAccount",
  "ListHandshakesForOrganization",
  "ListOrganizationalUnitsForParent",
  "ListParents",
  "ListPolicies",
  "ListPoliciesForTarget",
  "ListRoots",
  "ListTagsForResource",
  "ListTargetsForPolicy",
  // Policy management.
  "AttachPolicy",
  "CreatePolicy",
  "DeletePolicy",
  "DetachPolicy",
  "DisablePolicyType",
  "EnablePolicyType",
  "TagResource",
  "UntagResource",
  "UpdatePolicy",
]);

export interface ResourcePolicyRecord {
  id: string; // rp-…
  organizationId: string;
  content: string;
  tags?: Tag[];
}

export const newResourcePolicyId = (): string => `rp-${randomLowerAlnum(8)}`;

export const resourcePolicyArn = (o: Readonly<OrganizationRecord>, id: string): string => arn("organizations", "", o.managementAccountId, `resourcepolicy/${o.id}/${id}`);

export function resourcePolicyView(o: Readonly<OrganizationRecord>, r: ResourcePolicyRecord): { ResourcePolicySummary: { Id: string; Arn: string }; Content: string } {
  return { ResourcePolicySummary: { Id: r.id, Arn: resourcePolicyArn(o, r.id) }, Content: r.content };
}

/** True when `pattern` (an Action entry, wildcards allowed) names only delegatable Organizations actions. */
function delegatableActionPattern(pattern: string): boolean {
  const name = /^organizations:(.+)$/i.exec(pattern)?.[1];
  if (name === undefined) return false;
  const re = new RegExp(`^${name.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`, "i");
  return [...DELEGATABLE_ACTIONS].some((a) => re.test(a));
}

/**
 * The size limit (ConstraintViolation), the policy language (INVALID_RESOURCE_POLICY_JSON) and
 * the actions, each of which must name a delegatable Organizations action
 * (UNSUPPORTED_ACTION_IN_RESOURCE_POLICY).
 */
export function checkResourcePolicyContent(content: string): void {
  if (content.length > MAX_RESOURCE_POLICY_SIZE) throw constraintViolation("POLICY_CONTENT_LIMIT_EXCEEDED");
  let raw: { Statement?: unknown };
  try {
    parsePolicy(content, "resource");
    raw = JSON.parse(content) as { Statement?: unknown };
  } catch (e) {
    if (e instanceof PolicyParseError || e instanceof SyntaxError) throw invalidInput("INVALID_RESOURCE_POLICY_JSON");
    throw e;
  }
  const statements = Array.isArray(raw.Statement) ? raw.Statement : [raw.Statement];
  for (const st of statements as Array<{ Action?: unknown; NotAction?: unknown }>) {
    if (st.NotAction !== undefined) throw invalidInput("UNSUPPORTED_ACTION_IN_RESOURCE_POLICY");
    const actions = Array.isArray(st.Action) ? st.Action : [st.Action];
    if (!actions.every((a) => typeof a === "string" && delegatableActionPattern(a))) throw invalidInput("UNSUPPORTED_ACTION_IN_RESOURCE_POLICY");
  }
}

export async function getResourcePolicy(deps: OrganizationsDomainDeps, org: Readonly<OrganizationRecord>): Promise<ResourcePolicyRecord | undefined> {
  return deps.store.get<ResourcePolicyRecord>(RESOURCE_POLICY_COLLECTION, org.id);
}

/** Creates or replaces the policy; tags apply only when it is created. */
export async function putResourcePolicy(deps: OrganizationsDomainDeps, organizationId: string, content: string, tags: Tag[]): Promise<{ org: OrganizationRecord; policy: ResourcePolicyRecord }> {
  checkResourcePolicyContent(content);
  return orgTransaction(deps, async (tx) => {
    const org = await storedOrganization(tx, organizationId);
    const current = await tx.get<ResourcePolicyRecord>(RESOURCE_POLICY_COLLECTION, org.id);
    // "Calls with tags apply to the initial creation of the resource policy, otherwise an exception is thrown."
    if (current && tags.length > 0) throw invalidInput("UPDATE_EXISTING_RESOURCE_POLICY_WITH_TAGS_NOT_SUPPORTED");
    const policy: ResourcePolicyRecord = current
      ? { ...current, content }
      : { id: newResourcePolicyId(), organizationId: org.id, content, ...(tags.length > 0 ? { tags } : {}) };
    await tx.put(RESOURCE_POLICY_COLLECTION, org.id, policy);
    return { org, policy };
  });
}

export async function deleteResourcePolicy(deps: OrganizationsDomainDeps, organizationId: string): Promise<void> {
  await orgTransaction(deps, async (tx) => {
    if (!(await tx.get(RESOURCE_POLICY_COLLECTION, organizationId))) throw resourcePolicyNotFound();
    await tx.delete(RESOURCE_POLICY_COLLECTION, organizationId);
  });
}
