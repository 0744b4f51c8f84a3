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
import { LOCATIONS, MODES, readingsOf, type Location, type LocationItems } from "./inputs.js";
import { verdict, verdictSlot, type Item, type TextTest } from "../verdicts.js";

export type NativePredicate = (view: RequestView) => boolean;
export type { TextTest };

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

/** A slot not taken yet (verdictSlot never returns it). */
const NO_SLOT = -2;

/** Identity of each text test, for naming its verdict slots. */
const testIds = new Map<TextTest, number>();

/**
 * A predicate that is true when `test` holds for any reading of any value at `loc`.
 * Verdicts are remembered per value and reading mode (verdicts.ts): within the request and,
 * for short values, across requests; detectors are pure functions of the value, which
 * keeps this exact.
 */
export function anyText(loc: Location, test: TextTest): NativePredicate {
  let id = testIds.get(test);
  if (id === undefined) {
    id = testIds.size;
    testIds.set(test, id);
  }
  const testId = id;
  // Slots are taken on first use of a reading mode, so that the slots in use stay few and dense.
  const slots: number[] = new Array<number>(MODES).fill(NO_SLOT);
  const asks: Array<(item: Item) => boolean> = [];
  for (let mode = 0; mode < MODES; mode++) {
    asks.push((item) => {
      const r = readingsOf(item, mode);
      for (let i = 0; i < r.length; i++) if (test(r[i] as string)) return true;
      return false;
    });
  }
  const values = LOCATIONS[loc];
  const anyItem = (list: LocationItems): boolean => {
    const { items, modes } = list;
    for (let i = 0; i < items.length; i++) {
      const m = modes[i] as number;
      let slot = slots[m] as number;
      if (slot === NO_SLOT) slot = slots[m] = verdictSlot(`native:${testId}:${m}`);
      if (verdict(items[i] as Item, slot, asks[m] as (item: Item) => boolean)) return true;
    }
    return false;
  };
  const listSlot = verdictSlot(`native-list:${testId}`);
  return (view) => verdict(values(view), listSlot, anyItem);
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
