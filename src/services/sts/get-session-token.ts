/**
 * sts:GetSessionToken: temporary credentials with the caller's own identity, for IAM
 * users and the root user signing with long-term keys. Like AWS, it is not controlled by
 * policies (the operation is registered with noAuthorization).
 */
import { commonError } from "../../core/errors.js";
import type { RequestContext } from "../../core/types.js";
import type { Sealer } from "../../crypto/seal-types.js";
import type { IamApi } from "../iam/api.js";
import { usesTemporaryCredentials } from "./assume-role.js";
import { auditCredentials } from "./audit-format.js";
import { checkMfa } from "./mfa.js";
import { issueSession, MAX_SESSION_TOKEN_SIZE, sessionTokenMembers, type CredentialsOutput } from "./credentials.js";
import { PATTERNS, ValidationCollector } from "./validation.js";

export interface GetSessionTokenInput {
  DurationSeconds?: number;
  SerialNumber?: string;
  TokenCode?: string;
  MinimumSessionTokenSize?: number;
}

export interface GetSessionTokenOutput {
  Credentials: CredentialsOutput;
  SessionTokenSize: number;
  SessionTokenUtilization: number;
}

export const DEFAULT_SESSION_TOKEN_SECONDS = 43200;
export const MAX_SESSION_TOKEN_SECONDS = 129600;
/** Sessions of the root user are limited to one hour; longer requests are shortened, not refused. */
export const ROOT_SESSION_TOKEN_MAX_SECONDS = 3600;

export async function getSessionToken(
  deps: { sealer: Sealer; iam: IamApi },
  input: GetSessionTokenInput,
  ctx: RequestContext,
): Promise<GetSessionTokenOutput> {
  const v = new ValidationCollector();
  v.number(input.DurationSeconds, "durationSeconds", 900, MAX_SESSION_TOKEN_SECONDS);
  v.string(input.SerialNumber, "serialNumber", { min: 9, max: 256, ...PATTERNS.serialNumber });
  v.secretString(input.TokenCode, "tokenCode", { min: 6, max: 6, ...PATTERNS.tokenCode });
  v.number(input.MinimumSessionTokenSize, "minimumSessionTokenSize", 0, MAX_SESSION_TOKEN_SIZE);
  v.throwIfAny();

  const p = ctx.principal;
  if (usesTemporaryCredentials(ctx)) throw commonError("AccessDenied", "Cannot call GetSessionToken with session credentials");
  if (p.type !== "IAMUser" && p.type !== "Root") throw commonError("AccessDenied", "Cannot call GetSessionToken with session credentials");
  const mfa = input.SerialNumber !== undefined || input.TokenCode !== undefined;
  if (mfa) {
    // The code must come from an MFA device enabled for the calling user (root MFA is not supported).
    await checkMfa(deps.iam, p, input.SerialNumber, input.TokenCode, ctx.now);
  }

  let duration = input.DurationSeconds ?? DEFAULT_SESSION_TOKEN_SECONDS;
  if (p.type === "Root") duration = Math.min(duration, ROOT_SESSION_TOKEN_MAX_SECONDS);

  const issued = await issueSession(
    deps,
    p.type === "Root"
      ? { accountId: p.accountId, kind: "SessionToken", userArn: p.arn, userId: p.accountId, isRoot: true }
      : {
          accountId: p.accountId,
          kind: "SessionToken",
          userArn: p.arn,
          userId: p.principalId,
          ...(p.name !== undefined ? { userName: p.name } : {}),
          ...(mfa ? { mfaAuthenticated: true, mfaAuthenticatedAt: ctx.now } : {}),
        },
    { now: ctx.now, durationSeconds: duration, ...(input.MinimumSessionTokenSize !== undefined ? { minimumTokenSize: input.MinimumSessionTokenSize } : {}) },
  );
  ctx.audit.responseElements = { credentials: auditCredentials(issued.credentials) };
  return { Credentials: issued.credentials, ...sessionTokenMembers(issued.credentials) };
}
