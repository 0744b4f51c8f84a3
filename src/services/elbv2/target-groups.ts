/** Target groups: Create/Describe/Modify/Delete and their attributes. */
import type {
  CreateTargetGroupInput,
  CreateTargetGroupOutput,
  DeleteTargetGroupInput,
  DescribeTargetGroupAttributesInput,
  DescribeTargetGroupAttributesOutput,
  DescribeTargetGroupsInput,
  DescribeTargetGroupsOutput,
  ModifyTargetGroupAttributesInput,
  ModifyTargetGroupAttributesOutput,
  ModifyTargetGroupInput,
  ModifyTargetGroupOutput,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import type { Scope } from "../../core/types.js";
import { parseHttpCodeMatcher } from "../../dataplane/matcher.js";
import type { DocStore } from "../../storage/types.js";
import { newId, parseArn, targetGroupArn } from "./arn.js";
import { applyTargetGroupAttributes, attributeList, checkAttributeMembers, defaultTargetGroupAttributes } from "./attributes.js";
import { RESOURCE_TYPES, authorizeTagsOnCreate, noteResource, requestTagContext, resourceTagContext, type Caller, type Elbv2Env } from "./env.js";
import { duplicateTargetGroupName, targetGroupInUse, targetGroupNamesNotFound, targetGroupNotFound, tooManyTargetGroups, validationError } from "./errors.js";
import { checkLoadBalancerArn, mustLoadBalancer } from "./load-balancers.js";
import type { HealthCheckDoc, ListenerDoc, TargetGroupDoc } from "./model.js";
import { targetGroupSpec } from "./runtime.js";
import { listeners, targetGroups } from "./store.js";
import { checkEnum, checkName, checkPageSize, checkPort, checkRange, checkTags, paginate } from "./validation.js";
import { targetGroupView } from "./views.js";

const DEFAULT_VPC = "vpc-0b0a0000000000001";

export function checkTargetGroupArn(arn: string | undefined): string {
  const p = arn === undefined ? undefined : parseArn(arn);
  if (!p || p.kind !== "targetgroup") throw validationError(`'${arn ?? ""}' is not a valid target group ARN`);
  return arn as string;
}

export async function mustTargetGroup(db: DocStore, scope: Scope, arn: string | undefined): Promise<TargetGroupDoc> {
  const tg = await targetGroups.byArn(db, scope, checkTargetGroupArn(arn));
  if (!tg) throw targetGroupNotFound();
  return tg;
}

/** Target groups referenced by each listener's actions. */
export function groupsOf(l: ListenerDoc): string[] {
  const out = new Set<string>();
  for (const a of l.defaultActions) for (const g of a.ForwardConfig?.TargetGroups ?? []) out.add(g.TargetGroupArn);
  return [...out];
}

/** Target group ARN → the load balancers whose listeners forward to it. */
export async function targetGroupUse(db: DocStore, scope: Scope): Promise<Map<string, Set<string>>> {
  const use = new Map<string, Set<string>>();
  for (const l of await listeners.all(db, scope)) {
    for (const g of groupsOf(l)) {
      let s = use.get(g);
      if (!s) use.set(g, (s = new Set()));
      s.add(l.loadBalancerArn);
    }
  }
  return use;
}

type HealthInput = Pick<
  CreateTargetGroupInput,
  | "HealthCheckProtocol"
  | "HealthCheckPort"
  | "HealthCheckEnabled"
  | "HealthCheckPath"
  | "HealthCheckIntervalSeconds"
  | "HealthCheckTimeoutSeconds"
  | "HealthyThresholdCount"
  | "UnhealthyThresholdCount"
  | "Matcher"
>;

/** Applies health-check settings over `base` and checks the result as a whole. */
export function healthCheckFrom(input: HealthInput, base: HealthCheckDoc): HealthCheckDoc {
  const hc: HealthCheckDoc = {
    enabled: input.HealthCheckEnabled ?? base.enabled,
    protocol: input.HealthCheckProtocol !== undefined ? checkEnum(input.HealthCheckProtocol, "healthCheckProtocol", ["HTTP", "HTTPS"] as const) : base.protocol,
    port: input.HealthCheckPort ?? base.port,
    path: input.HealthCheckPath ?? base.path,
    intervalSeconds: input.HealthCheckIntervalSeconds !== undefined ? checkRange(input.HealthCheckIntervalSeconds, "healthCheckIntervalSeconds", 5, 300) : base.intervalSeconds,
    timeoutSeconds: input.HealthCheckTimeoutSeconds !== undefined ? checkRange(input.HealthCheckTimeoutSeconds, "healthCheckTimeoutSeconds", 2, 120) : base.timeoutSeconds,
    healthyThreshold: input.HealthyThresholdCount !== undefined ? checkRange(input.HealthyThresholdCount, "healthyThresholdCount", 2, 10) : base.healthyThreshold,
    unhealthyThreshold: input.UnhealthyThresholdCount !== undefined ? checkRange(input.UnhealthyThresholdCount, "unhealthyThresholdCount", 2, 10) : base.unhealthyThreshold,
    matcher: input.Matcher?.HttpCode ?? base.matcher,
  };
  if (input.Matcher?.GrpcCode !== undefined) throw validationError("A gRPC matcher requires a GRPC target group, which is not supported");
  if (hc.port !== "traffic-port" && !(/^\d+$/.test(hc.port) && Number(hc.port) >= 1 && Number(hc.port) <= 65535)) {
    throw validationError(`Health check port '${hc.port}' must be 'traffic-port' or a number between 1 and 65535`);
  }
  if (!hc.path.startsWith("/") || hc.path.length > 1024) throw validationError("Health check path must begin with a '/' character and can be at most 1024 characters long");
  // The path is sent as the request target of the check: a URI, so printable ASCII without spaces.
  if (!/^[\x21-\x7e]*$/.test(hc.path)) throw validationError(`Health check path '${hc.path}' must contain only printable ASCII characters, without spaces`);
  if (hc.timeoutSeconds >= hc.intervalSeconds) throw validationError(`Health check timeout '${hc.timeoutSeconds}' must be smaller than the interval '${hc.intervalSeconds}'`);
  if (!parseHttpCodeMatcher(hc.matcher)) throw validationError(`Health check matcher HTTP code '${hc.matcher}' must be a code, a list or a range of codes between 200 and 499`);
  return hc;
}

const DEFAULT_HEALTH: HealthCheckDoc = {
  enabled: true,
  protocol: "HTTP",
  port: "traffic-port",
  path: "/",
  intervalSeconds: 30,
  timeoutSeconds: 5,
  healthyThreshold: 5,
  unhealthyThreshold: 2,
  matcher: "200",
};

function sameSettings(a: TargetGroupDoc, b: TargetGroupDoc): boolean {
  return (
    a.protocol === b.protocol &&
    a.port === b.port &&
    a.targetType === b.targetType &&
    a.vpcId === b.vpcId &&
    a.protocolVersion === b.protocolVersion &&
    JSON.stringify(a.healthCheck) === JSON.stringify(b.healthCheck)
  );
}

export async function createTargetGroup(env: Elbv2Env, caller: Caller, input: CreateTargetGroupInput): Promise<CreateTargetGroupOutput> {
  const name = checkName(input.Name ?? "", "Target group");
  const targetType = checkEnum(input.TargetType ?? "instance", "targetType", ["instance", "ip", "lambda", "alb"] as const);
  if (targetType === "lambda" || targetType === "alb") throw validationError(`Target type '${targetType}' is not supported: targets are IP addresses or host names`);
  if (input.Protocol === undefined) throw validationError("A protocol must be specified");
  if (input.Protocol !== "HTTP" && input.Protocol !== "HTTPS") throw validationError(`Protocol '${input.Protocol}' is not supported: application load balancer target groups use HTTP or HTTPS`);
  const protocolVersion = input.ProtocolVersion ?? "HTTP1";
  if (protocolVersion !== "HTTP1") throw validationError(`Protocol version '${protocolVersion}' is not supported`);
  const port = checkPort(input.Port);
  const tags = checkTags(input.Tags, env.quotas.tagsPerResource);
  const id = newId();
  const arn = targetGroupArn(caller.scope, name, id);
  await caller.authorize("CreateTargetGroup", arn, requestTagContext(tags));
  await authorizeTagsOnCreate(caller, "CreateTargetGroup", arn, tags);
  // Elastic Load Balancing creates its service-linked role with the first target group too.
  await env.ensureServiceLinkedRole?.(caller);
  const doc: TargetGroupDoc = {
    arn,
    id,
    name,
    accountId: caller.scope.accountId,
    region: caller.scope.region,
    protocol: input.Protocol,
    protocolVersion,
    port,
    vpcId: input.VpcId ?? DEFAULT_VPC,
    targetType,
    ipAddressType: checkEnum(input.IpAddressType ?? "ipv4", "ipAddressType", ["ipv4", "ipv6"] as const),
    healthCheck: healthCheckFrom(input, DEFAULT_HEALTH),
    attributes: defaultTargetGroupAttributes(),
    targets: [],
    createdTime: caller.now,
    tags,
  };
  const result = await env.store.transaction(async (tx) => {
    const existing = await targetGroups.byName(tx, caller.scope, name);
    if (existing) {
      if (!sameSettings(existing, doc)) throw duplicateTargetGroupName(name);
      return existing;
    }
    if ((await targetGroups.all(tx, caller.scope)).length >= env.quotas.targetGroupsPerRegion) throw tooManyTargetGroups(env.quotas.targetGroupsPerRegion);
    await targetGroups.put(tx, doc);
    return doc;
  });
  env.runtime.putTargetGroup(targetGroupSpec(result));
  noteResource(caller, result.arn, RESOURCE_TYPES.targetGroup);
  const use = await targetGroupUse(env.store, caller.scope);
  return { TargetGroups: [targetGroupView(result, [...(use.get(result.arn) ?? [])])] };
}

export async function describeTargetGroups(env: Elbv2Env, caller: Caller, input: DescribeTargetGroupsInput): Promise<DescribeTargetGroupsOutput> {
  await caller.authorize("DescribeTargetGroups", "*");
  const pageSize = checkPageSize(input.PageSize);
  const arns = input.TargetGroupArns ?? [];
  const names = input.Names ?? [];
  const filters = [input.LoadBalancerArn !== undefined, arns.length > 0, names.length > 0].filter(Boolean).length;
  if (filters > 1) throw validationError("Only one of load balancer ARN, target group ARNs or names can be specified");
  const use = await targetGroupUse(env.store, caller.scope);
  let found: TargetGroupDoc[];
  if (input.LoadBalancerArn !== undefined) {
    const lb = await mustLoadBalancer(env, caller, checkLoadBalancerArn(input.LoadBalancerArn));
    found = (await targetGroups.all(env.store, caller.scope)).filter((tg) => use.get(tg.arn)?.has(lb.arn));
  } else if (arns.length > 0) {
    found = [];
    for (const arn of arns) found.push(await mustTargetGroup(env.store, caller.scope, arn));
  } else if (names.length > 0) {
    found = [];
    const missing: string[] = [];
    for (const n of names) {
      const tg = await targetGroups.byName(env.store, caller.scope, n);
      if (tg) found.push(tg);
      else missing.push(n);
    }
    if (missing.length > 0) throw targetGroupNamesNotFound(missing);
  } else {
    found = await targetGroups.all(env.store, caller.scope);
  }
  const { page, next } = paginate("DescribeTargetGroups", found, (tg) => tg.name.toLowerCase(), input.Marker, pageSize);
  return { TargetGroups: page.map((tg) => targetGroupView(tg, [...(use.get(tg.arn) ?? [])])), ...(next ? { NextMarker: next } : {}) };
}

/** Reads the group outside a transaction so authorisation sees its tags. */
async function authorizeOnGroup(env: Elbv2Env, caller: Caller, action: string, arn: string | undefined): Promise<string> {
  const checked = checkTargetGroupArn(arn);
  const current = await targetGroups.byArn(env.store, caller.scope, checked);
  await caller.authorize(action, checked, resourceTagContext(current?.tags));
  noteResource(caller, checked, RESOURCE_TYPES.targetGroup);
  return checked;
}

/** Changes a stored target group atomically and pushes the result to the data plane. */
export async function updateGroup(env: Elbv2Env, caller: Caller, arn: string, change: (tg: TargetGroupDoc) => void): Promise<TargetGroupDoc> {
  const tg = await env.store.transaction(async (tx) => {
    const doc = await mustTargetGroup(tx, caller.scope, arn);
    change(doc);
    await targetGroups.put(tx, doc);
    return doc;
  });
  env.runtime.putTargetGroup(targetGroupSpec(tg));
  return tg;
}

export async function modifyTargetGroup(env: Elbv2Env, caller: Caller, input: ModifyTargetGroupInput): Promise<ModifyTargetGroupOutput> {
  const arn = await authorizeOnGroup(env, caller, "ModifyTargetGroup", input.TargetGroupArn);
  const tg = await updateGroup(env, caller, arn, (doc) => {
    doc.healthCheck = healthCheckFrom(input, doc.healthCheck);
  });
  const use = await targetGroupUse(env.store, caller.scope);
  return { TargetGroups: [targetGroupView(tg, [...(use.get(tg.arn) ?? [])])] };
}

export async function deleteTargetGroup(env: Elbv2Env, caller: Caller, input: DeleteTargetGroupInput): Promise<Record<string, never>> {
  const arn = await authorizeOnGroup(env, caller, "DeleteTargetGroup", input.TargetGroupArn);
  // Deleting a target group that does not exist succeeds, as in AWS.
  const removed = await env.store.transaction(async (tx) => {
    const tg = await targetGroups.byArn(tx, caller.scope, arn);
    if (!tg) return false;
    if ((await targetGroupUse(tx, caller.scope)).has(arn)) throw targetGroupInUse(arn);
    await targetGroups.remove(tx, tg);
    return true;
  });
  if (removed) env.runtime.removeTargetGroup(arn);
  return {};
}

export async function describeTargetGroupAttributes(env: Elbv2Env, caller: Caller, input: DescribeTargetGroupAttributesInput): Promise<DescribeTargetGroupAttributesOutput> {
  await caller.authorize("DescribeTargetGroupAttributes", "*");
  const tg = await mustTargetGroup(env.store, caller.scope, input.TargetGroupArn);
  return { Attributes: attributeList("tg", tg.attributes) };
}

export async function modifyTargetGroupAttributes(env: Elbv2Env, caller: Caller, input: ModifyTargetGroupAttributesInput): Promise<ModifyTargetGroupAttributesOutput> {
  const arn = await authorizeOnGroup(env, caller, "ModifyTargetGroupAttributes", input.TargetGroupArn);
  checkAttributeMembers("tg", input.Attributes ?? []);
  if (!input.Attributes || input.Attributes.length === 0) throw validationError("At least one attribute must be specified");
  const tg = await updateGroup(env, caller, arn, (doc) => {
    doc.attributes = applyTargetGroupAttributes(doc.attributes, input.Attributes ?? []);
  });
  return { Attributes: attributeList("tg", tg.attributes) };
}
