/**
 * One request as the WAF inspects it: parsed lazily (headers by name, cookies, query
 * arguments, body, JSON elements) and with a per-request memo of transformed field values,
 * so each (field, transformation chain) is computed at most once however many rules use it.
 */
import type { InspectedRequest } from "../types.js";
import { parseJsonElements, type JsonParse } from "./json-body.js";
import { TRANSFORMS } from "./transforms.js";
import type { TextTransformationType } from "@aws-sdk/client-wafv2";

/** Limits of what the host service forwards to WAF (ALB): 8 KiB / 200 items. */
export const HEADER_INSPECTION_BYTES = 8192;
export const HEADER_INSPECTION_COUNT = 200;

export class RequestView {
  /** Fully qualified labels added so far, in order. */
  readonly labels: string[] = [];
  private readonly labelSet = new Set<string>();
  private readonly memo = new Map<string, readonly string[]>();
  private lowerHeaders?: Array<[string, string]>;
  private headerMap?: Map<string, string[]>;
  private cookieList?: Array<[string, string]>;
  private cookieOversize = false;
  private queryList?: Array<[string, string]>;
  private bodyStr?: string;
  private jsonParse?: JsonParse;
  /** Values computed by statements that need per-request caching of their own (e.g. geo). */
  readonly scratch = new Map<string, unknown>();

  constructor(
    readonly req: InspectedRequest,
    readonly bodyLimit: number,
  ) {}

  addLabel(label: string): void {
    if (!this.labelSet.has(label)) {
      this.labelSet.add(label);
      this.labels.push(label);
    }
  }
  hasLabel(label: string): boolean {
    return this.labelSet.has(label);
  }

  /** Headers as [lower-case name, value], in arrival order. */
  headers(): Array<[string, string]> {
    if (!this.lowerHeaders) this.lowerHeaders = this.req.headers.map(([n, v]) => [n.toLowerCase(), v]);
    return this.lowerHeaders;
  }
  headerValues(lowerName: string): string[] | undefined {
    if (!this.headerMap) {
      const m = new Map<string, string[]>();
      for (const [n, v] of this.headers()) {
        const list = m.get(n);
        if (list) list.push(v);
        else m.set(n, [v]);
      }
      this.headerMap = m;
    }
    return this.headerMap.get(lowerName);
  }
  /** One header's value; repeated headers are joined with ", " as HTTP allows. */
  header(lowerName: string): string | undefined {
    const v = this.headerValues(lowerName);
    if (!v) return undefined;
    return v.length === 1 ? v[0] : v.join(", ");
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
      const list: Array<[string, string]> = [];
      let bytes = 0;
      for (const raw of this.headerValues("cookie") ?? []) {
        bytes += raw.length;
        for (const part of raw.split(";")) {
          const p = part.trim();
          if (p === "") continue;
          const eq = p.indexOf("=");
          list.push(eq < 0 ? [p, ""] : [p.slice(0, eq).trim(), p.slice(eq + 1).trim()]);
        }
      }
      this.cookieOversize = bytes > HEADER_INSPECTION_BYTES || list.length > HEADER_INSPECTION_COUNT;
      this.cookieList = list;
    }
    return this.cookieList;
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
    if (!this.queryList) this.queryList = parseArgs(this.req.query);
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

  /**
   * Transformed values of a field, memoised per (field key, chain prefix): "URL_DECODE" then
   * "URL_DECODE,LOWERCASE" reuses the first result.
   */
  transformed(fieldKey: string, values: readonly string[], chain: readonly TextTransformationType[]): readonly string[] {
    if (chain.length === 0) return values;
    let key = fieldKey;
    let cur = values;
    for (let i = 0; i < chain.length; i++) {
      const t = chain[i] as TextTransformationType;
      key += "\u0001" + t;
      const hit = this.memo.get(key);
      if (hit) {
        cur = hit;
        continue;
      }
      const fn = TRANSFORMS[t];
      const next = cur.length === 1 ? [fn(cur[0] as string)] : cur.map(fn);
      this.memo.set(key, next);
      cur = next;
    }
    return cur;
  }
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
