/** What Shield's domain functions work with. */
import type { RequestContext } from "../../core/types.js";
import type { Clock } from "../../core/clock.js";
import type { ProtectedResource, ProtectionGroupSpec } from "../../dataplane/shield/detection/types.js";
import type { Storage } from "../../storage/types.js";
import type { PageTokens } from "./input.js";
import type { ProtectionGroupRecord, ProtectionRecord } from "./model.js";

/** The detector's view of protections and protection groups (ShieldDetector implements it). */
export interface ProtectionWatcher {
  setProtection(p: ProtectedResource): void;
  removeProtection(resourceArn: string): void;
  setProtectionGroup(g: ProtectionGroupSpec): void;
  removeProtectionGroup(accountId: string, protectionGroupId: string): void;
}

/** What AssociateDRTRole checks of the role it is given. */
export interface SrtRoleFacts {
  /** Whether its trust policy lets this service principal assume it. */
  trusts(servicePrincipal: string): boolean;
  /** ARNs of the managed policies attached to it. */
  attachedPolicyArns: readonly string[];
}

export interface ShieldEnv {
  store: Storage;
  clock: Clock;
  tokens: PageTokens;
  /** Whether an Application Load Balancer of this installation exists (ELBv2 store). */
  loadBalancerExists(arn: string): Promise<boolean>;
  /** The WAFv2 web ACL associated with a resource, if any. */
  webAclForResource(resourceArn: string): Promise<string | undefined>;
  /** What AssociateDRTRole checks of an IAM role, undefined when it does not exist; unchecked when absent. */
  describeRole?: (roleArn: string) => Promise<SrtRoleFacts | undefined>;
  /**
   * Creates Shield's service-linked role in the caller's account unless it exists (the first
   * EnableApplicationLayerAutomaticResponse does, as in AWS), as the caller: its
   * iam:CreateServiceLinkedRole is authorised through `ctx`.
   */
  ensureServiceLinkedRole?: (ctx: RequestContext) => Promise<void>;
  watcher: ProtectionWatcher;
}

export function watchedResource(p: ProtectionRecord): ProtectedResource {
  return {
    resourceArn: p.resourceArn,
    accountId: p.accountId,
    protectionId: p.id,
    resourceType: p.resourceType,
    ...(p.autoResponse ? { autoResponse: { action: p.autoResponse } } : {}),
  };
}

export function watchedGroup(g: ProtectionGroupRecord): ProtectionGroupSpec {
  return {
    accountId: g.accountId,
    protectionGroupId: g.id,
    aggregation: g.aggregation,
    pattern: g.pattern,
    ...(g.resourceType ? { resourceType: g.resourceType } : {}),
    ...(g.pattern === "ARBITRARY" ? { members: [...g.members] } : {}),
  };
}
