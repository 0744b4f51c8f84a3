/**
 * Periodic jobs on the durable scheduler: a job with a fixed id that reschedules itself after
 * each run, so exactly one instance is pending whatever the number of restarts.
 */
import type { Clock } from "../core/clock.js";
import type { Storage } from "../storage/types.js";
import type { Scheduler } from "./scheduler.js";

export async function registerPeriodic(scheduler: Scheduler, clock: Clock, kind: string, intervalMs: number, run: () => Promise<void>): Promise<void> {
  scheduler.register(kind, async () => {
    await run();
    await scheduler.schedule(kind, clock.now() + intervalMs, {}, kind);
  });
  if (!(await scheduler.get(kind))) await scheduler.schedule(kind, clock.now() + intervalMs, {}, kind);
}

export const STS_SESSION_SWEEP = "sts-session-sweep";
const STS_SESSIONS = "sts-sessions";
const PAGE = 500;

/**
 * Deletes temporary credentials whose `expiresAt` is before `now`; returns how many. Callers
 * pass now minus a grace period, so recently expired tokens still answer ExpiredToken (a
 * deleted session is an unknown key: "The security token included in the request is invalid").
 */
export async function sweepExpiredStsSessions(store: Storage, now: number): Promise<number> {
  let removed = 0;
  let after: string | undefined;
  for (;;) {
    const page = await store.list<{ expiresAt?: number }>(STS_SESSIONS, { limit: PAGE, ...(after !== undefined ? { after } : {}) });
    after = page.at(-1)?.key;
    const expired = page.filter(({ value }) => typeof value.expiresAt === "number" && value.expiresAt <= now).map((r) => r.key);
    // One transaction (one commit, one WAL scrub) per page, not one per session.
    if (expired.length > 0) {
      removed += await store.transaction(async (tx) => {
        let n = 0;
        for (const key of expired) if (await tx.delete(STS_SESSIONS, key)) n++;
        return n;
      });
    }
    if (page.length < PAGE) return removed;
  }
}

export const STS_SESSION_GRACE_MS = 24 * 60 * 60 * 1000;

/** Registers the hourly (by default) sweep of STS sessions expired for longer than `graceMs`. */
export function registerStsSessionSweep(scheduler: Scheduler, store: Storage, clock: Clock, intervalMs = 60 * 60 * 1000, graceMs = STS_SESSION_GRACE_MS): Promise<void> {
  return registerPeriodic(scheduler, clock, STS_SESSION_SWEEP, intervalMs, async () => {
    await sweepExpiredStsSessions(store, clock.now() - graceMs);
  });
}
