/**
 * What WAFv2 keeps in storage. One collection per entity kind, keyed
 * `<account>/<region>/<regional|global>/<id>`; associations keyed by the protected
 * resource, logging configurations by the web ACL.
 */
import type { EntityKind, WafScope } from "./arn.js";
import type { Json } from "./stored-json.js";

export const COLLECTIONS: Record<EntityKind, string> = {
  webacl: "wafv2.webacl",
  rulegroup: "wafv2.rulegroup",
  ipset: "wafv2.ipset",
  regexpatternset: "wafv2.regexpatternset",
};
export const ASSOCIATION_COLLECTION = "wafv2.association";
export const LOGGING_COLLECTION = "wafv2.logging";

export interface Tag {
  Key: string;
  Value: string;
}

export interface EntityRecord {
  kind: EntityKind;
  id: string;
  name: string;
  scope: WafScope;
  region: string;
  accountId: string;
  arn: string;
  description?: string;
  /** Optimistic-lock token (UUID); replaced on every change of the entity. */
  lockToken: string;
  /** The entity as its Get operation returns it (WebACL, RuleGroup, IPSet, RegexPatternSet), blobs tagged. */
  spec: Json;
  /** ARNs of the IP sets, regex pattern sets and rule groups the entity's rules reference. */
  refs: string[];
  tags: Tag[];
  /** A rule group's permission policy (PutPermissionPolicy), as given: the accounts it is shared with. */
  permissionPolicy?: string;
  createdAt: number;
  updatedAt: number;
}

export interface AssociationRecord {
  resourceArn: string;
  resourceType: "APPLICATION_LOAD_BALANCER";
  webAclArn: string;
  webAclId: string;
  scope: WafScope;
  createdAt: number;
}

export interface LoggingRecord {
  webAclArn: string;
  webAclId: string;
  scope: WafScope;
  /** The LoggingConfiguration as Get returns it. */
  config: Json;
  updatedAt: number;
}

/** Keys of associations: `<account>/<region>/<resource ARN>`. */
export function associationKey(accountId: string, region: string, resourceArn: string): string {
  return `${accountId}/${region}/${resourceArn}`;
}

/** Keys of logging configurations: `<account>/<region>/<web ACL ARN>`. */
export function loggingKey(accountId: string, region: string, webAclArn: string): string {
  return `${accountId}/${region}/${webAclArn}`;
}
