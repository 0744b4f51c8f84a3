/**
 * Protocol-level checks of the core rule set that need more than one field or a parsed
 * body: requests whose framing or metadata lets the WAF and the application read them
 * differently, or that the WAF cannot inspect at all.
 */
import type { RequestView } from "../request-view.js";
import { parsedBody } from "./inputs.js";

/**
 * multipart/form-data whose part names or file names contain ";" or "=" (outside a
 * character reference), unbalanced quotes or backslash escapes: parsers disagree on where
 * such a name ends, which is how payloads slip past inspection (and "shell.j\s\p" becomes
 * "shell.jsp").
 */
export function multipartEvasion(view: RequestView): boolean {
  const body = parsedBody(view);
  if (body.kind !== "multipart" || !/^multipart\/form-data/i.test(view.header("content-type") ?? "")) return false;
  if (!body.parts) return true; // declared multipart but no usable boundary
  for (const p of body.parts) {
    for (const v of [p.name, p.filename]) {
      if (v === undefined) continue;
      const bare = v.replace(/&(?:[a-z]{2,8}|#\d{1,5}|#x[0-9a-f]{1,4});/gi, "");
      if (/[;=]/.test(bare)) return true;
      // Backslash escapes (not a Windows path such as C:\fakepath\x.png, which old browsers send).
      if (/\\[^\\]/.test(v) && !/^(?:[a-z]:\\|\\\\)/i.test(v)) return true;
    }
    const d = p.disposition;
    if (d !== "" && ((d.match(/"/g) ?? []).length % 2 === 1 || !/^\s*form-data\b/i.test(d))) return true;
  }
  return false;
}

/** A request with a body but no Content-Type: the application may parse it in a way the WAF did not. */
export function bodyWithoutContentType(view: RequestView): boolean {
  return view.req.body.length > 0 && view.header("content-type") === undefined;
}

/** A compressed or otherwise encoded request body the WAF cannot inspect. */
export function encodedBody(view: RequestView): boolean {
  const ce = view.header("content-encoding");
  return ce !== undefined && !/^\s*identity\s*$/i.test(ce);
}

/** RFC 2109 cookie attributes ($Version, $Path, $Domain) in a request: they switch some parsers to quoted-string rules. */
export function legacyCookieSyntax(view: RequestView): boolean {
  for (const raw of view.headerValues("cookie") ?? []) if (/(?:^|;)\s*\$(?:version|path|domain|port)\s*=/i.test(raw)) return true;
  return false;
}

/** Accept-Encoding that no client sends: overlong or with characters outside the grammar (HTTP.sys CVE-2022-21907). */
export function badAcceptEncoding(view: RequestView): boolean {
  const ae = view.header("accept-encoding");
  return ae !== undefined && (ae.length > 100 || /[^\w\s,;=.*\/+-]/.test(ae));
}

/** Parameter names that contain line breaks: header injection or a parser confusion attempt. */
export function lineBreakInNames(view: RequestView): boolean {
  for (const [n] of view.queryArgs()) if (/%0[ad]|[\r\n]/i.test(n)) return true;
  return false;
}
