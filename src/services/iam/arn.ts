/** ARNs of IAM entities. IAM is global: the region field is always empty. */

export function userArn(accountId: string, path: string, name: string): string {
  return `arn:aws:iam::${accountId}:user${path}${name}`;
}

export function groupArn(accountId: string, path: string, name: string): string {
  return `arn:aws:iam::${accountId}:group${path}${name}`;
}

export function roleArn(accountId: string, path: string, name: string): string {
  return `arn:aws:iam::${accountId}:role${path}${name}`;
}

export function instanceProfileArn(accountId: string, path: string, name: string): string {
  return `arn:aws:iam::${accountId}:instance-profile${path}${name}`;
}

export function policyArn(accountId: string, path: string, name: string): string {
  return `arn:aws:iam::${accountId}:policy${path}${name}`;
}

export function serverCertificateArn(accountId: string, path: string, name: string): string {
  return `arn:aws:iam::${accountId}:server-certificate${path}${name}`;
}

export function rootArn(accountId: string): string {
  return `arn:aws:iam::${accountId}:root`;
}

export interface ParsedEntityArn {
  /** 12-digit account id, or "aws" for AWS managed policies. */
  accountId: string;
  path: string;
  name: string;
}

// arn:aws:iam::<account|aws>:<type><path><name>; the path starts and ends with "/".
const ENTITY_ARN = /^arn:aws:iam::(\d{12}|aws):(user|group|role|policy)(\/(?:[\u0021-\u007E]*\/)?)([\w+=,.@-]+)$/;

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
