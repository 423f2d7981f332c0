import { Global, Module, type DynamicModule } from '@nestjs/common';
import { PubSub } from 'graphql-subscriptions';

import { Clock } from '../clock/clock';
import { PUB_SUB, type EventBus } from '../pubsub/pubsub';
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
 * Makes the validated AppConfig, the Clock, the event bus (PUB_SUB), the rate limiter
 * (RATE_LIMITER) and the Redis connection (REDIS, null without REDIS_URL) injectable everywhere.
 */
@Global()
@Module({})
export class CoreModule {
  static forRoot({ config, clock, bus }: CoreOptions): DynamicModule {
    return {
      module: CoreModule,
      providers: [
        { provide: AppConfig, useValue: config },
        { provide: Clock, useValue: clock ?? new Clock() },
        { provide: PUB_SUB, useFactory: () => bus ?? new PubSub() },
        ...rateLimitProviders,
      ],
      exports: [AppConfig, Clock, PUB_SUB, RATE_LIMITER, REDIS],
    };
  }
}
