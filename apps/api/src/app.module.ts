import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

import { ApolloDriver, type ApolloDriverConfig } from '@nestjs/apollo';
import { Module, type DynamicModule } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { GraphQLModule } from '@nestjs/graphql';
import { ServeStaticModule } from '@nestjs/serve-static';
import { TypeOrmModule } from '@nestjs/typeorm';
import { LoggerModule } from 'nestjs-pino';

import { AuthModule, TokenService } from '@finserve/api/auth';
import { AppConfig, AppConfigModule } from '@finserve/api/core';
import { buildDataSourceOptions } from '@finserve/api/database';
import { HealthModule } from '@finserve/api/health';

import { ENTITIES } from './entities';
import { graphqlConfig } from './graphql.config';
import { loggingConfig } from './logging.config';

export interface AppModuleOptions {
  config: AppConfig;
  databaseUrl: string;
}

/** Composes the feature libraries; holds no feature code itself. */
@Module({})
export class AppModule {
  static forRoot({ config, databaseUrl }: AppModuleOptions): DynamicModule {
    const webDist = resolve(config.WEB_DIST_DIR);
    return {
      module: AppModule,
      imports: [
        AppConfigModule.forRoot(config),
        LoggerModule.forRoot(loggingConfig(config)),
        TypeOrmModule.forRoot({
          ...buildDataSourceOptions({ url: databaseUrl, entities: ENTITIES, migrations: [] }),
          retryAttempts: 3,
        }),
        GraphQLModule.forRootAsync<ApolloDriverConfig>({
          driver: ApolloDriver,
          imports: [AuthModule],
          inject: [AppConfig, TokenService, HttpAdapterHost],
          useFactory: graphqlConfig,
        }),
        AuthModule,
        HealthModule,
        // The built web app, same origin as the API, once it exists.
        ...(existsSync(webDist)
          ? [
              ServeStaticModule.forRoot({
                rootPath: webDist,
                exclude: ['/graphql{*path}', '/health{*path}'],
              }),
            ]
          : []),
      ],
    };
  }
}
