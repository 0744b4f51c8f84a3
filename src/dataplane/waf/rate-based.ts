/**
 * RateBasedStatement: counts requests per aggregation instance over the evaluation window
 * (60/120/300/600 s, default 300) and matches while the instance's count exceeds Limit.
 *
 * Approach: AWS re-evaluates rates about every 10 seconds, so blocking starts up to ~10 s
 * after the limit is crossed. Bulwark counts in 10-second buckets (see RateCounter
 * implementations) but decides on every request, so it reacts at once; the window is rolling
 * at 10 s granularity, like AWS's. Every request that reaches the rule and satisfies the
 * scope-down statement is counted, including those the rule itself blocks. Requests missing
 * an aggregation key component are neither counted nor matched.
 */
import { createHash } from "node:crypto";
import { isIPv4, isIPv6 } from "node:net";
import type { RateBasedStatement, TextTransformation } from "@aws-sdk/client-wafv2";
import { chainSlots, type RequestView } from "./request-view.js";
import type { RateCounter } from "./types.js";
import type { Clock } from "../../core/clock.js";
import { compileStatement, WafCompileError, type StatementContext } from "./compile-statement.js";
import { orderTransformations } from "./transforms.js";
import { forwardedIps } from "./forwarded-ip.js";
import { formatIp, type ParsedIp } from "./ip.js";

type KeyPart = (view: RequestView) => string | undefined | typeof FALLBACK_MATCH;
const FALLBACK_MATCH = Symbol("fallback-match");

export const RATE_WINDOWS = [60, 120, 300, 600];
/** RateBasedStatement.Limit: 10 to 2,000,000,000 requests per window (the API's range). */
const MIN_RATE_LIMIT = 10;
const MAX_RATE_LIMIT = 2_000_000_000;

function transformed(tts: TextTransformation[] | undefined, fieldKey: string, get: (v: RequestView) => string | undefined): KeyPart {
  const chain = orderTransformations(tts);
  const slots = chainSlots(fieldKey, chain);
  return (view) => {
    const raw = get(view);
    if (raw === undefined) return undefined;
    return chain.length === 0 ? raw : view.transformed([raw], chain, slots)[0];
  };
}

export function compileRateBased(st: RateBasedStatement, ctx: StatementContext, counter: RateCounter, clock: Clock, instanceId: string): (view: RequestView) => Promise<boolean> {
  const limit = st.Limit ?? 0;
  if (!Number.isInteger(limit) || limit < MIN_RATE_LIMIT || limit > MAX_RATE_LIMIT) {
    throw new WafCompileError(`RateBasedStatement Limit must be an integer from ${MIN_RATE_LIMIT} to ${MAX_RATE_LIMIT}`);
  }
  const window = st.EvaluationWindowSec ?? 300;
  if (!RATE_WINDOWS.includes(window)) throw new WafCompileError("EvaluationWindowSec must be 60, 120, 300 or 600");
  const scope = st.ScopeDownStatement ? compileStatement(st.ScopeDownStatement, ctx) : undefined;
  const type = st.AggregateKeyType ?? "IP";
  const fwdHeader = st.ForwardedIPConfig?.HeaderName?.toLowerCase();
  const fwdFallback = st.ForwardedIPConfig?.FallbackBehavior === "MATCH";
  const forwarded: KeyPart = (view) => {
    if (!fwdHeader) return undefined;
    const r = forwardedIps(view, fwdHeader, "FIRST");
    if (r.kind === "absent") return undefined;
    if (r.kind === "invalid") return fwdFallback ? FALLBACK_MATCH : undefined;
    // Counted by address, not by spelling: "2001:DB8::1" and "[2001:db8::1]" are one client.
    return formatIp(r.ips[0] as ParsedIp);
  };
  const parts: KeyPart[] = [];
  switch (type) {
    case "IP":
      parts.push((v) => v.req.clientIp);
      break;
    case "FORWARDED_IP":
      if (!fwdHeader) throw new WafCompileError("FORWARDED_IP aggregation requires ForwardedIPConfig");
      parts.push(forwarded);
      break;
    case "CONSTANT":
      if (!scope) throw new WafCompileError("CONSTANT aggregation requires a ScopeDownStatement");
      break;
    case "CUSTOM_KEYS": {
      const keys = st.CustomKeys ?? [];
      if (keys.length === 0 || keys.length > 5) throw new WafCompileError("CUSTOM_KEYS needs between 1 and 5 CustomKeys");
      for (const k of keys) {
        if (k.Header) {
          const n = (k.Header.Name ?? "").toLowerCase();
          parts.push(transformed(k.Header.TextTransformations, "h:" + n, (v) => v.header(n)));
        } else if (k.Cookie) {
          const n = k.Cookie.Name ?? "";
          parts.push(transformed(k.Cookie.TextTransformations, "ck:" + n, (v) => v.cookie(n)));
        } else if (k.QueryArgument) {
          const n = (k.QueryArgument.Name ?? "").toLowerCase();
          parts.push(transformed(k.QueryArgument.TextTransformations, "qa1:" + n, (v) => v.queryArgs().find((a) => a[0].toLowerCase() === n)?.[1]));
        } else if (k.QueryString) {
          parts.push(transformed(k.QueryString.TextTransformations, "qs", (v) => (v.req.query === "" ? undefined : v.req.query)));
        } else if (k.UriPath) {
          parts.push(transformed(k.UriPath.TextTransformations, "path", (v) => v.req.path));
        } else if (k.HTTPMethod) {
          parts.push((v) => v.req.method);
        } else if (k.IP) {
          parts.push((v) => v.req.clientIp);
        } else if (k.ForwardedIP) {
          if (!fwdHeader) throw new WafCompileError("ForwardedIP custom key requires ForwardedIPConfig");
          parts.push(forwarded);
        } else if (k.LabelNamespace) {
          const ns0 = k.LabelNamespace.Namespace ?? "";
          const ns = ns0.endsWith(":") ? ns0 : ns0 + ":";
          parts.push((v) => {
            const ls = v.labels.filter((l) => l.startsWith(ns) && l.indexOf(":", ns.length) < 0);
            return ls.length ? ls.sort().join("\n") : undefined;
          });
        } else if (k.JA3Fingerprint || k.JA4Fingerprint) {
          const ja3 = !!k.JA3Fingerprint;
          const fb = (ja3 ? k.JA3Fingerprint : k.JA4Fingerprint)?.FallbackBehavior === "MATCH";
          parts.push((v) => (ja3 ? v.req.ja3 : v.req.ja4) ?? (fb ? FALLBACK_MATCH : undefined));
        } else if (k.ASN) {
          parts.push(() => undefined); // no ASN database: requests are never aggregated
        } else throw new WafCompileError("Unsupported rate-based custom key");
      }
      break;
    }
    default:
      throw new WafCompileError(`Invalid AggregateKeyType ${type}`);
  }
  // Addresses over the limit are remembered for GetRateBasedStatementManagedKeys, which only
  // rules aggregating on the IP address alone answer.
  const flagsIps = (type === "IP" || type === "FORWARDED_IP") && counter.flag !== undefined;
  return async (view) => {
    if (scope && !scope(view)) return false;
    let material = instanceId;
    let last = "";
    for (const p of parts) {
      const v = p(view);
      if (v === undefined) return false;
      if (v === FALLBACK_MATCH) return true;
      material += "\u0000" + v;
      last = v;
    }
    const now = clock.now();
    const count = await counter.add(rateKeyOf(material), window, now);
    if (count <= limit) return false;
    if (flagsIps) counter.flag!(instanceId, last, window, now);
    return true;
  };
}

/** The counter key of an aggregation instance: the rule instance and the key's values, NUL-separated. */
function rateKeyOf(material: string): string {
  return "rbr:" + createHash("sha256").update(material, "latin1").digest("base64url").slice(0, 32);
}

/** The counter key of one IP address under a rate-based rule instance aggregating on the IP alone. */
export function ipRateKey(instanceId: string, ip: string): string {
  return rateKeyOf(instanceId + "\u0000" + ip);
}

/** The most addresses one rate-based rule instance limits at a time (AWS's figure). */
export const MAX_MANAGED_KEYS = 10_000;

export interface RateBasedManagedKeys {
  /** CIDR notation, one address each ("192.0.2.1/32"), highest rate first. */
  ipv4: string[];
  /** CIDR notation ("2001:db8::1/128"), highest rate first. */
  ipv6: string[];
}

/**
 * The addresses rate-based rule instance `instanceId` (statement `st`) limits now: those flagged
 * over the limit whose count in the window ending at `now` is still above it, the 10,000 with
 * the highest counts. "unsupported" for a rule that does not aggregate on the IP address or the
 * forwarded IP address alone.
 */
export async function rateBasedManagedKeys(counter: RateCounter, now: number, instanceId: string, st: RateBasedStatement): Promise<RateBasedManagedKeys | "unsupported"> {
  const type = st.AggregateKeyType ?? "IP";
  if (type !== "IP" && type !== "FORWARDED_IP") return "unsupported";
  const keys: RateBasedManagedKeys = { ipv4: [], ipv6: [] };
  if (counter.flagged === undefined || counter.peek === undefined) return keys;
  const window = st.EvaluationWindowSec ?? 300;
  const limit = st.Limit ?? 0;
  const peek = counter.peek.bind(counter);
  const members = await counter.flagged(instanceId, window, now);
  const counted = await Promise.all(members.map(async (ip) => ({ ip, n: await peek(ipRateKey(instanceId, ip), window, now) })));
  const over = counted.filter((x) => x.n > limit).sort((a, b) => b.n - a.n || (a.ip < b.ip ? -1 : a.ip > b.ip ? 1 : 0));
  for (const { ip } of over.slice(0, MAX_MANAGED_KEYS)) {
    if (isIPv4(ip)) keys.ipv4.push(ip + "/32");
    else if (isIPv6(ip)) keys.ipv6.push(ip + "/128");
  }
  return keys;
}
