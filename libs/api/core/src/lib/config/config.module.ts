import { Global, Module, type DynamicModule } from '@nestjs/common';
import { PubSub } from 'graphql-subscriptions';

import { Clock } from '../clock/clock';
import { PUB_SUB, type EventBus } from '../pubsub/pubsub';
import { AppConfig } from './app-config';

export interface CoreOptions {
  config: AppConfig;
  /** Defaults to the system clock; tests pass a controllable one. */
  clock?: Clock;
  /** Defaults to the in-memory bus (one process). */
  bus?: EventBus;
}

/** Makes the validated AppConfig, the Clock and the event bus (PUB_SUB) injectable everywhere. */
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
      ],
      exports: [AppConfig, Clock, PUB_SUB],
    };
  }
}
