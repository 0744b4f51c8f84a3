/**
 * An account's Status and State through closure (CloseAccount, Account in the Organizations API
 * Reference; "Monitor the state of your AWS accounts" in the User Guide): PENDING_CLOSURE until
 * CLOSURE_DELAY_MS after the request, then SUSPENDED; after the 90-day post-closure period the
 * State is CLOSED. Derived from the request time, so no job is needed and a restart loses nothing.
 */
import type { AccountRecord, AccountStatus } from "./accounts.js";

/** "You need to wait a few minutes before the account is fully closed." */
export const CLOSURE_DELAY_MS = 2 * 60_000;
/** Resources of a closed account are kept for 90 days; the account can be reopened until then. */
export const POST_CLOSURE_PERIOD_MS = 90 * 24 * 3_600_000;
export const CLOSE_QUOTA_WINDOW_MS = 30 * 24 * 3_600_000;

export type AccountState = "ACTIVE" | "PENDING_CLOSURE" | "SUSPENDED" | "CLOSED";

/** The account's Status and State at `now`. */
export function accountStatusAt(a: Readonly<AccountRecord>, now: number): { status: AccountStatus; state: AccountState } {
  const at = a.closureRequestedAt;
  if (at === undefined) return { status: a.status, state: a.status };
  if (now < at + CLOSURE_DELAY_MS) return { status: "PENDING_CLOSURE", state: "PENDING_CLOSURE" };
  return { status: "SUSPENDED", state: now < at + POST_CLOSURE_PERIOD_MS ? "SUSPENDED" : "CLOSED" };
}

/** Closed (or closing) accounts, and suspended ones, can no longer be used. */
export function accountUsable(a: Readonly<AccountRecord>): boolean {
  return a.closureRequestedAt === undefined && a.status === "ACTIVE";
}

/**
 * How many member accounts may be closed within a rolling 30 days: 10% of the member accounts,
 * but at least 10 and at most 1000 (CloseAccount, API Reference).
 */
export function closeQuota(memberCount: number): number {
  return Math.min(1000, Math.max(10, Math.floor(memberCount / 10)));
}

