/**
 * What the native detectors of the managed rule groups inspect, per request location: the
 * raw values there, each with the way it is read (its reading mode), turned into decoded
 * readings (detect/decode.ts `readings`) when a detector first needs them. Values are
 * verdict items (verdicts.ts), so readings and verdicts of a value are computed once however
 * many rules look at it, and short values keep them across requests.
 *
 *  - query:   argument names and values of the query string (form decoding)
 *  - body:    fields of the body as its Content-Type says (body-parts.ts); free-text fields
 *             have quoted code in prose masked (detect/prose.ts)
 *  - cookies: cookie names and values
 *  - headers: header values other than Cookie (inspected as cookies) and the headers
 *             whose grammar HTTP fixes (Accept, Authorization, Cache-Control …)
 *  - path:    the URI path
 */
import { memoSlot, type RequestView } from "../request-view.js";
import { readings, percentDecode } from "../detect/decode.js";
import { maskQuotedCode } from "../detect/prose.js";
import { parseBody, type ParsedBody, type BodyField } from "./body-parts.js";
import { itemOf, RecentMap, type Item, type Judged } from "../verdicts.js";

export type Location = "query" | "body" | "cookies" | "headers" | "path";

/** `make`, memoised per request in its own memo slot. */
function memoized<T>(key: string, make: (view: RequestView) => T): (view: RequestView) => T {
  const slot = memoSlot("in:" + key);
  return (view) => {
    const hit = view.memo[slot];
    if (hit !== undefined) return hit as T;
    const v = make(view);
    view.memo[slot] = v;
    return v;
  };
}

/** Header value limit for inspection (what AWS forwards is 8 KiB of headers in total). */
const MAX_VALUE = 8192;

export const parsedBody: (view: RequestView) => ParsedBody = memoized("pbody", (view) => parseBody(view.header("content-type"), view.body()));

/** Decoded [name, value] pairs of the query string. */
export const queryPairs: (view: RequestView) => ReadonlyArray<readonly [string, string]> = memoized("qpairs", (view) => {
  const q = view.req.query;
  let pairs = recentQueryPairs.get(q);
  if (pairs === undefined) {
    pairs = view.queryArgs().map(([n, v]) => [percentDecode(n, true), percentDecode(v, true)] as const);
    recentQueryPairs.set(q, pairs);
  }
  return pairs;
});
const recentQueryPairs = new RecentMap<ReadonlyArray<readonly [string, string]>>(1024, 2048);

/** Decoded [name, value] pairs of the query string and of a form, JSON or multipart body. */
export const argPairs: (view: RequestView) => ReadonlyArray<readonly [string, string]> = memoized("pairs", (view) => {
  const body = bodyPairs(view);
  return body.length === 0 ? queryPairs(view) : [...queryPairs(view), ...body];
});

/** Decoded [name, value] pairs of a form, JSON or multipart body (JSON: each key with the string that follows it). */
export const bodyPairs: (view: RequestView) => ReadonlyArray<readonly [string, string]> = memoized("bpairs", (view) => {
  const out: Array<[string, string]> = [];
  const body = parsedBody(view);
  if (body.kind === "form" || body.kind === "json" || body.kind === "multipart") {
    let name: string | undefined;
    for (const f of body.fields) {
      if (f.file) continue;
      if (f.name) {
        if (name !== undefined) out.push([name, ""]);
        name = f.decode === "form" ? percentDecode(f.text, true) : f.text;
      } else if (name !== undefined) {
        out.push([name, f.decode === "form" ? percentDecode(f.text, true) : f.text]);
        name = undefined;
      }
    }
    if (name !== undefined) out.push([name, ""]);
  }
  return out;
});

/**
 * Headers whose grammar is fixed by HTTP (media ranges, codings, credentials, validators,
 * fetch metadata): applications do not read free text from them, and their syntax
 * (";q=0.5", "Bearer …") only confuses detectors. Protocol rules check them separately.
 */
const STRUCTURED = new Set([
  "host", "content-length", "content-type", "content-encoding", "transfer-encoding", "accept", "accept-encoding", "accept-language", "accept-charset",
  "authorization", "proxy-authorization", "cache-control", "pragma", "connection", "keep-alive", "te", "upgrade", "expect", "if-match", "if-none-match",
  "if-modified-since", "if-unmodified-since", "if-range", "range", "dnt", "upgrade-insecure-requests", "priority", "access-control-request-method",
  "access-control-request-headers", "sec-fetch-site", "sec-fetch-mode", "sec-fetch-dest", "sec-fetch-user", "sec-ch-ua", "sec-ch-ua-mobile", "sec-ch-ua-platform",
]);

/** Names of uploaded files: multipart file names and the file-name headers upload APIs use (X-File-Name …). */
export const uploadNames: (view: RequestView) => readonly string[] = memoized("uploads", (view) => {
  const out: string[] = [];
  for (const p of parsedBody(view).parts ?? []) if (p.filename !== undefined && p.filename !== "") out.push(p.filename);
  for (const [n, v] of view.headers()) if (/(?:^|[-_.])file[-_.]?name$|^x[-_.]file$/.test(n) && v !== "") out.push(percentDecode(v, false));
  return out;
});

/** Reading modes: how a raw value is decoded (detect/decode.ts `readings`), + FREE for masked prose. */
export const FORM = 0;
export const PERCENT = 1;
export const RAW = 2;
export const FREE = 3;
export const MODES = 6;
const DECODE = ["form", "percent", "none"] as const;

/** The readings of `item` in `mode` (remembered on the item). */
export function readingsOf(item: Item, mode: number): readonly string[] {
  const known = item.readings?.[mode];
  if (known !== undefined) return known;
  const out: string[] = [];
  readings(item.value, DECODE[mode % FREE] as "form" | "percent" | "none", out);
  if (mode >= FREE) for (let i = 0; i < out.length; i++) out[i] = maskQuotedCode(out[i] as string);
  (item.readings ??= new Array(MODES))[mode] = out;
  return out;
}

/**
 * The values one location holds in this request, with the reading mode of each. A list is a
 * pure function of its source text too, so it carries verdicts of its own ("some item holds
 * for this test"): a remembered list answers a rule without visiting its items again.
 */
export interface LocationItems extends Judged {
  readonly items: Item[];
  readonly modes: number[];
}

/**
 * Item lists of recent query strings and Cookie headers (short lists only): a repeated source
 * is neither parsed nor looked up value by value again. Shared, so never modified.
 */
const recentQueryItems = new RecentMap<LocationItems>(1024, 2048);
const recentCookieItems = new RecentMap<LocationItems>(1024, 4096);
const MAX_LIST = 64;

function pairItems(pairs: ReadonlyArray<readonly [string, string]>, mode: number): LocationItems {
  const items: Item[] = [];
  const modes: number[] = [];
  for (const [n, v] of pairs) {
    items.push(itemOf(n));
    modes.push(mode);
    if (v !== "") {
      items.push(itemOf(v));
      modes.push(mode);
    }
  }
  return { items, modes, bits: [] };
}

const queryItems = memoized("query", (view): LocationItems => {
  const q = view.req.query;
  let list = recentQueryItems.get(q);
  if (list === undefined) {
    list = pairItems(view.queryArgs(), FORM);
    if (list.items.length <= MAX_LIST) recentQueryItems.set(q, list);
  }
  return list;
});

function fieldMode(f: BodyField): number {
  return (f.decode === "form" ? FORM : f.decode === "percent" ? PERCENT : RAW) + (f.free ? FREE : 0);
}

/** Short body fields (JSON keys, flags, identifiers, form names) repeat like query arguments do. */
const bodyItems = memoized("body", (view): LocationItems => {
  const fields = parsedBody(view).fields;
  const items = new Array<Item>(fields.length);
  const modes = new Array<number>(fields.length);
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i] as BodyField;
    items[i] = itemOf(f.text);
    modes[i] = fieldMode(f);
  }
  return { items, modes, bits: [] };
});

const cookieItems = memoized("cookies", (view): LocationItems => {
  const raws = view.headerValues("cookie");
  const single = raws?.length === 1 ? (raws[0] as string) : undefined;
  let list = single === undefined ? undefined : recentCookieItems.get(single);
  if (list === undefined) {
    list = pairItems(view.cookies(), PERCENT);
    if (single !== undefined && list.items.length <= MAX_LIST) recentCookieItems.set(single, list);
  }
  return list;
});

const headerItems = memoized("headers", (view): LocationItems => {
  const items: Item[] = [];
  const modes: number[] = [];
  for (const [n, v] of view.headers()) {
    if (n === "cookie" || v === "" || STRUCTURED.has(n)) continue;
    items.push(itemOf(v.length > MAX_VALUE ? v.slice(0, MAX_VALUE) : v));
    modes.push(PERCENT);
  }
  return { items, modes, bits: [] };
});

const recentPathItems = new RecentMap<LocationItems>(1024, 1024);
const pathItems = memoized("path", (view): LocationItems => {
  const path = view.req.path;
  let list = recentPathItems.get(path);
  if (list === undefined) {
    list = { items: [itemOf(path)], modes: [PERCENT], bits: [] };
    recentPathItems.set(path, list);
  }
  return list;
});

export const LOCATIONS: Record<Location, (view: RequestView) => LocationItems> = {
  query: queryItems,
  body: bodyItems,
  cookies: cookieItems,
  headers: headerItems,
  path: pathItems,
};
