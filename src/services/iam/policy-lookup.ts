/**
 * Finding a managed policy (AWS managed or the account's own) by ARN, and how many
 * entities of an account use it.
 */
import type { DocStore } from "../../storage/types.js";
import { parseEntityArn } from "./arn.js";
import { awsManagedPolicyByArn, type AwsManagedPolicy } from "./aws-managed-policies.js";
import { COLLECTIONS, type ManagedPolicyDoc } from "./model.js";
import { policies, policyUses } from "./repo.js";
import type { PolicyCounts } from "./views.js";

export type ResolvedPolicy =
  | { aws: true; policyId: string; policyName: string; arn: string; policy: AwsManagedPolicy; defaultDocument: string }
  | { aws: false; policyId: string; policyName: string; arn: string; policy: ManagedPolicyDoc; defaultDocument: string };

export function defaultDocumentOf(p: ManagedPolicyDoc): string {
  const v = p.versions.find((x) => x.versionId === p.defaultVersionId);
  // Invariant: the default version always exists (it cannot be deleted).
  return v ? v.document : "";
}

/** A customer managed policy of `accountId` by ARN (path must match), or undefined. */
export async function localPolicyByArn(db: DocStore, accountId: string, arn: string): Promise<ManagedPolicyDoc | undefined> {
  const parsed = parseEntityArn(arn, "policy");
  if (!parsed || parsed.accountId !== accountId) return undefined;
  const p = await policies.byName(db, accountId, parsed.name);
  return p && p.arn === arn ? p : undefined;
}

/** A managed policy `accountId` may attach: AWS managed or its own. */
export async function resolvePolicy(db: DocStore, accountId: string, arn: string): Promise<ResolvedPolicy | undefined> {
  const aws = awsManagedPolicyByArn(arn);
  if (aws) return { aws: true, policyId: aws.policyId, policyName: aws.policyName, arn, policy: aws, defaultDocument: aws.document };
  const local = await localPolicyByArn(db, accountId, arn);
  if (!local) return undefined;
  return { aws: false, policyId: local.policyId, policyName: local.policyName, arn, policy: local, defaultDocument: defaultDocumentOf(local) };
}

/**
 * The counts of every managed policy the account uses, from one pass over its attachments and
 * boundaries (for calls that would otherwise count each of the ~1,600 AWS managed policies in turn).
 * A policy absent from the map is used nowhere.
 */
export async function accountPolicyCounts(db: DocStore, accountId: string): Promise<ReadonlyMap<string, PolicyCounts>> {
  const out = new Map<string, PolicyCounts>();
  const prefix = `${accountId}/`;
  for (const [collection, field] of [
    [COLLECTIONS.policyAttachments, "attachments"],
    [COLLECTIONS.policyBoundaries, "boundaries"],
  ] as const) {
    let after: string | undefined;
    for (;;) {
      const batch = await db.list<unknown>(collection, { prefix, limit: 1000, ...(after !== undefined ? { after } : {}) });
      for (const e of batch) {
        const policyId = e.key.slice(prefix.length, e.key.indexOf("/", prefix.length));
        const c = out.get(policyId) ?? { attachments: 0, boundaries: 0 };
        c[field]++;
        out.set(policyId, c);
      }
      if (batch.length < 1000) break;
      after = batch[batch.length - 1]!.key;
    }
  }
  return out;
}

export async function policyCounts(db: DocStore, accountId: string, policyId: string): Promise<PolicyCounts> {
  const prefix = policyUses.prefix(accountId, policyId);
  const [attachments, boundaries] = await Promise.all([
    db.count(COLLECTIONS.policyAttachments, prefix),
    db.count(COLLECTIONS.policyBoundaries, prefix),
  ]);
  return { attachments, boundaries };
}
