/**
 * Gateway metrics on /metrics (Prometheus text format, prom-client registry).
 *
 * Every API request is counted in plain numbers (a few map lookups and additions); the
 * prom-client metrics are filled from those numbers only when /metrics is scraped. prom-client's
 * own inc()/observe() hash a label object on every call, which was measurable per request.
 * Exposition is unchanged: bulwark_requests_total{service,operation,code} (counter) and
 * bulwark_request_duration_seconds{service} (histogram).
 */
import { Counter, Registry, collectDefaultMetrics } from "prom-client";

/** Upper bounds (seconds) of the request-duration histogram. */
export const DURATION_BUCKETS: readonly number[] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];

export interface GatewayMetrics {
  registry: Registry;
  /** Counts one API request and its latency. */
  observeRequest(service: string, operation: string, code: string, seconds: number): void;
}

interface DurationSeries {
  /** Per bucket (not cumulative); index DURATION_BUCKETS.length is +Inf. */
  buckets: number[];
  sum: number;
  count: number;
}

// Labels are bounded by what the gateway routes (services, their operations, error codes);
// requests naming something unknown are counted under "unknown"/"Unknown" by the pipeline.
const MAX_SERIES = 10_000;

/** One registry per server instance (tests run several in one process). */
export function createMetrics(): GatewayMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "bulwark_process_" });

  // service → operation → code → count
  const counts = new Map<string, Map<string, Map<string, number>>>();
  let series = 0;
  const durations = new Map<string, DurationSeries>();

  new Counter({
    name: "bulwark_requests_total",
    help: "API requests by service, operation and result code",
    labelNames: ["service", "operation", "code"] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const [service, ops] of counts) {
        for (const [operation, codes] of ops) {
          for (const [code, n] of codes) this.inc({ service, operation, code }, n);
        }
      }
    },
  });

  const durationName = "bulwark_request_duration_seconds";
  const durationHelp = "API request latency";
  // A histogram whose values come from `durations`; prom-client formats it like its own
  // Histogram (cumulative _bucket series with le, then _sum and _count).
  const durationMetric = {
    name: durationName,
    help: durationHelp,
    type: "histogram",
    aggregator: "sum",
    labelNames: ["service"],
    reset(): void {
      durations.clear();
    },
    async getForPromString() {
      const values: Array<{ labels: Record<string, string | number>; sharedLabels: Record<string, string>; value: number; metricName: string }> = [];
      for (const [service, d] of durations) {
        const shared = { service };
        let acc = 0;
        for (let i = 0; i < DURATION_BUCKETS.length; i++) {
          acc += d.buckets[i] ?? 0;
          values.push({ labels: { le: DURATION_BUCKETS[i]! }, sharedLabels: shared, value: acc, metricName: `${durationName}_bucket` });
        }
        values.push({ labels: { le: "+Inf" }, sharedLabels: shared, value: d.count, metricName: `${durationName}_bucket` });
        values.push({ labels: {}, sharedLabels: shared, value: d.sum, metricName: `${durationName}_sum` });
        values.push({ labels: {}, sharedLabels: shared, value: d.count, metricName: `${durationName}_count` });
      }
      return { name: durationName, help: durationHelp, type: "histogram", values, aggregator: "sum" };
    },
    async get() {
      const data = await durationMetric.getForPromString();
      return { ...data, values: data.values.map((v) => ({ labels: { ...v.labels, ...v.sharedLabels }, value: v.value, metricName: v.metricName })) };
    },
  };
  registry.registerMetric(durationMetric as unknown as Parameters<Registry["registerMetric"]>[0]);

  function count(service: string, operation: string, code: string): void {
    let ops = counts.get(service);
    if (ops === undefined) {
      if (series >= MAX_SERIES) return;
      ops = new Map();
      counts.set(service, ops);
    }
    let codes = ops.get(operation);
    if (codes === undefined) {
      if (series >= MAX_SERIES) return;
      codes = new Map();
      ops.set(operation, codes);
    }
    const n = codes.get(code);
    if (n !== undefined) codes.set(code, n + 1);
    else if (series < MAX_SERIES) {
      series++;
      codes.set(code, 1);
    }
  }

  function observeRequest(service: string, operation: string, code: string, seconds: number): void {
    count(service, operation, code);
    let d = durations.get(service);
    if (d === undefined) {
      d = { buckets: new Array<number>(DURATION_BUCKETS.length + 1).fill(0), sum: 0, count: 0 };
      durations.set(service, d);
    }
    let i = 0;
    while (i < DURATION_BUCKETS.length && seconds > DURATION_BUCKETS[i]!) i++;
    d.buckets[i]!++;
    d.sum += seconds;
    d.count++;
  }

  return { registry, observeRequest };
}
