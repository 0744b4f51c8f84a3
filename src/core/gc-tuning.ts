/**
 * Two V8 garbage-collector heuristics that misjudge a server answering thousands of small
 * requests a second, set for `bulwark serve` at start (process-wide, worker threads included).
 *
 * Allocation-site pretenuring. V8 samples, per object-literal allocation site, how many of the
 * objects made since the last young-generation collection are still alive at the next one; a
 * site where nearly all are ("found/created" ratio ≥ 0.85) is marked "tenure" and its objects
 * are from then on allocated directly in the old generation. Request-scoped literals (the
 * pipeline's per-request state, decoded inputs, KMS key-use options) are alive at such a moment
 * whenever a young collection falls while their requests are in flight: with tens of requests in
 * flight V8 tenured ~50 of them, and every request then left ~300 bytes of garbage in the old
 * generation (3.6 MB/s at 12,000 KMS requests/s), collected only by full collections. Off
 * (`--no-allocation-site-pretenuring`), they die young as they should: the old generation grows
 * ~0.3 MB/s under the same load, so full collections (below) become rare.
 *
 * Heap growth. After each full (mark-compact) collection V8 sets the old generation's next limit
 * to what survived times a growing factor it derives from how fast it collects compared with how
 * fast the program allocates: the faster it collects, the closer the limit (down to 1.1×), aiming
 * at 97 % of the time for the program. That budget counts total time, not pauses: under load V8
 * ran a full collection every 2–4 s, each stopping the event loop for 10–30 ms (its final pause
 * and the marking steps the main thread takes), which every request in flight waits out. A fixed
 * factor of 1 + percent/100 spaces them out in proportion (the default, 300: the limit at four
 * times what survived, V8's own upper bound for large heaps), for memory: the old generation may
 * hold up to that multiple of live data before it is collected.
 *
 * Both are V8 flags read when the collector decides (`--heap-growing-percent` at each full
 * collection; pretenuring feedback at each young collection, and by code compiled afterwards),
 * so setting them at run time takes effect; set them before the application is loaded, so no
 * code is compiled with a pretenuring decision in it.
 */
import v8 from "node:v8";

export const DEFAULT_HEAP_GROWTH_PERCENT = 300;

export interface GcTuning {
  /** 0 leaves V8's own heap growing heuristics. */
  heapGrowthPercent: number;
  /** V8's allocation-site pretenuring (its default, on) or not. */
  pretenuring: boolean;
}

/** Call once, at start, from the process's entry point, before the application is imported. */
export function applyGcTuning(t: GcTuning): void {
  const { heapGrowthPercent: percent } = t;
  if (!Number.isInteger(percent) || percent < 0) throw new RangeError(`heap growth percent must be a whole number of at least 0, got ${percent}`);
  if (percent > 0) v8.setFlagsFromString(`--heap-growing-percent=${percent}`);
  if (!t.pretenuring) v8.setFlagsFromString("--no-allocation-site-pretenuring");
}
