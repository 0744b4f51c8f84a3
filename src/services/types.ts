import type { AwsError } from "../core/errors.js";
import type { RequestContext } from "../core/types.js";

/** A static Smithy schema exported by an @aws-sdk/client-* package (e.g. `AssumeRole$`). */
// The SDK exports these as plain tuples; NormalizedSchema.of() reads them.
export type StaticSchema = unknown;

export type ProtocolName = "awsJson1_0" | "awsJson1_1" | "awsQuery" | "ec2Query" | "restJson1" | "restXml";

export interface OperationDefinition {
  /** The operation's static schema from the SDK package, e.g. `sts.AssumeRole$`. */
  schema: StaticSchema;
  handler: (input: any, ctx: RequestContext) => Promise<unknown>;
  /** Audit `readOnly`; defaults to true for Get*, List*, Describe*, Lookup*. */
  readOnly?: boolean;
  /** Operation needs no authorisation (e.g. sts:GetCallerIdentity). */
  noAuthorization?: boolean;
  /** Operation accepts unsigned requests (e.g. sts:AssumeRoleWithWebIdentity). */
  unsigned?: boolean;
}

export interface ServiceDefinition {
  /** IAM action prefix and short name, e.g. "sts", "iam", "organizations", "cloudtrail", "kms". */
  name: string;
  /** SigV4 credential-scope service name. */
  signingName: string;
  protocol: ProtocolName;
  /** awsJson: X-Amz-Target prefix, e.g. "AWSOrganizationsV20161128". */
  targetPrefix?: string;
  /** Other X-Amz-Target prefixes clients send for the same service (older models, e.g. botocore's fully qualified CloudTrail prefix). */
  targetPrefixAliases?: string[];
  /** awsJson: the service is awsQueryCompatible (errors also carry x-amzn-query-error). */
  awsQueryCompatible?: boolean;
  /** query: XML namespace of responses, e.g. "https://sts.amazonaws.com/doc/2011-06-15/". */
  xmlNamespace?: string;
  /** query: API version, e.g. "2011-06-15". */
  apiVersion?: string;
  /** CloudTrail eventSource, e.g. "sts.amazonaws.com". */
  eventSource: string;
  /**
   * Presigned requests are valid for the ±15 minutes of X-Amz-Date that the header form gets,
   * whatever X-Amz-Expires says (STS: `aws eks get-token` signs with X-Amz-Expires=60 and the
   * token is used for 14 minutes).
   */
  ignorePresignedExpires?: boolean;
  /**
   * The service accepts `x-amz-content-sha256: UNSIGNED-PAYLOAD` (S3 and the operations AWS
   * models with the unsignedPayload trait). Elsewhere AWS signs the body's hash whatever the
   * header says, so a request declaring it is a signature mismatch: the body stays bound to the
   * signature, and a presigned POST cannot carry whatever body its holder chooses.
   */
  unsignedPayload?: boolean;
  /**
   * Requests signed with SigV4a (AWS4-ECDSA-P256-SHA256) are accepted: the service's model lists
   * aws.auth#sigv4a (STS). Any other service refuses the algorithm as unsupported.
   */
  acceptsSigV4a?: boolean;
  /** Global services (IAM, Organizations) keep their state with region "". */
  global?: boolean;
  /**
   * The error for a request missing required members, when the service does not answer with the
   * protocol's ValidationException (Organizations: InvalidInputException, reason INPUT_REQUIRED).
   */
  missingRequiredError?: (violations: readonly string[]) => AwsError;
  /**
   * When set, credentials from GetSessionToken may call only these of the service's operations;
   * any other is AccessDenied "Cannot call <operation> with session credentials" (STS: AssumeRole
   * and GetCallerIdentity, as the GetSessionToken API reference says, and GetScopedCredentials).
   */
  sessionTokenOperations?: ReadonlySet<string>;
  operations: Record<string, OperationDefinition>;
}
