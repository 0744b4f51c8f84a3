/**
 * sts:AssumeRoleWithSAML (unsigned request; the SAML response is the credential and is never
 * logged or stored: the CloudTrail event's requestParameters are written here, before any check,
 * without it (./federation.ts auditFederatedCall)).
 *
 * Order: model validation, ARN syntax, session policies, the response's shape, the IAM SAML
 * provider named by PrincipalArn, the IdP's status, the XML signature (./saml/response.ts:
 * claims come only from what the signature covers; encrypted assertions are decrypted with
 * the provider's sealed private keys), the Issuer, the validity windows on the server clock,
 * the recipient and audience (AWS's SAML endpoints), the Role attribute pair, the session
 * attributes, then the role's trust policy with the caller {"Federated": <provider ARN>} and
 * the saml:* condition keys (./federation.ts).
 */
import { createHash, createPrivateKey } from "node:crypto";
import { AwsError, commonError } from "../../core/errors.js";
import type { ConditionContext, FederatedUserIdentity, RequestContext } from "../../core/types.js";
import type { Sealer } from "../../crypto/seal-types.js";
import type { IamApi, SamlProviderRecord } from "../iam/api.js";
import { requireArn } from "./arn.js";
import { auditCredentials } from "./audit-format.js";
import { MAX_SESSION_TOKEN_SIZE, sessionTokenMembers, type CredentialsOutput } from "./credentials.js";
import { assumeRoleAsFederatedUser, auditFederatedCall, sessionRequestParameters } from "./federation.js";
import { checkStatus, invalidIdentityToken, parseSamlResponse, readAssertion, verifiedAssertion, type AssertionClaims } from "./saml/response.js";
import { checkFederatedSessionTags, checkPackedSize, checkPolicyArns, checkSessionPolicy, type SessionTags } from "./session-policy.js";
import { PATTERNS, ValidationCollector } from "./validation.js";
import { CLOCK_SKEW_SECONDS } from "./web-identity.js";
import { partition, type Partition } from "../../core/partition.js";

export interface AssumeRoleWithSamlInput {
  RoleArn?: string;
  PrincipalArn?: string;
  SAMLAssertion?: string;
  PolicyArns?: Array<{ arn?: string }>;
  Policy?: string;
  DurationSeconds?: number;
  MinimumSessionTokenSize?: number;
}

export interface AssumeRoleWithSamlOutput {
  Credentials: CredentialsOutput;
  AssumedRoleUser: { AssumedRoleId: string; Arn: string };
  PackedPolicySize?: number;
  Subject: string;
  SubjectType: string;
  Issuer: string;
  Audience: string;
  NameQualifier: string;
  SourceIdentity?: string;
  SessionTokenUtilization?: number;
  SessionTokenSize: number;
}

const ATTRIBUTE = {
  role: "https://aws.amazon.com/SAML/Attributes/Role",
  sessionName: "https://aws.amazon.com/SAML/Attributes/RoleSessionName",
  sourceIdentity: "https://aws.amazon.com/SAML/Attributes/SourceIdentity",
  principalTag: "https://aws.amazon.com/SAML/Attributes/PrincipalTag:",
  transitiveTagKeys: "https://aws.amazon.com/SAML/Attributes/TransitiveTagKeys",
} as const;

/**
 * IAM's trust-policy keys for SAML attributes with these names (IAM User Guide, "Available keys
 * for SAML-based AWS STS federation"), and whether the key is list-typed: the guide marks those
 * with [] ("can have a value that is a list of the specified type"; "to create conditions in the
 * policy for list values, you can use set operators"). A list-typed key is multivalued, so it
 * enters the context as a list even when the assertion gives one value: set operators treat it as
 * the set it is, and an operator without one does not match it (src/iam/INVARIANTS.md,
 * Conditions). saml:edupersonorgdn, saml:edupersonprimaryaffiliation,
 * saml:edupersonprincipalname and saml:edupersonprimaryorgunitdn are not marked: one value is a
 * string.
 */
const ATTRIBUTE_KEYS: ReadonlyArray<readonly [name: string, key: string, list: boolean]> = [
  ["urn:oid:2.5.4.3", "saml:cn", true],
  ["urn:oid:2.5.4.3", "saml:commonName", true],
  ["urn:oid:2.5.4.42", "saml:givenName", true],
  ["urn:oid:2.5.4.4", "saml:surname", true],
  ["urn:oid:2.5.4.41", "saml:name", true],
  ["urn:oid:2.5.4.45", "saml:x500UniqueIdentifier", true],
  ["urn:oid:0.9.2342.19200300.100.1.1", "saml:uid", true],
  ["urn:oid:0.9.2342.19200300.100.1.3", "saml:mail", true],
  ["urn:oid:1.3.6.1.4.1.5923.1.1.1.1", "saml:edupersonaffiliation", true],
  ["urn:oid:1.3.6.1.4.1.5923.1.1.1.2", "saml:edupersonnickname", true],
  ["urn:oid:1.3.6.1.4.1.5923.1.1.1.3", "saml:edupersonorgdn", false],
  ["urn:oid:1.3.6.1.4.1.5923.1.1.1.4", "saml:edupersonorgunitdn", true],
  ["urn:oid:1.3.6.1.4.1.5923.1.1.1.5", "saml:edupersonprimaryaffiliation", false],
  ["urn:oid:1.3.6.1.4.1.5923.1.1.1.6", "saml:edupersonprincipalname", false],
  ["urn:oid:1.3.6.1.4.1.5923.1.1.1.7", "saml:edupersonentitlement", true],
  ["urn:oid:1.3.6.1.4.1.5923.1.1.1.8", "saml:edupersonprimaryorgunitdn", false],
  ["urn:oid:1.3.6.1.4.1.5923.1.1.1.9", "saml:edupersonscopedaffiliation", true],
  ["urn:oid:1.3.6.1.4.1.5923.1.1.1.10", "saml:edupersontargetedid", true],
  ["urn:oid:1.3.6.1.4.1.5923.1.1.1.11", "saml:edupersonassurance", true],
  ["urn:oid:1.3.6.1.4.1.5923.1.2.1.2", "saml:eduorghomepageuri", true],
  ["urn:oid:1.3.6.1.4.1.5923.1.2.1.3", "saml:eduorgidentityauthnpolicyuri", true],
  ["urn:oid:1.3.6.1.4.1.5923.1.2.1.4", "saml:eduorglegalname", true],
  ["urn:oid:1.3.6.1.4.1.5923.1.2.1.5", "saml:eduorgsuperioruri", true],
  ["urn:oid:1.3.6.1.4.1.5923.1.2.1.6", "saml:eduorgwhitepagesuri", true],
];

/**
 * Each partition's sign-in host: its SAML endpoints are https://[<region>.]<host>/saml (China's
 * signin.amazonaws.cn, GovCloud's signin.amazonaws-us-gov.com, the European Sovereign Cloud's
 * signin.amazonaws-eusc.eu, …), as the IdP configurations of those partitions name them.
 */
const SIGNIN_HOSTS: Record<Partition, string> = {
  aws: "signin.aws.amazon.com",
  "aws-cn": "signin.amazonaws.cn",
  "aws-us-gov": "signin.amazonaws-us-gov.com",
  "aws-iso": "signin.c2shome.ic.gov",
  "aws-iso-b": "signin.sc2shome.sgov.gov",
  "aws-iso-e": "signin.csphome.adc-e.uk",
  "aws-iso-f": "signin.csphome.hci.ic.gov",
  "aws-eusc": "signin.amazonaws-eusc.eu",
};
/**
 * AWS's service-provider entity ids, accepted as an Audience besides the sign-in endpoints:
 * `urn:amazon:webservices`, GovCloud's `urn:amazon:webservices:govcloud`, China's
 * `urn:amazon:webservices:cn-north-1` (and its other Region's).
 */
const SP_ENTITY_IDS: Partial<Record<Partition, readonly string[]>> = {
  aws: ["urn:amazon:webservices"],
  "aws-cn": ["urn:amazon:webservices:cn-north-1", "urn:amazon:webservices:cn-northwest-1"],
  "aws-us-gov": ["urn:amazon:webservices:govcloud"],
};
const NAMEID_FORMAT_PREFIX = "urn:oasis:names:tc:SAML:2.0:nameid-format:";

/** The installation's SAML endpoints: global or regional, the static alias, and a provider's own ACS URL (…/saml/acs/<IdP-ID>). */
let samlEndpoint: { p: Partition; re: RegExp } | undefined;
function samlEndpointPattern(): RegExp {
  const p = partition();
  if (samlEndpoint?.p !== p) {
    const host = SIGNIN_HOSTS[p].replace(/\./g, "\\.");
    samlEndpoint = { p, re: new RegExp(`^https://(?:[a-z]{2,4}(?:-[a-z]+)+-\\d+\\.)?${host}/(?:saml|static/saml|saml/acs/([A-Za-z0-9]+))$`) };
  }
  return samlEndpoint.re;
}

function isSamlEndpoint(url: string, provider: SamlProviderRecord): boolean {
  const m = samlEndpointPattern().exec(url);
  return m !== null && (m[1] === undefined || m[1] === provider.uuid);
}

function isSpEntityId(audience: string): boolean {
  return (SP_ENTITY_IDS[partition()] ?? SP_ENTITY_IDS.aws!).includes(audience);
}

function validateModel(input: AssumeRoleWithSamlInput): void {
  const v = new ValidationCollector();
  if (v.required(input.RoleArn, "roleArn")) v.string(input.RoleArn, "roleArn", { min: 20, max: 2048, ...PATTERNS.arn });
  if (v.required(input.PrincipalArn, "principalArn")) v.string(input.PrincipalArn, "principalArn", { min: 20, max: 2048, ...PATTERNS.arn });
  // The assertion is a credential: its value is never echoed, only its length is judged.
  if (v.required(input.SAMLAssertion, "sAMLAssertion")) v.secretLength(input.SAMLAssertion, "sAMLAssertion", 4, 100000);
  v.sessionPolicies(input);
  v.number(input.DurationSeconds, "durationSeconds", 900, 43200);
  v.number(input.MinimumSessionTokenSize, "minimumSessionTokenSize", 0, MAX_SESSION_TOKEN_SIZE);
  v.throwIfAny();
}

/** NameQualifier: base64 of SHA-1 over the issuer, the provider's account id and "/<provider name>" (as AWS documents it). */
export function nameQualifier(issuer: string, accountId: string, providerName: string): string {
  return createHash("sha1").update(`${issuer}${accountId}/${providerName}`, "utf8").digest("base64");
}

/** SubjectType: the NameID format, without the SAML 2.0 prefix when it has that one. */
export function subjectTypeOf(format: string): string {
  return format.startsWith(NAMEID_FORMAT_PREFIX) ? format.slice(NAMEID_FORMAT_PREFIX.length) : format;
}

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");

/** The validity windows, on the server clock; NotBefore allows the same skew as web identity tokens. */
function checkTimes(c: AssertionClaims, now: number): void {
  const skew = CLOCK_SKEW_SECONDS * 1000;
  const expiry = Math.min(c.confirmationNotOnOrAfter, c.notOnOrAfter ?? Infinity, c.sessionNotOnOrAfter ?? Infinity);
  if (now >= expiry) {
    // Not documented word for word; worded like the web identity token's expiry message.
    throw new AwsError("ExpiredTokenException", `SAML assertion expired: current date/time ${iso(now)} must be before the expiration date/time ${iso(expiry)}`, 400);
  }
  const start = Math.max(c.confirmationNotBefore ?? -Infinity, c.notBefore ?? -Infinity);
  if (start > now + skew) throw invalidIdentityToken(`The SAML assertion is not yet valid (NotBefore ${iso(start)})`);
}

function single(claims: AssertionClaims, name: string): string | undefined {
  const values = claims.attributes.get(name);
  if (values === undefined || values.length === 0) return undefined;
  // Not documented word for word.
  if (values.length > 1) throw invalidIdentityToken(`The ${name} attribute must have a single value`);
  return values[0];
}

function roleSessionName(claims: AssertionClaims): string {
  const name = single(claims, ATTRIBUTE.sessionName);
  if (name === undefined) throw invalidIdentityToken("RoleSessionName is required in AuthnResponse");
  if (name.length < 2 || name.length > 64 || !PATTERNS.sessionName.pattern.test(name)) {
    throw invalidIdentityToken("RoleSessionName in AuthnResponse must match [a-zA-Z_0-9+=,.@-]{2,64}");
  }
  return name;
}

function sourceIdentityOf(claims: AssertionClaims): string | undefined {
  const v = single(claims, ATTRIBUTE.sourceIdentity);
  if (v !== undefined && (v.length < 2 || v.length > 64 || !PATTERNS.sessionName.pattern.test(v))) {
    throw invalidIdentityToken("Source Identity must match [a-zA-Z_0-9+=,.@-]{2,64}");
  }
  return v;
}

/** PrincipalTag:<key> attributes (one value each) and the TransitiveTagKeys attribute (one key per value). */
function sessionTagsOf(claims: AssertionClaims): SessionTags {
  const tags: Array<{ Key: string; Value: string }> = [];
  for (const name of claims.attributes.keys()) {
    if (name.startsWith(ATTRIBUTE.principalTag)) tags.push({ Key: name.slice(ATTRIBUTE.principalTag.length), Value: single(claims, name) ?? "" });
  }
  return checkFederatedSessionTags(tags, claims.attributes.get(ATTRIBUTE.transitiveTagKeys) ?? [], invalidIdentityToken);
}

/** The Role attribute lists "<role ARN>,<provider ARN>" pairs (either order); the request must name one of them. */
function rolePairListed(claims: AssertionClaims, roleArn: string, providerArn: string): boolean {
  return (claims.attributes.get(ATTRIBUTE.role) ?? []).some((v) => {
    const parts = v.split(",").map((p) => p.trim());
    return parts.length === 2 && parts.includes(roleArn) && parts.includes(providerArn) && roleArn !== providerArn;
  });
}

/** The saml:* keys of the request context for the trust policy. */
function samlContext(claims: AssertionClaims, provider: SamlProviderRecord, qualifier: string): ConditionContext {
  const ctx: ConditionContext = {
    "saml:aud": claims.recipient,
    "saml:iss": claims.issuer,
    "saml:sub": claims.nameId,
    "saml:sub_type": subjectTypeOf(claims.nameIdFormat),
    "saml:namequalifier": qualifier,
    "saml:doc": `${provider.accountId}/${provider.name}`,
  };
  for (const [name, key, list] of ATTRIBUTE_KEYS) {
    const values = claims.attributes.get(name);
    if (values !== undefined && values.length > 0) ctx[key] = values.length === 1 && !list ? values[0] : [...values];
  }
  return ctx;
}

/**
 * The saml:* keys that requests made with the session carry: those the IAM User Guide lists for a
 * SAML role's permissions policies (saml:namequalifier, saml:sub, saml:sub_type); the others are
 * for the trust policy only.
 */
const SESSION_KEYS = ["saml:namequalifier", "saml:sub", "saml:sub_type"] as const;
function samlSessionKeys(context: ConditionContext): Record<string, string> {
  return Object.fromEntries(SESSION_KEYS.map((k) => [k, String(context[k])]));
}

export async function assumeRoleWithSaml(deps: { sealer: Sealer; iam: IamApi }, input: AssumeRoleWithSamlInput, ctx: RequestContext): Promise<AssumeRoleWithSamlOutput> {
  // CloudTrail (IAM User Guide's AssumeRoleWithSAML example): what was asked for, never the
  // assertion; what the verified assertion says (its ID, the session name, source identity and
  // tags) comes first, in the documented order, as each is read from the signed XML.
  const asked = {
    ...(input.RoleArn !== undefined ? { roleArn: input.RoleArn } : {}),
    ...(input.PrincipalArn !== undefined ? { principalArn: input.PrincipalArn } : {}),
    ...sessionRequestParameters(input),
  };
  const fromAssertion: Record<string, unknown> = {};
  const recordParameters = (more: Record<string, unknown> = {}) => {
    Object.assign(fromAssertion, more);
    ctx.audit.requestParameters = { ...fromAssertion, ...asked };
  };
  auditFederatedCall(ctx, input.RoleArn, { ...asked });
  validateModel(input);
  const roleArn = input.RoleArn as string;
  const principalArn = input.PrincipalArn as string;
  const arn = requireArn(roleArn);
  requireArn(principalArn);

  const sessionPolicy = input.Policy !== undefined ? checkSessionPolicy(input.Policy) : undefined;
  const policyArns = checkPolicyArns(input.PolicyArns, arn.account);

  const { xml, response } = parseSamlResponse(input.SAMLAssertion as string);
  const provider = await deps.iam.getSamlProvider(principalArn);
  if (!provider) throw invalidIdentityToken("Specified provider doesn't exist");
  // Not documented word for word: metadata past its validUntil no longer vouches for anyone.
  if (provider.validUntil <= ctx.now) throw invalidIdentityToken("The SAML provider's metadata has expired");
  checkStatus(response);

  const assertion = verifiedAssertion(xml, response, {
    certificates: provider.certificates,
    privateKeys: provider.privateKeys.map((pem) => createPrivateKey(pem)),
    encryptionRequired: provider.assertionEncryptionMode === "Required",
  });
  const claims = readAssertion(assertion);
  // CloudTrail's SAMLUser (userIdentity for SAML federation): principalId <saml:namequalifier>:<saml:sub>,
  // userName the NameID, identityProvider the NameQualifier. Named only from an assertion whose
  // signature the provider's certificates verified (an unverified one names nobody); from here on
  // every outcome, the assertion's own claims refused included, is recorded as this caller's.
  const qualifier = nameQualifier(claims.issuer, provider.accountId, provider.name);
  const identity: FederatedUserIdentity = { type: "SAMLUser", principalId: `${qualifier}:${claims.nameId}`, userName: claims.nameId, identityProvider: qualifier };
  ctx.audit.federatedIdentity = identity;
  recordParameters({ sAMLAssertionID: assertion.getAttribute("ID") ?? "" });

  if (claims.issuer !== provider.entityId) throw invalidIdentityToken("Issuer not present in specified provider");
  checkTimes(claims, ctx.now);
  // Not documented word for word.
  if (!isSamlEndpoint(claims.recipient, provider)) throw invalidIdentityToken(`The SAML assertion's Recipient ${claims.recipient} is not an AWS SAML endpoint`);
  if (claims.audienceRestrictions.length === 0 || !claims.audienceRestrictions.every((r) => r.some((a) => isSpEntityId(a) || isSamlEndpoint(a, provider)))) {
    throw invalidIdentityToken("The SAML assertion's Audience does not name AWS");
  }
  if (!rolePairListed(claims, roleArn, principalArn)) throw commonError("AccessDenied", "Not authorized to perform sts:AssumeRoleWithSAML");

  const sessionName = roleSessionName(claims);
  recordParameters({ roleSessionName: sessionName });
  const sourceIdentity = sourceIdentityOf(claims);
  if (sourceIdentity !== undefined) recordParameters({ sourceIdentity });
  const tags = sessionTagsOf(claims);
  recordParameters({
    ...(Object.keys(tags.tags).length > 0 ? { principalTags: tags.tags } : {}),
    ...(tags.transitiveTagKeys.length > 0 ? { transitiveTagKeys: tags.transitiveTagKeys } : {}),
  });
  const packedPercent = checkPackedSize(sessionPolicy, policyArns, tags.tags);

  const subjectType = subjectTypeOf(claims.nameIdFormat);
  const trustContext = samlContext(claims, provider, qualifier);
  const { issued, assumedRoleUser } = await assumeRoleAsFederatedUser(
    deps,
    {
      action: "sts:AssumeRoleWithSAML",
      roleArn,
      arn,
      providerArn: provider.arn,
      sessionName,
      context: trustContext,
      sessionKeys: samlSessionKeys(trustContext),
      sessionPolicy,
      policyArns,
      tags,
      sourceIdentity,
      durationSeconds: input.DurationSeconds,
      ...(claims.sessionNotOnOrAfter !== undefined ? { notAfter: claims.sessionNotOnOrAfter } : {}),
      identity,
      minimumTokenSize: input.MinimumSessionTokenSize,
    },
    ctx,
  );

  const out: AssumeRoleWithSamlOutput = {
    Credentials: issued.credentials,
    AssumedRoleUser: assumedRoleUser,
    Subject: claims.nameId,
    SubjectType: subjectType,
    Issuer: claims.issuer,
    Audience: claims.recipient,
    NameQualifier: qualifier,
    ...sessionTokenMembers(issued.credentials, packedPercent),
  };
  if (packedPercent !== undefined) out.PackedPolicySize = packedPercent;
  if (sourceIdentity !== undefined) out.SourceIdentity = sourceIdentity;

  // The credentials without the secret key or session token.
  ctx.audit.responseElements = {
    credentials: auditCredentials(issued.credentials),
    assumedRoleUser: { assumedRoleId: assumedRoleUser.AssumedRoleId, arn: assumedRoleUser.Arn },
    ...(packedPercent !== undefined ? { packedPolicySize: packedPercent } : {}),
    subject: claims.nameId,
    subjectType,
    issuer: claims.issuer,
    audience: claims.recipient,
    nameQualifier: qualifier,
    ...(sourceIdentity !== undefined ? { sourceIdentity } : {}),
  };
  return out;
}
