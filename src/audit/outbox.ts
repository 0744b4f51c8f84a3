/**
 * Events a service records for work it does itself (a key deleted when its waiting period ends,
 * a rotation, expired material removed), staged in the storage transaction of the change they
 * record and appended to the audit log after it commits.
 *
 * Recording after the commit alone loses the event when the process dies in between (the change
 * is done, the job that made it is not run again); recording before it records a change that may
 * never happen. Staged events are durable with their change, and appended at least once: right
 * after the commit, at the next start and every `intervalMs` while the server runs.
 *
 * What must stay true:
 *  - an event is appended once: its id is fixed when it is staged, and a staged event whose id the
 *    log already holds (appended, then the process died before the staging row was deleted) is
 *    not appended again;
 *  - the staging row is deleted only after its event is durable in the log;
 *  - one drain at a time in a process (two would both find an event missing and both append it);
 *    another process (the operator CLI) never drains;
 *  - staged records are plain JSON (no schemas) and hold nothing secret: only what the event shows;
 *  - an event staged with a later time (the outcome of a change that completes by itself then, as
 *    an account's closure) is appended by the first drain at or after that time, not before.
 */
import type { Clock } from "../core/clock.js";
import { randomUuid } from "../core/uuid.js";
import { AWS_INTERNAL } from "./event.js";
import type { DocStore, Storage } from "../storage/types.js";
import type { ApiCallRecord, AuditLog } from "./types.js";

export const AUDIT_OUTBOX = "audit-outbox";
const BATCH = 100;
const SCAN_LIMIT = 10_000;
const TIME_DIGITS = 15;

/** A record staged for the log: its event id and the account whose log receives it are fixed. */
export type StagedEvent = Omit<ApiCallRecord, "inputSchema" | "outputSchema"> & { eventId: string; accountId: string };

export interface AuditOutbox {
  /** Stages an event in the caller's transaction: it is appended only if that transaction commits. */
  stageIn(tx: DocStore, rec: StagedEvent): Promise<void>;
  /** Appends every staged event (once each) and removes it; resolves with the number appended. */
  drain(): Promise<number>;
  /** Drains now and every intervalMs (timer unref'd). */
  start(intervalMs: number): void;
  /** Stops the timer and waits for a drain in progress. */
  stop(): Promise<void>;
}

export interface AuditOutboxDeps {
  store: Storage;
  audit: AuditLog;
  /**
   * What "now" is — the clock the staged events' times come from: an event staged for a later time
   * (an outcome known in advance) waits until then.
   */
  clock: Clock;
  /** Failures of a drain (the events stay staged and are tried again); never given secrets. */
  onError?: (err: unknown) => void;
}

function stagedKey(rec: StagedEvent): string {
  const t = Math.max(0, Math.min(Math.floor(rec.time), 10 ** TIME_DIGITS - 1));
  return `${String(t).padStart(TIME_DIGITS, "0")}/${rec.eventId}`;
}

/**
 * An event a service records as itself, with no caller (CloudTrail's "AWS service events", and
 * the calls a service makes for itself such as KMS's SynchronizeMultiRegionKey): the account and
 * the service as userIdentity, the service (default "AWS Internal") as source address and user
 * agent, no request parameters, delivered to `accountId`.
 */
export function serviceRecordedEvent(e: {
  time: number;
  eventSource: string;
  operation: string;
  region: string;
  accountId: string;
  /** The service that recorded it (default "AWS Internal"). */
  invokedBy?: string;
  /** "AwsApiCall" for a call the service made for itself (default "AwsServiceEvent"). */
  eventType?: "AwsServiceEvent" | "AwsApiCall";
  readOnly?: boolean;
  resources?: Array<{ ARN: string; accountId: string; type: string }>;
  responseElements?: Record<string, unknown> | null;
  serviceEventDetails?: Record<string, unknown>;
}): StagedEvent {
  const by = e.invokedBy ?? AWS_INTERNAL;
  return {
    eventId: randomUuid(),
    time: e.time,
    requestId: randomUuid(),
    eventSource: e.eventSource,
    service: e.eventSource.slice(0, e.eventSource.indexOf(".")),
    operation: e.operation,
    region: e.region,
    accountId: e.accountId,
    sourceIp: by,
    userAgent: by,
    ...(e.invokedBy !== undefined ? { invokedBy: e.invokedBy } : {}),
    readOnly: e.readOnly ?? false,
    eventType: e.eventType ?? "AwsServiceEvent",
    annotations: {
      ...(e.resources !== undefined ? { resources: e.resources } : {}),
      requestParameters: null,
      responseElements: e.responseElements ?? null,
      ...(e.serviceEventDetails !== undefined ? { serviceEventDetails: e.serviceEventDetails } : {}),
      recipientAccountId: e.accountId,
    },
  };
}

/**
 * Stages an event in `tx` without an outbox at hand (a service's domain code, or the operator
 * CLI, which never drains): the server's outbox appends it after the commit, at its next drain.
 */
export async function stageAuditEvent(tx: DocStore, rec: StagedEvent): Promise<void> {
  await tx.put(AUDIT_OUTBOX, stagedKey(rec), rec);
}

export function createAuditOutbox(deps: AuditOutboxDeps): AuditOutbox {
  const { store, audit } = deps;
  let running: Promise<number> | undefined;
  /** A drain was asked for while one ran: it may have missed what was staged meanwhile. */
  let again = false;
  let timer: NodeJS.Timeout | undefined;

  async function inLog(rec: StagedEvent): Promise<boolean> {
    let beforeSeq: number | undefined;
    for (;;) {
      const page = await store.lookupAudit(
        {
          accountId: rec.accountId,
          startTime: rec.time,
          endTime: rec.time,
          attribute: { key: "EventId", value: rec.eventId },
          limit: 1,
          ...(beforeSeq !== undefined ? { beforeSeq } : {}),
        },
        SCAN_LIMIT,
      );
      if (page.rows.length > 0) return true;
      if (page.resumeBeforeSeq === undefined) return false;
      beforeSeq = page.resumeBeforeSeq;
    }
  }

  async function drainOnce(): Promise<number> {
    let appended = 0;
    let after: string | undefined;
    for (;;) {
      const batch = await store.list<StagedEvent>(AUDIT_OUTBOX, { limit: BATCH, ...(after !== undefined ? { after } : {}) });
      // Keys sort by event time: the first event still in the future ends this drain.
      const now = deps.clock.now();
      for (const { key, value } of batch) {
        if (value.time > now) return appended;
        after = key;
        if (!(await inLog(value))) {
          await audit.record(value);
          appended++;
        }
        await store.delete(AUDIT_OUTBOX, key);
      }
      if (batch.length < BATCH) return appended;
    }
  }

  function drain(): Promise<number> {
    if (running) {
      again = true;
      return running;
    }
    const run = (async () => {
      let total = 0;
      do {
        again = false;
        total += await drainOnce();
      } while (again);
      return total;
    })();
    running = run.finally(() => {
      running = undefined;
    });
    return running;
  }

  return {
    stageIn: stageAuditEvent,
    drain,
    start(intervalMs) {
      if (timer) return;
      const tick = (): void => {
        drain().catch((e: unknown) => deps.onError?.(e));
      };
      tick();
      timer = setInterval(tick, intervalMs);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      if (running) await running.catch(() => undefined);
    },
  };
}
