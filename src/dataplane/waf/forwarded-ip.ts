/**
 * Forwarded-IP handling (ForwardedIPConfig / IPSetForwardedIPConfig). The header's value is a
 * comma-separated list (X-Forwarded-For style). A missing header means the statement does not
 * apply (no match); an invalid address at the inspected position uses FallbackBehavior.
 */
import { parseIp, type ParsedIp } from "./ip.js";
import type { RequestView } from "./request-view.js";

export type ForwardedResult = { kind: "absent" } | { kind: "invalid" } | { kind: "ips"; ips: ParsedIp[]; raw: string[] };

export function forwardedIps(view: RequestView, headerLower: string, position: "FIRST" | "LAST" | "ANY"): ForwardedResult {
  const h = view.header(headerLower);
  if (h === undefined) return { kind: "absent" };
  const parts = h.split(",").map((p) => p.trim()).filter((p) => p !== "");
  if (parts.length === 0) return { kind: "invalid" };
  const pick = position === "FIRST" ? [parts[0] as string] : position === "LAST" ? [parts[parts.length - 1] as string] : parts.slice(-10);
  const ips: ParsedIp[] = [];
  const raw: string[] = [];
  for (const p of pick) {
    const ip = parseIp(p);
    if (ip) {
      ips.push(ip);
      raw.push(p);
    }
  }
  if (ips.length === 0 || (position !== "ANY" && ips.length !== pick.length)) return { kind: "invalid" };
  return { kind: "ips", ips, raw };
}
