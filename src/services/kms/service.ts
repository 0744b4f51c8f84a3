/**
 * The KMS service: its wire definition (awsJson1.1, TrentService), the internal API other
 * services use (KmsApi), and the durable jobs it runs on the scheduler (key deletion,
 * imported material expiry, automatic rotation).
 */
import type { AuditLog } from "../../audit/types.js";
import { createAuditOutbox, type AuditOutbox } from "../../audit/outbox.js";
import type { Clock } from "../../core/clock.js";
import type { RequestContext } from "../../core/types.js";
import type { Sealer } from "../../crypto/seal-types.js";
import type { Scheduler } from "../../scheduler/scheduler.js";
import type { Storage } from "../../storage/types.js";
import type { ServiceDefinition } from "../types.js";
import { createKmsApi, type KmsApi } from "./api.js";
import { createAwsManagedKeys } from "./aws-managed.js";
import { DELETE_KEY_JOB, runKeyDeletion, type KeyJobPayload } from "./deletion.js";
import { MAX_KEYS_PER_REGION, type KmsEnv, type PrincipalExists } from "./env.js";
import { EXPIRE_MATERIAL_JOB, runMaterialExpiry, type ExpirePayload } from "./import-material.js";
import { buildOperations } from "./operations.js";
import { KmsRepo } from "./repo.js";
import { ROTATE_KEY_JOB, runAutomaticRotation } from "./rotation.js";
import { DEFAULT_QUOTAS, Throttle, type KmsQuotas } from "./throttle.js";
import { UsageTracker } from "./usage.js";

export interface KmsServiceDeps {
  store: Storage;
  sealer: Sealer;
  clock: Clock;
  scheduler?: Scheduler;
  /** 32-byte keys: deriveSubkey(root, "bulwark/kms/import-token/v1") and (…, "bulwark/kms/grant-token/v1"). */
  importTokenKey: Buffer;
  grantTokenKey: Buffer;
  /** HMAC key of pagination markers (e.g. the installation's pagination key). */
  markerKey: Buffer;
  quotas?: Partial<KmsQuotas>;
  /** Customer managed keys per account and Region (default MAX_KEYS_PER_REGION, 100,000). */
  maxKeysPerRegion?: number;
  principalExists?: PrincipalExists;
  /** Creates the multi-Region keys' service-linked role with the first multi-Region key (IAM's ensureServiceLinkedRole). */
  ensureMultiRegionServiceLinkedRole?: (ctx: RequestContext) => Promise<void>;
  audit?: AuditLog;
  /**
   * The process's audit outbox (one per process: src/audit/outbox.ts), where KMS stages its
   * service events. Without one, a service given `audit` makes its own.
   */
  outbox?: AuditOutbox;
  /** How often key usage (GetKeyLastUsage) is flushed to storage. */
  usageFlushMs?: number;
  keyCacheSize?: number;
  materialCacheSize?: number;
}

export interface KmsService {
  definition: ServiceDefinition;
  api: KmsApi;
  /** For tests and the operator: the environment the domain runs in. */
  env: KmsEnv;
  /** Starts background work (usage flushing). */
  start(): void;
  /** Flushes pending usage records. */
  stop(): Promise<void>;
}

export function createKmsService(deps: KmsServiceDeps): KmsService {
  let env!: KmsEnv;
  const getOrCreate = createAwsManagedKeys(() => env);
  env = {
    repo: new KmsRepo(deps.store, deps.sealer, {
      ...(deps.keyCacheSize !== undefined ? { keyCacheSize: deps.keyCacheSize } : {}),
      ...(deps.materialCacheSize !== undefined ? { materialCacheSize: deps.materialCacheSize } : {}),
    }),
    sealer: deps.sealer,
    clock: deps.clock,
    ...(deps.scheduler ? { scheduler: deps.scheduler } : {}),
    throttle: new Throttle(deps.clock, { ...DEFAULT_QUOTAS, ...deps.quotas }),
    usage: new UsageTracker(deps.store, deps.clock, deps.usageFlushMs ?? 30_000),
    importTokenKey: deps.importTokenKey,
    grantTokenKey: deps.grantTokenKey,
    markerKey: deps.markerKey,
    ...(deps.principalExists ? { principalExists: deps.principalExists } : {}),
    ...(deps.ensureMultiRegionServiceLinkedRole ? { ensureMultiRegionServiceLinkedRole: deps.ensureMultiRegionServiceLinkedRole } : {}),
    ...(deps.audit ? { audit: deps.audit } : {}),
    ...(deps.outbox ? { outbox: deps.outbox } : deps.audit ? { outbox: createAuditOutbox({ store: deps.store, audit: deps.audit, clock: deps.clock }) } : {}),
    awsManagedKey: getOrCreate,
    maxKeysPerRegion: deps.maxKeysPerRegion ?? MAX_KEYS_PER_REGION,
  };
  if (deps.scheduler) {
    deps.scheduler.register<KeyJobPayload>(DELETE_KEY_JOB, (p) => runKeyDeletion(env, p));
    deps.scheduler.register<KeyJobPayload>(ROTATE_KEY_JOB, (p) => runAutomaticRotation(env, p));
    deps.scheduler.register<ExpirePayload>(EXPIRE_MATERIAL_JOB, (p) => runMaterialExpiry(env, p));
  }
  const definition: ServiceDefinition = {
    name: "kms",
    signingName: "kms",
    protocol: "awsJson1_1",
    targetPrefix: "TrentService",
    eventSource: "kms.amazonaws.com",
    operations: buildOperations(env),
  };
  return {
    definition,
    api: createKmsApi(env, getOrCreate),
    env,
    start: () => {
      env.usage.start();
      // Fix the tracking start date (GetKeyLastUsage) at the first start of the installation.
      void env.usage.trackingStartDate().catch(() => undefined);
    },
    stop: () => env.usage.stop(),
  };
}
