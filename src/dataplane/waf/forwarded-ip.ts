/**
 * Forwarded-IP handling (ForwardedIPConfig / IPSetForwardedIPConfig). The header's value is a
 * comma-separated list (X-Forwarded-For style). An invalid address at the inspected position
 * uses FallbackBehavior. A missing header means the rule does not apply to the request at all:
 * neither its action nor the fallback behaviour, however deeply the statement is nested in
 * Not/And/Or (forwardedIpHeaders, applied to the whole rule by compile-acl.ts).
 */
import type { Statement } from "@aws-sdk/client-wafv2";
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

/**
 * The (lower-case) forwarded-IP header names a rule's statement inspects, through Not/And/Or
 * and scope-down statements: when one of them is missing from a request, the rule does not
 * apply to it. A rate-based statement's own ForwardedIPConfig is left to its aggregation
 * (used only by FORWARDED_IP or a ForwardedIP custom key, which skip such requests).
 */
export function forwardedIpHeaders(st: Statement | undefined, out: string[] = []): string[] {
  if (!st) return out;
  const add = (name: string | undefined): void => {
    const n = name?.toLowerCase();
    if (n && !out.includes(n)) out.push(n);
  };
  add(st.IPSetReferenceStatement?.IPSetForwardedIPConfig?.HeaderName);
  add(st.GeoMatchStatement?.ForwardedIPConfig?.HeaderName);
  add(st.AsnMatchStatement?.ForwardedIPConfig?.HeaderName);
  for (const s of st.AndStatement?.Statements ?? []) forwardedIpHeaders(s, out);
  for (const s of st.OrStatement?.Statements ?? []) forwardedIpHeaders(s, out);
  forwardedIpHeaders(st.NotStatement?.Statement, out);
  forwardedIpHeaders(st.RateBasedStatement?.ScopeDownStatement, out);
  forwardedIpHeaders(st.ManagedRuleGroupStatement?.ScopeDownStatement, out);
  return out;
}

/** A predicate that holds only when every one of `headers` is present, then `inner` decides. */
export function whenHeadersPresent<T>(headers: readonly string[], inner: (view: RequestView) => T, absent: T): (view: RequestView) => T {
  if (headers.length === 0) return inner;
  if (headers.length === 1) {
    const h = headers[0] as string;
    return (view) => (view.hasHeader(h) ? inner(view) : absent);
  }
  return (view) => {
    for (let i = 0; i < headers.length; i++) if (!view.hasHeader(headers[i] as string)) return absent;
    return inner(view);
  };
}
