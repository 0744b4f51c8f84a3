/**
 * The grammar of management policies (Organizations User Guide, "Understanding management policy
 * inheritance" and each type's syntax page), parsed into the tree inheritance.ts merges.
 *
 * A document is a JSON object whose top-level key is the type's fixed key (for example "tags").
 * Below it, every object is a node: its plain keys name child nodes (each an object), and its
 * "@@" keys are inheritance operators:
 *   - value-setting operators: "@@assign" (a scalar or an array of scalars), "@@append" and
 *     "@@remove" (arrays: they apply to multi-valued settings only). A node that sets a value is
 *     a setting and has no child nodes; it uses one value-setting operator, since the guide gives
 *     a meaning to each alone and none to their combination;
 *   - the child control operator "@@operators_allowed_for_child_policies": a non-empty array of
 *     "@@all", "@@none" or value-setting operators ("@@all" and "@@none" alone).
 * A plain value where a node belongs (what an effective policy shows) is refused: the guide notes
 * an effective policy cannot be used as a policy because it lacks the operators.
 * Keys are compared without regard to case (policy keys are not case sensitive); two keys of one
 * object that differ only in case are refused. The guide gives no nesting limit; MAX_DEPTH bounds
 * the recursion well beyond the deepest documented policy (backup copy actions, eight levels).
 *
 * Type rules checked here, from the syntax pages: tag policies (a tag_key is assigned a single
 * string equal to its policy key but for case; tag values allow one "*" each; enforced_for names
 * "service:resource" and never all services; only tag_key, tag_value, enforced_for and
 * report_required_tag_for), AI services opt-out policies (only opt_out_policy under a service,
 * only @@assign of "optIn" or "optOut").
 */
import type { ManagementPolicyType } from "./model.js";
import { MANAGEMENT_TYPES } from "./policy-types.js";

export type Scalar = string | number | boolean;
export type SettingValue = Scalar | Scalar[];
export type ValueOperator = "@@assign" | "@@append" | "@@remove";

export const VALUE_OPERATORS: readonly ValueOperator[] = ["@@assign", "@@append", "@@remove"];
const CHILD_CONTROL = "@@operators_allowed_for_child_policies";

export interface PolicyNode {
  /** Child nodes by lower-cased key, in document order. */
  readonly children: ReadonlyMap<string, PolicyNode>;
  /** The value-setting operator of a setting and its operand. */
  readonly set?: { readonly op: ValueOperator; readonly value: SettingValue };
  /** The operators this node lets child policies use here (@@operators_allowed_for_child_policies). */
  readonly allowed?: ReadonlySet<ValueOperator>;
}

/** Keys from the top-level key (level 1) down to a setting. */
export const MAX_DEPTH = 32;

/** Why a document does not follow the grammar (the detail of MalformedPolicyDocumentException). */
export class ManagementPolicyError extends Error {}

const fail = (path: string[], what: string): never => {
  throw new ManagementPolicyError(path.length > 0 ? `${what} at ${path.join("/")}` : what);
};

const isScalar = (v: unknown): v is Scalar => typeof v === "string" || typeof v === "boolean" || (typeof v === "number" && Number.isFinite(v));
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

function scalars(v: unknown, path: string[], op: string): Scalar[] {
  if (!Array.isArray(v)) return fail(path, `${op} takes an array of values`);
  for (const x of v) if (!isScalar(x)) fail(path, `${op} takes strings, numbers or booleans`);
  return v as Scalar[];
}

function childControl(v: unknown, path: string[]): ReadonlySet<ValueOperator> {
  if (!Array.isArray(v) || v.length === 0) return fail(path, `${CHILD_CONTROL} takes a non-empty array`);
  const ops = new Set<ValueOperator>();
  for (const x of v) {
    if (x === "@@all" || x === "@@none") {
      if (v.length > 1) fail(path, `${x} stands alone in ${CHILD_CONTROL}`);
      return x === "@@all" ? new Set(VALUE_OPERATORS) : new Set();
    }
    if (!VALUE_OPERATORS.includes(x as ValueOperator)) fail(path, `${CHILD_CONTROL} names an unknown operator`);
    ops.add(x as ValueOperator);
  }
  return ops;
}

function node(v: unknown, path: string[]): PolicyNode {
  if (!isObject(v)) return fail(path, "a policy element must be an object of keys and operators");
  if (path.length > MAX_DEPTH) fail(path, `the policy is nested deeper than ${MAX_DEPTH} levels`);
  const children = new Map<string, PolicyNode>();
  let set: PolicyNode["set"];
  let allowed: ReadonlySet<ValueOperator> | undefined;
  for (const [key, value] of Object.entries(v)) {
    if (key.startsWith("@@")) {
      if (key === CHILD_CONTROL) {
        allowed = childControl(value, path);
      } else if (VALUE_OPERATORS.includes(key as ValueOperator)) {
        if (set) fail(path, "a setting takes one value-setting operator");
        const op = key as ValueOperator;
        if (op === "@@assign" && isScalar(value)) set = { op, value };
        else set = { op, value: scalars(value, path, op) };
      } else {
        fail(path, `unknown operator ${key}`);
      }
      continue;
    }
    if (key.length === 0) fail(path, "a policy key must not be empty");
    const lower = key.toLowerCase();
    if (children.has(lower)) fail(path, `the key ${key} appears twice`);
    children.set(lower, node(value, [...path, lower]));
  }
  if (set && children.size > 0) fail(path, "a setting has no keys of its own besides operators");
  return { children, ...(set ? { set } : {}), ...(allowed ? { allowed } : {}) };
}

/** Parses and checks a management policy of `type`; throws ManagementPolicyError. */
export function parseManagementPolicy(type: ManagementPolicyType, content: string): PolicyNode {
  let doc: unknown;
  try {
    doc = JSON.parse(content);
  } catch {
    return fail([], "the policy is not valid JSON");
  }
  if (!isObject(doc)) return fail([], "the policy must be a JSON object");
  const rootKey = MANAGEMENT_TYPES[type].rootKey;
  const keys = Object.keys(doc);
  if (keys.length === 0) fail([], "the policy is empty");
  if (keys.some((k) => k.startsWith("@@"))) fail([], "operators belong below the policy's top-level key");
  if (rootKey !== undefined && (keys.length !== 1 || keys[0] !== rootKey)) fail([], `the policy must have the single top-level key ${rootKey}`);
  const root = node(doc, []);
  TYPE_CHECKS[type]?.(root);
  return root;
}

const TAG_ELEMENTS = new Set(["tag_key", "tag_value", "enforced_for", "report_required_tag_for"]);
const ENFORCED_FOR = /^[a-z0-9-]+:[^:]+$/;

function valuesOf(n: PolicyNode): Scalar[] {
  const v = n.set?.value;
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

function checkTagPolicy(root: PolicyNode): void {
  for (const [policyKey, entry] of root.children.get("tags")?.children ?? []) {
    const at = ["tags", policyKey];
    if (entry.set) fail(at, "a tag policy key holds tag elements, not a value");
    for (const [element, setting] of entry.children) {
      if (!TAG_ELEMENTS.has(element)) fail(at, `unknown tag policy element ${element}`);
      if (setting.children.size > 0) fail([...at, element], "a tag policy element holds a value");
      if (element === "tag_key" && setting.set) {
        const v = setting.set.value;
        if (setting.set.op !== "@@assign" || typeof v !== "string") fail([...at, element], "tag_key takes @@assign of one string");
        if ((v as string).toLowerCase() !== policyKey) fail([...at, element], "tag_key must match its policy key but for case");
      }
      for (const v of valuesOf(setting)) {
        if (typeof v !== "string") fail([...at, element], `${element} takes strings`);
        if (element === "tag_value" && (v as string).split("*").length > 2) fail([...at, element], "a tag value takes at most one wildcard");
        if ((element === "enforced_for" || element === "report_required_tag_for") && (!ENFORCED_FOR.test(v as string) || (v as string).startsWith("*")))
          fail([...at, element], `${element} names service:resource types of one service`);
      }
    }
  }
}

function checkAiOptOutPolicy(root: PolicyNode): void {
  for (const [service, entry] of root.children.get("services")?.children ?? []) {
    const at = ["services", service];
    if (entry.set) fail(at, "a service key holds opt_out_policy, not a value");
    for (const [key, setting] of entry.children) {
      if (key !== "opt_out_policy") fail(at, "opt_out_policy is the only key under a service");
      if (setting.children.size > 0) fail([...at, key], "opt_out_policy holds a value");
      if (setting.set && (setting.set.op !== "@@assign" || (setting.set.value !== "optIn" && setting.set.value !== "optOut")))
        fail([...at, key], 'opt_out_policy takes only @@assign of "optIn" or "optOut"');
    }
  }
}

const TYPE_CHECKS: Partial<Record<ManagementPolicyType, (root: PolicyNode) => void>> = {
  TAG_POLICY: checkTagPolicy,
  AISERVICES_OPT_OUT_POLICY: checkAiOptOutPolicy,
};
