/**
 * Service last accessed data: GenerateServiceLastAccessedDetails, GetServiceLastAccessedDetails,
 * GetServiceLastAccessedDetailsWithEntities and ListPoliciesGrantingServiceAccess (IAM API
 * Reference; IAM User Guide, "Refine permissions using last accessed information").
 *
 * A report is about a user, group, role or managed policy of the caller's account:
 * - the services considered are the ones the subject's permissions policies allow (a user's
 *   include its groups'; a policy's are its own), decided by ./last-accessed.ts;
 * - the attempts counted are the user's or role's own, a group's members', or those of the users
 *   and roles a policy is attached to (directly or through a group);
 * - the attempts come from the audit log over the tracking period before the job was created
 *   (./last-accessed-activity.ts). The job runs in the background (./last-accessed-jobs.ts).
 * ListPoliciesGrantingServiceAccess needs no job: it reads the identity's current policies.
 */
import type {
  EntityDetails,
  GenerateServiceLastAccessedDetailsRequest,
  GenerateServiceLastAccessedDetailsResponse,
  GetServiceLastAccessedDetailsRequest,
  GetServiceLastAccessedDetailsResponse,
  GetServiceLastAccessedDetailsWithEntitiesRequest,
  GetServiceLastAccessedDetailsWithEntitiesResponse,
  ListPoliciesGrantingServiceAccessRequest,
  ListPoliciesGrantingServiceAccessResponse,
  PolicyGrantingServiceAccess,
  ServiceLastAccessed,
} from "@aws-sdk/client-iam";
import type { ParsedPolicy } from "../../iam/policy/index.js";
import { authorizedSubject, currentSubject, identityPolicies, storedPolicy, type Identity, type IdentityKind, type Subject } from "./entity-policies.js";
import { authorize, type Caller, type IamEnv } from "./env.js";
import { constraintError, invalidInput } from "./errors.js";
import { groupUsers } from "./groups.js";
import { readActivity } from "./last-accessed-activity.js";
import { checkJobId, newJob, jobFields, JobFailure, loadJob, type Granularity, type ServiceReportJob } from "./last-accessed-jobs.js";
import { grantsNamespace, grantsService, serviceLastAccessed, TRACKING_PERIOD_MS, type ReportEntity, type ServiceUsage } from "./last-accessed.js";
import { COLLECTIONS, type PolicyUseDoc, type RoleDoc, type UserDoc } from "./model.js";
import { paginate, paginateInOrder, pageFields } from "./pagination.js";
import { groups, policyUses, roles, users } from "./repo.js";
import { roleArnOf } from "./roles.js";
import { userArnOf } from "./users.js";
import { checkArn, checkMarker, checkMaxItems, lengthBetween, required, stringConstraints, validateMembers } from "./validation.js";

const GRANULARITIES: readonly Granularity[] = ["SERVICE_LEVEL", "ACTION_LEVEL"];
const NAMESPACE_RE = /^[\w-]*$/;
const MAX_NAMESPACES = 200;

// IAM's wording for a malformed ARN elsewhere (e.g. boundary and policy ARNs).
const invalidArn = (arn: string) => invalidInput(`ARN ${arn} is not valid.`);

function checkNamespace(value: string | undefined, field: string): string {
  const v = required(value, field);
  stringConstraints(v, field, 1, 64, { re: NAMESPACE_RE, text: "[\\w-]*" });
  return v;
}

function userEntity(u: UserDoc): ReportEntity {
  return { type: "USER", id: u.userId, arn: userArnOf(u), name: u.userName, path: u.path };
}

function roleEntity(r: RoleDoc): ReportEntity {
  return { type: "ROLE", id: r.roleId, arn: roleArnOf(r), name: r.roleName, path: r.path };
}

/** The users and roles a managed policy is attached to, directly or through a group. */
async function policyEntities(env: IamEnv, accountId: string, policyId: string): Promise<ReportEntity[]> {
  const out = new Map<string, ReportEntity>();
  for (const { value: use } of await env.store.list<PolicyUseDoc>(COLLECTIONS.policyAttachments, { prefix: policyUses.prefix(accountId, policyId) })) {
    if (use.kind === "User") {
      const u = await users.byId(env.store, accountId, use.id);
      if (u) out.set(u.userId, userEntity(u));
    } else if (use.kind === "Role") {
      const r = await roles.byId(env.store, accountId, use.id);
      if (r) out.set(r.roleId, roleEntity(r));
    } else {
      const g = await groups.byId(env.store, accountId, use.id);
      for (const u of g ? await groupUsers(env.store, g) : []) out.set(u.userId, userEntity(u));
    }
  }
  return [...out.values()];
}

/** The policies that decide the report's services, and the entities whose attempts count. */
async function reportScope(env: IamEnv, accountId: string, s: Subject): Promise<{ policies: ParsedPolicy[]; entities: ReportEntity[] }> {
  if (s.kind === "policy") {
    const policies = storedPolicy(s.policy.policyName, "user-managed", s.policy.defaultDocument, "identity").map((p) => p.parsed);
    return { policies, entities: await policyEntities(env, accountId, s.policy.policyId) };
  }
  const policies = (await identityPolicies(env, s)).map((p) => p.parsed);
  switch (s.kind) {
    case "user":
      return { policies, entities: [userEntity(s.doc)] };
    case "role":
      return { policies, entities: [roleEntity(s.doc)] };
    case "group":
      return { policies, entities: (await groupUsers(env.store, s.doc)).map(userEntity) };
  }
}

/** The report of a job, computed from the subject as it is now and the audit log up to the job's creation. */
async function computeReport(env: IamEnv, job: ServiceReportJob): Promise<Partial<ServiceReportJob>> {
  const subject = await currentSubject(env, job.accountId, job.arn);
  // Deleted since the job started: reported in the job, as IAM reports failures.
  if (!subject) throw new JobFailure("NoSuchEntity", `The entity with ARN ${job.arn} no longer exists.`);
  const { policies, entities } = await reportScope(env, job.accountId, subject);
  const ids = new Set(entities.map((e) => e.id));
  const activity = await readActivity(env.store, {
    accountId: job.accountId,
    startTime: job.createdAt - TRACKING_PERIOD_MS,
    endTime: job.createdAt,
    wants: (a) => a.kind !== "root" && ids.has(a.id),
  });
  return { services: serviceLastAccessed({ services: env.lastAccessed.services(), policies, entities, activity, actionLevel: job.granularity === "ACTION_LEVEL" }) };
}

export async function generateServiceLastAccessedDetails(
  env: IamEnv,
  caller: Caller,
  input: GenerateServiceLastAccessedDetailsRequest,
): Promise<GenerateServiceLastAccessedDetailsResponse> {
  const arn = checkArn(input.Arn, "arn");
  const granularity = input.Granularity ?? "SERVICE_LEVEL";
  if (!GRANULARITIES.includes(granularity)) throw constraintError("granularity", `Member must satisfy enum value set: [${GRANULARITIES.join(", ")}]`, granularity);
  await authorizedSubject(env, caller, "GenerateServiceLastAccessedDetails", arn, ["user", "group", "role", "policy"] as const, invalidArn);
  const job = newJob<ServiceReportJob>(caller, { kind: "service", arn, granularity });
  await env.lastAccessed.jobs.start(env, job, () => computeReport(env, job));
  return { JobId: job.jobId };
}

function serviceView(s: ServiceUsage, granularity: Granularity): ServiceLastAccessed {
  return {
    ServiceName: s.name,
    ServiceNamespace: s.namespace,
    ...(s.last ? { LastAuthenticated: new Date(s.last.time), LastAuthenticatedEntity: s.last.entityArn, LastAuthenticatedRegion: s.last.region } : {}),
    TotalAuthenticatedEntities: s.totalEntities,
    ...(granularity === "ACTION_LEVEL" && s.actions
      ? {
          TrackedActionsLastAccessed: s.actions.map((a) => ({
            ActionName: a.action,
            LastAccessedEntity: a.entityArn,
            LastAccessedTime: new Date(a.time),
            LastAccessedRegion: a.region,
          })),
        }
      : {}),
  };
}

export async function getServiceLastAccessedDetails(env: IamEnv, caller: Caller, input: GetServiceLastAccessedDetailsRequest): Promise<GetServiceLastAccessedDetailsResponse> {
  const [jobId, max, marker] = validateMembers(() => checkJobId(input.JobId), () => checkMaxItems(input.MaxItems), () => checkMarker(input.Marker));
  await authorize(caller, "GetServiceLastAccessedDetails", "*");
  const job = await loadJob(env, caller, "service", jobId);
  const page = paginate("GetServiceLastAccessedDetails", job.status === "COMPLETED" ? (job.services ?? []) : [], (s) => s.namespace, marker, max);
  return {
    ...jobFields(job),
    JobType: job.granularity,
    ServicesLastAccessed: page.items.map((s) => serviceView(s, job.granularity)),
    ...pageFields(page),
    ...(job.error ? { Error: job.error } : {}),
  } as GetServiceLastAccessedDetailsResponse;
}

export async function getServiceLastAccessedDetailsWithEntities(
  env: IamEnv,
  caller: Caller,
  input: GetServiceLastAccessedDetailsWithEntitiesRequest,
): Promise<GetServiceLastAccessedDetailsWithEntitiesResponse> {
  const [jobId, namespace, max, marker] = validateMembers(
    () => checkJobId(input.JobId),
    () => checkNamespace(input.ServiceNamespace, "serviceNamespace"),
    () => checkMaxItems(input.MaxItems),
    () => checkMarker(input.Marker),
  );
  await authorize(caller, "GetServiceLastAccessedDetailsWithEntities", "*");
  const job = await loadJob(env, caller, "service", jobId);
  // A service the report does not list: no entity could have used the subject's policies for it.
  const entities = job.status === "COMPLETED" ? (job.services?.find((s) => s.namespace === namespace)?.entities ?? []) : [];
  const page = paginateInOrder("GetServiceLastAccessedDetailsWithEntities", entities, marker, max);
  const list: EntityDetails[] = page.items.map((e) => ({
    EntityInfo: { Arn: e.entity.arn, Name: e.entity.name, Type: e.entity.type, Id: e.entity.id, Path: e.entity.path },
    ...(e.time !== undefined ? { LastAuthenticated: new Date(e.time) } : {}),
  }));
  return { ...jobFields(job), EntityDetailsList: list, ...pageFields(page), ...(job.error ? { Error: job.error } : {}) } as GetServiceLastAccessedDetailsWithEntitiesResponse;
}

/** Where one of the identity's policies comes from, as ListPoliciesGrantingServiceAccess names it. */
function grantingView(p: { id: string; arn?: string; holder?: { kind: IdentityKind; name: string } }): PolicyGrantingServiceAccess {
  if (p.arn !== undefined) return { PolicyName: p.id, PolicyType: "MANAGED", PolicyArn: p.arn };
  return { PolicyName: p.id, PolicyType: "INLINE", ...(p.holder ? { EntityType: p.holder.kind.toUpperCase() as "USER" | "GROUP" | "ROLE", EntityName: p.holder.name } : {}) };
}

export async function listPoliciesGrantingServiceAccess(
  env: IamEnv,
  caller: Caller,
  input: ListPoliciesGrantingServiceAccessRequest,
): Promise<ListPoliciesGrantingServiceAccessResponse> {
  const marker = checkMarker(input.Marker);
  const arn = checkArn(input.Arn, "arn");
  const namespaces = required(input.ServiceNamespaces, "serviceNamespaces");
  lengthBetween(namespaces, "serviceNamespaces", 1, MAX_NAMESPACES);
  namespaces.forEach((n, i) => checkNamespace(n, `serviceNamespaces.${i + 1}.member`));
  const subject = (await authorizedSubject(env, caller, "ListPoliciesGrantingServiceAccess", arn, ["user", "group", "role"] as const, invalidArn)) as Identity;
  const policies = await identityPolicies(env, subject);
  const catalog = env.lastAccessed.services();
  const entries = namespaces.map((namespace) => {
    // A service this installation serves is judged by its actions; any other by the policy text.
    const service = catalog.find((s) => s.namespace === namespace);
    const granting = policies.filter((p) => (service ? grantsService([p.parsed], service) : grantsNamespace([p.text], namespace)));
    // A managed policy attached to the user and to one of its groups is listed once.
    const seen = new Set<string>();
    const unique = granting.filter((p) => {
      if (p.arn === undefined) return true;
      if (seen.has(p.arn)) return false;
      seen.add(p.arn);
      return true;
    });
    return { ServiceNamespace: namespace, Policies: unique.map(grantingView) };
  });
  const page = paginateInOrder("ListPoliciesGrantingServiceAccess", entries, marker, MAX_NAMESPACES);
  return { PoliciesGrantingServiceAccess: page.items, ...pageFields(page) };
}
