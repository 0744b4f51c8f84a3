import { test } from "node:test";
import assert from "node:assert/strict";
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
