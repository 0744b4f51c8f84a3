import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { applyGcTuning, DEFAULT_HEAP_GROWTH_PERCENT } from "./gc-tuning.js";

const MODULE = fileURLToPath(new URL("./gc-tuning.js", import.meta.url));

/** Runs `body` in a child process after applyGcTuning(tuning), at run time as `bulwark serve` does. */
function child(tuning: { heapGrowthPercent: number; pretenuring: boolean }, body: string, nodeFlags: string[] = []): string {
  const script = `import { applyGcTuning } from ${JSON.stringify(MODULE)};\napplyGcTuning(${JSON.stringify(tuning)});\n${body}`;
  return execFileSync(process.execPath, [...nodeFlags, "--input-type=module", "-e", script], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
}

/**
 * Full collections when ~40 MB stays alive and a stream of objects ages into the old generation
 * and dies there (what a loaded server does).
 */
function fullCollections(heapGrowthPercent: number): number {
  const out = child(
    { heapGrowthPercent, pretenuring: true },
    `import { PerformanceObserver, constants } from "node:perf_hooks";
    let majors = 0;
    const obs = new PerformanceObserver((l) => { for (const e of l.getEntries()) if (e.detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) majors++; });
    obs.observe({ entryTypes: ["gc"] });
    const live = [];
    for (let i = 0; i < 300000; i++) live.push({ a: i, b: "x" + i, c: [i] });
    const ring = new Array(400000);
    for (let i = 0; i < 8000000; i++) ring[i % ring.length] = { i, s: "y" + i, d: [i, i] };
    setTimeout(() => { obs.disconnect(); process.stdout.write(String(majors)); }, 50);`,
  );
  return Number(out);
}

test("heap growth: a larger percent means fewer full collections for the same allocations than V8's own heuristics or a smaller one", () => {
  const own = fullCollections(0);
  const wide = fullCollections(1000);
  const tight = fullCollections(10);
  // V8's own factor is between 1.1 and 4 (10 % and 300 %), depending on how fast it collects: a
  // factor of 11 collects less often than any of them, and one of 1.1 more often than one of 11.
  assert.ok(wide < own, `1000 %: ${wide} full collections, V8's own heuristics: ${own}`);
  assert.ok(tight > wide, `10 %: ${tight} full collections, 1000 %: ${wide}`);
});

test("pretenuring: an allocation site whose objects all outlive a young collection is tenured only when pretenuring is on", () => {
  // Each object lives ~1.5 young collections: at every one, all made since the last are alive.
  const body = `
    function make(i) { return { i, s: i + 1 }; }
    const ring = new Array(600000);
    for (let i = 0; i < 4000000; i++) ring[i % ring.length] = make(i);`;
  const decisions = (pretenuring: boolean): number =>
    child({ heapGrowthPercent: 0, pretenuring }, body, ["--trace-pretenuring-statistics"])
      .split("\n")
      .filter((l) => l.includes("=> tenure")).length;
  // V8 decides from allocation feedback gathered at scavenges, which a busy machine can delay past
  // the workload's end; a few runs are allowed before concluding that it no longer tenures.
  let tenured = 0;
  for (let run = 0; run < 3 && tenured === 0; run++) tenured = decisions(true);
  assert.ok(tenured > 0, "V8's pretenuring tenured no site in three runs: the workload no longer exercises it");
  assert.equal(decisions(false), 0);
});

test("gc tuning: the default heap growth is V8's upper bound; bad values are refused", () => {
  assert.equal(DEFAULT_HEAP_GROWTH_PERCENT, 300);
  assert.throws(() => applyGcTuning({ heapGrowthPercent: -1, pretenuring: true }), RangeError);
  assert.throws(() => applyGcTuning({ heapGrowthPercent: 1.5, pretenuring: true }), RangeError);
});
