/**
 * Service last accessed data for Organizations: GenerateOrganizationsAccessReport and
 * GetOrganizationsAccessReport (IAM API Reference; IAM User Guide, "View last accessed
 * information for Organizations").
 *
 * Only the organization's management account may generate a report (others: AccessDenied, the
 * common error, with its documented text), and SCPs must be enabled in the root. The entity path
 * names the root, an OU (through its parent OUs) or an account (through its parents):
 * o-…/r-…[/ou-…]*[/account]. Which services a report lists:
 * - for an entity: the services allowed by the SCPs that apply to it, those attached to each node
 *   from the root down to the entity (every level must allow; SCPs do not restrict the
 *   management account, so a report on it lists every service);
 * - with OrganizationsPolicyId: the services that SCP allows. The policy must apply to the
 *   entity, i.e. be attached to a node on its path.
 * A service is allowed when an Allow covers one of its actions, decided with the policy engine's
 * action matching like the rest of the last-accessed reports (last-accessed.ts scpsAllowService).
 * The data per service is the latest attempt by any principal (root user, IAM users, IAM roles)
 * of the accounts in the entity's subtree: the root and OUs cover their member accounts except
 * the management account; an account covers itself. Failures found while computing (path or
 * policy not found, policy not attached, SCPs not enabled) are the job's ErrorDetails, with the
 * Organizations error codes and messages for them.
 */
import type { AccessDetail, GenerateOrganizationsAccessReportRequest, GenerateOrganizationsAccessReportResponse, GetOrganizationsAccessReportRequest, GetOrganizationsAccessReportResponse } from "@aws-sdk/client-iam";
import { AwsError, commonError } from "../../core/errors.js";
import { parsePolicy, type ParsedPolicy } from "../../iam/policy/index.js";
import { ACCOUNTS_COLLECTION, type AccountRecord } from "../organizations/accounts.js";
import { ORGANIZATIONS_COLLECTION, type OrganizationRecord } from "../organizations/model.js";
import { AUTHORIZATION_TYPES, SCP } from "../organizations/policy-types.js";
import { scpContent, scpsAttachedTo } from "../organizations/scp-cache.js";
import { ouChain, parentOfAccount } from "../organizations/tree.js";
import { authorize, type Caller, type IamEnv } from "./env.js";
import { constraintError } from "./errors.js";
import { readActivity } from "./last-accessed-activity.js";
import { checkJobId, newJob, jobFields, JobFailure, loadJob, type OrganizationsReportJob } from "./last-accessed-jobs.js";
import { organizationsAccess, scpsAllowService, TRACKING_PERIOD_MS, type Activity, type OrganizationsServiceAccess } from "./last-accessed.js";
import { paginateInOrder, pageFields } from "./pagination.js";
import { checkMarker, checkMaxItems, required, stringConstraints, validateMembers } from "./validation.js";
import { iamArn } from "../../core/partition.js";

/** Reports an account may have in progress at once (IAM documents the limit, not its value). */
export const CONCURRENT_REPORTS = 5;

const ENTITY_PATH_RE = /^o-[0-9a-z]{10,32}\/r-[0-9a-z]{4,32}[0-9a-z-/]*$/;
const POLICY_ID_RE = /^p-[0-9a-zA-Z_]{8,128}$/;
const SORT_KEYS = ["SERVICE_NAMESPACE_ASCENDING", "SERVICE_NAMESPACE_DESCENDING", "LAST_AUTHENTICATED_TIME_ASCENDING", "LAST_AUTHENTICATED_TIME_DESCENDING"] as const;
type SortKey = (typeof SORT_KEYS)[number];

// Organizations' own errors for an entity or policy that does not exist (its API Reference).
const targetNotFound = (): JobFailure => new JobFailure("TargetNotFoundException", "We can't find a root, OU, account, or policy with the TargetId that you specified.");
const policyNotFound = (): JobFailure => new JobFailure("PolicyNotFoundException", "We can't find a policy with the PolicyId that you specified.");
const policyNotAttached = (): JobFailure => new JobFailure("PolicyNotAttachedException", "The policy isn't attached to the specified target in the specified root.");
const scpsNotEnabled = (): JobFailure =>
  new JobFailure(
    "PolicyTypeNotEnabledException",
    "The specified policy type isn't currently enabled in this root. You can't attach policies of the specified type to entities in a root until you enable that type in the root.",
  );

const reportLimitExceeded = (): AwsError =>
  new AwsError("ReportGenerationLimitExceeded", "The request failed because the maximum number of concurrent requests for this account are already running.", 409);

function checkEntityPath(value: string | undefined): string {
  const v = required(value, "entityPath");
  stringConstraints(v, "entityPath", 19, 427, { re: ENTITY_PATH_RE, text: "^o-[0-9a-z]{10,32}\\/r-[0-9a-z]{4,32}[0-9a-z-\\/]*" });
  return v;
}

function checkPolicyId(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (!POLICY_ID_RE.test(value)) throw constraintError("organizationsPolicyId", "Member must satisfy regular expression pattern: ^p-[0-9a-zA-Z_]{8,128}$", value);
  return value;
}

/** The organization whose management account `accountId` is, if any. */
async function managedOrganization(env: IamEnv, accountId: string): Promise<OrganizationRecord | undefined> {
  const account = await env.store.get<AccountRecord>(ACCOUNTS_COLLECTION, accountId);
  const org = account?.organizationId ? await env.store.get<OrganizationRecord>(ORGANIZATIONS_COLLECTION, account.organizationId) : undefined;
  return org?.managementAccountId === accountId ? org : undefined;
}

/** What an entity path names: its nodes from the root down, and the accounts its report covers. */
interface OrgEntity {
  nodes: string[];
  accounts: Array<{ accountId: string; entityPath: string }>;
  /** The entity is the management account (no SCP restricts it). */
  management: boolean;
}

/** An account's path: organization, root, its OUs, itself. */
async function accountPath(env: IamEnv, org: OrganizationRecord, accountId: string): Promise<string[]> {
  const ous = (await ouChain(env.store, org, await parentOfAccount(env.store, org, accountId))).map((ou) => ou.id);
  return [org.id, org.rootId, ...ous, accountId];
}

async function reportEntity(env: IamEnv, org: OrganizationRecord, entityPath: string): Promise<OrgEntity> {
  const parts = entityPath.replace(/\/$/, "").split("/");
  if (parts[0] !== org.id || parts[1] !== org.rootId) throw targetNotFound();
  const last = parts.at(-1) as string;
  if (parts.length > 2 && !last.startsWith("ou-")) {
    // An account, reached through its actual parents.
    const account = await env.store.get<AccountRecord>(ACCOUNTS_COLLECTION, last);
    if (account?.organizationId !== org.id) throw targetNotFound();
    const path = await accountPath(env, org, last);
    if (path.join("/") !== parts.join("/")) throw targetNotFound();
    return { nodes: path.slice(1), accounts: [{ accountId: last, entityPath: path.join("/") }], management: last === org.managementAccountId };
  }
  // The root or an OU: its OUs must be the chain from the root down to it.
  const chain = parts.length > 2 ? (await ouChain(env.store, org, last)).map((ou) => ou.id) : [];
  if ([org.id, org.rootId, ...chain].join("/") !== parts.join("/")) throw targetNotFound();
  const members = (await env.store.list<AccountRecord>(ACCOUNTS_COLLECTION)).map((e) => e.value).filter((a) => a.organizationId === org.id && a.id !== org.managementAccountId);
  const accounts: OrgEntity["accounts"] = [];
  for (const a of members) {
    const path = await accountPath(env, org, a.id);
    if (path.includes(last)) accounts.push({ accountId: a.id, entityPath: path.join("/") });
  }
  return { nodes: parts.slice(1), accounts, management: false };
}

const parseScp = (text: string): ParsedPolicy | undefined => {
  try {
    return parsePolicy(text, AUTHORIZATION_TYPES[SCP].kind);
  } catch {
    return undefined; // a stored SCP that no longer parses allows nothing (it was validated when stored)
  }
};

/** The SCP levels the report's services are decided by: the given policy alone, or every node's. */
async function reportLevels(env: IamEnv, org: OrganizationRecord, entity: OrgEntity, policyId: string | undefined): Promise<ParsedPolicy[][] | undefined> {
  const attached: Array<Array<{ policyId: string; content: string }>> = [];
  for (const node of entity.nodes) attached.push(await scpsAttachedTo(env.store, org, node));
  const parsed = (texts: string[]): ParsedPolicy[] => texts.map(parseScp).filter((p): p is ParsedPolicy => p !== undefined);
  if (policyId !== undefined) {
    const content = await scpContent(env.store, org, policyId);
    if (content === undefined) throw policyNotFound();
    if (!attached.some((level) => level.some((p) => p.policyId === policyId))) throw policyNotAttached();
    return [parsed([content])];
  }
  return entity.management ? undefined : attached.map((level) => parsed(level.map((p) => p.content)));
}

async function computeReport(env: IamEnv, job: OrganizationsReportJob): Promise<Partial<OrganizationsReportJob>> {
  const org = await managedOrganization(env, job.accountId);
  if (!org) throw targetNotFound();
  if (!(org.policyTypes ?? []).includes(SCP)) throw scpsNotEnabled();
  const entity = await reportEntity(env, org, job.entityPath);
  const levels = await reportLevels(env, org, entity, job.policyId);
  const services = env.lastAccessed.services().filter((s) => levels === undefined || scpsAllowService(levels, s));
  const activity: Activity[] = [];
  for (const a of entity.accounts) {
    activity.push(...(await readActivity(env.store, { accountId: a.accountId, startTime: job.createdAt - TRACKING_PERIOD_MS, endTime: job.createdAt, wants: () => true })));
  }
  return { access: organizationsAccess({ services, accounts: entity.accounts, activity }) };
}

export async function generateOrganizationsAccessReport(
  env: IamEnv,
  caller: Caller,
  input: GenerateOrganizationsAccessReportRequest,
): Promise<GenerateOrganizationsAccessReportResponse> {
  const [entityPath, policyId] = validateMembers(() => checkEntityPath(input.EntityPath), () => checkPolicyId(input.OrganizationsPolicyId));
  await authorize(caller, "GenerateOrganizationsAccessReport", iamArn(caller.accountId, `access-report/${entityPath}`), policyId !== undefined ? { "iam:OrganizationsPolicyId": policyId } : undefined);
  // Only the management account's credentials may generate (IAM's common AccessDenied text).
  if (!(await managedOrganization(env, caller.accountId))) throw commonError("AccessDenied", "You do not have sufficient access to perform this action.");
  // Counted and started in one turn of the event loop: concurrent calls cannot both pass the limit.
  if (env.lastAccessed.jobs.count(caller.accountId, "organizations") >= CONCURRENT_REPORTS) throw reportLimitExceeded();
  const job = newJob<OrganizationsReportJob>(caller, { kind: "organizations", entityPath, ...(policyId !== undefined ? { policyId } : {}) });
  await env.lastAccessed.jobs.start(env, job, () => computeReport(env, job));
  return { JobId: job.jobId };
}

/** Never-accessed services sort after accessed ones, whichever way time sorts; ties by namespace. */
function sorted(list: readonly OrganizationsServiceAccess[], key: SortKey): OrganizationsServiceAccess[] {
  const byNamespace = (a: OrganizationsServiceAccess, b: OrganizationsServiceAccess): number => (a.namespace < b.namespace ? -1 : a.namespace > b.namespace ? 1 : 0);
  return [...list].sort((a, b) => {
    switch (key) {
      case "SERVICE_NAMESPACE_ASCENDING":
        return byNamespace(a, b);
      case "SERVICE_NAMESPACE_DESCENDING":
        return byNamespace(b, a);
      default: {
        if (!a.last || !b.last) return (a.last ? -1 : b.last ? 1 : 0) || byNamespace(a, b);
        const d = key === "LAST_AUTHENTICATED_TIME_ASCENDING" ? a.last.time - b.last.time : b.last.time - a.last.time;
        return d || byNamespace(a, b);
      }
    }
  });
}

function accessView(s: OrganizationsServiceAccess): AccessDetail {
  return {
    ServiceName: s.name,
    ServiceNamespace: s.namespace,
    ...(s.last ? { Region: s.last.region, EntityPath: s.last.entityPath, LastAuthenticatedTime: new Date(s.last.time) } : {}),
    TotalAuthenticatedEntities: s.totalEntities,
  };
}

export async function getOrganizationsAccessReport(env: IamEnv, caller: Caller, input: GetOrganizationsAccessReportRequest): Promise<GetOrganizationsAccessReportResponse> {
  const [jobId, max, marker] = validateMembers(() => checkJobId(input.JobId), () => checkMaxItems(input.MaxItems), () => checkMarker(input.Marker));
  const sortKey = input.SortKey ?? "SERVICE_NAMESPACE_ASCENDING";
  if (!(SORT_KEYS as readonly string[]).includes(sortKey)) throw constraintError("sortKey", `Member must satisfy enum value set: [${SORT_KEYS.join(", ")}]`, sortKey);
  await authorize(caller, "GetOrganizationsAccessReport", "*");
  const job = await loadJob(env, caller, "organizations", jobId);
  const access = job.status === "COMPLETED" ? (job.access ?? []) : [];
  // A marker continues in the requested order.
  const page = paginateInOrder("GetOrganizationsAccessReport", sorted(access, sortKey as SortKey), marker, max);
  return {
    ...jobFields(job),
    ...(job.status === "COMPLETED"
      ? { NumberOfServicesAccessible: access.length, NumberOfServicesNotAccessed: access.filter((s) => !s.last).length, AccessDetails: page.items.map(accessView), ...pageFields(page) }
      : {}),
    ...(job.error ? { ErrorDetails: job.error } : {}),
  } as GetOrganizationsAccessReportResponse;
}
