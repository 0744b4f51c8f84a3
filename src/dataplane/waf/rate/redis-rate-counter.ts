/**
 * Redis RateCounter, shared by every Bulwark node: one hash per key holding 10-second bucket
 * counts, updated and summed atomically by a Lua script (HINCRBY the current bucket, drop
 * buckets older than the window, sum the rest). Keys expire after the window, so idle keys
 * cost nothing. Same contract and granularity as the local counter.
 */
import { Redis } from "ioredis";
import type { RateCounter } from "../types.js";
import { BUCKET_MS } from "./local-rate-counter.js";

const SCRIPT = `
local key = KEYS[1]
local now = tonumber(ARGV[1])
local oldest = tonumber(ARGV[2])
local ttl = tonumber(ARGV[3])
redis.call('HINCRBY', key, now, 1)
redis.call('EXPIRE', key, ttl)
local vals = redis.call('HGETALL', key)
local total = 0
for i = 1, #vals, 2 do
  local b = tonumber(vals[i])
  if b < oldest then
    redis.call('HDEL', key, vals[i])
  elseif b <= now then
    total = total + tonumber(vals[i + 1])
  end
end
return total
`;

type RateRedis = Redis & { bulwarkRate(key: string, now: number, oldest: number, ttl: number): Promise<number> };

export interface RedisRateCounterOptions {
  keyPrefix?: string;
  /** The connection failed (once per distinct error until it is ready again), e.g. to log it. */
  onError?: (e: Error) => void;
  /** The connection is ready again after onError. */
  onReady?: () => void;
}

export function createRedisRateCounter(redisUrl: string, opts: RedisRateCounterOptions = {}): RateCounter {
  const client = new Redis(redisUrl, { lazyConnect: false, maxRetriesPerRequest: 2, enableAutoPipelining: true }) as RateRedis;
  // Without a listener ioredis prints every failed (re)connection to stderr itself, with a stack
  // trace, outside the JSON log; one report per distinct error is enough while it keeps retrying.
  let failing: string | undefined;
  client.on("error", (e: Error) => {
    if (e.message === failing) return;
    failing = e.message;
    opts.onError?.(e);
  });
  client.on("ready", () => {
    if (failing === undefined) return;
    failing = undefined;
    opts.onReady?.();
  });
  client.defineCommand("bulwarkRate", { numberOfKeys: 1, lua: SCRIPT });
  const prefix = opts.keyPrefix ?? "bulwark:waf:rate:";
  return {
    async add(key, windowSeconds, now) {
      const b = Math.floor(now / BUCKET_MS);
      const oldest = b - Math.ceil((windowSeconds * 1000) / BUCKET_MS) + 1;
      const n = await client.bulwarkRate(prefix + key, b, oldest, windowSeconds + 20);
      return Number(n);
    },
    async close() {
      await client.quit();
    },
  };
}
