/**
 * sts:AssumeRoot (centralised root access): short-term credentials of a member account's root
 * user, limited by one of the AWS managed root-task policies, for a caller in the organization's
 * management account or IAM's delegated administrator account.
 *
 * Order: model validation, the target (an account id or its root ARN) and the task policy, then
 * authorisation (sts:AssumeRoot on the target's root ARN, condition key sts:TaskPolicyArn) — root
 * user credentials are refused there —, then the organization: IAM's trusted access, the caller's
 * role, the target being another member of the same organization, and the feature the task needs
 * (RootCredentialsManagement for the IAM tasks, RootSessions for S3/SQS). The session is the
 * target account's root with the task policy as its session policy, which can only deny.
 */
import { commonError } from "../../core/errors.js";
import type { RequestContext } from "../../core/types.js";
import type { Sealer } from "../../crypto/seal-types.js";
import type { IamApi } from "../iam/api.js";
import { isRootTaskPolicyArn } from "../iam/aws-managed-policies.js";
import { isRootAccessAdministrator, type RootAccessFeature } from "../iam/root-access.js";
import type { OrganizationMembershipView, OrganizationsView } from "../organizations/view.js";
import { auditCredentials } from "./audit-format.js";
import { issueSession, MAX_SESSION_TOKEN_SIZE, sessionTokenMembers, type CredentialsOutput } from "./credentials.js";
import { PATTERNS, ValidationCollector, validationError } from "./validation.js";
import { accountRootArn, arnPattern } from "../../core/partition.js";

export interface AssumeRootInput {
  TargetPrincipal?: string;
  TaskPolicyArn?: { arn?: string };
  DurationSeconds?: number;
  MinimumSessionTokenSize?: number;
}

export interface AssumeRootOutput {
  Credentials: CredentialsOutput;
  SourceIdentity?: string;
  SessionTokenSize: number;
  SessionTokenUtilization: number;
}

export interface AssumeRootDeps {
  sealer: Sealer;
  iam: IamApi;
  organizations?: OrganizationsView;
  /** The centralised root access features enabled for an organization (IAM). */
  enabledFeatures?: (m: OrganizationMembershipView) => Promise<RootAccessFeature[]>;
}

export const ROOT_SESSION_MAX_SECONDS = 900;
/** TargetPrincipal: an account id, or its root user's ARN in the installation's partition. */
const TARGET_ACCOUNT = /^\d{12}$/;
const TARGET_ROOT = arnPattern(/^arn:aws:iam::(\d{12}):root$/);
/** Tasks on S3 and SQS need RootSessions; the IAM credential tasks need RootCredentialsManagement. */
const SESSION_TASKS = new Set(["S3UnlockBucketPolicy", "SQSUnlockQueuePolicy"]);

function validateModel(input: AssumeRootInput): void {
  const v = new ValidationCollector();
  if (v.required(input.TargetPrincipal, "targetPrincipal")) v.string(input.TargetPrincipal, "targetPrincipal", { min: 12, max: 2048 });
  if (v.required(input.TaskPolicyArn?.arn, "taskPolicyArn")) v.string(input.TaskPolicyArn?.arn, "taskPolicyArn.arn", { min: 20, max: 2048, ...PATTERNS.arn });
  v.number(input.DurationSeconds, "durationSeconds", 0, ROOT_SESSION_MAX_SECONDS);
  v.number(input.MinimumSessionTokenSize, "minimumSessionTokenSize", 0, MAX_SESSION_TOKEN_SIZE);
  v.throwIfAny();
}

export async function assumeRoot(deps: AssumeRootDeps, input: AssumeRootInput, ctx: RequestContext): Promise<AssumeRootOutput> {
  validateModel(input);
  const targetPrincipal = input.TargetPrincipal as string;
  const target = TARGET_ACCOUNT.test(targetPrincipal) ? targetPrincipal : TARGET_ROOT.exec(targetPrincipal)?.[1];
  if (target === undefined) throw validationError("Request must contain a valid target principal");
  const taskPolicyArn = input.TaskPolicyArn?.arn as string;
  if (!isRootTaskPolicyArn(taskPolicyArn)) throw validationError("Request must contain valid AWS managed task policy ARN");

  const p = ctx.principal;
  const resource = accountRootArn(target);
  const notAuthorized = () => commonError("AccessDenied", `User: ${p.arn} is not authorized to perform: sts:AssumeRoot on resource: ${resource}`);
  ctx.audit.resources = [{ ARN: resource, accountId: target }];
  // "You cannot use root user credentials to make this call."
  if (p.type === "Root") throw notAuthorized();
  await ctx.authorize({ action: "sts:AssumeRoot", resource, context: { "sts:TaskPolicyArn": taskPolicyArn } });

  const caller = await deps.organizations?.membership(p.accountId);
  const member = await deps.organizations?.membership(target);
  if (
    !caller ||
    !isRootAccessAdministrator(caller, p.accountId) ||
    !member ||
    member.org.id !== caller.org.id ||
    target === caller.org.managementAccountId ||
    member.account.status !== "ACTIVE"
  ) {
    throw notAuthorized();
  }
  const features = (await deps.enabledFeatures?.(caller)) ?? [];
  const taskName = taskPolicyArn.slice(taskPolicyArn.lastIndexOf("/") + 1);
  if (SESSION_TASKS.has(taskName)) {
    if (!features.includes("RootSessions")) throw commonError("AccessDenied", "Root sessions feature is not enabled for your AWS Organization.");
  } else if (!features.includes("RootCredentialsManagement")) {
    throw commonError("AccessDenied", "Root credentials management feature is not enabled for your AWS Organization.");
  }

  const sourceIdentity = p.sourceIdentity;
  const issued = await issueSession(
    deps,
    { accountId: target, kind: "AssumedRoot", sessionPolicyArns: [taskPolicyArn], issuerArn: p.arn, ...(sourceIdentity !== undefined ? { sourceIdentity } : {}) },
    {
      now: ctx.now,
      durationSeconds: input.DurationSeconds ?? ROOT_SESSION_MAX_SECONDS,
      ...(input.MinimumSessionTokenSize !== undefined ? { minimumTokenSize: input.MinimumSessionTokenSize } : {}),
    },
  );
  ctx.audit.responseElements = { credentials: auditCredentials(issued.credentials), ...(sourceIdentity !== undefined ? { sourceIdentity } : {}) };
  return {
    Credentials: issued.credentials,
    ...(sourceIdentity !== undefined ? { SourceIdentity: sourceIdentity } : {}),
    ...sessionTokenMembers(issued.credentials),
  };
}
