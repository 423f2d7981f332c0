import type { Redis } from 'ioredis';

export interface TokenBucket {
  /** Most tokens the bucket holds (the allowed burst). */
  capacity: number;
  /** Tokens added per second. */
  refillPerSecond: number;
}

export interface RateDecision {
  allowed: boolean;
  /** When refused: seconds until one token is available (rounded up, at least 1). */
  retryAfterSeconds: number;
  /** Whole tokens left after this call (for RateLimit-Remaining). */
  remaining: number;
  /** Seconds until the bucket is full again (for RateLimit-Reset). */
  resetSeconds: number;
}

/**
 * Token-bucket rate limiting by key. Injected (RATE_LIMITER); the Redis implementation shares the
 * buckets between API instances, the in-memory one serves a single process.
 */
export interface RateLimiter {
  consume(key: string, bucket: TokenBucket): Promise<RateDecision>;
}

export const RATE_LIMITER = Symbol('RATE_LIMITER');

const decision = (
  allowed: boolean,
  waitMs: number,
  tokens: number,
  { capacity, refillPerSecond }: TokenBucket,
): RateDecision => ({
  allowed,
  retryAfterSeconds: allowed ? 0 : Math.max(1, Math.ceil(waitMs / 1000)),
  remaining: Math.max(0, Math.floor(tokens)),
  resetSeconds: Math.max(0, Math.ceil((capacity - tokens) / refillPerSecond)),
});

export class InMemoryRateLimiter implements RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly now: () => number = () => performance.timeOrigin + performance.now(),
  ) {}

  consume(key: string, bucketSpec: TokenBucket): Promise<RateDecision> {
    const { capacity, refillPerSecond } = bucketSpec;
    const now = this.now();
    const perMs = refillPerSecond / 1000;
    const bucket = this.buckets.get(key) ?? { tokens: capacity, at: now };
    const tokens = Math.min(capacity, bucket.tokens + (now - bucket.at) * perMs);
    if (tokens >= 1) {
      this.buckets.set(key, { tokens: tokens - 1, at: now });
      this.evictFull(now);
      return Promise.resolve(decision(true, 0, tokens - 1, bucketSpec));
    }
    this.buckets.set(key, { tokens, at: now });
    return Promise.resolve(decision(false, (1 - tokens) / perMs, tokens, bucketSpec));
  }

  /** Buckets that refilled completely carry no information: drop them now and then. */
  private evictFull(now: number): void {
    if (this.buckets.size < 10_000) return;
    for (const [key, bucket] of this.buckets) {
      if (now - bucket.at > 3_600_000) this.buckets.delete(key);
    }
  }
}

/** One atomic script per call; time from the Redis server, so instances' clocks do not matter. */
const TOKEN_BUCKET_LUA = `
local capacity = tonumber(ARGV[1])
local per_ms = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1])
local at = tonumber(state[2])
if tokens == nil then tokens = capacity; at = now end
tokens = math.min(capacity, tokens + math.max(0, now - at) * per_ms)
local allowed = 0
local wait = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
else
  wait = math.ceil((1 - tokens) / per_ms)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', now)
redis.call('PEXPIRE', KEYS[1], math.ceil(capacity / per_ms) + 1000)
return { allowed, wait, tostring(tokens) }
`;

export class RedisRateLimiter implements RateLimiter {
  constructor(
    private readonly redis: Redis,
    private readonly prefix = 'finserve:rl:',
  ) {
    redis.defineCommand('finserveTokenBucket', { numberOfKeys: 1, lua: TOKEN_BUCKET_LUA });
  }

  async consume(key: string, bucket: TokenBucket): Promise<RateDecision> {
    const { capacity, refillPerSecond } = bucket;
    const run = (
      this.redis as unknown as Record<
        string,
        (...args: unknown[]) => Promise<[number, number, string]>
      >
    )['finserveTokenBucket'];
    const [allowed, waitMs, tokens] = await run.call(
      this.redis,
      `${this.prefix}${key}`,
      capacity,
      refillPerSecond / 1000,
    );
    return decision(allowed === 1, waitMs, Number(tokens), bucket);
  }
}
