/**
 * Redis RateCounter, shared by every Bulwark node: one hash per key holding 10-second bucket
 * counts, updated and summed atomically by a Lua script (HINCRBY the current bucket, drop
 * buckets older than the window, sum the rest). Keys expire after the window, so idle keys
 * cost nothing. Same contract and granularity as the local counter. Members flagged over their
 * limit are one sorted set per rule instance (member → when last flagged), so every node sees
 * the addresses any node blocked; a node sends a member's flag at most every FLAG_EVERY_MS.
 */
import { createHash } from "node:crypto";
import { Redis } from "ioredis";
import { keepStringPrototypeFast } from "../../../core/string-prototype.js";
import type { RateCounter } from "../types.js";
import { BUCKET_MS, MAX_FLAGGED, oldestBucket } from "./local-rate-counter.js";

// ioredis defines a class extending String when it loads, which leaves String.prototype slow.
keepStringPrototypeFast();

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

// Flag a member, keep the newest MAX_FLAGGED, expire with the window.
const FLAG_SCRIPT = `
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])
redis.call('ZREMRANGEBYRANK', KEYS[1], 0, -(tonumber(ARGV[4]) + 1))
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
`;

/** A member flagged again within this many ms is not sent again (its entry is still recent). */
const FLAG_EVERY_MS = 5_000;
/** Members whose last flag time a node remembers before it starts over. */
const MAX_SENT = 100_000;

type RateRedis = Redis & {
  bulwarkRate(key: string, now: number, oldest: number, ttl: number): Promise<number>;
  bulwarkFlag(key: string, now: number, member: string, ttlMs: number, keep: number): Promise<number>;
};

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
  client.defineCommand("bulwarkFlag", { numberOfKeys: 1, lua: FLAG_SCRIPT });
  const prefix = opts.keyPrefix ?? "bulwark:waf:rate:";
  const flagsKey = (instance: string): string => prefix + "flags:" + createHash("sha256").update(instance).digest("base64url").slice(0, 32);
  const sent = new Map<string, number>();
  return {
    async add(key, windowSeconds, now) {
      const b = Math.floor(now / BUCKET_MS);
      const n = await client.bulwarkRate(prefix + key, b, oldestBucket(b, windowSeconds), windowSeconds + 20);
      return Number(n);
    },
    async peek(key, windowSeconds, now) {
      const b = Math.floor(now / BUCKET_MS);
      const oldest = oldestBucket(b, windowSeconds);
      const buckets = await client.hgetall(prefix + key);
      let total = 0;
      for (const [id, count] of Object.entries(buckets)) {
        const n = Number(id);
        if (n >= oldest && n <= b) total += Number(count);
      }
      return total;
    },
    flag(instance, member, windowSeconds, now) {
      const id = instance + "\u0000" + member;
      const last = sent.get(id);
      if (last !== undefined && now - last >= 0 && now - last < FLAG_EVERY_MS) return;
      if (sent.size >= MAX_SENT) sent.clear();
      sent.set(id, now);
      // A failure is the connection's, reported through onError; the next flag tries again.
      client.bulwarkFlag(flagsKey(instance), now, member, windowSeconds * 1000 + 20_000, MAX_FLAGGED).catch(() => sent.delete(id));
    },
    async flagged(instance, windowSeconds, now) {
      return client.zrangebyscore(flagsKey(instance), `(${now - windowSeconds * 1000}`, "+inf");
    },
    async close() {
      await client.quit();
    },
  };
}
