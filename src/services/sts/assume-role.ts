/**
 * sts:AssumeRole. Validation order follows AWS: model constraints (one aggregated
 * ValidationError), ARN syntax, session policy / tags, then authorisation against the
 * role's trust policy, then duration rules that depend on the role.
 */
import { AwsError, commonError } from "../../core/errors.js";
import type { ConditionContext, RequestContext } from "../../core/types.js";
import type { Sealer } from "../../crypto/seal-types.js";
import type { IamApi, RoleRecord } from "../iam/api.js";
import { entityTagContext } from "../iam/tags.js";
import { requireArn } from "./arn.js";
import { auditCredentials } from "./audit-format.js";
import { checkMfa } from "./mfa.js";
import { assumedRoleUserOf, issueSession, MAX_SESSION_TOKEN_SIZE, roleSessionIdentity, sessionTokenMembers, type CredentialsOutput } from "./credentials.js";
import { checkPackedSize, checkPolicyArns, checkSessionPolicy, checkSessionTags, incomingTransitiveTags, inheritTransitiveTags, refuseReservedTags, sessionTagContext, type TagInput } from "./session-policy.js";
import { PATTERNS, ValidationCollector, validationError } from "./validation.js";

export interface AssumeRoleInput {
  RoleArn?: string;
  RoleSessionName?: string;
  PolicyArns?: Array<{ arn?: string }>;
  Policy?: string;
  DurationSeconds?: number;
  Tags?: TagInput[];
  TransitiveTagKeys?: string[];
  ExternalId?: string;
  SerialNumber?: string;
  TokenCode?: string;
  SourceIdentity?: string;
  ProvidedContexts?: unknown[];
  MinimumSessionTokenSize?: number;
}

export interface AssumeRoleOutput {
  Credentials: CredentialsOutput;
  AssumedRoleUser: { AssumedRoleId: string; Arn: string };
  PackedPolicySize?: number;
  SourceIdentity?: string;
  SessionTokenUtilization?: number;
  SessionTokenSize: number;
}

export const DEFAULT_ROLE_SESSION_SECONDS = 3600;
/** Role chaining (any temporary credentials assuming a role) is capped at one hour. */
export const ROLE_CHAINING_MAX_SECONDS = 3600;

/** A trust policy that allows nobody: used for roles that do not exist, so the denial is indistinguishable. */
const EMPTY_TRUST_POLICY = JSON.stringify({ Version: "2012-10-17", Statement: [] });

function validateModel(input: AssumeRoleInput): void {
  const v = new ValidationCollector();
  if (v.required(input.RoleArn, "roleArn")) v.string(input.RoleArn, "roleArn", { min: 20, max: 2048, ...PATTERNS.arn });
  if (v.required(input.RoleSessionName, "roleSessionName")) v.string(input.RoleSessionName, "roleSessionName", { min: 2, max: 64, ...PATTERNS.sessionName });
  v.sessionPolicies(input);
  v.number(input.DurationSeconds, "durationSeconds", 900, 43200);
  v.tags(input.Tags);
  v.list(input.TransitiveTagKeys, "transitiveTagKeys", 50, (l) => `[${l.join(", ")}]`);
  input.TransitiveTagKeys?.forEach((k, i) => v.string(k, `transitiveTagKeys.${i + 1}.member`, { min: 1, max: 128, ...PATTERNS.tagKey }));
  v.string(input.ExternalId, "externalId", { min: 2, max: 1224, ...PATTERNS.externalId });
  v.string(input.SerialNumber, "serialNumber", { min: 9, max: 256, ...PATTERNS.serialNumber });
  v.secretString(input.TokenCode, "tokenCode", { min: 6, max: 6, ...PATTERNS.tokenCode });
  v.string(input.SourceIdentity, "sourceIdentity", { min: 2, max: 64, ...PATTERNS.sessionName });
  // ProvidedContextsListType holds 1 to 5 contexts: an empty list (the SDK sends `ProvidedContexts=`
  // for []) fails the model's minimum like any other constraint.
  v.list(input.ProvidedContexts, "providedContexts", 5, (l) => (l.length === 0 ? "[]" : "[…]"), 1);
  (input.ProvidedContexts as Array<{ ProviderArn?: string; ContextAssertion?: string } | null> | undefined)?.forEach((c, i) => {
    if (c === null || typeof c !== "object") return;
    v.string(c.ProviderArn, `providedContexts.${i + 1}.member.providerArn`, { min: 20, max: 2048, ...PATTERNS.arn });
    v.string(c.ContextAssertion, `providedContexts.${i + 1}.member.contextAssertion`, { min: 4, max: 2048 });
  });
  v.number(input.MinimumSessionTokenSize, "minimumSessionTokenSize", 0, MAX_SESSION_TOKEN_SIZE);
  v.throwIfAny();
}

/** True when the caller signs with temporary credentials (AssumeRole from them is role chaining). */
export function usesTemporaryCredentials(ctx: RequestContext): boolean {
  const p = ctx.principal;
  return p.type === "AssumedRole" || p.type === "FederatedUser" || p.isSessionToken === true || p.sessionExpiresAt !== undefined;
}

export async function assumeRole(
  deps: { sealer: Sealer; iam: IamApi },
  input: AssumeRoleInput,
  ctx: RequestContext,
): Promise<AssumeRoleOutput> {
  validateModel(input);
  const roleArn = input.RoleArn as string;
  const sessionName = input.RoleSessionName as string;
  const arn = requireArn(roleArn);

  if (ctx.principal.type === "Root") throw commonError("AccessDenied", "Roles may not be assumed by root accounts.");

  const sessionPolicy = input.Policy !== undefined ? checkSessionPolicy(input.Policy) : undefined;
  const policyArns = checkPolicyArns(input.PolicyArns, arn.account);
  refuseReservedTags(input.Tags ?? []);
  const tags = checkSessionTags(input.Tags ?? [], input.TransitiveTagKeys ?? []);
  const packedPercent = checkPackedSize(sessionPolicy, policyArns, tags);
  // Role chaining: the caller's transitive session tags pass on to the new session.
  const incoming = incomingTransitiveTags(ctx.principal);
  const sessionTags = inheritTransitiveTags(incoming, { tags, transitiveTagKeys: input.TransitiveTagKeys ?? [] });
  if ((input.ProvidedContexts?.length ?? 0) > 0) {
    // No trusted context providers exist in this installation, so no assertion can be valid.
    throw new AwsError("InvalidContextAssertion", "The provided context assertion is not valid.", 400);
  }

  const role = arn.service === "iam" && arn.resource.startsWith("role/") ? await deps.iam.getRoleByArn(roleArn) : undefined;
  const resourceAccount = role?.accountId ?? arn.account;
  const sourceIdentity = ctx.principal.sourceIdentity ?? input.SourceIdentity;

  // The role's tags: aws:ResourceTag/<key> and iam:ResourceTag/<key> (Service Authorization Reference, AWS STS).
  const context: ConditionContext = { ...entityTagContext(role?.tags), "sts:RoleSessionName": sessionName, ...sessionTagContext(tags, input.TransitiveTagKeys) };
  if (input.ExternalId !== undefined) context["sts:ExternalId"] = input.ExternalId;
  if (sourceIdentity !== undefined) context["sts:SourceIdentity"] = sourceIdentity;

  // MFA is checked before the trust policy, which may require it (aws:MultiFactorAuthPresent).
  const mfa = input.SerialNumber !== undefined || input.TokenCode !== undefined;
  if (mfa && role) {
    // The code must come from an MFA device enabled for the calling IAM user.
    await checkMfa(deps.iam, ctx.principal, input.SerialNumber, input.TokenCode, ctx.now);
    context["aws:MultiFactorAuthPresent"] = true;
    context["aws:MultiFactorAuthAge"] = 0;
  }
  // Role chaining from an MFA-authenticated session keeps the MFA context (and its age).
  const caller = ctx.principal;
  const mfaAt = mfa ? ctx.now : caller.mfaAuthenticated === true ? (caller.mfaAuthenticatedAt ?? caller.sessionIssuedAt) : undefined;

  const base = {
    // The role as IAM names it: role names are not distinguished by case, so a RoleArn spelt in
    // another case finds the same role, and policies must be decided on its own ARN.
    resource: role?.arn ?? roleArn,
    resourceAccount,
    resourcePolicy: role?.assumeRolePolicyDocument ?? EMPTY_TRUST_POLICY,
    resourcePolicyIsAuthoritative: true,
    context,
  };
  if (role) ctx.audit.resources = [{ ARN: role.arn, accountId: role.accountId, type: "AWS::IAM::Role" }];
  // A cross-account AssumeRole "is logged in the calling account and the account where the AWS STS
  // operation is performed" (IAM user guide, logging IAM and STS calls with CloudTrail).
  if (role && role.accountId !== ctx.principal.accountId) ctx.audit.recipientAccountId = role.accountId;
  // Role chaining: the tags the session inherits are recorded as incomingTransitiveTags.
  if (incoming !== undefined) ctx.audit.requestParametersPrefix = { incomingTransitiveTags: incoming };
  await ctx.authorize({ action: "sts:AssumeRole", ...base });
  if (!role) {
    // The authoriser cannot allow against an empty trust policy; this is only a backstop.
    throw commonError("AccessDenied", `User: ${ctx.principal.arn} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`);
  }
  // A session with tags needs sts:TagSession, whether the tags were passed or inherited from the
  // caller's transitive tags (role chaining), as AWS does.
  if (Object.keys(sessionTags.tags).length > 0 || (input.TransitiveTagKeys?.length ?? 0) > 0) await ctx.authorize({ action: "sts:TagSession", ...base });
  if (sourceIdentity !== undefined) {
    // A source identity, once set, persists through role chaining and cannot be replaced.
    if (ctx.principal.sourceIdentity !== undefined && input.SourceIdentity !== undefined && input.SourceIdentity !== ctx.principal.sourceIdentity) {
      throw commonError("AccessDenied", `User: ${ctx.principal.arn} is not authorized to perform: sts:SetSourceIdentity on resource: ${role.arn}`);
    }
    await ctx.authorize({ action: "sts:SetSourceIdentity", ...base });
    // Role chaining: "permissions for sts:SetSourceIdentity are required in both the permissions
    // policy of the principal who is assuming the role and in the role trust policy of the target
    // role" (IAM User Guide, id_credentials_temp_control-access_monitor), whether the source identity
    // is passed or inherited. Across accounts the trust policy's decision above already needed the
    // caller's policies; in the role's own account a trust policy naming the caller would suffice
    // alone, so the caller's identity-based policies (with its session policies and boundary) decide too.
    // Role chaining is a role session assuming a role: an IAM user's GetSessionToken credentials are not.
    if (ctx.principal.type === "AssumedRole" && role.accountId === ctx.principal.accountId) {
      await ctx.authorize({ action: "sts:SetSourceIdentity", resource: role.arn, resourceAccount, context });
    }
  }

  const durationSeconds = checkDuration(input.DurationSeconds, role, usesTemporaryCredentials(ctx));
  const issued = await issueSession(
    deps,
    roleSessionIdentity(role, sessionName, {
      sessionPolicy,
      policyArns,
      tags: sessionTags.tags,
      transitiveTagKeys: sessionTags.transitiveTagKeys,
      sourceIdentity,
      ...(mfaAt !== undefined ? { mfaAuthenticatedAt: mfaAt } : {}),
    }),
    { now: ctx.now, durationSeconds, ...(input.MinimumSessionTokenSize !== undefined ? { minimumTokenSize: input.MinimumSessionTokenSize } : {}) },
  );

  const assumedRoleUser = assumedRoleUserOf(role, sessionName);
  const out: AssumeRoleOutput = {
    Credentials: issued.credentials,
    AssumedRoleUser: assumedRoleUser,
    ...sessionTokenMembers(issued.credentials, packedPercent),
  };
  if (packedPercent !== undefined) out.PackedPolicySize = packedPercent;
  if (sourceIdentity !== undefined) out.SourceIdentity = sourceIdentity;

  ctx.audit.responseElements = {
    credentials: auditCredentials(issued.credentials),
    assumedRoleUser: { assumedRoleId: assumedRoleUser.AssumedRoleId, arn: assumedRoleUser.Arn },
    ...(packedPercent !== undefined ? { packedPolicySize: packedPercent } : {}),
    ...(sourceIdentity !== undefined ? { sourceIdentity } : {}),
  };
  return out;
}

function checkDuration(requested: number | undefined, role: RoleRecord, chaining: boolean): number {
  if (requested === undefined) return DEFAULT_ROLE_SESSION_SECONDS;
  if (chaining && requested > ROLE_CHAINING_MAX_SECONDS) {
    throw validationError("The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.");
  }
  if (requested > role.maxSessionDuration) {
    throw validationError("The requested DurationSeconds exceeds the MaxSessionDuration set for this role.");
  }
  return requested;
}
