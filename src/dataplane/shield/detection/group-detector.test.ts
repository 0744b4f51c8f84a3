import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { aggregate, GroupDetector, memberThreshold } from "./group-detector.js";
import { resolveDetectionSettings } from "./settings.js";
import type { ProtectionGroupSpec } from "./types.js";

const SETTINGS = resolveDetectionSettings({ baselineSeconds: 20, multiplier: 3, minRequestsPerSecond: 50, sustainSeconds: 3, cooldownSeconds: 2 });
const SPEC: ProtectionGroupSpec = { accountId: "111122223333", protectionGroupId: "tier", aggregation: "SUM", pattern: "ALL" };

describe("protection group aggregation", () => {
  test("SUM adds, MEAN divides by every member (idle ones count), MAX takes the busiest", () => {
    assert.equal(aggregate("SUM", [10, 0, 30, 20]), 60);
    assert.equal(aggregate("MEAN", [10, 0, 30, 20]), 15);
    assert.equal(aggregate("MAX", [10, 0, 30, 20]), 30);
    for (const a of ["SUM", "MEAN", "MAX"] as const) assert.equal(aggregate(a, []), 0, `${a} of no members`);
  });

  test("a member is affected above its share of the group's threshold", () => {
    assert.equal(memberThreshold("SUM", 120, 4), 30);
    assert.equal(memberThreshold("SUM", 120, 0), 120);
    assert.equal(memberThreshold("MEAN", 120, 4), 120);
    assert.equal(memberThreshold("MAX", 120, 4), 120);
    // Whenever the group value is above its threshold, some member is above its share.
    const members = [[5, 70, 0], [40, 40, 41], [0, 0, 121]];
    for (const a of ["SUM", "MEAN", "MAX"] as const) {
      for (const counts of members) {
        const thr = aggregate(a, counts) - 1;
        assert.ok(counts.some((c) => c > memberThreshold(a, thr, counts.length)), `${a} ${counts.join(",")}`);
      }
    }
  });
});

describe("GroupDetector", () => {
  const T0 = Date.UTC(2024, 0, 1);
  const feed = (g: GroupDetector, values: number[], from: number) => values.map((v, i) => g.close(T0 + (from + i) * 1000, v));

  test("baseline, threshold, sustain: a sustained loud run is an event starting at its first second", () => {
    const g = new GroupDetector(SPEC, SETTINGS);
    assert.equal(g.threshold(), 50, "an empty baseline is judged against the floor alone");
    feed(g, Array(20).fill(30), 0);
    assert.equal(g.threshold(), 90, "3 × p99 of 30");
    const v = feed(g, [100, 100], 20);
    assert.deepEqual(v, [{ loud: true, threshold: 90, inEvent: false }, { loud: true, threshold: 90, inEvent: false }]);
    assert.equal(g.event, undefined);
    assert.deepEqual(g.close(T0 + 22_000, 200), { loud: true, threshold: 90, inEvent: true });
    assert.deepEqual(g.event, { startTime: T0 + 20_000, thresholdRps: 90, baselineRps: 30, requests: { sum: 400, max: 200, seconds: 3 } });
  });

  test("the threshold is frozen during the event; the cooldown ends it at the first quiet second; event seconds never teach the baseline", () => {
    const g = new GroupDetector(SPEC, SETTINGS);
    feed(g, Array(20).fill(30), 0);
    feed(g, [100, 100, 100, 100], 20);
    assert.ok(g.event);
    // One quiet second, then loud again: the quiet second belongs to the event.
    assert.deepEqual(g.close(T0 + 24_000, 40), { loud: false, threshold: 90, inEvent: true });
    assert.deepEqual(g.close(T0 + 25_000, 95), { loud: true, threshold: 90, inEvent: true });
    assert.deepEqual(g.event?.requests, { sum: 535, max: 100, seconds: 6 });
    feed(g, [30, 30], 26);
    assert.equal(g.event, undefined);
    assert.deepEqual(g.lastEvent, { startTime: T0 + 20_000, endTime: T0 + 26_000, thresholdRps: 90, baselineRps: 30, requests: { sum: 535, max: 100, seconds: 6 } });
    assert.equal(g.threshold(), 90, "the flood did not raise the baseline");
  });

  test("a short spike is learned; seconds without traffic are never loud", () => {
    const g = new GroupDetector(SPEC, resolveDetectionSettings({ ...SETTINGS, minRequestsPerSecond: 0 }));
    assert.deepEqual(g.close(T0, 0), { loud: false, threshold: 0, inEvent: false });
    feed(g, [500, 500], 1);
    g.close(T0 + 3000, 0);
    assert.equal(g.event, undefined);
    assert.ok(g.threshold() >= 3 * 500, "the spike joined the baseline");
  });
});
