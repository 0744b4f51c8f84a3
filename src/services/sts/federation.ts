/**
 * What sts:AssumeRoleWithWebIdentity and sts:AssumeRoleWithSAML share once the identity
 * provider's token or assertion has been verified: the role's trust policy decides for the
 * caller {"Federated": <provider ARN>} with the provider's condition keys, then
 * sts:TagSession (when the IdP passed session tags) and sts:SetSourceIdentity (when it passed
 * a source identity); the duration rules; and the role session, an AssumedRole session like
 * AssumeRole's. The unsigned caller is named in CloudTrail as the federated user.
 *
 * CloudTrail for both calls: auditFederatedCall is their first step, before any check, so every
 * outcome (validation errors included) is an event of the role's account whose requestParameters
 * never hold the token or assertion; the caller is named (ctx.audit.federatedIdentity) as soon as
 * its IdP's signature is verified, and never before.
 */
import { AwsError, commonError } from "../../core/errors.js";
import type { ConditionContext, FederatedUserIdentity, RequestContext } from "../../core/types.js";
import type { Sealer } from "../../crypto/seal-types.js";
import type { IamApi, RoleRecord } from "../iam/api.js";
import { parseArn, type ParsedArn } from "./arn.js";
import { DEFAULT_ROLE_SESSION_SECONDS } from "./assume-role.js";
import { assumedRoleUserOf, issueSession, roleSessionIdentity, type IssuedSession } from "./credentials.js";
import { entityTagContext } from "../iam/tags.js";
import { sessionTagContext, type SessionTags } from "./session-policy.js";
import { validationError } from "./validation.js";

export interface FederatedAssumeRequest {
  action: "sts:AssumeRoleWithWebIdentity" | "sts:AssumeRoleWithSAML";
  roleArn: string;
  arn: ParsedArn;
  providerArn: string;
  sessionName: string;
  /** The provider's condition keys (`<host/path>:sub`, `saml:aud`, …). */
  context: ConditionContext;
  sessionPolicy: string | undefined;
  policyArns: string[];
  tags: SessionTags;
  sourceIdentity: string | undefined;
  durationSeconds: number | undefined;
  /** The IdP's own limit on the session (SAML SessionNotOnOrAfter), epoch ms. */
  notAfter?: number;
  /** Recorded on the session (web identity sessions name their OIDC provider in CloudTrail). */
  federatedProvider?: string;
  /** The provider's keys that requests made with the session carry (a subset of `context`). */
  sessionKeys?: Record<string, string | string[]>;
  identity: FederatedUserIdentity;
  /** MinimumSessionTokenSize: the issued session token is padded to at least this many bytes. */
  minimumTokenSize?: number | undefined;
}

export interface FederatedSession {
  role: RoleRecord;
  issued: IssuedSession;
  assumedRoleUser: { AssumedRoleId: string; Arn: string };
}

/** What the federation calls share with AssumeRole in their request. */
export interface FederatedSessionInput {
  PolicyArns?: Array<{ arn?: string }>;
  Policy?: string;
  DurationSeconds?: number;
  MinimumSessionTokenSize?: number;
}

/** requestParameters members of the session options, in CloudTrail's names; absent when not asked for. */
export function sessionRequestParameters(input: FederatedSessionInput): Record<string, unknown> {
  return {
    ...(input.DurationSeconds !== undefined ? { durationSeconds: input.DurationSeconds } : {}),
    ...(input.Policy !== undefined ? { policy: input.Policy } : {}),
    ...(input.PolicyArns !== undefined && input.PolicyArns.length > 0 ? { policyArns: input.PolicyArns.map((p) => ({ arn: p.arn })) } : {}),
    ...(input.MinimumSessionTokenSize !== undefined ? { minimumSessionTokenSize: input.MinimumSessionTokenSize } : {}),
  };
}

/**
 * The CloudTrail event of an unsigned federation call, before any check: it belongs to the
 * account that owns the role asked for (the caller has no account of its own), whether or not
 * the call succeeds, and records `requestParameters` (written by the caller without the token
 * or assertion: not even a hidden placeholder, which the schema-driven redaction would leave).
 */
export function auditFederatedCall(ctx: RequestContext, roleArn: string | undefined, requestParameters: Record<string, unknown>): void {
  ctx.audit.requestParameters = requestParameters;
  const account = typeof roleArn === "string" ? parseArn(roleArn)?.account : undefined;
  if (account !== undefined && /^\d{12}$/.test(account)) ctx.audit.recipientAccountId = account;
}

const EMPTY_TRUST_POLICY = JSON.stringify({ Version: "2012-10-17", Statement: [] });

/** The trust policy decides; a denial is worded as STS words it for federated callers. */
async function trustAllows(ctx: RequestContext, req: Parameters<RequestContext["authorize"]>[0]): Promise<void> {
  try {
    await ctx.authorize(req);
  } catch (e) {
    if (e instanceof AwsError && e.common === "AccessDenied") throw commonError("AccessDenied", `Not authorized to perform ${req.action}`);
    throw e;
  }
}

export async function assumeRoleAsFederatedUser(deps: { sealer: Sealer; iam: IamApi }, req: FederatedAssumeRequest, ctx: RequestContext): Promise<FederatedSession> {
  // From here on the caller is known: CloudTrail names it even when the trust policy refuses.
  ctx.audit.federatedIdentity = req.identity;
  const arn = req.arn;
  const role = arn.service === "iam" && arn.resource.startsWith("role/") ? await deps.iam.getRoleByArn(req.roleArn) : undefined;
  // The role's tags: aws:ResourceTag/<key> and iam:ResourceTag/<key> (Service Authorization Reference, AWS STS).
  const context: ConditionContext = {
    ...entityTagContext(role?.tags),
    "sts:RoleSessionName": req.sessionName,
    ...req.context,
    ...sessionTagContext(req.tags.tags, req.tags.transitiveTagKeys),
  };
  if (req.sourceIdentity !== undefined) context["sts:SourceIdentity"] = req.sourceIdentity;
  const base = {
    // The role's own ARN (a RoleArn in another case names the same role).
    resource: role?.arn ?? req.roleArn,
    resourceAccount: role?.accountId ?? arn.account,
    resourcePolicy: role?.assumeRolePolicyDocument ?? EMPTY_TRUST_POLICY,
    resourcePolicyIsAuthoritative: true,
    federatedProvider: req.providerArn,
    context,
  };
  if (role) {
    ctx.audit.resources = [{ ARN: role.arn, accountId: role.accountId, type: "AWS::IAM::Role" }];
    ctx.audit.recipientAccountId = role.accountId;
  }
  await trustAllows(ctx, { action: req.action, ...base });
  if (!role) throw commonError("AccessDenied", `Not authorized to perform ${req.action}`);
  if (Object.keys(req.tags.tags).length > 0 || req.tags.transitiveTagKeys.length > 0) await trustAllows(ctx, { action: "sts:TagSession", ...base });
  if (req.sourceIdentity !== undefined) await trustAllows(ctx, { action: "sts:SetSourceIdentity", ...base });

  let durationSeconds = DEFAULT_ROLE_SESSION_SECONDS;
  if (req.durationSeconds !== undefined) {
    if (req.durationSeconds > role.maxSessionDuration) throw validationError("The requested DurationSeconds exceeds the MaxSessionDuration set for this role.");
    durationSeconds = req.durationSeconds;
  }
  // The session lasts for the requested duration or until the IdP's limit, whichever is shorter.
  if (req.notAfter !== undefined) durationSeconds = Math.min(durationSeconds, Math.floor((req.notAfter - Math.floor(ctx.now / 1000) * 1000) / 1000));

  const identity = roleSessionIdentity(role, req.sessionName, {
    sessionPolicy: req.sessionPolicy,
    policyArns: req.policyArns,
    tags: req.tags.tags,
    transitiveTagKeys: req.tags.transitiveTagKeys,
    sourceIdentity: req.sourceIdentity,
    ...(req.federatedProvider !== undefined ? { federatedProvider: req.federatedProvider } : {}),
    ...(req.sessionKeys !== undefined ? { identityProviderKeys: req.sessionKeys } : {}),
  });
  const issued = await issueSession(deps, identity, { now: ctx.now, durationSeconds, ...(req.minimumTokenSize !== undefined ? { minimumTokenSize: req.minimumTokenSize } : {}) });
  return { role, issued, assumedRoleUser: assumedRoleUserOf(role, req.sessionName) };
}
