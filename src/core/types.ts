/** Shapes shared by every layer. */

/** Every store call is scoped. `region` is "" for global services (IAM, Organizations). */
export interface Scope {
  accountId: string;
  region: string;
}

export type PrincipalType = "Root" | "IAMUser" | "AssumedRole" | "FederatedUser" | "Anonymous";

/** Who made an authenticated request, as resolved from the access key (and session token). */
export interface Principal {
  type: PrincipalType;
  accountId: string;
  /** arn:aws:iam::111122223333:user/alice · arn:aws:sts::111122223333:assumed-role/Role/session · arn:aws:iam::111122223333:root */
  arn: string;
  /** AIDA… for users, AROA…:session for assumed roles, the account id for root. */
  principalId: string;
  accessKeyId: string;
  /** IAM user name (users), role name (assumed roles), or the account alias (root user, when set). */
  name?: string;
  /** For assumed roles: the role's ARN (arn:aws:iam::acct:role/path/Name) and unique id (AROA…). */
  roleArn?: string;
  roleId?: string;
  /**
   * Sessions of a service-linked role (made by CreateServiceLinkedRole, not merely a role whose
   * path looks like one): exempt from SCPs and RCPs.
   */
  serviceLinkedRole?: boolean;
  sessionName?: string;
  /** Temporary credentials: when they were issued and when they expire (epoch ms). */
  sessionIssuedAt?: number;
  sessionExpiresAt?: number;
  /** Inline session policy (JSON text) and managed session policy ARNs passed to AssumeRole etc. */
  sessionPolicy?: string;
  sessionPolicyArns?: string[];
  /** Scope-down policies (JSON texts) of the sts:GetScopedCredentials calls behind these credentials, oldest first. */
  scopeDownPolicies?: string[];
  sessionTags?: Record<string, string>;
  /** Keys of the session tags that pass on to sessions this one assumes (role chaining). */
  transitiveTagKeys?: string[];
  /** Sessions from sts:AssumeRoleWithWebIdentity: the IAM OIDC provider (ARN) that vouched for the caller. */
  federatedProvider?: string;
  sourceIdentity?: string;
  /** Issuing principal for GetSessionToken sessions (same identity, temporary keys). */
  isSessionToken?: boolean;
  mfaAuthenticated?: boolean;
  /** When the MFA code behind this session was verified (epoch ms); defaults to sessionIssuedAt. */
  mfaAuthenticatedAt?: number;
  /** A root session of a member account issued by sts:AssumeRoot (type "Root", limited by its task policy). */
  assumedRoot?: boolean;
}

export type ContextValue = string | string[] | number | boolean | undefined;

/** Condition-key context handed to the policy engine; services add their own keys. */
export type ConditionContext = Record<string, ContextValue>;

export interface AuthorizeRequest {
  /** e.g. "iam:CreateUser", "kms:Decrypt". */
  action: string;
  /** Resource ARN or "*". */
  resource: string;
  /** Account that owns the resource (defaults to the caller's account). */
  resourceAccount?: string;
  /** Resource-based policy (JSON text), e.g. a key policy or a role trust policy. */
  resourcePolicy?: string;
  /**
   * When true the resource policy alone decides for same-account principals the way
   * KMS key policies do (the key policy must allow, directly or by delegating to IAM via the root principal).
   */
  resourcePolicyIsAuthoritative?: boolean;
  /** The resource policy is a KMS key policy (its statements without Action or Resource have no effect). */
  resourcePolicyKind?: "key";
  /** Resource control policies do not apply to this resource (AWS managed KMS keys). */
  resourceControlPoliciesExempt?: boolean;
  /**
   * The caller is a web-identity federation through this IAM identity provider (its ARN):
   * it matches {"Federated": <ARN>} principals (sts:AssumeRoleWithWebIdentity, unsigned).
   */
  federatedProvider?: string;
  /** Service-specific condition keys and request tags. */
  context?: ConditionContext;
}

/**
 * The caller of an unsigned federation call, as CloudTrail names it once the identity
 * provider's token or assertion has been verified (CloudTrail userIdentity element).
 */
export interface FederatedUserIdentity {
  type: "SAMLUser" | "WebIdentityUser";
  principalId: string;
  userName: string;
  identityProvider: string;
}

export interface AuditAnnotations {
  /** The caller of an unsigned federation call (AssumeRoleWithSAML / AssumeRoleWithWebIdentity). */
  federatedIdentity?: FederatedUserIdentity;
  resources?: Array<{ ARN: string; accountId: string; type?: string }>;
  /** Overrides what audit records as requestParameters / responseElements (already redacted). */
  requestParameters?: Record<string, unknown> | null;
  /** Members recorded before the request's own in requestParameters (STS role chaining: incomingTransitiveTags). */
  requestParametersPrefix?: Record<string, unknown>;
  responseElements?: Record<string, unknown> | null;
  additionalEventData?: Record<string, unknown>;
  /** serviceEventDetails of an AwsServiceEvent (e.g. KMS RotateKey: rotationType, key material ids). */
  serviceEventDetails?: Record<string, unknown>;
  /** Account whose trail receives the event when it differs from the caller's (e.g. cross-account). */
  recipientAccountId?: string;
  /**
   * Further resource owners whose trails receive a copy too, beside recipientAccountId (a KMS
   * ReEncrypt from a key of one account to a key of another, both foreign to the caller).
   */
  otherRecipientAccountIds?: string[];
}

export interface RequestContext {
  requestId: string;
  /** Caller's account and the region of the request (from the SigV4 credential scope). */
  scope: Scope;
  principal: Principal;
  service: string;
  operation: string;
  sourceIp: string;
  userAgent: string;
  secureTransport: boolean;
  /** Request time, epoch ms, from the injected clock. */
  now: number;
  /**
   * Throws AccessDenied (protocol-appropriate code) unless the policy engine allows.
   * `alternativeAllow` is consulted only when the policies give no explicit deny and no
   * allow (implicit deny) and no SCP or RCP level is what allowed nothing: e.g. a KMS grant
   * that permits the operation.
   */
  authorize(req: AuthorizeRequest, opts?: { alternativeAllow?: () => Promise<boolean> }): Promise<void>;
  /** The policy engine's decision without throwing. */
  evaluate(req: AuthorizeRequest): Promise<"Allow" | "ExplicitDeny" | "ImplicitDeny">;
  /** Evaluate without throwing. */
  isAllowed(req: AuthorizeRequest): Promise<boolean>;
  /** Handlers/domain add resources etc. for the CloudTrail event. */
  audit: AuditAnnotations;
}
