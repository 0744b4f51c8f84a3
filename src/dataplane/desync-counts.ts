/**
 * ALB's DesyncMitigationMode_NonCompliant_Request_Count, per load balancer: every request that
 * does not comply with RFC 7230 (classified Acceptable, Ambiguous or Severe), whatever the mode
 * did with it. Counted in plain numbers per request; the Prometheus counter
 * bulwark_elb_desync_mitigation_mode_noncompliant_requests_total{load_balancer, classification,
 * reason} is filled from them when /metrics is scraped. `load_balancer` is CloudWatch's
 * LoadBalancer dimension (app/<name>/<id>).
 */
import { Counter, type Registry } from "prom-client";
import type { DesyncReason, DesyncVerdict } from "./desync.js";

export const DESYNC_METRIC = "bulwark_elb_desync_mitigation_mode_noncompliant_requests_total";

export class DesyncCounts {
  /** load balancer ARN → verdict → requests. */
  private readonly counts = new Map<string, Map<DesyncVerdict, number>>();

  count(loadBalancerArn: string, v: DesyncVerdict): void {
    let m = this.counts.get(loadBalancerArn);
    if (m === undefined) {
      m = new Map();
      this.counts.set(loadBalancerArn, m);
    }
    m.set(v, (m.get(v) ?? 0) + 1);
  }

  /** A deleted load balancer's series go with it. */
  forget(loadBalancerArn: string): void {
    this.counts.delete(loadBalancerArn);
  }

  /** Non-compliant requests of a load balancer, optionally of one reason. */
  total(loadBalancerArn: string, reason?: DesyncReason): number {
    let n = 0;
    for (const [v, c] of this.counts.get(loadBalancerArn) ?? []) if (reason === undefined || v.reason === reason) n += c;
    return n;
  }

  *entries(): IterableIterator<{ loadBalancerArn: string; verdict: DesyncVerdict; count: number }> {
    for (const [loadBalancerArn, m] of this.counts) for (const [verdict, count] of m) yield { loadBalancerArn, verdict, count };
  }

  /** Registers the counter on `registry` (the gateway's, so /metrics shows it). */
  register(registry: Registry): void {
    if (registry.getSingleMetric(DESYNC_METRIC)) return;
    const counts = this;
    new Counter({
      name: DESYNC_METRIC,
      help: "DesyncMitigationMode_NonCompliant_Request_Count: requests that do not comply with RFC 7230, by load balancer, classification and reason",
      labelNames: ["load_balancer", "classification", "reason"] as const,
      registers: [registry],
      collect() {
        this.reset();
        for (const e of counts.entries()) {
          this.inc({ load_balancer: dimension(e.loadBalancerArn), classification: e.verdict.classification, reason: e.verdict.reason }, e.count);
        }
      },
    });
  }
}

/** CloudWatch's LoadBalancer dimension: the ARN's resource after "loadbalancer/". */
function dimension(arn: string): string {
  const i = arn.indexOf(":loadbalancer/");
  return i < 0 ? arn : arn.slice(i + ":loadbalancer/".length);
}
