/** sts:GetCallerIdentity and sts:GetAccessKeyInfo. */
import type { RequestContext } from "../../core/types.js";
import { accessKeyIdAccount } from "../../crypto/access-key-id.js";
import { PATTERNS, ValidationCollector, validationError } from "./validation.js";

export interface CallerIdentityOutput {
  UserId: string;
  Account: string;
  Arn: string;
}

/**
 * Exactly what the authenticated principal is: AIDA… for users, AROA…:session for
 * assumed roles, the account id for root; GetSessionToken sessions report the user.
 */
export function getCallerIdentity(ctx: RequestContext): CallerIdentityOutput {
  const p = ctx.principal;
  let userId = p.principalId;
  if (p.type === "Root") userId = p.accountId;
  else if (p.type === "AssumedRole" && !userId.includes(":") && p.roleId !== undefined && p.sessionName !== undefined) {
    userId = `${p.roleId}:${p.sessionName}`;
  }
  return { UserId: userId, Account: p.accountId, Arn: p.arn };
}

/** Finds the account an access key id belongs to (wired to the identity directory). */
export type AccessKeyAccountLookup = (accessKeyId: string) => Promise<string | undefined>;

export async function getAccessKeyInfo(
  lookup: AccessKeyAccountLookup | undefined,
  input: { AccessKeyId?: string },
  ctx: RequestContext,
): Promise<{ Account: string }> {
  const v = new ValidationCollector();
  if (v.required(input.AccessKeyId, "accessKeyId")) v.string(input.AccessKeyId, "accessKeyId", { min: 16, max: 128, ...PATTERNS.accessKeyId });
  v.throwIfAny();
  const id = input.AccessKeyId as string;
  await ctx.authorize({ action: "sts:GetAccessKeyInfo", resource: "*" });
  if (id === ctx.principal.accessKeyId) return { Account: ctx.principal.accountId };
  // A stored key (active, inactive or expired) answers from storage: ids given by the operator
  // and ids from before they carried their account say nothing about it. Any other id answers the
  // account it encodes, as AWS reads it from the id itself: a deleted key's, another
  // installation's ("The key might be active, inactive, or deleted", GetAccessKeyInfo reference).
  const account = (lookup ? await lookup(id) : undefined) ?? accessKeyIdAccount(id);
  if (account === undefined) throw validationError(`${id} is invalid`);
  return { Account: account };
}
