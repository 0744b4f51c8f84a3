/** One contract suite for every RateCounter implementation (local and Redis). */
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import type { RateCounter } from "../types.js";

export function rateCounterContract(name: string, make: () => RateCounter, opts: { skip?: string } = {}): void {
  const t0 = 1_700_000_000_000 - (1_700_000_000_000 % 10_000);
  test(`${name}: counts within the window, per key`, { skip: opts.skip }, async () => {
    const c = make();
    try {
      const k = "k-" + randomUUID();
      assert.equal(await c.add(k, 60, t0), 1);
      assert.equal(await c.add(k, 60, t0 + 1_000), 2);
      assert.equal(await c.add(k, 60, t0 + 59_000), 3);
      assert.equal(await c.add("other-" + randomUUID(), 60, t0), 1);
    } finally {
      await c.close?.();
    }
  });
  test(`${name}: old buckets roll out of the window (10 s granularity)`, { skip: opts.skip }, async () => {
    const c = make();
    try {
      const k = "k-" + randomUUID();
      await c.add(k, 60, t0);
      await c.add(k, 60, t0 + 30_000);
      assert.equal(await c.add(k, 60, t0 + 60_000), 2, "the bucket at t0 is 60 s old and out");
      assert.equal(await c.add(k, 60, t0 + 95_000), 2, "t0+30 s falls out at t0+90 s");
    } finally {
      await c.close?.();
    }
  });
  test(`${name}: peek counts without recording`, { skip: opts.skip }, async () => {
    const c = make();
    try {
      const k = "k-" + randomUUID();
      assert.equal(await c.peek!(k, 60, t0), 0);
      await c.add(k, 60, t0);
      await c.add(k, 60, t0 + 20_000);
      assert.equal(await c.peek!(k, 60, t0 + 30_000), 2);
      assert.equal(await c.peek!(k, 60, t0 + 30_000), 2, "peeking again adds nothing");
      assert.equal(await c.peek!(k, 60, t0 + 65_000), 1, "the bucket at t0 is out of the window");
      assert.equal(await c.add(k, 60, t0 + 30_000), 3);
    } finally {
      await c.close?.();
    }
  });
  test(`${name}: members flagged over their limit, per instance, within the window`, { skip: opts.skip }, async () => {
    const c = make();
    try {
      const a = "acl-" + randomUUID();
      const b = "acl-" + randomUUID();
      c.flag!(a, "192.0.2.1", 60, t0);
      c.flag!(a, "2001:db8::1", 60, t0 + 40_000);
      c.flag!(b, "192.0.2.9", 60, t0);
      assert.deepEqual((await c.flagged!(a, 60, t0 + 45_000)).sort(), ["192.0.2.1", "2001:db8::1"]);
      assert.deepEqual(await c.flagged!(a, 60, t0 + 70_000), ["2001:db8::1"], "flagged 70 s ago: out of a 60 s window");
      assert.deepEqual(await c.flagged!(b, 60, t0 + 1_000), ["192.0.2.9"]);
      assert.deepEqual(await c.flagged!("acl-" + randomUUID(), 60, t0), []);
    } finally {
      await c.close?.();
    }
  });
}
