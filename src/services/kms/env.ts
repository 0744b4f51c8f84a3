/** What every KMS domain function gets: storage (with caches), clock, scheduler and helpers. */
import type { Clock } from "../../core/clock.js";
import type { RequestContext, Scope } from "../../core/types.js";
import type { Sealer } from "../../crypto/seal-types.js";
import type { Scheduler } from "../../scheduler/scheduler.js";
import type { AuditLog } from "../../audit/types.js";
import type { AuditOutbox } from "../../audit/outbox.js";
import type { KmsRepo } from "./repo.js";
import type { Throttle } from "./throttle.js";
import type { UsageTracker } from "./usage.js";

/**
 * Does a principal ARN named in a key policy or grant exist? (undefined: unknown account, accept.)
 * For an IAM user or role that exists: its unique id (AIDA… / AROA…), which the key policy is bound to.
 */
export type PrincipalExists = (arn: string) => Promise<boolean | string | undefined>;

export interface KmsEnv {
  repo: KmsRepo;
  sealer: Sealer;
  clock: Clock;
  scheduler?: Scheduler;
  throttle: Throttle;
  usage: UsageTracker;
  /** 32-byte keys derived from the root key (src/crypto/INVARIANTS.md registry). */
  importTokenKey: Buffer;
  grantTokenKey: Buffer;
  /** HMAC key of opaque pagination markers. */
  markerKey: Buffer;
  principalExists?: PrincipalExists;
  /** Records the KMS-side CloudTrail event of calls made "via service" by other services. */
  audit?: AuditLog;
  /** Where KMS's own service events (DeleteKey, RotateKey, …) are staged with their change. */
  outbox?: AuditOutbox;
  /** Creates (once) the AWS managed key behind a predefined alias such as alias/aws/s3. */
  awsManagedKey(scope: Scope, aliasName: string): Promise<{ keyId: string; arn: string } | undefined>;
  /** Customer managed keys an account may have in a Region (the "AWS KMS keys" resource quota). */
  maxKeysPerRegion: number;
  /**
   * Creates the account's AWSServiceRoleForKeyManagementServiceMultiRegionKeys unless it exists,
   * as the caller (who needs iam:CreateServiceLinkedRole for it); without it no role is created.
   */
  ensureMultiRegionServiceLinkedRole?: (ctx: RequestContext) => Promise<void>;
}

export const MAX_ON_DEMAND_ROTATIONS = 25;
/** Resource quota "AWS KMS keys": customer managed keys per account and Region (KMS developer guide). */
export const MAX_KEYS_PER_REGION = 100_000;
export const DAY_MS = 24 * 60 * 60 * 1000;
