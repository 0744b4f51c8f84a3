import type { WireRequest } from "./types.js";

/** Value of a request header (name given in lower case); repeated headers are joined like Node does. */
export function headerValue(req: WireRequest, lowerName: string): string | undefined {
  const direct = req.headers[lowerName];
  if (direct !== undefined) return Array.isArray(direct) ? direct.join(",") : direct;
  // Callers other than Node's http server may hand us mixed-case names.
  for (const k in req.headers) {
    if (k.length === lowerName.length && k.toLowerCase() === lowerName) {
      const v = req.headers[k];
      if (v !== undefined) return Array.isArray(v) ? v.join(",") : v;
    }
  }
  return undefined;
}

/** Media type of the request body without parameters, lower-cased ("" when absent). */
export function mediaTypeOf(req: WireRequest): string {
  const ct = headerValue(req, "content-type");
  if (ct === undefined) return "";
  const semi = ct.indexOf(";");
  return (semi < 0 ? ct : ct.slice(0, semi)).trim().toLowerCase();
}
