/**
 * Validation of effective management policies (Organizations User Guide, "About invalid effective
 * policy alerts"): an effective policy is invalid when the merge leaves it missing a required
 * element or beyond a quota of its type, even though each policy was valid on its own. The error
 * codes are the guide's: KEY_REQUIRED (a required configuration is missing), ELEMENTS_TOO_FEW,
 * ELEMENTS_TOO_MANY; paths are slash-separated keys of the effective policy and the message of
 * ELEMENTS_TOO_MANY is worded as in the guide's CloudTrail example ("'hourly_rule' exceeds the
 * allowed maximum limit 10"); the other messages are not documented and follow it.
 *
 * The checks are the requirements each type's syntax page states:
 *   - backup policies: a plan needs rules (at most 10), at least one Region, selections; a rule
 *     needs target_backup_vault_name; a selection needs iam_role_arn;
 *   - Security Hub policies: enable_in_regions and disable_in_regions, at the top and in every
 *     feature (they may be empty);
 *   - Amazon Inspector policies: enable_in_regions and disable_in_regions for every scan type;
 *   - Amazon Bedrock policies: identifier and input_tags in every guardrail configuration.
 * Other types have no documented requirement on the merged document, so nothing is reported.
 */
import { contributorsOf, type EffectiveNode } from "./inheritance.js";
import type { ManagementPolicyType } from "./model.js";

export interface EffectivePolicyValidationError {
  code: "KEY_REQUIRED" | "ELEMENTS_TOO_FEW" | "ELEMENTS_TOO_MANY";
  message: string;
  path: string;
  contributingPolicies: string[];
}

/** Rules in one backup plan (the guide's example: "The limit is 10 backup rules in a plan"). */
export const MAX_BACKUP_RULES = 10;

class Report {
  readonly errors: EffectivePolicyValidationError[] = [];

  add(code: EffectivePolicyValidationError["code"], message: string, path: string[], at: EffectiveNode): void {
    this.errors.push({ code, message, path: path.join("/"), contributingPolicies: contributorsOf(at) });
  }

  /** Each key must hold something in the effective policy. */
  require(n: EffectiveNode, path: string[], ...keys: string[]): void {
    for (const k of keys) if (!holds(n.children.get(k))) this.add("KEY_REQUIRED", `'${k}' is required`, path, n);
  }
}

/** True when the element shows in the effective policy (a value, possibly an empty list, or keys with values). */
function holds(n: EffectiveNode | undefined): n is EffectiveNode {
  if (!n) return false;
  if (n.value !== undefined) return true;
  return [...n.children.values()].some(holds);
}

const entries = (n: EffectiveNode | undefined): Array<[string, EffectiveNode]> => (n ? [...n.children].filter(([, c]) => holds(c)) : []);

function backup(root: EffectiveNode, r: Report): void {
  for (const [name, plan] of entries(root.children.get("plans"))) {
    const at = ["plans", name];
    const rules = entries(plan.children.get("rules"));
    if (rules.length === 0) r.add("KEY_REQUIRED", "'rules' is required", at, plan);
    rules.slice(MAX_BACKUP_RULES).forEach(([rule, n]) => r.add("ELEMENTS_TOO_MANY", `'${rule}' exceeds the allowed maximum limit ${MAX_BACKUP_RULES}`, [...at, "rules", rule], n));
    for (const [rule, n] of rules) r.require(n, [...at, "rules", rule], "target_backup_vault_name");
    const regions = plan.children.get("regions");
    const count = regions?.value === undefined ? 0 : Array.isArray(regions.value) ? regions.value.length : 1;
    if (count === 0) r.add("ELEMENTS_TOO_FEW", "'regions' does not meet the allowed minimum limit 1", regions && holds(regions) ? [...at, "regions"] : at, regions ?? plan);
    const selections = plan.children.get("selections");
    if (!holds(selections)) r.add("KEY_REQUIRED", "'selections' is required", at, plan);
    for (const [kind, group] of entries(selections)) {
      for (const [sel, n] of entries(group)) r.require(n, [...at, "selections", kind, sel], "iam_role_arn");
    }
  }
}

const REGION_LISTS = ["enable_in_regions", "disable_in_regions"];

function securityHub(root: EffectiveNode, r: Report): void {
  const hub = root.children.get("securityhub");
  if (!holds(hub)) return;
  r.require(hub, ["securityhub"], ...REGION_LISTS);
  for (const [feature, n] of entries(hub.children.get("features"))) r.require(n, ["securityhub", "features", feature], ...REGION_LISTS);
}

function inspector(root: EffectiveNode, r: Report): void {
  for (const [scan, n] of entries(root.children.get("inspector")?.children.get("enablement"))) r.require(n, ["inspector", "enablement", scan], ...REGION_LISTS);
}

function bedrock(root: EffectiveNode, r: Report): void {
  for (const [region, configs] of entries(root.children.get("bedrock")?.children.get("guardrail_inference"))) {
    for (const [config, n] of entries(configs)) r.require(n, ["bedrock", "guardrail_inference", region, config], "identifier", "input_tags");
  }
}

const VALIDATORS: Partial<Record<ManagementPolicyType, (root: EffectiveNode, r: Report) => void>> = {
  BACKUP_POLICY: backup,
  SECURITYHUB_POLICY: securityHub,
  INSPECTOR_POLICY: inspector,
  BEDROCK_POLICY: bedrock,
};

/** The policy types whose effective policies can be invalid. */
export const VALIDATED_POLICY_TYPES = Object.keys(VALIDATORS) as ManagementPolicyType[];

/** The validation errors of an effective policy of `type`, in document order (none: valid). */
export function validateEffectivePolicy(type: ManagementPolicyType, root: EffectiveNode): EffectivePolicyValidationError[] {
  const r = new Report();
  VALIDATORS[type]?.(root, r);
  return r.errors;
}
