/**
 * Contracts between the data plane (load-balancer listeners that really proxy traffic),
 * the WAF engine that inspects each request, and the control planes (ELBv2, WAFv2, Shield)
 * that configure them.
 */

/** What the WAF sees of one request, built by the proxy before forwarding. */
export interface InspectedRequest {
  /** Unique id, also used for sampled requests and WAF logs. */
  requestId: string;
  /** Epoch ms when the request arrived. */
  time: number;
  method: string;
  /** Raw request-target as received (path + "?" + query, still percent-encoded). */
  uri: string;
  /** Raw path (before "?" or "#"; of an absolute-form target, what follows the authority), still percent-encoded. */
  path: string;
  /** Raw query string without "?" and without any "#" fragment ("" when none), still percent-encoded. */
  query: string;
  httpVersion: string;
  /** Headers in arrival order, names as sent (case preserved), values as received. */
  headers: Array<[string, string]>;
  /** The body as far as it was read for inspection (at most the ACL's inspection limit). */
  body: Buffer;
  /** True when the body is longer than `body` (oversize handling applies). */
  bodyTruncated: boolean;
  /** Full body length when known (Content-Length), else body.length. */
  bodyLength: number;
  /** TCP peer address (IPv4 or IPv6, no "::ffff:" prefix). */
  clientIp: string;
  /** ISO 3166-1 alpha-2 country of clientIp, when a country database is configured. */
  country?: string;
  /** TLS client fingerprints, when the listener is HTTPS. */
  ja3?: string;
  ja4?: string;
  /** Listener scheme. */
  scheme: "http" | "https";
}

export type WafAction = "ALLOW" | "BLOCK" | "COUNT" | "CAPTCHA" | "CHALLENGE";

export interface WafDecision {
  /** Terminating action (ALLOW also when the default action allowed). */
  action: "ALLOW" | "BLOCK" | "CAPTCHA" | "CHALLENGE";
  /** Rule that terminated evaluation, or "Default_Action". */
  terminatingRuleId: string;
  /** For BLOCK with a custom response (status, headers, body) and for CAPTCHA/CHALLENGE interstitials. */
  response?: { status: number; headers: Array<[string, string]>; body: string | Buffer };
  /** Headers to insert into the forwarded request (custom request handling, prefixed x-amzn-waf-). */
  insertHeaders: Array<[string, string]>;
  /** Labels added during evaluation (fully qualified). */
  labels: string[];
  /** Rules that matched with COUNT (or overridden to COUNT). */
  countedRules: string[];
  /** Every rule that matched, in evaluation order, for metrics, sampling and logs. */
  matchedRules: Array<{ ruleId: string; action: WafAction; ruleGroupId?: string }>;
}

/** A compiled web ACL, ready to evaluate requests. */
export interface WafEvaluator {
  readonly webAclArn: string;
  readonly webAclName: string;
  /** Largest body the ACL inspects (from AssociationConfig; 8 KiB default for ALB). */
  readonly bodyInspectionLimit: number;
  evaluate(req: InspectedRequest): Promise<WafDecision>;
  /**
   * CAPTCHA/challenge verification endpoint (added by the WAF engine, optional): the proxy
   * hands every request whose path is "/.well-known/bulwark-waf/verify" here before
   * evaluate(); a returned response is sent to the client as is (it sets the aws-waf-token
   * cookie on success). Undefined means "not a verification request".
   */
  handleVerification?(req: InspectedRequest): { status: number; headers: Array<[string, string]>; body: string | Buffer } | undefined;
}

/** Observes what the data plane did (WAF logging, sampled requests, metrics, Shield baselines). */
export interface TrafficObserver {
  onRequest(lbArn: string, req: InspectedRequest, decision: WafDecision | undefined, status: number, durationMs: number): void;
}

/** What control planes use to steer the data plane. */
export interface DataPlaneControl {
  /** Attach (or detach with undefined) a compiled web ACL to a load balancer. */
  setWebAcl(loadBalancerArn: string, evaluator: WafEvaluator | undefined): void;
  addObserver(o: TrafficObserver): void;
}
