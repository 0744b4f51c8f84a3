/**
 * The Condition element: operator catalogue, compilation, evaluation.
 *
 * Semantics (IAM User Guide, "Condition operators" and "Multivalued context keys"):
 *  - operators in a block, and keys under an operator, are ANDed; the values listed for one
 *    key are ORed — for negated operators (StringNotEquals, NotIpAddress, ArnNotLike, …) the
 *    result is the negation of the positive operator, i.e. the values are NORed;
 *  - a key missing from the request: positive operators are false, negated operators are
 *    true, `…IfExists` is true, `Null` tests presence;
 *  - a key whose value is an empty list or an empty string holds "a null dataset": `Null`
 *    counts it as absent, `ForAllValues:` is true and `ForAnyValue:` false on it ("The
 *    ForAllValues qualifier returns true if there are no context keys in the request or if
 *    the context key value resolves to a null dataset, such as an empty string. To prevent
 *    missing context keys or context keys with empty values from evaluating to true, you can
 *    include the Null condition operator in your policy with a false value"); operators
 *    without a set prefix compare an empty string like any other value;
 *  - without a set operator a multivalued (array) request value never matches, whatever the
 *    operator and however many values it holds ("Multivalued context keys require a
 *    condition set operator"; see INVARIANTS.md for the evidence);
 *  - `ForAnyValue:` true if some request value satisfies the operator (false when the key is
 *    missing or has no values — `IfExists` does not change that); `ForAllValues:` true if
 *    every request value does (true when the key is missing or has no values); a
 *    single-valued key is a set of one value;
 *  - condition key names are case-insensitive.
 */
import type { ContextValue } from "../../core/types.js";
import { arnMatches, compileArnPattern, SplitArn, type ArnPattern } from "./arn-pattern.js";
import {
  compileIpRanges,
  ipInRanges,
  toBinary,
  toBool,
  toEpochMs,
  toNumber,
  toStringValue,
} from "./condition-values.js";
import type { ContextLookup } from "./context.js";
import { compileTemplate, resolveText, templateHasVariables, templateMatches, type Resolver, type Template } from "./template.js";

const NO_VARIABLES: Resolver = () => undefined;

type Scalar = Exclude<ContextValue, undefined | string[]>;
type Cmp = "eq" | "lt" | "le" | "gt" | "ge";

interface OperatorSpec {
  readonly family: "string" | "numeric" | "date" | "bool" | "binary" | "ip" | "arn" | "null";
  readonly negated: boolean;
  /** string: "eq" | "ieq" | "like"; numeric/date: comparison. */
  readonly mode?: "eq" | "ieq" | "like" | Cmp;
}

const CMP_NAMES: Array<[string, Cmp]> = [
  ["LessThan", "lt"],
  ["LessThanEquals", "le"],
  ["GreaterThan", "gt"],
  ["GreaterThanEquals", "ge"],
];

const OPERATORS: ReadonlyMap<string, OperatorSpec> = (() => {
  const m = new Map<string, OperatorSpec>([
    ["StringEquals", { family: "string", negated: false, mode: "eq" }],
    ["StringNotEquals", { family: "string", negated: true, mode: "eq" }],
    ["StringEqualsIgnoreCase", { family: "string", negated: false, mode: "ieq" }],
    ["StringNotEqualsIgnoreCase", { family: "string", negated: true, mode: "ieq" }],
    ["StringLike", { family: "string", negated: false, mode: "like" }],
    ["StringNotLike", { family: "string", negated: true, mode: "like" }],
    ["Bool", { family: "bool", negated: false }],
    ["BinaryEquals", { family: "binary", negated: false }],
    ["IpAddress", { family: "ip", negated: false }],
    ["NotIpAddress", { family: "ip", negated: true }],
    ["ArnEquals", { family: "arn", negated: false }],
    ["ArnLike", { family: "arn", negated: false }],
    ["ArnNotEquals", { family: "arn", negated: true }],
    ["ArnNotLike", { family: "arn", negated: true }],
    ["Null", { family: "null", negated: false }],
  ]);
  for (const fam of ["Numeric", "Date"] as const) {
    const family = fam === "Numeric" ? "numeric" : "date";
    m.set(`${fam}Equals`, { family, negated: false, mode: "eq" });
    m.set(`${fam}NotEquals`, { family, negated: true, mode: "eq" });
    for (const [suffix, mode] of CMP_NAMES) m.set(`${fam}${suffix}`, { family, negated: false, mode });
  }
  return m;
})();

export interface ParsedOperator {
  readonly spec: OperatorSpec;
  readonly set: "none" | "any" | "all";
  readonly ifExists: boolean;
}

/** Splits `ForAnyValue:StringLikeIfExists` into its parts; undefined for unknown operators. */
export function parseOperator(name: string): ParsedOperator | undefined {
  let rest = name;
  let set: ParsedOperator["set"] = "none";
  if (rest.startsWith("ForAnyValue:")) {
    set = "any";
    rest = rest.slice("ForAnyValue:".length);
  } else if (rest.startsWith("ForAllValues:")) {
    set = "all";
    rest = rest.slice("ForAllValues:".length);
  }
  let ifExists = false;
  if (rest.endsWith("IfExists")) {
    ifExists = true;
    rest = rest.slice(0, -"IfExists".length);
  }
  const spec = OPERATORS.get(rest);
  return spec ? { spec, set, ifExists } : undefined;
}

export interface CompiledCondition {
  readonly operator: string;
  readonly key: string;
  readonly keyLower: string;
  readonly set: "none" | "any" | "all";
  readonly ifExists: boolean;
  readonly negated: boolean;
  /** Null: the presence states that satisfy the condition (true = key absent). */
  readonly nullWants: readonly boolean[] | undefined;
  /** Positive test: does one request value match any of the policy values? */
  readonly test: (v: Scalar, ctx: ContextLookup) => boolean;
}

type RawValue = string | number | boolean;

function compileTest(spec: OperatorSpec, values: readonly RawValue[], variables: boolean): CompiledCondition["test"] {
  switch (spec.family) {
    case "string": {
      const mode = spec.mode as "eq" | "ieq" | "like";
      const lower = mode === "ieq";
      const templates: Template[] = values.map((v) =>
        compileTemplate(String(v), { wildcards: mode === "like", variables, lowerCase: lower }),
      );
      return (v, ctx) => {
        let s = toStringValue(v);
        if (lower) s = s.toLowerCase();
        for (const t of templates) if (templateMatches(t, s, ctx.resolve)) return true;
        return false;
      };
    }
    case "numeric":
    case "date": {
      const parse = spec.family === "numeric" ? toNumber : toEpochMs;
      const nums = values.map((v) => parse(v)).filter((n) => !Number.isNaN(n));
      const cmp = spec.mode as Cmp;
      return (v) => {
        const x = parse(v);
        if (Number.isNaN(x)) return false;
        for (const n of nums) {
          if (cmp === "eq" ? x === n : cmp === "lt" ? x < n : cmp === "le" ? x <= n : cmp === "gt" ? x > n : x >= n) {
            return true;
          }
        }
        return false;
      };
    }
    case "bool": {
      // IAM User Guide, Boolean condition operators: "You can use a policy variable with the
      // Boolean condition operator." Values with a variable are resolved per request.
      const bools: boolean[] = [];
      const templates: Template[] = [];
      for (const raw of values) {
        let v: RawValue | undefined = raw;
        if (variables && typeof raw === "string" && raw.includes("${")) {
          const t = compileTemplate(raw, { wildcards: false, variables: true, lowerCase: false });
          if (templateHasVariables(t)) {
            templates.push(t);
            continue;
          }
          v = resolveText(t, NO_VARIABLES); // only escapes such as ${$}: literal text
        }
        const b = v === undefined ? undefined : toBool(v);
        if (b !== undefined) bools.push(b);
      }
      if (templates.length === 0) {
        return (v) => {
          const b = toBool(v);
          return b !== undefined && bools.includes(b);
        };
      }
      return (v, ctx) => {
        const b = toBool(v);
        if (b === undefined) return false;
        if (bools.includes(b)) return true;
        for (const t of templates) {
          const text = resolveText(t, ctx.resolve);
          if (text !== undefined && toBool(text) === b) return true;
        }
        return false;
      };
    }
    case "binary": {
      const bins = values.map((v) => toBinary(v)).filter((b): b is Buffer => b !== undefined);
      return (v) => {
        const b = toBinary(v);
        return b !== undefined && bins.some((x) => x.equals(b));
      };
    }
    case "ip": {
      const ranges = compileIpRanges(values.map(String));
      return (v) => ipInRanges(ranges, v);
    }
    case "arn": {
      const patterns: ArnPattern[] = values.map((v) => compileArnPattern(String(v), variables));
      return (v, ctx) => {
        // Arn operators compare ARNs: a value that is not a six-segment ARN never matches.
        if (typeof v !== "string" || !v.startsWith("arn:")) return false;
        const arn = new SplitArn(v);
        if (arn.count < 6) return false;
        for (const p of patterns) if (arnMatches(p, arn, ctx.resolve)) return true;
        return false;
      };
    }
    case "null":
      return () => false;
  }
}

/** Compiles one operator/key pair; the operator name must already be known to be valid. */
export function compileCondition(
  operator: string,
  key: string,
  raw: RawValue | RawValue[],
  variables: boolean,
): CompiledCondition {
  const op = parseOperator(operator);
  if (!op) throw new Error(`unknown condition operator ${operator}`);
  const values = Array.isArray(raw) ? raw : [raw];
  const nullWants =
    op.spec.family === "null"
      ? values.map((v) => toBool(v)).filter((b): b is boolean => b !== undefined)
      : undefined;
  return {
    operator,
    key,
    keyLower: key.toLowerCase(),
    set: op.set,
    ifExists: op.ifExists,
    negated: op.spec.negated,
    nullWants,
    test: compileTest(op.spec, values, variables),
  };
}

function single(c: CompiledCondition, v: Scalar, ctx: ContextLookup): boolean {
  const m = c.test(v, ctx);
  return c.negated ? !m : m;
}

export function conditionHolds(c: CompiledCondition, ctx: ContextLookup): boolean {
  const v = ctx.get(c.key, c.keyLower);
  // Null: a key with no values (an empty list or an empty string) counts as absent.
  if (c.nullWants) return c.nullWants.includes(v === undefined || v === "" || (Array.isArray(v) && v.length === 0));
  if (v === undefined) {
    if (c.set === "all") return true;
    // ForAnyValue is false for a missing key even with IfExists (observed AWS behaviour:
    // "ForAnyValue:StringEqualsIfExists" on an absent aws:TagKeys denies).
    if (c.set === "any") return false;
    return c.ifExists || c.negated;
  }
  if (c.set === "none") {
    if (Array.isArray(v)) return false;
    return single(c, v, ctx);
  }
  // An empty string is a null dataset for the set operators, as an empty list is.
  if (v === "") return c.set === "all";
  if (Array.isArray(v)) {
    if (c.set === "any") {
      for (const e of v) if (single(c, e, ctx)) return true;
      return false;
    }
    for (const e of v) if (!single(c, e, ctx)) return false;
    return true;
  }
  return single(c, v, ctx);
}

export function conditionsHold(conds: readonly CompiledCondition[], ctx: ContextLookup): boolean {
  for (const c of conds) if (!conditionHolds(c, ctx)) return false;
  return true;
}

/** Date operator values IAM's legacy parser accepts (else "The policy failed legacy parsing"). */
export function isValidDateValue(v: RawValue): boolean {
  return typeof v === "boolean" ? false : !Number.isNaN(toEpochMs(v));
}

export function isDateOperator(operator: string): boolean {
  return parseOperator(operator)?.spec.family === "date";
}
