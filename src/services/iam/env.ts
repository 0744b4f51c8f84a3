/**
 * What IAM's domain functions work with: the environment (storage, sealer, clock, cache
 * invalidation) and the caller (account, authorisation, audit annotations). API handlers
 * build the caller from the RequestContext; other services (STS, Organizations, the
 * bootstrap) use an internal caller that skips authorisation.
 */
import type { AuditOutbox } from "../../audit/outbox.js";
import type { AuditLog } from "../../audit/types.js";
import type { Clock } from "../../core/clock.js";
import type { AuditAnnotations, AuthorizeRequest, ConditionContext, Principal, RequestContext } from "../../core/types.js";
import type { Sealer } from "../../crypto/seal-types.js";
import type { ServiceControlPolicySource } from "../../iam/authorizer.js";
import type { ParseOptions } from "../../iam/policy/index.js";
import type { Scheduler } from "../../scheduler/scheduler.js";
import type { DocStore, Storage } from "../../storage/types.js";
import type { LastAccessedJobs } from "./last-accessed-jobs.js";
import type { LastAccessedService } from "./last-accessed-services.js";
import type { ServerCertificateUsage } from "./server-certificate-view.js";

export type PolicyDocumentKind = "identity" | "trust";

export interface IamEnv {
  store: Storage;
  sealer: Sealer;
  clock: Clock;
  /** Must be called after every committed write that can change an account's identities or policies. */
  changed(accountId: string): void;
  /** Throws MalformedPolicyDocument (with IAM's message) unless `text` is a valid policy of `kind`. */
  validatePolicy(text: string, kind: PolicyDocumentKind, options?: ParseOptions): void;
  /** Runs deferred work (service-linked role deletions); attached once the scheduler exists. */
  scheduler?: Pick<Scheduler, "schedule">;
  /** Last-accessed reports: the services this installation serves, and the report jobs running. */
  lastAccessed: { services(): readonly LastAccessedService[]; jobs: LastAccessedJobs };
  /** The SCPs the authoriser enforces (attached once Organizations exists); the policy simulator evaluates them too. */
  serviceControlPolicies?: ServiceControlPolicySource;
  /** Which load balancers use a server certificate (attached once ELBv2 exists): DeleteServerCertificate refuses those in use. */
  serverCertificateUsage?: ServerCertificateUsage;
  /**
   * Where IAM records the calls other services make to it on a caller's behalf (a service-linked
   * role created on first use), attached once the audit log exists: successes are staged with
   * the change they record, failures appended directly. `region` is the Region IAM's events are
   * recorded in (the gateway's global-service Region).
   */
  serviceCalls?: { audit: AuditLog; outbox: AuditOutbox; region: string };
}

export interface Caller {
  accountId: string;
  now: number;
  /** Absent for internal calls. */
  principal?: Principal;
  /** `alternativeAllow` is consulted only on an implicit deny (an explicit Deny always wins). */
  authorize(req: AuthorizeRequest, opts?: { alternativeAllow?: () => Promise<boolean> }): Promise<void>;
  audit?: AuditAnnotations;
}

export function callerFromContext(ctx: RequestContext): Caller {
  return {
    accountId: ctx.scope.accountId,
    now: ctx.now,
    principal: ctx.principal,
    authorize: (req, opts) => ctx.authorize(req, opts),
    audit: ctx.audit,
  };
}

/** A caller for other services and the bootstrap: trusted, so no authorisation. */
export function internalCaller(accountId: string, now: number): Caller {
  return { accountId, now, authorize: async () => {} };
}

/** Authorises `iam:<action>` on `resource` before anything changes. */
export async function authorize(caller: Caller, action: string, resource: string, context?: ConditionContext): Promise<void> {
  await caller.authorize({ action: `iam:${action}`, resource, ...(context && Object.keys(context).length > 0 ? { context } : {}) });
}

export function noteResource(caller: Caller, arn: string, type: string): void {
  if (!caller.audit) return;
  (caller.audit.resources ??= []).push({ ARN: arn, accountId: caller.accountId, type });
}

/**
 * Runs a multi-document change atomically and, once committed, invalidates the account's
 * cached identities. `fn` must use only the `tx` it is given (calling the store directly
 * from inside would wait for this very transaction).
 */
export async function write<T>(env: Pick<IamEnv, "store" | "changed">, accountId: string, fn: (tx: DocStore) => Promise<T>): Promise<T> {
  const result = await env.store.transaction(fn);
  env.changed(accountId);
  return result;
}
