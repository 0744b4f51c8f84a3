/**
 * What ELBv2's domain works with: storage, the sealer (certificate keys), the clock, the
 * data plane it steers, and the caller of the current request (scope, authorisation,
 * audit annotations).
 */
import type { Clock } from "../../core/clock.js";
import type { AuditAnnotations, AuthorizeRequest, ConditionContext, Principal, RequestContext, Scope } from "../../core/types.js";
import type { Sealer } from "../../crypto/seal-types.js";
import type { DataPlaneRuntime } from "../../dataplane/runtime-types.js";
import type { IssuedCertificate } from "../../gateway/tls-ca.js";
import type { Storage } from "../../storage/types.js";
import type { ServerCertificateView } from "../iam/server-certificate-view.js";
import type { TagDoc } from "./model.js";

export interface Elbv2Quotas {
  loadBalancersPerRegion: number;
  targetGroupsPerRegion: number;
  listenersPerLoadBalancer: number;
  targetsPerTargetGroup: number;
  tagsPerResource: number;
  /** Certificates in the certificate lists of a load balancer's listeners (default certificates not counted). */
  certificatesPerLoadBalancer: number;
}

export const DEFAULT_QUOTAS: Elbv2Quotas = {
  loadBalancersPerRegion: 50,
  targetGroupsPerRegion: 3000,
  listenersPerLoadBalancer: 50,
  targetsPerTargetGroup: 1000,
  tagsPerResource: 50,
  certificatesPerLoadBalancer: 25,
};

export interface Elbv2Env {
  store: Storage;
  sealer: Sealer;
  clock: Clock;
  runtime: DataPlaneRuntime;
  /** DNS suffix of load-balancer names (config dataPlane.dnsSuffix). */
  dnsSuffix: string;
  /** Issues a server certificate from the Bulwark CA for `names`. */
  issueCertificate(names: string[]): Promise<IssuedCertificate>;
  /** IAM's server certificates (listeners may name them by ARN); without it such ARNs are not found. */
  serverCertificates?: ServerCertificateView;
  quotas: Elbv2Quotas;
  /**
   * Creates the account's AWSServiceRoleForElasticLoadBalancing unless it exists, as the caller
   * (who needs iam:CreateServiceLinkedRole for it); without it no role is created.
   */
  ensureServiceLinkedRole?: (caller: Caller) => Promise<void>;
  /** Start-up problems (a stored listener whose port is taken); never secrets. */
  warn(message: string, detail: Record<string, unknown>): void;
}

export interface Caller {
  scope: Scope;
  now: number;
  authorize(action: string, resource: string, context?: ConditionContext): Promise<void>;
  /** Authorises an action of another service (iam:CreateServiceLinkedRole) as the caller. */
  authorizeRequest(req: AuthorizeRequest): Promise<void>;
  audit: AuditAnnotations;
  /** Who is calling: what ELB's own calls on the caller's behalf (its service-linked role) are recorded as. */
  principal?: Principal;
}

export function callerFromContext(ctx: RequestContext): Caller {
  return {
    scope: ctx.scope,
    now: ctx.now,
    audit: ctx.audit,
    principal: ctx.principal,
    authorize: (action, resource, context) =>
      ctx.authorize({ action: `elasticloadbalancing:${action}`, resource, ...(context && Object.keys(context).length > 0 ? { context } : {}) }),
    authorizeRequest: (req) => ctx.authorize(req),
  };
}

export const RESOURCE_TYPES = {
  loadBalancer: "AWS::ElasticLoadBalancingV2::LoadBalancer",
  targetGroup: "AWS::ElasticLoadBalancingV2::TargetGroup",
  listener: "AWS::ElasticLoadBalancingV2::Listener",
} as const;

export function noteResource(caller: Caller, arn: string, type: string): void {
  (caller.audit.resources ??= []).push({ ARN: arn, accountId: caller.scope.accountId, type });
}

/** Condition keys of an existing resource's tags. */
export function resourceTagContext(tags: readonly TagDoc[] | undefined): ConditionContext {
  const ctx: ConditionContext = {};
  for (const t of tags ?? []) {
    ctx[`aws:ResourceTag/${t.Key}`] = t.Value;
    ctx[`elasticloadbalancing:ResourceTag/${t.Key}`] = t.Value;
  }
  return ctx;
}

/** Condition keys of tags in a create or tag request. */
export function requestTagContext(tags: readonly TagDoc[]): ConditionContext {
  if (tags.length === 0) return {};
  const ctx: ConditionContext = { "aws:TagKeys": tags.map((t) => t.Key) };
  for (const t of tags) ctx[`aws:RequestTag/${t.Key}`] = t.Value;
  return ctx;
}

/**
 * Tags in a resource-creating request need elasticloadbalancing:AddTags too, with
 * elasticloadbalancing:CreateAction naming the creating action ("Tagging resources during
 * creation"); nothing is asked when the request has no tags.
 */
export async function authorizeTagsOnCreate(caller: Caller, createAction: string, arn: string, tags: readonly TagDoc[]): Promise<void> {
  if (tags.length === 0) return;
  await caller.authorize("AddTags", arn, { ...requestTagContext(tags), "elasticloadbalancing:CreateAction": createAction });
}
