/** Targets of a target group: RegisterTargets, DeregisterTargets, DescribeTargetHealth. */
import type {
  DeregisterTargetsInput,
  DescribeTargetHealthInput,
  DescribeTargetHealthOutput,
  RegisterTargetsInput,
  TargetDescription,
  TargetHealthDescription,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import type { TargetHealthView } from "../../dataplane/runtime-types.js";
import { resourceTagContext, noteResource, RESOURCE_TYPES, type Caller, type Elbv2Env } from "./env.js";
import { invalidTarget, targetsNotRegistered, tooManyTargets, validationError } from "./errors.js";
import type { TargetDoc, TargetGroupDoc } from "./model.js";
import { checkTargetGroupArn, mustTargetGroup, updateGroup } from "./target-groups.js";
import { targetGroups } from "./store.js";
import { checkPort, isTargetHost } from "./validation.js";

function targetsFrom(tg: { port: number }, list: TargetDescription[] | undefined): TargetDoc[] {
  if (!list || list.length === 0) throw validationError("At least one target must be specified");
  return list.map((t) => {
    const id = t.Id ?? "";
    if (!isTargetHost(id)) throw invalidTarget(`The target Id '${id}' is not a valid IP address or host name`);
    return { id, port: t.Port === undefined ? tg.port : checkPort(t.Port, "targets.member.port"), ...(t.AvailabilityZone ? { availabilityZone: t.AvailabilityZone } : {}) };
  });
}

const same = (a: TargetDoc, b: TargetDoc): boolean => a.id === b.id && a.port === b.port;

async function authorizeOn(env: Elbv2Env, caller: Caller, action: string, arn: string | undefined): Promise<string> {
  const checked = checkTargetGroupArn(arn);
  const current = await targetGroups.byArn(env.store, caller.scope, checked);
  await caller.authorize(action, checked, resourceTagContext(current?.tags));
  noteResource(caller, checked, RESOURCE_TYPES.targetGroup);
  return checked;
}

export async function registerTargets(env: Elbv2Env, caller: Caller, input: RegisterTargetsInput): Promise<Record<string, never>> {
  const arn = await authorizeOn(env, caller, "RegisterTargets", input.TargetGroupArn);
  await updateGroup(env, caller, arn, (tg) => {
    for (const t of targetsFrom(tg, input.Targets)) {
      // Registering a registered target again is a no-op.
      if (!tg.targets.some((x) => same(x, t))) tg.targets.push(t);
    }
    if (tg.targets.length > env.quotas.targetsPerTargetGroup) throw tooManyTargets(env.quotas.targetsPerTargetGroup);
  });
  return {};
}

export async function deregisterTargets(env: Elbv2Env, caller: Caller, input: DeregisterTargetsInput): Promise<Record<string, never>> {
  const arn = await authorizeOn(env, caller, "DeregisterTargets", input.TargetGroupArn);
  await updateGroup(env, caller, arn, (tg) => {
    const gone = targetsFrom(tg, input.Targets);
    const missing = gone.filter((t) => !tg.targets.some((x) => same(x, t)));
    if (missing.length > 0) throw targetsNotRegistered(arn, missing.map((t) => `${t.id}:${t.port}`));
    tg.targets = tg.targets.filter((x) => !gone.some((t) => same(x, t)));
  });
  return {};
}

function describe(view: TargetHealthView, az: string | undefined): TargetHealthDescription {
  return {
    Target: { Id: view.id, Port: view.port, ...(az ? { AvailabilityZone: az } : {}) },
    HealthCheckPort: view.healthCheckPort,
    TargetHealth: { State: view.state, ...(view.reason ? { Reason: view.reason as never } : {}), ...(view.description ? { Description: view.description } : {}) },
  };
}

export async function describeTargetHealth(env: Elbv2Env, caller: Caller, input: DescribeTargetHealthInput): Promise<DescribeTargetHealthOutput> {
  await caller.authorize("DescribeTargetHealth", "*");
  const tg: TargetGroupDoc = await mustTargetGroup(env.store, caller.scope, input.TargetGroupArn);
  const views = env.runtime.targetHealth(tg.arn);
  const azOf = (id: string, port: number): string | undefined => tg.targets.find((t) => t.id === id && t.port === port)?.availabilityZone;
  if (!input.Targets || input.Targets.length === 0) {
    return { TargetHealthDescriptions: views.map((v) => describe(v, azOf(v.id, v.port))) };
  }
  const hcPort = (port: number): string => (tg.healthCheck.port === "traffic-port" ? String(port) : tg.healthCheck.port);
  const out: TargetHealthDescription[] = [];
  for (const t of targetsFrom(tg, input.Targets)) {
    const v = views.find((x) => x.id === t.id && x.port === t.port);
    out.push(
      v
        ? describe(v, azOf(t.id, t.port))
        : describe({ id: t.id, port: t.port, healthCheckPort: hcPort(t.port), state: "unused", reason: "Target.NotRegistered", description: "Target is not registered to the target group" }, undefined),
    );
  }
  return { TargetHealthDescriptions: out };
}
