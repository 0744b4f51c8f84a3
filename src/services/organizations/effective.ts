/**
 * Effective management policies of accounts, computed from storage when asked (the
 * effective-policy operations are management calls, not on any request path): the policies of
 * one type attached on the path root → OUs → account, each node's in the order they were
 * attached, merged by inheritance.ts and checked by effective-validation.ts.
 *
 * Nothing applies while the type is disabled in the root, nor to an account no policy of the type
 * reaches (EffectivePolicyNotFoundException). The management account is in the tree like any
 * other: management policies apply to it. The effective policy's time is the latest change that
 * shaped it: an attachment on the path or an update of one of its policies.
 */
import type { DocStore } from "../../storage/types.js";
import { attachmentsOf } from "./attachments.js";
import { effectiveDocument, mergePolicies, type AttachedPolicy, type EffectiveNode } from "./inheritance.js";
import { parseManagementPolicy, type PolicyNode } from "./management-policy.js";
import { POLICIES_COLLECTION, policyKey, type ManagementPolicyType, type OrganizationRecord, type PolicyRecord } from "./model.js";
import { ouChain, parentOfAccount } from "./tree.js";
import { validateEffectivePolicy, type EffectivePolicyValidationError } from "./effective-validation.js";

export interface EffectivePolicy {
  type: ManagementPolicyType;
  accountId: string;
  /** The effective policy document (JSON). */
  content: string;
  tree: EffectiveNode;
  /** When it last changed (epoch ms). */
  lastUpdated: number;
  /** The account's place: `<o-id>/<r-id>/<ou-id>/…/<account-id>/`. */
  path: string;
}

/**
 * Computes effective policies of one type for accounts of one organization, reading each node's
 * attachments and each policy once however many accounts share them.
 */
export class EffectivePolicyReader {
  private readonly levels = new Map<string, { policies: AttachedPolicy[]; changed: number }>();
  private readonly parsed = new Map<string, { document: PolicyNode; changed: number } | null>();

  constructor(
    private readonly db: DocStore,
    private readonly org: Readonly<OrganizationRecord>,
    readonly type: ManagementPolicyType,
  ) {}

  get enabled(): boolean {
    return (this.org.policyTypes ?? []).includes(this.type);
  }

  /** The account's effective policy, or undefined when none applies (the account must be a member). */
  async effectiveFor(accountId: string): Promise<EffectivePolicy | undefined> {
    if (!this.enabled) return undefined;
    const ous = (await ouChain(this.db, this.org, await parentOfAccount(this.db, this.org, accountId))).map((ou) => ou.id);
    const nodes = [this.org.rootId, ...ous, accountId];
    const levels: AttachedPolicy[][] = [];
    let lastUpdated = 0;
    for (const node of nodes) {
      const level = await this.level(node);
      levels.push(level.policies);
      lastUpdated = Math.max(lastUpdated, level.changed);
    }
    if (levels.every((l) => l.length === 0)) return undefined;
    const tree = mergePolicies(levels);
    return { type: this.type, accountId, content: effectiveDocument(tree), tree, lastUpdated, path: `${[this.org.id, ...nodes].join("/")}/` };
  }

  /** The account's effective policy and its validation errors (none: valid), or undefined when none applies. */
  async validate(accountId: string): Promise<{ policy: EffectivePolicy; errors: EffectivePolicyValidationError[] } | undefined> {
    const policy = await this.effectiveFor(accountId);
    return policy && { policy, errors: validateEffectivePolicy(this.type, policy.tree) };
  }

  private async level(node: string): Promise<{ policies: AttachedPolicy[]; changed: number }> {
    const held = this.levels.get(node);
    if (held) return held;
    const attachments = (await attachmentsOf(this.db, this.org.id, node))
      .filter((a) => a.type === this.type)
      .sort((a, b) => (a.attachedAt ?? 0) - (b.attachedAt ?? 0) || (a.policyId < b.policyId ? -1 : a.policyId > b.policyId ? 1 : 0));
    const policies: AttachedPolicy[] = [];
    let changed = 0;
    for (const a of attachments) {
      const p = await this.policy(a.policyId);
      if (!p) continue;
      policies.push({ policyId: a.policyId, document: p.document });
      changed = Math.max(changed, p.changed, a.attachedAt ?? 0);
    }
    const level = { policies, changed };
    this.levels.set(node, level);
    return level;
  }

  /** A stored policy of this type, parsed; one that no longer parses contributes nothing. */
  private async policy(policyId: string): Promise<{ document: PolicyNode; changed: number } | undefined> {
    let p = this.parsed.get(policyId);
    if (p === undefined) {
      const rec = await this.db.get<PolicyRecord>(POLICIES_COLLECTION, policyKey(this.org.id, policyId));
      p = null;
      if (rec?.organizationId === this.org.id && rec.type === this.type) {
        try {
          p = { document: parseManagementPolicy(this.type, rec.content), changed: rec.updatedAt ?? rec.createdAt };
        } catch {
          p = null;
        }
      }
      this.parsed.set(policyId, p);
    }
    return p ?? undefined;
  }
}
