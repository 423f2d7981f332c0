import type { IncomingMessage } from 'node:http';

import { Injectable } from '@nestjs/common';
import { GraphQLError, parse, validate, type DocumentNode, type GraphQLSchema } from 'graphql';
import type { SubscribePayload, Context as WsContext } from 'graphql-ws';
import type { WebSocket, WebSocketServer } from 'ws';

import { AppConfig, clientIpOf, OperationLimits } from '@finserve/api/core';

/** Close codes a client over a WebSocket limit sees (graphql-ws uses 4400/4408 for its own). */
export const WS_CLOSE_TOO_MANY = 4429;

type Ctx = Pick<WsContext, 'subscriptions'> & { extra: { socket?: WebSocket } };

/**
 * The WebSocket limits of issue 9, kept out of graphql-ws.server.ts so that file only hooks them
 * in: connections per client IP (WS_MAX_CONNECTIONS_PER_IP, then close 4429), concurrent
 * operations per socket (WS_MAX_SUBSCRIPTIONS_PER_CONNECTION, then close 4429), and the GraphQL
 * limits of HTTP (document size, depth, aliases, root fields, cost) on every subscribe message,
 * refused with a BAD_USER_INPUT error for that operation. The message size (maxPayload, close
 * 1009), the connection_init timeout (4408) and keep-alive are options of ws/graphql-ws set from
 * the config by the server; a malformed message closes its socket (4400) in graphql-ws itself.
 */
@Injectable()
export class WsGuard {
  private readonly perIp = new Map<string, number>();
  private readonly limits: OperationLimits;

  constructor(private readonly config: AppConfig) {
    this.limits = new OperationLimits(config);
  }

  /** Counts every socket of the server by client IP; one over the limit is closed at once. */
  attach(wss: WebSocketServer): void {
    wss.on('connection', (socket: WebSocket, request: IncomingMessage) => {
      const ip = clientIpOf(request);
      const open = (this.perIp.get(ip) ?? 0) + 1;
      this.perIp.set(ip, open);
      socket.once('close', () => {
        const left = (this.perIp.get(ip) ?? 1) - 1;
        if (left > 0) this.perIp.set(ip, left);
        else this.perIp.delete(ip);
      });
      if (open > this.config.WS_MAX_CONNECTIONS_PER_IP) {
        socket.close(
          WS_CLOSE_TOO_MANY,
          `Too many connections from this address (at most ${this.config.WS_MAX_CONNECTIONS_PER_IP})`,
        );
      }
    });
  }

  /** graphql-ws onSubscribe: errors to refuse the operation, nothing to let graphql-ws go on. */
  onSubscribe(
    schema: GraphQLSchema,
    ctx: Ctx,
    payload: SubscribePayload,
  ): readonly GraphQLError[] | undefined {
    const max = this.config.WS_MAX_SUBSCRIPTIONS_PER_CONNECTION;
    if (Object.keys(ctx.subscriptions).length > max) {
      ctx.extra.socket?.close(
        WS_CLOSE_TOO_MANY,
        `Too many subscriptions on this connection (at most ${max})`,
      );
      return [new GraphQLError(`Too many subscriptions on this connection (at most ${max})`)];
    }
    const tooLarge = this.limits.checkSource(payload.query);
    if (tooLarge) return [tooLarge];
    let document: DocumentNode;
    try {
      document = parse(payload.query, { maxTokens: this.limits.maxTokens });
    } catch (error) {
      return error instanceof GraphQLError ? [error] : undefined;
    }
    const invalid = validate(schema, document, this.limits.validationRules());
    if (invalid.length) return invalid;
    // Anything else wrong with the document is graphql-ws's own validation to report.
    const tooComplex = this.limits.checkComplexity(
      schema,
      document,
      payload.variables ?? undefined,
      payload.operationName,
    );
    return tooComplex ? [tooComplex] : undefined;
  }
}
