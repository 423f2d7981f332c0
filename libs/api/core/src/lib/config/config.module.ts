import { EventEmitter } from 'node:events';

import {
  Global,
  Inject,
  Injectable,
  Module,
  type DynamicModule,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { PubSub } from 'graphql-subscriptions';

import { Clock } from '../clock/clock';
import { PUB_SUB, type EventBus } from '../pubsub/pubsub';
import { RedisEventBus } from '../pubsub/redis-event-bus';
import { rateLimitProviders, REDIS } from '../rate-limit/rate-limit.providers';
import { RATE_LIMITER } from '../rate-limit/rate-limiter';
import { AppConfig } from './app-config';

export interface CoreOptions {
  config: AppConfig;
  /** Defaults to the system clock; tests pass a controllable one. */
  clock?: Clock;
  /** Defaults to the in-memory bus (one process). */
  bus?: EventBus;
}

/**
 * Makes the validated AppConfig, the Clock, the event bus (PUB_SUB: Redis with REDIS_URL), the rate limiter
 * (RATE_LIMITER) and the Redis connection (REDIS, null without REDIS_URL) injectable everywhere.
 */
/** One process's bus: one listener per subscriber on a stream's channel, thousands of them. */
function inMemoryBus(): EventBus {
  const eventEmitter = new EventEmitter();
  eventEmitter.setMaxListeners(0);
  return new PubSub({ eventEmitter });
}

/** Closes the Redis connections of the event bus at shutdown. */
@Injectable()
export class EventBusShutdown implements OnApplicationShutdown {
  constructor(@Inject(PUB_SUB) private readonly bus: EventBus) {}

  async onApplicationShutdown(): Promise<void> {
    if (this.bus instanceof RedisEventBus) await this.bus.close();
  }
}

@Global()
@Module({})
export class CoreModule {
  static forRoot({ config, clock, bus }: CoreOptions): DynamicModule {
    return {
      module: CoreModule,
      providers: [
        { provide: AppConfig, useValue: config },
        { provide: Clock, useValue: clock ?? new Clock() },
        {
          // Redis between instances when REDIS_URL is set; in memory (one process) otherwise.
          provide: PUB_SUB,
          useFactory: (): EventBus =>
            bus ?? (config.REDIS_URL ? RedisEventBus.connect(config.REDIS_URL) : inMemoryBus()),
        },
        EventBusShutdown,
        ...rateLimitProviders,
      ],
      exports: [AppConfig, Clock, PUB_SUB, RATE_LIMITER, REDIS],
    };
  }
}
