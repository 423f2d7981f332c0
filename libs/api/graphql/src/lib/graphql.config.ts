import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';

import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import type { ApolloDriverConfig } from '@nestjs/apollo';
import type { HttpAdapterHost } from '@nestjs/core';
import type { DocumentNode, GraphQLSchema } from 'graphql';
import type { Context as WsContext } from 'graphql-ws';

import type { TokenService } from '@finserve/api/auth';
import {
  canonicalizeIdArguments,
  clientIpOf,
  DomainError,
  formatGraphQLError,
  retryAfterOfErrors,
  strictDateTimeInputs,
  type AppConfig,
  type AuthUser,
  type GraphQLContext,
  type TrustFn,
} from '@finserve/api/core';

import { OperationLimits } from './operation-limits';
import type { ResponseCacheService } from './response-cache.service';

/** What graphql-ws keeps per socket: the user established at connection_init. */
export type WsExtra = {
  user?: AuthUser | null;
  connectionId?: string;
  /** The client's address (see clientIpOf). */
  ip?: string;
};

/** Apollo on POST/GET /graphql; the WebSocket side is GraphqlWsServer. */
export function graphqlConfig(
  config: AppConfig,
  adapterHost: HttpAdapterHost,
  limits: OperationLimits,
  responseCache: ResponseCacheService,
): ApolloDriverConfig {
  return {
    path: '/graphql',
    autoSchemaFile: true,
    sortSchema: true,
    // Every ID argument reaches resolvers in its one canonical spelling (or is refused), and
    // DateTime inputs are parsed strictly (RFC 3339, existing days only).
    transformSchema: (schema) => canonicalizeIdArguments(strictDateTimeInputs(schema)),
    introspection: true,
    graphiql: !config.isProduction,
    csrfPrevention: true,
    includeStacktraceInErrorResponses: false,
    // Depth, aliases and root fields while validating; parsing stops at the token bound.
    validationRules: limits.validationRules(),
    parseOptions: { maxTokens: limits.maxTokens },
    plugins: [
      drainHttpServerPlugin(adapterHost),
      operationLimitsPlugin(limits),
      responseCache.plugin(),
      retryAfterPlugin(),
    ],
    formatError: (formatted, error) => formatGraphQLError(error, formatted),
    // The user is filled in by the global auth guard.
    context: ({ req }: { req: GraphQLContext['req'] }): GraphQLContext => ({ req, user: null }),
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

/**
 * A rate limit inside the API (sign-in attempts, chat, tips, ...) answers with a RATE_LIMITED
 * error: its retryAfterSeconds also goes out as the standard Retry-After header, as the API limit's
 * 429 does. The status stays 200 (other fields of the operation may have data).
 */
function retryAfterPlugin(): ApolloPlugin {
  return {
    requestDidStart: () =>
      Promise.resolve({
        willSendResponse: (context: {
          response: {
            http: { headers: Map<string, string> };
            body: {
              kind: string;
              singleResult?: { errors?: readonly { extensions?: Record<string, unknown> }[] };
            };
          };
        }) => {
          const { body, http } = context.response;
          const seconds = retryAfterOfErrors(
            body.kind === 'single' ? body.singleResult?.errors : undefined,
          );
          if (seconds !== null) http.headers.set('retry-after', String(seconds));
          return Promise.resolve();
        },
      }),
  } as ApolloPlugin;
}

/**
 * The cost (which needs the variables), once the operation is known. (Size and nesting were
 * checked before parsing, in bootstrap's graphqlSourceLimit.)
 */
function operationLimitsPlugin(limits: OperationLimits): ApolloPlugin {
  return {
    requestDidStart: () =>
      Promise.resolve({
        didResolveOperation: (context: {
          schema: GraphQLSchema;
          document: DocumentNode;
          request: { variables?: Record<string, unknown> };
          operationName: string | null;
        }) => {
          const refusal = limits.checkComplexity(
            context.schema,
            context.document,
            context.request.variables,
            context.operationName,
          );
          if (refusal) throw refusal;
          return Promise.resolve();
        },
      }),
  } as ApolloPlugin;
}

type ApolloPlugin = NonNullable<ApolloDriverConfig['plugins']>[number];

/** The context of a graphql-ws operation: the identity established at connection_init. */
export function wsContext(extra: WsExtra): GraphQLContext {
  return { connection: { id: extra.connectionId ?? '', ip: extra.ip }, user: extra.user ?? null };
}

/**
 * connection_init { authToken }: no token = anonymous; a bad token closes the socket with 4403;
 * a fault while checking it closes with 4500 (the client may retry).
 */
export async function wsOnConnect(
  tokens: TokenService,
  ctx: WsContext<Record<string, unknown> | undefined, WsExtra>,
  trustProxy: TrustFn,
): Promise<boolean> {
  const { extra } = ctx;
  extra.connectionId = randomUUID();
  const upgrade = extra as { request?: IncomingMessage };
  if (upgrade.request) extra.ip = clientIpOf(upgrade.request, trustProxy);
  // The upgrade request (headers, raw headers, its own state) is not needed any more: let it go
  // rather than keep it for the socket's lifetime (memory per idle subscriber).
  upgrade.request = undefined;
  const token = ctx.connectionParams?.['authToken'];
  if (token === undefined || token === null || token === '') {
    extra.user = null;
    return true;
  }
  if (typeof token !== 'string') return false;
  try {
    extra.user = await tokens.authenticate(token);
    return true;
  } catch (error) {
    if (error instanceof DomainError) return false;
    // Not a bad token but a fault (database down): graphql-ws closes with 4500, no details.
    throw new Error('Internal server error');
  }
}
