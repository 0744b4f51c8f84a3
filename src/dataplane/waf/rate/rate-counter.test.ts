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
