/**
 * Registered with the data plane: for every request a web ACL inspected, updates the
 * per-rule counters, records sampled requests under the metric names whose visibility
 * config enables sampling, and hands a log record to the sink when logging is configured.
 * Runs on the request path, so it does only in-memory work; log delivery is asynchronous.
 */
import type { InspectedRequest, TrafficObserver, WafDecision } from "../../dataplane/types.js";
import { albSourceId, parseLoadBalancerArn } from "./arn.js";
import { buildLogRecord } from "./log-record.js";
import type { LogSink } from "./log-sink.js";
import type { WafMetrics } from "./metrics.js";
import { outerRule, type AclRuntime } from "./runtime.js";
import type { RequestSampler, Sample, SampledRequestFields } from "./sampling.js";

export interface ObserverDeps {
  /** Deployed web ACL of a load balancer. */
  runtimeOf(lbArn: string): AclRuntime | undefined;
  sampler: RequestSampler;
  metrics: WafMetrics;
  sink: LogSink;
  onError?: (e: unknown) => void;
}

function sampledFieldsOf(req: InspectedRequest): SampledRequestFields {
  return { clientIp: req.clientIp, country: req.country, path: req.path, method: req.method, httpVersion: req.httpVersion, headers: req.headers };
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

  // Runs for every inspected request: plain objects of one shape, no per-header objects (the
  // AWS shapes are built by GetSampledRequests), a Set only when rules matched.
  const sample = (rt: AclRuntime, req: InspectedRequest, decision: WafDecision): void => {
    let request: SampledRequestFields | undefined;
    const responseCode = decision.response?.status;
    const inserted = decision.insertHeaders.length > 0 ? decision.insertHeaders : undefined;
    const put = (metric: string, action: string, within: string | undefined): void => {
      request ??= sampledFieldsOf(req);
      // Like AWS, only custom responses report the code WAF sent.
      const s: Sample = { time: req.time, request, action, labels: decision.labels, responseCode, ruleNameWithinRuleGroup: within, headersInserted: inserted };
      deps.sampler.record(rt.arn, metric, s);
    };
    if (decision.terminatingRuleId === "Default_Action") {
      if (rt.sampled) put(rt.metricName, decision.action, undefined);
    }
    if (decision.matchedRules.length === 0) return;
    const seen = new Set<string>();
    for (const m of decision.matchedRules) {
      const outer = outerRule(rt, m);
      if (!outer) continue;
      if (m.ruleGroupId !== undefined) {
        if (outer.sampled && !seen.has(`${outer.metricName}\n${m.ruleId}`)) put(outer.metricName, m.action, m.ruleId);
        seen.add(`${outer.metricName}\n${m.ruleId}`);
        const inner = outer.inner?.get(m.ruleId);
        if (inner?.sampled && !seen.has(inner.metricName)) {
          put(inner.metricName, m.action, undefined);
          seen.add(inner.metricName);
        }
      } else if (outer.sampled && !seen.has(outer.metricName)) {
        put(outer.metricName, m.action, undefined);
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
