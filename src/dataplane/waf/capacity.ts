/**
 * Web ACL capacity units (WCUs) as the AWS WAF Developer Guide documents them, per statement:
 *   ByteMatch: EXACTLY/STARTS_WITH/ENDS_WITH 2, CONTAINS/CONTAINS_WORD 10; RegexMatch 3;
 *   RegexPatternSetReference 25; SqliMatch LOW 20 / HIGH 30; XssMatch 40; SizeConstraint 1;
 *   GeoMatch, IPSetReference, LabelMatch, AsnMatch 1 (IPSetReference with a forwarded-IP
 *   Position of ANY: 5).
 *   Field modifiers: AllQueryArguments +10; JsonBody doubles the base cost.
 *   Each text transformation +10 (NONE applies nothing and costs nothing), and so each
 *   pre-parse text transformation of the query string.
 *   And/Or/Not: the sum of the nested statements.
 *   RateBased: 2 + 30 per custom aggregation key + 10 per key text transformation + scope-down.
 *   RuleGroupReference / ManagedRuleGroup: the group's capacity (plus the scope-down statement).
 * AWS may subtract optimisations for repeated work; Bulwark does not (an upper bound).
 */
import type { Rule, Statement, FieldToMatch, TextTransformation, PreParseTextTransformation } from "@aws-sdk/client-wafv2";
import type { WafResolver } from "./types.js";

type Inspecting = { FieldToMatch?: FieldToMatch | undefined; TextTransformations?: TextTransformation[] | undefined; PreParseTextTransformations?: PreParseTextTransformation[] | undefined };

function fieldCost(base: number, s: Inspecting): number {
  let b = base;
  const f = s.FieldToMatch;
  if (f?.JsonBody) b *= 2;
  if (f?.AllQueryArguments) b += 10;
  const applied = (list: Array<{ Type?: string | undefined }> | undefined): number => list?.filter((t) => t.Type !== "NONE").length ?? 0;
  return b + 10 * applied(s.TextTransformations) + 10 * applied(s.PreParseTextTransformations);
}

export function statementCapacity(s: Statement | undefined, resolver: WafResolver): number {
  if (!s) return 0;
  if (s.ByteMatchStatement) {
    const b = s.ByteMatchStatement;
    const base = b.PositionalConstraint === "CONTAINS" || b.PositionalConstraint === "CONTAINS_WORD" ? 10 : 2;
    return fieldCost(base, b);
  }
  if (s.RegexMatchStatement) return fieldCost(3, s.RegexMatchStatement);
  if (s.RegexPatternSetReferenceStatement) return fieldCost(25, s.RegexPatternSetReferenceStatement);
  if (s.SqliMatchStatement) return fieldCost(s.SqliMatchStatement.SensitivityLevel === "HIGH" ? 30 : 20, s.SqliMatchStatement);
  if (s.XssMatchStatement) return fieldCost(40, s.XssMatchStatement);
  if (s.SizeConstraintStatement) return fieldCost(1, s.SizeConstraintStatement);
  // IP set match: 4 more when it inspects any address of a forwarded-IP header (Position ANY).
  if (s.IPSetReferenceStatement) return s.IPSetReferenceStatement.IPSetForwardedIPConfig?.Position === "ANY" ? 5 : 1;
  if (s.GeoMatchStatement || s.LabelMatchStatement || s.AsnMatchStatement) return 1;
  if (s.AndStatement) return (s.AndStatement.Statements ?? []).reduce((n, x) => n + statementCapacity(x, resolver), 0);
  if (s.OrStatement) return (s.OrStatement.Statements ?? []).reduce((n, x) => n + statementCapacity(x, resolver), 0);
  if (s.NotStatement) return statementCapacity(s.NotStatement.Statement, resolver);
  if (s.RateBasedStatement) {
    const r = s.RateBasedStatement;
    let n = 2 + statementCapacity(r.ScopeDownStatement, resolver);
    for (const k of r.CustomKeys ?? []) {
      n += 30;
      const withT = k.Header ?? k.Cookie ?? k.QueryArgument ?? k.QueryString ?? k.UriPath;
      n += 10 * (withT?.TextTransformations?.filter((t) => t.Type !== "NONE").length ?? 0);
    }
    return n;
  }
  if (s.RuleGroupReferenceStatement) return resolver.ruleGroup(s.RuleGroupReferenceStatement.ARN ?? "")?.Capacity ?? 0;
  if (s.ManagedRuleGroupStatement) {
    const m = s.ManagedRuleGroupStatement;
    const def = resolver.managedRuleGroup(m.VendorName ?? "", m.Name ?? "", m.Version);
    return (def?.capacity ?? 0) + statementCapacity(m.ScopeDownStatement, resolver);
  }
  return 0;
}

/** Total WCUs of a list of rules (CheckCapacity). */
export function checkCapacity(rules: Rule[], resolver: WafResolver): number {
  return rules.reduce((n, r) => n + statementCapacity(r.Statement, resolver), 0);
}
