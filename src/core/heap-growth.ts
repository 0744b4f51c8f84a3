/**
 * How often V8 runs a full (mark-compact) collection under sustained load.
 *
 * After each full collection V8 sets the old generation's next limit to what survived times a
 * growing factor it derives from how fast it collects compared with how fast the program
 * allocates: the faster it collects, the closer the limit (down to 1.1×), aiming at 97 % of the
 * time for the program. That budget counts total time, not pauses. A server answering thousands
 * of requests a second moves a steady trickle of objects into the old generation (about 1 MB/s
 * at 12,000 KMS requests/s on one core); with the factor near its floor V8 then runs a full
 * collection every 2–4 s, and each one stops the event loop for 10–30 ms (its final pause and the
 * marking steps the main thread takes), which every request in flight waits out.
 *
 * A fixed factor of 1 + percent/100 spaces them out in proportion (the default, 300: the limit
 * at four times what survived, V8's own upper bound for large heaps), for memory: the old
 * generation may hold up to that multiple of live data before it is collected. The setting is
 * V8's `--heap-growing-percent`, read at each full collection, so it takes effect from the next
 * one when set at run time; it applies to the whole process (worker threads included).
 */
import v8 from "node:v8";

export const DEFAULT_HEAP_GROWTH_PERCENT = 300;

/** 0 leaves V8's own heuristics. Call once, at start, from the process's entry point. */
export function applyHeapGrowth(percent: number): void {
  if (!Number.isInteger(percent) || percent < 0) throw new RangeError(`heap growth percent must be a whole number of at least 0, got ${percent}`);
  if (percent === 0) return;
  v8.setFlagsFromString(`--heap-growing-percent=${percent}`);
}
