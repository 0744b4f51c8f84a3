/**
 * Global condition keys derived from the calling principal (IAM User Guide, "AWS global
 * condition context keys"). The authoriser merges these into the request context; the
 * policy engine itself never invents keys.
 */
import type { ConditionContext, Principal, PrincipalType } from "../../core/types.js";

const PRINCIPAL_TYPE: Record<PrincipalType, string> = {
  Root: "Account",
  IAMUser: "User",
  AssumedRole: "AssumedRole",
  FederatedUser: "FederatedUser",
  Anonymous: "Anonymous",
};

/**
 * A principal as the identity directory hands out a web identity or SAML session: with the
 * identity provider's condition keys that requests made with the session carry
 * (<provider>:aud, :sub, :amr; saml:sub, saml:sub_type, saml:namequalifier).
 */
export interface SessionPrincipal extends Principal {
  identityProviderKeys?: Readonly<Record<string, string | readonly string[]>>;
}

function isTemporary(p: Principal): boolean {
  return p.type === "AssumedRole" || p.type === "FederatedUser" || p.isSessionToken === true || p.sessionIssuedAt !== undefined;
}

/**
 * A user's or role's tags with a session's tags over them: "New session tags override existing
 * assumed role or federated user tags with the same tag key, regardless of case" (IAM User Guide,
 * id_session-tags). The session tag's spelling is the one kept.
 */
export function withSessionTags(tags: Record<string, string>, sessionTags: Record<string, string>): Record<string, string> {
  const overridden = new Set(Object.keys(sessionTags).map((k) => k.toLowerCase()));
  // fromEntries defines own properties, so even a tag named "__proto__" stays a tag.
  return Object.fromEntries([...Object.entries(tags).filter(([k]) => !overridden.has(k.toLowerCase())), ...Object.entries(sessionTags)]);
}

/**
 * aws:PrincipalArn (the role ARN for role sessions), aws:PrincipalAccount, aws:PrincipalType,
 * aws:userid, aws:username (IAM users only), aws:PrincipalTag/* (principal tags, overridden by
 * session tags of the same key in any case), aws:MultiFactorAuthPresent and aws:TokenIssueTime
 * (temporary credentials only — absent for long-term access keys), aws:MultiFactorAuthAge (when `now` is given),
 * aws:SourceIdentity, aws:PrincipalIsAWSService, aws:AssumedRoot (root sessions from sts:AssumeRoot),
 * aws:FederatedProvider (web identity sessions), and the identity provider's keys of web identity
 * and SAML sessions (SessionPrincipal).
 */
export function principalContext(
  principal: SessionPrincipal,
  principalTags?: Record<string, string>,
  now?: number,
): ConditionContext {
  const p = principal;
  const out: ConditionContext = { "aws:PrincipalType": PRINCIPAL_TYPE[p.type] };
  if (p.type === "Anonymous") {
    out["aws:userid"] = "anonymous";
    return out;
  }
  out["aws:PrincipalArn"] = p.type === "AssumedRole" && p.roleArn ? p.roleArn : p.arn;
  out["aws:PrincipalAccount"] = p.accountId;
  out["aws:userid"] = p.principalId;
  out["aws:PrincipalIsAWSService"] = false;
  if (p.type === "IAMUser" && p.name !== undefined) out["aws:username"] = p.name;
  const tags = p.sessionTags !== undefined ? withSessionTags(principalTags ?? {}, p.sessionTags) : (principalTags ?? {});
  for (const [k, v] of Object.entries(tags)) out[`aws:PrincipalTag/${k}`] = v;
  if (isTemporary(p)) {
    const mfa = p.mfaAuthenticated === true;
    out["aws:MultiFactorAuthPresent"] = mfa;
    if (p.sessionIssuedAt !== undefined) {
      out["aws:TokenIssueTime"] = new Date(p.sessionIssuedAt).toISOString();
      if (mfa && now !== undefined) {
        out["aws:MultiFactorAuthAge"] = Math.max(0, Math.floor((now - (p.mfaAuthenticatedAt ?? p.sessionIssuedAt)) / 1000));
      }
    }
  }
  if (p.sourceIdentity !== undefined) out["aws:SourceIdentity"] = p.sourceIdentity;
  // "Present in the role-session of a role that was assumed using OpenID Connect (OIDC) provider":
  // the IAM OIDC provider's ARN, as the trust policy saw it (sessions chained from it do not carry it).
  if (p.federatedProvider !== undefined) out["aws:FederatedProvider"] = p.federatedProvider;
  const idp = p.identityProviderKeys;
  if (idp !== undefined) {
    // The provider's own keys never stand in for a key set above.
    for (const [k, v] of Object.entries(idp)) if (!Object.prototype.hasOwnProperty.call(out, k)) out[k] = typeof v === "string" ? v : [...v];
  }
  // Only sessions STS issued by AssumeRoot carry the key (a request cannot set it).
  if (p.type === "Root" && p.assumedRoot === true) out["aws:AssumedRoot"] = true;
  return out;
}

/** aws:CurrentTime (ISO 8601, UTC) and aws:EpochTime (seconds) for a request at `nowMs`. */
export function requestTimeContext(nowMs: number): ConditionContext {
  return {
    "aws:CurrentTime": new Date(nowMs).toISOString().replace(/\.\d{3}Z$/, "Z"),
    "aws:EpochTime": Math.floor(nowMs / 1000),
  };
}
