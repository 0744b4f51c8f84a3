/**
 * sts:GetFederationToken: temporary credentials for a federated user, issued by an IAM user
 * (or the root user) signing with long-term keys. The federated user may do what both the
 * issuer's identity-based policies and the session policies passed here allow: with no
 * session policy it may do nothing (a resource-based policy naming the federated user aside).
 * Its credentials never call IAM, nor STS other than GetCallerIdentity (the authoriser refuses).
 */
import { commonError } from "../../core/errors.js";
import type { RequestContext } from "../../core/types.js";
import type { Sealer } from "../../crypto/seal-types.js";
import type { IamApi } from "../iam/api.js";
import { usesTemporaryCredentials } from "./assume-role.js";
import { auditCredentials } from "./audit-format.js";
import { issueSession, MAX_SESSION_TOKEN_SIZE, sessionTokenMembers, type CredentialsOutput } from "./credentials.js";
import { DEFAULT_SESSION_TOKEN_SECONDS, MAX_SESSION_TOKEN_SECONDS, ROOT_SESSION_TOKEN_MAX_SECONDS } from "./get-session-token.js";
import { checkPackedSize, checkPolicyArns, checkSessionPolicy, checkSessionTags, refuseReservedTags, sessionTagContext, type TagInput } from "./session-policy.js";
import { MAX_SESSION_POLICY_CHARS, PATTERNS, ValidationCollector } from "./validation.js";
import { arn } from "../../core/partition.js";

export interface GetFederationTokenInput {
  Name?: string;
  Policy?: string;
  PolicyArns?: Array<{ arn?: string }>;
  DurationSeconds?: number;
  Tags?: TagInput[];
  MinimumSessionTokenSize?: number;
}

export interface GetFederationTokenOutput {
  Credentials: CredentialsOutput;
  FederatedUser: { FederatedUserId: string; Arn: string };
  PackedPolicySize?: number;
  SessionTokenSize: number;
  SessionTokenUtilization: number;
}

function validateModel(input: GetFederationTokenInput): void {
  const v = new ValidationCollector();
  if (v.required(input.Name, "name")) v.string(input.Name, "name", { min: 2, max: 32, ...PATTERNS.sessionName });
  v.string(input.Policy, "policy", { min: 1, max: MAX_SESSION_POLICY_CHARS, ...PATTERNS.policy });
  v.list(input.PolicyArns, "policyArns", 10, (l) => `[${l.map((p) => `PolicyDescriptorType(arn=${(p as { arn?: string }).arn ?? "null"})`).join(", ")}]`);
  input.PolicyArns?.forEach((p, i) => v.string(p.arn, `policyArns.${i + 1}.member.arn`, { min: 20, max: 2048, ...PATTERNS.arn }));
  v.number(input.DurationSeconds, "durationSeconds", 900, MAX_SESSION_TOKEN_SECONDS);
  v.tags(input.Tags);
  v.number(input.MinimumSessionTokenSize, "minimumSessionTokenSize", 0, MAX_SESSION_TOKEN_SIZE);
  v.throwIfAny();
}

export async function getFederationToken(
  deps: { sealer: Sealer; iam: IamApi },
  input: GetFederationTokenInput,
  ctx: RequestContext,
): Promise<GetFederationTokenOutput> {
  validateModel(input);
  const name = input.Name as string;
  const p = ctx.principal;
  if (usesTemporaryCredentials(ctx) || (p.type !== "IAMUser" && p.type !== "Root")) {
    throw commonError("AccessDenied", "Cannot call GetFederationToken with session credentials");
  }

  const sessionPolicy = input.Policy !== undefined ? checkSessionPolicy(input.Policy) : undefined;
  const policyArns = checkPolicyArns(input.PolicyArns, p.accountId);
  refuseReservedTags(input.Tags ?? []);
  const tags = checkSessionTags(input.Tags ?? [], []);
  const tagKeys = Object.keys(tags);
  const packedPercent = checkPackedSize(sessionPolicy, policyArns, tags);

  const federatedArn = arn("sts", "", p.accountId, `federated-user/${name}`);
  const context = sessionTagContext(tags);
  await ctx.authorize({ action: "sts:GetFederationToken", resource: federatedArn, context });
  if (tagKeys.length > 0) await ctx.authorize({ action: "sts:TagSession", resource: federatedArn, context });

  let duration = input.DurationSeconds ?? DEFAULT_SESSION_TOKEN_SECONDS;
  if (p.type === "Root") duration = Math.min(duration, ROOT_SESSION_TOKEN_MAX_SECONDS);
  const issued = await issueSession(
    deps,
    {
      accountId: p.accountId,
      kind: "FederatedUser",
      sessionName: name,
      userArn: p.arn,
      ...(p.type === "Root" ? { userId: p.accountId, isRoot: true } : { userId: p.principalId, ...(p.name !== undefined ? { userName: p.name } : {}) }),
      ...(sessionPolicy !== undefined ? { sessionPolicy } : {}),
      ...(policyArns.length > 0 ? { sessionPolicyArns: policyArns } : {}),
      ...(tagKeys.length > 0 ? { sessionTags: tags } : {}),
    },
    { now: ctx.now, durationSeconds: duration, ...(input.MinimumSessionTokenSize !== undefined ? { minimumTokenSize: input.MinimumSessionTokenSize } : {}) },
  );

  const federatedUser = { FederatedUserId: `${p.accountId}:${name}`, Arn: federatedArn };
  const out: GetFederationTokenOutput = { Credentials: issued.credentials, FederatedUser: federatedUser, ...sessionTokenMembers(issued.credentials, packedPercent) };
  // Unlike AssumeRole, GetFederationToken answers PackedPolicySize 0 when nothing is attached (as AWS STS does).
  out.PackedPolicySize = packedPercent ?? 0;
  ctx.audit.responseElements = {
    credentials: auditCredentials(issued.credentials),
    federatedUser: { federatedUserId: federatedUser.FederatedUserId, arn: federatedUser.Arn },
    packedPolicySize: out.PackedPolicySize,
  };
  return out;
}
