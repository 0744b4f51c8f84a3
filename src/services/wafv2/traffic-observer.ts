/**
 * Registered with the data plane: for every request a web ACL inspected, updates the
 * per-rule counters, records sampled requests under the metric names whose visibility
 * config enables sampling, and hands a log record to the sink when logging is configured.
 * Runs on the request path, so it does only in-memory work; log delivery is asynchronous.
 */
import type { HTTPHeader, HTTPRequest } from "@aws-sdk/client-wafv2";
import type { InspectedRequest, TrafficObserver, WafDecision } from "../../dataplane/types.js";
import { albSourceId, parseLoadBalancerArn } from "./arn.js";
import { buildLogRecord, httpVersionOf } from "./log-record.js";
import type { LogSink } from "./log-sink.js";
import type { WafMetrics } from "./metrics.js";
import { outerRule, type AclRuntime } from "./runtime.js";
import type { RequestSampler, Sample } from "./sampling.js";

export interface ObserverDeps {
  /** Deployed web ACL of a load balancer. */
  runtimeOf(lbArn: string): AclRuntime | undefined;
  sampler: RequestSampler;
  metrics: WafMetrics;
  sink: LogSink;
  onError?: (e: unknown) => void;
}

function httpRequestOf(req: InspectedRequest): HTTPRequest {
  return {
    ClientIP: req.clientIp,
    ...(req.country ? { Country: req.country } : {}),
    URI: req.path,
    Method: req.method,
    HTTPVersion: httpVersionOf(req.httpVersion),
    Headers: req.headers.map(([Name, Value]) => ({ Name, Value })),
  };
}

export function createTrafficObserver(deps: ObserverDeps): TrafficObserver {
  const sourceIds = new Map<string, string>();
  const sourceId = (lbArn: string): string => {
    let id = sourceIds.get(lbArn);
    if (id === undefined) {
      const lb = parseLoadBalancerArn(lbArn);
      id = lb ? albSourceId(lb) : "-";
      if (sourceIds.size > 10_000) sourceIds.clear();
      sourceIds.set(lbArn, id);
    }
    return id;
  };

  const sample = (rt: AclRuntime, req: InspectedRequest, decision: WafDecision): void => {
    let request: HTTPRequest | undefined;
    const inserted: HTTPHeader[] | undefined = decision.insertHeaders.length > 0 ? decision.insertHeaders.map(([Name, Value]) => ({ Name, Value })) : undefined;
    const put = (metric: string, action: string, within?: string): void => {
      request ??= httpRequestOf(req);
      const s: Sample = {
        time: req.time,
        request,
        action,
        labels: decision.labels,
        // Like AWS, only custom responses report the code WAF sent.
        ...(decision.response ? { responseCode: decision.response.status } : {}),
        ...(within !== undefined ? { ruleNameWithinRuleGroup: within } : {}),
        ...(inserted ? { headersInserted: inserted } : {}),
      };
      deps.sampler.record(rt.arn, metric, s);
    };
    if (decision.terminatingRuleId === "Default_Action") {
      if (rt.sampled) put(rt.metricName, decision.action);
    }
    const seen = new Set<string>();
    for (const m of decision.matchedRules) {
      const outer = outerRule(rt, m);
      if (!outer) continue;
      if (m.ruleGroupId !== undefined) {
        if (outer.sampled && !seen.has(`${outer.metricName}\n${m.ruleId}`)) put(outer.metricName, m.action, m.ruleId);
        seen.add(`${outer.metricName}\n${m.ruleId}`);
        const inner = outer.inner?.get(m.ruleId);
        if (inner?.sampled && !seen.has(inner.metricName)) {
          put(inner.metricName, m.action);
          seen.add(inner.metricName);
        }
      } else if (outer.sampled && !seen.has(outer.metricName)) {
        put(outer.metricName, m.action);
        seen.add(outer.metricName);
      }
    }
  };

  return {
    onRequest(lbArn, req, decision) {
      if (!decision) return;
      const rt = deps.runtimeOf(lbArn);
      if (!rt) return;
      try {
        deps.metrics.observe(rt.name, decision);
        sample(rt, req, decision);
        const logging = rt.logging;
        if (logging && logging.destinations.length > 0) {
          const record = buildLogRecord(rt, logging, sourceId(lbArn), req, decision);
          if (record) {
            const line = JSON.stringify(record);
            for (const d of logging.destinations) deps.sink.write(d, line);
          }
        }
      } catch (e) {
        // Observation must never break the data plane.
        deps.onError?.(e);
      }
    },
  };
}
