/**
 * What the Shield detector shares with the Shield control plane (src/services/shield/): the
 * protected resources it watches, the durable shape of a detected event, and the two ports
 * it acts through (the attack store and the web ACL that carries automatic mitigations).
 */
import type { Rule } from "@aws-sdk/client-wafv2";

export type ResponseActionKind = "BLOCK" | "COUNT";

/** A resource under Shield Advanced protection, as the detector needs it. */
export interface ProtectedResource {
  resourceArn: string;
  accountId: string;
  protectionId: string;
  /** Shield's resource type (APPLICATION_LOAD_BALANCER, …): BY_RESOURCE_TYPE protection groups select on it. */
  resourceType?: string;
  /** Automatic application-layer response, when enabled for the protection. */
  autoResponse?: { action: ResponseActionKind };
}

export type GroupAggregation = "SUM" | "MEAN" | "MAX";
export type GroupPattern = "ALL" | "ARBITRARY" | "BY_RESOURCE_TYPE";

/** A Shield Advanced protection group, as the detector needs it. */
export interface ProtectionGroupSpec {
  accountId: string;
  protectionGroupId: string;
  aggregation: GroupAggregation;
  pattern: GroupPattern;
  /** With BY_RESOURCE_TYPE: the resource type whose protected resources are members. */
  resourceType?: string;
  /** With ARBITRARY: the member resource ARNs. */
  members?: readonly string[];
}

/** Attack properties Bulwark reports for HTTP floods (AttackPropertyIdentifier values). */
export type ContributorKind = "SOURCE_IP_ADDRESS" | "DESTINATION_URL" | "SOURCE_USER_AGENT" | "REFERRER";

export const CONTRIBUTOR_KINDS: readonly ContributorKind[] = ["SOURCE_IP_ADDRESS", "DESTINATION_URL", "SOURCE_USER_AGENT", "REFERRER"];

export interface ContributorSummary {
  /** Every request counted for this property during the event. */
  total: number;
  /** The five largest contributors, largest first. */
  top: Array<{ name: string; value: number }>;
}

/** The mitigation Shield placed in the resource's web ACL for an event. */
export interface MitigationRecord {
  /** Name of the rule in the web ACL (ShieldMitigationRuleGroup_<account>_<web ACL id>_<uid>). */
  name: string;
  webAclArn: string;
  action: ResponseActionKind;
  /** Rate-based rule limit: requests per source IP per 60-second window. */
  limit: number;
  appliedAt: number;
  removedAt?: number;
}

/** One detected application-layer event, exactly as stored (times in epoch ms). */
export interface AttackSnapshot {
  attackId: string;
  accountId: string;
  resourceArn: string;
  startTime: number;
  /** Absent while the event lasts. */
  endTime?: number;
  /** End of the last second that was evaluated for this event. */
  lastSeenAt: number;
  /** Requests during the event: total, peak per second, seconds counted. */
  requests: { sum: number; max: number; seconds: number };
  /** Threshold that was crossed (requests per second) and the baseline p99 it came from. */
  thresholdRps: number;
  baselineRps: number;
  contributors: Record<ContributorKind, ContributorSummary>;
  mitigation?: MitigationRecord;
  /** Protection groups whose aggregated traffic marked seconds of this event as a flood (ids, sorted). */
  protectionGroupIds?: string[];
}

/** Durable storage of detected events (implemented by the Shield service). */
export interface AttackRecorder {
  /** Inserts or replaces the event (idempotent). */
  save(attack: AttackSnapshot): Promise<void>;
  /** Events without an end time (left open by a stop or a crash). */
  openAttacks(): Promise<AttackSnapshot[]>;
}

/** A rule Shield adds to a web ACL, or undefined to remove Shield's rule. */
export type MitigationRule = { ruleName: string; rule: Rule } | undefined;

/** Where automatic mitigations go (wired to WAFv2 in app.ts). */
export interface MitigationPort {
  /** The web ACL associated with a resource, if any. */
  webAclForResource(resourceArn: string): Promise<string | undefined>;
  /** Puts Shield's rule into the web ACL (replacing a previous one), or removes it. */
  applyMitigation(webAclArn: string, mitigation: MitigationRule): Promise<void>;
}
