import type { Principal, Scope } from "../../core/types.js";

/**
 * What other services (STS, Organizations, the CLI's bootstrap) need from IAM's domain.
 * Implemented by createIamService() in ./service.ts.
 */
/** The outcome of checking an MFA code for STS (AWS words the two failures differently). */
export type MfaCodeCheck = "valid" | "unknown-device" | "invalid-code";

export interface RoleRecord {
  accountId: string;
  roleName: string;
  roleId: string; // AROA…
  arn: string;
  path: string;
  assumeRolePolicyDocument: string; // JSON text
  maxSessionDuration: number; // seconds
  permissionsBoundaryArn?: string;
  /** ARNs of the managed policies attached to the role. */
  attachedPolicyArns: string[];
  tags: Array<{ Key: string; Value: string }>;
  createDate: number;
}

export interface UserRecord {
  accountId: string;
  userName: string;
  userId: string; // AIDA…
  arn: string;
  path: string;
  permissionsBoundaryArn?: string;
  tags: Array<{ Key: string; Value: string }>;
  createDate: number;
}

/** Temporary credentials issued by STS, stored by STS in collection "sts-sessions" keyed by access key id. */
export interface SessionRecord {
  accessKeyId: string; // ASIA…
  /** Sealed secret access key (crypto/seal, aad `sts/session/<accessKeyId>`). */
  sealedSecret: string;
  /** SHA-256 hex of the session token (the token itself is never stored). */
  sessionTokenHash: string;
  accountId: string;
  /** AssumedRoot: a member account's root session from sts:AssumeRoot (accountId is the member account). */
  kind: "AssumedRole" | "SessionToken" | "FederatedUser" | "AssumedRoot";
  /** For AssumedRole: role ARN/id and session name; for SessionToken: the issuing user/root ARN. */
  roleArn?: string;
  roleId?: string;
  roleName?: string;
  sessionName?: string;
  userArn?: string;
  userId?: string;
  userName?: string;
  isRoot?: boolean;
  /** AssumedRoot: the principal (in the management or delegated administrator account) that called AssumeRoot. */
  issuerArn?: string;
  sessionPolicy?: string;
  sessionPolicyArns?: string[];
  /** sts:GetScopedCredentials: the scope-down policy of each call in the chain, oldest first. */
  scopeDownPolicies?: string[];
  sessionTags?: Record<string, string>;
  /** Keys of sessionTags that role chaining passes on. */
  transitiveTagKeys?: string[];
  /** AssumeRoleWithWebIdentity sessions: the IAM OIDC provider ARN. */
  federatedProvider?: string;
  /**
   * The identity provider's condition keys that requests made with a web identity or SAML session
   * carry (<provider>:aud, :sub, :amr; saml:sub, saml:sub_type, saml:namequalifier), as vouched for
   * when the session was issued.
   */
  identityProviderKeys?: Record<string, string | string[]>;
  sourceIdentity?: string;
  /** Issued after an MFA code was verified (GetSessionToken/AssumeRole with SerialNumber + TokenCode). */
  mfaAuthenticated?: boolean;
  /** When the MFA code was verified (epoch ms): a role session chained from an MFA session keeps it. */
  mfaAuthenticatedAt?: number;
  issuedAt: number;
  expiresAt: number;
}

/** An IAM OpenID Connect provider, as STS needs it to accept a web identity token. */
export interface OidcProviderRecord {
  accountId: string;
  arn: string;
  /** host[/path]: the issuer without "https://". */
  resource: string;
  url: string;
  clientIds: string[];
}

/** An IAM SAML provider, as STS needs it to accept an assertion. */
export interface SamlProviderRecord {
  accountId: string;
  arn: string;
  name: string;
  /** SAMLProviderUUID: also the IdP-ID of the provider's own ACS URL (…/saml/acs/<uuid>). */
  uuid: string;
  /** The IdP's entityID: the Issuer its assertions must carry. */
  entityId: string;
  /** Signing certificates (PEM) from the metadata. */
  certificates: string[];
  validUntil: number;
  assertionEncryptionMode: "Allowed" | "Required";
  /** Unsealed PEM private keys for encrypted assertions: held in memory only for the call. */
  privateKeys: string[];
}

export interface IamApi {
  getRole(accountId: string, roleName: string): Promise<RoleRecord | undefined>;
  getRoleByArn(arn: string): Promise<RoleRecord | undefined>;
  getUser(accountId: string, userName: string): Promise<UserRecord | undefined>;
  /** Create a role directly (Organizations: OrganizationAccountAccessRole). Throws EntityAlreadyExists. */
  createRole(scope: Scope, input: { roleName: string; path?: string; assumeRolePolicyDocument: string; description?: string; maxSessionDuration?: number }): Promise<RoleRecord>;
  createUser(scope: Scope, input: { userName: string; path?: string }): Promise<UserRecord>;
  /** Attach a managed policy by ARN (AWS managed, e.g. arn:aws:iam::aws:policy/AdministratorAccess, or customer managed). */
  attachRolePolicy(accountId: string, roleName: string, policyArn: string): Promise<void>;
  /**
   * Creates a service's linked role in an account unless the account has it (Organizations:
   * AWSServiceRoleForOrganizations in the accounts of an organization).
   */
  /**
   * The service's linked role in the account, created if missing. With `onBehalfOf` (whose
   * iam:CreateServiceLinkedRole the service has already checked), recorded as that principal's
   * CreateServiceLinkedRole invoked by the service.
   */
  ensureServiceLinkedRole(accountId: string, servicePrincipal: string, onBehalfOf?: Principal): Promise<void>;
  attachUserPolicy(accountId: string, userName: string, policyArn: string): Promise<void>;
  /** Create an access key; when `accessKeyId`/`secretAccessKey` are given they are used as is (operator bootstrap). Returns the secret once. */
  createAccessKey(accountId: string, userName: string, given?: { accessKeyId: string; secretAccessKey: string }): Promise<{ accessKeyId: string; secretAccessKey: string }>;
  /** Create an access key of the account's root user (operator bootstrap, as the root user does in the console). Returns the secret once. */
  createRootAccessKey(accountId: string): Promise<{ accessKeyId: string; secretAccessKey: string }>;
  /** Store temporary credentials issued by STS; false (nothing stored) when the access key id is already taken. */
  putSession(session: SessionRecord): Promise<boolean>;
  /** The stored record of a temporary credential (sts:GetScopedCredentials copies the caller's identity from it). */
  getSession(accessKeyId: string): Promise<SessionRecord | undefined>;
  /** Managed policy document text (default version) by ARN, for session policy ARNs. */
  getManagedPolicyDocument(policyArn: string): Promise<string | undefined>;
  /**
   * "valid" when `tokenCode` is a valid, unused code of the MFA device `serialNumber` enabled for
   * the user `userId` at `now` (the code is then spent); "unknown-device" when no such device is
   * enabled for that user; "invalid-code" when it is but the code is wrong, stale or replayed.
   */
  verifyMfaCode(accountId: string, userId: string, serialNumber: string, tokenCode: string, now: number): Promise<MfaCodeCheck>;
  /** The account's OIDC provider for an issuer (host[/path], without "https://"), if registered. */
  getOpenIdConnectProvider(accountId: string, resource: string): Promise<OidcProviderRecord | undefined>;
  /** The SAML provider an ARN names, if registered. */
  getSamlProvider(arn: string): Promise<SamlProviderRecord | undefined>;
}
