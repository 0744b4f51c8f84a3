/**
 * AssociateWebACL / DisassociateWebACL / GetWebACLForResource / ListResourcesForWebACL
 * against Application Load Balancers. Resources of other types AWS can protect do not exist
 * in Bulwark (WAFNonexistentItemException); anything else is not a resource ARN at all.
 */
import type { WebACL } from "@aws-sdk/client-wafv2";
import { isOtherProtectableArn, parseLoadBalancerArn } from "./arn.js";
import { associationsOf, getAssociation } from "./association-store.js";
import type { Deployer } from "./deployer.js";
import type { Caller } from "./domain-deps.js";
import { entityByArn } from "./entities.js";
import { invalidOperation, invalidParameter, limitsExceeded, nonexistentItem } from "./errors.js";
import type { Storage } from "../../storage/types.js";
import { fromStoredJson } from "./stored-json.js";

/** Load balancers one web ACL may protect (AWS quota). */
export const MAX_ALB_ASSOCIATIONS = 100;

export interface AssociationDeps {
  store: Storage;
  deployer: Deployer;
  /** Whether a load balancer exists (the ELBv2 store); every well-formed ARN exists when absent. */
  loadBalancerExists?: (arn: string) => Promise<boolean>;
}

/** Checks a resource ARN names an existing load balancer of the caller in the request's region. */
export async function requireLoadBalancer(deps: AssociationDeps, c: Caller, resourceArn: string): Promise<void> {
  const lb = parseLoadBalancerArn(resourceArn);
  if (!lb) {
    if (isOtherProtectableArn(resourceArn)) throw nonexistentItem();
    throw invalidParameter("RESOURCE_ARN", resourceArn, "The ARN isn't valid.");
  }
  if (lb.accountId !== c.accountId || lb.region !== c.region) throw nonexistentItem();
  if (deps.loadBalancerExists && !(await deps.loadBalancerExists(resourceArn))) throw nonexistentItem();
}

export async function associateWebAcl(deps: AssociationDeps, c: Caller, webAclArn: string, resourceArn: string): Promise<void> {
  const acl = await entityByArn(deps.store, webAclArn, c.accountId, c.region, "webacl");
  if (!acl) throw nonexistentItem();
  if (acl.scope === "CLOUDFRONT") throw invalidOperation("A web ACL with scope CLOUDFRONT is associated through the CloudFront distribution, not AssociateWebACL.");
  await requireLoadBalancer(deps, c, resourceArn);
  const current = await associationsOf(deps.store, c.accountId, c.region, acl.arn);
  if (current.length >= MAX_ALB_ASSOCIATIONS && !current.some((a) => a.resourceArn === resourceArn)) throw limitsExceeded("Association");
  // A resource has at most one web ACL: associating another replaces the previous one.
  await deps.deployer.attach(c.accountId, c.region, resourceArn, acl.arn, c.now);
}

export async function disassociateWebAcl(deps: AssociationDeps, c: Caller, resourceArn: string): Promise<void> {
  const lb = parseLoadBalancerArn(resourceArn);
  if (!lb) {
    if (isOtherProtectableArn(resourceArn)) throw nonexistentItem();
    throw invalidParameter("RESOURCE_ARN", resourceArn, "The ARN isn't valid.");
  }
  if (lb.accountId !== c.accountId || lb.region !== c.region) throw nonexistentItem();
  // Disassociating a resource that has no web ACL succeeds, as in AWS.
  await deps.deployer.detach(c.accountId, c.region, resourceArn);
}

export async function webAclForResource(deps: AssociationDeps, c: Caller, resourceArn: string): Promise<{ WebACL?: WebACL }> {
  await requireLoadBalancer(deps, c, resourceArn);
  const assoc = await getAssociation(deps.store, c.accountId, c.region, resourceArn);
  if (!assoc) return {};
  const acl = await entityByArn(deps.store, assoc.webAclArn, c.accountId, c.region, "webacl");
  return acl ? { WebACL: fromStoredJson<WebACL>(acl.spec) } : {};
}

export async function resourcesForWebAcl(deps: AssociationDeps, c: Caller, webAclArn: string, resourceType: string): Promise<string[]> {
  const acl = await entityByArn(deps.store, webAclArn, c.accountId, c.region, "webacl");
  if (!acl) throw nonexistentItem();
  if (resourceType !== "APPLICATION_LOAD_BALANCER") return [];
  const out: string[] = [];
  for (const a of await associationsOf(deps.store, c.accountId, c.region, acl.arn)) {
    if (!deps.loadBalancerExists || (await deps.loadBalancerExists(a.resourceArn))) out.push(a.resourceArn);
  }
  return out.sort();
}

/** Whether an associated resource still exists (deleted load balancers lose their association). */
export function isLiveResource(deps: AssociationDeps): (resourceArn: string) => Promise<boolean> {
  return async (arn) => (deps.loadBalancerExists ? deps.loadBalancerExists(arn) : true);
}
