/**
 * One request as the WAF inspects it: parsed lazily (headers by name, cookies, query
 * arguments, body, JSON elements) and with a per-request memo of extracted fields,
 * transformed values and detector inputs, so each (field, transformation chain) is computed
 * at most once however many rules use it.
 */
import type { InspectedRequest } from "../types.js";
import { parseJsonElements, type JsonParse } from "./json-body.js";
import { TRANSFORMS } from "./transforms.js";
import type { TextTransformationType } from "@aws-sdk/client-wafv2";
import type { CompiledField, FieldResult } from "./field-to-match.js";
import { RecentMap, detached } from "./verdicts.js";

/** Limits of what the host service forwards to WAF (ALB): 8 KiB / 200 items. */
export const HEADER_INSPECTION_BYTES = 8192;
export const HEADER_INSPECTION_COUNT = 200;

/** Memo slots by key: statements that compute the same thing share a slot. */
const slotIds = new Map<string, number>();

/**
 * The per-request memo slot of `key` (RequestView.memo). Called when statements are compiled,
 * never per request: slots are small integers, so a lookup is an array read.
 */
export function memoSlot(key: string): number {
  let id = slotIds.get(key);
  if (id === undefined) {
    id = slotIds.size;
    slotIds.set(key, id);
  }
  return id;
}

export class RequestView {
  /** Fully qualified labels added so far, in order. */
  readonly labels: string[] = [];
  /** Per-request memo (extracted fields, transformed values, detector inputs) by memoSlot. */
  readonly memo: unknown[] = new Array(slotIds.size);
  private lowerHeaders?: Array<[string, string]>;
  private cookieList?: Array<[string, string]>;
  private cookieInspectable?: Array<[string, string]>;
  private cookieOversize = false;
  private queryList?: Array<[string, string]>;
  private bodyStr?: string;
  private jsonParse?: JsonParse;
  private scratchMap?: Map<string, unknown>;

  constructor(
    readonly req: InspectedRequest,
    readonly bodyLimit: number,
  ) {}

  /** Values computed by statements that need per-request caching under dynamic keys (e.g. geo). */
  get scratch(): Map<string, unknown> {
    return (this.scratchMap ??= new Map());
  }

  addLabel(label: string): void {
    // A request carries a handful of labels: a linear scan beats a Set here.
    if (!this.labels.includes(label)) this.labels.push(label);
  }
  hasLabel(label: string): boolean {
    return this.labels.includes(label);
  }

  /** Headers as [lower-case name, value], in arrival order. */
  headers(): Array<[string, string]> {
    if (!this.lowerHeaders) {
      const raw = this.req.headers;
      const out = new Array<[string, string]>(raw.length);
      for (let i = 0; i < raw.length; i++) {
        const h = raw[i] as [string, string];
        out[i] = [h[0].toLowerCase(), h[1]];
      }
      this.lowerHeaders = out;
    }
    return this.lowerHeaders;
  }
  /**
   * Header lookups scan the (few) headers: cheaper than building a map for every request,
   * most of which are asked about a dozen names.
   */
  headerValues(lowerName: string): string[] | undefined {
    const hs = this.headers();
    let out: string[] | undefined;
    for (let i = 0; i < hs.length; i++) {
      const h = hs[i] as [string, string];
      if (h[0] === lowerName) (out ??= []).push(h[1]);
    }
    return out;
  }
  /** Is the header present (with any value, empty included)? */
  hasHeader(lowerName: string): boolean {
    const hs = this.headers();
    for (let i = 0; i < hs.length; i++) if ((hs[i] as [string, string])[0] === lowerName) return true;
    return false;
  }
  /** One header's value; repeated headers are joined with ", " as HTTP allows. */
  header(lowerName: string): string | undefined {
    const hs = this.headers();
    let found: string | undefined;
    let more: string[] | undefined;
    for (let i = 0; i < hs.length; i++) {
      const h = hs[i] as [string, string];
      if (h[0] !== lowerName) continue;
      if (found === undefined) found = h[1];
      else (more ??= [found]).push(h[1]);
    }
    return more === undefined ? found : more.join(", ");
  }
  headersOversize(): boolean {
    const h = this.req.headers;
    if (h.length > HEADER_INSPECTION_COUNT) return true;
    let n = 0;
    for (const [k, v] of h) n += k.length + v.length + 4;
    return n > HEADER_INSPECTION_BYTES;
  }

  cookies(): Array<[string, string]> {
    if (!this.cookieList) {
      const raws = this.headerValues("cookie") ?? [];
      const single = raws.length === 1 ? (raws[0] as string) : undefined;
      const known = single === undefined ? undefined : parsedCookies.get(single);
      const parsed = known ?? parseCookies(raws);
      if (known === undefined && single !== undefined) parsedCookies.set(single, parsed);
      this.cookieOversize = parsed.oversize;
      this.cookieList = parsed.list;
      this.cookieInspectable = parsed.inspectable;
    }
    return this.cookieList;
  }
  /**
   * The cookies within the inspection limits (the first 8 KiB of the Cookie headers, at most
   * the first 200 cookies; a cookie cut by the byte limit is inspected as far as it goes):
   * what Cookies inspects with OversizeHandling CONTINUE.
   */
  inspectableCookies(): Array<[string, string]> {
    this.cookies();
    return this.cookieInspectable as Array<[string, string]>;
  }
  cookiesOversize(): boolean {
    this.cookies();
    return this.cookieOversize;
  }
  cookie(name: string): string | undefined {
    for (const [n, v] of this.cookies()) if (n === name) return v;
    return undefined;
  }

  /** Query arguments as raw (still percent-encoded) [name, value] pairs. */
  queryArgs(): Array<[string, string]> {
    if (!this.queryList) {
      const q = this.req.query;
      let args = parsedQueries.get(q);
      if (args === undefined) {
        const remembered = q.length <= parsedQueries.maxKeyLength;
        // Remembered arguments are slices of a detached copy, not of this request's URL.
        args = parseArgs(remembered ? detached(q) : q);
        if (remembered) parsedQueries.set(q, args);
      }
      this.queryList = args;
    }
    return this.queryList;
  }

  /** The inspected body (at most the ACL's inspection limit) as a binary string. */
  body(): string {
    if (this.bodyStr === undefined) {
      const b = this.req.body;
      this.bodyStr = (b.length > this.bodyLimit ? b.subarray(0, this.bodyLimit) : b).toString("latin1");
    }
    return this.bodyStr;
  }
  bodyOversize(): boolean {
    return this.req.bodyTruncated || this.req.bodyLength > this.bodyLimit || this.req.body.length > this.bodyLimit;
  }
  json(): JsonParse {
    if (!this.jsonParse) this.jsonParse = parseJsonElements(this.body());
    return this.jsonParse;
  }

  /** A field's extraction, memoised per request (slot: the field key's memoSlot). */
  field(f: CompiledField, slot: number): FieldResult {
    let r = this.memo[slot] as FieldResult | undefined;
    if (r === undefined) {
      r = f.extract(this);
      this.memo[slot] = r;
    }
    return r;
  }

  /**
   * Transformed values of a field, memoised per (field key, chain prefix): "URL_DECODE" then
   * "URL_DECODE,LOWERCASE" reuses the first result. `slots` are the memo slots of the chain's
   * prefixes (chainSlots), found once when the statement is compiled.
   */
  transformed(values: readonly string[], chain: readonly TextTransformationType[], slots: readonly number[]): readonly string[] {
    let cur = values;
    for (let i = 0; i < chain.length; i++) {
      const slot = slots[i] as number;
      const hit = this.memo[slot] as readonly string[] | undefined;
      if (hit !== undefined) {
        cur = hit;
        continue;
      }
      const fn = TRANSFORMS[chain[i] as TextTransformationType];
      let next: string[];
      if (cur.length === 1) next = [fn(cur[0] as string)];
      else {
        next = new Array<string>(cur.length);
        for (let j = 0; j < cur.length; j++) next[j] = fn(cur[j] as string);
      }
      this.memo[slot] = next;
      cur = next;
    }
    return cur;
  }
}

/** Memo slots of every prefix of `chain` applied to the field with key `fieldKey`. */
export function chainSlots(fieldKey: string, chain: readonly TextTransformationType[]): number[] {
  const out: number[] = [];
  let key = "t:" + fieldKey;
  for (const t of chain) {
    key += "\u0001" + t;
    out.push(memoSlot(key));
  }
  return out;
}

/**
 * Parsed Cookie headers and query strings of recent requests: the same session cookie or
 * query comes back request after request, and parsing is a pure function of the text. The
 * results are shared, so callers never modify them. (A Cookie header value is a string of its
 * own, at most the key limit long; a query string is a slice of the URL, hence the copy.)
 */
const parsedCookies = new RecentMap<ParsedCookies>(1024, 4096);
const parsedQueries = new RecentMap<Array<[string, string]>>(1024, 2048);

interface ParsedCookies {
  list: Array<[string, string]>;
  oversize: boolean;
  /** The cookies within the inspection limits (`list` itself when not oversize). */
  inspectable: Array<[string, string]>;
}

function splitCookies(raws: readonly string[], list: Array<[string, string]>, maxCount: number): void {
  for (const raw of raws) {
    for (const part of raw.split(";")) {
      if (list.length >= maxCount) return;
      const p = part.trim();
      if (p === "") continue;
      const eq = p.indexOf("=");
      list.push(eq < 0 ? [p, ""] : [p.slice(0, eq).trim(), p.slice(eq + 1).trim()]);
    }
  }
}

function parseCookies(raws: readonly string[]): ParsedCookies {
  const list: Array<[string, string]> = [];
  let bytes = 0;
  for (const raw of raws) bytes += raw.length;
  splitCookies(raws, list, Infinity);
  const oversize = bytes > HEADER_INSPECTION_BYTES || list.length > HEADER_INSPECTION_COUNT;
  if (!oversize) return { list, oversize, inspectable: list };
  // The Cookie headers cut at the byte limit, then at most the first 200 cookies.
  const cut: string[] = [];
  let room = HEADER_INSPECTION_BYTES;
  for (const raw of raws) {
    if (room <= 0) break;
    cut.push(raw.length <= room ? raw : raw.slice(0, room));
    room -= raw.length;
  }
  const inspectable: Array<[string, string]> = [];
  splitCookies(cut, inspectable, HEADER_INSPECTION_COUNT);
  return { list, oversize, inspectable };
}

/** Splits a query string or form body into raw [name, value] pairs. */
export function parseArgs(q: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  if (q === "") return out;
  let start = 0;
  while (start <= q.length) {
    let end = q.indexOf("&", start);
    if (end < 0) end = q.length;
    if (end > start) {
      const part = q.slice(start, end);
      const eq = part.indexOf("=");
      out.push(eq < 0 ? [part, ""] : [part.slice(0, eq), part.slice(eq + 1)]);
    }
    start = end + 1;
  }
  return out;
}
