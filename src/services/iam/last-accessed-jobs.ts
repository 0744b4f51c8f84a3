/**
 * The report jobs behind GenerateServiceLastAccessedDetails and GenerateOrganizationsAccessReport:
 * a Generate call stores the job IN_PROGRESS and returns its JobId; the report is computed
 * off the request, in the background, and stored with the job as COMPLETED (or FAILED with the
 * reason, which Get* return as Error/ErrorDetails).
 *
 * What stays true:
 * - A job is read only by the principal that generated it ("must be used by the same role
 *   within a session, or by the same user"); to anyone else it does not exist (NoSuchEntity).
 * - A job left IN_PROGRESS by a process that stopped is reported FAILED: nothing runs it.
 * - Jobs are kept JOB_RETENTION_MS (a bound Bulwark chooses; IAM documents none), pruned when
 *   the account generates another one.
 */
import { randomUUID } from "node:crypto";
import type { Caller, IamEnv } from "./env.js";
import { noSuchEntity } from "./errors.js";
import type { OrganizationsServiceAccess, ServiceUsage } from "./last-accessed.js";
import { COLLECTIONS } from "./model.js";
import { lengthBetween, required } from "./validation.js";
import { accountRootArn } from "../../core/partition.js";

export const JOB_RETENTION_MS = 30 * 24 * 60 * 60 * 1000;

export type JobStatus = "IN_PROGRESS" | "COMPLETED" | "FAILED";
export type Granularity = "SERVICE_LEVEL" | "ACTION_LEVEL";

export interface JobError {
  Code: string;
  Message: string;
}

interface JobBase {
  accountId: string;
  jobId: string;
  /** ARN of the principal that generated the report (a role session's own ARN). */
  owner: string;
  status: JobStatus;
  createdAt: number;
  completedAt?: number;
  error?: JobError;
}

export interface ServiceReportJob extends JobBase {
  kind: "service";
  arn: string;
  granularity: Granularity;
  services?: ServiceUsage[];
}

export interface OrganizationsReportJob extends JobBase {
  kind: "organizations";
  entityPath: string;
  policyId?: string;
  access?: OrganizationsServiceAccess[];
}

export type LastAccessedJob = ServiceReportJob | OrganizationsReportJob;

/** A failure to report in the job (Error / ErrorDetails) rather than as the Get call's error. */
export class JobFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const jobKey = (accountId: string, jobId: string): string => `${accountId}/${jobId}`;

/** Runs report jobs in the background, one at a time per job; `idle()` waits for all of them. */
export class LastAccessedJobs {
  private readonly running = new Map<string, LastAccessedJob>();
  private readonly done = new Map<string, Promise<void>>();

  isRunning(job: LastAccessedJob): boolean {
    return this.running.has(jobKey(job.accountId, job.jobId));
  }

  /** The account's jobs of `kind` being computed in this process. */
  count(accountId: string, kind: LastAccessedJob["kind"]): number {
    let n = 0;
    for (const j of this.running.values()) if (j.accountId === accountId && j.kind === kind) n++;
    return n;
  }

  /**
   * Counts the job as running at once, stores it IN_PROGRESS (dropping the account's jobs past
   * retention), then computes its report after this turn of the event loop and stores the
   * outcome. Resolves once the job is stored.
   */
  start<J extends LastAccessedJob>(env: IamEnv, job: J, compute: () => Promise<Partial<J>>): Promise<void> {
    const key = jobKey(job.accountId, job.jobId);
    const coll = COLLECTIONS.lastAccessedJobs;
    this.running.set(key, job);
    const stored = (async () => {
      for (const e of await env.store.list<LastAccessedJob>(coll, { prefix: `${job.accountId}/` })) {
        if (job.createdAt - e.value.createdAt > JOB_RETENTION_MS) await env.store.delete(coll, e.key);
      }
      await env.store.put<LastAccessedJob>(coll, key, job);
    })();
    const done = stored
      .then(async () => {
        await new Promise((resolve) => setImmediate(resolve));
        let outcome: LastAccessedJob;
        try {
          outcome = { ...job, ...(await compute()), status: "COMPLETED", completedAt: env.clock.now() };
        } catch (e) {
          const error = e instanceof JobFailure ? { Code: e.code, Message: e.message } : { Code: "ServiceFailure", Message: "The report could not be generated." };
          outcome = { ...job, status: "FAILED", completedAt: env.clock.now(), error };
        }
        await env.store.put<LastAccessedJob>(coll, key, outcome);
      })
      // Storage gone (shutting down): the job stays IN_PROGRESS and reads as FAILED later.
      .catch(() => undefined)
      .finally(() => {
        this.running.delete(key);
        this.done.delete(key);
      });
    this.done.set(key, done);
    return stored;
  }

  async idle(): Promise<void> {
    while (this.done.size > 0) await Promise.allSettled([...this.done.values()]);
  }
}

/** Who may read a job: the calling principal's ARN (the root user's for internal callers). */
export function jobOwner(caller: Caller): string {
  return caller.principal?.arn || accountRootArn(caller.accountId);
}

/** A new IN_PROGRESS job of the caller, created now (LastAccessedJobs.start stores and runs it). */
export function newJob<J extends LastAccessedJob>(caller: Caller, fields: Omit<J, keyof JobBase>): J {
  return { ...fields, accountId: caller.accountId, jobId: randomUUID(), owner: jobOwner(caller), status: "IN_PROGRESS", createdAt: caller.now } as J;
}

/** JobId: the 36-character id Generate returned. */
export function checkJobId(value: string | undefined): string {
  const v = required(value, "jobId");
  lengthBetween(v, "jobId", 36, 36);
  return v;
}

/** The caller's job of `kind`, as its status now reads. Unknown, another principal's, or another kind: NoSuchEntity. */
export async function loadJob<K extends LastAccessedJob["kind"]>(env: IamEnv, caller: Caller, kind: K, jobId: string): Promise<Extract<LastAccessedJob, { kind: K }>> {
  const job = await env.store.get<LastAccessedJob>(COLLECTIONS.lastAccessedJobs, jobKey(caller.accountId, jobId));
  // IAM documents NoSuchEntity here without its message; this follows IAM's other NoSuchEntity messages.
  if (!job || job.kind !== kind || job.owner !== jobOwner(caller)) throw noSuchEntity(`The job with ID ${jobId} cannot be found.`);
  if (job.status === "IN_PROGRESS" && !env.lastAccessed.jobs.isRunning(job)) {
    // Its process stopped before the report was stored.
    return { ...job, status: "FAILED", error: { Code: "ServiceFailure", Message: "The report job stopped before it completed." } } as Extract<LastAccessedJob, { kind: K }>;
  }
  return job as Extract<LastAccessedJob, { kind: K }>;
}

/** The members every Get* response shares: status, dates and the failure. */
export function jobFields(job: LastAccessedJob): { JobStatus: JobStatus; JobCreationDate: Date; JobCompletionDate?: Date } {
  return {
    JobStatus: job.status,
    JobCreationDate: new Date(job.createdAt),
    ...(job.status !== "IN_PROGRESS" && job.completedAt !== undefined ? { JobCompletionDate: new Date(job.completedAt) } : {}),
  };
}
