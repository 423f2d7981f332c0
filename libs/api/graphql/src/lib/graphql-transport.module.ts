import { ApolloDriver, type ApolloDriverConfig } from '@nestjs/apollo';
import { Module, type DynamicModule } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { GraphQLModule } from '@nestjs/graphql';

import { AuthModule } from '@finserve/api/auth';
import { AppConfig, SchemaController } from '@finserve/api/core';
import { StreamsModule } from '@finserve/api/streams';

import { GraphqlWsServer } from './graphql-ws.server';
import { graphqlConfig } from './graphql.config';
import { OperationLimits } from './operation-limits';
import { ResponseCacheService } from './response-cache.service';
import { WsGuard } from './ws-guard';

/**
 * What HTTP and WebSocket share: the operation limits of this configuration (built once) and the
 * response cache of the public lists.
 */
@Module({
  imports: [StreamsModule],
  providers: [
    {
      provide: OperationLimits,
      inject: [AppConfig],
      useFactory: (config: AppConfig) => new OperationLimits(config),
    },
    ResponseCacheService,
  ],
  exports: [OperationLimits, ResponseCacheService],
})
export class OperationLimitsModule {}

/**
 * The GraphQL transport: Apollo on POST/GET /graphql (limits, error format, drain on shutdown)
 * and our graphql-ws server on the same path (keep-alive, message and subscription limits,
 * revocation of sockets), with one OperationLimits for both; GET /schema.graphql. The bootstrap adds
 * `graphqlSourceLimit(app.get(OperationLimits))` in front of Apollo.
 */
@Module({})
export class GraphqlTransportModule {
  static forRoot(): DynamicModule {
    return {
      module: GraphqlTransportModule,
      imports: [
        AuthModule,
        OperationLimitsModule,
        GraphQLModule.forRootAsync<ApolloDriverConfig>({
          driver: ApolloDriver,
          imports: [OperationLimitsModule],
          inject: [AppConfig, HttpAdapterHost, OperationLimits, ResponseCacheService],
          useFactory: graphqlConfig,
        }),
      ],
      // GET /schema.graphql: the served SDL.
      controllers: [SchemaController],
      providers: [GraphqlWsServer, WsGuard],
      exports: [OperationLimitsModule, GraphqlWsServer],
    };
  }
}
