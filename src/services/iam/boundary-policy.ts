/**
 * Permissions boundaries: which managed policy an entity uses as its boundary, and the
 * reverse index that lets IAM count and protect policies used that way.
 */
import type { DocStore } from "../../storage/types.js";
import { parseEntityArn } from "./arn.js";
import { isAwsManagedArn } from "./aws-managed-policies.js";
import { boundaryNotAttachable, invalidInput } from "./errors.js";
import { COLLECTIONS, type AttachedEntityKind } from "./model.js";
import { resolvePolicy, type ResolvedPolicy } from "./policy-lookup.js";
import { policyUses } from "./repo.js";
import { checkArn } from "./validation.js";

/** A boundary must be a managed policy ARN; anything else is InvalidInput, as in IAM. */
export function checkBoundaryArn(value: string | undefined): string {
  const arn = checkArn(value, "permissionsBoundary");
  if (!isAwsManagedArn(arn) && !parseEntityArn(arn, "policy")) throw invalidInput(`ARN ${arn} is not valid.`);
  return arn;
}

export async function requireBoundaryPolicy(db: DocStore, accountId: string, arn: string): Promise<ResolvedPolicy> {
  const p = await resolvePolicy(db, accountId, arn);
  if (!p) throw boundaryNotAttachable(arn);
  return p;
}

export async function useBoundary(db: DocStore, accountId: string, p: ResolvedPolicy, kind: AttachedEntityKind, entityId: string): Promise<void> {
  await policyUses.add(db, COLLECTIONS.policyBoundaries, accountId, p.policyId, kind, entityId);
}

/** Drops the reverse-index entry of an entity's current boundary (if the policy still exists). */
export async function releaseBoundary(db: DocStore, accountId: string, arn: string, kind: AttachedEntityKind, entityId: string): Promise<void> {
  const p = await resolvePolicy(db, accountId, arn);
  if (p) await policyUses.remove(db, COLLECTIONS.policyBoundaries, accountId, p.policyId, kind, entityId);
}
