import { DestroyRef, inject, Injectable, signal } from '@angular/core';
import { createClient, type Client } from 'graphql-ws';
import { Subject } from 'rxjs';

import { reconnectDelayMs } from './backoff';
import { TokenStorage } from './token-storage';

export type SocketState = 'connecting' | 'connected' | 'reconnecting';

/**
 * The one graphql-ws connection (protocol graphql-transport-ws) of the app: the access token
 * goes in connection_init, a lost socket is retried forever with backoff, and `reconnected$`
 * tells features to catch up on what they missed while it was down.
 */
@Injectable({ providedIn: 'root' })
export class GraphqlSocket {
  private readonly tokens = inject(TokenStorage);
  private readonly reconnectedSubject = new Subject<void>();
  private readonly stateSignal = signal<SocketState>('connecting');

  readonly state = this.stateSignal.asReadonly();
  /** Emits after every successful reconnect (not on the first connect). */
  readonly reconnected$ = this.reconnectedSubject.asObservable();

  readonly client: Client = createClient({
    url: () => `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql`,
    connectionParams: () => {
      const authToken = this.tokens.read();
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
        if (wasRetry) this.reconnectedSubject.next();
      },
      closed: () => this.stateSignal.set('reconnecting'),
    },
  });

  constructor() {
    inject(DestroyRef).onDestroy(() => void this.client.dispose());
  }

  /** After sign-in or sign-out: a new connection, so connection_init carries the new token. */
  restart(): void {
    this.client.terminate();
  }
}
