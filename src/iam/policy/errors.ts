/**
 * A policy document that IAM (or the owning service) would reject. The message is the
 * exact text IAM returns in its MalformedPolicyDocument error, so the service layer can
 * pass it through unchanged.
 */
export class PolicyParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PolicyParseError";
  }
}

/** IAM's MalformedPolicyDocument messages, in one place so tests and code agree. */
export const MSG = {
  syntax: "Syntax errors in policy.",
  trustJson: "This policy contains invalid Json",
  trustStsActions: "AssumeRole policy may only specify STS AssumeRole actions.",
  version: "Policy document must be version 2012-10-17 or greater.",
  legacy: "The policy failed legacy parsing",
  duplicateSid: "Statement IDs (SID) in a single policy must be unique.",
  sidFormat:
    "Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*",
  noActions: "Policy statement must contain actions.",
  noResources: "Policy statement must contain resources.",
  principalForbidden: "Policy document should not specify a principal.",
  principalMissing: "Missing required field Principal",
  resourceProhibited: "Has prohibited field Resource",
  trustActions:
    "Trust Policy statement actions can only be sts:AssumeRole, sts:AssumeRoleWithSAML,  and sts:AssumeRoleWithWebIdentity",
  noVendor: "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.",
  oneColon: "Actions/Condition can contain only one colon.",
  vendorInvalid: (vendor: string): string => `Vendor ${vendor} is not valid`,
  notArn: (resource: string): string => `Resource ${resource} must be in ARN format or "*".`,
  vendorRegex: "Resource vendor must be fully qualified and cannot contain regexes.",
  iamRegion: (resource: string): string => `IAM resource ${resource} cannot contain region information.`,
  s3Region: (resource: string): string => `Resource ${resource} can not contain region information.`,
  badPartition: (partition: string, rebuilt: string): string =>
    `Partition "${partition}" is not valid for resource "${rebuilt}".`,
  iamPath: (starts: readonly string[]): string =>
    `IAM resource path must either be "*", root, or start with ${starts.join(", ")}.`,
  invalidPrincipal: (type: string, value: string): string => `Invalid principal in policy: "${type}":"${value}"`,
} as const;
