import { DestroyRef, inject, Injectable, signal } from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import { createClient, type Client } from 'graphql-ws';
import { Subject } from 'rxjs';

import { reconnectDelayMs } from './backoff';
import { TokenSession } from './token-session';

export type SocketState = 'connecting' | 'connected' | 'reconnecting';

/** The API closes a socket with this code when its session is revoked (or its token refused). */
export const WS_CLOSE_FORBIDDEN = 4403;

/**
 * The one graphql-ws connection (protocol graphql-transport-ws) of the app: the current access
 * token (renewed first when due) goes in every connection_init, a lost socket is retried forever
 * with backoff, and `reconnected$` tells features to catch up on what they missed while it was
 * down. A 4403 close (session revoked, or the token refused) tries a refresh: if the server
 * refuses that too, the session ends (TokenSession.ended$) and the retry connects anonymously.
 * The server closes a socket (4403) when the access token it was opened with expires, so every
 * renewal (TokenSession.renewed$, before the expiry) restarts the socket with the new token;
 * `reconnected$` then lets features catch up on what arrived in between (the chat refetches
 * with chatMessages(after:)). Sign-in and sign-out restart it too.
 */
@Injectable({ providedIn: 'root' })
export class GraphqlSocket {
  private readonly session = inject(TokenSession);
  private readonly reconnectedSubject = new Subject<void>();
  private readonly connectedSubject = new Subject<void>();
  private readonly stateSignal = signal<SocketState>('connecting');
  /** The refresh a 4403 started: the retry waits for it. */
  private afterForbidden: Promise<unknown> = Promise.resolve();

  readonly state = this.stateSignal.asReadonly();
  /** Emits after every successful reconnect (not on the first connect). */
  readonly reconnected$ = this.reconnectedSubject.asObservable();
  /**
   * Emits after every successful connect, the first included: a view that shows a query's result
   * and keeps it current from a subscription refetches on it, so a change published between its
   * query's answer and its subscription's start (or while the socket was down) is not missed.
   */
  readonly connected$ = this.connectedSubject.asObservable();

  readonly client: Client = createClient({
    url: () => `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql`,
    connectionParams: async () => {
      await this.afterForbidden;
      const authToken = await this.session.fresh();
      return authToken ? { authToken } : {};
    },
    lazy: true,
    lazyCloseTimeout: 3_000,
    keepAlive: 10_000,
    retryAttempts: Number.POSITIVE_INFINITY,
    shouldRetry: () => true,
    retryWait: (retries) =>
      new Promise<void>((resolve) => setTimeout(resolve, reconnectDelayMs(retries))),
    on: {
      connected: (_socket, _payload, wasRetry) => {
        this.stateSignal.set('connected');
        this.connectedSubject.next();
        if (wasRetry) this.reconnectedSubject.next();
      },
      closed: (event) => {
        this.stateSignal.set('reconnecting');
        if (isForbiddenClose(event) && this.session.accessToken()) {
          // Revoked sessions fail to refresh and end; an expired token is renewed for the retry.
          this.afterForbidden = this.session.refresh().catch(() => undefined);
        }
      },
    },
  });

  constructor() {
    inject(DestroyRef).onDestroy(() => void this.client.dispose());
    this.session.renewed$.pipe(takeUntilDestroyed()).subscribe(() => this.restart());
  }

  /** After sign-in or sign-out: a new connection, so connection_init carries the new token. */
  restart(): void {
    this.client.terminate();
  }
}

function isForbiddenClose(event: unknown): boolean {
  return (
    typeof event === 'object' &&
    event !== null &&
    (event as { code?: unknown }).code === WS_CLOSE_FORBIDDEN
  );
}
