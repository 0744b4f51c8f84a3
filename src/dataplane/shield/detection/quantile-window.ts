/**
 * Quantiles of the last N values of a series (requests per second), in bounded memory and
 * O(1) per value: a ring holds the raw values so the oldest can be taken out again, and a
 * log-scaled histogram answers quantiles by a scan of its few hundred bins.
 *
 * Bins: values below 64 are exact; above, each bin spans a factor 2^(1/8) (≈ 9 %), and a
 * quantile reports the upper edge of its bin, so estimates err on the high side (a higher
 * baseline means fewer false alarms, never more).
 */

const EXACT = 64;
const STEPS_PER_DOUBLING = 8;
/** Enough bins for every uint32 value: 64 + 8 × log2(2^32 / 64). */
const BIN_COUNT = EXACT + STEPS_PER_DOUBLING * 26 + 1;
const MAX_VALUE = 0xffffffff;

function binOf(v: number): number {
  if (v < EXACT) return v;
  return Math.min(BIN_COUNT - 1, EXACT + Math.floor(STEPS_PER_DOUBLING * Math.log2(v / EXACT)));
}

function upperEdge(bin: number): number {
  if (bin < EXACT) return bin;
  return Math.ceil(EXACT * 2 ** ((bin - EXACT + 1) / STEPS_PER_DOUBLING));
}

export class QuantileWindow {
  private readonly ring: Uint32Array;
  private readonly bins = new Uint32Array(BIN_COUNT);
  private next = 0;
  private filled = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError("capacity must be a positive integer");
    this.ring = new Uint32Array(capacity);
  }

  /** Values currently in the window. */
  get size(): number {
    return this.filled;
  }

  push(value: number): void {
    const v = Math.min(MAX_VALUE, Math.max(0, Math.round(value)));
    if (this.filled === this.capacity) {
      const old = this.ring[this.next] as number;
      this.bins[binOf(old)]! -= 1;
    } else {
      this.filled++;
    }
    this.ring[this.next] = v;
    this.bins[binOf(v)]! += 1;
    this.next = (this.next + 1) % this.capacity;
  }

  /** The q-quantile (0 < q ≤ 1) of the window, rounded up to its bin's edge; 0 when empty. */
  quantile(q: number): number {
    if (this.filled === 0) return 0;
    const rank = Math.max(1, Math.ceil(q * this.filled));
    let seen = 0;
    for (let b = 0; b < BIN_COUNT; b++) {
      seen += this.bins[b] as number;
      if (seen >= rank) return upperEdge(b);
    }
    return upperEdge(BIN_COUNT - 1);
  }
}
