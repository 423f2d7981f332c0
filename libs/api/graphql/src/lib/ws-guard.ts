import type { IncomingMessage } from 'node:http';

import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import {
  GraphQLError,
  parse,
  specifiedRules,
  validate,
  type DocumentNode,
  type ExecutionArgs,
  type GraphQLSchema,
} from 'graphql';
import type { SubscribePayload, Context as WsContext } from 'graphql-ws';
import type { WebSocket, WebSocketServer } from 'ws';

import {
  AUTH_REVOKED_TOPIC,
  TokenService,
  type AuthRevokedEvent,
  type RevokeReason,
  type SessionRef,
} from '@finserve/api/auth';
import {
  apiRateLimitKey,
  AppConfig,
  clientIpOf,
  perMinute,
  PUB_SUB,
  RATE_LIMITER,
  RateLimitedError,
  UnauthenticatedError,
  type AuthUser,
  type EventBus,
  type RateLimiter,
  type ScopedCredential,
} from '@finserve/api/core';
import { WS_CLOSE_FORBIDDEN } from '@finserve/shared';

import { OperationLimits } from './operation-limits';

/** Close codes a client over a WebSocket limit sees (graphql-ws uses 4400/4408 for its own). */
export const WS_CLOSE_TOO_MANY = 4429;

type Ctx = Pick<WsContext, 'subscriptions'> & {
  extra: { socket?: WebSocket; ip?: string; user?: AuthUser | null };
};

/** Why a socket whose access token expired is closed (4403): the client reconnects with a new one. */
export const TOKEN_EXPIRED_REASON = 'Token expired: reconnect with a new token';
/** setTimeout's longest delay (~24.8 days); a longer wait is taken in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;

const CLOSE_REASONS: Record<RevokeReason, string> = {
  LOGOUT: 'Signed out',
  REUSE: 'Session revoked',
  BANNED: 'Account banned',
  TOKEN_REVOKED: 'Token revoked',
};

/** A signed-in socket's identity: a sign-in session, or a scoped token (PAT, OAuth). */
interface Tracked {
  userId: string;
  sessionId?: string;
  credential?: ScopedCredential;
}

/**
 * The WebSocket limits of issue 9, kept out of graphql-ws.server.ts so that file only hooks them
 * in: the API rate limit per operation, connections per client IP (WS_MAX_CONNECTIONS_PER_IP, then close 4429), concurrent
 * operations per socket (WS_MAX_SUBSCRIPTIONS_PER_CONNECTION, then close 4429), and the GraphQL
 * limits of HTTP (document size, depth, aliases, root fields, cost) on every subscribe message,
 * refused with a BAD_USER_INPUT error for that operation. The message size (maxPayload, close
 * 1009), the connection_init timeout (4408) and keep-alive are options of ws/graphql-ws set from
 * the config by the server; a malformed message closes its socket (4400) in graphql-ws itself.
 */
@Injectable()
export class WsGuard implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(WsGuard.name);
  private readonly perIp = new Map<string, number>();
  private readonly documents = new Map<
    string,
    { document?: DocumentNode; errors: readonly GraphQLError[] }
  >();
  /** Signed-in sockets and whose they are, to close them when that identity is revoked. */
  private readonly signedIn = new Map<WebSocket, Tracked>();
  private sweepTimer?: NodeJS.Timeout;
  private revokedSubscription?: number;

  constructor(
    private readonly config: AppConfig,
    private readonly tokens: TokenService,
    @Inject(PUB_SUB) private readonly bus: EventBus,
    @Inject(RATE_LIMITER) private readonly limiter: RateLimiter,
    private readonly limits: OperationLimits,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    // This instance's revocations close sockets at once; the sweep catches the other instances'
    // (and users deleted from the database) within WS_AUTH_RECHECK_SECONDS.
    this.revokedSubscription = await this.bus.subscribe(
      AUTH_REVOKED_TOPIC,
      (event: AuthRevokedEvent) => this.closeRevoked(event),
      {},
    );
    this.sweepTimer = setInterval(
      () => void this.sweep(),
      this.config.WS_AUTH_RECHECK_SECONDS * 1000,
    );
    this.sweepTimer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.sweepTimer);
    if (this.revokedSubscription !== undefined) this.bus.unsubscribe(this.revokedSubscription);
  }

  /**
   * graphql-ws onConnect, after authentication: remembers whose a signed-in socket is, and ends
   * its authority with its access token: at the token's expiry the socket is closed with 4403
   * (the client renews its token and reconnects; its subscriptions resume on the new socket).
   */
  connected(ctx: Ctx, accepted: boolean): boolean {
    const { socket, user } = ctx.extra;
    if (accepted && socket && (user?.sessionId || user?.credential)) {
      this.signedIn.set(socket, {
        userId: user.id,
        sessionId: user.sessionId,
        credential: user.credential,
      });
      socket.once('close', () => this.signedIn.delete(socket));
    }
    if (accepted && socket && user?.expiresAt) this.closeAtExpiry(socket, user.expiresAt);
    return accepted;
  }

  private closeAtExpiry(socket: WebSocket, expiresAt: Date): void {
    let timer: NodeJS.Timeout | undefined;
    const arm = () => {
      const left = expiresAt.getTime() - Date.now();
      if (left <= 0) {
        socket.close(WS_CLOSE_FORBIDDEN, TOKEN_EXPIRED_REASON);
        return;
      }
      timer = setTimeout(arm, Math.min(left, MAX_TIMER_MS));
      timer.unref();
    };
    arm();
    socket.once('close', () => clearTimeout(timer));
  }

  /** True (and the socket closed with 4403) when the socket's token has expired. */
  private expired(ctx: Ctx): boolean {
    const expiresAt = ctx.extra.user?.expiresAt;
    if (!expiresAt || expiresAt.getTime() > Date.now()) return false;
    ctx.extra.socket?.close(WS_CLOSE_FORBIDDEN, TOKEN_EXPIRED_REASON);
    return true;
  }

  private closeRevoked(event: AuthRevokedEvent): void {
    for (const [socket, tracked] of this.signedIn) {
      if (tracked.userId === event.userId && revokes(event, tracked))
        socket.close(WS_CLOSE_FORBIDDEN, CLOSE_REASONS[event.reason]);
    }
  }

  /**
   * Closes signed-in sockets whose user is gone or banned, whose session was revoked, or whose
   * scoped token was revoked or expired.
   */
  async sweep(): Promise<void> {
    if (!this.signedIn.size) return;
    const sessions = new Map<string, SessionRef>();
    const credentials = new Map<string, ScopedCredential>();
    for (const { userId, sessionId, credential } of this.signedIn.values()) {
      if (credential) credentials.set(credential.id, credential);
      else if (sessionId) sessions.set(`${userId}:${sessionId}`, { userId, sessionId });
    }
    try {
      const revoked = await this.tokens.revoked([...sessions.values()]);
      const revokedCredentials = await this.tokens.revokedCredentials([...credentials.values()]);
      for (const [socket, tracked] of this.signedIn) {
        if (
          tracked.credential
            ? revokedCredentials.has(tracked.credential.id)
            : revoked.has(`${tracked.userId}:${tracked.sessionId}`)
        )
          socket.close(WS_CLOSE_FORBIDDEN, 'Forbidden: sign in again');
      }
    } catch (error) {
      // The database is unreachable: keep the sockets, try again next time.
      this.logger.warn(`socket re-check failed: ${String(error)}`);
    }
  }

  /** Counts every socket of the server by client IP; one over the limit is closed at once. */
  attach(wss: WebSocketServer): void {
    wss.on('connection', (socket: WebSocket, request: IncomingMessage) => {
      const ip = clientIpOf(request, this.config.trustProxy);
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

  /**
   * graphql-ws onSubscribe: errors to refuse the operation, nothing to let graphql-ws go on. Each
   * operation also draws on the caller's API_RATE_LIMIT_PER_MINUTE bucket, the one HTTP uses (a
   * scoped token's: its app's for its user), so the socket is no way around the API limit.
   */
  async onSubscribe(
    schema: GraphQLSchema,
    ctx: Ctx,
    payload: SubscribePayload,
  ): Promise<readonly GraphQLError[] | ExecutionArgs> {
    // Between the expiry and the close (timer drift), no operation runs on the old authority.
    if (this.expired(ctx)) {
      const error = new UnauthenticatedError(TOKEN_EXPIRED_REASON);
      return [new GraphQLError(error.message, { originalError: error })];
    }
    const checked = this.checkOperation(schema, ctx, payload);
    if (!('document' in checked)) return checked;
    const user = ctx.extra.user;
    const key = apiRateLimitKey(
      user ? { userId: user.id, credential: user.credential } : null,
      ctx.extra.ip,
    );
    const decision = await this.limiter.consume(
      key,
      perMinute(this.config.API_RATE_LIMIT_PER_MINUTE),
    );
    if (decision.allowed)
      // The parsed and validated document, shared by every subscriber of the same query: graphql-ws
      // neither parses nor validates again, and thousands of identical subscriptions hold one AST.
      return {
        schema,
        document: checked.document,
        operationName: payload.operationName,
        variableValues: payload.variables,
      };
    const limited = new RateLimitedError(
      decision.retryAfterSeconds,
      `Too many requests: at most ${this.config.API_RATE_LIMIT_PER_MINUTE} per minute; retry in ${decision.retryAfterSeconds} s`,
    );
    return [new GraphQLError(limited.message, { originalError: limited })];
  }

  private checkOperation(
    schema: GraphQLSchema,
    ctx: Ctx,
    payload: SubscribePayload,
  ): readonly GraphQLError[] | { document: DocumentNode } {
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
    const prepared = this.prepared(schema, payload.query);
    if (prepared.errors.length || !prepared.document) return prepared.errors;
    const { document } = prepared;
    const tooComplex = this.limits.checkComplexity(
      schema,
      document,
      payload.variables ?? undefined,
      payload.operationName,
    );
    return tooComplex ? [tooComplex] : { document };
  }

  /** Parse and validation (the specified rules and ours) once per distinct query text. */
  private prepared(
    schema: GraphQLSchema,
    query: string,
  ): { document?: DocumentNode; errors: readonly GraphQLError[] } {
    const cached = this.documents.get(query);
    if (cached) return cached;
    let result: { document?: DocumentNode; errors: readonly GraphQLError[] };
    try {
      const document = parse(query, { maxTokens: this.limits.maxTokens });
      result = {
        document,
        errors: validate(schema, document, [...specifiedRules, ...this.limits.validationRules()]),
      };
    } catch (error) {
      if (!(error instanceof GraphQLError)) throw error;
      result = { errors: [error] };
    }
    if (this.documents.size >= DOCUMENT_CACHE_SIZE) {
      const oldest = this.documents.keys().next().value;
      if (oldest !== undefined) this.documents.delete(oldest);
    }
    this.documents.set(query, result);
    return result;
  }
}

/**
 * Whether a revocation ends this socket's identity: one token revoked ends that token's sockets;
 * one session ends that session's; all sessions (logout everywhere) end every session socket of
 * the user; a ban ends every socket of the user, scoped tokens included.
 */
function revokes(event: AuthRevokedEvent, tracked: Tracked): boolean {
  if (event.credentialId) return tracked.credential?.id === event.credentialId;
  if (event.reason === 'BANNED') return true;
  if (tracked.credential) return false;
  return event.sessionId === null || tracked.sessionId === event.sessionId;
}

/** Distinct operation texts kept parsed and validated (oldest out first). */
const DOCUMENT_CACHE_SIZE = 500;
