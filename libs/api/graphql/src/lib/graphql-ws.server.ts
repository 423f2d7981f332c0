import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';

import { Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { GraphQLSchemaHost } from '@nestjs/graphql';
import type { GraphQLError } from 'graphql';
import { type Disposable, type OperationResult } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';

import { TokenService } from '@finserve/api/auth';
import {
  AppConfig,
  FanoutSubscription,
  formatGraphQLError,
  SubscriptionFanout,
} from '@finserve/api/core';

import { wsContext, wsOnConnect, type WsExtra } from './graphql.config';
import { WsGuard } from './ws-guard';

/**
 * The graphql-ws endpoint (protocol graphql-transport-ws) on /graphql, sharing the HTTP port.
 * Run by us rather than by @nestjs/graphql so that keep-alive (WS_KEEPALIVE_MS), the message
 * size limit and subscription execution (SubscriptionFanout: one execution per event and
 * operation, bounded per-socket backlog) are ours to set. A socket that misses a keep-alive pong is
 * terminated, which ends its subscriptions (and so the viewer's presence).
 */
@Injectable()
export class GraphqlWsServer implements OnApplicationBootstrap, OnModuleDestroy {
  private server?: Disposable;
  /** Subscription events: one execution per distinct operation, slow consumers bounded. */
  readonly fanout: SubscriptionFanout;

  constructor(
    private readonly schemaHost: GraphQLSchemaHost,
    private readonly adapterHost: HttpAdapterHost,
    private readonly tokens: TokenService,
    private readonly config: AppConfig,
    private readonly guard: WsGuard,
  ) {
    this.fanout = new SubscriptionFanout({
      maxBufferedBytes: config.WS_MAX_BUFFERED_BYTES,
      formatError: (error) => formatGraphQLError(error),
    });
  }

  onApplicationBootstrap(): void {
    const wss = new WebSocketServer({
      noServer: true,
      maxPayload: this.config.WS_MAX_MESSAGE_BYTES,
      // No compression: zlib state per socket and CPU per frame for small JSON messages.
      perMessageDeflate: false,
    });
    this.guard.attach(wss);
    const httpServer = this.adapterHost.httpAdapter.getHttpServer() as Server;
    httpServer.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
      const path = new URL(request.url ?? '/', 'http://localhost').pathname;
      if (path !== '/graphql') {
        socket.destroy();
        return;
      }
      wss.handleUpgrade(request, socket, head, (ws) => wss.emit('connection', ws, request));
    });
    this.server = useServer<Record<string, unknown> | undefined, WsExtra>(
      {
        schema: this.schemaHost.schema,
        context: (ctx) => wsContext(ctx.extra),
        onConnect: async (ctx) =>
          this.guard.connected(ctx, await wsOnConnect(this.tokens, ctx, this.config.trustProxy)),
        connectionInitWaitTimeout: this.config.WS_CONNECTION_INIT_TIMEOUT_MS,
        onSubscribe: (ctx, _id, payload) =>
          this.guard.onSubscribe(this.schemaHost.schema, ctx, payload),
        // Subscription events go out through the fan-out (shared execution, bounded buffers);
        // graphql-ws keeps the protocol: subscribe, complete, errors.
        subscribe: (args) => this.fanout.subscribe(args) as OperationResult,
        onOperation: (ctx, id, _payload, _args, result) => {
          if (result instanceof FanoutSubscription) result.attach(ctx.extra.socket, id);
        },
        // Errors over the socket get the same shape and codes as over HTTP.
        onNext: (_ctx, _id, _payload, _args, result) =>
          result.errors?.length
            ? {
                ...result,
                errors: result.errors.map((error) => formatGraphQLError(error) as GraphQLError),
              }
            : undefined,
        onError: (_ctx, _id, _payload, errors) => errors.map((error) => formatGraphQLError(error)),
      },
      wss,
      this.config.WS_KEEPALIVE_MS,
    );
  }

  /** Closes every socket (1001 Going away), which completes their subscriptions. */
  async onModuleDestroy(): Promise<void> {
    await this.server?.dispose();
  }
}
