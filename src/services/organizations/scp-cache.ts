/**
 * The service control policies that apply to principals of each account, resolved for the
 * authoriser (src/iam/authorizer.ts) and cached in memory: every authorised request asks.
 *
 * Resolution (Organizations User Guide, "Service control policies"; IAM User Guide, "Policy
 * evaluation logic"): nothing applies to an account outside an organization, to the management
 * account, or while SCPs are not enabled in the root. Otherwise there is one level per node on the
 * path root → OUs → account, each holding the parsed SCPs attached to that node; every level must
 * allow and a deny at any level denies. A level with no SCP allows nothing (the API never leaves a
 * node without one while SCPs are enabled). Service-linked roles are exempt: the authoriser
 * decides that from the principal.
 *
 * Consistency: the same ChangeCounter as the membership cache (membership-cache.ts). Every write
 * that can change an answer — the account registry, organization records, OUs, account
 * placement, policies, attachments — bumps it once it has settled (orgTransaction,
 * saveOrganization, the registry), the cache then drops everything, and a resolution that
 * overlapped a write is used once but not kept. Unlike memberships, "no SCPs apply" is kept too:
 * accounts outside an organization (the common case) then cost one Map lookup per request. Only
 * this process's API enables SCPs or changes attachments and policies; entries also expire after
 * the TTL, which bounds how long another process's write (e.g. the operator CLI adding an account
 * to an organization) can go unseen.
 */
import type { Clock } from "../../core/clock.js";
import { parsePolicy, type ParsedPolicy } from "../../iam/policy/index.js";
import type { ScpLevels, ServiceControlPolicySource } from "../../iam/authorizer.js";
import type { DocStore } from "../../storage/types.js";
import type { AccountRegistry } from "./accounts.js";
import { attachmentsOf } from "./attachments.js";
import { ChangeTrackedCache, MISS, type MembershipCacheOptions } from "./membership-cache.js";
import { ORGANIZATIONS_COLLECTION, POLICIES_COLLECTION, policyKey, type OrganizationRecord, type PolicyRecord } from "./model.js";
import { POLICY_TYPES, SCP } from "./policy-types.js";
import { ouChain, parentOfAccount } from "./tree.js";

type Levels = ReadonlyArray<readonly ParsedPolicy[]>;

/** Parsed SCP documents by text, shared by every account's levels (bounded: starts over when full). */
class ParsedScps {
  private readonly map = new Map<string, ParsedPolicy | null>();
  constructor(private readonly max = 2000) {}

  /** A stored SCP that no longer parses (it was validated when stored) contributes nothing. */
  get(text: string): ParsedPolicy | undefined {
    let p = this.map.get(text);
    if (p === undefined) {
      try {
        p = parsePolicy(text, POLICY_TYPES[SCP].kind);
      } catch {
        p = null;
      }
      if (this.map.size >= this.max) this.map.clear();
      this.map.set(text, p);
    }
    return p ?? undefined;
  }
}

/** The SCP levels of `accountId` as stored now, or undefined when none apply. */
export async function resolveScpLevels(db: DocStore, accounts: AccountRegistry, parsed: { get(text: string): ParsedPolicy | undefined }, accountId: string): Promise<Levels | undefined> {
  const account = await accounts.get(accountId);
  if (account?.organizationId === undefined) return undefined;
  const org = await db.get<OrganizationRecord>(ORGANIZATIONS_COLLECTION, account.organizationId);
  if (!org || org.managementAccountId === accountId || !(org.policyTypes ?? []).includes(SCP)) return undefined;
  const parent = await parentOfAccount(db, org, accountId);
  const path = [org.rootId, ...(await ouChain(db, org, parent)).map((ou) => ou.id), accountId];
  const levels: Array<readonly ParsedPolicy[]> = [];
  for (const node of path) {
    const level: ParsedPolicy[] = [];
    for (const scp of await scpsAttachedTo(db, org, node)) {
      const p = parsed.get(scp.content);
      if (p) level.push(p);
    }
    levels.push(Object.freeze(level));
  }
  return Object.freeze(levels);
}

/** The text of an SCP the organization has (the AWS managed one included), if any. */
export async function scpContent(db: DocStore, org: Readonly<OrganizationRecord>, policyId: string): Promise<string | undefined> {
  const managed = POLICY_TYPES[SCP].defaultPolicy;
  if (policyId === managed.id) return managed.content;
  const rec = await db.get<PolicyRecord>(POLICIES_COLLECTION, policyKey(org.id, policyId));
  return rec?.organizationId === org.id && rec.type === SCP ? rec.content : undefined;
}

/** The SCPs attached to one node (root, OU or account), with their stored text, ordered by policy id. */
export async function scpsAttachedTo(db: DocStore, org: Readonly<OrganizationRecord>, node: string): Promise<Array<{ policyId: string; content: string }>> {
  const out: Array<{ policyId: string; content: string }> = [];
  for (const a of await attachmentsOf(db, org.id, node)) {
    if (a.type !== SCP) continue;
    const content = await scpContent(db, org, a.policyId);
    if (content !== undefined) out.push({ policyId: a.policyId, content });
  }
  return out;
}

export class ScpCache implements ServiceControlPolicySource {
  private readonly cache: ChangeTrackedCache<Levels>;
  private readonly parsed = new ParsedScps();

  constructor(
    private readonly db: DocStore,
    private readonly accounts: AccountRegistry,
    clock: Clock,
    opts: MembershipCacheOptions = {},
  ) {
    this.cache = new ChangeTrackedCache<Levels>(accounts.changes, clock, { ...opts, keepAbsent: true });
  }

  levelsFor(accountId: string, now?: number): ScpLevels | Promise<ScpLevels> {
    const held = this.cache.peek(accountId, now);
    if (held !== MISS) return held;
    return this.cache.get(accountId, () => resolveScpLevels(this.db, this.accounts, this.parsed, accountId));
  }

  get size(): number {
    return this.cache.size;
  }
}
