/**
 * Shield Response Team (SRT) settings of a subscription: emergency contacts, proactive
 * engagement and the SRT access role. Bulwark has no response team, so these are kept and
 * reported exactly as configured (tooling that manages them keeps working) but nobody is
 * ever contacted. Log buckets need Amazon S3 and health checks need Route 53, which Bulwark
 * does not have: those operations answer with the errors AWS gives for a bucket or health
 * check it cannot reach.
 */
import type { Storage } from "../../storage/types.js";
import { invalidOperation, invalidParameter, subscriptionNotFound } from "./errors.js";
import { SUBSCRIPTIONS, type EmergencyContactRecord, type SubscriptionRecord } from "./model.js";
import { currentPeriod } from "./subscription.js";

async function update(store: Storage, account: string, now: number, fn: (rec: SubscriptionRecord) => SubscriptionRecord): Promise<void> {
  await store.transaction(async (tx) => {
    const rec = await tx.get<SubscriptionRecord>(SUBSCRIPTIONS, account);
    if (!rec || !currentPeriod(rec, now).active) throw subscriptionNotFound();
    await tx.put(SUBSCRIPTIONS, account, fn(rec));
  });
}

const hasPhone = (list: readonly EmergencyContactRecord[] | undefined): boolean => (list ?? []).some((c) => c.PhoneNumber !== undefined);

export async function updateEmergencyContacts(store: Storage, account: string, contacts: EmergencyContactRecord[], now: number): Promise<void> {
  await update(store, account, now, (rec) => {
    if (rec.proactiveEngagement === "ENABLED" && !hasPhone(contacts)) throw invalidParameter("With proactive engagement enabled, the emergency contact list must include at least one phone number.");
    return { ...rec, emergencyContacts: contacts };
  });
}

/** Sets the contacts and enables proactive engagement; afterwards Enable/Disable switch it. */
export async function associateProactiveEngagement(store: Storage, account: string, contacts: EmergencyContactRecord[], now: number): Promise<void> {
  if (!hasPhone(contacts)) throw invalidParameter("The emergency contact list must include at least one phone number.");
  await update(store, account, now, (rec) => {
    if (rec.proactiveEngagement !== undefined) throw invalidOperation("Proactive engagement is already initialized. Use EnableProactiveEngagement or DisableProactiveEngagement.");
    return { ...rec, emergencyContacts: contacts, proactiveEngagement: "ENABLED" };
  });
}

export async function setProactiveEngagement(store: Storage, account: string, status: "ENABLED" | "DISABLED", now: number): Promise<void> {
  await update(store, account, now, (rec) => {
    if (status === "ENABLED" && !hasPhone(rec.emergencyContacts)) throw invalidOperation("Add an emergency contact with a phone number (AssociateProactiveEngagementDetails) before enabling proactive engagement.");
    if ((rec.proactiveEngagement ?? "DISABLED") === status) throw invalidOperation(`Proactive engagement is already ${status === "ENABLED" ? "enabled" : "disabled"}.`);
    return { ...rec, proactiveEngagement: status };
  });
}

export async function setDrtRole(store: Storage, account: string, roleArn: string | undefined, now: number): Promise<void> {
  await update(store, account, now, (rec) => {
    const { drtRoleArn: _old, ...rest } = rec;
    return roleArn === undefined ? rest : { ...rest, drtRoleArn: roleArn };
  });
}
