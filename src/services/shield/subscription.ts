/**
 * The Shield Advanced subscription of an account: a one-year commitment that renews itself
 * while AutoRenew is ENABLED. Periods are computed from the start time, so renewal needs no
 * timer: a subscription whose AutoRenew is DISABLED simply stops being active at the end of
 * its period, and then behaves as if it did not exist (Create may start a new one).
 */
import { randomBytes } from "node:crypto";
import type { Subscription } from "@aws-sdk/client-shield";
import type { Storage } from "../../storage/types.js";
import { alreadyExists, lockedSubscription, subscriptionNotFound } from "./errors.js";
import {
  AUTO_RENEW_WINDOW_MS,
  COMMITMENT_SECONDS,
  LIMIT_TYPES,
  MAX_GROUP_MEMBERS,
  MAX_PROTECTION_GROUPS,
  MAX_PROTECTIONS_PER_TYPE,
  SUBSCRIPTIONS,
  subscriptionArn,
  type SubscriptionRecord,
} from "./model.js";

const COMMITMENT_MS = COMMITMENT_SECONDS * 1000;

/** The current commitment period; `active` is false once a non-renewing subscription has ended. */
export function currentPeriod(rec: SubscriptionRecord, now: number): { start: number; end: number; active: boolean } {
  const firstEnd = rec.startedAt + COMMITMENT_MS;
  if (now < firstEnd || rec.autoRenew === "DISABLED") {
    // A non-renewing subscription keeps the period it was in when AutoRenew was turned off.
    const periods = rec.autoRenew === "DISABLED" && rec.disabledInPeriod !== undefined ? rec.disabledInPeriod : 0;
    const start = rec.startedAt + periods * COMMITMENT_MS;
    return { start, end: start + COMMITMENT_MS, active: now < start + COMMITMENT_MS };
  }
  const periods = Math.floor((now - rec.startedAt) / COMMITMENT_MS);
  const start = rec.startedAt + periods * COMMITMENT_MS;
  return { start, end: start + COMMITMENT_MS, active: true };
}

/** The account's subscription while it is active. */
export async function activeSubscription(store: Storage, account: string, now: number): Promise<SubscriptionRecord | undefined> {
  const rec = await store.get<SubscriptionRecord>(SUBSCRIPTIONS, account);
  return rec && currentPeriod(rec, now).active ? rec : undefined;
}

/** Every Shield Advanced operation needs an active subscription. */
export async function requireSubscription(store: Storage, account: string, now: number): Promise<SubscriptionRecord> {
  const rec = await activeSubscription(store, account, now);
  if (!rec) throw subscriptionNotFound();
  return rec;
}

export async function createSubscription(store: Storage, account: string, now: number): Promise<SubscriptionRecord> {
  return store.transaction(async (tx) => {
    const cur = await tx.get<SubscriptionRecord>(SUBSCRIPTIONS, account);
    if (cur && currentPeriod(cur, now).active) throw alreadyExists("subscription", "The subscription already exists.");
    const rec: SubscriptionRecord = { accountId: account, id: randomBytes(8).toString("hex"), startedAt: now, autoRenew: "ENABLED" };
    // A new subscription keeps the account's SRT settings (contacts, role) from an ended one.
    if (cur?.emergencyContacts) rec.emergencyContacts = cur.emergencyContacts;
    if (cur?.proactiveEngagement) rec.proactiveEngagement = cur.proactiveEngagement;
    if (cur?.drtRoleArn) rec.drtRoleArn = cur.drtRoleArn;
    await tx.put(SUBSCRIPTIONS, account, rec);
    return rec;
  });
}

/**
 * AutoRenew can change only during the last 30 days of the current period
 * (LockedSubscriptionException before); setting the value it already has changes nothing.
 */
export async function updateSubscription(store: Storage, account: string, autoRenew: "ENABLED" | "DISABLED" | undefined, now: number): Promise<void> {
  await store.transaction(async (tx) => {
    const rec = await tx.get<SubscriptionRecord>(SUBSCRIPTIONS, account);
    if (!rec || !currentPeriod(rec, now).active) throw subscriptionNotFound();
    if (autoRenew === undefined || autoRenew === rec.autoRenew) return;
    const period = currentPeriod(rec, now);
    if (now < period.end - AUTO_RENEW_WINDOW_MS) {
      throw lockedSubscription("You can change the AutoRenew setting only during the last 30 days of your subscription's commitment period.");
    }
    const next: SubscriptionRecord = { ...rec, autoRenew };
    if (autoRenew === "DISABLED") next.disabledInPeriod = Math.round((period.start - rec.startedAt) / COMMITMENT_MS);
    else delete next.disabledInPeriod;
    await tx.put(SUBSCRIPTIONS, account, next);
  });
}

/** DeleteSubscription (deprecated): an active subscription is within its commitment, so it is always locked. */
export async function deleteSubscription(store: Storage, account: string, now: number): Promise<never> {
  await requireSubscription(store, account, now);
  throw lockedSubscription("Shield Advanced requires a 1-year subscription commitment. You cannot delete a subscription before the commitment ends.");
}

export function subscriptionLimits(): { Type: string; Max: number }[] {
  return LIMIT_TYPES.map((l) => ({ Type: l.type, Max: MAX_PROTECTIONS_PER_TYPE }));
}

export function subscriptionView(rec: SubscriptionRecord, now: number): Subscription {
  const p = currentPeriod(rec, now);
  const limits = subscriptionLimits();
  return {
    StartTime: new Date(p.start),
    EndTime: new Date(p.end),
    TimeCommitmentInSeconds: COMMITMENT_SECONDS,
    AutoRenew: rec.autoRenew,
    Limits: limits,
    ProactiveEngagementStatus: rec.proactiveEngagement ?? "DISABLED",
    SubscriptionLimits: {
      ProtectionLimits: { ProtectedResourceTypeLimits: limits },
      ProtectionGroupLimits: { MaxProtectionGroups: MAX_PROTECTION_GROUPS, PatternTypeLimits: { ArbitraryPatternLimits: { MaxMembers: MAX_GROUP_MEMBERS } } },
    },
    SubscriptionArn: subscriptionArn(rec.accountId, rec.id),
  };
}
