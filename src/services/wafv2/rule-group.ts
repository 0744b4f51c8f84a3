/**
 * RuleGroup aggregate. Capacity is fixed at creation; every save checks that the rules fit
 * (WAFInvalidParameterException, field RULE_GROUP, as AWS words it) and that every
 * referenced IP set / regex pattern set exists in the same account, region and scope.
 */
import { randomUUID } from "node:crypto";
import type { CreateRuleGroupRequest, Rule, RuleGroup, UpdateRuleGroupRequest } from "@aws-sdk/client-wafv2";
import type { DocStore } from "../../storage/types.js";
import { entityArn, type WafScope } from "./arn.js";
import { MAX_RULE_GROUP_CAPACITY, type Caller, type WafDomainDeps } from "./domain-deps.js";
import { checkLock, insertEntity, newLockToken, removeEntity, replaceEntity, requireEntity, webAclsInEveryAccount, type Where } from "./entities.js";
import { associatedItem, invalidParameter, limitsExceeded } from "./errors.js";
import { checkDescription, checkName, checkRange, checkTags } from "./input.js";
import type { EntityRecord } from "./model.js";
import { checkCustomResponseBodies, checkRules, checkVisibilityConfig, type RuleFacts } from "./rules.js";
import { loadReferences } from "./snapshot.js";
import { fromStoredJson, toStoredJson } from "./stored-json.js";

export const CAPACITY_EXCEEDED = "You exceeded the capacity limit for a rule group or web ACL.";

function where(c: Caller, scope: WafScope): Where {
  return { accountId: c.accountId, region: c.region, scope };
}

export function ruleGroupLabelNamespace(accountId: string, name: string): string {
  return `awswaf:${accountId}:rulegroup:${name}:`;
}

interface RuleGroupContent {
  Description?: string | undefined;
  Rules?: Rule[] | undefined;
  VisibilityConfig?: RuleGroup["VisibilityConfig"];
  CustomResponseBodies?: RuleGroup["CustomResponseBodies"];
}

function checkContent(input: RuleGroupContent): RuleFacts {
  checkDescription(input.Description);
  checkVisibilityConfig(input.VisibilityConfig, "visibilityConfig");
  checkCustomResponseBodies(input.CustomResponseBodies, "RuleGroup");
  return checkRules(input.Rules ?? [], "rulegroup", input.CustomResponseBodies);
}

/** Verifies references and capacity inside the transaction. */
async function checkFit(deps: WafDomainDeps, tx: DocStore, w: Where, input: RuleGroupContent, facts: RuleFacts, capacity: number): Promise<void> {
  const snapshot = await loadReferences(tx, facts.refs, w);
  const needed = deps.engine.capacity(input.Rules ?? [], snapshot, input.CustomResponseBodies);
  if (needed > capacity) throw invalidParameter("RULE_GROUP", String(needed), CAPACITY_EXCEEDED);
}

function specOf(rec: { name: string; id: string; arn: string; accountId: string }, capacity: number, input: RuleGroupContent, facts: RuleFacts): RuleGroup {
  const ns = ruleGroupLabelNamespace(rec.accountId, rec.name);
  return {
    Name: rec.name,
    Id: rec.id,
    Capacity: capacity,
    ARN: rec.arn,
    ...(input.Description !== undefined ? { Description: input.Description } : {}),
    Rules: input.Rules ?? [],
    VisibilityConfig: input.VisibilityConfig,
    LabelNamespace: ns,
    ...(input.CustomResponseBodies ? { CustomResponseBodies: input.CustomResponseBodies } : {}),
    AvailableLabels: [...new Set(facts.addedLabels)].map((l) => ({ Name: l.startsWith("awswaf:") ? l : `${ns}${l}` })),
    ConsumedLabels: [...new Set(facts.matchedLabels)].map((l) => ({ Name: l })),
  };
}

export async function createRuleGroup(deps: WafDomainDeps, c: Caller, scope: WafScope, input: CreateRuleGroupRequest): Promise<EntityRecord> {
  const name = input.Name as string;
  checkName(name);
  const capacity = input.Capacity as number;
  checkRange("capacity", capacity, 1);
  if (capacity > MAX_RULE_GROUP_CAPACITY) throw limitsExceeded("RuleGroup");
  const facts = checkContent(input);
  const tags = input.Tags ? checkTags(input.Tags) : [];
  const id = randomUUID();
  const arn = entityArn("rulegroup", scope, c.region, c.accountId, name, id);
  const spec = specOf({ name, id, arn, accountId: c.accountId }, capacity, input, facts);
  const rec: EntityRecord = {
    kind: "rulegroup", id, name, scope, region: c.region, accountId: c.accountId, arn, lockToken: newLockToken(),
    ...(input.Description !== undefined ? { description: input.Description } : {}),
    spec: toStoredJson(spec), refs: facts.refs.map((r) => r.arn), tags, createdAt: c.now, updatedAt: c.now,
  };
  const w = where(c, scope);
  await deps.store.transaction(async (tx) => {
    await checkFit(deps, tx, w, input, facts, capacity);
    await insertEntity(tx, rec);
  });
  return rec;
}

export function ruleGroupView(rec: EntityRecord): { RuleGroup: RuleGroup; LockToken: string } {
  return { RuleGroup: fromStoredJson<RuleGroup>(rec.spec), LockToken: rec.lockToken };
}

export async function requireRuleGroup(deps: WafDomainDeps, c: Caller, scope: WafScope, name: string, id: string): Promise<EntityRecord> {
  return requireEntity(deps.store, "rulegroup", where(c, scope), name, id);
}

export async function updateRuleGroup(deps: WafDomainDeps, c: Caller, scope: WafScope, input: UpdateRuleGroupRequest): Promise<string> {
  const facts = checkContent(input);
  const w = where(c, scope);
  const { token, arn } = await deps.store.transaction(async (tx) => {
    const rec = await requireEntity(tx, "rulegroup", w, input.Name as string, input.Id as string);
    checkLock(rec, input.LockToken as string);
    const capacity = fromStoredJson<RuleGroup>(rec.spec).Capacity as number;
    await checkFit(deps, tx, w, input, facts, capacity);
    const { description: _old, ...base } = rec;
    const next: EntityRecord = {
      ...base,
      ...(input.Description !== undefined ? { description: input.Description } : {}),
      spec: toStoredJson(specOf(rec, capacity, input, facts)),
      refs: facts.refs.map((r) => r.arn),
    };
    return { token: await replaceEntity(tx, next, c.now), arn: rec.arn };
  });
  await deps.changes.entitiesChanged(w, [arn]);
  return token;
}

export async function deleteRuleGroup(deps: WafDomainDeps, c: Caller, scope: WafScope, name: string, id: string, lockToken: string): Promise<void> {
  const w = where(c, scope);
  await deps.store.transaction(async (tx) => {
    const rec = await requireEntity(tx, "rulegroup", w, name, id);
    checkLock(rec, lockToken);
    // Web ACLs of other accounts count too: the rule group may be shared with them.
    if ((await webAclsInEveryAccount(tx, w.region, w.scope)).some((a) => a.refs.includes(rec.arn))) throw associatedItem();
    await removeEntity(tx, rec);
  });
}
