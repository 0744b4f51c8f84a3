/**
 * The AWS WAFv2 service definition (awsJson1_1, AWSWAF_20190729, signing name "wafv2").
 *
 * Control plane for web ACLs, rule groups, IP sets and regex pattern sets, wired to the data
 * plane: associations push compiled web ACLs to load balancers (DataPlaneControl.setWebAcl)
 * and every later change recompiles and re-pushes; a TrafficObserver feeds sampled requests,
 * WAF logs and per-rule counters. Call start() once at start-up to redeploy associations.
 */
import { hkdfSync } from "node:crypto";
import type { Registry } from "prom-client";
import type { Clock } from "../../core/clock.js";
import type { DataPlaneControl, TrafficObserver } from "../../dataplane/types.js";
import type { Storage } from "../../storage/types.js";
import type { ServiceDefinition } from "../types.js";
import { isLiveResource, type AssociationDeps } from "./associations.js";
import { Deployer } from "./deployer.js";
import { MAX_WEB_ACL_CAPACITY, type WafDomainDeps } from "./domain-deps.js";
import type { WafEngine } from "./engine-types.js";
import { entityOperations } from "./handlers-entities.js";
import { resourceOperations } from "./handlers-resources.js";
import { fileHttpEndpoints } from "./log-destinations.js";
import { LogSink, type LogSinkOptions } from "./log-sink.js";
import type { LoggingDeps } from "./logging-config.js";
import { Markers } from "./markers.js";
import { WafMetrics } from "./metrics.js";
import { RequestSampler } from "./sampling.js";
import { createTrafficObserver } from "./traffic-observer.js";

export interface Wafv2Deps {
  store: Storage;
  clock: Clock;
  engine: WafEngine;
  /** Installation secret (e.g. the pagination key) from which the NextMarker MAC key is derived. */
  secret: Buffer;
  /** The load-balancer data plane; without it the control plane works but nothing is enforced. */
  dataPlane?: DataPlaneControl;
  /** Whether an Application Load Balancer exists (ELBv2 store). */
  loadBalancerExists?: (arn: string) => Promise<boolean>;
  /** Root of the WAF log files and of firehose-endpoints.json (normally <data dir>/waf-logs). */
  logDir: string;
  /** Delivery-stream ARN → URL; defaults to reading <logDir>/firehose-endpoints.json. */
  httpEndpoint?: (arn: string) => string | undefined;
  /** Registry for bulwark_waf_requests_total (the gateway's, to appear on /metrics). */
  metricsRegistry?: Registry;
  /** WCU limit per web ACL: AWS's maximum of 5,000 by default; a lower value models a tighter quota. */
  webAclCapacityLimit?: number;
  logSink?: LogSinkOptions;
  sampleCapacity?: number;
  onError?: (e: unknown, what: string) => void;
}

export type Wafv2Service = ServiceDefinition & {
  /** Redeploys every stored association to the data plane; resolves with how many were pushed. */
  start(): Promise<number>;
  /** The observer registered with the data plane (exposed for tests and other data planes). */
  observer: TrafficObserver;
  /** bulwark_waf_requests_total in Prometheus text format. */
  metricsText(): Promise<string>;
  /** Resolves when queued deployments are done. */
  idle(): Promise<void>;
  /** Writes queued log lines now. */
  flushLogs(): Promise<void>;
  close(): Promise<void>;
};

/** AWS lets every web ACL use up to 5,000 WCUs (the first 1,500 are in the base price, the rest cost extra there). */
export const DEFAULT_WEB_ACL_CAPACITY_LIMIT = MAX_WEB_ACL_CAPACITY;

/** A 32-byte key for one WAF purpose, derived from an installation secret (HKDF-SHA256). */
export function deriveWafKey(secret: Buffer, purpose: "captcha-token" | "next-marker"): Buffer {
  return Buffer.from(hkdfSync("sha256", secret, Buffer.alloc(0), `bulwark/wafv2/${purpose}/v1`, 32));
}

/** The configured limit as a whole number of WCUs between 1 and AWS's maximum. */
export function webAclCapacityLimit(configured: number | undefined): number {
  if (configured === undefined || !Number.isFinite(configured)) return DEFAULT_WEB_ACL_CAPACITY_LIMIT;
  return Math.min(MAX_WEB_ACL_CAPACITY, Math.max(1, Math.floor(configured)));
}

export function createWafv2Service(deps: Wafv2Deps): Wafv2Service {
  const limit = webAclCapacityLimit(deps.webAclCapacityLimit);
  const markers = new Markers(deriveWafKey(deps.secret, "next-marker"));
  const httpEndpoint = deps.httpEndpoint ?? fileHttpEndpoints(deps.logDir);
  const sampler = new RequestSampler(deps.sampleCapacity ?? 500);
  const deployer = new Deployer({
    store: deps.store,
    engine: deps.engine,
    ...(deps.dataPlane ? { dataPlane: deps.dataPlane } : {}),
    sampler,
    logDir: deps.logDir,
    httpEndpoint,
    ...(deps.onError ? { onError: deps.onError } : {}),
  });
  const domain: WafDomainDeps = { store: deps.store, engine: deps.engine, changes: deployer, webAclCapacityLimit: limit };
  const associations: AssociationDeps = { store: deps.store, deployer, ...(deps.loadBalancerExists ? { loadBalancerExists: deps.loadBalancerExists } : {}) };
  const logging: LoggingDeps = { store: deps.store, deployer, logDir: deps.logDir, httpEndpoint };
  const sink = new LogSink({ ...deps.logSink, ...(deps.onError && !deps.logSink?.onError ? { onError: (e) => deps.onError?.(e, "waf log delivery") } : {}) });
  const metrics = new WafMetrics(deps.metricsRegistry);
  const observer = createTrafficObserver({
    runtimeOf: (lb) => deployer.runtimeOf(lb),
    sampler,
    metrics,
    sink,
    ...(deps.onError ? { onError: (e: unknown) => deps.onError?.(e, "waf observer") } : {}),
  });
  deps.dataPlane?.addObserver(observer);

  return {
    name: "wafv2",
    signingName: "wafv2",
    protocol: "awsJson1_1",
    targetPrefix: "AWSWAF_20190729",
    eventSource: "wafv2.amazonaws.com",
    operations: {
      ...entityOperations({ domain, deployer, markers, isLiveResource: isLiveResource(associations) }),
      ...resourceOperations({ domain, associations, logging, sampler, markers }),
    },
    start: () => deployer.restoreAll(),
    observer,
    metricsText: () => metrics.text(),
    idle: () => deployer.idle(),
    flushLogs: () => sink.flush(),
    close: async () => {
      await deployer.idle();
      await sink.close();
    },
  };
}
