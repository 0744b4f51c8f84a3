/**
 * FieldToMatch: which part of the request a statement inspects, compiled once into an
 * extractor. Values are raw as received (URI path and query string still percent-encoded,
 * header and cookie values as sent); rules decode them with text transformations.
 * A statement matches when any extracted value matches ("ALL" scopes inspect keys and
 * values, each separately). Oversize and fallback settings short-circuit to a fixed result.
 */
import type { FieldToMatch, PreParseTextTransformation } from "@aws-sdk/client-wafv2";
import { HEADER_INSPECTION_BYTES, HEADER_INSPECTION_COUNT, memoSlot, parseArgs, type RequestView } from "./request-view.js";
import { keyWithin, pointerWithin } from "./json-body.js";
import { urlDecode, urlDecodeUni } from "./transforms.js";
import { WafCompileError } from "./errors.js";

export interface FieldResult {
  values: readonly string[];
  /** Set when oversize/fallback handling decides the statement's result without inspection. */
  forced?: boolean;
}

export interface CompiledField {
  /**
   * Stable key for memoising the extraction and the transformed values per request: equal
   * keys extract equal results (oversize and fallback settings included).
   */
  readonly key: string;
  /** The FieldToMatch member used (for capacity and validation). */
  readonly kind: keyof FieldToMatch;
  extract(view: RequestView): FieldResult;
}

export class InvalidFieldError extends WafCompileError {}

const EMPTY: readonly string[] = [];

function handling(mode: string | undefined): boolean | undefined {
  if (mode === "MATCH") return true;
  if (mode === "NO_MATCH") return false;
  return undefined;
}

/**
 * Pre-parse text transformations (PreParseTextTransformations), compiled: each normalises the
 * raw query string before it is parsed into arguments, from the lowest priority to the highest.
 * NONE passes the string on unchanged.
 */
function preParseSteps(pre: readonly PreParseTextTransformation[]): Array<(q: string) => string> {
  const steps: Array<(q: string) => string> = [];
  for (const t of [...pre].sort((a, b) => (a.Priority ?? 0) - (b.Priority ?? 0))) {
    if (t.Type === "URL_DECODE") steps.push(urlDecode);
    else if (t.Type === "URL_DECODE_UNI") steps.push(urlDecodeUni);
    else if (t.Type === "REPLACE_SEMICOLONS_WITH_AMPERSANDS") steps.push((q) => (q.indexOf(";") < 0 ? q : q.replace(/;/g, "&")));
    else if (t.Type === "COMBINE_DUPLICATE_QUERY_ARGS_BY_COMMA") steps.push(combineDuplicateArgs);
  }
  return steps;
}

/** a=1&b=2&a=3 -> a=1,3&b=2: a repeated key's values joined at its first occurrence. */
function combineDuplicateArgs(q: string): string {
  const args = parseArgs(q);
  if (args.length < 2) return q;
  const byName = new Map<string, [string, string[]]>();
  for (const [n, v] of args) {
    const e = byName.get(n);
    if (e) e[1].push(v);
    else byName.set(n, [n, [v]]);
  }
  if (byName.size === args.length) return q;
  let out = "";
  for (const [n, vs] of byName.values()) out += (out === "" ? "" : "&") + n + "=" + vs.join(",");
  return out;
}

/** The query arguments after the pre-parse transformations, memoised per request in `slot`. */
function preParsedArgs(view: RequestView, steps: ReadonlyArray<(q: string) => string>, slot: number): Array<[string, string]> {
  let args = view.memo[slot] as Array<[string, string]> | undefined;
  if (args === undefined) {
    let q = view.req.query;
    for (const step of steps) q = step(q);
    args = parseArgs(q);
    view.memo[slot] = args;
  }
  return args;
}

export function compileField(f: FieldToMatch | undefined, pre?: readonly PreParseTextTransformation[]): CompiledField {
  if (!f) throw new InvalidFieldError("FieldToMatch is required");
  const set = Object.entries(f).filter(([, v]) => v !== undefined);
  if (set.length !== 1) throw new InvalidFieldError("FieldToMatch must specify exactly one request component");
  const [kind] = set[0] as [keyof FieldToMatch, unknown];
  // Pre-parse steps apply to the query arguments only. The API refuses them on
  // other components (services/wafv2/rule-shapes.ts), but web ACLs stored before
  // that check may carry them: they are ignored here, not an error, so that such
  // an ACL still compiles (and is deployed) on restart.
  const usesPre = pre !== undefined && pre.length > 0 && (kind === "SingleQueryArgument" || kind === "AllQueryArguments");
  const steps = usesPre ? preParseSteps(pre) : undefined;
  const preKey = usesPre ? "|pre:" + [...pre].sort((a, b) => (a.Priority ?? 0) - (b.Priority ?? 0)).map((p) => p.Type).join(",") : "";
  const preSlot = steps && steps.length ? memoSlot("preargs" + preKey) : -1;
  switch (kind) {
    case "SingleHeader": {
      const name = (f.SingleHeader?.Name ?? "").toLowerCase();
      if (!name) throw new InvalidFieldError("SingleHeader.Name is required");
      return { key: "h:" + name, kind, extract: (v) => {
        const h = v.header(name);
        return { values: h === undefined ? EMPTY : [h] };
      } };
    }
    case "SingleQueryArgument": {
      const name = (f.SingleQueryArgument?.Name ?? "").toLowerCase();
      if (!name) throw new InvalidFieldError("SingleQueryArgument.Name is required");
      return { key: "qa:" + name + preKey, kind, extract: (v) => {
        const args = preSlot >= 0 ? preParsedArgs(v, steps!, preSlot) : v.queryArgs();
        const out: string[] = [];
        for (const [n, val] of args) if (n.toLowerCase() === name) out.push(val);
        return { values: out };
      } };
    }
    case "AllQueryArguments":
      return { key: "qa*" + preKey, kind, extract: (v) => {
        const args = preSlot >= 0 ? preParsedArgs(v, steps!, preSlot) : v.queryArgs();
        return { values: args.map((a) => a[1]) };
      } };
    case "UriPath":
      return { key: "path", kind, extract: (v) => ({ values: [v.req.path] }) };
    case "QueryString":
      return { key: "qs", kind, extract: (v) => ({ values: [v.req.query] }) };
    case "Method":
      return { key: "method", kind, extract: (v) => ({ values: [v.req.method] }) };
    case "Body": {
      const over = handling(f.Body?.OversizeHandling);
      return { key: `body:${over ?? ""}`, kind, extract: (v) => {
        if (over !== undefined && v.bodyOversize()) return { values: EMPTY, forced: over };
        return { values: [v.body()] };
      } };
    }
    case "JsonBody": {
      const jb = f.JsonBody!;
      const scope = jb.MatchScope ?? "ALL";
      if (!["ALL", "KEY", "VALUE"].includes(scope)) throw new InvalidFieldError("JsonBody.MatchScope must be ALL, KEY or VALUE");
      const paths = jb.MatchPattern?.IncludedPaths;
      if (!jb.MatchPattern?.All && !paths) throw new InvalidFieldError("JsonBody.MatchPattern needs All or IncludedPaths");
      for (const p of paths ?? []) if (p !== "" && !p.startsWith("/")) throw new InvalidFieldError(`Invalid JSON pointer ${p}`);
      const over = handling(jb.OversizeHandling);
      const invalid = jb.InvalidFallbackBehavior;
      const key = `json:${scope}:${paths ? paths.join("\u0002") : "*"}:${invalid ?? ""}:${over ?? ""}`;
      return { key, kind, extract: (v) => {
        if (over !== undefined && v.bodyOversize()) return { values: EMPTY, forced: over };
        const body = v.body();
        if (body.length === 0) return { values: EMPTY };
        const parsed = v.json();
        // Only a failed parse applies InvalidFallbackBehavior. A body cut at the inspection
        // limit (OversizeHandling CONTINUE) fails it when the cut falls inside the JSON; when
        // the inspected part holds complete JSON (whitespace follows it), it is inspected.
        if (!parsed.complete) {
          if (invalid === "MATCH") return { values: EMPTY, forced: true };
          if (invalid === "NO_MATCH") return { values: EMPTY, forced: false };
          if (invalid === "EVALUATE_AS_STRING") return { values: [body] };
        }
        const out: string[] = [];
        for (const e of parsed.elements) {
          if (scope === "KEY" && e.kind !== "key") continue;
          if (scope === "VALUE" && e.kind !== "value") continue;
          if (paths && !(e.kind === "key" ? paths.some((p) => keyWithin(e.pointer, p)) : paths.some((p) => pointerWithin(e.pointer, p)))) continue;
          out.push(e.text);
        }
        return { values: out };
      } };
    }
    case "Headers": {
      const h = f.Headers!;
      const scope = h.MatchScope ?? "ALL";
      const inc = h.MatchPattern?.IncludedHeaders?.map((x) => x.toLowerCase());
      const exc = h.MatchPattern?.ExcludedHeaders?.map((x) => x.toLowerCase());
      if (!h.MatchPattern?.All && !inc && !exc) throw new InvalidFieldError("Headers.MatchPattern needs All, IncludedHeaders or ExcludedHeaders");
      const over = handling(h.OversizeHandling);
      const key = `hdrs:${scope}:${inc?.join(",") ?? ""}:${exc?.join(",") ?? ""}:${over ?? ""}`;
      return { key, kind, extract: (v) => {
        if (over !== undefined && v.headersOversize()) return { values: EMPTY, forced: over };
        // CONTINUE: only what is within the limits, the first 8 KiB of the headers
        // ("name: value\r\n" each) and the first 200 headers, whichever comes first.
        const out: string[] = [];
        const raw = v.req.headers;
        const lower = v.headers();
        let used = 0;
        for (let i = 0; i < raw.length && i < HEADER_INSPECTION_COUNT && used < HEADER_INSPECTION_BYTES; i++) {
          const [name, value] = raw[i] as [string, string];
          const nameRoom = HEADER_INSPECTION_BYTES - used;
          used += name.length + 2;
          const valueRoom = HEADER_INSPECTION_BYTES - used;
          used += value.length + 2;
          const ln = (lower[i] as [string, string])[0];
          if (inc && !inc.includes(ln)) continue;
          if (exc && exc.includes(ln)) continue;
          if (scope !== "VALUE") out.push(name.length <= nameRoom ? name : name.slice(0, nameRoom));
          if (scope !== "KEY" && valueRoom > 0) out.push(value.length <= valueRoom ? value : value.slice(0, valueRoom));
        }
        return { values: out };
      } };
    }
    case "Cookies": {
      const c = f.Cookies!;
      const scope = c.MatchScope ?? "ALL";
      const inc = c.MatchPattern?.IncludedCookies;
      const exc = c.MatchPattern?.ExcludedCookies;
      if (!c.MatchPattern?.All && !inc && !exc) throw new InvalidFieldError("Cookies.MatchPattern needs All, IncludedCookies or ExcludedCookies");
      const over = handling(c.OversizeHandling);
      const key = `cks:${scope}:${inc?.join(",") ?? ""}:${exc?.join(",") ?? ""}:${over ?? ""}`;
      return { key, kind, extract: (v) => {
        if (over !== undefined && v.cookiesOversize()) return { values: EMPTY, forced: over };
        // CONTINUE: only the cookies within the limits (first 8 KiB, first 200 cookies).
        const out: string[] = [];
        for (const [name, value] of v.inspectableCookies()) {
          if (inc && !inc.includes(name)) continue;
          if (exc && exc.includes(name)) continue;
          if (scope !== "VALUE") out.push(name);
          if (scope !== "KEY") out.push(value);
        }
        return { values: out };
      } };
    }
    case "HeaderOrder": {
      const over = handling(f.HeaderOrder?.OversizeHandling);
      return { key: `horder:${over ?? ""}`, kind, extract: (v) => {
        if (over !== undefined && v.headersOversize()) return { values: EMPTY, forced: over };
        // CONTINUE: the names of the headers within the limits, as Headers counts them (the
        // first 200, within the first 8 KiB of "name: value\r\n"; a name cut by it as far as it goes).
        const raw = v.req.headers;
        let order = "";
        let used = 0;
        for (let i = 0; i < raw.length && i < HEADER_INSPECTION_COUNT && used < HEADER_INSPECTION_BYTES; i++) {
          const [name, value] = raw[i] as [string, string];
          const room = HEADER_INSPECTION_BYTES - used;
          order += (i === 0 ? "" : ":") + (name.length <= room ? name : name.slice(0, room));
          used += name.length + value.length + 4;
        }
        return { values: [order] };
      } };
    }
    case "JA3Fingerprint":
    case "JA4Fingerprint": {
      const fb = handling((kind === "JA3Fingerprint" ? f.JA3Fingerprint : f.JA4Fingerprint)?.FallbackBehavior);
      const prop = kind === "JA3Fingerprint" ? "ja3" : "ja4";
      return { key: `${prop}:${fb ?? ""}`, kind, extract: (v) => {
        const fp = v.req[prop];
        if (!fp) return { values: EMPTY, forced: fb ?? false };
        return { values: [fp] };
      } };
    }
    case "UriFragment": {
      return { key: "frag", kind, extract: (v) => {
        const i = v.req.uri.indexOf("#");
        return { values: i < 0 ? EMPTY : [v.req.uri.slice(i + 1)] };
      } };
    }
    default:
      throw new InvalidFieldError(`Unsupported FieldToMatch ${String(kind)}`);
  }
}
