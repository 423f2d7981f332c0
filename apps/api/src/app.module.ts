import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

import { Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { ServeStaticModule } from '@nestjs/serve-static';
import { TypeOrmModule } from '@nestjs/typeorm';
import { LoggerModule } from 'nestjs-pino';

import { AuthModule } from '@finserve/api/auth';
import { ChatModule } from '@finserve/api/chat';
import { AppConfig, Clock, CoreModule, DomainErrorHttpFilter } from '@finserve/api/core';
import { buildDataSourceOptions } from '@finserve/api/database';
import { DemoModule } from '@finserve/api/demo';
import { GraphqlTransportModule } from '@finserve/api/graphql';
import { HealthModule } from '@finserve/api/health';
import { OAuthModule } from '@finserve/api/oauth';
import { PaymentsModule } from '@finserve/api/payments';
import { SignalingModule } from '@finserve/api/signaling';
import { SocialModule } from '@finserve/api/social';
import { StatsModule } from '@finserve/api/stats';
import { StreamsModule } from '@finserve/api/streams';
import { TipsModule } from '@finserve/api/tips';
import { ViewersModule } from '@finserve/api/viewers';
import { WebhooksModule } from '@finserve/api/webhooks';

import { ENTITIES } from './entities';
import { loggingConfig } from './logging.config';

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
        GraphqlTransportModule.forRoot(),
        AuthModule,
        StreamsModule,
        ViewersModule,
        StatsModule,
        ChatModule,
        TipsModule,
        PaymentsModule,
        SignalingModule,
        SocialModule,
        WebhooksModule,
        OAuthModule,
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
                  '/webhooks{*path}',
                  '/payments{*path}',
                  '/whip{*path}',
                  '/whep{*path}',
                  '/recordings{*path}',
                  '/thumbnails{*path}',
                  '/schema.graphql',
                  // The OAuth endpoints; /oauth/consent is the web app's page.
                  '/.well-known{*path}',
                  '/oauth/authorize{*path}',
                  '/oauth/token',
                  '/oauth/revoke',
                  '/oauth/jwks',
                  '/oauth/interaction{*path}',
                ],
              }),
            ]
          : []),
      ],
      providers: [{ provide: APP_FILTER, useClass: DomainErrorHttpFilter }],
    };
  }
}
