/**
 * Small builders for writing Bulwark's managed rule groups as ordinary WAFv2 rules, so they
 * run through the same compiler, capacity accounting and override logic as customer rules.
 */
import type { Rule, Statement, FieldToMatch, TextTransformationType, TextTransformation } from "@aws-sdk/client-wafv2";

export type T = TextTransformationType;

export function tts(...types: T[]): TextTransformation[] {
  return types.length === 0 ? [{ Priority: 0, Type: "NONE" }] : types.map((Type, Priority) => ({ Priority, Type }));
}

export const F = {
  allArgs: { AllQueryArguments: {} } as FieldToMatch,
  queryString: { QueryString: {} } as FieldToMatch,
  path: { UriPath: {} } as FieldToMatch,
  body: { Body: { OversizeHandling: "CONTINUE" } } as FieldToMatch,
  method: { Method: {} } as FieldToMatch,
  cookies: { Cookies: { MatchPattern: { All: {} }, MatchScope: "ALL", OversizeHandling: "CONTINUE" } } as FieldToMatch,
  cookieValues: { Cookies: { MatchPattern: { All: {} }, MatchScope: "VALUE", OversizeHandling: "CONTINUE" } } as FieldToMatch,
  headerValues: { Headers: { MatchPattern: { All: {} }, MatchScope: "VALUE", OversizeHandling: "CONTINUE" } } as FieldToMatch,
  headersAll: { Headers: { MatchPattern: { All: {} }, MatchScope: "ALL", OversizeHandling: "CONTINUE" } } as FieldToMatch,
  headerNames: { Headers: { MatchPattern: { All: {} }, MatchScope: "KEY", OversizeHandling: "CONTINUE" } } as FieldToMatch,
  header: (name: string): FieldToMatch => ({ SingleHeader: { Name: name } }),
};

export function regex(field: FieldToMatch, pattern: string, ...t: T[]): Statement {
  return { RegexMatchStatement: { FieldToMatch: field, RegexString: pattern, TextTransformations: tts(...t) } };
}
export function bytes(field: FieldToMatch, search: string, constraint: "EXACTLY" | "STARTS_WITH" | "ENDS_WITH" | "CONTAINS" | "CONTAINS_WORD", ...t: T[]): Statement {
  return { ByteMatchStatement: { FieldToMatch: field, SearchString: Buffer.from(search, "latin1"), PositionalConstraint: constraint, TextTransformations: tts(...t) } };
}
export function size(field: FieldToMatch, op: "EQ" | "NE" | "LE" | "LT" | "GE" | "GT", n: number, ...t: T[]): Statement {
  return { SizeConstraintStatement: { FieldToMatch: field, ComparisonOperator: op, Size: n, TextTransformations: tts(...t) } };
}
export function sqli(field: FieldToMatch, ...t: T[]): Statement {
  return { SqliMatchStatement: { FieldToMatch: field, TextTransformations: tts(...t), SensitivityLevel: "LOW" } };
}
export function xss(field: FieldToMatch, ...t: T[]): Statement {
  return { XssMatchStatement: { FieldToMatch: field, TextTransformations: tts(...t) } };
}
export function or(...s: Statement[]): Statement {
  return s.length === 1 ? (s[0] as Statement) : { OrStatement: { Statements: s } };
}
export function and(...s: Statement[]): Statement {
  return s.length === 1 ? (s[0] as Statement) : { AndStatement: { Statements: s } };
}
export function not(s: Statement): Statement {
  return { NotStatement: { Statement: s } };
}
export function ipSet(arn: string): Statement {
  return { IPSetReferenceStatement: { ARN: arn } };
}

/** A managed rule; `label` is relative to the group's namespace. */
export function rule(name: string, priority: number, statement: Statement, label: string, action: "Block" | "Count" = "Block"): Rule {
  return {
    Name: name,
    Priority: priority,
    Statement: statement,
    Action: action === "Block" ? { Block: {} } : { Count: {} },
    RuleLabels: [{ Name: label }],
    VisibilityConfig: { SampledRequestsEnabled: true, CloudWatchMetricsEnabled: true, MetricName: name },
  };
}
