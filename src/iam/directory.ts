import type { Principal } from "../core/types.js";

/** What the authentication layer learns from an access key id. */
export interface ResolvedCredential {
  /** Unsealed secret access key; used only to derive the SigV4 signing key, never logged. */
  secretAccessKey: string;
  principal: Principal;
  /** Access keys can be deactivated (IAM UpdateAccessKey). */
  active: boolean;
  /** Temporary credentials: the session token the request must carry, and when they expire (epoch ms). */
  sessionToken?: string;
  expiresAt?: number;
}

/** The identity-based policies that apply to a principal, as JSON texts. */
export interface PrincipalPolicies {
  /** Inline + attached managed policies of the user (and its groups) or role. */
  identity: string[];
  /** Permissions boundary of the user or role, if any. */
  boundary?: string;
  /** Session policies (inline and managed) for temporary credentials. */
  session?: string[];
  /** Scope-down policies of sts:GetScopedCredentials, one per call in the chain: each must allow. */
  scopeDown?: readonly string[];
}

/**
 * Read side of IAM/STS used on every request by the gateway (authentication) and the
 * authoriser. Implemented by the IAM service; answers are cached and invalidated on writes.
 */
export interface IdentityDirectory {
  resolveAccessKey(accessKeyId: string): Promise<ResolvedCredential | undefined>;
  policiesFor(principal: Principal): Promise<PrincipalPolicies>;
  /**
   * What resolveAccessKey / policiesFor would answer, when the directory holds it cached (fresh);
   * undefined otherwise (then call them). Every request needs both: answered from the cache
   * without a promise, the request path skips a few microtask hops.
   */
  cachedAccessKey?(accessKeyId: string): ResolvedCredential | undefined;
  cachedPolicies?(principal: Principal): PrincipalPolicies | undefined;
  /** Tags of the principal's user or role (aws:PrincipalTag/*). */
  principalTags(principal: Principal): Promise<Record<string, string>>;
  /**
   * Records (rate-limited, fire-and-forget) that a long-term key was used, for GetAccessKeyLastUsed,
   * and that a role's session credentials were used, for the role's RoleLastUsed.
   */
  noteAccessKeyUsed?(accessKeyId: string, region: string, service: string, principal?: Principal): void;
}
