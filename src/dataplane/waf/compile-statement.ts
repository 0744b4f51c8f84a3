/**
 * Compiles nestable WAFv2 statements into synchronous predicates over a RequestView.
 * Everything that can be decided at compile time is: regexes compiled, search strings
 * decoded, transformation chains ordered, IP sets turned into range matchers.
 */
import type { Statement, TextTransformation, FieldToMatch, PreParseTextTransformation, TextTransformationType } from "@aws-sdk/client-wafv2";
import { chainSlots, memoSlot, type RequestView } from "./request-view.js";
import type { GeoLookup, WafResolver } from "./types.js";
import { compileField, type CompiledField } from "./field-to-match.js";
import { applyTransforms, orderTransformations } from "./transforms.js";
import { itemOf, verdict, verdictSlot, MAX_CACHED_VALUE, type Item } from "./verdicts.js";
import { compileAwsRegex, compileTrustedRegex, type AwsRegex } from "./regex.js";

const compileRegex = (pattern: string, ctx: StatementContext): AwsRegex => (ctx.trustedPatterns ? compileTrustedRegex(pattern) : compileAwsRegex(pattern));
import { compileLabelMatch } from "./label-match.js";
import { createIpMatcher, parseIp, type IpMatcher } from "./ip.js";
import { forwardedIps } from "./forwarded-ip.js";
import { detectSqli } from "./detect/sqli.js";
import { detectXss } from "./detect/xss.js";
import { WafCompileError } from "./errors.js";

export type Predicate = (view: RequestView) => boolean;

/** The API's ranges: SizeConstraintStatement.Size (bytes) and AsnMatchStatement.AsnList items. */
const MAX_SIZE_CONSTRAINT = 21_474_836_480;
const MAX_ASN = 4_294_967_295;

export interface StatementContext {
  resolver: WafResolver;
  geo?: GeoLookup;
  /** Label namespace of the web ACL or rule group that holds the statement (trailing colon). */
  labelNamespace: string;
  /** Built-in IP lists of a managed rule group, by ARN. */
  ipLists?: Record<string, IpMatcher>;
  /** Cache of compiled IP sets by ARN for this compilation. */
  ipSetCache: Map<string, IpMatcher>;
  /** Native statements of a managed rule group (ManagedRuleGroupDefinition.natives). */
  natives?: ReadonlyMap<string, Predicate>;
  /** The statements are Bulwark's own managed rules: their patterns may use the faster backtracking engine (regex.ts). */
  trustedPatterns?: boolean;
}

export { WafCompileError };

/**
 * A field plus its transformation chain, tested value by value. `testKey` names the test
 * exactly (same key, same pure function of the transformed value): with it, the verdict on
 * each raw value is remembered (verdicts.ts) — transformations and test are skipped for
 * values already judged, in this request or, for short values, in earlier ones. Fields with
 * a value too long to remember use the per-request memo of transformed values instead.
 */
function inspect(field: FieldToMatch | undefined, tts: TextTransformation[] | undefined, pre: PreParseTextTransformation[] | undefined, test: (v: string) => boolean, testKey: string): Predicate {
  const f: CompiledField = compileField(field, pre);
  const chain: TextTransformationType[] = orderTransformations(tts);
  const fieldSlot = memoSlot("f:" + f.key);
  const itemsSlot = memoSlot("i:" + f.key);
  const slots = chainSlots(f.key, chain);
  const vslot = verdictSlot(`stmt:${chain.join(",")}|${testKey}`);
  const ask = chain.length === 0 ? (item: Item) => test(item.value) : (item: Item) => test(applyTransforms(item.value, chain));
  return (view) => {
    const r = view.field(f, fieldSlot);
    if (r.forced !== undefined) return r.forced;
    const values = r.values;
    if (values.length === 0) return false;
    if (vslot >= 0) {
      let items = view.memo[itemsSlot] as Item[] | null | undefined;
      if (items === undefined) {
        items = null;
        let short = true;
        for (let i = 0; i < values.length && short; i++) short = (values[i] as string).length <= MAX_CACHED_VALUE;
        if (short) {
          items = new Array<Item>(values.length);
          for (let i = 0; i < values.length; i++) items[i] = itemOf(values[i] as string);
        }
        view.memo[itemsSlot] = items;
      }
      if (items !== null) {
        for (let i = 0; i < items.length; i++) if (verdict(items[i] as Item, vslot, ask)) return true;
        return false;
      }
    }
    const vals = chain.length === 0 ? values : view.transformed(values, chain, slots);
    for (let i = 0; i < vals.length; i++) if (test(vals[i] as string)) return true;
    return false;
  };
}

function bytesToBinary(b: Uint8Array | string | undefined): string {
  if (b === undefined) return "";
  if (typeof b === "string") return Buffer.from(b, "utf8").toString("latin1");
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("latin1");
}

function isWordChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}

export function byteMatcher(search: string, constraint: string): (v: string) => boolean {
  switch (constraint) {
    case "EXACTLY":
      return (v) => v === search;
    case "STARTS_WITH":
      return (v) => v.startsWith(search);
    case "ENDS_WITH":
      return (v) => v.endsWith(search);
    case "CONTAINS":
      return (v) => v.includes(search);
    case "CONTAINS_WORD":
      return (v) => {
        let i = v.indexOf(search);
        while (i >= 0) {
          const before = i === 0 || !isWordChar(v.charCodeAt(i - 1));
          const end = i + search.length;
          const after = end === v.length || !isWordChar(v.charCodeAt(end));
          if (before && after) return true;
          i = v.indexOf(search, i + 1);
        }
        return false;
      };
    default:
      throw new WafCompileError(`Invalid PositionalConstraint ${constraint}`);
  }
}

function ipSetMatcher(arn: string, ctx: StatementContext): IpMatcher {
  const builtin = ctx.ipLists?.[arn];
  if (builtin) return builtin;
  const cached = ctx.ipSetCache.get(arn);
  if (cached) return cached;
  const set = ctx.resolver.ipSet(arn);
  if (!set) throw new WafCompileError(`IP set not found: ${arn}`);
  const m = createIpMatcher(set.Addresses ?? []);
  ctx.ipSetCache.set(arn, m);
  return m;
}

/** Country of the request origin or forwarded IP (cached per request). */
function countryOf(view: RequestView, geo: GeoLookup | undefined, ip: string | undefined): string | undefined {
  if (ip === undefined) {
    if (view.req.country) return view.req.country;
    ip = view.req.clientIp;
  }
  const key = "geo:" + ip;
  if (view.scratch.has(key)) return view.scratch.get(key) as string | undefined;
  const c = geo?.country(ip);
  view.scratch.set(key, c);
  return c;
}

export function compileStatement(st: Statement | undefined, ctx: StatementContext): Predicate {
  if (!st) throw new WafCompileError("Statement is required");
  const keys = Object.entries(st).filter(([, v]) => v !== undefined).map(([k]) => k);
  if (keys.length !== 1) throw new WafCompileError("A Statement must contain exactly one statement type");
  if (st.ByteMatchStatement) {
    const b = st.ByteMatchStatement;
    const search = bytesToBinary(b.SearchString);
    const kind = Object.keys(b.FieldToMatch ?? {})[0];
    if ((kind === "JA3Fingerprint" || kind === "JA4Fingerprint") && b.PositionalConstraint !== "EXACTLY") {
      throw new WafCompileError("JA3/JA4 fingerprints can only be matched EXACTLY");
    }
    const constraint = b.PositionalConstraint ?? "";
    return inspect(b.FieldToMatch, b.TextTransformations, b.PreParseTextTransformations, byteMatcher(search, constraint), `bytes:${constraint}:${search}`);
  }
  if (st.RegexMatchStatement) {
    const r = st.RegexMatchStatement;
    const native = ctx.natives?.get(r.RegexString ?? "");
    if (native) return native;
    const re = compileRegex(r.RegexString ?? "", ctx);
    return inspect(r.FieldToMatch, r.TextTransformations, r.PreParseTextTransformations, (v) => re.test(v), `regex:${r.RegexString ?? ""}`);
  }
  if (st.RegexPatternSetReferenceStatement) {
    const r = st.RegexPatternSetReferenceStatement;
    const set = ctx.resolver.regexPatternSet(r.ARN ?? "");
    if (!set) throw new WafCompileError(`Regex pattern set not found: ${r.ARN}`);
    const patterns = (set.RegularExpressionList ?? []).map((x) => x.RegexString ?? "");
    const res = patterns.map((p) => compileRegex(p, ctx));
    return inspect(r.FieldToMatch, r.TextTransformations, r.PreParseTextTransformations, (v) => res.some((re) => re.test(v)), `regexes:${JSON.stringify(patterns)}`);
  }
  if (st.SqliMatchStatement) {
    const s = st.SqliMatchStatement;
    const level = s.SensitivityLevel === "HIGH" ? "HIGH" : "LOW";
    return inspect(s.FieldToMatch, s.TextTransformations, s.PreParseTextTransformations, (v) => detectSqli(v, level), `sqli:${level}`);
  }
  if (st.XssMatchStatement) {
    const s = st.XssMatchStatement;
    return inspect(s.FieldToMatch, s.TextTransformations, s.PreParseTextTransformations, detectXss, "xss");
  }
  if (st.SizeConstraintStatement) {
    const s = st.SizeConstraintStatement;
    const size = s.Size ?? 0;
    if (!Number.isInteger(size) || size < 0 || size > MAX_SIZE_CONSTRAINT) throw new WafCompileError(`SizeConstraintStatement Size must be an integer from 0 to ${MAX_SIZE_CONSTRAINT}`);
    const cmp: Record<string, (n: number) => boolean> = {
      EQ: (n) => n === size, NE: (n) => n !== size, LE: (n) => n <= size, LT: (n) => n < size, GE: (n) => n >= size, GT: (n) => n > size,
    };
    const test = cmp[s.ComparisonOperator ?? ""];
    if (!test) throw new WafCompileError(`Invalid ComparisonOperator ${s.ComparisonOperator}`);
    return inspect(s.FieldToMatch, s.TextTransformations, s.PreParseTextTransformations, (v) => test(v.length), `size:${s.ComparisonOperator}:${size}`);
  }
  if (st.GeoMatchStatement) {
    const g = st.GeoMatchStatement;
    const codes = new Set(g.CountryCodes ?? []);
    const fwd = g.ForwardedIPConfig;
    const fwdHeader = fwd?.HeaderName?.toLowerCase();
    const fallback = fwd?.FallbackBehavior === "MATCH";
    return (view) => {
      let country: string | undefined;
      let origin = "clientip";
      if (fwdHeader) {
        const r = forwardedIps(view, fwdHeader, "FIRST");
        if (r.kind === "absent") return false;
        if (r.kind === "invalid") return fallback;
        country = countryOf(view, ctx.geo, r.raw[0]);
        origin = "forwardedip";
      } else country = countryOf(view, ctx.geo, undefined);
      if (country === undefined) return false;
      view.addLabel(`awswaf:${origin}:geo:country:${country}`);
      return codes.has(country as never);
    };
  }
  if (st.IPSetReferenceStatement) {
    const r = st.IPSetReferenceStatement;
    const m = ipSetMatcher(r.ARN ?? "", ctx);
    const fwd = r.IPSetForwardedIPConfig;
    if (!fwd) {
      return (view) => {
        const p = parseIp(view.req.clientIp);
        return p !== undefined && m.containsParsed(p);
      };
    }
    const header = (fwd.HeaderName ?? "").toLowerCase();
    const pos = (fwd.Position ?? "FIRST") as "FIRST" | "LAST" | "ANY";
    const fallback = fwd.FallbackBehavior === "MATCH";
    return (view) => {
      const res = forwardedIps(view, header, pos);
      if (res.kind === "absent") return false;
      if (res.kind === "invalid") return fallback;
      return res.ips.some((ip) => m.containsParsed(ip));
    };
  }
  if (st.LabelMatchStatement) {
    const l = st.LabelMatchStatement;
    const test = compileLabelMatch(l.Scope ?? "LABEL", l.Key ?? "", ctx.labelNamespace);
    return (view) => test(view.labels);
  }
  if (st.AndStatement) {
    const parts = (st.AndStatement.Statements ?? []).map((s) => compileStatement(s, ctx));
    if (parts.length < 2) throw new WafCompileError("AndStatement needs at least two statements");
    return (view) => {
      for (const p of parts) if (!p(view)) return false;
      return true;
    };
  }
  if (st.OrStatement) {
    const parts = (st.OrStatement.Statements ?? []).map((s) => compileStatement(s, ctx));
    if (parts.length < 2) throw new WafCompileError("OrStatement needs at least two statements");
    return (view) => {
      for (const p of parts) if (p(view)) return true;
      return false;
    };
  }
  if (st.NotStatement) {
    const inner = compileStatement(st.NotStatement.Statement, ctx);
    return (view) => !inner(view);
  }
  if (st.AsnMatchStatement) {
    for (const asn of st.AsnMatchStatement.AsnList ?? []) {
      if (!Number.isInteger(asn) || asn < 0 || asn > MAX_ASN) throw new WafCompileError(`AsnMatchStatement ASN ${String(asn)} must be an integer from 0 to ${MAX_ASN}`);
    }
    // No ASN database ships with Bulwark, so no address maps to a network. The developer guide
    // (ASN match rule statement, "Handling unmapped ASNs"): "If AWS WAF can't determine the ASN
    // for a valid IP address, it assigns ASN 0. You can include ASN 0 in your rule to explicitly
    // handle these cases." So a list with 0 matches every request whose inspected address is
    // valid, and no other ASN ever matches. An invalid forwarded address takes FallbackBehavior.
    const unmapped = (st.AsnMatchStatement.AsnList ?? []).includes(0);
    const fwd = st.AsnMatchStatement.ForwardedIPConfig;
    const fwdHeader = fwd?.HeaderName?.toLowerCase();
    const fallback = fwd?.FallbackBehavior === "MATCH";
    return (view) => {
      if (!fwdHeader) return unmapped;
      const r = forwardedIps(view, fwdHeader, "FIRST");
      if (r.kind === "absent") return false;
      if (r.kind === "invalid") return fallback;
      return unmapped;
    };
  }
  if (st.RateBasedStatement || st.RuleGroupReferenceStatement || st.ManagedRuleGroupStatement) {
    throw new WafCompileError(`${keys[0]} can only be used as a rule's top-level statement`);
  }
  throw new WafCompileError(`Unsupported statement ${keys[0]}`);
}
