/**
 * What the native detectors of the managed rule groups inspect, per request location, as
 * decoded readings (see detect/decode.ts `readings`). Everything is computed at most once
 * per request and kept on the RequestView, however many rules look at it.
 *
 *  - query:   argument names and values of the query string
 *  - body:    fields of the body as its Content-Type says (body-parts.ts); free-text fields
 *             have quoted code in prose masked (detect/prose.ts)
 *  - cookies: cookie names and values
 *  - headers: header values other than Cookie (inspected as cookies) and the headers
 *             whose grammar HTTP fixes (Accept, Authorization, Cache-Control …)
 *  - path:    the URI path
 */
import type { RequestView } from "../request-view.js";
import { readings, percentDecode } from "../detect/decode.js";
import { maskQuotedCode } from "../detect/prose.js";
import { parseBody, type ParsedBody } from "./body-parts.js";

export type Location = "query" | "body" | "cookies" | "headers" | "path";

function memo<T>(view: RequestView, key: string, make: () => T): T {
  const hit = view.scratch.get(key);
  if (hit !== undefined) return hit as T;
  const v = make();
  view.scratch.set(key, v);
  return v;
}

/** Header value limit for inspection (what AWS forwards is 8 KiB of headers in total). */
const MAX_VALUE = 8192;

export function parsedBody(view: RequestView): ParsedBody {
  return memo(view, "in:pbody", () => parseBody(view.header("content-type"), view.body()));
}

export function queryTexts(view: RequestView): readonly string[] {
  return memo(view, "in:query", () => {
    const out: string[] = [];
    for (const [n, v] of view.queryArgs()) {
      readings(n, "form", out);
      if (v !== "") readings(v, "form", out);
    }
    return out;
  });
}

/** Decoded [name, value] pairs of the query string. */
export function queryPairs(view: RequestView): ReadonlyArray<readonly [string, string]> {
  return memo(view, "in:qpairs", () => view.queryArgs().map(([n, v]) => [percentDecode(n, true), percentDecode(v, true)] as const));
}

/** Decoded [name, value] pairs of the query string and of a form, JSON or multipart body. */
export function argPairs(view: RequestView): ReadonlyArray<readonly [string, string]> {
  return memo(view, "in:pairs", () => [...queryPairs(view), ...bodyPairs(view)]);
}

/** Decoded [name, value] pairs of a form, JSON or multipart body (JSON: each key with the string that follows it). */
export function bodyPairs(view: RequestView): ReadonlyArray<readonly [string, string]> {
  return memo(view, "in:bpairs", () => {
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
}

export function bodyTexts(view: RequestView): readonly string[] {
  return memo(view, "in:body", () => {
    const out: string[] = [];
    for (const f of parsedBody(view).fields) {
      const from = out.length;
      readings(f.text, f.decode, out);
      if (f.free) for (let i = from; i < out.length; i++) out[i] = maskQuotedCode(out[i] as string);
    }
    return out;
  });
}

export function cookieTexts(view: RequestView): readonly string[] {
  return memo(view, "in:cookies", () => {
    const out: string[] = [];
    for (const [n, v] of view.cookies()) {
      readings(n, "percent", out);
      if (v !== "") readings(v, "percent", out);
    }
    return out;
  });
}

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

export function headerTexts(view: RequestView): readonly string[] {
  return memo(view, "in:headers", () => {
    const out: string[] = [];
    for (const [n, v] of view.headers()) {
      if (n === "cookie" || v === "" || STRUCTURED.has(n)) continue;
      readings(v.length > MAX_VALUE ? v.slice(0, MAX_VALUE) : v, "percent", out);
    }
    return out;
  });
}

export function pathTexts(view: RequestView): readonly string[] {
  return memo(view, "in:path", () => {
    const out: string[] = [];
    readings(view.req.path, "percent", out);
    return out;
  });
}

/** Names of uploaded files: multipart file names and the file-name headers upload APIs use (X-File-Name …). */
export function uploadNames(view: RequestView): readonly string[] {
  return memo(view, "in:uploads", () => {
    const out: string[] = [];
    for (const p of parsedBody(view).parts ?? []) if (p.filename !== undefined && p.filename !== "") out.push(p.filename);
    for (const [n, v] of view.headers()) if (/(?:^|[-_.])file[-_.]?name$|^x[-_.]file$/.test(n) && v !== "") out.push(percentDecode(v, false));
    return out;
  });
}

/** Segments of the decoded URI path (for detectors that judge one segment at a time, as routers hand them to handlers). */
export function pathSegments(view: RequestView): readonly string[] {
  return memo(view, "in:segments", () => pathTexts(view).flatMap((p) => p.split("/")).filter((x) => x.length >= 3));
}

export const LOCATIONS: Record<Location, (view: RequestView) => readonly string[]> = {
  query: queryTexts,
  body: bodyTexts,
  cookies: cookieTexts,
  headers: headerTexts,
  path: pathTexts,
};
