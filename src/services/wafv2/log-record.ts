/**
 * WAF log records in the AWS WAF log format (one JSON object per request), with the
 * logging configuration's RedactedFields and LoggingFilter applied.
 */
import type { FieldToMatch, LoggingFilter } from "@aws-sdk/client-wafv2";
import type { InspectedRequest, WafDecision } from "../../dataplane/types.js";
import type { LogDestination } from "./log-destinations.js";
import { outerRule, type AclRuntime } from "./runtime.js";

export interface CompiledLogging {
  destinations: LogDestination[];
  redact: { headers: Set<string>; uri: boolean; query: boolean; method: boolean };
  filter?: LoggingFilter;
}

export function compileLogging(destinations: LogDestination[], redacted: readonly FieldToMatch[] | undefined, filter: LoggingFilter | undefined): CompiledLogging {
  const redact = { headers: new Set<string>(), uri: false, query: false, method: false };
  for (const f of redacted ?? []) {
    if (f.SingleHeader?.Name) redact.headers.add(f.SingleHeader.Name.toLowerCase());
    if (f.UriPath) redact.uri = true;
    if (f.QueryString) redact.query = true;
    if (f.Method) redact.method = true;
  }
  return { destinations, redact, ...(filter ? { filter } : {}) };
}

/** Whether the filter keeps the record (first filter whose requirement holds decides). */
export function keepRecord(filter: LoggingFilter | undefined, decision: WafDecision): boolean {
  if (!filter) return true;
  for (const f of filter.Filters ?? []) {
    const results = (f.Conditions ?? []).map((c) => {
      if (c.ActionCondition) {
        const a = c.ActionCondition.Action;
        if (a === decision.action) return true;
        return decision.matchedRules.some((m) => m.action === a);
      }
      if (c.LabelNameCondition) return decision.labels.includes(c.LabelNameCondition.LabelName ?? "");
      return false;
    });
    const met = f.Requirement === "MEETS_ALL" ? results.length > 0 && results.every(Boolean) : results.some(Boolean);
    if (met) return f.Behavior === "KEEP";
  }
  return filter.DefaultBehavior !== "DROP";
}

const REDACTED = "REDACTED";

interface RuleEntry {
  ruleId: string;
  action: string;
  ruleMatchDetails: unknown[];
}

/** The AWS WAF log record of one request, or undefined when the filter drops it. */
export function buildLogRecord(rt: AclRuntime, logging: CompiledLogging, httpSourceId: string, req: InspectedRequest, decision: WafDecision): Record<string, unknown> | undefined {
  if (!keepRecord(logging.filter, decision)) return undefined;
  const r = logging.redact;
  const terminating = decision.terminatingRuleId === "Default_Action" ? undefined : rt.rules.get(decision.terminatingRuleId);
  const groups = new Map<string, { ruleGroupId: string; terminatingRule: RuleEntry | null; nonTerminatingMatchingRules: RuleEntry[]; excludedRules: null }>();
  const nonTerminating: RuleEntry[] = [];
  const rateBased: Array<Record<string, unknown>> = [];
  for (const m of decision.matchedRules) {
    const outer = outerRule(rt, m);
    const entry: RuleEntry = { ruleId: m.ruleId, action: m.action, ruleMatchDetails: [] };
    const isTerminal = m.action !== "COUNT" && (outer?.name ?? m.ruleId) === decision.terminatingRuleId;
    if (m.ruleGroupId !== undefined) {
      const gid = outer?.groupId ?? m.ruleGroupId;
      let g = groups.get(gid);
      if (!g) {
        g = { ruleGroupId: gid, terminatingRule: null, nonTerminatingMatchingRules: [], excludedRules: null };
        groups.set(gid, g);
      }
      if (isTerminal) g.terminatingRule = entry;
      else g.nonTerminatingMatchingRules.push(entry);
    } else if (!isTerminal) {
      nonTerminating.push(entry);
    }
    if (outer?.rate) {
      rateBased.push({ rateBasedRuleId: outer.name, rateBasedRuleName: outer.name, limitKey: outer.rate.aggregateKeyType, maxRateAllowed: outer.rate.limit, evaluationWindowSec: String(outer.rate.windowSec) });
    }
  }
  const headers = req.headers.map(([name, value]) => ({ name, value: r.headers.has(name.toLowerCase()) ? REDACTED : value }));
  const record: Record<string, unknown> = {
    timestamp: req.time,
    formatVersion: 1,
    webaclId: rt.arn,
    terminatingRuleId: decision.terminatingRuleId,
    terminatingRuleType: terminating?.type ?? "REGULAR",
    action: decision.action,
    terminatingRuleMatchDetails: [],
    httpSourceName: "ALB",
    httpSourceId,
    ruleGroupList: [...groups.values()],
    rateBasedRuleList: rateBased,
    nonTerminatingMatchingRules: nonTerminating,
    requestHeadersInserted: decision.insertHeaders.length > 0 ? decision.insertHeaders.map(([name, value]) => ({ name, value })) : null,
    responseCodeSent: decision.response ? decision.response.status : null,
    httpRequest: {
      clientIp: req.clientIp,
      country: req.country ?? "-",
      headers,
      uri: r.uri ? REDACTED : req.path,
      args: r.query ? REDACTED : req.query,
      httpVersion: httpVersionOf(req.httpVersion),
      httpMethod: r.method ? REDACTED : req.method,
      requestId: req.requestId,
    },
    ...(decision.labels.length > 0 ? { labels: decision.labels.map((name) => ({ name })) } : {}),
    ...(req.ja3 ? { ja3Fingerprint: req.ja3 } : {}),
    ...(req.ja4 ? { ja4Fingerprint: req.ja4 } : {}),
  };
  return record;
}

export function httpVersionOf(v: string): string {
  return v.startsWith("HTTP/") ? v : `HTTP/${v}`;
}
