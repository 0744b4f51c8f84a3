/** ARNs of IAM entities, in the installation's partition. IAM is global: the region field is always empty. */
import { accountRootArn, arnPattern, arnPrefix, iamArn, isPartition } from "../../core/partition.js";

export function userArn(accountId: string, path: string, name: string): string {
  return iamArn(accountId, `user${path}${name}`);
}

export function groupArn(accountId: string, path: string, name: string): string {
  return iamArn(accountId, `group${path}${name}`);
}

export function roleArn(accountId: string, path: string, name: string): string {
  return iamArn(accountId, `role${path}${name}`);
}

export function instanceProfileArn(accountId: string, path: string, name: string): string {
  return iamArn(accountId, `instance-profile${path}${name}`);
}

export function policyArn(accountId: string, path: string, name: string): string {
  return iamArn(accountId, `policy${path}${name}`);
}

export function serverCertificateArn(accountId: string, path: string, name: string): string {
  return iamArn(accountId, `server-certificate${path}${name}`);
}

export function rootArn(accountId: string): string {
  return accountRootArn(accountId);
}

export interface ParsedEntityArn {
  /** 12-digit account id, or "aws" for AWS managed policies. */
  accountId: string;
  path: string;
  name: string;
}

// arn:<partition>:iam::<account|aws>:<type><path><name>; the path starts and ends with "/".
const ENTITY_ARN = arnPattern(/^arn:aws:iam::(\d{12}|aws):(user|group|role|policy)(\/(?:[\u0021-\u007E]*\/)?)([\w+=,.@-]+)$/);

/** Parses an IAM user/group/role/policy ARN of the given type; undefined when it is not one. */
export function parseEntityArn(arn: string, type: "user" | "group" | "role" | "policy"): ParsedEntityArn | undefined {
  const m = ENTITY_ARN.exec(arn);
  if (!m || m[2] !== type) return undefined;
  const accountId = m[1] as string;
  const path = m[3] as string;
  const name = m[4] as string;
  if (accountId === "aws" && type !== "policy") return undefined;
  return { accountId, path, name };
}

const PARTITION_PREFIX = /^arn:([a-z-]+):/;

/** Is this a well-formed managed policy ARN of another AWS partition than the installation's? */
export function isPolicyArnOfAnotherPartition(arn: string): boolean {
  const m = PARTITION_PREFIX.exec(arn);
  return m !== null && m[0] !== arnPrefix() && isPartition(m[1] as string) && parseEntityArn(arnPrefix() + arn.slice(m[0].length), "policy") !== undefined;
}
