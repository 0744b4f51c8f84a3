/**
 * Detection state of one Shield Advanced protection group: its members' traffic is combined
 * per second according to the group's Aggregation and judged like a single resource's:
 *
 *  - SUM: the members' requests added up (many small resources, one large volume; a resource
 *    that takes over another's traffic keeps the group's baseline);
 *  - MEAN: that total divided by the number of members (idle members count as zero);
 *  - MAX: the busiest member's requests.
 *
 * The combined value has its own baseline window, threshold (max(multiplier × p99,
 * minRequestsPerSecond)), sustain and cooldown, with the same rules as a resource: flood
 * seconds never enter the baseline, the threshold is frozen while an event lasts.
 *
 * A loud second of the group (above the threshold, pending or during an event) affects the
 * members whose own requests that second exceed their share of the threshold: threshold ÷
 * members for SUM, the threshold itself for MEAN and MAX. At least one member is always
 * affected (the total, the mean or the maximum cannot exceed the threshold otherwise). The
 * affected members' seconds count as flood seconds of those resources; attacks are recorded
 * per resource (see resource-detector.ts), as Shield Advanced reports events.
 *
 * Synchronous and clock-free: for each second the detector reads every member's count, judges
 * the group, then closes the members' seconds with the groups that affected them.
 */
import { QuantileWindow } from "./quantile-window.js";
import type { DetectionSettings } from "./settings.js";
import type { GroupAggregation, ProtectionGroupSpec } from "./types.js";

/** The baseline statistic: the 99th percentile of the combined requests per second. */
const BASELINE_QUANTILE = 0.99;

/** The group's value for one second from its members' request counts (idle members as 0). */
export function aggregate(aggregation: GroupAggregation, counts: readonly number[]): number {
  if (counts.length === 0) return 0;
  let sum = 0;
  let max = 0;
  for (const c of counts) {
    sum += c;
    if (c > max) max = c;
  }
  if (aggregation === "SUM") return sum;
  if (aggregation === "MEAN") return sum / counts.length;
  return max;
}

/** Requests per second above which a member is affected by a loud second of its group. */
export function memberThreshold(aggregation: GroupAggregation, groupThreshold: number, memberCount: number): number {
  return aggregation === "SUM" ? groupThreshold / Math.max(1, memberCount) : groupThreshold;
}

/** One event of a protection group (combined traffic; times in epoch ms). */
export interface GroupEvent {
  startTime: number;
  /** Absent while the event lasts. */
  endTime?: number;
  thresholdRps: number;
  baselineRps: number;
  /** Combined requests per second during the event: total, peak, seconds counted. */
  requests: { sum: number; max: number; seconds: number };
}

export interface GroupVerdict {
  /** The second was above the group's threshold (a pending run or an event). */
  loud: boolean;
  /** The threshold the second was judged against (frozen during an event). */
  threshold: number;
  /** The group is in an event after this second (begun by it, or still going on). */
  inEvent: boolean;
}

export class GroupDetector {
  private readonly baseline: QuantileWindow;
  private pending: number[] = [];
  private pendingStart = 0;
  private quiet: number[] = [];
  private quietStart = 0;
  event: GroupEvent | undefined;
  /** The most recent event that ended. */
  lastEvent: GroupEvent | undefined;

  constructor(
    public spec: ProtectionGroupSpec,
    private readonly s: DetectionSettings,
  ) {
    this.baseline = new QuantileWindow(s.baselineSeconds);
  }

  /** Combined requests per second above which a second is loud, right now. */
  threshold(): number {
    return Math.max(this.s.multiplier * this.baseline.quantile(BASELINE_QUANTILE), this.s.minRequestsPerSecond);
  }

  /** Judges the second starting at `start` whose combined value is `value`. */
  close(start: number, value: number): GroupVerdict {
    const e = this.event;
    if (e) return this.closeInEvent(e, start, value);
    // A second without requests is never loud, whatever the settings.
    const threshold = this.threshold();
    if (value > 0 && value > threshold) {
      if (this.pending.length === 0) this.pendingStart = start;
      this.pending.push(value);
      if (this.pending.length >= this.s.sustainSeconds) this.begin(threshold);
      return { loud: true, threshold, inEvent: this.event !== undefined };
    }
    for (const p of this.pending) this.baseline.push(p);
    this.pending = [];
    this.baseline.push(value);
    return { loud: false, threshold, inEvent: false };
  }

  private begin(threshold: number): void {
    let sum = 0;
    let max = 0;
    for (const p of this.pending) {
      sum += p;
      if (p > max) max = p;
    }
    this.event = { startTime: this.pendingStart, thresholdRps: threshold, baselineRps: this.baseline.quantile(BASELINE_QUANTILE), requests: { sum, max, seconds: this.pending.length } };
    this.pending = [];
  }

  private closeInEvent(e: GroupEvent, start: number, value: number): GroupVerdict {
    const threshold = e.thresholdRps;
    if (value > threshold) {
      // The quiet seconds in between belonged to the event after all.
      for (const q of this.quiet) {
        e.requests.sum += q;
        e.requests.seconds++;
      }
      this.quiet = [];
      e.requests.sum += value;
      e.requests.seconds++;
      if (value > e.requests.max) e.requests.max = value;
      return { loud: true, threshold, inEvent: true };
    }
    if (this.quiet.length === 0) this.quietStart = start;
    this.quiet.push(value);
    if (this.quiet.length < this.s.cooldownSeconds) return { loud: false, threshold, inEvent: true };
    e.endTime = this.quietStart;
    for (const q of this.quiet) this.baseline.push(q);
    this.quiet = [];
    this.event = undefined;
    this.lastEvent = e;
    return { loud: false, threshold, inEvent: false };
  }
}
