import { inject, Injectable, signal } from '@angular/core';
import { Apollo } from 'apollo-angular';
import { firstValueFrom } from 'rxjs';

import { toUiError } from '@finserve/web/data-access';

import {
  CreateOAuthAppDocument,
  DeleteOAuthAppDocument,
  MyOAuthAppsDocument,
  type OAuthAppFieldsFragment,
} from './graphql.generated';

export type OAuthApp = OAuthAppFieldsFragment;

/** The signed-in user's OAuth apps: list, create (client secret kept until dismissed), delete. */
@Injectable()
export class OAuthAppsStore {
  private readonly apollo = inject(Apollo);

  readonly apps = signal<readonly OAuthApp[]>([]);
  readonly busy = signal(false);
  readonly error = signal<string | null>(null);
  /** The client secret of the app just created: shown once, never fetched again. */
  readonly created = signal<{ name: string; clientId: string; clientSecret: string } | null>(null);

  async load(): Promise<void> {
    await this.run(async () => {
      const result = await firstValueFrom(
        this.apollo.query({ query: MyOAuthAppsDocument, fetchPolicy: 'network-only' }),
      );
      this.apps.set(result.data?.myOAuthApps ?? []);
    });
  }

  async create(input: { name: string; redirectUris: readonly string[] }): Promise<boolean> {
    return this.run(async () => {
      const result = await firstValueFrom(
        this.apollo.mutate({
          mutation: CreateOAuthAppDocument,
          variables: { input: { name: input.name, redirectUris: [...input.redirectUris] } },
        }),
      );
      const created = result.data?.createOAuthApp;
      if (!created) return;
      this.apps.update((apps) => [created.app, ...apps]);
      this.created.set({
        name: created.app.name,
        clientId: created.app.clientId,
        clientSecret: created.clientSecret,
      });
    });
  }

  async delete(id: string): Promise<boolean> {
    return this.run(async () => {
      await firstValueFrom(
        this.apollo.mutate({ mutation: DeleteOAuthAppDocument, variables: { id } }),
      );
      this.apps.update((apps) => apps.filter((app) => app.id !== id));
      if (this.created()) this.created.set(null);
    });
  }

  dismissSecret(): void {
    this.created.set(null);
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
