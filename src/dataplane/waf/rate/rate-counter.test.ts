import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:net";
import { rateCounterContract } from "./rate-counter-contract.js";
import { createLocalRateCounter } from "./local-rate-counter.js";
import { createRedisRateCounter } from "./redis-rate-counter.js";

rateCounterContract("local", () => createLocalRateCounter());

// Redis runs only where a server is configured (CI sets BULWARK_TEST_REDIS_URL in .ci/run).
const redisUrl = process.env.BULWARK_TEST_REDIS_URL ?? process.env.REDIS_URL;
rateCounterContract("redis", () => createRedisRateCounter(redisUrl ?? "", { keyPrefix: "bulwark:test:rate:" }), {
  skip: redisUrl ? undefined : "set BULWARK_TEST_REDIS_URL (e.g. redis://127.0.0.1:6379) to run the Redis rate counter contract",
});

test("local counter: flagged members stay bounded per rule instance and over all of them", async () => {
  const c = createLocalRateCounter({ maxFlagged: 5, maxFlaggedTotal: 12 });
  const t = 1_700_000_000_000;
  for (let i = 0; i < 8; i++) c.flag!("a", `192.0.2.${i}`, 60, t + i);
  assert.deepEqual(await c.flagged!("a", 60, t + 10), ["192.0.2.3", "192.0.2.4", "192.0.2.5", "192.0.2.6", "192.0.2.7"], "the newest five of the instance");
  for (let i = 0; i < 5; i++) c.flag!("b", `198.51.100.${i}`, 60, t + 20 + i);
  for (let i = 0; i < 5; i++) c.flag!("c", `203.0.113.${i}`, 60, t + 30 + i);
  assert.equal(c.flaggedSize(), 12);
  assert.deepEqual(await c.flagged!("a", 60, t + 40), ["192.0.2.6", "192.0.2.7"], "the least recently flagged instance gave up its oldest");
  assert.equal((await c.flagged!("c", 60, t + 40)).length, 5);
  c.flag!("a", "192.0.2.7", 60, t + 50);
  assert.equal(c.flaggedSize(), 12, "flagging a member again does not count it twice");
  assert.deepEqual(await c.flagged!("b", 60, t + 90_000), [], "all of b's flags are older than the window");
  assert.equal(c.flaggedSize(), 7);
});

test("local counter stays bounded", async () => {
  const c = createLocalRateCounter({ maxKeys: 100 });
  for (let i = 0; i < 1000; i++) await c.add(`k${i}`, 60, 1_700_000_000_000);
  assert.ok(c.size() <= 100);
});

test("redis counter: an unreachable Redis is reported once through onError, not printed by ioredis on every retry", async (t) => {
  // A port nothing listens on: every connection attempt is refused.
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));

  const printed = t.mock.method(console, "error", () => {});
  const errors: string[] = [];
  const c = createRedisRateCounter(`redis://:s3cret@127.0.0.1:${port}`, { onError: (e) => errors.push(e.message) });
  // The request fails once its retries (three connection attempts at least) are spent.
  await assert.rejects(c.add("k", 60, 1_700_000_000_000));
  assert.deepEqual(errors, [`connect ECONNREFUSED 127.0.0.1:${port}`]);
  assert.equal(printed.mock.callCount(), 0);
  await c.close?.().catch(() => {});
});
