import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';

import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import type { ApolloDriverConfig } from '@nestjs/apollo';
import type { HttpAdapterHost } from '@nestjs/core';
import type { GraphQLWsSubscriptionsConfig } from '@nestjs/graphql';
import type { ExecutionResult, GraphQLError } from 'graphql';
import type { ServerOptions, Context as WsContext } from 'graphql-ws';

import type { TokenService } from '@finserve/api/auth';
import {
  AppConfig,
  formatGraphQLError,
  type AuthUser,
  type GraphQLContext,
} from '@finserve/api/core';

/** What graphql-ws keeps per socket: the user established at connection_init. */
interface WsExtra {
  user?: AuthUser | null;
  connectionId?: string;
}

export function graphqlConfig(
  config: AppConfig,
  tokens: TokenService,
  adapterHost: HttpAdapterHost,
): ApolloDriverConfig {
  return {
    path: '/graphql',
    autoSchemaFile: true,
    sortSchema: true,
    introspection: true,
    graphiql: !config.isProduction,
    csrfPrevention: true,
    includeStacktraceInErrorResponses: false,
    plugins: [drainHttpServerPlugin(adapterHost)],
    formatError: (formatted, error) => formatGraphQLError(error, formatted),
    context: (
      input: { req?: GraphQLContext['req'] } | WsContext<Record<string, unknown>, WsExtra>,
    ) => {
      if ('extra' in input) {
        const { extra } = input;
        return {
          connection: { id: extra.connectionId ?? '' },
          user: extra.user ?? null,
        } satisfies GraphQLContext;
      }
      return { req: input.req, user: null } satisfies GraphQLContext;
    },
    // graphql-ws options are passed through to useServer at run time; @nestjs/graphql's type lists
    // only some of them, hence the cast.
    subscriptions: { 'graphql-ws': graphqlWsOptions(tokens) as GraphQLWsSubscriptionsConfig },
  };
}

/**
 * On shutdown: stop accepting connections, let in-flight operations finish (up to 10 s), then
 * stop. Built when Apollo starts, because the HTTP server does not exist yet when this config is.
 * (The casts bridge @apollo/server's CJS typings, seen from here, and its ESM ones, seen by
 * @nestjs/apollo: the same plugin interface declared twice.)
 */
function drainHttpServerPlugin(adapterHost: HttpAdapterHost): ApolloPlugin {
  return {
    serverWillStart: (context: unknown) => {
      const plugin = ApolloServerPluginDrainHttpServer({
        httpServer: adapterHost.httpAdapter.getHttpServer() as Server,
        stopGracePeriodMillis: 10_000,
      });
      return (
        plugin.serverWillStart as (
          context: unknown,
        ) => ReturnType<NonNullable<ApolloPlugin['serverWillStart']>>
      )(context);
    },
  } as ApolloPlugin;
}

type ApolloPlugin = NonNullable<ApolloDriverConfig['plugins']>[number];

function graphqlWsOptions(tokens: TokenService): Partial<ServerOptions> {
  return {
    // connection_init { authToken }: no token = anonymous; a bad token closes with 4403.
    onConnect: async (ctx: WsContext<Record<string, unknown> | undefined, unknown>) => {
      const extra = ctx.extra as WsExtra;
      extra.connectionId = randomUUID();
      const token = ctx.connectionParams?.['authToken'];
      if (token === undefined || token === null || token === '') {
        extra.user = null;
        return true;
      }
      if (typeof token !== 'string') return false;
      try {
        extra.user = await tokens.authenticate(token);
        return true;
      } catch {
        return false;
      }
    },
    // Errors over the socket get the same shape and codes as over HTTP.
    onNext: (
      _ctx: unknown,
      _id: unknown,
      _payload: unknown,
      _args: unknown,
      result: ExecutionResult,
    ) =>
      result.errors?.length
        ? {
            ...result,
            errors: result.errors.map((error) => formatGraphQLError(error) as GraphQLError),
          }
        : undefined,
    onError: (_ctx: unknown, _id: unknown, _payload: unknown, errors: readonly GraphQLError[]) =>
      errors.map((error) => formatGraphQLError(error)),
  };
}
