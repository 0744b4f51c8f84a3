/**
 * sts:GetScopedCredentials: new temporary credentials for the caller's own session (same ARN,
 * session name, session tags, source identity and MFA state) with fewer permissions, a shorter
 * lifetime, or both. Only temporary credentials may call it.
 *
 * Permissions (IAM User Guide, "Permissions for GetScopedCredentials"): the intersection of the
 * calling session's effective permissions, this call's scope-down policy and the scope-down
 * policies of earlier calls in the chain. The session record keeps the chain as a list
 * (scopeDownPolicies, oldest first); the policy engine makes every level allow, like SCP levels.
 * At most 3 levels: a call that would add a fourth is denied.
 *
 * Lifetime: DurationSeconds 1–129,600, never beyond the calling session's expiry
 * (InsufficientSessionLifetime); without it the new credentials expire with the caller's.
 */
import { AwsError, commonError } from "../../core/errors.js";
import type { RequestContext } from "../../core/types.js";
import type { Sealer } from "../../crypto/seal-types.js";
import type { IamApi, SessionRecord } from "../iam/api.js";
import { usesTemporaryCredentials } from "./assume-role.js";
import { auditCredentials } from "./audit-format.js";
import { issueSession, MAX_SESSION_TOKEN_SIZE, sessionTokenMembers, type CredentialsOutput, type SessionIdentity } from "./credentials.js";
import { MAX_SESSION_TOKEN_SECONDS } from "./get-session-token.js";
import { checkSessionPolicy, packedPolicyPercent, packedPolicyTooLarge } from "./session-policy.js";
import { MAX_SESSION_POLICY_CHARS, PATTERNS, ValidationCollector, validationError } from "./validation.js";

export interface GetScopedCredentialsInput {
  Policy?: string;
  DurationSeconds?: number;
  MinimumSessionTokenSize?: number;
  ScopedSessionDescription?: string;
}

export interface GetScopedCredentialsOutput {
  Credentials: CredentialsOutput;
  SessionInfo: { ScopedSessionId: string; Arn: string };
  SessionTokenUtilization: number;
  SessionTokenSize: number;
  ScopedPoliciesCount: number;
  SourceIdentity?: string;
}

/** Scope-down policy layers a session may carry (GetScopedCredentialsResponse.ScopedPoliciesCount). */
export const MAX_SCOPE_DOWN_POLICIES = 3;
export const MAX_SCOPED_SESSION_DESCRIPTION = 256;

function validateModel(input: GetScopedCredentialsInput): void {
  const v = new ValidationCollector();
  v.string(input.Policy, "policy", { min: 1, max: MAX_SESSION_POLICY_CHARS, ...PATTERNS.policy });
  v.number(input.DurationSeconds, "durationSeconds", 1, MAX_SESSION_TOKEN_SECONDS);
  v.number(input.MinimumSessionTokenSize, "minimumSessionTokenSize", 0, MAX_SESSION_TOKEN_SIZE);
  v.string(input.ScopedSessionDescription, "scopedSessionDescription", { max: MAX_SCOPED_SESSION_DESCRIPTION });
  v.throwIfAny();
  // Documented rule ("you must specify at least one of them"); the message is worded like STS's others.
  if (input.Policy === undefined && input.DurationSeconds === undefined) {
    throw validationError("A request must provide at least one of Policy or DurationSeconds.");
  }
}


/** The caller's identity as a new session record carries it (credentials and times left out). */
function identityOf(rec: SessionRecord, scopeDownPolicies: string[]): SessionIdentity {
  const { accessKeyId: _k, sealedSecret: _s, sessionTokenHash: _h, issuedAt, expiresAt: _e, ...identity } = rec;
  return {
    ...identity,
    ...(scopeDownPolicies.length > 0 ? { scopeDownPolicies } : {}),
    // MFA age counts from when the code was verified, not from the scoped credentials' issue time.
    ...(rec.mfaAuthenticated === true ? { mfaAuthenticatedAt: rec.mfaAuthenticatedAt ?? issuedAt } : {}),
  };
}

export async function getScopedCredentials(
  deps: { sealer: Sealer; iam: IamApi },
  input: GetScopedCredentialsInput,
  ctx: RequestContext,
): Promise<GetScopedCredentialsOutput> {
  validateModel(input);
  const p = ctx.principal;
  // Documented: IAM user and root long-term credentials cannot call it (message not documented).
  if (!usesTemporaryCredentials(ctx)) throw commonError("AccessDenied", "Cannot call GetScopedCredentials with long-term credentials");
  await ctx.authorize({ action: "sts:GetScopedCredentials", resource: "*" });

  const caller = await deps.iam.getSession(p.accessKeyId);
  if (caller === undefined || caller.expiresAt <= ctx.now) {
    // Message not documented; worded like the exception's description.
    throw new AwsError("InvalidSubjectCredentials", "The calling session's credentials could not be validated or resolved.", 400);
  }

  const policy = input.Policy !== undefined ? checkSessionPolicy(input.Policy) : undefined;
  if (policy !== undefined) {
    const percent = packedPolicyPercent(policy, [], {});
    if (percent > 100) throw packedPolicyTooLarge(percent);
  }
  const chain = [...(caller.scopeDownPolicies ?? []), ...(policy !== undefined ? [policy] : [])];
  if (chain.length > MAX_SCOPE_DOWN_POLICIES) {
    // Documented limit (ScopedPoliciesCount); the message is not documented.
    throw commonError("AccessDenied", `A session can have at most ${MAX_SCOPE_DOWN_POLICIES} scope down policies.`);
  }

  const nowSecond = Math.floor(ctx.now / 1000) * 1000;
  let expiresAt = caller.expiresAt;
  if (input.DurationSeconds !== undefined) {
    const remaining = Math.floor((caller.expiresAt - nowSecond) / 1000);
    if (input.DurationSeconds > remaining) {
      // Message not documented; worded like the exception's description.
      throw new AwsError(
        "InsufficientSessionLifetime",
        `The requested DurationSeconds (${input.DurationSeconds}) is greater than the remaining lifetime of the calling session (${remaining} seconds).`,
        400,
      );
    }
    expiresAt = nowSecond + input.DurationSeconds * 1000;
  }

  const issued = await issueSession(deps, identityOf(caller, chain), {
    now: ctx.now,
    durationSeconds: Math.floor((expiresAt - nowSecond) / 1000),
    expiresAt,
    ...(input.MinimumSessionTokenSize !== undefined ? { minimumTokenSize: input.MinimumSessionTokenSize } : {}),
  });
  const sessionInfo = { ScopedSessionId: p.principalId, Arn: p.arn };
  ctx.audit.responseElements = {
    credentials: auditCredentials(issued.credentials),
    sessionInfo: { scopedSessionId: sessionInfo.ScopedSessionId, arn: sessionInfo.Arn },
    scopedPoliciesCount: chain.length,
    ...(caller.sourceIdentity !== undefined ? { sourceIdentity: caller.sourceIdentity } : {}),
  };
  return {
    Credentials: issued.credentials,
    SessionInfo: sessionInfo,
    ...sessionTokenMembers(issued.credentials),
    ScopedPoliciesCount: chain.length,
    ...(caller.sourceIdentity !== undefined ? { SourceIdentity: caller.sourceIdentity } : {}),
  };
}
