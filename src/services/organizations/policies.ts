/**
 * Organization policies: customer managed policies are documents of their own; AWS managed
 * policies (FullAWSAccess, RCPFullAWSAccess) are constants that every organization sees.
 * Documents are checked against the type's size limit and validated before they are stored, so
 * what enforcement or the effective-policy merge parses later is known to parse: authorization
 * policies by the policy engine for the type's kind, management policies by their grammar
 * (management-policy.ts).
 */
import { parsePolicy, PolicyParseError } from "../../iam/policy/index.js";
import type { DocStore } from "../../storage/types.js";
import { constraintViolation, duplicatePolicy, invalidInput, malformedPolicyDocument, policyInUse, policyNotFound } from "./errors.js";
import {
  ATTACHMENTS_COLLECTION,
  awsManagedPolicyArn,
  newPolicyId,
  policyArn,
  POLICIES_COLLECTION,
  policyKey,
  type AttachmentRecord,
  type OrganizationRecord,
  type OrgPolicyType,
  type PolicyRecord,
  type Tag,
} from "./model.js";
import { orgTransaction, storedOrganization, type OrganizationsDomainDeps } from "./organization.js";
import { ManagementPolicyError, parseManagementPolicy } from "./management-policy.js";
import { AUTHORIZATION_TYPES, awsManagedPolicy, defaultPolicyOf, isManagementType, POLICY_TYPES, RCP, RCP_SERVICES, SCP } from "./policy-types.js";

/** A policy as the API shows it, AWS managed or not. */
export interface FoundPolicy {
  id: string;
  type: OrgPolicyType;
  name: string;
  description: string;
  content: string;
  awsManaged: boolean;
  tags: Tag[];
}

export interface PolicySummaryView {
  Id: string;
  Arn: string;
  Name: string;
  Description: string;
  Type: OrgPolicyType;
  AwsManaged: boolean;
}

const found = (p: PolicyRecord): FoundPolicy => ({ id: p.id, type: p.type, name: p.name, description: p.description, content: p.content, awsManaged: false, tags: p.tags ?? [] });

/** The policy with this id visible to the organization, or PolicyNotFoundException. */
export async function findPolicy(db: DocStore, org: Readonly<OrganizationRecord>, policyId: string): Promise<FoundPolicy> {
  const managed = awsManagedPolicy(policyId);
  if (managed) return { ...managed.policy, type: managed.type, awsManaged: true, tags: [] };
  const rec = await db.get<PolicyRecord>(POLICIES_COLLECTION, policyKey(org.id, policyId));
  if (!rec || rec.organizationId !== org.id) throw policyNotFound();
  return found(rec);
}

/** Policies of one type, AWS managed included (authorization types have one), ordered by id. */
export async function listPolicies(db: DocStore, org: Readonly<OrganizationRecord>, type: OrgPolicyType): Promise<FoundPolicy[]> {
  const own = (await db.list<PolicyRecord>(POLICIES_COLLECTION, { prefix: `${org.id}/` })).map((e) => e.value).filter((p) => p.type === type);
  const managed = defaultPolicyOf(type);
  const all: FoundPolicy[] = managed ? [{ ...managed, type, awsManaged: true, tags: [] }, ...own.map(found)] : own.map(found);
  return all.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

export function policySummary(org: Readonly<OrganizationRecord>, p: FoundPolicy): PolicySummaryView {
  return {
    Id: p.id,
    Arn: p.awsManaged ? awsManagedPolicyArn(p.type, p.id) : policyArn(org, p.type, p.id),
    Name: p.name,
    Description: p.description,
    Type: p.type,
    AwsManaged: p.awsManaged,
  };
}

export function policyView(org: Readonly<OrganizationRecord>, p: FoundPolicy): { PolicySummary: PolicySummaryView; Content: string } {
  return { PolicySummary: policySummary(org, p), Content: p.content };
}

/**
 * The type's size limit (ConstraintViolation), then the document's grammar (MalformedPolicyDocument):
 * for management policies, the management-policy grammar; for authorization policies, the policy
 * engine's validation, then the RCP rules of the Organizations User Guide ("RCP syntax"):
 * Version "2012-10-17", Effect Deny only (Allow is reserved to RCPFullAWSAccess), Principal
 * "*" only (no NotPrincipal), Action only (no NotAction) naming the services RCPs support; and
 * the SCP rule of the SCP syntax page: in Action and NotAction a wildcard (* or ?) stands alone or
 * at the end of the action name ("servicename:action*" is valid, "servicename:*action" and
 * "servicename:some*action" are not).
 */
export function checkPolicyContent(type: OrgPolicyType, content: string): void {
  if (content.length > POLICY_TYPES[type].maxSize) throw constraintViolation("POLICY_CONTENT_LIMIT_EXCEEDED");
  if (isManagementType(type)) {
    try {
      parseManagementPolicy(type, content);
    } catch (e) {
      // AWS's message for these, followed by what this grammar found.
      if (e instanceof ManagementPolicyError) throw malformedPolicyDocument(`${MANAGEMENT_MALFORMED} (${e.message})`);
      throw e;
    }
    return;
  }
  const rules = AUTHORIZATION_TYPES[type];
  try {
    // "Every SCP must have a Version element with the value 2012-10-17" (SCP syntax), as every RCP (RCP syntax).
    parsePolicy(content, rules.kind, { requireCurrentVersion: true });
  } catch (e) {
    if (e instanceof PolicyParseError) throw malformedPolicyDocument(e.message);
    throw e;
  }
  if (type === RCP) checkRcpStatements(content);
  if (type === SCP) checkScpActionWildcards(content);
}

export const MANAGEMENT_MALFORMED = "The provided policy document does not meet the requirements of the specified policy type.";

/** The statements of a policy the engine has already parsed (one statement or a list). */
function statementsOf(content: string): Array<Record<string, unknown>> {
  const doc = JSON.parse(content) as { Statement: Record<string, unknown> | Array<Record<string, unknown>> };
  return Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement];
}

// The texts of these failures are not documented; worded like the engine's grammar messages.
function checkRcpStatements(content: string): void {
  for (const st of statementsOf(content)) {
    if (st["Effect"] !== "Deny") throw malformedPolicyDocument("Resource control policies support only the Deny effect");
    if (!("Principal" in st) || st["Principal"] !== "*") throw malformedPolicyDocument('Resource control policies require the Principal "*"');
    if ("NotAction" in st) throw malformedPolicyDocument("Resource control policies do not support NotAction");
    for (const action of typeof st["Action"] === "string" ? [st["Action"]] : (st["Action"] as string[])) {
      const vendor = action.split(":")[0]?.toLowerCase() ?? "";
      if (action !== "*" && !RCP_SERVICES.has(vendor)) throw malformedPolicyDocument(`Resource control policies do not support the service ${vendor}`);
    }
  }
}

/** A wildcard followed by anything but more wildcards, in the action name after the service prefix. */
const INNER_WILDCARD = /[*?][^*?]/;

function checkScpActionWildcards(content: string): void {
  for (const st of statementsOf(content)) {
    for (const element of ["Action", "NotAction"]) {
      const value = st[element];
      for (const action of typeof value === "string" ? [value] : Array.isArray(value) ? (value as string[]) : []) {
        const name = action.slice(action.indexOf(":") + 1);
        if (INNER_WILDCARD.test(name)) {
          throw malformedPolicyDocument(`Service control policies allow a wildcard in ${element} only alone or at the end of the action name: ${action}`);
        }
      }
    }
  }
}

async function ownPolicies(tx: DocStore, organizationId: string): Promise<PolicyRecord[]> {
  return (await tx.list<PolicyRecord>(POLICIES_COLLECTION, { prefix: `${organizationId}/` })).map((e) => e.value);
}

export async function createPolicy(
  deps: OrganizationsDomainDeps,
  organizationId: string,
  input: { type: OrgPolicyType; name: string; description: string; content: string; tags: Tag[]; now: number },
): Promise<{ org: OrganizationRecord; policy: FoundPolicy }> {
  checkPolicyContent(input.type, input.content);
  return orgTransaction(deps, async (tx) => {
    const org = await storedOrganization(tx, organizationId);
    const sameType = (await ownPolicies(tx, org.id)).filter((p) => p.type === input.type);
    if (sameType.some((p) => p.name === input.name) || defaultPolicyOf(input.type)?.name === input.name) throw duplicatePolicy();
    if (sameType.length >= POLICY_TYPES[input.type].maxPerOrganization) throw constraintViolation("POLICY_NUMBER_LIMIT_EXCEEDED");
    let id = newPolicyId();
    while (await tx.get(POLICIES_COLLECTION, policyKey(org.id, id))) id = newPolicyId();
    const rec: PolicyRecord = {
      id,
      organizationId: org.id,
      type: input.type,
      name: input.name,
      description: input.description,
      content: input.content,
      createdAt: input.now,
      ...(input.tags.length > 0 ? { tags: input.tags } : {}),
    };
    await tx.put(POLICIES_COLLECTION, policyKey(org.id, id), rec);
    return { org, policy: found(rec) };
  });
}

/** A customer managed policy for a change; AWS managed ones are immutable. */
async function ownPolicy(tx: DocStore, org: Readonly<OrganizationRecord>, policyId: string): Promise<PolicyRecord> {
  const p = await findPolicy(tx, org, policyId);
  if (p.awsManaged) throw invalidInput("IMMUTABLE_POLICY");
  return (await tx.get<PolicyRecord>(POLICIES_COLLECTION, policyKey(org.id, policyId))) as PolicyRecord;
}

export async function updatePolicy(
  deps: OrganizationsDomainDeps,
  organizationId: string,
  policyId: string,
  change: { name?: string; description?: string; content?: string },
  now: number,
): Promise<{ org: OrganizationRecord; policy: FoundPolicy }> {
  return orgTransaction(deps, async (tx) => {
    const org = await storedOrganization(tx, organizationId);
    const current = await ownPolicy(tx, org, policyId);
    if (change.content !== undefined) checkPolicyContent(current.type, change.content);
    if (change.name !== undefined && change.name !== current.name) {
      const others = (await ownPolicies(tx, org.id)).filter((p) => p.type === current.type && p.id !== current.id);
      if (others.some((p) => p.name === change.name) || defaultPolicyOf(current.type)?.name === change.name) throw duplicatePolicy();
    }
    const next: PolicyRecord = {
      ...current,
      ...(change.name !== undefined ? { name: change.name } : {}),
      ...(change.description !== undefined ? { description: change.description } : {}),
      ...(change.content !== undefined ? { content: change.content } : {}),
      updatedAt: now,
    };
    await tx.put(POLICIES_COLLECTION, policyKey(org.id, policyId), next);
    return { org, policy: found(next) };
  });
}

export async function deletePolicy(deps: OrganizationsDomainDeps, organizationId: string, policyId: string): Promise<void> {
  await orgTransaction(deps, async (tx) => {
    const org = await storedOrganization(tx, organizationId);
    await ownPolicy(tx, org, policyId);
    const attachments = await tx.list<AttachmentRecord>(ATTACHMENTS_COLLECTION, { prefix: `${org.id}/` });
    if (attachments.some((a) => a.value.policyId === policyId)) throw policyInUse();
    await tx.delete(POLICIES_COLLECTION, policyKey(org.id, policyId));
  });
}

/** Replaces a customer managed policy's tags (TagResource / UntagResource). */
export async function setPolicyTags(deps: OrganizationsDomainDeps, organizationId: string, policyId: string, change: (tags: Tag[]) => Tag[]): Promise<void> {
  await orgTransaction(deps, async (tx) => {
    const org = await storedOrganization(tx, organizationId);
    const current = await ownPolicy(tx, org, policyId);
    const { tags: _old, ...rest } = current;
    const tags = change(current.tags ?? []);
    await tx.put<PolicyRecord>(POLICIES_COLLECTION, policyKey(org.id, policyId), { ...rest, ...(tags.length > 0 ? { tags } : {}) });
  });
}
