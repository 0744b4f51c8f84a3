/**
 * sts:GetWebIdentityToken (outbound identity federation): a JWT that states the caller's AWS
 * identity, signed with the account's issuer key (IAM holds the sealed keys; the issuer publishes
 * the public halves at `<issuer>/.well-known/jwks.json`).
 *
 * Order: model validation, authorisation (sts:GetWebIdentityToken, and sts:TagGetWebIdentityToken
 * when tags are passed; condition keys sts:IdentityTokenAudience, sts:SigningAlgorithm,
 * sts:DurationSeconds, aws:RequestTag/*, aws:TagKeys), the account's feature switch, the caller's
 * session lifetime, then the payload size. Claims follow the IAM User Guide ("Understanding token
 * claims"): iss, aud (a string for one audience, else the list), sub (the caller's ARN; a role's
 * ARN for role sessions), iat, exp, jti, and under "https://sts.amazonaws.com/" the AWS identity
 * and session claims and the request tags.
 */
import { randomUUID, sign, type KeyObject } from "node:crypto";
import { isoSeconds } from "../../audit/event.js";
import { AwsError } from "../../core/errors.js";
import type { ConditionContext, Principal, RequestContext } from "../../core/types.js";
import type { OutboundSigningAlgorithm, OutboundSigningKey } from "../iam/outbound-federation.js";
import { organizationPath, type OrganizationsView } from "../organizations/view.js";
import { withSessionTags } from "../../iam/policy/principal-context.js";
import { checkSessionTags, sessionTagContext, type TagInput } from "./session-policy.js";
import { ValidationCollector, validationError } from "./validation.js";

export interface GetWebIdentityTokenInput {
  Audience?: string[];
  DurationSeconds?: number;
  SigningAlgorithm?: string;
  Tags?: TagInput[];
  Scope?: string;
  SubjectMode?: string;
}

export interface GetWebIdentityTokenOutput {
  WebIdentityToken: string;
  Expiration: Date;
}

export interface WebIdentityTokenDeps {
  /** The account's signing key, or undefined while outbound identity federation is disabled. */
  signingKey(accountId: string, alg: OutboundSigningAlgorithm): Promise<OutboundSigningKey | undefined>;
  /** Tags of the caller's user or role, session tags included (aws:PrincipalTag/*). */
  principalTags(p: Principal): Promise<Record<string, string>>;
  organizations?: OrganizationsView;
}

export const DEFAULT_TOKEN_SECONDS = 300;
export const MIN_TOKEN_SECONDS = 60;
export const MAX_TOKEN_SECONDS = 3600;
/**
 * Largest claims set (UTF-8 bytes of its JSON). Not documented: AWS refuses payloads a little
 * under 15,000 bytes (observed: 14,984 accepted, a few bytes more refused), so the bound is set there.
 */
export const MAX_PAYLOAD_BYTES = 14_984;
export const CLAIMS_NAMESPACE = "https://sts.amazonaws.com/";
const SIGNING_ALGORITHMS: readonly OutboundSigningAlgorithm[] = ["RS256", "ES384"];
const SUBJECT_MODES = ["AWSIdentity", "OriginIdentity"];

function validateModel(input: GetWebIdentityTokenInput): void {
  const v = new ValidationCollector();
  if (v.required(input.Audience, "audience")) {
    v.list(input.Audience, "audience", 10, (l) => `[${l.join(", ")}]`, 1);
    input.Audience?.forEach((a, i) => v.string(a, `audience.${i + 1}.member`, { min: 1, max: 1000 }));
  }
  v.number(input.DurationSeconds, "durationSeconds", MIN_TOKEN_SECONDS, MAX_TOKEN_SECONDS);
  if (v.required(input.SigningAlgorithm, "signingAlgorithm")) {
    // The model constrains the length only (jwtAlgorithmType, exactly 5); the algorithm itself is the service's check.
    const before = v.count;
    v.string(input.SigningAlgorithm, "signingAlgorithm", { min: 5, max: 5 });
    if (v.count === before) v.enumValue(input.SigningAlgorithm, "signingAlgorithm", SIGNING_ALGORITHMS);
  }
  v.enumValue(input.SubjectMode, "subjectMode", SUBJECT_MODES);
  v.tags(input.Tags);
  v.throwIfAny();
  // Bulwark sessions carry no trusted identity propagation context, so there is no origin
  // identity to put in `sub`; a scope goes only with that mode. (Messages not documented.)
  if (input.SubjectMode === "OriginIdentity") {
    throw validationError("The calling session has no trusted identity propagation context with an aws:OriginIdentity/Subject key.");
  }
  if (input.Scope !== undefined) throw validationError("Scope can be specified only when SubjectMode is OriginIdentity.");
}

/** The caller's ARN as the token names it: the role's ARN for role sessions, else the principal's. */
export function subjectOf(p: Principal): string {
  return p.type === "AssumedRole" && p.roleArn !== undefined ? p.roleArn : p.arn;
}

/** Principal tags with session tags overriding role or user tags of the same key, case-insensitively. */
export function tokenPrincipalTags(merged: Record<string, string>, sessionTags: Record<string, string> | undefined): Record<string, string> {
  return sessionTags ? withSessionTags(merged, sessionTags) : merged;
}

export interface ClaimsInput {
  issuer: string;
  audience: readonly string[];
  principal: Principal;
  region: string;
  nowMs: number;
  durationSeconds: number;
  jti: string;
  principalTags: Record<string, string>;
  requestTags: Record<string, string>;
  organization?: { id: string; path: string };
}

/** The token's claims (pure). */
export function outboundTokenClaims(c: ClaimsInput): Record<string, unknown> {
  const p = c.principal;
  const aws: Record<string, unknown> = { aws_account: p.accountId, source_region: c.region };
  if (c.organization) {
    aws["org_id"] = c.organization.id;
    aws["ou_path"] = [c.organization.path];
  }
  aws["principal_id"] = subjectOf(p);
  if (Object.keys(c.principalTags).length > 0) aws["principal_tags"] = c.principalTags;
  if (p.type === "AssumedRole" && p.sessionExpiresAt !== undefined) aws["original_session_exp"] = isoSeconds(p.sessionExpiresAt);
  if (p.sourceIdentity !== undefined) aws["source_identity"] = p.sourceIdentity;
  if (Object.keys(c.requestTags).length > 0) aws["request_tags"] = c.requestTags;
  const iat = Math.floor(c.nowMs / 1000);
  return {
    iss: c.issuer,
    aud: c.audience.length === 1 ? c.audience[0] : [...c.audience],
    sub: subjectOf(p),
    iat,
    exp: Math.floor((c.nowMs + c.durationSeconds * 1000) / 1000),
    jti: c.jti,
    [CLAIMS_NAMESPACE]: aws,
  };
}

/** Compact JWS over `claims` with node:crypto (RS256: RSASSA-PKCS1-v1_5 SHA-256; ES384: ECDSA P-384 SHA-384, r||s). */
export function signJwt(claims: Record<string, unknown>, key: { kid: string; alg: OutboundSigningAlgorithm; privateKey: KeyObject }): string {
  const header = Buffer.from(JSON.stringify({ kid: key.kid, typ: "JWT", alg: key.alg })).toString("base64url");
  const payload = Buffer.from(JSON.stringify(claims)).toString("base64url");
  const input = Buffer.from(`${header}.${payload}`, "ascii");
  const signature =
    key.alg === "RS256" ? sign("sha256", input, key.privateKey) : sign("sha384", input, { key: key.privateKey, dsaEncoding: "ieee-p1363" });
  return `${header}.${payload}.${signature.toString("base64url")}`;
}

function disabled(): AwsError {
  return new AwsError("OutboundWebIdentityFederationDisabledException", "Outbound web identity federation is disabled for this account.", 403);
}

export async function getWebIdentityToken(deps: WebIdentityTokenDeps, input: GetWebIdentityTokenInput, ctx: RequestContext): Promise<GetWebIdentityTokenOutput> {
  validateModel(input);
  const audience = input.Audience as string[];
  const alg = input.SigningAlgorithm as OutboundSigningAlgorithm;
  const durationSeconds = input.DurationSeconds ?? DEFAULT_TOKEN_SECONDS;
  const requestTags = checkSessionTags(input.Tags ?? [], []);
  const tagKeys = Object.keys(requestTags);

  const context: ConditionContext = {
    "sts:IdentityTokenAudience": audience,
    "sts:SigningAlgorithm": alg,
    "sts:DurationSeconds": durationSeconds,
    ...sessionTagContext(requestTags),
  };
  await ctx.authorize({ action: "sts:GetWebIdentityToken", resource: "*", context });
  if (tagKeys.length > 0) await ctx.authorize({ action: "sts:TagGetWebIdentityToken", resource: "*", context });

  const p = ctx.principal;
  const key = await deps.signingKey(p.accountId, alg);
  if (!key) throw disabled();
  const expiresMs = ctx.now + durationSeconds * 1000;
  if (p.sessionExpiresAt !== undefined && expiresMs > p.sessionExpiresAt) {
    // The model's description of the error; its message text is not documented.
    throw new AwsError(
      "SessionDurationEscalationException",
      "The requested token duration would extend the session beyond its original expiration time.",
      403,
    );
  }

  const membership = await deps.organizations?.membership(p.accountId);
  const claims = outboundTokenClaims({
    issuer: key.issuer,
    audience,
    principal: p,
    region: ctx.scope.region,
    nowMs: ctx.now,
    durationSeconds,
    jti: randomUUID(),
    principalTags: tokenPrincipalTags(await deps.principalTags(p), p.sessionTags),
    requestTags,
    ...(membership ? { organization: { id: membership.org.id, path: organizationPath(membership.org) } } : {}),
  });
  if (Buffer.byteLength(JSON.stringify(claims)) > MAX_PAYLOAD_BYTES) {
    throw new AwsError("JWTPayloadSizeExceededException", "JWT payload exceeds maximum allowed size", 400);
  }
  // The token is a credential: CloudTrail hides WebIdentityToken by name; only its expiry is recorded.
  ctx.audit.responseElements = { expiration: new Date(expiresMs).toISOString() };
  return { WebIdentityToken: signJwt(claims, key), Expiration: new Date(expiresMs) };
}
