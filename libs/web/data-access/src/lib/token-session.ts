import { HttpClient, HttpErrorResponse } from '@angular/common/http';
import { DestroyRef, inject, Injectable, signal } from '@angular/core';
import { print, type GraphQLFormattedError } from 'graphql';
import { firstValueFrom, Subject } from 'rxjs';

import { ErrorCode } from '@finserve/shared';

import {
  RefreshTokenDocument,
  type RefreshTokenMutation,
  type RefreshTokenMutationVariables,
} from './graphql.generated';
import { TokenStorage, type TokenPair } from './token-storage';
import { needsRefresh, refreshDelayMs, singleFlight } from './token-timing';

/** After a refresh that failed for a transient reason (network, server fault): try again. */
const RETRY_AFTER_FAILURE_MS = 5_000;
/** Serialises refreshes across the tabs of a browser (they share localStorage). */
const LOCK_NAME = 'finserve.refreshToken';

interface GraphqlResponse<T> {
  data?: T | null;
  errors?: readonly GraphQLFormattedError[];
}

const isUnauthenticated = (errors: readonly GraphQLFormattedError[] | undefined): boolean =>
  !!errors?.some((error) => error.extensions?.['code'] === ErrorCode.UNAUTHENTICATED);

/**
 * The tokens of the signed-in session and their renewal: shortly before the access token expires
 * (see refreshDelayMs), or at once when the server says UNAUTHENTICATED, the refresh token is
 * traded for a new pair. One refresh at a time (single-use refresh tokens: a second one in
 * parallel would be taken for a stolen token and revoke the session), also across tabs (Web
 * Locks). A refresh the server refuses ends the session: `ended$` emits and the tokens are gone.
 *
 * The refresh goes straight over HttpClient, not Apollo, so it passes none of the Apollo links
 * that wait for it (and carries no bearer token: the API refuses a bad one even on public fields).
 */
@Injectable({ providedIn: 'root' })
export class TokenSession {
  private readonly http = inject(HttpClient);
  private readonly storage = inject(TokenStorage);
  private readonly accessSignal = signal<string | null>(this.storage.read()?.accessToken ?? null);
  private readonly endedSubject = new Subject<void>();
  private readonly renewedSubject = new Subject<string>();
  private timer: ReturnType<typeof setTimeout> | undefined;

  /** The current access token (null: anonymous). */
  readonly accessToken = this.accessSignal.asReadonly();
  /** Emits when the server refused to renew the session (revoked or expired). */
  readonly ended$ = this.endedSubject.asObservable();
  /**
   * Emits the new access token after every renewal (here or, seen through storage, in another
   * tab); not on sign-in or sign-out. The socket reconnects with it: the server ends a socket's
   * authority when the token it was opened with expires.
   */
  readonly renewed$ = this.renewedSubject.asObservable();

  /** Renews the tokens; concurrent callers share one run. Resolves to the new access token, or null when the session ended. */
  readonly refresh: () => Promise<string | null> = singleFlight(() => this.refreshWithLock());

  constructor() {
    this.schedule();
    inject(DestroyRef).onDestroy(() => clearTimeout(this.timer));
  }

  /** After sign-in (a pair) or sign-out (null). */
  set(pair: TokenPair | null): void {
    this.storage.write(pair);
    this.accessSignal.set(pair?.accessToken ?? null);
    this.schedule();
  }

  /** The access token, renewed first when it is due (e.g. after the tab slept); null if anonymous. */
  async fresh(): Promise<string | null> {
    const token = this.accessSignal();
    if (!token || !needsRefresh(token, Date.now())) return token;
    try {
      return await this.refresh();
    } catch {
      return this.accessSignal(); // Transient failure: the server will say if it is too old.
    }
  }

  private schedule(): void {
    clearTimeout(this.timer);
    const token = this.accessSignal();
    if (!token) return;
    const delay = refreshDelayMs(token, Date.now());
    if (delay === null) return;
    this.timer = setTimeout(() => {
      this.refresh().catch(() => {
        this.timer = setTimeout(() => this.schedule(), RETRY_AFTER_FAILURE_MS);
      });
    }, delay);
  }

  private refreshWithLock(): Promise<string | null> {
    const locks = typeof navigator !== 'undefined' ? navigator.locks : undefined;
    return locks ? locks.request(LOCK_NAME, () => this.refreshNow()) : this.refreshNow();
  }

  private async refreshNow(): Promise<string | null> {
    const stored = this.storage.read();
    if (!stored) {
      // Signed out meanwhile (here or in another tab).
      if (this.accessSignal()) this.end();
      return null;
    }
    if (
      stored.accessToken !== this.accessSignal() &&
      !needsRefresh(stored.accessToken, Date.now())
    ) {
      // Another tab renewed (or signed in) already: use its tokens, do not spend the used one.
      this.set(stored);
      this.renewedSubject.next(stored.accessToken);
      return stored.accessToken;
    }
    const variables: RefreshTokenMutationVariables = { refreshToken: stored.refreshToken };
    let response: GraphqlResponse<RefreshTokenMutation>;
    try {
      response = await firstValueFrom(
        this.http.post<GraphqlResponse<RefreshTokenMutation>>('/graphql', {
          operationName: 'RefreshToken',
          query: print(RefreshTokenDocument),
          variables,
        }),
      );
    } catch (error) {
      const body: unknown = error instanceof HttpErrorResponse ? error.error : undefined;
      if (isUnauthenticated((body as GraphqlResponse<unknown> | undefined)?.errors)) {
        this.end();
        return null;
      }
      throw error;
    }
    const pair = response.data?.refreshToken;
    if (pair) {
      this.set(pair);
      this.renewedSubject.next(pair.accessToken);
      return pair.accessToken;
    }
    if (isUnauthenticated(response.errors)) {
      this.end();
      return null;
    }
    throw new Error(response.errors?.[0]?.message ?? 'Token refresh failed');
  }

  private end(): void {
    this.set(null);
    this.endedSubject.next();
  }
}
