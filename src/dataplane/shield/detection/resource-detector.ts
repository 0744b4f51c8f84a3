/**
 * Detection state of one protected resource: synchronous and clock-free (the detector closes
 * each second of every resource in step, passing its start time), so it can be driven request
 * by request and second by second in tests.
 *
 * Time is cut into one-second buckets. When a bucket closes its request count is judged:
 *  - a second is loud when its count is above threshold = max(multiplier × p99 of the
 *    baseline window, minRequestsPerSecond), or when a protection group the resource belongs
 *    to had a loud second that affected it (group-detector.ts);
 *  - `sustainSeconds` consecutive loud seconds start an event, whose StartTime is the first of
 *    them; they never enter the baseline (a flood must not teach the baseline). A loud second
 *    from a group that is in an event starts the resource's event at once: the group already
 *    sustained it;
 *  - a shorter run of loud seconds is a spike: its buckets join the baseline when it ends;
 *  - during an event the resource's threshold stays the one of its start; `cooldownSeconds`
 *    consecutive quiet seconds end the event, whose EndTime is the start of the first quiet
 *    bucket; the quiet buckets then join the baseline.
 * Automatic mitigation follows the resource's own traffic only, as Shield Advanced applies
 * automatic mitigations for individual resources and not on protection group findings: an
 * event becomes `ownDetected` once `sustainSeconds` consecutive seconds were above the
 * resource's own threshold.
 * Per-bucket heavy-hitter tables (source IP, URL path, user agent, referrer) are merged into
 * the event's tables for every bucket that belongs to the event. The largest per-IP count of
 * each baseline bucket feeds a second window, from which the mitigation's rate limit comes.
 *
 * Invariants: memory is bounded (two windows of `baselineSeconds` values, at most 4 tables of
 * `topK` counters per phase); a bucket is judged exactly once.
 */
import { rateLimitFromBaseline } from "./mitigation-rule.js";
import { QuantileWindow } from "./quantile-window.js";
import type { DetectionSettings } from "./settings.js";
import { SpaceSaving } from "./space-saving.js";
import { CONTRIBUTOR_KINDS, type AttackSnapshot, type ContributorKind, type ContributorSummary, type MitigationRecord, type ProtectedResource } from "./types.js";

export const BUCKET_MS = 1000;
/** The baseline statistic: the 99th percentile of requests per second. */
export const BASELINE_QUANTILE = 0.99;
/** Contributors reported per attack property (AWS reports the top five). */
export const REPORTED_CONTRIBUTORS = 5;

type Trackers = Record<ContributorKind, SpaceSaving>;

export interface LiveAttack {
  readonly attackId: string;
  readonly startTime: number;
  endTime?: number;
  lastSeenAt: number;
  sum: number;
  max: number;
  seconds: number;
  readonly thresholdRps: number;
  readonly baselineRps: number;
  /** Rate-based rule limit (per IP per 60 s) derived from the baseline when the event began. */
  readonly ruleLimit: number;
  readonly trackers: Trackers;
  /** The resource's own traffic sustained a flood (automatic mitigation applies only then). */
  ownDetected: boolean;
  /** Protection groups whose loud seconds affected the resource during the event. */
  readonly groups: Set<string>;
  mitigation?: MitigationRecord;
}

/** `updated`: an event became ownDetected (its automatic mitigation may now apply). */
export interface Transition {
  kind: "started" | "ended" | "updated";
  attack: LiveAttack;
}

/** Protection groups whose loud second affected the resource, and whether one of them is in an event. */
export interface GroupHits {
  ids: string[];
  inEvent: boolean;
}

interface Second {
  count: number;
  topIp: number;
}

function trackers(topK: number): Trackers {
  return {
    SOURCE_IP_ADDRESS: new SpaceSaving(topK, 64),
    DESTINATION_URL: new SpaceSaving(topK, 512),
    SOURCE_USER_AGENT: new SpaceSaving(topK, 256),
    REFERRER: new SpaceSaving(topK, 512),
  };
}

function mergeInto(into: Trackers, from: Trackers): void {
  for (const k of CONTRIBUTOR_KINDS) into[k].merge(from[k]);
}

function clear(t: Trackers): void {
  for (const k of CONTRIBUTOR_KINDS) t[k].clear();
}

export class ResourceDetector {
  private count = 0;
  private readonly current: Trackers;
  private readonly baseline: QuantileWindow;
  private readonly perIp: QuantileWindow;
  private pending: Second[] = [];
  private pendingStart = 0;
  private readonly pendingGroups = new Set<string>();
  private run: Trackers;
  /** Consecutive closed seconds above the resource's own threshold (pending or in the event). */
  private ownRun = 0;
  private quiet: Second[] = [];
  private quietStart = 0;
  private readonly quietTrackers: Trackers;
  attack: LiveAttack | undefined;

  constructor(
    public resource: ProtectedResource,
    private readonly s: DetectionSettings,
    private readonly newId: () => string,
  ) {
    this.current = trackers(s.topK);
    this.run = trackers(s.topK);
    this.quietTrackers = trackers(s.topK);
    this.baseline = new QuantileWindow(s.baselineSeconds);
    this.perIp = new QuantileWindow(s.baselineSeconds);
  }

  /** Requests counted in the second that is still open. */
  get requests(): number {
    return this.count;
  }

  /** Counts one request in the open second. */
  record(ip: string, path: string, userAgent: string | undefined, referrer: string | undefined): void {
    this.count++;
    this.current.SOURCE_IP_ADDRESS.add(ip);
    this.current.DESTINATION_URL.add(path);
    if (userAgent !== undefined) this.current.SOURCE_USER_AGENT.add(userAgent);
    if (referrer !== undefined) this.current.REFERRER.add(referrer);
  }

  /** Requests per second above which a second counts as part of a flood, right now. */
  threshold(): number {
    return Math.max(this.s.multiplier * this.baseline.quantile(BASELINE_QUANTILE), this.s.minRequestsPerSecond);
  }

  /** Ends an ongoing event now (its protection was removed); returns it, ended. */
  endNow(): LiveAttack | undefined {
    const a = this.attack;
    if (!a) return undefined;
    a.endTime = a.lastSeenAt;
    this.attack = undefined;
    this.quiet = [];
    clear(this.quietTrackers);
    return a;
  }

  /** Judges the open second, which started at `start`; `hits` are the groups whose loud second affected this resource. */
  close(start: number, hits?: GroupHits): Transition | undefined {
    const c = this.count;
    const topIp = c > 0 ? this.current.SOURCE_IP_ADDRESS.max() : 0;
    const t = this.attack ? this.closeInAttack(this.attack, c, topIp, start, hits) : this.closeNormal(c, topIp, start, hits);
    if (c > 0) {
      this.count = 0;
      clear(this.current);
    }
    return t;
  }

  private closeNormal(count: number, topIp: number, start: number, hits: GroupHits | undefined): Transition | undefined {
    // A second without requests is never above a threshold, whatever the settings.
    const threshold = count > 0 || hits ? this.threshold() : Number.POSITIVE_INFINITY;
    const own = count > threshold;
    if (own || hits) {
      if (this.pending.length === 0) this.pendingStart = start;
      this.pending.push({ count, topIp });
      this.ownRun = own ? this.ownRun + 1 : 0;
      if (hits) for (const id of hits.ids) this.pendingGroups.add(id);
      mergeInto(this.run, this.current);
      return this.pending.length >= this.s.sustainSeconds || hits?.inEvent ? this.begin(threshold, start) : undefined;
    }
    this.ownRun = 0;
    if (this.pending.length > 0) {
      for (const p of this.pending) this.learn(p);
      this.pending = [];
      this.pendingGroups.clear();
      clear(this.run);
    }
    this.learn({ count, topIp });
    return undefined;
  }

  private begin(threshold: number, lastStart: number): Transition {
    let sum = 0;
    let max = 0;
    for (const p of this.pending) {
      sum += p.count;
      if (p.count > max) max = p.count;
    }
    const attack: LiveAttack = {
      attackId: this.newId(),
      startTime: this.pendingStart,
      lastSeenAt: lastStart + BUCKET_MS,
      sum,
      max,
      seconds: this.pending.length,
      thresholdRps: threshold,
      baselineRps: this.baseline.quantile(BASELINE_QUANTILE),
      ruleLimit: rateLimitFromBaseline(this.perIp.quantile(BASELINE_QUANTILE), this.s.multiplier),
      trackers: this.run,
      ownDetected: this.ownRun >= this.s.sustainSeconds,
      groups: new Set(this.pendingGroups),
    };
    this.attack = attack;
    this.run = trackers(this.s.topK);
    this.pending = [];
    this.pendingGroups.clear();
    return { kind: "started", attack };
  }

  private closeInAttack(a: LiveAttack, count: number, topIp: number, start: number, hits: GroupHits | undefined): Transition | undefined {
    const own = count > a.thresholdRps;
    if (own || hits) {
      // The quiet seconds in between belonged to the event after all.
      for (const q of this.quiet) {
        a.sum += q.count;
        a.seconds++;
      }
      if (this.quiet.length > 0) {
        mergeInto(a.trackers, this.quietTrackers);
        clear(this.quietTrackers);
        this.quiet = [];
      }
      a.sum += count;
      a.seconds++;
      if (count > a.max) a.max = count;
      mergeInto(a.trackers, this.current);
      a.lastSeenAt = start + BUCKET_MS;
      if (hits) for (const id of hits.ids) a.groups.add(id);
      this.ownRun = own ? this.ownRun + 1 : 0;
      if (!a.ownDetected && this.ownRun >= this.s.sustainSeconds) {
        a.ownDetected = true;
        return { kind: "updated", attack: a };
      }
      return undefined;
    }
    this.ownRun = 0;
    if (this.quiet.length === 0) this.quietStart = start;
    this.quiet.push({ count, topIp });
    if (count > 0) mergeInto(this.quietTrackers, this.current);
    if (this.quiet.length < this.s.cooldownSeconds) return undefined;
    a.endTime = this.quietStart;
    for (const q of this.quiet) this.learn(q);
    this.quiet = [];
    clear(this.quietTrackers);
    this.attack = undefined;
    return { kind: "ended", attack: a };
  }

  private learn(sec: Second): void {
    this.baseline.push(sec.count);
    this.perIp.push(sec.topIp);
  }
}

function summary(t: SpaceSaving): ContributorSummary {
  return { total: t.total, top: t.top(REPORTED_CONTRIBUTORS) };
}

/** The durable form of an event. */
export function snapshotOf(resource: ProtectedResource, a: LiveAttack): AttackSnapshot {
  const contributors = {} as Record<ContributorKind, ContributorSummary>;
  for (const k of CONTRIBUTOR_KINDS) contributors[k] = summary(a.trackers[k]);
  return {
    attackId: a.attackId,
    accountId: resource.accountId,
    resourceArn: resource.resourceArn,
    startTime: a.startTime,
    ...(a.endTime !== undefined ? { endTime: a.endTime } : {}),
    lastSeenAt: a.lastSeenAt,
    requests: { sum: a.sum, max: a.max, seconds: a.seconds },
    thresholdRps: a.thresholdRps,
    baselineRps: a.baselineRps,
    contributors,
    ...(a.mitigation ? { mitigation: { ...a.mitigation } } : {}),
    ...(a.groups.size > 0 ? { protectionGroupIds: [...a.groups].sort() } : {}),
  };
}
