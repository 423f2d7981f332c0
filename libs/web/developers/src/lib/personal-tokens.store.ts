import { inject, Injectable, signal } from '@angular/core';
import { Apollo } from 'apollo-angular';
import { firstValueFrom } from 'rxjs';

import type { Scope } from '@finserve/shared';
import { toUiError } from '@finserve/web/data-access';

import {
  CreatePersonalAccessTokenDocument,
  MyPersonalAccessTokensDocument,
  RevokePersonalAccessTokenDocument,
  type PersonalAccessTokenFieldsFragment,
} from './graphql.generated';

export type PersonalToken = PersonalAccessTokenFieldsFragment;

/** The signed-in user's personal access tokens: list, create (secret kept until dismissed), revoke. */
@Injectable()
export class PersonalTokensStore {
  private readonly apollo = inject(Apollo);

  readonly tokens = signal<readonly PersonalToken[]>([]);
  readonly busy = signal(false);
  readonly error = signal<string | null>(null);
  /** The secret of the token just created: shown once, never fetched again. */
  readonly createdSecret = signal<{ name: string; secret: string } | null>(null);

  async load(): Promise<void> {
    await this.run(async () => {
      const result = await firstValueFrom(
        this.apollo.query({ query: MyPersonalAccessTokensDocument, fetchPolicy: 'network-only' }),
      );
      this.tokens.set(result.data?.myPersonalAccessTokens ?? []);
    });
  }

  async create(input: {
    name: string;
    scopes: readonly Scope[];
    expiresInDays: number | null;
  }): Promise<boolean> {
    return this.run(async () => {
      const result = await firstValueFrom(
        this.apollo.mutate({
          mutation: CreatePersonalAccessTokenDocument,
          variables: { input: { ...input, scopes: [...input.scopes] } },
        }),
      );
      const created = result.data?.createPersonalAccessToken;
      if (!created) return;
      this.tokens.update((tokens) => [created.token, ...tokens]);
      this.createdSecret.set({ name: created.token.name, secret: created.secret });
    });
  }

  async revoke(id: string): Promise<boolean> {
    return this.run(async () => {
      await firstValueFrom(
        this.apollo.mutate({ mutation: RevokePersonalAccessTokenDocument, variables: { id } }),
      );
      this.tokens.update((tokens) => tokens.filter((token) => token.id !== id));
      if (this.createdSecret()) this.createdSecret.set(null);
    });
  }

  dismissSecret(): void {
    this.createdSecret.set(null);
  }

  private async run(work: () => Promise<void>): Promise<boolean> {
    this.busy.set(true);
    this.error.set(null);
    try {
      await work();
      return true;
    } catch (error) {
      this.error.set(toUiError(error).message);
      return false;
    } finally {
      this.busy.set(false);
    }
  }
}
