/**
 * Key policy documents KMS writes itself: the default key policy (the account root gets
 * kms:*, which delegates to IAM) and the policy of AWS managed keys (use only through the
 * owning service, by principals of the account; metadata readable directly). Both are
 * rendered the way GetKeyPolicy returns them (Jackson's pretty printer: `"k" : v`, arrays
 * opened on the same line).
 */
import { accountRootArn } from "../../core/partition.js";

type Json = string | number | boolean | null | Json[] | { [k: string]: Json };

export function prettyPolicy(v: Json, indent = ""): string {
  const inner = indent + "  ";
  if (Array.isArray(v)) {
    if (v.length === 0) return "[ ]";
    return `[ ${v.map((x) => prettyPolicy(x, indent)).join(", ")} ]`;
  }
  if (v !== null && typeof v === "object") {
    const entries = Object.entries(v);
    if (entries.length === 0) return "{ }";
    return `{\n${entries.map(([k, x]) => `${inner}${JSON.stringify(k)} : ${prettyPolicy(x, inner)}`).join(",\n")}\n${indent}}`;
  }
  return JSON.stringify(v);
}

export function defaultKeyPolicy(accountId: string): string {
  return prettyPolicy({
    Version: "2012-10-17",
    Id: "key-default-1",
    Statement: [
      {
        Sid: "Enable IAM User Permissions",
        Effect: "Allow",
        Principal: { AWS: accountRootArn(accountId) },
        Action: "kms:*",
        Resource: "*",
      },
    ],
  });
}

/** Service principal prefix (kms:ViaService) and display name of each predefined alias. */
export const AWS_MANAGED_ALIASES: Readonly<Record<string, { service: string; name: string }>> = {
  "alias/aws/acm": { service: "acm", name: "AWS Certificate Manager" },
  "alias/aws/backup": { service: "backup", name: "AWS Backup" },
  "alias/aws/codecommit": { service: "codecommit", name: "AWS CodeCommit" },
  "alias/aws/dynamodb": { service: "dynamodb", name: "Amazon DynamoDB" },
  "alias/aws/ebs": { service: "ec2", name: "EBS" },
  "alias/aws/elasticfilesystem": { service: "elasticfilesystem", name: "Amazon Elastic File System" },
  "alias/aws/es": { service: "es", name: "Amazon OpenSearch Service" },
  "alias/aws/glue": { service: "glue", name: "AWS Glue" },
  "alias/aws/kinesis": { service: "kinesis", name: "Amazon Kinesis" },
  "alias/aws/lambda": { service: "lambda", name: "AWS Lambda" },
  "alias/aws/rds": { service: "rds", name: "Amazon RDS" },
  "alias/aws/redshift": { service: "redshift", name: "Amazon Redshift" },
  "alias/aws/s3": { service: "s3", name: "S3" },
  "alias/aws/secretsmanager": { service: "secretsmanager", name: "AWS Secrets Manager" },
  "alias/aws/sns": { service: "sns", name: "Amazon SNS" },
  "alias/aws/sqs": { service: "sqs", name: "Amazon SQS" },
  "alias/aws/ssm": { service: "ssm", name: "AWS Systems Manager" },
  "alias/aws/xray": { service: "xray", name: "AWS X-Ray" },
};

export function awsManagedKeyPolicy(accountId: string, region: string, aliasName: string): string {
  const info = AWS_MANAGED_ALIASES[aliasName] ?? { service: aliasName.slice("alias/aws/".length), name: aliasName.slice("alias/aws/".length) };
  return prettyPolicy({
    Version: "2012-10-17",
    Id: `auto-${aliasName.slice("alias/aws/".length)}-1`,
    Statement: [
      {
        Sid: `Allow access through ${info.name} for all principals in the account that are authorized to use ${info.name}`,
        Effect: "Allow",
        Principal: { AWS: "*" },
        Action: ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:CreateGrant", "kms:DescribeKey"],
        Resource: "*",
        Condition: { StringEquals: { "kms:CallerAccount": accountId, "kms:ViaService": `${info.service}.${region}.amazonaws.com` } },
      },
      {
        Sid: "Allow direct access to key metadata to the account",
        Effect: "Allow",
        Principal: { AWS: accountRootArn(accountId) },
        Action: ["kms:Describe*", "kms:Get*", "kms:List*", "kms:RevokeGrant"],
        Resource: "*",
      },
    ],
  });
}
