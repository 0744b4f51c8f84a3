/**
 * sts:AssumeRoleWithWebIdentity with OpenID Connect ID tokens (unsigned request; the token is
 * the credential and is never logged or stored: CloudTrail hides WebIdentityToken by name).
 *
 * Order: model validation, role ARN syntax, session policies, the JWT's shape (tokens of this
 * installation's own outbound issuers are refused: they are not for federation into AWS), the IAM OIDC
 * provider of the token's issuer in the role's account, audience, validity window, signature
 * (keys from the issuer's JWKS), then the role's trust policy with the caller as
 * {"Federated": <provider ARN>} and the provider's condition keys (<host/path>:aud, :sub,
 * :amr), then the duration rules; the session is an AssumedRole session like AssumeRole's.
 */
import { AwsError, commonError } from "../../core/errors.js";
import type { ConditionContext, RequestContext } from "../../core/types.js";
import type { Sealer } from "../../crypto/seal-types.js";
import type { IamApi, OidcProviderRecord } from "../iam/api.js";
import { requireArn } from "./arn.js";
import { DEFAULT_ROLE_SESSION_SECONDS, MAX_SESSION_POLICY_CHARS } from "./assume-role.js";
import { auditCredentials } from "./audit-format.js";
import { assumedRoleUserOf, issueSession, roleSessionIdentity, type CredentialsOutput } from "./credentials.js";
import { IdpUnreachable, type JwksSource } from "./oidc/jwks.js";
import { isSupportedAlg, parseJwt, verifyJwtSignature } from "./oidc/jwt.js";
import { checkPolicyArns, checkSessionPolicy, packedPolicyPercent, packedPolicyTooLarge } from "./session-policy.js";
import { PATTERNS, ValidationCollector, validationError } from "./validation.js";

export interface AssumeRoleWithWebIdentityInput {
  RoleArn?: string;
  RoleSessionName?: string;
  WebIdentityToken?: string;
  ProviderId?: string;
  PolicyArns?: Array<{ arn?: string }>;
  Policy?: string;
  DurationSeconds?: number;
}

export interface AssumeRoleWithWebIdentityOutput {
  Credentials: CredentialsOutput;
  SubjectFromWebIdentityToken: string;
  AssumedRoleUser: { AssumedRoleId: string; Arn: string };
  PackedPolicySize?: number;
  Provider: string;
  Audience: string;
  SourceIdentity?: string;
}

export interface WebIdentityDeps {
  sealer: Sealer;
  iam: IamApi;
  jwks: JwksSource;
  /** True for an issuer of this installation's outbound identity federation (GetWebIdentityToken). */
  isOutboundIssuer?: (issuer: string) => Promise<boolean>;
}

/** Leeway for `nbf`/`iat` in the future (issuer clocks drift); `exp` is checked to the second, as STS reports it. */
export const CLOCK_SKEW_SECONDS = 300;
/** The claim an issuer sets to pass a source identity (AWS's documented claim name). */
const SOURCE_IDENTITY_CLAIM = "https://aws.amazon.com/source_identity";

function invalidToken(message: string): AwsError {
  return new AwsError("InvalidIdentityToken", message, 400);
}

const NOT_A_JWT = "The ID Token provided is not a valid JWT. (You may see this error if you sent an Access Token)";
const NO_KEY = "Couldn't retrieve verification key from your identity provider,  please reference AssumeRoleWithWebIdentity documentation for requirements";

function validateModel(input: AssumeRoleWithWebIdentityInput): void {
  const v = new ValidationCollector();
  if (v.required(input.RoleArn, "roleArn")) v.string(input.RoleArn, "roleArn", { min: 20, max: 2048 });
  if (v.required(input.RoleSessionName, "roleSessionName")) v.string(input.RoleSessionName, "roleSessionName", { min: 2, max: 64, ...PATTERNS.sessionName });
  // The token is a credential: its value is never echoed, only its length is judged.
  if (v.required(input.WebIdentityToken, "webIdentityToken")) v.secretLength(input.WebIdentityToken, "webIdentityToken", 4, 20000);
  v.string(input.ProviderId, "providerId", { min: 4, max: 2048 });
  v.list(input.PolicyArns, "policyArns", 10, (l) => `[${l.map((p) => `PolicyDescriptorType(arn=${(p as { arn?: string }).arn ?? "null"})`).join(", ")}]`);
  input.PolicyArns?.forEach((p, i) => v.string(p.arn, `policyArns.${i + 1}.member.arn`, { min: 20, max: 2048 }));
  v.string(input.Policy, "policy", { min: 1, max: MAX_SESSION_POLICY_CHARS, ...PATTERNS.policy });
  v.number(input.DurationSeconds, "durationSeconds", 900, 43200);
  v.throwIfAny();
}

const numeric = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) ? v : undefined);

/** The token's audience as STS matches it: `azp` when present (as AWS documents), else `aud` (a string or an array). */
function audiences(claims: Record<string, unknown>): string[] | undefined {
  if (typeof claims["azp"] === "string") return [claims["azp"]];
  const aud = claims["aud"];
  if (typeof aud === "string") return [aud];
  if (Array.isArray(aud) && aud.every((a) => typeof a === "string")) return aud as string[];
  return undefined;
}

export async function assumeRoleWithWebIdentity(
  deps: WebIdentityDeps,
  input: AssumeRoleWithWebIdentityInput,
  ctx: RequestContext,
): Promise<AssumeRoleWithWebIdentityOutput> {
  validateModel(input);
  const roleArn = input.RoleArn as string;
  const sessionName = input.RoleSessionName as string;
  const token = input.WebIdentityToken as string;
  const arn = requireArn(roleArn);

  const sessionPolicy = input.Policy !== undefined ? checkSessionPolicy(input.Policy) : undefined;
  const policyArns = (input.PolicyArns ?? []).map((p) => p.arn as string);
  checkPolicyArns(policyArns);
  const passesSessionData = sessionPolicy !== undefined || policyArns.length > 0;
  const packedPercent = passesSessionData ? packedPolicyPercent(sessionPolicy, policyArns, {}) : 0;
  if (packedPercent > 100) throw packedPolicyTooLarge(packedPercent);

  const jwt = parseJwt(token);
  const iss = jwt?.claims["iss"];
  if (!jwt || typeof iss !== "string") throw invalidToken(NOT_A_JWT);
  const issuer = iss.startsWith("https://") ? iss.slice("https://".length) : iss;
  // Tokens from GetWebIdentityToken cannot be used to federate into AWS (IAM User Guide, "Getting
  // started with outbound identity federation"), whatever provider a role trusts. Message not documented.
  if (await deps.isOutboundIssuer?.(iss)) {
    throw invalidToken("Web identity tokens issued by AWS STS GetWebIdentityToken cannot be used with AssumeRoleWithWebIdentity");
  }

  // The provider must be registered in the account that owns the role.
  const provider = /^\d{12}$/.test(arn.account) ? await deps.iam.getOpenIdConnectProvider(arn.account, issuer) : undefined;
  if (!provider) throw invalidToken(`No OpenIDConnect provider found in your account for ${issuer}`);

  const claims = jwt.claims;
  const auds = audiences(claims);
  if (auds === undefined) throw invalidToken("Missing a required claim: aud");
  const audience = auds.find((a) => provider.clientIds.includes(a));
  if (audience === undefined) throw invalidToken("Incorrect token audience");
  const sub = claims["sub"];
  if (typeof sub !== "string" || sub === "") throw invalidToken("Missing a required claim: sub");

  const nowSec = Math.floor(ctx.now / 1000);
  const exp = numeric(claims["exp"]);
  if (exp === undefined) throw invalidToken("Missing a required claim: exp");
  if (nowSec >= exp) {
    throw new AwsError("ExpiredTokenException", `Token expired: current date/time ${nowSec} must be before the expiration date/time ${Math.floor(exp)}`, 400);
  }
  const nbf = numeric(claims["nbf"]);
  if (nbf !== undefined && nbf > nowSec + CLOCK_SKEW_SECONDS) throw invalidToken("The token is not yet valid (nbf is in the future)");
  const iat = numeric(claims["iat"]);
  if (iat !== undefined && iat > nowSec + CLOCK_SKEW_SECONDS) throw invalidToken("The token was issued in the future (iat)");

  await verifySignature(deps.jwks, provider, jwt);

  const role = arn.service === "iam" && arn.resource.startsWith("role/") ? await deps.iam.getRoleByArn(roleArn) : undefined;
  const sourceIdentity = typeof claims[SOURCE_IDENTITY_CLAIM] === "string" ? (claims[SOURCE_IDENTITY_CLAIM] as string) : undefined;
  if (sourceIdentity !== undefined && (sourceIdentity.length < 2 || sourceIdentity.length > 64 || !PATTERNS.sessionName.pattern.test(sourceIdentity))) {
    throw invalidToken("The source identity claim of the token is not valid");
  }

  const context: ConditionContext = {
    "sts:RoleSessionName": sessionName,
    "aws:FederatedProvider": provider.arn,
    [`${provider.resource}:aud`]: audience,
    [`${provider.resource}:sub`]: sub,
  };
  const amr = claims["amr"];
  if (typeof amr === "string") context[`${provider.resource}:amr`] = amr;
  else if (Array.isArray(amr) && amr.every((a) => typeof a === "string")) context[`${provider.resource}:amr`] = amr as string[];
  if (sourceIdentity !== undefined) context["sts:SourceIdentity"] = sourceIdentity;

  const base = {
    resource: roleArn,
    resourceAccount: role?.accountId ?? arn.account,
    resourcePolicy: role?.assumeRolePolicyDocument ?? JSON.stringify({ Version: "2012-10-17", Statement: [] }),
    resourcePolicyIsAuthoritative: true,
    federatedProvider: provider.arn,
    context,
  };
  if (role) ctx.audit.resources = [{ ARN: role.arn, accountId: role.accountId, type: "AWS::IAM::Role" }];
  await trustAllows(ctx, { action: "sts:AssumeRoleWithWebIdentity", ...base });
  if (!role) throw commonError("AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity");
  if (sourceIdentity !== undefined) await trustAllows(ctx, { action: "sts:SetSourceIdentity", ...base });

  let durationSeconds = DEFAULT_ROLE_SESSION_SECONDS;
  if (input.DurationSeconds !== undefined) {
    if (input.DurationSeconds > role.maxSessionDuration) throw validationError("The requested DurationSeconds exceeds the MaxSessionDuration set for this role.");
    durationSeconds = input.DurationSeconds;
  }

  const issued = await issueSession(deps, roleSessionIdentity(role, sessionName, { sessionPolicy, policyArns, sourceIdentity }), { now: ctx.now, durationSeconds });

  const assumedRoleUser = assumedRoleUserOf(role, sessionName);
  const out: AssumeRoleWithWebIdentityOutput = {
    Credentials: issued.credentials,
    SubjectFromWebIdentityToken: sub,
    AssumedRoleUser: assumedRoleUser,
    Provider: iss,
    Audience: audience,
  };
  if (passesSessionData) out.PackedPolicySize = packedPercent;
  if (sourceIdentity !== undefined) out.SourceIdentity = sourceIdentity;

  // CloudTrail: the caller is the web identity (provider and subject), the event belongs to the role's account.
  ctx.audit.recipientAccountId = role.accountId;
  ctx.audit.additionalEventData = { identityProviderConnectionVerificationMethod: "IAMTrustStore" };
  ctx.audit.responseElements = {
    credentials: auditCredentials(issued.credentials),
    subjectFromWebIdentityToken: sub,
    assumedRoleUser: { assumedRoleId: assumedRoleUser.AssumedRoleId, arn: assumedRoleUser.Arn },
    provider: provider.arn,
    audience,
    ...(passesSessionData ? { packedPolicySize: packedPercent } : {}),
    ...(sourceIdentity !== undefined ? { sourceIdentity } : {}),
  };
  return out;
}

async function verifySignature(jwks: JwksSource, provider: OidcProviderRecord, jwt: NonNullable<ReturnType<typeof parseJwt>>): Promise<void> {
  const alg = jwt.header["alg"];
  if (!isSupportedAlg(alg)) throw invalidToken(`Unsupported token signing algorithm: ${typeof alg === "string" ? alg : "none"}`);
  const kid = typeof jwt.header["kid"] === "string" ? (jwt.header["kid"] as string) : undefined;
  let keys;
  try {
    keys = await jwks.keysFor(provider.url, kid);
  } catch (e) {
    if (e instanceof IdpUnreachable) {
      throw new AwsError(
        "IDPCommunicationError",
        "The request could not be fulfilled because the identity provider (IDP) that was asked to verify the incoming identity token could not be reached.",
        400,
      );
    }
    throw e;
  }
  if (keys.length === 0) throw invalidToken(NO_KEY);
  if (!verifyJwtSignature(jwt, alg, keys)) throw invalidToken("The signature of the web identity token could not be verified");
}

/** The trust policy decides; a denial is worded as STS words it for web identities. */
async function trustAllows(ctx: RequestContext, req: Parameters<RequestContext["authorize"]>[0]): Promise<void> {
  try {
    await ctx.authorize(req);
  } catch (e) {
    if (e instanceof AwsError && e.common === "AccessDenied") throw commonError("AccessDenied", `Not authorized to perform ${req.action}`);
    throw e;
  }
}
