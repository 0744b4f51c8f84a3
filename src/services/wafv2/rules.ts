/**
 * Structural checks of rule lists that belong to the control plane (the model's constraints on
 * every nested member, through rule-shapes.ts; then names and priorities, actions vs override
 * actions, where rule-group statements may appear, custom response bodies), and the facts the
 * control plane derives from rules: the ARNs they reference and the labels they add and match.
 * What only the engine can judge (a FieldToMatch with one component, a regular expression that
 * compiles, costs) is checked through its capacity calculation.
 */
import type { CustomResponseBody, Rule, RuleAction, Statement } from "@aws-sdk/client-wafv2";
import { duplicateItem, invalidParameter, limitsExceeded, type LimitSource } from "./errors.js";
import { checkString, ENTITY_NAME, METRIC_NAME } from "./input.js";
import { checkRuleShapes } from "./rule-shapes.js";

export type RuleOwner = "webacl" | "rulegroup";

const CONTENT_TYPES = ["APPLICATION_JSON", "TEXT_HTML", "TEXT_PLAIN"];
const MAX_RESPONSE_BODIES = 50;
const MAX_RESPONSE_BODY_LENGTH = 10_240;

export interface RuleFacts {
  /** Referenced IP set / regex pattern set / rule group ARNs, each once, in first-seen order. */
  refs: Array<{ arn: string; kind: "ipset" | "regexpatternset" | "rulegroup" }>;
  /** Label names added by RuleLabels (as written). */
  addedLabels: string[];
  /** Label keys matched by LabelMatchStatements. */
  matchedLabels: string[];
}

/** Metric names WAF keeps for itself. */
const RESERVED_METRIC_NAMES = new Set(["All", "Default_Action"]);

export function checkVisibilityConfig(v: { MetricName?: string | undefined } | undefined, path: string): void {
  const name = v?.MetricName ?? "";
  checkString(`${path}.metricName`, name, 1, 255, METRIC_NAME);
  if (RESERVED_METRIC_NAMES.has(name)) throw invalidParameter("METRIC_NAME", name, "The metric name is reserved.");
}

export function checkCustomResponseBodies(bodies: Record<string, CustomResponseBody> | undefined, source: LimitSource): void {
  if (!bodies) return;
  const keys = Object.keys(bodies);
  if (keys.length > MAX_RESPONSE_BODIES) throw limitsExceeded(source);
  for (const k of keys) {
    checkString("customResponseBodies.key", k, 1, 128, ENTITY_NAME);
    const b = bodies[k] as CustomResponseBody;
    if (!CONTENT_TYPES.includes(b.ContentType ?? "")) throw invalidParameter("RESPONSE_CONTENT_TYPE", String(b.ContentType), "The content type isn't valid.");
    checkString(`customResponseBodies.${k}.member.content`, b.Content ?? "", 1, MAX_RESPONSE_BODY_LENGTH);
  }
}

/** Checks a rule list and returns what the rules reference. */
export function checkRules(
  rules: readonly Rule[],
  owner: RuleOwner,
  bodies: Record<string, CustomResponseBody> | undefined,
  opts: { anyBodyKey?: boolean } = {},
): RuleFacts {
  const facts: RuleFacts = { refs: [], addedLabels: [], matchedLabels: [] };
  const names = new Set<string>();
  const priorities = new Set<number>();
  checkRuleShapes(rules);
  rules.forEach((rule, i) => {
    const path = `rules.${i + 1}.member`;
    const name = rule.Name ?? "";
    checkVisibilityConfig(rule.VisibilityConfig, `${path}.visibilityConfig`);
    if (names.has(name) || priorities.has(rule.Priority as number)) throw duplicateItem();
    names.add(name);
    priorities.add(rule.Priority as number);
    const st = rule.Statement ?? {};
    const groupStatement = Boolean(st.RuleGroupReferenceStatement || st.ManagedRuleGroupStatement);
    if (groupStatement) {
      if (owner === "rulegroup") {
        throw invalidParameter(st.RuleGroupReferenceStatement ? "RULE_GROUP_REFERENCE_STATEMENT" : "MANAGED_RULE_SET_STATEMENT", name, "A rule group can't contain rule group statements.");
      }
      if (rule.Action) throw invalidParameter("RULE_ACTION", name, "A rule that uses a rule group can't specify an action; use OverrideAction.");
      if (!rule.OverrideAction || memberCount(rule.OverrideAction) !== 1) throw invalidParameter("OVERRIDE_ACTION", name, "You have used none or multiple values for a field that requires exactly one value.");
    } else {
      if (rule.OverrideAction) throw invalidParameter("OVERRIDE_ACTION", name, "Only rules that use a rule group can specify an override action.");
      if (!rule.Action || memberCount(rule.Action) !== 1) throw invalidParameter("RULE_ACTION", name, "You have used none or multiple values for a field that requires exactly one value.");
      // CheckCapacity sees rules without the entity that defines their response bodies.
      if (!opts.anyBodyKey) checkCustomResponseKey(rule.Action, bodies, name);
    }
    for (const l of rule.RuleLabels ?? []) facts.addedLabels.push(l.Name as string);
    walkStatement(st, facts, name, true);
  });
  return facts;
}

/** Block actions may name a custom response body, which must be defined on the same entity. */
export function checkCustomResponseKey(action: RuleAction | { Block?: RuleAction["Block"] }, bodies: Record<string, CustomResponseBody> | undefined, parameter: string): void {
  const key = action.Block?.CustomResponse?.CustomResponseBodyKey;
  if (key !== undefined && !(bodies && Object.hasOwn(bodies, key))) throw invalidParameter("CUSTOM_RESPONSE_BODY", key, `The custom response body key isn't defined (rule ${parameter}).`);
  const code = action.Block?.CustomResponse?.ResponseCode;
  if (action.Block?.CustomResponse && (code === undefined || !Number.isInteger(code) || code < 200 || code > 599)) {
    throw invalidParameter("CUSTOM_RESPONSE", String(code), "The response code isn't valid.");
  }
}

function memberCount(o: object): number {
  return Object.values(o).filter((v) => v !== undefined && v !== null).length;
}

function addRef(facts: RuleFacts, arn: string | undefined, kind: RuleFacts["refs"][number]["kind"]): void {
  if (arn === undefined) return;
  if (!facts.refs.some((r) => r.arn === arn)) facts.refs.push({ arn, kind });
}

function walkStatement(st: Statement, facts: RuleFacts, ruleName: string, top: boolean): void {
  if (memberCount(st) !== 1) throw invalidParameter("STATEMENT", ruleName, "You have used none or multiple values for a field that requires exactly one value.");
  if (!top && (st.RuleGroupReferenceStatement || st.ManagedRuleGroupStatement)) {
    throw invalidParameter(st.RuleGroupReferenceStatement ? "RULE_GROUP_REFERENCE_STATEMENT" : "MANAGED_RULE_SET_STATEMENT", ruleName, "A rule group statement can't be nested.");
  }
  if (!top && st.RateBasedStatement) throw invalidParameter("RATE_BASED_STATEMENT", ruleName, "A rate-based statement can't be nested.");
  addRef(facts, st.IPSetReferenceStatement?.ARN, "ipset");
  addRef(facts, st.RegexPatternSetReferenceStatement?.ARN, "regexpatternset");
  addRef(facts, st.RuleGroupReferenceStatement?.ARN, "rulegroup");
  if (st.LabelMatchStatement?.Key !== undefined) facts.matchedLabels.push(st.LabelMatchStatement.Key);
  for (const s of st.AndStatement?.Statements ?? []) walkStatement(s, facts, ruleName, false);
  for (const s of st.OrStatement?.Statements ?? []) walkStatement(s, facts, ruleName, false);
  if (st.NotStatement?.Statement) walkStatement(st.NotStatement.Statement, facts, ruleName, false);
  if (st.RateBasedStatement?.ScopeDownStatement) walkStatement(st.RateBasedStatement.ScopeDownStatement, facts, ruleName, false);
  if (st.ManagedRuleGroupStatement?.ScopeDownStatement) walkStatement(st.ManagedRuleGroupStatement.ScopeDownStatement, facts, ruleName, false);
}

/**
 * The ARNs of the IP sets, regex pattern sets and rule groups the rules reference, in order of
 * first use, read before the rules are checked (authorisation comes first): a member that is not
 * a string is skipped, and statements nested deeper than any valid rule nests are not walked.
 */
export function referencedArns(rules: unknown): string[] {
  const out = new Set<string>();
  const add = (ref: unknown): void => {
    const arn = typeof ref === "object" && ref !== null ? (ref as { ARN?: unknown }).ARN : undefined;
    if (typeof arn === "string") out.add(arn);
  };
  const walk = (st: unknown, depth: number): void => {
    // More references than any web ACL's capacity admits (each costs at least one WCU) make the
    // request invalid anyway: the rest are not collected (nor authorised one by one).
    if (typeof st !== "object" || st === null || depth > 20 || out.size > MAX_REFERENCES) return;
    const s = st as Statement;
    add(s.IPSetReferenceStatement);
    add(s.RegexPatternSetReferenceStatement);
    add(s.RuleGroupReferenceStatement);
    for (const list of [s.AndStatement?.Statements, s.OrStatement?.Statements]) if (Array.isArray(list)) for (const x of list) walk(x, depth + 1);
    walk(s.NotStatement?.Statement, depth + 1);
    walk(s.RateBasedStatement?.ScopeDownStatement, depth + 1);
    walk(s.ManagedRuleGroupStatement?.ScopeDownStatement, depth + 1);
  };
  if (Array.isArray(rules)) for (const r of rules) if (typeof r === "object" && r !== null) walk((r as Rule).Statement, 0);
  return [...out];
}

/** Most references a valid request can hold: 5,000 WCUs, the largest web ACL capacity, at one WCU each. */
const MAX_REFERENCES = 5_000;

/** Managed rule groups the rules use, as VendorName/Name/Version. */
export function managedGroupsOf(rules: readonly Rule[]): Array<{ vendor: string; name: string; version?: string }> {
  const out: Array<{ vendor: string; name: string; version?: string }> = [];
  for (const r of rules) {
    const m = r.Statement?.ManagedRuleGroupStatement;
    if (m) out.push({ vendor: m.VendorName ?? "", name: m.Name ?? "", ...(m.Version !== undefined ? { version: m.Version } : {}) });
  }
  return out;
}

/**
 * Stand-in response bodies for every key the rules name (CheckCapacity sees rules without
 * the entity that defines their bodies, and must not fail on them).
 */
export function placeholderBodies(rules: readonly Rule[]): Record<string, CustomResponseBody> {
  const out: Record<string, CustomResponseBody> = {};
  for (const r of rules) {
    const key = r.Action?.Block?.CustomResponse?.CustomResponseBodyKey;
    if (key !== undefined) Object.defineProperty(out, key, { value: { ContentType: "TEXT_PLAIN", Content: "-" }, enumerable: true });
  }
  return out;
}
