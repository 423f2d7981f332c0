import { computed, inject, Injectable, signal } from '@angular/core';
import { Apollo } from 'apollo-angular';
import { firstValueFrom } from 'rxjs';

import { GraphqlSocket } from './graphql-socket';
import {
  LoginDocument,
  MeDocument,
  RegisterDocument,
  type CurrentUserFragment,
} from './graphql.generated';
import { TokenStorage } from './token-storage';

/** The signed-in user and the access token (kept across reloads). */
@Injectable({ providedIn: 'root' })
export class AuthService {
  private readonly apollo = inject(Apollo);
  private readonly storage = inject(TokenStorage);
  private readonly socket = inject(GraphqlSocket);

  private readonly tokenSignal = signal<string | null>(this.storage.read());
  private readonly userSignal = signal<CurrentUserFragment | null>(null);
  private restored?: Promise<void>;

  readonly token = this.tokenSignal.asReadonly();
  readonly user = this.userSignal.asReadonly();
  readonly signedIn = computed(() => this.userSignal() !== null);

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
    if (payload) await this.accept(payload.accessToken, payload.user);
  }

  async signUp(username: string, password: string, displayName?: string): Promise<void> {
    const result = await firstValueFrom(
      this.apollo.mutate({
        mutation: RegisterDocument,
        variables: { input: { username, password, displayName: displayName || undefined } },
      }),
    );
    const payload = result.data?.register;
    if (payload) await this.accept(payload.accessToken, payload.user);
  }

  async signOut(): Promise<void> {
    this.storage.write(null);
    this.tokenSignal.set(null);
    this.userSignal.set(null);
    this.socket.restart();
    await this.apollo.client.clearStore();
  }

  private async accept(token: string, user: CurrentUserFragment): Promise<void> {
    this.storage.write(token);
    this.tokenSignal.set(token);
    this.userSignal.set(user);
    this.restored = Promise.resolve();
    this.socket.restart();
    // Per-user data (wallets, own streams) must not outlive the previous identity.
    await this.apollo.client.resetStore().catch(() => undefined);
  }

  private async restore(): Promise<void> {
    if (!this.tokenSignal()) return;
    try {
      const result = await firstValueFrom(
        this.apollo.query({ query: MeDocument, fetchPolicy: 'network-only' }),
      );
      const me = result.data?.me ?? null;
      this.userSignal.set(me);
      if (!me) this.forget();
    } catch {
      this.forget();
    }
  }

  private forget(): void {
    this.storage.write(null);
    this.tokenSignal.set(null);
    this.socket.restart();
  }
}
