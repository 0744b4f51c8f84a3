/**
 * Durable timers on Storage: KMS key deletion at the end of its waiting period, imported key
 * material expiry, automatic key rotation, replica deletion, expired STS session sweeps.
 *
 * Jobs live in collection "scheduler-jobs" under `<dueAt, 15 digits>/<id>`, so listing the
 * collection in key order yields them in due order and a poll reads only what is due. A
 * second collection "scheduler-job-ids" maps each id to its current key, so jobs can be
 * cancelled or replaced by id. Both are written in one transaction.
 *
 * What must stay true:
 *  - jobs survive restarts (they are storage documents, nothing is kept only in memory);
 *  - a job runs at least once: it is deleted only after its handler resolved; a handler that
 *    throws is retried later with backoff, so handlers must be idempotent;
 *  - a job that a stored state calls for is written in the same transaction as that state
 *    (scheduleIn / cancelIn), never in a second commit a crash could leave out;
 *  - time comes only from the injected Clock (tests move it and call runDue()).
 */
import { randomUUID } from "node:crypto";
import type { Clock } from "../core/clock.js";
import type { DocStore, Storage } from "../storage/types.js";

export const JOBS_COLLECTION = "scheduler-jobs";
export const JOB_IDS_COLLECTION = "scheduler-job-ids";
const DUE_DIGITS = 15;
const BATCH = 100;
const MAX_BACKOFF_MS = 60 * 60 * 1000;

export interface JobRecord<P = unknown> {
  id: string;
  kind: string;
  dueAt: number;
  payload: P;
  /** Failed attempts so far. */
  attempts: number;
}

export type JobHandler<P = unknown> = (payload: P, job: JobRecord<P>) => Promise<void>;

export interface Scheduler {
  /** Schedules (or, for an existing id, replaces) a job; resolves with its id once durable. */
  schedule<P>(kind: string, dueAt: number, payload: P, id?: string): Promise<string>;
  /**
   * The same inside the caller's storage transaction, so that a job and the state that calls for
   * it are written together (a crash between two commits would leave one without the other).
   */
  scheduleIn<P>(tx: DocStore, kind: string, dueAt: number, payload: P, id: string): Promise<void>;
  /** Removes a job by id; false when there was none. */
  cancel(id: string): Promise<boolean>;
  /** The same inside the caller's storage transaction. */
  cancelIn(tx: DocStore, id: string): Promise<boolean>;
  /** The pending job with this id, if any. */
  get(id: string): Promise<JobRecord | undefined>;
  register<P>(kind: string, handler: JobHandler<P>): void;
  /** Starts polling every pollMs (timer unref'd: it never keeps the process alive). */
  start(): void;
  /** Stops polling and waits for a run in progress. */
  stop(): Promise<void>;
  /** Runs every job due now; resolves with the number of jobs that succeeded. */
  runDue(): Promise<number>;
}

export interface SchedulerDeps {
  store: Storage;
  clock: Clock;
  pollMs?: number;
  /** Failures of handlers (the job is retried); never given secrets. */
  onError?: (err: unknown, job: JobRecord) => void;
}

/**
 * Job records are the scheduler's bookkeeping (kinds, due times, ids of what they act on), never
 * secrets: deleting one needs no emptying of the storage's log (DeleteOptions.scrub). A periodic
 * job moves to a new key at every run, and emptying SQLite's WAL each time held every request up
 * for tens of milliseconds under load.
 */
const BOOKKEEPING = { scrub: false } as const;

export function jobKey(dueAt: number, id: string): string {
  const due = Math.max(0, Math.min(Math.floor(dueAt), 10 ** DUE_DIGITS - 1));
  return `${String(due).padStart(DUE_DIGITS, "0")}/${id}`;
}

async function putJob(tx: DocStore, job: JobRecord): Promise<void> {
  const old = await tx.get<string>(JOB_IDS_COLLECTION, job.id);
  if (old !== undefined) await tx.delete(JOBS_COLLECTION, old, BOOKKEEPING);
  const key = jobKey(job.dueAt, job.id);
  await tx.put(JOBS_COLLECTION, key, job);
  await tx.put(JOB_IDS_COLLECTION, job.id, key);
}

async function removeJob(tx: DocStore, id: string): Promise<boolean> {
  const key = await tx.get<string>(JOB_IDS_COLLECTION, id);
  if (key === undefined) return false;
  await tx.delete(JOBS_COLLECTION, key, BOOKKEEPING);
  await tx.delete(JOB_IDS_COLLECTION, id, BOOKKEEPING);
  return true;
}

export function createScheduler(deps: SchedulerDeps): Scheduler {
  const { store, clock } = deps;
  const pollMs = deps.pollMs ?? 1000;
  const handlers = new Map<string, JobHandler>();
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<number> | undefined;

  async function runOne(job: JobRecord, key: string): Promise<boolean> {
    const handler = handlers.get(job.kind);
    try {
      if (!handler) throw new Error(`no handler registered for job kind ${job.kind}`);
      await handler(job.payload, job);
    } catch (e) {
      deps.onError?.(e, job);
      const backoff = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** Math.min(job.attempts, 20));
      await store.transaction(async (tx) => {
        // Only if the job was not replaced or cancelled meanwhile.
        if ((await tx.get<string>(JOB_IDS_COLLECTION, job.id)) !== key) return;
        await putJob(tx, { ...job, attempts: job.attempts + 1, dueAt: clock.now() + backoff });
      });
      return false;
    }
    await store.transaction(async (tx) => {
      // The handler may have rescheduled the same id (periodic jobs): delete only this run's entry.
      if ((await tx.get<string>(JOB_IDS_COLLECTION, job.id)) === key) await tx.delete(JOB_IDS_COLLECTION, job.id, BOOKKEEPING);
      await tx.delete(JOBS_COLLECTION, key, BOOKKEEPING);
    });
    return true;
  }

  async function runDueNow(): Promise<number> {
    const now = clock.now();
    const limitKey = jobKey(now, "\uffff");
    let done = 0;
    let after: string | undefined;
    for (;;) {
      const batch = await store.list<JobRecord>(JOBS_COLLECTION, { limit: BATCH, ...(after !== undefined ? { after } : {}) });
      let more = batch.length === BATCH;
      for (const { key, value } of batch) {
        if (key > limitKey) {
          more = false;
          break;
        }
        after = key;
        if (await runOne(value, key)) done++;
      }
      if (!more) return done;
    }
  }

  const scheduler: Scheduler = {
    async schedule(kind, dueAt, payload, id) {
      const jobId = id ?? randomUUID();
      await store.transaction((tx) => putJob(tx, { id: jobId, kind, dueAt, payload, attempts: 0 }));
      return jobId;
    },
    async scheduleIn(tx, kind, dueAt, payload, id) {
      await putJob(tx, { id, kind, dueAt, payload, attempts: 0 });
    },
    async cancel(id) {
      return store.transaction((tx) => removeJob(tx, id));
    },
    cancelIn: removeJob,
    async get(id) {
      const key = await store.get<string>(JOB_IDS_COLLECTION, id);
      return key === undefined ? undefined : store.get<JobRecord>(JOBS_COLLECTION, key);
    },
    register(kind, handler) {
      handlers.set(kind, handler as JobHandler);
    },
    runDue() {
      // One run at a time: a poll that finds a run in progress joins it.
      running ??= runDueNow().finally(() => {
        running = undefined;
      });
      return running;
    },
    start() {
      if (timer) return;
      timer = setInterval(() => {
        scheduler.runDue().catch((e: unknown) => deps.onError?.(e, { id: "", kind: "poll", dueAt: 0, payload: undefined, attempts: 0 }));
      }, pollMs);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      if (running) await running.catch(() => undefined);
    },
  };
  return scheduler;
}
