/**
 * Rule group sharing (PutPermissionPolicy, GetPermissionPolicy, DeletePermissionPolicy).
 *
 * The owner of a rule group attaches a policy naming the accounts that may use it; those accounts
 * may then read it (GetRuleGroup, when the policy grants wafv2:GetRuleGroup) and reference it from
 * their own web ACLs (CreateWebACL, UpdateWebACL), where it runs on their traffic as written by
 * its owner, updates included. The policy is the rule group's resource-based policy: a use from
 * another account is evaluated cross-account, so the caller's own IAM policies must allow it too.
 *
 * The policy's form is the one the API reference gives: version 2012-10-17; statements with
 * Effect Allow, a Principal, and exactly the actions wafv2:CreateWebACL, wafv2:UpdateWebACL and
 * wafv2:PutFirewallManagerRuleGroups, optionally wafv2:GetRuleGroup (no other, no wildcard, no
 * NotAction); no Resource (the rule group is the resource). Anything else is
 * WAFInvalidPermissionPolicyException.
 */
import type { DocStore } from "../../storage/types.js";
import { parseEntityArn, type ParsedEntityArn } from "./arn.js";
import type { Caller, WafDomainDeps } from "./domain-deps.js";
import { entityByArn, getEntity, replaceEntity } from "./entities.js";
import { invalidParameter, invalidPermissionPolicy, nonexistentItem } from "./errors.js";
import type { EntityRecord } from "./model.js";

const REQUIRED_ACTIONS = ["wafv2:createwebacl", "wafv2:updatewebacl", "wafv2:putfirewallmanagerrulegroups"];
const OPTIONAL_ACTIONS = ["wafv2:getrulegroup"];
const STATEMENT_KEYS = new Set(["Sid", "Effect", "Principal", "Action", "Condition"]);
const ACCOUNT_ID = /^\d{12}$/;
const IAM_PRINCIPAL = /^arn:aws[a-z-]*:iam::\d{12}:(?:root|user\/.+|role\/.+)$/;

function asList(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [v];
}

/** Throws WAFInvalidPermissionPolicyException unless `text` is a policy AWS WAF accepts for sharing a rule group. */
export function checkPermissionPolicy(text: string): void {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw invalidPermissionPolicy("The policy isn't valid JSON.");
  }
  if (doc === null || typeof doc !== "object" || Array.isArray(doc)) throw invalidPermissionPolicy("The policy must be a JSON object.");
  const { Version, Statement, ...rest } = doc as Record<string, unknown>;
  if (Version !== "2012-10-17") throw invalidPermissionPolicy("The policy must use IAM policy version 2012-10-17.");
  for (const k of Object.keys(rest)) if (k !== "Id") throw invalidPermissionPolicy(`The policy element ${k} isn't supported.`);
  const statements = asList(Statement);
  if (Statement === undefined || statements.length === 0) throw invalidPermissionPolicy("The policy must have a statement.");
  for (const st of statements) {
    if (st === null || typeof st !== "object" || Array.isArray(st)) throw invalidPermissionPolicy("Each statement must be a JSON object.");
    const s = st as Record<string, unknown>;
    for (const k of Object.keys(s)) {
      if (k === "Resource" || k === "NotResource") throw invalidPermissionPolicy("The policy must not include a Resource: the rule group is the resource.");
      if (!STATEMENT_KEYS.has(k)) throw invalidPermissionPolicy(`The statement element ${k} isn't supported.`);
    }
    if (s["Effect"] !== "Allow") throw invalidPermissionPolicy("The Effect of each statement must be Allow.");
    checkPrincipal(s["Principal"]);
    checkActions(s["Action"]);
    if (s["Sid"] !== undefined && typeof s["Sid"] !== "string") throw invalidPermissionPolicy("A statement's Sid must be a string.");
    if (s["Condition"] !== undefined) checkCondition(s["Condition"]);
  }
}

/**
 * Accounts, IAM users and roles, or "*" (every account, usually narrowed by a condition such as
 * aws:PrincipalOrgID or aws:PrincipalOrgPaths to share with an organization or an OU).
 */
function checkPrincipal(p: unknown): void {
  if (p === "*") return;
  if (p === null || typeof p !== "object" || Array.isArray(p)) throw invalidPermissionPolicy("Each statement must name the accounts it shares with as Principal {\"AWS\": …} or \"*\".");
  const keys = Object.keys(p);
  if (keys.length !== 1 || keys[0] !== "AWS") throw invalidPermissionPolicy("The Principal must be {\"AWS\": …}: accounts, or IAM users and roles.");
  const values = asList((p as Record<string, unknown>)["AWS"]);
  if (values.length === 0) throw invalidPermissionPolicy("The Principal names no account.");
  for (const v of values) {
    if (typeof v !== "string" || !(v === "*" || ACCOUNT_ID.test(v) || IAM_PRINCIPAL.test(v))) {
      throw invalidPermissionPolicy(`The principal ${JSON.stringify(v)} isn't an account id or an IAM account, user or role ARN.`);
    }
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);
const isScalar = (v: unknown): boolean => typeof v === "string" || typeof v === "number" || typeof v === "boolean";

/** IAM's condition block: operator → condition key → a value or a list of values. */
function checkCondition(c: unknown): void {
  if (!isObject(c)) throw invalidPermissionPolicy("The Condition must be a JSON object.");
  for (const keys of Object.values(c)) {
    if (!isObject(keys)) throw invalidPermissionPolicy("Each condition operator must map condition keys to values.");
    for (const v of Object.values(keys)) {
      if (!(isScalar(v) || (Array.isArray(v) && v.every(isScalar)))) throw invalidPermissionPolicy("A condition key's value must be a string, number or boolean, or a list of them.");
    }
  }
}

function checkActions(a: unknown): void {
  if (a === undefined) throw invalidPermissionPolicy("Each statement must have an Action.");
  const actions = asList(a);
  const seen = new Set<string>();
  for (const v of actions) {
    if (typeof v !== "string") throw invalidPermissionPolicy("Actions must be strings.");
    const l = v.toLowerCase();
    if (!REQUIRED_ACTIONS.includes(l) && !OPTIONAL_ACTIONS.includes(l)) {
      throw invalidPermissionPolicy(`The action ${v} isn't allowed: use wafv2:CreateWebACL, wafv2:UpdateWebACL and wafv2:PutFirewallManagerRuleGroups, and optionally wafv2:GetRuleGroup.`);
    }
    seen.add(l);
  }
  for (const r of REQUIRED_ACTIONS) {
    if (!seen.has(r)) throw invalidPermissionPolicy("The Action must include wafv2:CreateWebACL, wafv2:UpdateWebACL and wafv2:PutFirewallManagerRuleGroups.");
  }
}

/**
 * The stored policy as the authoriser evaluates it: each statement applies to the rule group
 * itself (the stored text has no Resource).
 */
export function evaluatedPolicy(text: string, ruleGroupArn: string): string {
  const doc = JSON.parse(text) as { Statement: unknown };
  const statements = asList(doc.Statement).map((s) => ({ ...(s as Record<string, unknown>), Resource: ruleGroupArn }));
  return JSON.stringify({ ...doc, Statement: statements });
}

/** A rule group ARN of the caller's account and Region: its record, or WAFNonexistentItemException. */
async function ownRuleGroup(db: DocStore, c: Caller, arn: string): Promise<EntityRecord> {
  const p = parseEntityArn(arn);
  if (!p || p.kind !== "rulegroup") throw invalidParameter("RESOURCE_ARN", arn, "The ARN isn't a rule group ARN.");
  const rec = await entityByArn(db, arn, c.accountId, c.region, "rulegroup");
  if (!rec) throw nonexistentItem();
  return rec;
}

export async function putPermissionPolicy(deps: WafDomainDeps, c: Caller, arn: string, policy: string): Promise<void> {
  checkPermissionPolicy(policy);
  await deps.store.transaction(async (tx) => {
    const rec = await ownRuleGroup(tx, c, arn);
    await replaceEntity(tx, { ...rec, permissionPolicy: policy }, c.now, { keepToken: true });
  });
}

export async function getPermissionPolicy(deps: WafDomainDeps, c: Caller, arn: string): Promise<{ Policy?: string }> {
  const rec = await ownRuleGroup(deps.store, c, arn);
  return rec.permissionPolicy === undefined ? {} : { Policy: rec.permissionPolicy };
}

export async function deletePermissionPolicy(deps: WafDomainDeps, c: Caller, arn: string): Promise<void> {
  await deps.store.transaction(async (tx) => {
    const rec = await ownRuleGroup(tx, c, arn);
    if (rec.permissionPolicy === undefined) return;
    const { permissionPolicy: _gone, ...rest } = rec;
    await replaceEntity(tx, rest, c.now, { keepToken: true });
  });
}

/**
 * A rule group of another account named by ARN (in the caller's Region), for a use the rule
 * group's permission policy may allow; undefined when the ARN names no rule group there.
 */
export async function foreignRuleGroup(db: DocStore, p: ParsedEntityArn, arn: string): Promise<EntityRecord | undefined> {
  if (p.kind !== "rulegroup") return undefined;
  const rec = await getEntity(db, "rulegroup", { accountId: p.accountId, region: p.region, scope: p.scope }, p.id);
  return rec && rec.arn === arn ? rec : undefined;
}
