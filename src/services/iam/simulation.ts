/**
 * IAM's policy simulator: SimulateCustomPolicy, SimulatePrincipalPolicy,
 * GetContextKeysForCustomPolicy, GetContextKeysForPrincipalPolicy.
 *
 * Decisions come from the gateway's own policy engine (src/iam/policy evaluate()), fed an
 * EvaluationInput built the way src/iam/authorizer.ts builds it for a real request: the
 * principal's identity policies (inline, attached managed, its groups' for a user), its
 * permissions boundary, an optional resource-based policy, and a condition context of the
 * principal's global keys (principalContext, with its tags), aws:CurrentTime/aws:EpochTime,
 * and the caller's ContextEntries (which win, like a service's own keys in the authoriser).
 * Keys that describe the transport of a real request (aws:SourceIp, aws:SecureTransport,
 * aws:RequestedRegion, aws:UserAgent) exist only if ContextEntries supply them.
 * SimulatePrincipalPolicy also evaluates the service control policies that affect the principal's
 * account (from the same source as the authoriser) and reports their verdict in
 * OrganizationsDecisionDetail; SimulateCustomPolicy simulates the given policies alone.
 * The evaluation runs with a trace (the engine then scans every statement and reports what
 * matched and which context keys were missing); the decision is the same as without.
 */
import type {
  ContextEntry,
  EvaluationResult as SdkEvaluationResult,
  GetContextKeysForCustomPolicyRequest,
  GetContextKeysForPolicyResponse,
  GetContextKeysForPrincipalPolicyRequest,
  ResourceSpecificResult,
  SimulateCustomPolicyRequest,
  SimulatePolicyResponse,
  SimulatePrincipalPolicyRequest,
  Statement,
} from "@aws-sdk/client-iam";
import type { ConditionContext, ContextValue, Principal } from "../../core/types.js";
import { subjectToScps, type ScpLevels } from "../../iam/authorizer.js";
import {
  evaluate,
  parsePolicy,
  principalContext,
  requestTimeContext,
  statementPositions,
  PolicyParseError,
  type EvaluationTrace,
  type MatchedStatementRef,
  type ParsedPolicy,
  type PolicyKind,
} from "../../iam/policy/index.js";
import { parseEntityArn, userArn } from "./arn.js";
import { authorizedSubject, boundaryPolicy, identityPolicies, type Identity, type SourcedPolicy } from "./entity-policies.js";
import { authorize, type Caller, type IamEnv } from "./env.js";
import { constraintError, invalidInput } from "./errors.js";
import type { UserDoc } from "./model.js";
import { paginate, pageFields } from "./pagination.js";
import { users } from "./repo.js";
import { tagMap } from "./tags.js";
import { checkMarker, checkMaxItems, checkPolicyDocument, required, validateMembers } from "./validation.js";

type Decision = "allowed" | "explicitDeny" | "implicitDeny";
/** One policy taking part in a simulation, with what MatchedStatements reports about it. */
type SimPolicy = SourcedPolicy;

/** Everything a simulation needs apart from the action and resource. */
interface SimulationSetup {
  principal: Principal;
  /** Principal-derived condition keys (empty when no principal is simulated). */
  principalKeys: ConditionContext;
  identity: SimPolicy[];
  boundary: SimPolicy | undefined;
  resourcePolicy: SimPolicy | undefined;
  /** Owner of resources whose ARN names none (ResourceOwner, else the principal's account). */
  defaultOwner: string;
  /** SCPs that affect the principal's account, one array per level (SimulatePrincipalPolicy only). */
  scps?: ScpLevels;
}

// ---------------------------------------------------------------------------------------------
// Input checks
// ---------------------------------------------------------------------------------------------

const CONTEXT_TYPES = new Set(["string", "stringList", "numeric", "numericList", "boolean", "booleanList", "ip", "ipList", "binary", "binaryList", "date", "dateList"]);
const RESOURCE_HANDLING = /^[\u0009\u000A\u000D\u0020-\u00FF]+$/;

function constraintLength(value: string, field: string, min: number, max: number): void {
  if (value.length < min) throw constraintError(field, `Member must have length greater than or equal to ${min}`, value);
  if (value.length > max) throw constraintError(field, `Member must have length less than or equal to ${max}`, value);
}

function parseInput(text: string, kind: PolicyKind, label: string): ParsedPolicy {
  try {
    return parsePolicy(text, kind);
  } catch (e) {
    if (e instanceof PolicyParseError) throw invalidInput(`${label}: ${e.message}`);
    throw e;
  }
}

function checkPolicyList(list: string[] | undefined, field: string, min: number): string[] {
  const v = list ?? [];
  if (v.length < min) required(undefined, field);
  v.forEach((t, i) => checkPolicyDocument(t, `${field}.${i + 1}.member`));
  return v;
}

function checkActions(list: string[] | undefined): string[] {
  const v = required(list, "actionNames");
  if (v.length === 0) throw invalidInput("ActionNames must contain at least one action.");
  for (const [i, a] of v.entries()) {
    constraintLength(a, `actionNames.${i + 1}.member`, 3, 128);
    if (!/^[A-Za-z0-9-]+:[A-Za-z0-9]+$/.test(a)) {
      throw invalidInput(`Action name ${a} is not valid: it must be "<service>:<Action>" without wildcards.`);
    }
  }
  return v;
}

/** An ARN (at least six colon-separated parts) or "*". */
function isArnOrStar(v: string): boolean {
  if (v === "*") return true;
  const parts = v.split(":");
  return parts.length >= 6 && parts[0] === "arn" && parts[1] !== "" && parts[2] !== "";
}

function checkResources(list: string[] | undefined): { arns: string[]; explicit: boolean } {
  if (list === undefined || list.length === 0) return { arns: ["*"], explicit: false };
  for (const [i, r] of list.entries()) {
    constraintLength(r, `resourceArns.${i + 1}.member`, 1, 2048);
    if (!isArnOrStar(r)) throw invalidInput(`Resource ${r} is not a valid ARN.`);
  }
  return { arns: [...new Set(list)], explicit: !(list.length === 1 && list[0] === "*") };
}

/** ResourceOwner: an account ARN (arn:aws:iam::123456789012:root) or a 12-digit account id. */
function checkResourceOwner(v: string | undefined): string | undefined {
  if (v === undefined) return undefined;
  constraintLength(v, "resourceOwner", 1, 2048);
  const m = /^(?:arn:[a-z-]+:iam::(\d{12}):root|(\d{12}))$/.exec(v);
  if (!m) throw invalidInput(`ResourceOwner ${v} is not a valid account ARN.`);
  return (m[1] ?? m[2]) as string;
}

function checkResourceHandling(v: string | undefined): void {
  if (v === undefined) return;
  constraintLength(v, "resourceHandlingOption", 1, 64);
  if (!RESOURCE_HANDLING.test(v)) throw invalidInput(`ResourceHandlingOption ${v} is not valid.`);
}

function convertValue(type: string, raw: string, key: string): ContextValue {
  switch (type) {
    case "numeric": {
      const n = Number(raw);
      if (raw.trim() === "" || !Number.isFinite(n)) throw invalidInput(`Context key ${key}: ${raw} is not a numeric value.`);
      return n;
    }
    case "boolean": {
      const l = raw.toLowerCase();
      if (l !== "true" && l !== "false") throw invalidInput(`Context key ${key}: ${raw} is not a boolean value.`);
      return l === "true";
    }
    default:
      return raw;
  }
}

/** ContextEntries as condition keys: list types are always lists, scalar types one value. */
function contextFromEntries(entries: ContextEntry[] | undefined): ConditionContext {
  const out: ConditionContext = {};
  for (const [i, e] of (entries ?? []).entries()) {
    const member = `contextEntries.${i + 1}.member`;
    const key = required(e.ContextKeyName, `${member}.contextKeyName`);
    constraintLength(key, `${member}.contextKeyName`, 5, 256);
    const values = e.ContextKeyValues ?? [];
    if (e.ContextKeyType !== undefined && !CONTEXT_TYPES.has(e.ContextKeyType)) {
      throw constraintError(`${member}.contextKeyType`, `Member must satisfy enum value set: [${[...CONTEXT_TYPES].join(", ")}]`, e.ContextKeyType);
    }
    const type = e.ContextKeyType ?? (values.length === 1 ? "string" : "stringList");
    let value: ContextValue;
    if (type.endsWith("List")) {
      const scalar = type.slice(0, -"List".length);
      value = values.map((v) => convertValue(scalar, v, key)) as string[];
    } else {
      if (values.length !== 1) throw invalidInput(`Context key ${key} of type ${type} needs exactly one value.`);
      value = convertValue(type, values[0] as string, key);
    }
    if (key === "__proto__") Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
    else out[key] = value;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Principals and their policies (the same sources the identity directory reads)
// ---------------------------------------------------------------------------------------------

function userPrincipal(u: UserDoc): Principal {
  const arn = userArn(u.accountId, u.path, u.userName);
  return { type: "IAMUser", accountId: u.accountId, arn, principalId: u.userId, accessKeyId: "", name: u.userName };
}

/** A user named by CallerArn: the stored user when it exists (its id and tags), else the ARN alone. */
async function callerUser(env: IamEnv, callerArn: string, accountId: string): Promise<{ principal: Principal; keys: ConditionContext }> {
  constraintLength(callerArn, "callerArn", 1, 2048);
  const parsed = parseEntityArn(callerArn, "user");
  if (!parsed) throw invalidInput(`CallerArn ${callerArn} is not the ARN of an IAM user.`);
  const u = parsed.accountId === accountId ? await users.byName(env.store, accountId, parsed.name) : undefined;
  if (u && userArn(u.accountId, u.path, u.userName) === callerArn) {
    const principal = userPrincipal(u);
    return { principal, keys: principalContext(principal, tagMap(u.tags)) };
  }
  const principal: Principal = { type: "IAMUser", accountId: parsed.accountId, arn: callerArn, principalId: "", accessKeyId: "", name: parsed.name };
  const keys = principalContext(principal, {});
  delete keys["aws:userid"]; // unknown for a user that does not exist
  return { principal, keys };
}

/** A principal for policies evaluated without a simulated caller (no principal keys). */
function anonymousCaller(accountId: string, arn: string): Principal {
  return { type: "IAMUser", accountId, arn, principalId: "", accessKeyId: "" };
}

type SourceEntity = Identity;

/** PolicySourceArn → the user, group or role; authorises `action` on it first. */
async function sourceEntity(env: IamEnv, caller: Caller, action: string, arnIn: string | undefined): Promise<SourceEntity> {
  const arn = required(arnIn, "policySourceArn");
  constraintLength(arn, "policySourceArn", 20, 2048);
  const invalid = (a: string) => invalidInput(`PolicySourceArn ${a} is not the ARN of an IAM user, group or role.`);
  return (await authorizedSubject(env, caller, action, arn, ["user", "group", "role"] as const, invalid)) as SourceEntity;
}

async function entityPolicies(env: IamEnv, e: SourceEntity): Promise<{ identity: SimPolicy[]; boundary: SimPolicy | undefined }> {
  const identity = await identityPolicies(env, e);
  return { identity, boundary: e.kind === "group" ? undefined : await boundaryPolicy(env, e.doc.accountId, e.doc.permissionsBoundaryArn) };
}

function inputPolicies(list: string[], field: "PolicyInputList" | "PermissionsBoundaryPolicyInputList", kind: PolicyKind): SimPolicy[] {
  return list.map((text, i) => {
    const id = `${field}.${i + 1}`;
    return { id, type: "none", text, parsed: parseInput(text, kind, id) };
  });
}

/** Several boundary documents act as one boundary: every statement of all of them. */
function mergeBoundaries(list: SimPolicy[]): SimPolicy | undefined {
  if (list.length === 0) return undefined;
  if (list.length === 1) return list[0];
  // The engine takes one boundary: when several are given, the first decides and the rest
  // would be ignored, which would be wrong — refuse instead of guessing.
  throw invalidInput("Only one permissions boundary policy can be simulated at a time.");
}

// ---------------------------------------------------------------------------------------------
// Evaluation and results
// ---------------------------------------------------------------------------------------------

const DECISION = { Allow: "allowed", ExplicitDeny: "explicitDeny", ImplicitDeny: "implicitDeny" } as const;

/** The account named in an ARN's fifth part, when it is a 12-digit account id. */
function arnAccount(arn: string): string | undefined {
  const a = arn.split(":")[4];
  return a !== undefined && /^\d{12}$/.test(a) ? a : undefined;
}

interface OneResult {
  decision: "allowed" | "explicitDeny" | "implicitDeny";
  matched: Statement[];
  missing: string[];
  details: Record<string, Decision> | undefined;
  boundary: { AllowedByPermissionsBoundary: boolean } | undefined;
  organizations: { AllowedByOrganizations: boolean } | undefined;
}

/** The SCPs' own verdict from a trace: every level has a matching Allow, and no SCP statement denies. */
function allowedByScps(levels: ReadonlyArray<readonly ParsedPolicy[]>, trace: EvaluationTrace): boolean {
  const scp = trace.matched.filter((m) => m.slot === "scp");
  return !scp.some((m) => m.deny) && levels.every((level) => scp.some((m) => !m.deny && level.includes(m.policy)));
}

function statementsOf(refs: MatchedStatementRef[], setup: SimulationSetup, positions: Map<ParsedPolicy, ReturnType<typeof statementPositions>>): Statement[] {
  const all = [...setup.identity, ...(setup.boundary ? [setup.boundary] : []), ...(setup.resourcePolicy ? [setup.resourcePolicy] : [])];
  const out: Statement[] = [];
  for (const ref of refs) {
    const src = all.find((p) => p.parsed === ref.policy);
    if (!src) continue;
    let pos = positions.get(ref.policy);
    if (!positions.has(ref.policy)) {
      pos = statementPositions(src.text);
      positions.set(ref.policy, pos);
    }
    const at = pos?.[ref.index];
    out.push({
      SourcePolicyId: src.id,
      SourcePolicyType: src.type,
      ...(at ? { StartPosition: { Line: at.start.line, Column: at.start.column }, EndPosition: { Line: at.end.line, Column: at.end.column } } : {}),
    });
  }
  return out;
}

function simulateOne(setup: SimulationSetup, entries: ConditionContext, now: number, action: string, resource: string, positions: Map<ParsedPolicy, ReturnType<typeof statementPositions>>): OneResult {
  const resourceAccount = (resource !== "*" ? arnAccount(resource) : undefined) ?? setup.defaultOwner;
  const trace: EvaluationTrace = { matched: [], missingKeys: [] };
  // Same order as the authoriser: principal keys, then request keys, then the caller-supplied
  // keys (which win).
  const context: ConditionContext = { ...setup.principalKeys, ...requestTimeContext(now) };
  for (const k of Object.keys(entries)) {
    if (k === "__proto__") Object.defineProperty(context, k, { value: entries[k], enumerable: true, writable: true, configurable: true });
    else context[k] = entries[k];
  }
  const result = evaluate({
    principal: setup.principal,
    action,
    resource,
    resourceAccount,
    identityPolicies: setup.identity.map((p) => p.parsed),
    ...(setup.boundary ? { permissionsBoundary: setup.boundary.parsed } : {}),
    ...(setup.resourcePolicy ? { resourcePolicy: setup.resourcePolicy.parsed } : {}),
    serviceControlPolicies: setup.scps,
    context,
    trace,
  });
  const decision = DECISION[result.decision];
  // The statements that decided: the denies for a deny, the allows for an allow.
  const refs = decision === "allowed" ? trace.matched.filter((m) => !m.deny) : decision === "explicitDeny" ? trace.matched.filter((m) => m.deny) : [];
  let details: Record<string, Decision> | undefined;
  if (resource !== "*") {
    details = {};
    if (resourceAccount !== setup.principal.accountId) {
      // Cross account: how each policy type contributes (AWS fills this only then).
      const slot = (s: "identity" | "resource"): Decision => {
        const m = trace.matched.filter((x) => x.slot === s);
        return m.some((x) => x.deny) ? "explicitDeny" : m.length > 0 ? "allowed" : "implicitDeny";
      };
      details["IAM Policy"] = slot("identity");
      details["Resource Policy"] = setup.resourcePolicy ? slot("resource") : "implicitDeny";
    }
  }
  return {
    decision,
    matched: statementsOf(refs, setup, positions),
    missing: trace.missingKeys,
    details,
    boundary: setup.boundary ? { AllowedByPermissionsBoundary: trace.boundaryAllows === true } : undefined,
    organizations: setup.scps ? { AllowedByOrganizations: allowedByScps(setup.scps, trace) } : undefined,
  };
}

async function simulate(op: "SimulateCustomPolicy" | "SimulatePrincipalPolicy", setup: SimulationSetup, input: Omit<SimulateCustomPolicyRequest, "PolicyInputList">, now: number): Promise<SimulatePolicyResponse> {
  const actions = checkActions(input.ActionNames);
  const { arns, explicit } = checkResources(input.ResourceArns);
  const [, marker, max] = validateMembers(
    () => checkResourceHandling(input.ResourceHandlingOption),
    () => checkMarker(input.Marker),
    () => checkMaxItems(input.MaxItems),
  );
  const entries = contextFromEntries(input.ContextEntries);
  const positions = new Map<ParsedPolicy, ReturnType<typeof statementPositions>>();

  const results: Array<{ key: string; result: SdkEvaluationResult }> = [];
  let n = 0;
  for (const action of actions) {
    for (const resource of arns) {
      const r = simulateOne(setup, entries, now, action, resource, positions);
      const result: SdkEvaluationResult = {
        EvalActionName: action,
        EvalResourceName: resource,
        EvalDecision: r.decision,
        MatchedStatements: r.matched,
        // With a list of resources, missing keys are reported per resource instead.
        MissingContextValues: explicit ? [] : r.missing,
        ...(r.details !== undefined ? { EvalDecisionDetails: r.details } : {}),
        ...(r.organizations ? { OrganizationsDecisionDetail: r.organizations } : {}),
        ...(r.boundary ? { PermissionsBoundaryDecisionDetail: r.boundary } : {}),
      };
      if (explicit) {
        const specific: ResourceSpecificResult = {
          EvalResourceName: resource,
          EvalResourceDecision: r.decision,
          MatchedStatements: r.matched,
          MissingContextValues: r.missing,
          // Details per resource only when there are some (IAM leaves out an empty map here).
          ...(r.details !== undefined && Object.keys(r.details).length > 0 ? { EvalDecisionDetails: r.details } : {}),
          ...(r.boundary ? { PermissionsBoundaryDecisionDetail: r.boundary } : {}),
        };
        result.ResourceSpecificResults = [specific];
      }
      results.push({ key: String(n++).padStart(8, "0"), result });
    }
  }
  const page = paginate(op, results, (x) => x.key, marker, max);
  return { EvaluationResults: page.items.map((x) => x.result), ...pageFields(page) };
}

// ---------------------------------------------------------------------------------------------
// Context keys
// ---------------------------------------------------------------------------------------------

const SPECIAL_VARIABLES = new Set(["*", "?", "$"]);

/** Condition keys and policy-variable keys a policy text references, first spelling kept. */
function contextKeysOf(text: string, into: Map<string, string>): void {
  const doc = JSON.parse(text) as Record<string, unknown>;
  const variables = doc["Version"] === "2012-10-17";
  const st = doc["Statement"];
  const statements = (Array.isArray(st) ? st : [st]) as Array<Record<string, unknown>>;
  const add = (k: string): void => {
    const l = k.toLowerCase();
    if (!into.has(l)) into.set(l, k);
  };
  const scanVariables = (v: unknown): void => {
    if (!variables) return;
    const list = Array.isArray(v) ? v : [v];
    for (const s of list) {
      if (typeof s !== "string") continue;
      for (const m of s.matchAll(/\$\{([^}]*)\}/g)) {
        const key = (m[1] as string).split(",")[0]?.trim() ?? "";
        if (key !== "" && !SPECIAL_VARIABLES.has(key)) add(key);
      }
    }
  };
  for (const s of statements) {
    scanVariables(s["Resource"]);
    scanVariables(s["NotResource"]);
    const cond = s["Condition"] as Record<string, Record<string, unknown>> | undefined;
    for (const block of Object.values(cond ?? {})) {
      for (const [key, values] of Object.entries(block ?? {})) {
        add(key);
        scanVariables(values);
      }
    }
  }
}

function contextKeysResponse(policies: SimPolicy[]): GetContextKeysForPolicyResponse {
  const keys = new Map<string, string>();
  for (const p of policies) contextKeysOf(p.text, keys);
  return { ContextKeyNames: [...keys.values()] };
}

// ---------------------------------------------------------------------------------------------
// Operations
// ---------------------------------------------------------------------------------------------

export async function simulateCustomPolicy(env: IamEnv, caller: Caller, input: SimulateCustomPolicyRequest): Promise<SimulatePolicyResponse> {
  const [identityTexts, boundaryTexts] = validateMembers(
    () => checkPolicyList(input.PolicyInputList, "policyInputList", 1),
    () => checkPolicyList(input.PermissionsBoundaryPolicyInputList, "permissionsBoundaryPolicyInputList", 0),
  );
  if (input.ResourcePolicy !== undefined) checkPolicyDocument(input.ResourcePolicy, "resourcePolicy");
  const [, owner] = validateMembers(() => checkSimulationConstraints(input), () => checkResourceOwner(input.ResourceOwner));
  await authorize(caller, "SimulateCustomPolicy", "*");
  const identity = inputPolicies(identityTexts, "PolicyInputList", "identity");
  const boundary = mergeBoundaries(inputPolicies(boundaryTexts, "PermissionsBoundaryPolicyInputList", "boundary"));
  const resourcePolicy = input.ResourcePolicy !== undefined ? { id: "ResourcePolicy", type: "resource" as const, text: input.ResourcePolicy, parsed: parseInput(input.ResourcePolicy, "resource", "ResourcePolicy") } : undefined;
  if (resourcePolicy && input.CallerArn === undefined) throw invalidInput("CallerArn is required when a ResourcePolicy is simulated.");
  const who = input.CallerArn !== undefined ? await callerUser(env, input.CallerArn, caller.accountId) : undefined;
  const principal = who?.principal ?? anonymousCaller(caller.accountId, userArn(caller.accountId, "/", ""));
  const setup: SimulationSetup = { principal, principalKeys: who?.keys ?? {}, identity, boundary, resourcePolicy, defaultOwner: owner ?? principal.accountId };
  return simulate("SimulateCustomPolicy", setup, input, caller.now);
}

/**
 * The model constraints of the simulation inputs (lengths, the context key type enum, MaxItems,
 * Marker) in the model's member order, checked before the caller is authorised or any entity
 * looked up, as the service validates its input first. What the members mean (action syntax,
 * ARNs, values of a type) is checked later.
 */
function checkSimulationConstraints(input: Omit<SimulateCustomPolicyRequest, "PolicyInputList">): void {
  required(input.ActionNames, "actionNames").forEach((a, i) => constraintLength(a, `actionNames.${i + 1}.member`, 3, 128));
  input.ResourceArns?.forEach((r, i) => constraintLength(r, `resourceArns.${i + 1}.member`, 1, 2048));
  if (input.ResourceOwner !== undefined) constraintLength(input.ResourceOwner, "resourceOwner", 1, 2048);
  if (input.CallerArn !== undefined) constraintLength(input.CallerArn, "callerArn", 1, 2048);
  input.ContextEntries?.forEach((e, i) => {
    const member = `contextEntries.${i + 1}.member`;
    if (e.ContextKeyName !== undefined) constraintLength(e.ContextKeyName, `${member}.contextKeyName`, 5, 256);
    if (e.ContextKeyType !== undefined && !CONTEXT_TYPES.has(e.ContextKeyType)) {
      throw constraintError(`${member}.contextKeyType`, `Member must satisfy enum value set: [${[...CONTEXT_TYPES].join(", ")}]`, e.ContextKeyType);
    }
  });
  if (input.ResourceHandlingOption !== undefined) constraintLength(input.ResourceHandlingOption, "resourceHandlingOption", 1, 64);
  validateMembers(() => checkMaxItems(input.MaxItems), () => checkMarker(input.Marker));
}

export async function simulatePrincipalPolicy(env: IamEnv, caller: Caller, input: SimulatePrincipalPolicyRequest): Promise<SimulatePolicyResponse> {
  if (input.PolicySourceArn !== undefined) constraintLength(input.PolicySourceArn, "policySourceArn", 20, 2048);
  const [extraTexts, boundaryTexts] = validateMembers(
    () => checkPolicyList(input.PolicyInputList, "policyInputList", 0),
    () => checkPolicyList(input.PermissionsBoundaryPolicyInputList, "permissionsBoundaryPolicyInputList", 0),
  );
  if (input.ResourcePolicy !== undefined) checkPolicyDocument(input.ResourcePolicy, "resourcePolicy");
  const [, owner] = validateMembers(() => checkSimulationConstraints(input), () => checkResourceOwner(input.ResourceOwner));
  const entity = await sourceEntity(env, caller, "SimulatePrincipalPolicy", input.PolicySourceArn);
  const own = await entityPolicies(env, entity);
  const identity = [...own.identity, ...inputPolicies(extraTexts, "PolicyInputList", "identity")];
  // A boundary given in the request replaces the entity's own (what-if for a new boundary).
  const boundary = boundaryTexts.length > 0 ? mergeBoundaries(inputPolicies(boundaryTexts, "PermissionsBoundaryPolicyInputList", "boundary")) : own.boundary;
  const resourcePolicy = input.ResourcePolicy !== undefined ? { id: "ResourcePolicy", type: "resource" as const, text: input.ResourcePolicy, parsed: parseInput(input.ResourcePolicy, "resource", "ResourcePolicy") } : undefined;
  if (resourcePolicy && input.CallerArn === undefined && entity.kind !== "user") {
    throw invalidInput("CallerArn is required when a ResourcePolicy is simulated and PolicySourceArn is not a user.");
  }
  let principal: Principal;
  let principalKeys: ConditionContext;
  if (input.CallerArn !== undefined) {
    const who = await callerUser(env, input.CallerArn, caller.accountId);
    principal = who.principal;
    principalKeys = who.keys;
  } else if (entity.kind === "user") {
    principal = userPrincipal(entity.doc);
    principalKeys = principalContext(principal, tagMap(entity.doc.tags));
  } else if (entity.kind === "role") {
    const r = entity.doc;
    principal = { type: "AssumedRole", accountId: r.accountId, arn: entity.arn, roleArn: entity.arn, roleId: r.roleId, principalId: r.roleId, accessKeyId: "", name: r.roleName, ...(r.linkedService !== undefined ? { serviceLinkedRole: true } : {}) };
    principalKeys = principalContext(principal, tagMap(r.tags));
    // What depends on a particular session is not known: supply it through ContextEntries.
    delete principalKeys["aws:userid"];
    delete principalKeys["aws:MultiFactorAuthPresent"];
  } else {
    principal = anonymousCaller(entity.doc.accountId, entity.arn);
    principalKeys = {};
  }
  // The SCPs that affect the principal's account, as the authoriser enforces them (service-linked
  // roles are exempt); SimulateCustomPolicy has no account of a principal to take them from.
  let scps = env.serviceControlPolicies && subjectToScps(principal) ? env.serviceControlPolicies.levelsFor(principal.accountId, caller.now) : undefined;
  if (scps instanceof Promise) scps = await scps;
  const setup: SimulationSetup = { principal, principalKeys, identity, boundary, resourcePolicy, defaultOwner: owner ?? principal.accountId, scps };
  return simulate("SimulatePrincipalPolicy", setup, input, caller.now);
}

export async function getContextKeysForCustomPolicy(_env: IamEnv, caller: Caller, input: GetContextKeysForCustomPolicyRequest): Promise<GetContextKeysForPolicyResponse> {
  const texts = checkPolicyList(input.PolicyInputList, "policyInputList", 1);
  await authorize(caller, "GetContextKeysForCustomPolicy", "*");
  return contextKeysResponse(inputPolicies(texts, "PolicyInputList", "identity"));
}

export async function getContextKeysForPrincipalPolicy(env: IamEnv, caller: Caller, input: GetContextKeysForPrincipalPolicyRequest): Promise<GetContextKeysForPolicyResponse> {
  const extraTexts = checkPolicyList(input.PolicyInputList, "policyInputList", 0);
  const entity = await sourceEntity(env, caller, "GetContextKeysForPrincipalPolicy", input.PolicySourceArn);
  const own = await entityPolicies(env, entity);
  return contextKeysResponse([...own.identity, ...(own.boundary ? [own.boundary] : []), ...inputPolicies(extraTexts, "PolicyInputList", "identity")]);
}
