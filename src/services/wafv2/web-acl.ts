/**
 * WebACL aggregate. Every save checks the rules (structure, references, managed rule
 * groups) and the WCUs they consume against the web ACL capacity limit; updates are
 * redeployed to every associated load balancer by the change listener.
 */
import { randomUUID } from "node:crypto";
import type { CreateWebACLRequest, DefaultAction, UpdateWebACLRequest, WebACL } from "@aws-sdk/client-wafv2";
import type { DocStore } from "../../storage/types.js";
import { entityArn, type WafScope } from "./arn.js";
import { associationsOf, deleteAssociation } from "./association-store.js";
import type { Caller, WafDomainDeps } from "./domain-deps.js";
import { checkLock, insertEntity, newLockToken, removeEntity, replaceEntity, requireEntity, type Where } from "./entities.js";
import { associatedItem, invalidParameter, limitsExceeded, nonexistentItem } from "./errors.js";
import { checkDescription, checkName, checkRange, checkString, checkTags } from "./input.js";
import { LOGGING_COLLECTION, loggingKey, type EntityRecord } from "./model.js";
import { CAPACITY_EXCEEDED } from "./rule-group.js";
import { checkDefaultActionShape } from "./rule-shapes.js";
import { checkCustomResponseBodies, checkCustomResponseKey, checkRules, checkVisibilityConfig, managedGroupsOf, type RuleFacts } from "./rules.js";
import { loadReferences, type SharedRuleGroups } from "./snapshot.js";
import { fromStoredJson, toStoredJson } from "./stored-json.js";

const MAX_TOKEN_DOMAINS = 10;
const TOKEN_DOMAIN = /^[\w.\-/]+$/;
const REGIONAL_BODY_TYPES = ["API_GATEWAY", "COGNITO_USER_POOL", "APP_RUNNER_SERVICE", "VERIFIED_ACCESS_INSTANCE", "AGENTCORE_GATEWAY"];
const SIZE_LIMITS = ["KB_16", "KB_32", "KB_48", "KB_64"];

type WebAclContent = Omit<CreateWebACLRequest, "Name" | "Scope" | "Tags">;

export function webAclLabelNamespace(accountId: string, name: string): string {
  return `awswaf:${accountId}:webacl:${name}:`;
}

function where(c: Caller, scope: WafScope): Where {
  return { accountId: c.accountId, region: c.region, scope };
}

function checkDefaultAction(a: DefaultAction | undefined, bodies: WebAclContent["CustomResponseBodies"]): void {
  checkDefaultActionShape(a);
  const n = (a?.Allow ? 1 : 0) + (a?.Block ? 1 : 0);
  if (!a || n !== 1) throw invalidParameter("DEFAULT_ACTION", "DefaultAction", "You have used none or multiple values for a field that requires exactly one value.");
  checkCustomResponseKey(a, bodies, "DefaultAction");
}

function checkContent(input: WebAclContent, scope: WafScope): RuleFacts {
  checkDescription(input.Description);
  checkVisibilityConfig(input.VisibilityConfig, "visibilityConfig");
  checkCustomResponseBodies(input.CustomResponseBodies, "WebACL");
  checkDefaultAction(input.DefaultAction, input.CustomResponseBodies);
  const captcha = input.CaptchaConfig?.ImmunityTimeProperty?.ImmunityTime;
  if (captcha !== undefined) checkRange("captchaConfig.immunityTimeProperty.immunityTime", captcha, 60, 259_200);
  const challenge = input.ChallengeConfig?.ImmunityTimeProperty?.ImmunityTime;
  if (challenge !== undefined) checkRange("challengeConfig.immunityTimeProperty.immunityTime", challenge, 300, 259_200);
  const domains = input.TokenDomains ?? [];
  if (domains.length > MAX_TOKEN_DOMAINS) throw limitsExceeded("WebACL");
  for (const d of domains) {
    checkString("tokenDomains.member", d, 1, 253);
    if (!TOKEN_DOMAIN.test(d) || d.startsWith(".") || d.endsWith(".")) throw invalidParameter("TOKEN_DOMAIN", d, "The token domain isn't valid.");
  }
  for (const [type, cfg] of Object.entries(input.AssociationConfig?.RequestBody ?? {})) {
    const allowed = scope === "CLOUDFRONT" ? type === "CLOUDFRONT" : REGIONAL_BODY_TYPES.includes(type);
    if (!allowed) throw invalidParameter("ASSOCIATED_RESOURCE_TYPE", type, "The associated resource type isn't valid for this scope.");
    if (!SIZE_LIMITS.includes(cfg?.DefaultSizeInspectionLimit ?? "")) throw invalidParameter("ASSOCIATED_RESOURCE_TYPE", String(cfg?.DefaultSizeInspectionLimit), "The size inspection limit isn't valid.");
  }
  return checkRules(input.Rules ?? [], "webacl", input.CustomResponseBodies);
}

/** References, managed rule groups and capacity, inside the transaction; returns the WCUs used. */
async function checkFit(deps: WafDomainDeps, tx: DocStore, w: Where, input: WebAclContent, facts: RuleFacts, shared: SharedRuleGroups): Promise<number> {
  const snapshot = await loadReferences(tx, facts.refs, w, shared);
  for (const g of managedGroupsOf(input.Rules ?? [])) {
    if (!deps.engine.describeManagedRuleGroup(g.vendor, g.name, g.version)) throw nonexistentItem();
  }
  const capacity = deps.engine.capacity(input.Rules ?? [], snapshot, input.CustomResponseBodies);
  if (capacity > deps.webAclCapacityLimit) throw invalidParameter("WEB_ACL", String(capacity), CAPACITY_EXCEEDED);
  return capacity;
}

function specOf(rec: { name: string; id: string; arn: string; accountId: string }, capacity: number, input: WebAclContent): WebACL {
  const opt = <K extends keyof WebAclContent>(k: K): Partial<Pick<WebACL, K & keyof WebACL>> =>
    input[k] !== undefined ? ({ [k]: input[k] } as Partial<Pick<WebACL, K & keyof WebACL>>) : {};
  return {
    Name: rec.name,
    Id: rec.id,
    ARN: rec.arn,
    DefaultAction: input.DefaultAction,
    ...opt("Description"),
    Rules: input.Rules ?? [],
    VisibilityConfig: input.VisibilityConfig,
    ...opt("DataProtectionConfig"),
    Capacity: capacity,
    PreProcessFirewallManagerRuleGroups: [],
    PostProcessFirewallManagerRuleGroups: [],
    ManagedByFirewallManager: false,
    LabelNamespace: webAclLabelNamespace(rec.accountId, rec.name),
    ...opt("CustomResponseBodies"),
    ...opt("CaptchaConfig"),
    ...opt("ChallengeConfig"),
    ...opt("TokenDomains"),
    ...opt("AssociationConfig"),
    RetrofittedByFirewallManager: false,
    ...opt("OnSourceDDoSProtectionConfig"),
    ...opt("ApplicationConfig"),
  };
}

/** `shared`: other accounts' rule groups the caller was authorised to use (authorizeReferences). */
export async function createWebAcl(deps: WafDomainDeps, c: Caller, scope: WafScope, input: CreateWebACLRequest, shared: SharedRuleGroups = new Set()): Promise<EntityRecord> {
  const name = input.Name as string;
  checkName(name);
  const facts = checkContent(input, scope);
  const tags = input.Tags ? checkTags(input.Tags) : [];
  const id = randomUUID();
  const arn = entityArn("webacl", scope, c.region, c.accountId, name, id);
  const w = where(c, scope);
  return deps.store.transaction(async (tx) => {
    const capacity = await checkFit(deps, tx, w, input, facts, shared);
    const rec: EntityRecord = {
      kind: "webacl", id, name, scope, region: c.region, accountId: c.accountId, arn, lockToken: newLockToken(),
      ...(input.Description !== undefined ? { description: input.Description } : {}),
      spec: toStoredJson(specOf({ name, id, arn, accountId: c.accountId }, capacity, input)),
      refs: facts.refs.map((r) => r.arn), tags, createdAt: c.now, updatedAt: c.now,
    };
    await insertEntity(tx, rec);
    return rec;
  });
}

export function webAclView(rec: EntityRecord): { WebACL: WebACL; LockToken: string } {
  return { WebACL: fromStoredJson<WebACL>(rec.spec), LockToken: rec.lockToken };
}

export async function requireWebAcl(deps: WafDomainDeps, c: Caller, scope: WafScope, name: string, id: string): Promise<EntityRecord> {
  return requireEntity(deps.store, "webacl", where(c, scope), name, id);
}

export async function updateWebAcl(deps: WafDomainDeps, c: Caller, scope: WafScope, input: UpdateWebACLRequest, shared: SharedRuleGroups = new Set()): Promise<string> {
  const facts = checkContent(input, scope);
  const w = where(c, scope);
  const { token, arn } = await deps.store.transaction(async (tx) => {
    const rec = await requireEntity(tx, "webacl", w, input.Name as string, input.Id as string);
    checkLock(rec, input.LockToken as string);
    const capacity = await checkFit(deps, tx, w, input, facts, shared);
    const { description: _old, ...base } = rec;
    const next: EntityRecord = {
      ...base,
      ...(input.Description !== undefined ? { description: input.Description } : {}),
      spec: toStoredJson(specOf(rec, capacity, input)),
      refs: facts.refs.map((r) => r.arn),
    };
    return { token: await replaceEntity(tx, next, c.now), arn: rec.arn };
  });
  await deps.changes.entitiesChanged(w, [arn]);
  return token;
}

/**
 * Deletes a web ACL that protects nothing. Associations of resources that no longer exist
 * (`isLive` false: a deleted load balancer drops its association in AWS) are removed with it.
 * `isLive` reads other services' storage, so it runs before the transaction, never inside.
 */
export async function deleteWebAcl(
  deps: WafDomainDeps,
  c: Caller,
  scope: WafScope,
  name: string,
  id: string,
  lockToken: string,
  isLive: (resourceArn: string) => Promise<boolean>,
): Promise<{ rec: EntityRecord; removedAssociations: string[] }> {
  const w = where(c, scope);
  const arn = entityArn("webacl", scope, c.region, c.accountId, name, id);
  const stale = new Set<string>();
  for (const a of await associationsOf(deps.store, c.accountId, c.region, arn)) {
    if (!(await isLive(a.resourceArn))) stale.add(a.resourceArn);
  }
  return deps.store.transaction(async (tx) => {
    const rec = await requireEntity(tx, "webacl", w, name, id);
    checkLock(rec, lockToken);
    const current = await associationsOf(tx, c.accountId, c.region, rec.arn);
    if (current.some((a) => !stale.has(a.resourceArn))) throw associatedItem();
    for (const a of current) await deleteAssociation(tx, c.accountId, c.region, a.resourceArn);
    await removeEntity(tx, rec);
    await tx.delete(LOGGING_COLLECTION, loggingKey(c.accountId, c.region, rec.arn));
    return { rec, removedAssociations: current.map((a) => a.resourceArn) };
  });
}
