/**
 * What the ELBv2 control plane tells the data plane: plain specs of load balancers,
 * listeners and target groups (no storage, no ARN parsing here). The control plane pushes
 * a spec after every committed change and, on start-up, every stored resource again.
 */

import type { DesyncMitigationMode } from "./desync.js";

export type { DesyncMitigationMode };
export type XffMode = "append" | "preserve" | "remove";

export interface LoadBalancerSettings {
  /** idle_timeout.timeout_seconds: idle client connections and silent targets (504). */
  idleTimeoutSeconds: number;
  /** client_keep_alive.seconds: longest life of a client keep-alive connection. */
  clientKeepAliveSeconds: number;
  xffMode: XffMode;
  /** routing.http.xff_client_port.enabled: append "ip:port" instead of "ip". */
  xffClientPort: boolean;
  /** routing.http.drop_invalid_header_fields.enabled. */
  dropInvalidHeaderFields: boolean;
  /** routing.http.preserve_host_header.enabled: send Host unchanged (else a non-80/443 listener port is appended). */
  preserveHostHeader: boolean;
  /** routing.http.x_amzn_tls_version_and_cipher_suite.enabled. */
  tlsHeaders: boolean;
  /** waf.fail_open.enabled: forward when the web ACL cannot be evaluated (else 500). */
  wafFailOpen: boolean;
  /** routing.http.desync_mitigation_mode (desync.ts). */
  desyncMitigationMode: DesyncMitigationMode;
}

export interface LoadBalancerSpec {
  arn: string;
  name: string;
  dnsName: string;
  settings: LoadBalancerSettings;
}

export interface WeightedTargetGroup {
  arn: string;
  weight: number;
}

export type ListenerAction =
  | { type: "forward"; targetGroups: WeightedTargetGroup[] }
  | { type: "fixed-response"; statusCode: number; contentType?: string; messageBody?: string }
  | {
      type: "redirect";
      /** Each part may use #{protocol}, #{host}, #{port}, #{path} (path also: #{query}). */
      protocol: string;
      host: string;
      port: string;
      path: string;
      query: string;
      statusCode: 301 | 302;
    };

export interface ListenerCertificate {
  /** Server certificate followed by its chain (PEM). */
  certPem: string;
  keyPem: string;
}

export interface ListenerTls extends ListenerCertificate {
  minVersion: "TLSv1.2" | "TLSv1.3";
  /**
   * The certificate list (AddListenerCertificates): a client's SNI host name picks one of them
   * (tls/sni-selection.ts); no SNI or no match → the default certificate above.
   */
  certificates?: ListenerCertificate[];
}

export interface ListenerSpec {
  arn: string;
  loadBalancerArn: string;
  port: number;
  protocol: "HTTP" | "HTTPS";
  tls?: ListenerTls;
  action: ListenerAction;
}

export interface HealthCheckSpec {
  enabled: boolean;
  protocol: "HTTP" | "HTTPS";
  /** "traffic-port" or a port number. */
  port: "traffic-port" | number;
  path: string;
  intervalSeconds: number;
  timeoutSeconds: number;
  healthyThreshold: number;
  unhealthyThreshold: number;
  /** HttpCode matcher, e.g. "200", "200,302", "200-299". */
  matcher: string;
}

export type LoadBalancingAlgorithm = "round_robin" | "least_outstanding_requests";

export interface TargetSpec {
  /** IP address or host name. */
  id: string;
  port: number;
}

export interface TargetGroupSpec {
  arn: string;
  protocol: "HTTP" | "HTTPS";
  port: number;
  healthCheck: HealthCheckSpec;
  deregistrationDelaySeconds: number;
  algorithm: LoadBalancingAlgorithm;
  targets: TargetSpec[];
}

export type TargetHealthState = "initial" | "healthy" | "unhealthy" | "unused" | "draining" | "unavailable";

export interface TargetHealthView {
  id: string;
  port: number;
  /** Port health checks go to. */
  healthCheckPort: string;
  state: TargetHealthState;
  reason?: string;
  description?: string;
}

/** A listener could not bind its port on the data-plane address. */
export class PortUnavailableError extends Error {
  constructor(
    readonly port: number,
    readonly host: string,
    /** "listener": another Bulwark listener holds it; "os": the bind failed (EADDRINUSE, EACCES…). */
    readonly heldBy: "listener" | "os",
    readonly holderArn?: string,
    readonly osCode?: string,
  ) {
    super(`Port ${port} is not available on ${host}`);
    this.name = "PortUnavailableError";
  }
}

/** The data plane as the ELBv2 control plane drives it. */
export interface DataPlaneRuntime {
  /** Address listeners bind. */
  readonly host: string;
  putLoadBalancer(spec: LoadBalancerSpec): void;
  /** Closes every listener of the load balancer and forgets it. */
  removeLoadBalancer(arn: string): Promise<void>;
  /** Creates or updates a target group; targets no longer listed start draining. */
  putTargetGroup(spec: TargetGroupSpec): void;
  removeTargetGroup(arn: string): void;
  /**
   * Opens (or reconfigures, same ARN) a listener. Throws PortUnavailableError when the port
   * cannot be bound; an existing listener keeps serving unchanged in that case.
   */
  openListener(spec: ListenerSpec): Promise<void>;
  closeListener(arn: string): Promise<void>;
  /** Health of every registered and draining target of a target group. */
  targetHealth(targetGroupArn: string): TargetHealthView[];
  /** Is `port` held by a listener (any load balancer)? Returns its ARN. */
  listenerOnPort(port: number): string | undefined;
}
