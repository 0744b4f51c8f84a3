/**
 * The IAM service: its wire definition (query protocol), the IamApi other services use,
 * and the identity directory the gateway and authoriser consult on every request. All
 * three share one environment, so every committed IAM write invalidates the directory's
 * caches for its account.
 */
import type { AuditOutbox } from "../../audit/outbox.js";
import type { AuditLog } from "../../audit/types.js";
import type { Clock } from "../../core/clock.js";
import type { AuthorizeRequest, Principal } from "../../core/types.js";
import type { Sealer } from "../../crypto/seal-types.js";
import type { Scheduler } from "../../scheduler/scheduler.js";
import type { Storage } from "../../storage/types.js";
import type { ServiceControlPolicySource } from "../../iam/authorizer.js";
import type { OrganizationsView } from "../organizations/view.js";
import type { ServiceDefinition } from "../types.js";
import { recordAccessKeyUse } from "./access-keys.js";
import { recordRoleUse } from "./roles.js";
import type { IamApi } from "./api.js";
import { AccountEpochs } from "./cache.js";
import { createIdentityDirectory, type IamDirectory } from "./directory.js";
import { validateWithPolicyEngine } from "./documents.js";
import type { IamEnv, PolicyDocumentKind } from "./env.js";
import { createIamApi } from "./iam-api.js";
import { LastAccessedJobs } from "./last-accessed-jobs.js";
import { lastAccessedServices, type LastAccessedService } from "./last-accessed-services.js";
import { buildOperations } from "./operations.js";
import { ensureServiceLinkedRole, useSchedulerForDeletions, type ServiceLinkedRoleUsage } from "./service-linked-roles.js";
import { createOutboundFederation, type OutboundFederation } from "./outbound-federation.js";
import { createRootAccess, type RootAccess } from "./root-access.js";
import { createServerCertificateView, type ServerCertificateUsage, type ServerCertificateView } from "./server-certificate-view.js";

export interface IamServiceDeps {
  store: Storage;
  sealer: Sealer;
  clock: Clock;
  /** Directory cache tuning (entries per cache, safety TTL in ms). */
  directoryCacheSize?: number;
  directoryTtlMs?: number;
  /** Test seam: the policy validator (defaults to the policy engine). */
  validatePolicy?: (text: string, kind: PolicyDocumentKind) => void;
  /** The API's public base URL (outbound federation issuers are built from it). */
  publicUrl?: () => string;
  /** Organizations as IAM reads it (centralised root access). */
  organizations?: OrganizationsView;
}

export interface IamService {
  definition: ServiceDefinition;
  api: IamApi;
  directory: IamDirectory;
  /** The environment the domain runs in (for the bootstrap helpers such as putRootAccessKey). */
  env: IamEnv;
  /**
   * Hands IAM the durable scheduler (created after IAM at start-up) for deferred work:
   * DeleteServiceLinkedRole's deletion tasks. `usage` tells whether a service still uses its role.
   */
  useScheduler(scheduler: Scheduler, usage?: ServiceLinkedRoleUsage): void;
  /** Outbound identity federation: signing keys for STS GetWebIdentityToken, discovery documents for the gateway. */
  outbound: OutboundFederation;
  /** Centralised root access features (STS AssumeRoot reads them). */
  rootAccess: RootAccess;
  /** The services last-accessed reports cover: every service the gateway serves (IAM included), once registered. */
  useServices(defs: readonly ServiceDefinition[]): void;
  /** The SCPs the authoriser enforces (Organizations is created after IAM), for the policy simulator. */
  useServiceControlPolicies(source: ServiceControlPolicySource): void;
  /** Server certificates as the services that present them (ELBv2's HTTPS listeners) read them. */
  serverCertificates: ServerCertificateView;
  /** Who uses a server certificate (ELBv2 is created after IAM); DeleteServerCertificate answers DeleteConflict while any does. */
  useServerCertificateUsage(usage: ServerCertificateUsage): void;
  /**
   * Creates a service's linked role when the service first needs it (ELBv2: a load balancer or
   * target group is created; KMS: a multi-Region key; Shield: automatic application-layer
   * response is enabled), as the calling principal: `authorize` decides its
   * iam:CreateServiceLinkedRole, and the call is recorded as `principal`'s CreateServiceLinkedRole
   * invoked by the service. Nothing happens when the account already has the role.
   */
  ensureServiceLinkedRole(accountId: string, now: number, authorize: (req: AuthorizeRequest) => Promise<void>, servicePrincipal: string, principal?: Principal): Promise<void>;
  /** Where the calls services make to IAM on a caller's behalf are recorded (the audit log exists after IAM). */
  useServiceCallAudit(audit: AuditLog, outbox: AuditOutbox, region: string): void;
  /** Resolves once no report job is running (graceful shutdown, tests). */
  idle(): Promise<void>;
}

export function createIamService(deps: IamServiceDeps): IamService {
  const epochs = new AccountEpochs();
  let services: readonly LastAccessedService[] = [];
  const env: IamEnv = {
    store: deps.store,
    sealer: deps.sealer,
    clock: deps.clock,
    changed: (accountId) => epochs.bump(accountId),
    validatePolicy: deps.validatePolicy ?? validateWithPolicyEngine,
    lastAccessed: { services: () => services, jobs: new LastAccessedJobs() },
  };
  const directory = createIdentityDirectory({
    store: deps.store,
    sealer: deps.sealer,
    clock: deps.clock,
    epochs,
    recordUse: (accessKeyId, usage) => recordAccessKeyUse(env, accessKeyId, usage),
    recordRoleUse: (accountId, roleId, usage) => recordRoleUse(env, accountId, roleId, usage),
    ...(deps.directoryCacheSize !== undefined ? { cacheSize: deps.directoryCacheSize } : {}),
    ...(deps.directoryTtlMs !== undefined ? { ttlMs: deps.directoryTtlMs } : {}),
  });
  const outbound = createOutboundFederation({ store: deps.store, sealer: deps.sealer, publicUrl: deps.publicUrl ?? (() => "https://localhost") });
  const rootAccess = createRootAccess({ store: deps.store, organizations: deps.organizations });
  const definition: ServiceDefinition = {
    name: "iam",
    signingName: "iam",
    protocol: "awsQuery",
    apiVersion: "2010-05-08",
    xmlNamespace: "https://iam.amazonaws.com/doc/2010-05-08/",
    eventSource: "iam.amazonaws.com",
    global: true,
    operations: buildOperations(env, { outbound, rootAccess }),
  };
  return {
    definition,
    api: createIamApi(env, deps.clock),
    directory,
    env,
    outbound,
    rootAccess,
    useScheduler: (scheduler, usage) => useSchedulerForDeletions(env, scheduler, usage),
    useServices(defs) {
      services = lastAccessedServices(defs);
    },
    useServiceControlPolicies(source) {
      env.serviceControlPolicies = source;
    },
    serverCertificates: createServerCertificateView({ sealer: deps.sealer }),
    useServerCertificateUsage(usage) {
      env.serverCertificateUsage = usage;
    },
    ensureServiceLinkedRole: (accountId, now, authorize, servicePrincipal, principal) =>
      ensureServiceLinkedRole(env, { accountId, now, authorize, ...(principal !== undefined ? { principal } : {}) }, servicePrincipal),
    useServiceCallAudit(audit, outbox, region) {
      env.serviceCalls = { audit, outbox, region };
    },
    idle: () => env.lastAccessed.jobs.idle(),
  };
}
