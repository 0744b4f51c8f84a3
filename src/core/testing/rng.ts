/**
 * A small deterministic random source for generated test inputs (xorshift32): the same seed gives
 * the same sequence on every run, so a failing generated case can be reproduced.
 */
export function rng(seed: number): () => number {
  let x = seed || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x1_0000_0000;
  };
}
