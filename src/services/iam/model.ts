/**
 * Documents IAM keeps in storage, and the collections that hold them.
 *
 * Users, groups, roles, instance profiles and customer managed policies are stored under
 * their stable unique id (AIDA…/AGPA…/AROA…/AIPA…/ANPA…) and found by name through a case-insensitive name index,
 * so a rename (UpdateUser, UpdateGroup) touches only the entity and its index entry.
 * Every key starts with `<accountId>/`: IAM is global, so there is no region segment.
 */

export interface TagDoc {
  Key: string;
  Value: string;
}

export interface InlinePolicyDoc {
  name: string;
  /** The document exactly as submitted (returned URL-encoded by Get*Policy). */
  document: string;
}

export interface UserDoc {
  accountId: string;
  userId: string;
  userName: string;
  path: string;
  createDate: number;
  tags: TagDoc[];
  permissionsBoundaryArn?: string;
  inlinePolicies: InlinePolicyDoc[];
  attachedPolicyArns: string[];
  /** Ids of the groups the user belongs to (at most GROUPS_PER_USER). */
  groupIds: string[];
}

export interface GroupDoc {
  accountId: string;
  groupId: string;
  groupName: string;
  path: string;
  createDate: number;
  inlinePolicies: InlinePolicyDoc[];
  attachedPolicyArns: string[];
}

export interface RoleDoc {
  accountId: string;
  roleId: string;
  roleName: string;
  path: string;
  createDate: number;
  /** Set on service-linked roles (CreateServiceLinkedRole): the service principal they belong to. */
  linkedService?: string;
  assumeRolePolicyDocument: string;
  /** The unique ids the trust policy's user / role ARNs were bound to when it was saved (trust-principals.ts). */
  trustPrincipalIds?: Record<string, string>;
  description?: string;
  maxSessionDuration: number;
  /** Longest AWS Sign-In session, seconds, when set (stored and returned; no console sign-in is served). */
  maxSigninSessionDuration?: number;
  permissionsBoundaryArn?: string;
  tags: TagDoc[];
  inlinePolicies: InlinePolicyDoc[];
  attachedPolicyArns: string[];
  /** When and in which Region the role's session credentials were last used (RoleLastUsed; sampled). */
  lastUsed?: { date: number; region: string };
}

export interface InstanceProfileDoc {
  accountId: string;
  instanceProfileId: string;
  instanceProfileName: string;
  path: string;
  createDate: number;
  tags: TagDoc[];
  /** Ids of the roles in the profile (at most QUOTAS.rolesPerInstanceProfile). */
  roleIds: string[];
}

export interface PolicyVersionDoc {
  versionId: string;
  document: string;
  createDate: number;
}

export interface ManagedPolicyDoc {
  accountId: string;
  policyId: string;
  policyName: string;
  path: string;
  arn: string;
  description?: string;
  createDate: number;
  updateDate: number;
  defaultVersionId: string;
  /** Next version number; version ids are never reused (v1, v2, … even after deletions). */
  nextVersion: number;
  versions: PolicyVersionDoc[];
  tags: TagDoc[];
}

export type AccessKeyStatus = "Active" | "Inactive";

export interface AccessKeyDoc {
  accountId: string;
  userId: string;
  accessKeyId: string;
  status: AccessKeyStatus;
  createDate: number;
  /** Secret access key sealed with aad `iam/access-key/<accessKeyId>`; never stored in the clear. */
  sealedSecret: string;
  lastUsed?: { date: number; region: string; service: string };
}

/** Global index: find any user access key by its id without knowing the account. */
export interface AccessKeyIndexDoc {
  accountId: string;
  userId: string;
}

/** Access keys of an account's root user, keyed by access key id. */
export interface RootAccessKeyDoc {
  accountId: string;
  /** Secret sealed with aad `iam/root-access-key/<accessKeyId>`. */
  sealedSecret: string;
  status?: AccessKeyStatus;
  createDate?: number;
  lastUsed?: { date: number; region: string; service: string };
}

/** Name index entry: the id of the entity plus what list filters need without loading it. */
export interface NameIndexDoc {
  id: string;
  name: string;
  path: string;
}

export type AttachedEntityKind = "User" | "Group" | "Role";

/** Reverse index entry: an entity that has a managed policy attached (or uses it as a boundary). */
export interface PolicyUseDoc {
  kind: AttachedEntityKind;
  id: string;
}

/** An account's alias (at most one): `<accountId>/<alias>`. */
export interface AccountAliasDoc {
  accountId: string;
  alias: string;
  createDate: number;
}

/** Global index: account aliases are unique across all accounts, keyed by the alias itself. */
export interface AccountAliasIndexDoc {
  accountId: string;
}

/**
 * The account password policy, keyed `<accountId>`. Every member holds the value in force
 * (UpdateAccountPasswordPolicy resets omitted members to their defaults); the optional ones
 * are absent when not set, as GetAccountPasswordPolicy then omits them.
 */
export interface PasswordPolicyDoc {
  accountId: string;
  minimumPasswordLength: number;
  requireSymbols: boolean;
  requireNumbers: boolean;
  requireUppercaseCharacters: boolean;
  requireLowercaseCharacters: boolean;
  allowUsersToChangePassword: boolean;
  maxPasswordAge?: number;
  passwordReusePrevention?: number;
  hardExpiry?: boolean;
}

/**
 * The account's credential report (./credential-report.ts), keyed `<accountId>`: INPROGRESS
 * while a generation runs, then COMPLETE with the CSV (no secrets: names, ARNs, dates, flags).
 */
export interface CredentialReportDoc {
  accountId: string;
  state: "INPROGRESS" | "COMPLETE";
  startedAt: number;
  generatedTime?: number;
  content?: string;
}

/**
 * A password hash: scrypt over the UTF-8 password with a random 16-byte salt. The parameters
 * are recorded with each hash so they can be raised later without invalidating old ones.
 * The password itself is never stored, in clear or reversibly.
 */
export interface PasswordHashDoc {
  alg: "scrypt";
  N: number;
  r: number;
  p: number;
  /** base64 */
  salt: string;
  /** base64 derived key */
  hash: string;
}

/** A user's login profile (console password), keyed `<accountId>/<userId>` so it follows renames. */
export interface LoginProfileDoc {
  accountId: string;
  userId: string;
  createDate: number;
  passwordResetRequired: boolean;
  /** Longest AWS Sign-In session, seconds, when set (stored and returned; no console sign-in is served). */
  maxSigninSessionDuration?: number;
  /** When the current password was set (password age for MaxPasswordAge/HardExpiry). */
  passwordSetDate: number;
  current: PasswordHashDoc;
  /**
   * Hashes of earlier passwords, newest first, kept only as many as the account's
   * PasswordReusePrevention needs (the current password counts as one of them).
   */
  previous: PasswordHashDoc[];
}

/**
 * A virtual MFA device, keyed `<accountId><path><name>` (the serial number ARN's resource
 * after "mfa"). The TOTP seed is sealed with aad `iam/mfa-seed/<serialNumber>` and never
 * stored in the clear; it is returned once, by CreateVirtualMFADevice.
 */
export interface MfaDeviceDoc {
  accountId: string;
  serialNumber: string;
  name: string;
  path: string;
  createDate: number;
  tags: TagDoc[];
  sealedSeed: string;
  /** Set while the device is enabled for (assigned to) a user. */
  userId?: string;
  enableDate?: number;
  /** The last TOTP step accepted (a code at or before it is a replay). */
  lastStep?: number;
  /** Clock drift found by ResyncMFADevice, in steps (added to the server's step). */
  driftSteps?: number;
}

/**
 * An OpenID Connect identity provider, keyed `<accountId>/<host/path>` (the URL without
 * "https://", as it appears in the provider's ARN and in tokens' `iss`).
 */
export interface OidcProviderDoc {
  accountId: string;
  /** host[/path], as given after "https://". */
  resource: string;
  url: string;
  clientIds: string[];
  thumbprints: string[];
  createDate: number;
  tags: TagDoc[];
}

/** A private key of a SAML provider, for decrypting encrypted assertions; never returned. */
export interface SamlPrivateKeyDoc {
  keyId: string;
  uploadDate: number;
  /** The PEM key sealed with aad `samlPrivateKeyAad(uuid, keyId)`. */
  sealedKey: string;
}

/**
 * A SAML 2.0 identity provider, keyed `<accountId>/<name>` (the ARN's resource after
 * "saml-provider/"). The metadata document is kept as uploaded; the entityID and signing
 * certificates parsed from it are what AssumeRoleWithSAML verifies assertions against.
 */
export interface SamlProviderDoc {
  accountId: string;
  name: string;
  uuid: string;
  metadataDocument: string;
  entityId: string;
  /** PEM. */
  certificates: string[];
  validUntil: number;
  createDate: number;
  tags: TagDoc[];
  assertionEncryptionMode: "Allowed" | "Required";
  privateKeys: SamlPrivateKeyDoc[];
}

export const COLLECTIONS = {
  users: "iam-users",
  userNames: "iam-user-names",
  groups: "iam-groups",
  groupNames: "iam-group-names",
  groupMembers: "iam-group-members",
  roles: "iam-roles",
  roleNames: "iam-role-names",
  instanceProfiles: "iam-instance-profiles",
  instanceProfileNames: "iam-instance-profile-names",
  /** Reverse index `<accountId>/<roleId>/<lower-case profile name>` → the profile's NameIndexDoc. */
  roleInstanceProfiles: "iam-role-instance-profiles",
  policies: "iam-policies",
  policyNames: "iam-policy-names",
  policyAttachments: "iam-policy-attachments",
  policyBoundaries: "iam-policy-boundaries",
  accessKeys: "iam-access-keys",
  accessKeyIndex: "iam-access-key-index",
  rootAccessKeys: "root-access-keys",
  /** `<accountId>/<accessKeyId>` → {}: each account's root access keys (root-credentials.ts). */
  rootAccessKeyAccounts: "iam-root-access-key-accounts",
  /** `<accountId>` → RootLoginProfileDoc (root-credentials.ts). */
  rootLoginProfiles: "iam-root-login-profiles",
  stsSessions: "sts-sessions",
  accountAliases: "iam-account-aliases",
  accountAliasIndex: "iam-account-alias-index",
  passwordPolicies: "iam-password-policies",
  credentialReports: "iam-credential-reports",
  loginProfiles: "iam-login-profiles",
  mfaDevices: "iam-mfa-devices",
  oidcProviders: "iam-oidc-providers",
  samlProviders: "iam-saml-providers",
  /** `<accountId>/<userId>/<SSHPublicKeyId>` → SshPublicKeyDoc. */
  sshPublicKeys: "iam-ssh-public-keys",
  /** `<accountId>/<userId>/<CertificateId>` → SigningCertificateDoc. */
  signingCertificates: "iam-signing-certificates",
  /** `<accountId>/<sha-256 of the DER, hex>` → SigningCertificateIndexDoc (one certificate per account). */
  signingCertificateIndex: "iam-signing-certificate-index",
  /** `<accountId>/<ServerCertificateId>` → ServerCertificateDoc. */
  serverCertificates: "iam-server-certificates",
  /** `<accountId>/<lower-case name>` → NameIndexDoc of a server certificate. */
  serverCertificateNames: "iam-server-certificate-names",
  /** `<accountId>/<userId>/<ServiceSpecificCredentialId>` → ServiceCredentialDoc. */
  serviceCredentials: "iam-service-specific-credentials",
  /** `<accountId>/<DeletionTaskId>` → ServiceLinkedRoleDeletionDoc. */
  serviceLinkedRoleDeletions: "iam-service-linked-role-deletions",
  /** `<accountId>` → AccountSettingsDoc (STS token version, account properties). */
  accountSettings: "iam-account-settings",
  /** `<accountId>` → OutboundFederationDoc (issuer id, sealed signing keys, enabled). */
  outboundFederation: "iam-outbound-federation",
  /** `<issuer id>` → the account the outbound issuer belongs to. */
  outboundIssuers: "iam-outbound-issuers",
  /** `<management account id>/<organization id>` → centralised root access features. */
  orgRootFeatures: "iam-org-root-features",
  /** `<accountId>/<JobId>` → LastAccessedJob (service last accessed and Organizations access reports). */
  lastAccessedJobs: "iam-last-accessed-jobs",
} as const;

/** Quotas IAM enforces by default (IAM and AWS STS quotas). */
export const QUOTAS = {
  accessKeysPerUser: 2,
  groupsPerUser: 10,
  attachedPoliciesPerEntity: 10,
  versionsPerPolicy: 5,
  tagsPerResource: 50,
  managedPolicySize: 6144,
  userInlinePolicySize: 2048,
  groupInlinePolicySize: 5120,
  roleInlinePolicySize: 10240,
  trustPolicySize: 2048,
  rolesPerInstanceProfile: 1,
  // Account-level quotas (IAM and AWS STS quotas), reported by GetAccountSummary.
  usersPerAccount: 5000,
  groupsPerAccount: 300,
  rolesPerAccount: 1000,
  customerManagedPoliciesPerAccount: 1500,
  instanceProfilesPerAccount: 1000,
  serverCertificatesPerAccount: 20,
  serviceSpecificCredentialsPerUserPerService: 2,
  signingCertificatesPerUser: 2,
  sshPublicKeysPerUser: 5,
  policyVersionsInUse: 10000,
  mfaDevicesPerUser: 8,
  oidcProvidersPerAccount: 100,
  clientIdsPerOidcProvider: 100,
  thumbprintsPerOidcProvider: 5,
  samlProvidersPerAccount: 100,
  /** Two keys at a time: the current one and its replacement during a rotation. */
  privateKeysPerSamlProvider: 2,
} as const;

/** An SSH public key of a user (CodeCommit), keyed `<accountId>/<userId>/<sshPublicKeyId>`. */
export interface SshPublicKeyDoc {
  accountId: string;
  userId: string;
  sshPublicKeyId: string;
  /** The key's SSH wire form (string "ssh-rsa", mpint e, mpint n), base64. */
  wireBase64: string;
  /** MD5 of the wire form, lower-case colon-separated hex. */
  fingerprint: string;
  status: AccessKeyStatus;
  uploadDate: number;
}

/** An X.509 signing certificate of a user, keyed `<accountId>/<userId>/<certificateId>`. */
export interface SigningCertificateDoc {
  accountId: string;
  userId: string;
  certificateId: string;
  /** The certificate as uploaded (PEM). */
  body: string;
  /** SHA-256 of the DER, hex (the account-wide duplicate index key). */
  sha256: string;
  status: AccessKeyStatus;
  uploadDate: number;
}

export interface SigningCertificateIndexDoc {
  userId: string;
  certificateId: string;
}

export function accessKeyAad(accessKeyId: string): string {
  return `iam/access-key/${accessKeyId}`;
}

export function rootAccessKeyAad(accessKeyId: string): string {
  return `iam/root-access-key/${accessKeyId}`;
}

export function sessionSecretAad(accessKeyId: string): string {
  return `sts/session/${accessKeyId}`;
}

export function samlPrivateKeyAad(providerUuid: string, keyId: string): string {
  return `iam/saml-private-key/${providerUuid}/${keyId}`;
}

export function mfaSeedAad(serialNumber: string): string {
  return `iam/mfa-seed/${serialNumber}`;
}

export function serverCertificateKeyAad(serverCertificateId: string): string {
  return `iam/server-certificate-key/${serverCertificateId}`;
}

export function serviceCredentialAad(serviceSpecificCredentialId: string): string {
  return `iam/service-specific-credential/${serviceSpecificCredentialId}`;
}

/**
 * A server certificate, keyed `<accountId>/<serverCertificateId>` with a name index (renames
 * touch only the index). The private key is sealed with aad `iam/server-certificate-key/<id>`
 * and never returned by any operation.
 */
export interface ServerCertificateDoc {
  accountId: string;
  serverCertificateId: string;
  name: string;
  path: string;
  /** The certificate and chain as uploaded (PEM). */
  body: string;
  chain?: string;
  sealedPrivateKey: string;
  uploadDate: number;
  /** The certificate's notAfter (epoch ms). */
  expiration: number;
  tags: TagDoc[];
}

/** Services that take service-specific credentials, and the kind of credential each issues. */
export type ServiceCredentialKind = "password" | "api-key";

/**
 * A service-specific credential of a user, keyed `<accountId>/<userId>/<id>`. The secret
 * (password or API key) is sealed with aad `iam/service-specific-credential/<id>`; it is
 * returned only by Create and Reset.
 */
export interface ServiceCredentialDoc {
  accountId: string;
  userId: string;
  serviceSpecificCredentialId: string;
  serviceName: string;
  kind: ServiceCredentialKind;
  /** password credentials: `<user>-at-<account>`. */
  serviceUserName?: string;
  /** API keys: the public part of the key. */
  serviceCredentialAlias?: string;
  sealedSecret: string;
  /** "Active" or "Inactive" as set; shown as "Expired" once expiresAt has passed. */
  status: AccessKeyStatus;
  createDate: number;
  expiresAt?: number;
}

export type DeletionTaskStatus = "NOT_STARTED" | "IN_PROGRESS" | "SUCCEEDED" | "FAILED";

/** A DeleteServiceLinkedRole task, run by the scheduler. */
export interface ServiceLinkedRoleDeletionDoc {
  accountId: string;
  deletionTaskId: string;
  roleId: string;
  roleName: string;
  rolePath: string;
  servicePrincipal: string;
  status: DeletionTaskStatus;
  createDate: number;
  /** Why the role could not be deleted (FAILED): the resources that still use it, per Region. */
  usage?: Array<{ region: string; resources: string[] }>;
}

/** Account-level settings: SetSecurityTokenServicePreferences and PutAccountProperties. */
export interface AccountSettingsDoc {
  accountId: string;
  /** 1 (v1Token, the default) or 2 (v2Token). */
  globalEndpointTokenVersion?: 1 | 2;
  /** `Namespace/PropertyName` → value. */
  properties?: Record<string, string>;
}
