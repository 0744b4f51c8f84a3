/**
 * EffectivePolicyValidation events (Organizations User Guide, "Logging API calls with CloudTrail"
 * and "About invalid effective policy alerts"): when a change in the organization makes an
 * account's effective management policy invalid, the management account's CloudTrail receives an
 * AWS service event with state INVALID and the validation errors; when a later change makes it
 * valid again, one with state VALID.
 *
 * After each change that can reshape effective policies (attaching, detaching or updating a
 * policy, enabling or disabling a type, an account moving, joining or leaving), every member's
 * effective policy of each type that has validation rules (effective-validation.ts) is checked
 * again and compared with what was last reported, kept in `org-effective-validity`: a new or
 * different set of errors is reported INVALID, errors gone are reported VALID. The state and the
 * events are written in one transaction, so each transition is reported once.
 */
import { GLOBAL_EVENT_REGION } from "../../audit/event.js";
import { cloudTrailDate } from "../../audit/cloudtrail-date.js";
import { serviceRecordedEvent, stageAuditEvent, type StagedEvent } from "../../audit/outbox.js";
import { ACCOUNTS_COLLECTION, type AccountRecord } from "./accounts.js";
import { EffectivePolicyReader } from "./effective.js";
import { VALIDATED_POLICY_TYPES, type EffectivePolicyValidationError } from "./effective-validation.js";
import { ORGANIZATIONS_COLLECTION, type ManagementPolicyType, type OrganizationRecord } from "./model.js";
import type { OrganizationsDomainDeps } from "./organization.js";

export const EFFECTIVE_VALIDITY_COLLECTION = "org-effective-validity";

/** What was last reported INVALID for one account and policy type (VALID leaves no record). */
interface ReportedInvalid {
  fingerprint: string;
}

const validityKey = (orgId: string, type: string, accountId: string): string => `${orgId}/${type}/${accountId}`;

const fingerprintOf = (errors: readonly EffectivePolicyValidationError[]): string =>
  JSON.stringify(errors.map((e) => [e.code, e.path, e.message, e.contributingPolicies]));

function validationEvent(
  deps: OrganizationsDomainDeps,
  org: Readonly<OrganizationRecord>,
  accountId: string,
  type: ManagementPolicyType,
  now: number,
  invalid?: { path: string; evaluatedAt: number; errors: readonly EffectivePolicyValidationError[] },
): StagedEvent {
  const at = cloudTrailDate(new Date(now));
  const details: Record<string, unknown> = {
    accountId,
    policyType: type,
    state: invalid ? "INVALID" : "VALID",
    requestTimestamp: at,
    info: invalid ? "All validation errors listed" : "Previous effective policy validation error(s) resolved for this account/policyType",
  };
  if (invalid) {
    const evaluated = cloudTrailDate(new Date(invalid.evaluatedAt));
    details.validationErrors = invalid.errors.map((e) => ({
      accountPath: invalid.path,
      evaluationTimestamp: evaluated,
      errorCode: e.code,
      errorMessage: e.message,
      pathToError: e.path,
      contributingPolicies: e.contributingPolicies,
    }));
  }
  return serviceRecordedEvent({
    time: now,
    eventSource: "organizations.amazonaws.com",
    operation: "EffectivePolicyValidation",
    region: deps.globalRegion ?? GLOBAL_EVENT_REGION,
    accountId: org.managementAccountId,
    readOnly: true,
    serviceEventDetails: details,
  });
}

/**
 * Checks the organization's effective policies again and stages an EffectivePolicyValidation
 * event for every account whose validity changed since it was last reported; resolves with the
 * number of events. An organization that no longer exists has nothing to report.
 */
export async function revalidateEffectivePolicies(deps: OrganizationsDomainDeps, organizationId: string, now: number): Promise<number> {
  const staged = await deps.store.transaction(async (tx) => {
    const org = await tx.get<OrganizationRecord>(ORGANIZATIONS_COLLECTION, organizationId);
    const reported = new Map((await tx.list<ReportedInvalid>(EFFECTIVE_VALIDITY_COLLECTION, { prefix: `${organizationId}/` })).map((e) => [e.key, e.value]));
    if (!org) {
      for (const key of reported.keys()) await tx.delete(EFFECTIVE_VALIDITY_COLLECTION, key);
      return 0;
    }
    const enabled = VALIDATED_POLICY_TYPES.filter((t) => (org.policyTypes ?? []).includes(t));
    if (enabled.length === 0 && reported.size === 0) return 0;
    const members = (await tx.list<AccountRecord>(ACCOUNTS_COLLECTION)).map((e) => e.value).filter((a) => a.organizationId === org.id);
    let events = 0;
    for (const type of VALIDATED_POLICY_TYPES) {
      const reader = new EffectivePolicyReader(tx, org, type);
      for (const a of members) {
        const key = validityKey(org.id, type, a.id);
        const before = reported.get(key);
        reported.delete(key);
        const checked = reader.enabled ? await reader.validate(a.id) : undefined;
        const errors = checked?.errors ?? [];
        if (errors.length > 0) {
          const fingerprint = fingerprintOf(errors);
          if (before?.fingerprint === fingerprint) continue;
          await tx.put<ReportedInvalid>(EFFECTIVE_VALIDITY_COLLECTION, key, { fingerprint });
          await stageAuditEvent(tx, validationEvent(deps, org, a.id, type, now, { path: checked!.policy.path, evaluatedAt: checked!.policy.lastUpdated, errors }));
          events++;
        } else if (before !== undefined) {
          await tx.delete(EFFECTIVE_VALIDITY_COLLECTION, key);
          await stageAuditEvent(tx, validationEvent(deps, org, a.id, type, now));
          events++;
        }
      }
    }
    // Accounts no longer in the organization: nothing to report about them any more.
    for (const key of reported.keys()) await tx.delete(EFFECTIVE_VALIDITY_COLLECTION, key);
    return events;
  });
  if (staged > 0) await deps.drainAudit?.().catch(() => undefined);
  return staged;
}
