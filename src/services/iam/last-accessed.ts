/**
 * IAM's last-accessed reports, computed from what the audit log recorded (pure functions; the
 * reading is in ./last-accessed-activity.ts, the jobs and operations around them in
 * ./service-last-accessed.ts and ./organizations-access-report.ts).
 *
 * What the IAM User Guide ("Refine permissions using last accessed information") specifies:
 * - A report lists the services the entity's permissions policies allow (inline and managed,
 *   a user's groups' included); other policy types (boundaries, SCPs, resource policies,
 *   session policies) play no part. A service is allowed when an Allow statement's
 *   Action/NotAction covers one of its actions, decided with the policy engine's own matching.
 * - For each service: the last authenticated attempt (time, entity, Region) of the entities the
 *   report covers, and how many of them made one. Every authenticated attempt counts, including
 *   those that were then denied ("not just the successful ones"); unauthenticated requests do
 *   not ("AWS does not report unauthenticated requests").
 * - ACTION_LEVEL adds, for services with action-level data, the tracked actions that were used.
 * - A service allowed but never used within the tracking period is listed without last-access
 *   data (TotalAuthenticatedEntities 0).
 */
import { statementMatchesAction, type CompiledStatement, type ParsedPolicy } from "../../iam/policy/index.js";
import type { LastAccessedService } from "./last-accessed-services.js";

/** IAM reports activity for at least the last 400 days. */
export const TRACKING_PERIOD_MS = 400 * 24 * 60 * 60 * 1000;

/** Who made a call, as its audit event identifies the caller. */
export type Actor = { kind: "user" | "role"; id: string } | { kind: "root"; accountId: string };

/** The latest authenticated attempt of one actor at one action of a service. */
export interface Activity {
  actor: Actor;
  /** The account whose log holds the event (the caller's). */
  accountId: string;
  eventSource: string;
  eventName: string;
  time: number;
  /** The event's position in the log: breaks ties between attempts in the same millisecond. */
  seq: number;
  region: string;
}

/** A user or role whose attempts a report counts. */
export interface ReportEntity {
  type: "USER" | "ROLE";
  /** AIDA… / AROA… */
  id: string;
  arn: string;
  name: string;
  path: string;
}

export interface Access {
  time: number;
  entityArn: string;
  region: string;
}

/** One service of a report, as the report job stores it. */
export interface ServiceUsage {
  namespace: string;
  name: string;
  last?: Access;
  totalEntities: number;
  /** ACTION_LEVEL, services with action-level data: the tracked actions used, by name. */
  actions?: Array<Access & { action: string }>;
  /** Every entity of the report and its last attempt, most recent first (never used: last, by name). */
  entities: Array<{ entity: ReportEntity; time?: number }>;
}

/** One service of an Organizations access report. */
export interface OrganizationsServiceAccess {
  namespace: string;
  name: string;
  last?: { time: number; region: string; entityPath: string };
  /** Accounts whose principals attempted to access the service. */
  totalEntities: number;
}

const newer = (a: Activity, b: Activity | undefined): boolean => b === undefined || a.time > b.time || (a.time === b.time && a.seq > b.seq);

/** Whether some Allow statement of `policies` covers one of the service's actions. */
export function grantsService(policies: readonly ParsedPolicy[], service: Pick<LastAccessedService, "namespace" | "actions">): boolean {
  const actions = service.actions.map((a) => `${service.namespace}:${a}`.toLowerCase());
  return policies.some((p) => p.statements.some((st) => !st.deny && actions.some((a) => statementMatchesAction(st, a))));
}

/**
 * Whether some Allow statement of the policy documents covers an action of a service this
 * installation does not serve (so has no list of actions): an `Action` `*` or one whose service
 * prefix (the text before ":") is the namespace, or a `NotAction` that does not
 * exclude the whole namespace (`*` or `<namespace>:*`). IAM judges any namespace this way for
 * ListPoliciesGrantingServiceAccess, whether the account uses the service or not.
 */
export function grantsNamespace(documents: readonly string[], namespace: string): boolean {
  const ns = namespace.toLowerCase();
  // IAM refuses wildcards in the service prefix ("Vendor s* is not valid"): it names the service exactly.
  const serviceMatches = (action: string): boolean => {
    const a = action.toLowerCase();
    const colon = a.indexOf(":");
    return a === "*" || (colon > 0 && a.slice(0, colon) === ns);
  };
  const wholeNamespace = (action: string): boolean => {
    const a = action.toLowerCase();
    return a === "*" || (a.endsWith(":*") && serviceMatches(a));
  };
  const list = (v: unknown): string[] => (typeof v === "string" ? [v] : Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : []);
  return documents.some((text) => {
    let doc: { Statement?: unknown };
    try {
      doc = JSON.parse(text) as { Statement?: unknown };
    } catch {
      return false;
    }
    const statements = Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement];
    return statements.some((st) => {
      if (typeof st !== "object" || st === null) return false;
      const s = st as Record<string, unknown>;
      if (s["Effect"] !== "Allow") return false;
      if ("NotAction" in s) return !list(s["NotAction"]).some(wholeNamespace);
      return list(s["Action"]).some(serviceMatches);
    });
  });
}

/**
 * Whether service control policies allow the service: for one of its actions every level (root,
 * OUs…, account; a single SCP is one level) has an Allow covering it, and no level denies it
 * outright (a Deny without conditions on every resource). SCPs only filter: what they allow is
 * what an identity policy may grant.
 */
export function scpsAllowService(levels: ReadonlyArray<readonly ParsedPolicy[]>, service: Pick<LastAccessedService, "namespace" | "actions">): boolean {
  const deniesOutright = (st: CompiledStatement, action: string): boolean =>
    st.deny && st.conditions.length === 0 && !st.notResource && (st.resources?.some((r) => r.any) ?? true) && statementMatchesAction(st, action);
  return service.actions.some((a) => {
    const one = { namespace: service.namespace, actions: [a] };
    const action = `${service.namespace}:${a}`.toLowerCase();
    return levels.every((level) => grantsService(level, one)) && !levels.some((level) => level.some((p) => p.statements.some((st) => deniesOutright(st, action))));
  });
}

const byName = (a: { entity: ReportEntity }, b: { entity: ReportEntity }): number => (a.entity.name < b.entity.name ? -1 : a.entity.name > b.entity.name ? 1 : 0);

/**
 * The report of the services `policies` allow, counting the attempts of `entities` (the user or
 * role itself; a group's members; the users and roles a managed policy is attached to).
 */
export function serviceLastAccessed(input: {
  services: readonly LastAccessedService[];
  policies: readonly ParsedPolicy[];
  entities: readonly ReportEntity[];
  activity: readonly Activity[];
  actionLevel: boolean;
}): ServiceUsage[] {
  const entityById = new Map(input.entities.map((e) => [e.id, e]));
  const out: ServiceUsage[] = [];
  for (const s of input.services) {
    if (!grantsService(input.policies, s)) continue;
    const perEntity = new Map<string, Activity>();
    const perAction = new Map<string, Activity>();
    for (const a of input.activity) {
      if (a.eventSource !== s.eventSource || a.actor.kind === "root" || !entityById.has(a.actor.id)) continue;
      if (newer(a, perEntity.get(a.actor.id))) perEntity.set(a.actor.id, a);
      if (input.actionLevel && s.tracked?.has(a.eventName) && newer(a, perAction.get(a.eventName))) perAction.set(a.eventName, a);
    }
    const access = (a: Activity): Access => ({ time: a.time, entityArn: (entityById.get((a.actor as { id: string }).id) as ReportEntity).arn, region: a.region });
    let last: Activity | undefined;
    for (const a of perEntity.values()) if (newer(a, last)) last = a;
    const used = input.entities.filter((e) => perEntity.has(e.id)).map((entity) => ({ entity, time: (perEntity.get(entity.id) as Activity).time }));
    const unused = input.entities.filter((e) => !perEntity.has(e.id)).map((entity) => ({ entity }));
    const actions = [...perAction.entries()].sort(([x], [y]) => (x < y ? -1 : 1)).map(([action, a]) => ({ action, ...access(a) }));
    out.push({
      namespace: s.namespace,
      name: s.name,
      ...(last ? { last: access(last) } : {}),
      totalEntities: perEntity.size,
      ...(actions.length > 0 ? { actions } : {}),
      entities: [...used.sort((a, b) => b.time - a.time || byName(a, b)), ...unused.sort(byName)],
    });
  }
  return out;
}

/**
 * An Organizations access report: for each service, the latest attempt by any principal (root
 * user, IAM users and roles) of `accounts`, and how many of those accounts made one.
 */
export function organizationsAccess(input: {
  services: readonly LastAccessedService[];
  accounts: ReadonlyArray<{ accountId: string; entityPath: string }>;
  activity: readonly Activity[];
}): OrganizationsServiceAccess[] {
  const pathOf = new Map(input.accounts.map((a) => [a.accountId, a.entityPath]));
  return input.services.map((s) => {
    const perAccount = new Map<string, Activity>();
    for (const a of input.activity) {
      if (a.eventSource !== s.eventSource || !pathOf.has(a.accountId)) continue;
      if (newer(a, perAccount.get(a.accountId))) perAccount.set(a.accountId, a);
    }
    let last: Activity | undefined;
    for (const a of perAccount.values()) if (newer(a, last)) last = a;
    return {
      namespace: s.namespace,
      name: s.name,
      ...(last ? { last: { time: last.time, region: last.region, entityPath: pathOf.get(last.accountId) as string } } : {}),
      totalEntities: perAccount.size,
    };
  });
}
