/**
 * sts:AssumeRoleWithWebIdentity with OpenID Connect ID tokens (unsigned request; the token is
 * the credential and is never logged or stored: the CloudTrail event's requestParameters are
 * written here, before any check, without it (./federation.ts auditFederatedCall)).
 *
 * Order: model validation, role ARN syntax, session policies, the JWT's shape (tokens of this
 * installation's own outbound issuers are refused: they are not for federation into AWS), the IAM OIDC
 * provider of the token's issuer in the role's account, audience, validity window, signature
 * (keys from the issuer's JWKS), then the role's trust policy with the caller as
 * {"Federated": <provider ARN>} and the provider's condition keys (<host/path>:aud, :sub,
 * :amr), then the duration rules; the session is an AssumedRole session like AssumeRole's.
 */
import { AwsError } from "../../core/errors.js";
import type { ConditionContext, FederatedUserIdentity, RequestContext } from "../../core/types.js";
import type { Sealer } from "../../crypto/seal-types.js";
import type { IamApi, OidcProviderRecord } from "../iam/api.js";
import { requireArn } from "./arn.js";
import { auditCredentials } from "./audit-format.js";
import { MAX_SESSION_TOKEN_SIZE, sessionTokenMembers, type CredentialsOutput } from "./credentials.js";
import { assumeRoleAsFederatedUser, auditFederatedCall, sessionRequestParameters } from "./federation.js";
import { IdpUnreachable, type JwksSource } from "./oidc/jwks.js";
import { isSupportedAlg, parseJwt, verifyJwtSignature } from "./oidc/jwt.js";
import { checkFederatedSessionTags, checkPackedSize, checkPolicyArns, checkSessionPolicy, type SessionTags } from "./session-policy.js";
import { PATTERNS, ValidationCollector } from "./validation.js";

export interface AssumeRoleWithWebIdentityInput {
  RoleArn?: string;
  RoleSessionName?: string;
  WebIdentityToken?: string;
  ProviderId?: string;
  PolicyArns?: Array<{ arn?: string }>;
  Policy?: string;
  DurationSeconds?: number;
  MinimumSessionTokenSize?: number;
}

export interface AssumeRoleWithWebIdentityOutput {
  Credentials: CredentialsOutput;
  SubjectFromWebIdentityToken: string;
  AssumedRoleUser: { AssumedRoleId: string; Arn: string };
  PackedPolicySize?: number;
  Provider: string;
  Audience: string;
  SourceIdentity?: string;
  SessionTokenUtilization?: number;
  SessionTokenSize: number;
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
/** The claim an issuer sets to pass session tags: {"principal_tags": {"<key>": ["<value>"]}, "transitive_tag_keys": ["<key>"]}. */
const TAGS_CLAIM = "https://aws.amazon.com/tags";

function invalidToken(message: string): AwsError {
  return new AwsError("InvalidIdentityToken", message, 400);
}

const NOT_A_JWT = "The ID Token provided is not a valid JWT. (You may see this error if you sent an Access Token)";
const NO_KEY = "Couldn't retrieve verification key from your identity provider,  please reference AssumeRoleWithWebIdentity documentation for requirements";

function validateModel(input: AssumeRoleWithWebIdentityInput): void {
  const v = new ValidationCollector();
  if (v.required(input.RoleArn, "roleArn")) v.string(input.RoleArn, "roleArn", { min: 20, max: 2048, ...PATTERNS.arn });
  if (v.required(input.RoleSessionName, "roleSessionName")) v.string(input.RoleSessionName, "roleSessionName", { min: 2, max: 64, ...PATTERNS.sessionName });
  // The token is a credential: its value is never echoed, only its length is judged.
  if (v.required(input.WebIdentityToken, "webIdentityToken")) v.secretLength(input.WebIdentityToken, "webIdentityToken", 4, 20000);
  v.string(input.ProviderId, "providerId", { min: 4, max: 2048 });
  v.sessionPolicies(input);
  v.number(input.DurationSeconds, "durationSeconds", 900, 43200);
  v.number(input.MinimumSessionTokenSize, "minimumSessionTokenSize", 0, MAX_SESSION_TOKEN_SIZE);
  v.throwIfAny();
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const isStringArray = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === "string");

// Not documented word for word; worded like the other token messages.
const BAD_TAGS_CLAIM = `The ${TAGS_CLAIM} claim of the token is not valid`;

/** Session tags from the token's tags claim; each tag has one value (a one-element array, or a string). */
function sessionTagsOf(claim: unknown): SessionTags {
  if (claim === undefined) return { tags: {}, transitiveTagKeys: [] };
  if (!isRecord(claim)) throw invalidToken(BAD_TAGS_CLAIM);
  const principalTags = claim["principal_tags"] ?? {};
  const transitive = claim["transitive_tag_keys"] ?? [];
  if (!isRecord(principalTags) || !isStringArray(transitive)) throw invalidToken(BAD_TAGS_CLAIM);
  const tags = Object.entries(principalTags).map(([Key, v]) => {
    const Value = typeof v === "string" ? v : isStringArray(v) && v.length === 1 ? v[0] : undefined;
    if (Value === undefined) throw invalidToken(BAD_TAGS_CLAIM);
    return { Key, Value };
  });
  return checkFederatedSessionTags(tags, transitive, invalidToken);
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
  // CloudTrail records what was asked for, never the token; what the verified token passes
  // (source identity, session tags) is added below.
  const requestParameters: Record<string, unknown> = {
    ...(input.RoleArn !== undefined ? { roleArn: input.RoleArn } : {}),
    ...(input.RoleSessionName !== undefined ? { roleSessionName: input.RoleSessionName } : {}),
    ...(input.ProviderId !== undefined ? { providerId: input.ProviderId } : {}),
    ...sessionRequestParameters(input),
  };
  auditFederatedCall(ctx, input.RoleArn, requestParameters);
  validateModel(input);
  const roleArn = input.RoleArn as string;
  const sessionName = input.RoleSessionName as string;
  const token = input.WebIdentityToken as string;
  const arn = requireArn(roleArn);

  const sessionPolicy = input.Policy !== undefined ? checkSessionPolicy(input.Policy) : undefined;
  const policyArns = checkPolicyArns(input.PolicyArns, arn.account);
  checkPackedSize(sessionPolicy, policyArns, {});

  const jwt = parseJwt(token);
  const iss = jwt?.claims["iss"];
  if (!jwt || typeof iss !== "string") throw invalidToken(NOT_A_JWT);
  const issuer = iss.startsWith("https://") ? iss.slice("https://".length) : iss;
  // Tokens from GetWebIdentityToken cannot be used to federate into AWS (IAM User Guide, "Getting
  // started with outbound identity federation"), whatever provider a role trusts. Message not documented.
  if (await deps.isOutboundIssuer?.(iss)) {
    throw invalidToken("Web identity tokens issued by AWS STS GetWebIdentityToken cannot be used with AssumeRoleWithWebIdentity");
  }

  // The provider must be registered in the account that owns the role. The message names the
  // token's `iss` as it is (`https://token.actions.githubusercontent.com`), as AWS's does.
  const provider = /^\d{12}$/.test(arn.account) ? await deps.iam.getOpenIdConnectProvider(arn.account, issuer) : undefined;
  if (!provider) throw invalidToken(`No OpenIDConnect provider found in your account for ${iss}`);

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
  // CloudTrail's WebIdentityUser: <provider>:<audience>:<subject>. Named only from a verified
  // token (a forged one must not put a name in the log); from here on every outcome, the
  // token's own claims refused included, is recorded as this caller's.
  const identity: FederatedUserIdentity = { type: "WebIdentityUser", principalId: `${provider.arn}:${audience}:${sub}`, userName: sub, identityProvider: provider.arn };
  ctx.audit.federatedIdentity = identity;

  const sourceIdentity = typeof claims[SOURCE_IDENTITY_CLAIM] === "string" ? (claims[SOURCE_IDENTITY_CLAIM] as string) : undefined;
  if (sourceIdentity !== undefined && (sourceIdentity.length < 2 || sourceIdentity.length > 64 || !PATTERNS.sessionName.pattern.test(sourceIdentity))) {
    throw invalidToken("The source identity claim of the token is not valid");
  }
  if (sourceIdentity !== undefined) requestParameters["sourceIdentity"] = sourceIdentity;
  const tags = sessionTagsOf(claims[TAGS_CLAIM]);
  if (Object.keys(tags.tags).length > 0) requestParameters["principalTags"] = tags.tags;
  if (tags.transitiveTagKeys.length > 0) requestParameters["transitiveTagKeys"] = tags.transitiveTagKeys;
  const packedPercent = checkPackedSize(sessionPolicy, policyArns, tags.tags);

  // The provider's keys: the trust policy sees them, and so do requests made with the session
  // ("additional condition keys are available when the temporary security credentials are used
  // to make a request", IAM User Guide, "Available keys for AWS web identity federation").
  const providerKeys: Record<string, string | string[]> = {
    [`${provider.resource}:aud`]: audience,
    [`${provider.resource}:sub`]: sub,
  };
  // amr is a multivalued key ("The key is multivalued, meaning that you test it in a policy
  // using condition set operators"): a list even when the token names one method.
  const amr = claims["amr"];
  if (typeof amr === "string") providerKeys[`${provider.resource}:amr`] = [amr];
  else if (Array.isArray(amr) && amr.every((a) => typeof a === "string")) providerKeys[`${provider.resource}:amr`] = amr as string[];
  const context: ConditionContext = { "aws:FederatedProvider": provider.arn, ...providerKeys };

  const { issued, assumedRoleUser } = await assumeRoleAsFederatedUser(
    deps,
    {
      action: "sts:AssumeRoleWithWebIdentity",
      roleArn,
      arn,
      providerArn: provider.arn,
      sessionName,
      context,
      sessionPolicy,
      policyArns,
      tags,
      sourceIdentity,
      durationSeconds: input.DurationSeconds,
      federatedProvider: provider.arn,
      sessionKeys: providerKeys,
      identity,
      minimumTokenSize: input.MinimumSessionTokenSize,
    },
    ctx,
  );

  const out: AssumeRoleWithWebIdentityOutput = {
    Credentials: issued.credentials,
    SubjectFromWebIdentityToken: sub,
    AssumedRoleUser: assumedRoleUser,
    Provider: iss,
    Audience: audience,
    ...sessionTokenMembers(issued.credentials, packedPercent),
  };
  if (packedPercent !== undefined) out.PackedPolicySize = packedPercent;
  if (sourceIdentity !== undefined) out.SourceIdentity = sourceIdentity;

  // CloudTrail (IAM User Guide's web identity example): the credentials without the secret key
  // or session token, the provider as its IAM ARN.
  ctx.audit.additionalEventData = { identityProviderConnectionVerificationMethod: "IAMTrustStore" };
  ctx.audit.responseElements = {
    credentials: auditCredentials(issued.credentials),
    subjectFromWebIdentityToken: sub,
    ...(sourceIdentity !== undefined ? { sourceIdentity } : {}),
    assumedRoleUser: { assumedRoleId: assumedRoleUser.AssumedRoleId, arn: assumedRoleUser.Arn },
    ...(packedPercent !== undefined ? { packedPolicySize: packedPercent } : {}),
    provider: provider.arn,
    audience,
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
