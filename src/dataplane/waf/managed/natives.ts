/**
 * Native statements: detectors of Bulwark's managed rule groups that AWS's statement
 * language cannot express (Content-Type-aware body reading, grammar-based detectors,
 * quoted-code masking). Inside a group's `rules` each one stands as a placeholder
 * RegexMatchStatement on the field it inspects — so capacity, DescribeManagedRuleGroup and
 * And/Or/Not composition work unchanged — whose RegexString names the native. The engine
 * swaps the placeholder for the native when it compiles the managed group
 * (ManagedRuleGroupDefinition.natives). The placeholder pattern can never match, so a
 * placeholder compiled anywhere else is inert rather than wrong.
 */
import type { FieldToMatch, Statement } from "@aws-sdk/client-wafv2";
import type { RequestView } from "../request-view.js";
import { LOCATIONS, type Location } from "./inputs.js";

export type NativePredicate = (view: RequestView) => boolean;
export type TextTest = (s: string) => boolean;

/** `(?!)` fails at every position: the placeholder never matches as a plain regex. */
export const NATIVE_PREFIX = "(?!)bulwark-native:";

const registry = new Map<string, NativePredicate>();

/** All native statements, for ManagedRuleGroupDefinition.natives. */
export const NATIVES: ReadonlyMap<string, NativePredicate> = registry;

/** Registers a native under `id` and returns its placeholder statement on `field`. */
export function native(field: FieldToMatch, id: string, predicate: NativePredicate): Statement {
  const key = NATIVE_PREFIX + id;
  const existing = registry.get(key);
  if (existing && existing !== predicate) throw new Error(`native statement ${id} defined twice`);
  registry.set(key, predicate);
  return { RegexMatchStatement: { FieldToMatch: field, RegexString: key, TextTransformations: [{ Priority: 0, Type: "NONE" }] } };
}

/** Largest header or cookie value whose verdict is remembered, and how many verdicts are kept. */
const CACHE_VALUE_MAX = 512;
const CACHE_ENTRIES = 4096;

/**
 * A predicate that is true when `test` holds for any reading of any value at `loc`.
 * Header and cookie values repeat across requests (User-Agent, Referer, consent cookies),
 * so their verdicts are remembered in a bounded cache; detectors are pure functions of the
 * value, which keeps this exact.
 */
export function anyText(loc: Location, test: TextTest): NativePredicate {
  const values = LOCATIONS[loc];
  if (loc !== "headers" && loc !== "cookies") {
    return (view) => {
      const v = values(view);
      for (let i = 0; i < v.length; i++) if (test(v[i] as string)) return true;
      return false;
    };
  }
  const cache = new Map<string, boolean>();
  return (view) => {
    const v = values(view);
    for (let i = 0; i < v.length; i++) {
      const x = v[i] as string;
      if (x.length > CACHE_VALUE_MAX) {
        if (test(x)) return true;
        continue;
      }
      let hit = cache.get(x);
      if (hit === undefined) {
        hit = test(x);
        if (cache.size >= CACHE_ENTRIES) cache.clear();
        cache.set(x, hit);
      }
      if (hit) return true;
    }
    return false;
  };
}

/** A TextTest from a regular expression (must not be global or sticky). */
export function re(r: RegExp): TextTest {
  return (s) => r.test(s);
}

const FIELD: Record<Location, FieldToMatch> = {
  query: { AllQueryArguments: {} },
  body: { Body: { OversizeHandling: "CONTINUE" } },
  cookies: { Cookies: { MatchPattern: { All: {} }, MatchScope: "ALL", OversizeHandling: "CONTINUE" } },
  headers: { Headers: { MatchPattern: { All: {} }, MatchScope: "VALUE", OversizeHandling: "CONTINUE" } },
  path: { UriPath: {} },
};
const tests = new Map<string, { test: TextTest; statement: Statement }>();

/** Placeholder statement for "`test` holds for some value at `loc`", registered as native `name@loc`. */
export function detectAt(loc: Location, name: string, test: TextTest): Statement {
  const id = `${name}@${loc}`;
  const hit = tests.get(id);
  if (hit) {
    if (hit.test !== test) throw new Error(`native statement ${id} defined twice`);
    return hit.statement;
  }
  const statement = native(FIELD[loc], id, anyText(loc, test));
  tests.set(id, { test, statement });
  return statement;
}
