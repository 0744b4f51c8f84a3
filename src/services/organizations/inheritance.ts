/**
 * Management policy inheritance (Organizations User Guide, "Understanding management policy
 * inheritance": inheritance operators and the inheritance examples): the policies attached on the
 * path root → OUs → account merge, level by level, into the account's effective policy.
 *
 * Rules, each from the guide:
 *   - levels apply from the root down; a policy attached lower is a child of those above;
 *   - @@assign replaces the inherited value (a single value or a whole array), @@append adds
 *     values to an inherited array, @@remove removes values from it; a setting nobody inherited
 *     is added by @@assign or @@append;
 *   - @@operators_allowed_for_child_policies limits what policies attached lower may do: on a
 *     setting, which operators may change its value; on an element above settings (the AI
 *     services opt-out guide: under "services", under a service key), whether policies lower
 *     down may add keys there, and with which operators. Limits only narrow: limits inherited
 *     from several policies intersect, and a child cannot widen them. A use the limits forbid is
 *     left out of the effective policy; the rest of that policy still applies;
 *   - limits set at one level bind the levels below it, not the other policies attached beside
 *     them ("the intersection ... is used for child policies");
 *   - policies attached to the same node apply in the order they were attached, and a value one
 *     of them assigned is not reassigned by a policy attached later to that node (the guide's
 *     example 6: the first attached policy's tag key wins); @@append and @@remove still combine.
 * Choices where the guide says nothing: appended values already present are not repeated; an
 * array emptied by @@remove stays as an empty array (empty lists are meaningful, for example
 * Security Hub's disable_in_regions); a policy that puts a value where others built keys, or
 * keys under a value, is left out at that point. The effective policy shows values without
 * operators, keys in lower case, and leaves out elements that hold no value.
 */
import type { PolicyNode, Scalar, SettingValue, ValueOperator } from "./management-policy.js";

/** One element of an effective policy while it is merged. */
export interface EffectiveNode {
  readonly children: Map<string, EffectiveNode>;
  value?: SettingValue;
  /** Operators policies attached lower may use here (undefined: all). */
  allowed?: Set<ValueOperator>;
  /** Ids of the policies that created this element or wrote its value. */
  readonly contributors: Set<string>;
}

export interface AttachedPolicy {
  policyId: string;
  document: PolicyNode;
}

const newNode = (): EffectiveNode => ({ children: new Map(), contributors: new Set() });

/** Every value-setting operator used in a subtree. */
function operatorsIn(n: PolicyNode, out = new Set<ValueOperator>()): Set<ValueOperator> {
  if (n.set) out.add(n.set.op);
  for (const c of n.children.values()) operatorsIn(c, out);
  return out;
}

const copy = (v: SettingValue): SettingValue => (Array.isArray(v) ? [...v] : v);
const asArray = (v: SettingValue | undefined): Scalar[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

function apply(current: SettingValue | undefined, op: ValueOperator, operand: SettingValue): SettingValue | undefined {
  if (op === "@@assign") return copy(operand);
  const values = asArray(operand);
  if (op === "@@append") {
    const out = asArray(current).slice();
    for (const v of values) if (!out.includes(v)) out.push(v);
    return out;
  }
  if (current === undefined) return undefined;
  return asArray(current).filter((v) => !values.includes(v));
}

/** Merges one level (the policies attached to one node, in attachment order) into `root`. */
function mergeLevel(root: EffectiveNode, level: readonly AttachedPolicy[]): void {
  const assignedHere = new Set<EffectiveNode>();
  const limits: Array<[EffectiveNode, ReadonlySet<ValueOperator>]> = [];

  const walk = (eff: EffectiveNode, pol: PolicyNode, policyId: string): void => {
    if (pol.set) {
      const { op, value } = pol.set;
      const permitted = eff.allowed === undefined || eff.allowed.has(op);
      const structural = eff.children.size === 0;
      const reassign = op === "@@assign" && assignedHere.has(eff);
      if (permitted && structural && !reassign) {
        const next = apply(eff.value, op, value);
        if (next === undefined) delete eff.value;
        else eff.value = next;
        if (op === "@@assign") assignedHere.add(eff);
        eff.contributors.add(policyId);
      }
    }
    if (pol.allowed) limits.push([eff, pol.allowed]);
    // Keys under an element that holds a value have nowhere to go.
    if (eff.value !== undefined) return;
    for (const [key, child] of pol.children) {
      let next = eff.children.get(key);
      if (!next) {
        // Adding a key here: the limits on this element decide, for every operator the new part uses.
        if (eff.allowed !== undefined) {
          if (eff.allowed.size === 0) continue;
          if ([...operatorsIn(child)].some((op) => !eff.allowed?.has(op))) continue;
        }
        next = newNode();
        eff.children.set(key, next);
        next.contributors.add(policyId);
      }
      walk(next, child, policyId);
    }
  };

  for (const p of level) walk(root, p.document, p.policyId);
  // Limits set at this level bind the levels below only.
  for (const [eff, allowed] of limits) {
    eff.allowed = eff.allowed === undefined ? new Set(allowed) : new Set([...eff.allowed].filter((op) => allowed.has(op)));
  }
}

/** The effective tree of the policies attached on a path, one array of policies per level from the root down. */
export function mergePolicies(levels: ReadonlyArray<readonly AttachedPolicy[]>): EffectiveNode {
  const root = newNode();
  for (const level of levels) mergeLevel(root, level);
  return root;
}

/** An element as the effective policy shows it, or undefined when it holds no value. */
export function render(n: EffectiveNode): unknown {
  if (n.value !== undefined) return copy(n.value);
  const out: Record<string, unknown> = {};
  for (const [k, c] of n.children) {
    const v = render(c);
    if (v !== undefined) out[k] = v;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/** The effective policy document (JSON, without white space, as the API returns it). */
export function effectiveDocument(root: EffectiveNode): string {
  return JSON.stringify(render(root) ?? {});
}

/** The policies that contributed to an element or anything below it, sorted. */
export function contributorsOf(n: EffectiveNode): string[] {
  const out = new Set<string>();
  const visit = (m: EffectiveNode): void => {
    for (const id of m.contributors) out.add(id);
    for (const c of m.children.values()) visit(c);
  };
  visit(n);
  return [...out].sort();
}
