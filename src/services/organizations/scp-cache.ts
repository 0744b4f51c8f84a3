/**
 * The service control policies that apply to principals of each account, and the resource
 * control policies that apply to resources of each account, resolved for the authoriser
 * (src/iam/authorizer.ts) and cached in memory: every authorised request asks. One cache per
 * policy type; RCPs resolve exactly like SCPs (Organizations User Guide, "RCP evaluation"), with
 * RCPFullAWSAccess in the place of FullAWSAccess.
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
import type { OrgPlace, OrgPlaceSource, ScpLevels, ServiceControlPolicySource } from "../../iam/authorizer.js";
import type { DocStore } from "../../storage/types.js";
import type { AccountRegistry } from "./accounts.js";
import { attachmentsOf } from "./attachments.js";
import { ChangeTrackedCache, MISS, type MembershipCacheOptions } from "./membership-cache.js";
import { ORGANIZATIONS_COLLECTION, POLICIES_COLLECTION, policyKey, type AuthorizationPolicyType, type OrganizationRecord, type OrgPolicyType, type PolicyRecord } from "./model.js";
import { AUTHORIZATION_TYPES, defaultPolicyOf, RCP, SCP } from "./policy-types.js";
import { ouChain, parentOfAccount } from "./tree.js";

type Levels = ReadonlyArray<readonly ParsedPolicy[]>;

/** Parsed documents of one policy type by text, shared by every account's levels (bounded: starts over when full). */
class ParsedOrgPolicies {
  private readonly map = new Map<string, ParsedPolicy | null>();
  constructor(
    private readonly type: AuthorizationPolicyType,
    private readonly max = 2000,
  ) {}

  /** A stored policy that no longer parses (it was validated when stored) contributes nothing. */
  get(text: string): ParsedPolicy | undefined {
    let p = this.map.get(text);
    if (p === undefined) {
      try {
        p = parsePolicy(text, AUTHORIZATION_TYPES[this.type].kind);
      } catch {
        p = null;
      }
      if (this.map.size >= this.max) this.map.clear();
      this.map.set(text, p);
    }
    return p ?? undefined;
  }
}

/** The levels of policies of `type` that apply to `accountId` as stored now, or undefined when none apply. */
export async function resolveLevels(
  db: DocStore,
  accounts: AccountRegistry,
  parsed: { get(text: string): ParsedPolicy | undefined },
  accountId: string,
  type: AuthorizationPolicyType = SCP,
): Promise<Levels | undefined> {
  const account = await accounts.get(accountId);
  if (account?.organizationId === undefined) return undefined;
  const org = await db.get<OrganizationRecord>(ORGANIZATIONS_COLLECTION, account.organizationId);
  if (!org || org.managementAccountId === accountId || !(org.policyTypes ?? []).includes(type)) return undefined;
  const parent = await parentOfAccount(db, org, accountId);
  const path = [org.rootId, ...(await ouChain(db, org, parent)).map((ou) => ou.id), accountId];
  const levels: Array<readonly ParsedPolicy[]> = [];
  for (const node of path) {
    const level: ParsedPolicy[] = [];
    for (const scp of await policiesAttachedTo(db, org, node, type)) {
      const p = parsed.get(scp.content);
      if (p) level.push(p);
    }
    levels.push(Object.freeze(level));
  }
  return Object.freeze(levels);
}

/** The text of a policy of `type` the organization has (the AWS managed one included), if any. */
export async function policyContent(db: DocStore, org: Readonly<OrganizationRecord>, policyId: string, type: OrgPolicyType): Promise<string | undefined> {
  const managed = defaultPolicyOf(type);
  if (managed && policyId === managed.id) return managed.content;
  const rec = await db.get<PolicyRecord>(POLICIES_COLLECTION, policyKey(org.id, policyId));
  return rec?.organizationId === org.id && rec.type === type ? rec.content : undefined;
}

/** The text of an SCP the organization has (the AWS managed one included), if any. */
export const scpContent = (db: DocStore, org: Readonly<OrganizationRecord>, policyId: string): Promise<string | undefined> => policyContent(db, org, policyId, SCP);

/** The policies of `type` attached to one node (root, OU or account), with their stored text, ordered by policy id. */
export async function policiesAttachedTo(db: DocStore, org: Readonly<OrganizationRecord>, node: string, type: OrgPolicyType): Promise<Array<{ policyId: string; content: string }>> {
  const out: Array<{ policyId: string; content: string }> = [];
  for (const a of await attachmentsOf(db, org.id, node)) {
    if (a.type !== type) continue;
    const content = await policyContent(db, org, a.policyId, type);
    if (content !== undefined) out.push({ policyId: a.policyId, content });
  }
  return out;
}

/** The SCPs attached to one node (root, OU or account), with their stored text, ordered by policy id. */
export const scpsAttachedTo = (db: DocStore, org: Readonly<OrganizationRecord>, node: string): Promise<Array<{ policyId: string; content: string }>> =>
  policiesAttachedTo(db, org, node, SCP);

/** The levels of one policy type for each account, cached (also "none apply"). */
export class OrgPolicyLevelCache implements ServiceControlPolicySource {
  private readonly cache: ChangeTrackedCache<Levels>;
  private readonly parsed: ParsedOrgPolicies;

  constructor(
    private readonly db: DocStore,
    private readonly accounts: AccountRegistry,
    clock: Clock,
    private readonly type: AuthorizationPolicyType,
    opts: MembershipCacheOptions = {},
  ) {
    this.cache = new ChangeTrackedCache<Levels>(accounts.changes, clock, { ...opts, keepAbsent: true });
    this.parsed = new ParsedOrgPolicies(type);
  }

  levelsFor(accountId: string, now?: number): ScpLevels | Promise<ScpLevels> {
    const held = this.cache.peek(accountId, now);
    if (held !== MISS) return held;
    return this.cache.get(accountId, () => resolveLevels(this.db, this.accounts, this.parsed, accountId, this.type));
  }

  get size(): number {
    return this.cache.size;
  }
}

/** The SCPs that apply to principals of each account. */
export class ScpCache extends OrgPolicyLevelCache {
  constructor(db: DocStore, accounts: AccountRegistry, clock: Clock, opts: MembershipCacheOptions = {}) {
    super(db, accounts, clock, SCP, opts);
  }
}

/** The RCPs that apply to resources of each account. */
export class RcpCache extends OrgPolicyLevelCache {
  constructor(db: DocStore, accounts: AccountRegistry, clock: Clock, opts: MembershipCacheOptions = {}) {
    super(db, accounts, clock, RCP, opts);
  }
}

/** The account's organization and path as stored now, or undefined outside an organization. */
export async function resolveOrgPlace(db: DocStore, accounts: AccountRegistry, accountId: string): Promise<OrgPlace | undefined> {
  const account = await accounts.get(accountId);
  if (account?.organizationId === undefined) return undefined;
  const org = await db.get<OrganizationRecord>(ORGANIZATIONS_COLLECTION, account.organizationId);
  if (!org) return undefined;
  const parent = await parentOfAccount(db, org, accountId);
  const ous = (await ouChain(db, org, parent)).map((ou) => `${ou.id}/`).join("");
  return Object.freeze({ orgId: org.id, path: `${org.id}/${org.rootId}/${ous}` });
}

/** Each account's OrgPlace, cached under the same rules as the policy levels (also "not in an organization"). */
export class OrgPlaceCache implements OrgPlaceSource {
  private readonly cache: ChangeTrackedCache<OrgPlace>;

  constructor(
    private readonly db: DocStore,
    private readonly accounts: AccountRegistry,
    clock: Clock,
    opts: MembershipCacheOptions = {},
  ) {
    this.cache = new ChangeTrackedCache<OrgPlace>(accounts.changes, clock, { ...opts, keepAbsent: true });
  }

  placeOf(accountId: string, now?: number): OrgPlace | undefined | Promise<OrgPlace | undefined> {
    const held = this.cache.peek(accountId, now);
    if (held !== MISS) return held;
    return this.cache.get(accountId, () => resolveOrgPlace(this.db, this.accounts, accountId));
  }
}
