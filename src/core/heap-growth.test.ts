import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { applyHeapGrowth, DEFAULT_HEAP_GROWTH_PERCENT } from "./heap-growth.js";

const MODULE = fileURLToPath(new URL("./heap-growth.js", import.meta.url));

/**
 * Full collections in a child process that keeps ~40 MB alive and lets a stream of objects age
 * into the old generation and die there (what a loaded server does), with the setting applied at
 * run time as `bulwark serve` applies it.
 */
function fullCollections(percent: number): number {
  const script = `
    import { applyHeapGrowth } from ${JSON.stringify(MODULE)};
    import { PerformanceObserver, constants } from "node:perf_hooks";
    applyHeapGrowth(${percent});
    let majors = 0;
    const obs = new PerformanceObserver((l) => { for (const e of l.getEntries()) if (e.detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) majors++; });
    obs.observe({ entryTypes: ["gc"] });
    const live = [];
    for (let i = 0; i < 300000; i++) live.push({ a: i, b: "x" + i, c: [i] });
    const ring = new Array(400000);
    for (let i = 0; i < 8000000; i++) ring[i % ring.length] = { i, s: "y" + i, d: [i, i] };
    setTimeout(() => { obs.disconnect(); process.stdout.write(String(majors)); }, 50);
  `;
  return Number(execFileSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" }));
}

test("heap growth: a larger percent means fewer full collections for the same allocations; 0 leaves V8's heuristics", () => {
  const own = fullCollections(0);
  const wide = fullCollections(1000);
  const tight = fullCollections(10);
  // V8's own factor is at most 4 (300 %): a factor of 11 collects less often, one of 1.1 more often.
  assert.ok(wide < own, `1000 %: ${wide} full collections, V8's own heuristics: ${own}`);
  assert.ok(tight > own, `10 %: ${tight} full collections, V8's own heuristics: ${own}`);
});

test("heap growth: the default is V8's upper bound; bad values are refused", () => {
  assert.equal(DEFAULT_HEAP_GROWTH_PERCENT, 300);
  assert.throws(() => applyHeapGrowth(-1), RangeError);
  assert.throws(() => applyHeapGrowth(1.5), RangeError);
});
