/**
 * Shield's stored records, their collections and keys, ARNs and quotas.
 *
 * Shield is a global service (its API lives in us-east-1): every key starts with the
 * account and the empty region, `<account>//…`, like IAM's and Organizations'.
 */
import type { Tag } from "@aws-sdk/client-shield";
import type { ResponseActionKind } from "../../dataplane/shield/detection/types.js";
import { arn, arnPattern, type ArnPattern } from "../../core/partition.js";

export const SUBSCRIPTIONS = "shield-subscriptions";
export const PROTECTIONS = "shield-protections";
/** Protected resource ARN → protection id (one protection per resource). */
export const PROTECTED_RESOURCES = "shield-protected-resources";
export const PROTECTION_GROUPS = "shield-protection-groups";
export const ATTACKS = "shield-attacks";

export const scopePrefix = (account: string): string => `${account}//`;
export const accountKey = (account: string, id: string): string => `${account}//${id}`;

/** One year, the Shield Advanced commitment. */
export const COMMITMENT_SECONDS = 365 * 24 * 3600;
/** AutoRenew may only change during the last 30 days of a commitment. */
export const AUTO_RENEW_WINDOW_MS = 30 * 24 * 3600 * 1000;
export const MAX_PROTECTIONS_PER_TYPE = 1000;
export const MAX_PROTECTION_GROUPS = 100;
export const MAX_GROUP_MEMBERS = 10_000;
export const MAX_TAGS = 50;

export type ProtectedResourceType =
  | "CLOUDFRONT_DISTRIBUTION"
  | "ROUTE_53_HOSTED_ZONE"
  | "ELASTIC_IP_ALLOCATION"
  | "CLASSIC_LOAD_BALANCER"
  | "APPLICATION_LOAD_BALANCER"
  | "GLOBAL_ACCELERATOR";

export const RESOURCE_TYPES: readonly ProtectedResourceType[] = [
  "CLOUDFRONT_DISTRIBUTION",
  "ROUTE_53_HOSTED_ZONE",
  "ELASTIC_IP_ALLOCATION",
  "CLASSIC_LOAD_BALANCER",
  "APPLICATION_LOAD_BALANCER",
  "GLOBAL_ACCELERATOR",
];

/** Subscription limit types (Limit.Type) and which resource types count against each. */
export const LIMIT_TYPES: ReadonlyArray<{ type: string; resources: readonly ProtectedResourceType[] }> = [
  { type: "CF_DISTRIBUTION", resources: ["CLOUDFRONT_DISTRIBUTION"] },
  { type: "ROUTE53_HOSTED_ZONE", resources: ["ROUTE_53_HOSTED_ZONE"] },
  { type: "EC2_ELASTIC_IP_ALLOCATION", resources: ["ELASTIC_IP_ALLOCATION"] },
  { type: "ELB_LOAD_BALANCER", resources: ["CLASSIC_LOAD_BALANCER", "APPLICATION_LOAD_BALANCER"] },
  { type: "GLOBAL_ACCELERATOR", resources: ["GLOBAL_ACCELERATOR"] },
];

export interface EmergencyContactRecord {
  EmailAddress: string;
  PhoneNumber?: string;
  ContactNotes?: string;
}

export interface SubscriptionRecord {
  accountId: string;
  id: string;
  /** Start of the first commitment period (epoch ms). */
  startedAt: number;
  autoRenew: "ENABLED" | "DISABLED";
  /** With AutoRenew DISABLED: the index of the commitment period it was turned off in (the last one). */
  disabledInPeriod?: number;
  proactiveEngagement?: "ENABLED" | "DISABLED";
  emergencyContacts?: EmergencyContactRecord[];
  drtRoleArn?: string;
}

export interface ProtectionRecord {
  id: string;
  accountId: string;
  name: string;
  resourceArn: string;
  resourceType: ProtectedResourceType;
  createdAt: number;
  autoResponse?: ResponseActionKind;
  tags: Tag[];
}

export type Aggregation = "SUM" | "MEAN" | "MAX";
export type Pattern = "ALL" | "ARBITRARY" | "BY_RESOURCE_TYPE";

export interface ProtectionGroupRecord {
  id: string;
  accountId: string;
  aggregation: Aggregation;
  pattern: Pattern;
  resourceType?: ProtectedResourceType;
  /** ARBITRARY members, as given (deduplicated, in order). */
  members: string[];
  createdAt: number;
  tags: Tag[];
}

export const subscriptionArn = (account: string, id: string): string => arn("shield", "", account, `subscription/${id}`);
export const protectionArn = (account: string, id: string): string => arn("shield", "", account, `protection/${id}`);
export const protectionGroupArn = (account: string, id: string): string => arn("shield", "", account, `protection-group/${id}`);
export const attackArn = (account: string, id: string): string => arn("shield", "", account, `attack/${id}`);

const SHIELD_ARN = arnPattern(/^arn:aws:shield::(\d{12}):(protection|protection-group)\/([a-zA-Z0-9-]{1,36})$/);

/** A protection or protection group ARN (the taggable Shield resources). */
export function parseShieldArn(arn: string): { accountId: string; kind: "protection" | "protection-group"; id: string } | undefined {
  const m = SHIELD_ARN.exec(arn);
  return m ? { accountId: m[1] as string, kind: m[2] as "protection" | "protection-group", id: m[3] as string } : undefined;
}

export interface ResourceArnFacts {
  type: ProtectedResourceType;
  /** Account in the ARN (Route 53 hosted zones carry none). */
  accountId?: string;
  region?: string;
}

// In the installation's partition; a resource of another partition is none Shield knows here.
const ARN_SHAPES: ReadonlyArray<[ArnPattern, ProtectedResourceType]> = [
  [arnPattern(/^arn:aws:elasticloadbalancing:([a-z0-9-]+):(\d{12}):loadbalancer\/app\/[A-Za-z0-9-]{1,32}\/[0-9a-f]{1,32}$/), "APPLICATION_LOAD_BALANCER"],
  [arnPattern(/^arn:aws:elasticloadbalancing:([a-z0-9-]+):(\d{12}):loadbalancer\/[A-Za-z0-9-]{1,32}$/), "CLASSIC_LOAD_BALANCER"],
  [arnPattern(/^arn:aws:cloudfront::()(\d{12}):distribution\/[A-Z0-9]+$/), "CLOUDFRONT_DISTRIBUTION"],
  [arnPattern(/^arn:aws:globalaccelerator::()(\d{12}):accelerator\/[a-f0-9-]+$/), "GLOBAL_ACCELERATOR"],
  [arnPattern(/^arn:aws:route53:::()()hostedzone\/[A-Z0-9]+$/), "ROUTE_53_HOSTED_ZONE"],
  [arnPattern(/^arn:aws:ec2:([a-z0-9-]+):(\d{12}):eip-allocation\/eipalloc-[0-9a-f]+$/), "ELASTIC_IP_ALLOCATION"],
];

/** The kind of resource an ARN names, when it is one Shield Advanced can protect. */
export function classifyResourceArn(arn: string): ResourceArnFacts | undefined {
  for (const [re, type] of ARN_SHAPES) {
    const m = re.exec(arn);
    if (!m) continue;
    return { type, ...(m[2] ? { accountId: m[2] } : {}), ...(m[1] ? { region: m[1] } : {}) };
  }
  return undefined;
}
