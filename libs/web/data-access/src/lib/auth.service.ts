import { computed, DestroyRef, inject, Injectable, signal } from '@angular/core';
import { Router } from '@angular/router';
import { CombinedGraphQLErrors } from '@apollo/client/errors';
import { Apollo } from 'apollo-angular';
import { firstValueFrom } from 'rxjs';

import { GraphqlSocket } from './graphql-socket';
import {
  LoginDocument,
  LogoutDocument,
  MeDocument,
  RegisterDocument,
  type CurrentUserFragment,
} from './graphql.generated';
import { TokenSession } from './token-session';
import type { TokenPair } from './token-storage';

/**
 * The signed-in user. Its tokens (kept across reloads, renewed before they expire) live in
 * TokenSession; when the server refuses to renew them (session revoked or expired) the user is
 * signed out here and sent to /signin, to come back to the page they were on.
 */
@Injectable({ providedIn: 'root' })
export class AuthService {
  private readonly apollo = inject(Apollo);
  private readonly session = inject(TokenSession);
  private readonly socket = inject(GraphqlSocket);
  private readonly router = inject(Router);

  private readonly userSignal = signal<CurrentUserFragment | null>(null);
  private restored?: Promise<void>;
  private signingOut = false;

  readonly token = this.session.accessToken;
  readonly user = this.userSignal.asReadonly();
  readonly signedIn = computed(() => this.userSignal() !== null);

  constructor() {
    const subscription = this.session.ended$.subscribe(() => void this.sessionEnded());
    inject(DestroyRef).onDestroy(() => subscription.unsubscribe());
  }

  /** Resolves once the stored token has been checked with `me` (guards wait for it). */
  ready(): Promise<void> {
    this.restored ??= this.restore();
    return this.restored;
  }

  async signIn(username: string, password: string): Promise<void> {
    const result = await firstValueFrom(
      this.apollo.mutate({ mutation: LoginDocument, variables: { input: { username, password } } }),
    );
    const payload = result.data?.login;
    if (payload) await this.accept(payload, payload.user);
  }

  async signUp(username: string, password: string, displayName?: string): Promise<void> {
    const result = await firstValueFrom(
      this.apollo.mutate({
        mutation: RegisterDocument,
        variables: { input: { username, password, displayName: displayName || undefined } },
      }),
    );
    const payload = result.data?.register;
    if (payload) await this.accept(payload, payload.user);
  }

  /** The signed-in user's profile changed (settings): the toolbar and pages show the new name. */
  profileChanged(user: CurrentUserFragment): void {
    if (this.userSignal()?.id === user.id) {
      this.userSignal.set({ id: user.id, username: user.username, displayName: user.displayName });
    }
  }

  /**
   * Ends the session on the server (`logout`: its tokens stop working, its sockets close) and
   * here. Local state is cleared first and whatever the server answers: the user asked to leave.
   */
  async signOut(): Promise<void> {
    this.signingOut = true;
    const accessToken = await this.session.fresh().finally(() => (this.signingOut = false));
    this.forget();
    if (!accessToken) return;
    await firstValueFrom(
      this.apollo.mutate({ mutation: LogoutDocument, context: { accessToken } }),
    ).catch(() => undefined);
  }

  private async accept(pair: TokenPair, user: CurrentUserFragment): Promise<void> {
    this.session.set({ accessToken: pair.accessToken, refreshToken: pair.refreshToken });
    this.userSignal.set(user);
    this.restored = Promise.resolve();
    this.socket.restart();
    // Per-user data (wallets, own streams) must not outlive the previous identity.
    await this.apollo.client.resetStore().catch(() => undefined);
  }

  private async restore(): Promise<void> {
    if (!this.session.accessToken()) return;
    try {
      const result = await firstValueFrom(
        this.apollo.query({ query: MeDocument, fetchPolicy: 'network-only' }),
      );
      const me = result.data?.me ?? null;
      this.userSignal.set(me);
      if (!me) this.forget();
    } catch (error) {
      // Refused even after a refresh: signed out. Unreachable: keep the tokens for the next load.
      if (CombinedGraphQLErrors.is(error)) this.forget();
    }
  }

  /** Signed out here: tokens, user, per-user cache and the socket's identity. */
  private forget(): void {
    this.session.set(null);
    this.userSignal.set(null);
    this.socket.restart();
    void this.apollo.client.clearStore().catch(() => undefined);
  }

  /** The server refused to renew the session: sign out here and ask to sign in again. */
  private async sessionEnded(): Promise<void> {
    // Read before awaiting: a sign-out that hit this while renewing navigates by itself.
    const askToSignIn = this.userSignal() !== null && !this.signingOut;
    this.userSignal.set(null);
    this.socket.restart();
    await this.apollo.client.clearStore().catch(() => undefined);
    if (!askToSignIn) return;
    const returnUrl = this.router.url;
    if (returnUrl.startsWith('/signin') || returnUrl.startsWith('/signup')) return;
    await this.router.navigateByUrl(
      this.router.createUrlTree(['/signin'], { queryParams: { returnUrl } }),
    );
  }
}
