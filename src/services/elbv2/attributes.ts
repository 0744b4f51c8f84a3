/**
 * Load-balancer and target-group attributes: the keys an Application Load Balancer has,
 * their defaults and allowed values, and what the data plane takes from them. Keys the
 * data plane does not act on (access logs, stickiness, zonal shift…) are stored and
 * reported so tools that set them keep working.
 */
import type { DesyncMitigationMode, LoadBalancerSettings, LoadBalancingAlgorithm, XffMode } from "../../dataplane/runtime-types.js";
import { validationError } from "./errors.js";

type Check = (v: string) => boolean;
interface AttributeDef {
  def: string;
  check: Check;
}

const bool: Check = (v) => v === "true" || v === "false";
const anything: Check = () => true;
const int =
  (min: number, max: number): Check =>
  (v) =>
    /^\d+$/.test(v) && Number(v) >= min && Number(v) <= max;
const oneOf =
  (...xs: string[]): Check =>
  (v) =>
    xs.includes(v);

const LB: Record<string, AttributeDef> = {
  "access_logs.s3.enabled": { def: "false", check: bool },
  "access_logs.s3.bucket": { def: "", check: anything },
  "access_logs.s3.prefix": { def: "", check: anything },
  "client_keep_alive.seconds": { def: "3600", check: int(60, 604800) },
  "connection_logs.s3.enabled": { def: "false", check: bool },
  "connection_logs.s3.bucket": { def: "", check: anything },
  "connection_logs.s3.prefix": { def: "", check: anything },
  "deletion_protection.enabled": { def: "false", check: bool },
  "health_check_logs.s3.enabled": { def: "false", check: bool },
  "health_check_logs.s3.bucket": { def: "", check: anything },
  "health_check_logs.s3.prefix": { def: "", check: anything },
  "idle_timeout.timeout_seconds": { def: "60", check: int(1, 4000) },
  // Internet gateway traffic is denied to internal load balancers by default (defaultLoadBalancerAttributes).
  "ipv6.deny_all_igw_traffic": { def: "false", check: bool },
  "load_balancing.cross_zone.enabled": { def: "true", check: oneOf("true") },
  "routing.http.desync_mitigation_mode": { def: "defensive", check: oneOf("monitor", "defensive", "strictest") },
  "routing.http.drop_invalid_header_fields.enabled": { def: "false", check: bool },
  "routing.http.preserve_host_header.enabled": { def: "false", check: bool },
  "routing.http.x_amzn_tls_version_and_cipher_suite.enabled": { def: "false", check: bool },
  "routing.http.xff_client_port.enabled": { def: "false", check: bool },
  "routing.http.xff_header_processing.mode": { def: "append", check: oneOf("append", "preserve", "remove") },
  "routing.http2.enabled": { def: "true", check: bool },
  "waf.fail_open.enabled": { def: "false", check: bool },
  "zonal_shift.config.enabled": { def: "false", check: bool },
};

const TG: Record<string, AttributeDef> = {
  "deregistration_delay.timeout_seconds": { def: "300", check: int(0, 3600) },
  "load_balancing.algorithm.type": { def: "round_robin", check: oneOf("round_robin", "least_outstanding_requests", "weighted_random") },
  "load_balancing.algorithm.anomaly_mitigation": { def: "off", check: oneOf("on", "off") },
  "load_balancing.cross_zone.enabled": { def: "use_load_balancer_configuration", check: oneOf("true", "false", "use_load_balancer_configuration") },
  "slow_start.duration_seconds": { def: "0", check: (v) => v === "0" || int(30, 900)(v) },
  "stickiness.enabled": { def: "false", check: bool },
  "stickiness.type": { def: "lb_cookie", check: oneOf("lb_cookie", "app_cookie") },
  "stickiness.lb_cookie.duration_seconds": { def: "86400", check: int(1, 604800) },
  // AWSALB, AWSALBAPP and AWSALBTG are the load balancer's own cookies: names with those prefixes are reserved.
  "stickiness.app_cookie.cookie_name": { def: "", check: (v) => !v.startsWith("AWSALB") },
  "stickiness.app_cookie.duration_seconds": { def: "86400", check: int(1, 604800) },
  "target_group_health.dns_failover.minimum_healthy_targets.count": { def: "1", check: (v) => v === "off" || int(1, 1000)(v) },
  "target_group_health.dns_failover.minimum_healthy_targets.percentage": { def: "off", check: (v) => v === "off" || int(1, 100)(v) },
  "target_group_health.unhealthy_state_routing.minimum_healthy_targets.count": { def: "1", check: int(1, 1000) },
  "target_group_health.unhealthy_state_routing.minimum_healthy_targets.percentage": { def: "off", check: (v) => v === "off" || int(1, 100)(v) },
};

function defaults(defs: Record<string, AttributeDef>): Record<string, string> {
  return Object.fromEntries(Object.entries(defs).map(([k, d]) => [k, d.def]));
}

/** A new load balancer's attributes: those that depend on its scheme, with the others' defaults. */
export const defaultLoadBalancerAttributes = (scheme: "internet-facing" | "internal"): Record<string, string> => ({
  ...defaults(LB),
  "ipv6.deny_all_igw_traffic": scheme === "internal" ? "true" : "false",
});
export const defaultTargetGroupAttributes = (): Record<string, string> => defaults(TG);

/** The SDK model's attribute key shapes (LoadBalancer/TargetGroup/ListenerAttributeKey). */
const KEY_MAX = 256;
const KEY_PATTERN = /^[a-zA-Z0-9._]+$/;

/**
 * The model's constraints on an attribute list, checked before any key is looked up (a model
 * failure is answered before the service's own refusals): each Key at most 256 characters of
 * `^[a-zA-Z0-9._]+$`; for load balancers each Value at most 1,024 characters and at most 20
 * attributes per call (LoadBalancerAttributeValue, LoadBalancerAttributes). Target-group values
 * have no length limit in the model. Every failing member is listed, in one ValidationError.
 */
export function checkAttributeMembers(kind: "lb" | "tg", changes: ReadonlyArray<{ Key?: string; Value?: string }>): void {
  const failures: string[] = [];
  if (kind === "lb" && changes.length > 20) failures.push("Value at 'attributes' failed to satisfy constraint: Member must have length less than or equal to 20");
  changes.forEach((c, i) => {
    const at = `attributes.${i + 1}.member`;
    if (c.Key !== undefined) {
      if (c.Key.length > KEY_MAX) failures.push(`Value '${c.Key}' at '${at}.key' failed to satisfy constraint: Member must have length less than or equal to ${KEY_MAX}`);
      if (!KEY_PATTERN.test(c.Key)) failures.push(`Value '${c.Key}' at '${at}.key' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9._]+$`);
    }
    if (kind === "lb" && c.Value !== undefined && c.Value.length > 1024) {
      failures.push(`Value '${c.Value}' at '${at}.value' failed to satisfy constraint: Member must have length less than or equal to 1024`);
    }
  });
  if (failures.length > 0) {
    throw validationError(`${failures.length} validation error${failures.length > 1 ? "s" : ""} detected: ${failures.join("; ")}`);
  }
}

function apply(kind: "Load balancer" | "Target group", defs: Record<string, AttributeDef>, current: Record<string, string>, changes: Array<{ Key?: string; Value?: string }>): Record<string, string> {
  const next = { ...current };
  for (const c of changes) {
    const key = c.Key ?? "";
    const def = defs[key];
    if (!def) throw validationError(`${kind} attribute key '${key}' is not recognized`);
    const value = c.Value ?? "";
    if (!def.check(value)) throw validationError(`${kind} attribute value '${value}' is not valid for key '${key}'`);
    next[key] = value;
  }
  return next;
}

export function applyLoadBalancerAttributes(current: Record<string, string>, changes: Array<{ Key?: string; Value?: string }>): Record<string, string> {
  const next = apply("Load balancer", LB, current, changes);
  // Each kind of log needs its bucket while it is enabled. Only the kinds this call changes are
  // checked: connection logs stored enabled without a bucket before this rule stay modifiable.
  for (const log of ["access_logs", "connection_logs", "health_check_logs"]) {
    const changed = changes.some((c) => c.Key?.startsWith(`${log}.s3.`));
    if (changed && next[`${log}.s3.enabled`] === "true" && !next[`${log}.s3.bucket`]) {
      throw validationError(`The value of '${log}.s3.bucket' cannot be empty when ${log.replace(/_/g, " ")} are enabled`);
    }
  }
  return next;
}

export function applyTargetGroupAttributes(current: Record<string, string>, changes: Array<{ Key?: string; Value?: string }>): Record<string, string> {
  return apply("Target group", TG, current, changes);
}

/** Attributes as the API lists them (every known key, stored value or default). */
export function attributeList(kind: "lb" | "tg", stored: Record<string, string>): Array<{ Key: string; Value: string }> {
  const defs = kind === "lb" ? LB : TG;
  return Object.keys(defs).map((Key) => ({ Key, Value: stored[Key] ?? (defs[Key] as AttributeDef).def }));
}

export function loadBalancerSettings(a: Record<string, string>): LoadBalancerSettings {
  const get = (k: string): string => a[k] ?? (LB[k] as AttributeDef).def;
  return {
    idleTimeoutSeconds: Number(get("idle_timeout.timeout_seconds")),
    clientKeepAliveSeconds: Number(get("client_keep_alive.seconds")),
    xffMode: get("routing.http.xff_header_processing.mode") as XffMode,
    xffClientPort: get("routing.http.xff_client_port.enabled") === "true",
    dropInvalidHeaderFields: get("routing.http.drop_invalid_header_fields.enabled") === "true",
    preserveHostHeader: get("routing.http.preserve_host_header.enabled") === "true",
    tlsHeaders: get("routing.http.x_amzn_tls_version_and_cipher_suite.enabled") === "true",
    wafFailOpen: get("waf.fail_open.enabled") === "true",
    desyncMitigationMode: get("routing.http.desync_mitigation_mode") as DesyncMitigationMode,
  };
}

export function targetGroupAlgorithm(a: Record<string, string>): LoadBalancingAlgorithm {
  // weighted_random is served as round robin (no anomaly detection here).
  return a["load_balancing.algorithm.type"] === "least_outstanding_requests" ? "least_outstanding_requests" : "round_robin";
}

export function deregistrationDelay(a: Record<string, string>): number {
  return Number(a["deregistration_delay.timeout_seconds"] ?? "300");
}
