/**
 * Case-insensitive access to the request's condition context.
 *
 * Condition keys are case-insensitive in IAM. Callers normally use the canonical spelling,
 * so the exact key is tried first, then a case-insensitive scan.
 *
 * The context may be given as a function that builds it: it is called once, on the first
 * lookup, so a request whose policies never read a condition key (no Condition reached, no
 * policy variable) never pays for building it.
 */
import type { ConditionContext, ContextValue } from "../../core/types.js";
import type { Resolver } from "./template.js";

const hasOwn = Object.prototype.hasOwnProperty;

export type ContextSource = ConditionContext | (() => ConditionContext);

export class ContextLookup {
  readonly resolve: Resolver;
  private ctx: ConditionContext | undefined;

  constructor(
    private readonly source: ContextSource,
    /** Simulation only: told of every key looked up and not found. */
    private readonly onMissing?: (key: string) => void,
  ) {
    this.resolve = (key, keyLower) => singleValue(this.get(key, keyLower));
  }

  /** The value of a key, or undefined when absent. Never consults the prototype chain. */
  get(key: string, keyLower: string): ContextValue {
    let c = this.ctx;
    if (c === undefined) {
      const s = this.source;
      c = this.ctx = typeof s === "function" ? s() : s;
    }
    if (hasOwn.call(c, key)) {
      const v = c[key];
      if (v !== undefined) return v;
    }
    // Case-insensitive fallback: a scan is cheaper than building an index per request
    // (the length test skips almost every key without lower-casing it).
    const len = keyLower.length;
    for (const k in c) {
      if (k.length === len && hasOwn.call(c, k) && k.toLowerCase() === keyLower) {
        const v = c[k];
        if (v !== undefined) return v;
      }
    }
    if (this.onMissing !== undefined) this.onMissing(key);
    return undefined;
  }
}

/** A context value as the single string a policy variable substitutes, if it has one. */
export function singleValue(v: ContextValue): string | undefined {
  if (v === undefined || Array.isArray(v)) return undefined;
  if (typeof v === "string") return v;
  return String(v);
}
