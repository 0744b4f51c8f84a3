/** ELBv2 resource ARNs, ids and DNS names. */
import { randomBytes } from "node:crypto";
import type { Scope } from "../../core/types.js";
import { arnPrefix } from "../../core/partition.js";

export type ParsedArn =
  | { kind: "loadbalancer"; region: string; accountId: string; name: string; id: string }
  | { kind: "targetgroup"; region: string; accountId: string; name: string; id: string }
  | { kind: "listener"; region: string; accountId: string; lbName: string; lbId: string; id: string };

// Any partition parses; lookups compare the whole stored ARN, so another partition's is not found.
const ARN_RE = /^arn:aws[a-z-]*:elasticloadbalancing:([a-z0-9-]+):(\d{12}):(.+)$/;
const ID = "([0-9a-f]{16})";
const NAME = "([A-Za-z0-9-]{1,32})";
const LB_RE = new RegExp(`^loadbalancer/app/${NAME}/${ID}$`);
const TG_RE = new RegExp(`^targetgroup/${NAME}/${ID}$`);
const LISTENER_RE = new RegExp(`^listener/app/${NAME}/${ID}/${ID}$`);

function base(scope: Scope): string {
  return `${arnPrefix()}elasticloadbalancing:${scope.region}:${scope.accountId}`;
}

export function loadBalancerArn(scope: Scope, name: string, id: string): string {
  return `${base(scope)}:loadbalancer/app/${name}/${id}`;
}

export function targetGroupArn(scope: Scope, name: string, id: string): string {
  return `${base(scope)}:targetgroup/${name}/${id}`;
}

export function listenerArn(scope: Scope, lbName: string, lbId: string, id: string): string {
  return `${base(scope)}:listener/app/${lbName}/${lbId}/${id}`;
}

export function parseArn(arn: string): ParsedArn | undefined {
  const m = ARN_RE.exec(arn);
  if (!m) return undefined;
  const [, region, accountId, rest] = m as unknown as [string, string, string, string];
  let r = LB_RE.exec(rest);
  if (r) return { kind: "loadbalancer", region, accountId, name: r[1]!, id: r[2]! };
  r = TG_RE.exec(rest);
  if (r) return { kind: "targetgroup", region, accountId, name: r[1]!, id: r[2]! };
  r = LISTENER_RE.exec(rest);
  if (r) return { kind: "listener", region, accountId, lbName: r[1]!, lbId: r[2]!, id: r[3]! };
  return undefined;
}

/** 16 lower-case hex characters, as in real ELBv2 ARNs. */
export function newId(): string {
  return randomBytes(8).toString("hex");
}

/**
 * <name>-<10 digits>.<region>.<suffix> ("internal-" in front for internal load balancers),
 * shaped like ELB's own names; with the default suffix "elb.localhost" the name resolves
 * to loopback on resolvers that follow RFC 6761.
 */
export function dnsNameFor(name: string, scheme: string, region: string, suffix: string): string {
  const digits = (randomBytes(5).readUIntBE(0, 5) % 9_000_000_000) + 1_000_000_000;
  return `${scheme === "internal" ? "internal-" : ""}${name}-${digits}.${region}.${suffix}`.toLowerCase();
}
