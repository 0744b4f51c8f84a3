/** Shared checks for operations on managed policies addressed by ARN. */
import type { ConditionContext } from "../../core/types.js";
import type { DocStore } from "../../storage/types.js";
import { isPolicyArnOfAnotherPartition, parseEntityArn } from "./arn.js";
import { isAwsManagedArn } from "./aws-managed-policies.js";
import { authorize, noteResource, type Caller, type IamEnv } from "./env.js";
import { awsManagedPolicyImmutable, policyNotFound, quotaExceeded, validationError } from "./errors.js";
import { QUOTAS, type ManagedPolicyDoc } from "./model.js";
import { localPolicyByArn } from "./policy-lookup.js";
import { resourceTagContext } from "./tags.js";
import { checkArn, policySize } from "./validation.js";
import { accountRootArn } from "../../core/partition.js";

export const POLICY_TYPE = "AWS::IAM::Policy";

/**
 * A managed policy ARN (AWS managed or customer managed) of the installation's partition; one of
 * another partition is "Invalid ARN partition" (what IAM answers AttachRolePolicy with an `aws`
 * policy ARN in an aws-cn account), anything else "ARN … is not valid." (both ValidationError).
 */
export function checkPolicyArn(value: string | undefined, field = "policyArn"): string {
  const arn = checkArn(value, field);
  if (parseEntityArn(arn, "policy")) return arn;
  if (isPolicyArnOfAnotherPartition(arn)) throw validationError("Invalid ARN partition");
  throw validationError(`ARN ${arn} is not valid.`);
}

/** Authorises `action` on the policy; returns the caller's own policy document when there is one. */
export async function authorizeOnPolicy(
  env: IamEnv,
  caller: Caller,
  action: string,
  arn: string,
  context?: ConditionContext,
): Promise<ManagedPolicyDoc | undefined> {
  const local = isAwsManagedArn(arn) ? undefined : await localPolicyByArn(env.store, caller.accountId, arn);
  await authorize(caller, action, arn, { ...resourceTagContext(local?.tags), ...context });
  noteResource(caller, arn, POLICY_TYPE);
  return local;
}

/** Changes to AWS managed policies are refused after authorisation, as IAM does. */
export function refuseAwsManaged(caller: Caller, action: string, arn: string): void {
  if (isAwsManagedArn(arn)) {
    throw awsManagedPolicyImmutable(caller.principal?.arn ?? accountRootArn(caller.accountId), `iam:${action}`, arn);
  }
}

export async function mustLocalPolicy(db: DocStore, accountId: string, arn: string): Promise<ManagedPolicyDoc> {
  const p = await localPolicyByArn(db, accountId, arn);
  if (!p) throw policyNotFound(arn);
  return p;
}

/** Grammar (policy engine, Version "2012-10-17" required) and the 6144-character managed policy quota. */
export function checkManagedDocument(env: IamEnv, document: string): void {
  env.validatePolicy(document, "identity", { requireCurrentVersion: true });
  if (policySize(document) > QUOTAS.managedPolicySize) throw quotaExceeded("PolicySize", QUOTAS.managedPolicySize);
}
