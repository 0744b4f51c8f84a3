/**
 * AWSManagedRulesSQLiRuleSet (awswaf:managed:aws:sql-database:). The SQLi_* rules use the
 * structural detector of SqliMatchStatement (sensitivity LOW); SQLiExtendedPatterns_* add
 * patterns the detector leaves alone: system catalogue names, time-delay and out-of-band
 * functions, stacked statements, MySQL comment and float tricks, NoSQL operators. Paths
 * are also judged segment by segment; SQLi_HEADER (Bulwark) covers User-Agent, Referer and
 * custom headers.
 */
import type { Rule } from "@aws-sdk/client-wafv2";
import { or, rule } from "./build.js";
import { detectAt } from "./natives.js";
import { detectSqli } from "../detect/sqli.js";
import { detectSqliExtended } from "../detect/sqli-extended.js";

const ext = detectSqliExtended;
const sq = (s: string): boolean => detectSqli(s);
/** Each segment of a decoded path (three characters or more), as routers hand them to handlers. */
const sqSegments = (path: string): boolean => {
  for (const seg of path.split("/")) if (seg.length >= 3 && sq(seg)) return true;
  return false;
};

export const SQLI_RULE_SET_RULES: Rule[] = [
  rule("SQLi_QUERYARGUMENTS", 0, detectAt("query", "sqli", sq), "SQLi_QueryArguments"),
  rule("SQLiExtendedPatterns_QUERYARGUMENTS", 1, detectAt("query", "sqli-ext", ext), "SQLiExtendedPatterns_QueryArguments"),
  rule("SQLi_BODY", 2, detectAt("body", "sqli", sq), "SQLi_Body"),
  rule("SQLiExtendedPatterns_BODY", 3, detectAt("body", "sqli-ext", ext), "SQLiExtendedPatterns_Body"),
  rule("SQLi_COOKIE", 4, or(detectAt("cookies", "sqli", sq), detectAt("cookies", "sqli-ext", ext)), "SQLi_Cookie"),
  rule("SQLi_URIPATH", 5, or(detectAt("path", "sqli", sq), detectAt("path", "sqli-segments", sqSegments)), "SQLi_URIPath"),
  rule("SQLi_HEADER", 6, or(detectAt("headers", "sqli", sq), detectAt("headers", "sqli-ext", ext)), "SQLi_Header"),
];
