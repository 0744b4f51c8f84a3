/**
 * Detected events (attacks): their durable records (the detector's AttackRecorder), and the
 * ListAttacks / DescribeAttack / DescribeAttackStatistics views of them. Bulwark detects
 * application-layer HTTP floods only, so every event has the vector REQUEST_FLOOD and
 * properties of layer APPLICATION.
 */
import type { AttackDetail, AttackProperty, AttackSummary, SubResourceSummary } from "@aws-sdk/client-shield";
import { CONTRIBUTOR_KINDS, type AttackRecorder, type AttackSnapshot } from "../../dataplane/shield/detection/types.js";
import type { DocStore, Storage } from "../../storage/types.js";
import { ATTACKS, accountKey, scopePrefix } from "./model.js";

export const VECTOR = "REQUEST_FLOOD";

export function createAttackRecorder(store: Storage): AttackRecorder {
  return {
    save: (a) => store.put(ATTACKS, accountKey(a.accountId, a.attackId), a),
    openAttacks: async () => (await store.list<AttackSnapshot>(ATTACKS)).map((e) => e.value).filter((a) => a.endTime === undefined),
  };
}

export async function accountAttacks(db: DocStore, account: string): Promise<AttackSnapshot[]> {
  return (await db.list<AttackSnapshot>(ATTACKS, { prefix: scopePrefix(account) })).map((e) => e.value);
}

export async function getAttack(db: DocStore, account: string, attackId: string): Promise<AttackSnapshot | undefined> {
  return db.get<AttackSnapshot>(ATTACKS, accountKey(account, attackId));
}

/** Newest first; the key sorts ascending in that order (for pagination). */
export function attackOrderKey(a: AttackSnapshot): string {
  return `${String(9e15 - a.startTime).padStart(16, "0")}/${a.attackId}`;
}

export interface TimeWindow {
  from?: number;
  to?: number;
}

export interface AttackFilter {
  resourceArns?: readonly string[];
  start?: TimeWindow;
  end?: TimeWindow;
}

const inWindow = (t: number, w: TimeWindow): boolean => (w.from === undefined || t >= w.from) && (w.to === undefined || t < w.to);

/** An ongoing event has no end yet: it matches an end window that is open towards the future. */
export function matchesFilter(a: AttackSnapshot, f: AttackFilter): boolean {
  if (f.resourceArns && f.resourceArns.length > 0 && !f.resourceArns.includes(a.resourceArn)) return false;
  if (f.start && !inWindow(a.startTime, f.start)) return false;
  if (f.end) {
    if (a.endTime === undefined) return f.end.to === undefined;
    if (!inWindow(a.endTime, f.end)) return false;
  }
  return true;
}

export function attackSummary(a: AttackSnapshot): AttackSummary {
  return {
    AttackId: a.attackId,
    ResourceArn: a.resourceArn,
    StartTime: new Date(a.startTime),
    ...(a.endTime !== undefined ? { EndTime: new Date(a.endTime) } : {}),
    AttackVectors: [{ VectorType: VECTOR }],
  };
}

export function attackDetail(a: AttackSnapshot): AttackDetail {
  const properties: AttackProperty[] = [];
  for (const kind of CONTRIBUTOR_KINDS) {
    const c = a.contributors[kind];
    if (c.total === 0) continue;
    properties.push({ AttackLayer: "APPLICATION", AttackPropertyIdentifier: kind, TopContributors: c.top.map((t) => ({ Name: t.name, Value: t.value })), Unit: "REQUESTS", Total: c.total });
  }
  const subResources: SubResourceSummary[] = a.contributors.DESTINATION_URL.top.map((u) => ({
    Type: "URL",
    Id: u.name,
    AttackVectors: [{ VectorType: VECTOR, VectorCounters: [{ Name: VECTOR, Max: u.value, Average: u.value, Sum: u.value, N: 1, Unit: "REQUESTS" }] }],
    Counters: [],
  }));
  const { sum, max, seconds } = a.requests;
  return {
    AttackId: a.attackId,
    ResourceArn: a.resourceArn,
    SubResources: subResources,
    StartTime: new Date(a.startTime),
    ...(a.endTime !== undefined ? { EndTime: new Date(a.endTime) } : {}),
    AttackCounters: [{ Name: "REQUESTS", Max: max, Average: seconds > 0 ? sum / seconds : 0, Sum: sum, N: seconds, Unit: "REQUESTS" }],
    AttackProperties: properties,
    Mitigations: a.mitigation ? [{ MitigationName: a.mitigation.name }] : [],
  };
}

const DAY_MS = 24 * 3600 * 1000;

/** Midnight UTC one year ago to midnight UTC today, as DescribeAttackStatistics reports. */
export function statisticsRange(now: number): { from: number; to: number } {
  const to = Math.floor(now / DAY_MS) * DAY_MS;
  const d = new Date(to);
  const from = Date.UTC(d.getUTCFullYear() - 1, d.getUTCMonth(), d.getUTCDate());
  return { from, to };
}

export function attackStatistics(attacks: readonly AttackSnapshot[], now: number): { from: number; to: number; count: number; maxRps: number } {
  const { from, to } = statisticsRange(now);
  let count = 0;
  let maxRps = 0;
  for (const a of attacks) {
    if (a.startTime < from || a.startTime >= to) continue;
    count++;
    if (a.requests.max > maxRps) maxRps = a.requests.max;
  }
  return { from, to, count, maxRps };
}
