import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

import { ApolloDriver, type ApolloDriverConfig } from '@nestjs/apollo';
import { Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER, HttpAdapterHost } from '@nestjs/core';
import { GraphQLModule } from '@nestjs/graphql';
import { ServeStaticModule } from '@nestjs/serve-static';
import { TypeOrmModule } from '@nestjs/typeorm';
import { LoggerModule } from 'nestjs-pino';

import { AuthModule } from '@finserve/api/auth';
import { ChatModule } from '@finserve/api/chat';
import {
  AppConfig,
  Clock,
  CoreModule,
  DomainErrorHttpFilter,
  SchemaController,
} from '@finserve/api/core';
import { buildDataSourceOptions } from '@finserve/api/database';
import { DemoModule } from '@finserve/api/demo';
import { HealthModule } from '@finserve/api/health';
import { SignalingModule } from '@finserve/api/signaling';
import { StatsModule } from '@finserve/api/stats';
import { StreamsModule } from '@finserve/api/streams';
import { TipsModule } from '@finserve/api/tips';
import { ViewersModule } from '@finserve/api/viewers';

import { ENTITIES } from './entities';
import { GraphqlWsServer } from './graphql-ws.server';
import { graphqlConfig } from './graphql.config';
import { loggingConfig } from './logging.config';
import { WsGuard } from './ws-guard';

export interface AppModuleOptions {
  config: AppConfig;
  databaseUrl: string;
  /** Tests pass a controllable clock; the system clock otherwise. */
  clock?: Clock;
}

/** Composes the feature libraries; holds no feature code itself. */
@Module({})
export class AppModule {
  static forRoot({ config, databaseUrl, clock }: AppModuleOptions): DynamicModule {
    const webDist = resolve(config.WEB_DIST_DIR);
    return {
      module: AppModule,
      imports: [
        CoreModule.forRoot({ config, clock }),
        LoggerModule.forRoot(loggingConfig(config)),
        TypeOrmModule.forRoot({
          ...buildDataSourceOptions({ url: databaseUrl, entities: ENTITIES, migrations: [] }),
          retryAttempts: 3,
        }),
        GraphQLModule.forRootAsync<ApolloDriverConfig>({
          driver: ApolloDriver,
          inject: [AppConfig, HttpAdapterHost],
          useFactory: graphqlConfig,
        }),
        AuthModule,
        StreamsModule,
        ViewersModule,
        StatsModule,
        ChatModule,
        TipsModule,
        SignalingModule,
        DemoModule,
        HealthModule,
        // The built web app, same origin as the API, once it exists.
        ...(existsSync(webDist)
          ? [
              ServeStaticModule.forRoot({
                rootPath: webDist,
                exclude: [
                  '/graphql{*path}',
                  '/health{*path}',
                  '/whip{*path}',
                  '/whep{*path}',
                  '/recordings{*path}',
                  '/thumbnails{*path}',
                  '/schema.graphql',
                ],
              }),
            ]
          : []),
      ],
      controllers: [SchemaController],
      providers: [
        GraphqlWsServer,
        WsGuard,
        { provide: APP_FILTER, useClass: DomainErrorHttpFilter },
      ],
    };
  }
}
