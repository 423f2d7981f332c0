import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationShutdown,
  type Provider,
} from '@nestjs/common';
import { Redis } from 'ioredis';

import { AppConfig } from '../config/app-config';
import {
  InMemoryRateLimiter,
  RATE_LIMITER,
  RedisRateLimiter,
  type RateLimiter,
} from './rate-limiter';

/** The Redis connection of REDIS_URL (null without it). Reconnects by itself; fails fast while down. */
export const REDIS = Symbol('REDIS');

@Injectable()
export class RedisShutdown implements OnApplicationShutdown {
  constructor(@Inject(REDIS) private readonly redis: Redis | null) {}

  async onApplicationShutdown(): Promise<void> {
    await this.redis?.quit().catch(() => this.redis?.disconnect());
  }
}

/**
 * A limiter that lets requests through (and logs) when the shared store is unreachable: limits
 * protect the service, and money and messages are guarded by PostgreSQL anyway.
 */
class FailOpenRateLimiter implements RateLimiter {
  private readonly logger = new Logger('RateLimiter');
  private lastWarning = 0;

  constructor(private readonly inner: RateLimiter) {}

  async consume(...args: Parameters<RateLimiter['consume']>): ReturnType<RateLimiter['consume']> {
    try {
      return await this.inner.consume(...args);
    } catch (error) {
      if (Date.now() - this.lastWarning > 10_000) {
        this.lastWarning = Date.now();
        this.logger.warn(`rate limiter unavailable, letting requests through: ${String(error)}`);
      }
      return { allowed: true, retryAfterSeconds: 0, remaining: args[1].capacity, resetSeconds: 0 };
    }
  }
}

export const rateLimitProviders: Provider[] = [
  {
    provide: REDIS,
    inject: [AppConfig],
    useFactory: (config: AppConfig): Redis | null => {
      if (!config.REDIS_URL) return null;
      const redis = new Redis(config.REDIS_URL, {
        maxRetriesPerRequest: 1,
        enableOfflineQueue: false,
        connectionName: 'finserve-api',
      });
      // Reconnects by itself; say so once in a while instead of an unhandled-error dump each time.
      const logger = new Logger('Redis');
      let lastWarning = 0;
      redis.on('error', (error: Error) => {
        if (Date.now() - lastWarning < 10_000) return;
        lastWarning = Date.now();
        logger.warn(`Redis unavailable, reconnecting: ${error.message}`);
      });
      return redis;
    },
  },
  {
    provide: RATE_LIMITER,
    inject: [REDIS],
    useFactory: (redis: Redis | null): RateLimiter =>
      redis ? new FailOpenRateLimiter(new RedisRateLimiter(redis)) : new InMemoryRateLimiter(),
  },
  RedisShutdown,
];
