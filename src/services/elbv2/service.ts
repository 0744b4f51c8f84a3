/**
 * The ELBv2 service (awsQuery, 2015-12-01): application load balancers whose listeners
 * are real reverse proxies on the data-plane address. Handlers are thin: the work is in
 * load-balancers.ts, target-groups.ts, targets.ts, listeners.ts, listener-certificates.ts,
 * tags.ts; the data plane (src/dataplane) is driven through DataPlaneRuntime.
 */
import * as sdk from "@aws-sdk/client-elastic-load-balancing-v2";
import type { Clock } from "../../core/clock.js";
import type { RequestContext, Scope } from "../../core/types.js";
import type { Sealer } from "../../crypto/seal-types.js";
import type { DataPlaneRuntime } from "../../dataplane/runtime-types.js";
import type { IssuedCertificate } from "../../gateway/tls-ca.js";
import type { DocStore, Storage } from "../../storage/types.js";
import type { ServerCertificateView } from "../iam/server-certificate-view.js";
import type { OperationDefinition, ServiceDefinition, StaticSchema } from "../types.js";
import { importCertificate, serverCertificateUsers } from "./certificates.js";
import { DEFAULT_QUOTAS, callerFromContext, type Caller, type Elbv2Env, type Elbv2Quotas } from "./env.js";
import * as certificateLists from "./listener-certificates.js";
import * as listeners from "./listeners.js";
import * as lbs from "./load-balancers.js";
import { restoreAll } from "./runtime.js";
import * as tags from "./tags.js";
import * as tgs from "./target-groups.js";
import * as targets from "./targets.js";

export interface Elbv2Deps {
  store: Storage;
  sealer: Sealer;
  clock: Clock;
  runtime: DataPlaneRuntime;
  dnsSuffix: string;
  issueCertificate(names: string[]): Promise<IssuedCertificate>;
  /** IAM's server certificates, which listeners may present. */
  serverCertificates?: ServerCertificateView;
  quotas?: Partial<Elbv2Quotas>;
  /** Creates AWSServiceRoleForElasticLoadBalancing with the first load balancer or target group (IAM's ensureServiceLinkedRole). */
  ensureServiceLinkedRole?: (caller: Caller) => Promise<void>;
  warn?: (message: string, detail: Record<string, unknown>) => void;
}

export interface Elbv2Service {
  definition: ServiceDefinition;
  /** Reopens every stored listener (start-up). */
  restore(): Promise<{ opened: number; failed: string[] }>;
  /** Stores a PEM certificate chain + key for HTTPS listeners; returns its ARN (operator CLI). */
  importCertificate(scope: Scope, certChainPem: string, keyPem: string): Promise<string>;
  /** The account's load balancers by Region (what keeps IAM from deleting ELB's service-linked role). */
  loadBalancersByRegion(accountId: string): Promise<Array<{ region: string; resources: string[] }>>;
  /** The load balancers presenting an IAM server certificate (what keeps IAM from deleting it); reads through `db`. */
  serverCertificateUsers(db: DocStore, accountId: string, serverCertificateId: string): Promise<string[]>;
}

type Domain<I, O> = (env: Elbv2Env, caller: Caller, input: I) => Promise<O>;

export function createElbv2Service(deps: Elbv2Deps): Elbv2Service {
  const env: Elbv2Env = {
    store: deps.store,
    sealer: deps.sealer,
    clock: deps.clock,
    runtime: deps.runtime,
    dnsSuffix: deps.dnsSuffix,
    issueCertificate: deps.issueCertificate,
    ...(deps.serverCertificates ? { serverCertificates: deps.serverCertificates } : {}),
    quotas: { ...DEFAULT_QUOTAS, ...deps.quotas },
    ...(deps.ensureServiceLinkedRole ? { ensureServiceLinkedRole: deps.ensureServiceLinkedRole } : {}),
    warn: deps.warn ?? (() => {}),
  };
  function op<I, O>(schema: StaticSchema, fn: Domain<I, O>, readOnly?: boolean): OperationDefinition {
    return {
      schema,
      ...(readOnly !== undefined ? { readOnly } : {}),
      handler: (input: I | undefined, ctx: RequestContext) => fn(env, callerFromContext(ctx), input ?? ({} as I)),
    };
  }
  const definition: ServiceDefinition = {
    name: "elasticloadbalancing",
    signingName: "elasticloadbalancing",
    protocol: "awsQuery",
    apiVersion: "2015-12-01",
    xmlNamespace: "http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/",
    eventSource: "elasticloadbalancing.amazonaws.com",
    operations: {
      CreateLoadBalancer: op(sdk.CreateLoadBalancer$, lbs.createLoadBalancer),
      DescribeLoadBalancers: op(sdk.DescribeLoadBalancers$, lbs.describeLoadBalancers),
      DeleteLoadBalancer: op(sdk.DeleteLoadBalancer$, lbs.deleteLoadBalancer),
      DescribeLoadBalancerAttributes: op(sdk.DescribeLoadBalancerAttributes$, lbs.describeLoadBalancerAttributes),
      ModifyLoadBalancerAttributes: op(sdk.ModifyLoadBalancerAttributes$, lbs.modifyLoadBalancerAttributes),

      CreateTargetGroup: op(sdk.CreateTargetGroup$, tgs.createTargetGroup),
      DescribeTargetGroups: op(sdk.DescribeTargetGroups$, tgs.describeTargetGroups),
      ModifyTargetGroup: op(sdk.ModifyTargetGroup$, tgs.modifyTargetGroup),
      DeleteTargetGroup: op(sdk.DeleteTargetGroup$, tgs.deleteTargetGroup),
      DescribeTargetGroupAttributes: op(sdk.DescribeTargetGroupAttributes$, tgs.describeTargetGroupAttributes),
      ModifyTargetGroupAttributes: op(sdk.ModifyTargetGroupAttributes$, tgs.modifyTargetGroupAttributes),

      RegisterTargets: op(sdk.RegisterTargets$, targets.registerTargets),
      DeregisterTargets: op(sdk.DeregisterTargets$, targets.deregisterTargets),
      DescribeTargetHealth: op(sdk.DescribeTargetHealth$, targets.describeTargetHealth),

      CreateListener: op(sdk.CreateListener$, listeners.createListener),
      DescribeListeners: op(sdk.DescribeListeners$, listeners.describeListeners),
      ModifyListener: op(sdk.ModifyListener$, listeners.modifyListener),
      DeleteListener: op(sdk.DeleteListener$, listeners.deleteListener),
      AddListenerCertificates: op(sdk.AddListenerCertificates$, certificateLists.addListenerCertificates),
      DescribeListenerCertificates: op(sdk.DescribeListenerCertificates$, certificateLists.describeListenerCertificates),
      RemoveListenerCertificates: op(sdk.RemoveListenerCertificates$, certificateLists.removeListenerCertificates),

      AddTags: op(sdk.AddTags$, tags.addTags),
      RemoveTags: op(sdk.RemoveTags$, tags.removeTags),
      DescribeTags: op(sdk.DescribeTags$, tags.describeTags),
    },
  };
  return {
    definition,
    restore: () => restoreAll(env),
    importCertificate: (scope, cert, key) => importCertificate(env, scope, cert, key),
    loadBalancersByRegion: (accountId) => lbs.loadBalancersByRegion(env.store, accountId),
    serverCertificateUsers,
  };
}
