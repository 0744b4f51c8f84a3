/** Load balancers: Create/Describe/Delete and their attributes. */
import type {
  CreateLoadBalancerInput,
  CreateLoadBalancerOutput,
  DeleteLoadBalancerInput,
  DescribeLoadBalancerAttributesInput,
  DescribeLoadBalancerAttributesOutput,
  DescribeLoadBalancersInput,
  DescribeLoadBalancersOutput,
  ModifyLoadBalancerAttributesInput,
  ModifyLoadBalancerAttributesOutput,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { applyLoadBalancerAttributes, attributeList, checkAttributeMembers, defaultLoadBalancerAttributes } from "./attributes.js";
import { dnsNameFor, loadBalancerArn, newId, parseArn } from "./arn.js";
import { removeLoadBalancerCertificate } from "./certificates.js";
import { RESOURCE_TYPES, authorizeTagsOnCreate, noteResource, requestTagContext, resourceTagContext, type Caller, type Elbv2Env } from "./env.js";
import { duplicateLoadBalancerName, invalidConfiguration, loadBalancerNamesNotFound, loadBalancerNotFound, operationNotPermitted, tooManyLoadBalancers, validationError } from "./errors.js";
import type { LoadBalancerDoc } from "./model.js";
import type { DocStore } from "../../storage/types.js";
import { loadBalancerSpec } from "./runtime.js";
import { listeners, loadBalancers } from "./store.js";
import { checkEnum, checkName, checkPageSize, checkTags, paginate } from "./validation.js";
import { loadBalancerView } from "./views.js";

/** Without Subnets, a load balancer reports two placeholder subnets (AZs "<region>a/b"). */
const DEFAULT_SUBNETS = ["subnet-0b0a0000000000001", "subnet-0b0a0000000000002"];
const DEFAULT_VPC = "vpc-0b0a0000000000001";

export function checkLoadBalancerArn(arn: string | undefined): string {
  const p = arn === undefined ? undefined : parseArn(arn);
  if (!p || p.kind !== "loadbalancer") throw validationError(`'${arn ?? ""}' is not a valid load balancer ARN`);
  return arn as string;
}

/** The caller's load balancer `arn`, or LoadBalancerNotFound. */
export async function mustLoadBalancer(env: Elbv2Env, caller: Caller, arn: string | undefined): Promise<LoadBalancerDoc> {
  const lb = await loadBalancers.byArn(env.store, caller.scope, checkLoadBalancerArn(arn));
  if (!lb) throw loadBalancerNotFound();
  return lb;
}

function sameSettings(a: LoadBalancerDoc, b: LoadBalancerDoc): boolean {
  const eq = (x: string[], y: string[]): boolean => x.length === y.length && [...x].sort().every((v, i) => v === [...y].sort()[i]);
  return a.scheme === b.scheme && a.ipAddressType === b.ipAddressType && eq(a.subnets, b.subnets) && eq(a.securityGroups, b.securityGroups);
}

export async function createLoadBalancer(env: Elbv2Env, caller: Caller, input: CreateLoadBalancerInput): Promise<CreateLoadBalancerOutput> {
  const name = checkName(input.Name ?? "", "Load balancer");
  if ((input.Type ?? "application") !== "application") throw validationError(`Load balancer type '${input.Type}' is not supported: Bulwark provides application load balancers`);
  const scheme = checkEnum(input.Scheme ?? "internet-facing", "scheme", ["internet-facing", "internal"] as const);
  const ipAddressType = checkEnum(input.IpAddressType ?? "ipv4", "ipAddressType", ["ipv4", "dualstack", "dualstack-without-public-ipv4"] as const);
  if (input.Subnets?.length && input.SubnetMappings?.length) throw validationError("You can specify subnets or subnet mappings, not both");
  const subnets = input.Subnets?.length ? input.Subnets : input.SubnetMappings?.length ? input.SubnetMappings.map((m) => m.SubnetId ?? "") : DEFAULT_SUBNETS;
  // Bulwark places each subnet given in its own Availability Zone: one subnet twice is two subnets
  // in one zone, and an application load balancer needs two zones (AWS's errors for both).
  if (new Set(subnets).size !== subnets.length) throw invalidConfiguration("A load balancer cannot be attached to multiple subnets in the same Availability Zone");
  if (subnets.length < 2) throw validationError("At least two subnets in two different Availability Zones must be specified");
  const tags = checkTags(input.Tags, env.quotas.tagsPerResource);
  const id = newId();
  const arn = loadBalancerArn(caller.scope, name, id);
  await caller.authorize("CreateLoadBalancer", arn, requestTagContext(tags));
  await authorizeTagsOnCreate(caller, "CreateLoadBalancer", arn, tags);
  // Elastic Load Balancing creates its service-linked role with the first load balancer.
  await env.ensureServiceLinkedRole?.(caller);
  const doc: LoadBalancerDoc = {
    arn,
    id,
    name,
    accountId: caller.scope.accountId,
    region: caller.scope.region,
    dnsName: dnsNameFor(name, scheme, caller.scope.region, env.dnsSuffix),
    scheme,
    ipAddressType,
    subnets,
    securityGroups: input.SecurityGroups ?? [],
    vpcId: DEFAULT_VPC,
    createdTime: caller.now,
    attributes: defaultLoadBalancerAttributes(scheme),
    tags,
  };
  const result = await env.store.transaction(async (tx) => {
    const existing = await loadBalancers.byName(tx, caller.scope, name);
    if (existing) {
      // Same name and settings: CreateLoadBalancer is idempotent and returns the existing one.
      if (!sameSettings(existing, doc)) throw duplicateLoadBalancerName(name);
      return existing;
    }
    if ((await loadBalancers.all(tx, caller.scope)).length >= env.quotas.loadBalancersPerRegion) throw tooManyLoadBalancers(env.quotas.loadBalancersPerRegion);
    await loadBalancers.put(tx, doc);
    return doc;
  });
  env.runtime.putLoadBalancer(loadBalancerSpec(result));
  noteResource(caller, result.arn, RESOURCE_TYPES.loadBalancer);
  // A new load balancer is provisioning; the one an idempotent repeat returns is already active.
  return { LoadBalancers: [loadBalancerView(result, result === doc ? "provisioning" : "active")] };
}

export async function describeLoadBalancers(env: Elbv2Env, caller: Caller, input: DescribeLoadBalancersInput): Promise<DescribeLoadBalancersOutput> {
  await caller.authorize("DescribeLoadBalancers", "*");
  const pageSize = checkPageSize(input.PageSize);
  const arns = input.LoadBalancerArns ?? [];
  const names = input.Names ?? [];
  if (arns.length > 0 && names.length > 0) throw validationError("Load balancer names and load balancer ARNs cannot be specified at the same time");
  let found: LoadBalancerDoc[];
  if (arns.length > 0) {
    if (arns.length > 20) throw validationError("You can specify up to 20 load balancer ARNs");
    found = [];
    for (const arn of arns) {
      const lb = await loadBalancers.byArn(env.store, caller.scope, checkLoadBalancerArn(arn));
      if (!lb) throw loadBalancerNotFound();
      found.push(lb);
    }
  } else if (names.length > 0) {
    found = [];
    const missing: string[] = [];
    for (const n of names) {
      const lb = await loadBalancers.byName(env.store, caller.scope, n);
      if (lb) found.push(lb);
      else missing.push(n);
    }
    if (missing.length > 0) throw loadBalancerNamesNotFound(missing);
  } else {
    found = await loadBalancers.all(env.store, caller.scope);
  }
  const { page, next } = paginate("DescribeLoadBalancers", found, (lb) => lb.name.toLowerCase(), input.Marker, pageSize);
  return { LoadBalancers: page.map((lb) => loadBalancerView(lb)), ...(next ? { NextMarker: next } : {}) };
}

export async function deleteLoadBalancer(env: Elbv2Env, caller: Caller, input: DeleteLoadBalancerInput): Promise<Record<string, never>> {
  const arn = checkLoadBalancerArn(input.LoadBalancerArn);
  const current = await loadBalancers.byArn(env.store, caller.scope, arn);
  await caller.authorize("DeleteLoadBalancer", arn, resourceTagContext(current?.tags));
  noteResource(caller, arn, RESOURCE_TYPES.loadBalancer);
  // Deleting a load balancer that does not exist (any more) succeeds, as in AWS.
  const gone = await env.store.transaction(async (tx) => {
    const lb = await loadBalancers.byArn(tx, caller.scope, arn);
    if (!lb) return undefined;
    if (lb.attributes["deletion_protection.enabled"] === "true") {
      throw operationNotPermitted(`Load balancer '${arn}' cannot be deleted because deletion protection is enabled`);
    }
    for (const l of await listeners.ofLoadBalancer(tx, caller.scope, lb.id)) await listeners.remove(tx, l);
    await removeLoadBalancerCertificate(tx, lb);
    await loadBalancers.remove(tx, lb);
    return lb;
  });
  if (gone) await env.runtime.removeLoadBalancer(gone.arn);
  return {};
}

/** Every attribute of a load balancer: those stored, else the defaults of its scheme. */
function describedAttributes(lb: LoadBalancerDoc): Array<{ Key: string; Value: string }> {
  return attributeList("lb", { ...defaultLoadBalancerAttributes(lb.scheme), ...lb.attributes });
}

export async function describeLoadBalancerAttributes(env: Elbv2Env, caller: Caller, input: DescribeLoadBalancerAttributesInput): Promise<DescribeLoadBalancerAttributesOutput> {
  await caller.authorize("DescribeLoadBalancerAttributes", "*");
  const lb = await mustLoadBalancer(env, caller, input.LoadBalancerArn);
  return { Attributes: describedAttributes(lb) };
}

export async function modifyLoadBalancerAttributes(env: Elbv2Env, caller: Caller, input: ModifyLoadBalancerAttributesInput): Promise<ModifyLoadBalancerAttributesOutput> {
  const arn = checkLoadBalancerArn(input.LoadBalancerArn);
  const current = await loadBalancers.byArn(env.store, caller.scope, arn);
  await caller.authorize("ModifyLoadBalancerAttributes", arn, resourceTagContext(current?.tags));
  noteResource(caller, arn, RESOURCE_TYPES.loadBalancer);
  checkAttributeMembers("lb", input.Attributes ?? []);
  if (!input.Attributes || input.Attributes.length === 0) throw validationError("At least one attribute must be specified");
  const lb = await env.store.transaction(async (tx) => {
    const doc = await loadBalancers.byArn(tx, caller.scope, arn);
    if (!doc) throw loadBalancerNotFound();
    doc.attributes = applyLoadBalancerAttributes(doc.attributes, input.Attributes ?? []);
    await loadBalancers.put(tx, doc);
    return doc;
  });
  env.runtime.putLoadBalancer(loadBalancerSpec(lb));
  return { Attributes: describedAttributes(lb) };
}

/** The ARNs of an account's load balancers, grouped by Region. */
export async function loadBalancersByRegion(db: DocStore, accountId: string): Promise<Array<{ region: string; resources: string[] }>> {
  const byRegion = new Map<string, string[]>();
  for (const lb of await loadBalancers.inAccount(db, accountId)) {
    const list = byRegion.get(lb.region) ?? [];
    list.push(lb.arn);
    byRegion.set(lb.region, list);
  }
  return [...byRegion].map(([region, resources]) => ({ region, resources }));
}
