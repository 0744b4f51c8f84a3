/**
 * Service last accessed data for Organizations: GenerateOrganizationsAccessReport and
 * GetOrganizationsAccessReport (IAM API Reference; IAM User Guide, "View last accessed
 * information for Organizations").
 *
 * Only the organization's management account may generate a report (others: AccessDenied, the
 * common error, with its documented text). The entity path names the root, or an account under
 * it (o-…/r-…[/account]); this installation's organizations have no OUs, so a path through one
 * names nothing. Which services a report lists is decided by the SCPs that apply, and this
 * installation enforces none: every service it serves is allowed everywhere, as for a
 * management account, and an OrganizationsPolicyId names no policy (except in a report on the
 * management account, where AWS ignores it). The data per service is the latest attempt by any
 * principal (root user, IAM users, IAM roles) of the accounts the path covers: the root covers
 * every member account except the management account; an account covers itself. Failures
 * found while computing (path or policy not found) are the job's ErrorDetails, with the
 * Organizations error codes and messages for them.
 */
import type { AccessDetail, GenerateOrganizationsAccessReportRequest, GenerateOrganizationsAccessReportResponse, GetOrganizationsAccessReportRequest, GetOrganizationsAccessReportResponse } from "@aws-sdk/client-iam";
import { AwsError, commonError } from "../../core/errors.js";
import { ACCOUNTS_COLLECTION, type AccountRecord } from "../organizations/accounts.js";
import { ORGANIZATIONS_COLLECTION, type OrganizationRecord } from "../organizations/model.js";
import { authorize, type Caller, type IamEnv } from "./env.js";
import { constraintError } from "./errors.js";
import { readActivity } from "./last-accessed-activity.js";
import { checkJobId, newJob, jobFields, JobFailure, loadJob, type OrganizationsReportJob } from "./last-accessed-jobs.js";
import { organizationsAccess, TRACKING_PERIOD_MS, type Activity, type OrganizationsServiceAccess } from "./last-accessed.js";
import { paginateInOrder, pageFields } from "./pagination.js";
import { checkMarker, checkMaxItems, lengthBetween, required } from "./validation.js";

/** Reports an account may have in progress at once (IAM documents the limit, not its value). */
export const CONCURRENT_REPORTS = 5;

const ENTITY_PATH_RE = /^o-[0-9a-z]{10,32}\/r-[0-9a-z]{4,32}[0-9a-z-/]*$/;
const POLICY_ID_RE = /^p-[0-9a-zA-Z_]{8,128}$/;
const SORT_KEYS = ["SERVICE_NAMESPACE_ASCENDING", "SERVICE_NAMESPACE_DESCENDING", "LAST_AUTHENTICATED_TIME_ASCENDING", "LAST_AUTHENTICATED_TIME_DESCENDING"] as const;
type SortKey = (typeof SORT_KEYS)[number];

// Organizations' own errors for an entity or policy that does not exist (its API Reference).
const targetNotFound = (): JobFailure => new JobFailure("TargetNotFoundException", "We can't find a root, OU, account, or policy with the TargetId that you specified.");
const policyNotFound = (): JobFailure => new JobFailure("PolicyNotFoundException", "We can't find a policy with the PolicyId that you specified.");

const reportLimitExceeded = (): AwsError =>
  new AwsError("ReportGenerationLimitExceeded", "The request failed because the maximum number of concurrent requests for this account are already running.", 409);

function checkEntityPath(value: string | undefined): string {
  const v = required(value, "entityPath");
  lengthBetween(v, "entityPath", 19, 427);
  if (!ENTITY_PATH_RE.test(v)) throw constraintError("entityPath", "Member must satisfy regular expression pattern: ^o-[0-9a-z]{10,32}\\/r-[0-9a-z]{4,32}[0-9a-z-\\/]*");
  return v;
}

function checkPolicyId(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (!POLICY_ID_RE.test(value)) throw constraintError("organizationsPolicyId", "Member must satisfy regular expression pattern: ^p-[0-9a-zA-Z_]{8,128}$");
  return value;
}

/** The organization whose management account `accountId` is, if any. */
async function managedOrganization(env: IamEnv, accountId: string): Promise<OrganizationRecord | undefined> {
  const account = await env.store.get<AccountRecord>(ACCOUNTS_COLLECTION, accountId);
  const org = account?.organizationId ? await env.store.get<OrganizationRecord>(ORGANIZATIONS_COLLECTION, account.organizationId) : undefined;
  return org?.managementAccountId === accountId ? org : undefined;
}

/** The accounts a path's report covers, each with its own entity path. */
async function coveredAccounts(env: IamEnv, org: OrganizationRecord, job: OrganizationsReportJob): Promise<Array<{ accountId: string; entityPath: string }>> {
  const [orgId, rootId, ...rest] = job.entityPath.replace(/\/$/, "").split("/");
  if (orgId !== org.id || rootId !== org.rootId || rest.length > 1) throw targetNotFound();
  const members = (await env.store.list<AccountRecord>(ACCOUNTS_COLLECTION)).map((e) => e.value).filter((a) => a.organizationId === org.id);
  const pathOf = (id: string): string => `${org.id}/${org.rootId}/${id}`;
  const target = rest[0];
  if (target === undefined) {
    if (job.policyId !== undefined) throw policyNotFound();
    return members.filter((a) => a.id !== org.managementAccountId).map((a) => ({ accountId: a.id, entityPath: pathOf(a.id) }));
  }
  if (!members.some((a) => a.id === target)) throw targetNotFound();
  if (job.policyId !== undefined && target !== org.managementAccountId) throw policyNotFound();
  return [{ accountId: target, entityPath: pathOf(target) }];
}

async function computeReport(env: IamEnv, job: OrganizationsReportJob): Promise<Partial<OrganizationsReportJob>> {
  const org = await managedOrganization(env, job.accountId);
  if (!org) throw targetNotFound();
  const accounts = await coveredAccounts(env, org, job);
  const activity: Activity[] = [];
  for (const a of accounts) {
    activity.push(...(await readActivity(env.store, { accountId: a.accountId, startTime: job.createdAt - TRACKING_PERIOD_MS, endTime: job.createdAt, wants: () => true })));
  }
  return { access: organizationsAccess({ services: env.lastAccessed.services(), accounts, activity }) };
}

export async function generateOrganizationsAccessReport(
  env: IamEnv,
  caller: Caller,
  input: GenerateOrganizationsAccessReportRequest,
): Promise<GenerateOrganizationsAccessReportResponse> {
  const entityPath = checkEntityPath(input.EntityPath);
  const policyId = checkPolicyId(input.OrganizationsPolicyId);
  await authorize(caller, "GenerateOrganizationsAccessReport", `arn:aws:iam::${caller.accountId}:access-report/${entityPath}`, policyId !== undefined ? { "iam:OrganizationsPolicyId": policyId } : undefined);
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
  const jobId = checkJobId(input.JobId);
  const max = checkMaxItems(input.MaxItems);
  const marker = checkMarker(input.Marker);
  const sortKey = input.SortKey ?? "SERVICE_NAMESPACE_ASCENDING";
  if (!(SORT_KEYS as readonly string[]).includes(sortKey)) throw constraintError("sortKey", `Member must satisfy enum value set: [${SORT_KEYS.join(", ")}]`);
  await authorize(caller, "GetOrganizationsAccessReport", "*");
  const job = await loadJob(env, caller, "organizations", jobId);
  const access = job.status === "COMPLETED" ? (job.access ?? []) : [];
  // A marker continues in the requested order.
  const page = paginateInOrder(sorted(access, sortKey as SortKey), marker, max);
  return {
    ...jobFields(job),
    ...(job.status === "COMPLETED"
      ? { NumberOfServicesAccessible: access.length, NumberOfServicesNotAccessed: access.filter((s) => !s.last).length, AccessDetails: page.items.map(accessView), ...pageFields(page) }
      : {}),
    ...(job.error ? { ErrorDetails: job.error } : {}),
  } as GetOrganizationsAccessReportResponse;
}
