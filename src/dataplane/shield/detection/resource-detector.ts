/**
 * Detection state of one protected resource: synchronous and clock-free (times are passed
 * in), so it can be driven request by request and second by second in tests.
 *
 * Time is cut into one-second buckets. When a bucket closes its request count is judged:
 *  - threshold = max(multiplier × p99 of the baseline window, minRequestsPerSecond);
 *  - `sustainSeconds` consecutive buckets above it start an event, whose StartTime is the
 *    first of them; they never enter the baseline (a flood must not teach the baseline);
 *  - a shorter run above it is a spike: its buckets join the baseline when it ends;
 *  - during an event the threshold stays the one that was crossed; `cooldownSeconds`
 *    consecutive buckets at or below it end the event, whose EndTime is the start of the
 *    first quiet bucket; the quiet buckets then join the baseline.
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
  mitigation?: MitigationRecord;
}

export interface Transition {
  kind: "started" | "ended";
  attack: LiveAttack;
}

interface Second {
  count: number;
  topIp: number;
}

const NONE: readonly Transition[] = Object.freeze([]);

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
  private bucket: number;
  private count = 0;
  private readonly current: Trackers;
  private readonly baseline: QuantileWindow;
  private readonly perIp: QuantileWindow;
  private pending: Second[] = [];
  private pendingStart = 0;
  private run: Trackers;
  private quiet: Second[] = [];
  private quietStart = 0;
  private readonly quietTrackers: Trackers;
  attack: LiveAttack | undefined;

  constructor(
    public resource: ProtectedResource,
    private readonly s: DetectionSettings,
    nowMs: number,
    private readonly newId: () => string,
  ) {
    this.bucket = Math.floor(nowMs / BUCKET_MS);
    this.current = trackers(s.topK);
    this.run = trackers(s.topK);
    this.quietTrackers = trackers(s.topK);
    this.baseline = new QuantileWindow(s.baselineSeconds);
    this.perIp = new QuantileWindow(s.baselineSeconds);
  }

  /** Counts one request at `nowMs` (after closing the buckets that ended before it). */
  record(nowMs: number, ip: string, path: string, userAgent: string | undefined, referrer: string | undefined): readonly Transition[] {
    const out = this.advance(nowMs);
    this.count++;
    this.current.SOURCE_IP_ADDRESS.add(ip);
    this.current.DESTINATION_URL.add(path);
    if (userAgent !== undefined) this.current.SOURCE_USER_AGENT.add(userAgent);
    if (referrer !== undefined) this.current.REFERRER.add(referrer);
    return out;
  }

  /** Closes every bucket that ended at or before `nowMs`. */
  advance(nowMs: number): readonly Transition[] {
    const target = Math.floor(nowMs / BUCKET_MS);
    if (target <= this.bucket) return NONE;
    let out: Transition[] | undefined;
    // After this many empty buckets the baseline holds only zeros and any event has ended,
    // so a long idle gap is skipped instead of walked.
    const maxSteps = this.s.baselineSeconds + this.s.cooldownSeconds + this.s.sustainSeconds + 1;
    for (let steps = 0; this.bucket < target; steps++) {
      if (steps >= maxSteps) {
        this.bucket = target;
        break;
      }
      const t = this.close();
      if (t) (out ??= []).push(t);
    }
    return out ?? NONE;
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

  private close(): Transition | undefined {
    const c = this.count;
    const start = this.bucket * BUCKET_MS;
    const topIp = c > 0 ? this.current.SOURCE_IP_ADDRESS.max() : 0;
    const t = this.attack ? this.closeInAttack(this.attack, c, topIp, start) : this.closeNormal(c, topIp, start);
    if (c > 0) {
      this.count = 0;
      clear(this.current);
    }
    this.bucket++;
    return t;
  }

  private closeNormal(count: number, topIp: number, start: number): Transition | undefined {
    // A second without requests is never above a threshold, whatever the settings.
    const threshold = count > 0 ? this.threshold() : Number.POSITIVE_INFINITY;
    if (count > threshold) {
      if (this.pending.length === 0) this.pendingStart = start;
      this.pending.push({ count, topIp });
      mergeInto(this.run, this.current);
      return this.pending.length >= this.s.sustainSeconds ? this.begin(threshold, start) : undefined;
    }
    if (this.pending.length > 0) {
      for (const p of this.pending) this.learn(p);
      this.pending = [];
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
    };
    this.attack = attack;
    this.run = trackers(this.s.topK);
    this.pending = [];
    return { kind: "started", attack };
  }

  private closeInAttack(a: LiveAttack, count: number, topIp: number, start: number): Transition | undefined {
    if (count > a.thresholdRps) {
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
      return undefined;
    }
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
  };
}
