import { Counter, Histogram, Registry, collectDefaultMetrics } from "prom-client";

export interface GatewayMetrics {
  registry: Registry;
  requests: Counter<"service" | "operation" | "code">;
  duration: Histogram<"service">;
}

/** One registry per server instance (tests run several in one process). */
export function createMetrics(): GatewayMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "bulwark_process_" });
  const requests = new Counter({
    name: "bulwark_requests_total",
    help: "API requests by service, operation and result code",
    labelNames: ["service", "operation", "code"] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: "bulwark_request_duration_seconds",
    help: "API request latency",
    labelNames: ["service"] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [registry],
  });
  return { registry, requests, duration };
}
