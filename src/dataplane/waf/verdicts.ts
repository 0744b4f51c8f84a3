/**
 * Verdicts remembered per inspected value. What the engine decides about one value of a
 * request — "this detector finds SQL injection in some reading of it", "this regex matches it
 * once URL-decoded and lower-cased" — is a pure function of the value, so it can be reused:
 * by the other rules of the same request that ask the same question, and by later requests
 * that carry the same value. Parameter names, paging and sorting values, User-Agent, Referer,
 * Accept-* and session or consent cookies repeat from request to request, so a benign request
 * mostly reads verdicts instead of decoding and matching again.
 *
 * An Item is one value: its verdicts (a "known" and a "held" bit per question, questions
 * numbered by slot) and the decoded readings of it that detectors judge (detect/decode.ts
 * `readings`, per reading mode). Values of at most MAX_CACHED_VALUE characters are kept across
 * requests in a two-generation cache: a lookup tries the young map, then the old one
 * (promoting the item); when the young map is full it becomes the old one and the previous
 * old one is dropped. Memory stays bounded, items in use survive, and values an attacker
 * sprays only displace each other. Longer values get items for the current request only.
 */

export type TextTest = (s: string) => boolean;

export const MAX_CACHED_VALUE = 256;
const GENERATION = 8192;
/** More questions than this (many distinct customer statements) are answered without memory. */
const MAX_SLOTS = 1024;

export class Item implements Judged {
  bits: number[] = [0, 0, 0, 0];
  /** Decoded readings per reading mode (inputs.ts), computed on first use. */
  readings: Array<readonly string[] | undefined> | undefined;
  constructor(readonly value: string) {}
}

const slotIds = new Map<string, number>();

/**
 * The slot of a question, by a key that names it exactly (the same key must always mean the
 * same pure function of the value); -1 once MAX_SLOTS are taken (no memory for it then).
 */
export function verdictSlot(key: string): number {
  let s = slotIds.get(key);
  if (s === undefined) {
    if (slotIds.size >= MAX_SLOTS) return -1;
    s = slotIds.size;
    slotIds.set(key, s);
  }
  return s;
}

/**
 * `s` as a string that does not share memory with a larger one (a slice of a URL or header
 * keeps the whole of it alive): concatenating makes V8 flatten a fresh string of length + 1,
 * and the slice then refers to that one; strings under 13 characters are always copied.
 */
export function detached(s: string): string {
  return s.length < 13 ? s : (" " + s).slice(1);
}

let young = new Map<string, Item>();
let old = new Map<string, Item>();

/**
 * The shared item of `value`. Values are usually slices of a larger string (the URL, a
 * header, the body); a remembered value is copied first so that it does not keep that
 * larger string alive.
 */
export function itemOf(value: string): Item {
  if (value.length > MAX_CACHED_VALUE) return new Item(value);
  let it = young.get(value);
  if (it !== undefined) return it;
  it = old.get(value) ?? new Item(detached(value));
  if (young.size >= GENERATION) {
    old = young;
    young = new Map();
  }
  young.set(it.value, it);
  return it;
}

/** Something verdicts are remembered on: an item, or a list of items (managed/inputs.ts). */
export interface Judged {
  /** Word 2k: known bits of slots 32k…32k+31; word 2k+1: their verdicts. */
  bits: number[];
}

/** The verdict of slot `slot` on `x`, running `ask` (a pure function of `x`) when unknown. */
export function verdict<T extends Judged>(x: T, slot: number, ask: (x: T) => boolean): boolean {
  if (slot < 0) return ask(x);
  const w = (slot >>> 5) << 1;
  const bit = 1 << (slot & 31);
  const bits = x.bits;
  if (w < bits.length && ((bits[w] as number) & bit) !== 0) return ((bits[w + 1] as number) & bit) !== 0;
  const r = ask(x);
  while (bits.length <= w + 1) bits.push(0);
  bits[w] = (bits[w] as number) | bit;
  if (r) bits[w + 1] = (bits[w + 1] as number) | bit;
  return r;
}

/**
 * A bounded map of recent results keyed by request text (a query string, a Cookie header),
 * with the same two-generation policy as the item cache. Keys are detached like item values;
 * values must not refer to larger request strings either (parse a detached copy).
 */
export class RecentMap<V> {
  private young = new Map<string, V>();
  private old = new Map<string, V>();
  constructor(
    private readonly generation: number,
    readonly maxKeyLength: number,
  ) {
    recentMaps.push(this);
  }
  get(key: string): V | undefined {
    const hit = this.young.get(key);
    if (hit !== undefined) return hit;
    const v = this.old.get(key);
    if (v !== undefined) this.put(key, v);
    return v;
  }
  set(key: string, v: V): void {
    if (key.length <= this.maxKeyLength) this.put(detached(key), v);
  }
  private put(key: string, v: V): void {
    if (this.young.size >= this.generation) {
      this.old = this.young;
      this.young = new Map();
    }
    this.young.set(key, v);
  }
  clear(): void {
    this.young = new Map();
    this.old = new Map();
  }
}
const recentMaps: Array<RecentMap<unknown>> = [];

/** Forgets every remembered value and result (tests and benchmarks). */
export function clearVerdicts(): void {
  young = new Map();
  old = new Map();
  for (const m of recentMaps) m.clear();
}
