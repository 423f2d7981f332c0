import { ChangeDetectionStrategy, Component, effect, inject, input, signal } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MatCardModule } from '@angular/material/card';
import { MatProgressBarModule } from '@angular/material/progress-bar';

import { AuthService, TokenSession, type UiError } from '@finserve/web/data-access';

import {
  answerConsentRequest,
  ConsentError,
  fetchConsentRequest,
  type ConsentRequest,
} from './oauth-consent';
import { scopeDescription } from './scope-labels';

/** Where the browser goes next (a seam for tests). */
export const navigate = { to: (url: string): void => window.location.assign(url) };

/**
 * `/oauth/consent?uid=...` (signed in; the route's guard sends others through sign-in and back):
 * an app asks for access to the user's account. The user sees the app's name and what each
 * requested scope allows, then approves or denies; the browser goes back to the app either way.
 */
@Component({
  selector: 'fs-oauth-consent-page',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [MatButtonModule, MatCardModule, MatProgressBarModule],
  templateUrl: './oauth-consent-page.component.html',
  styles: `
    .wrap {
      max-width: 560px;
      margin-inline: auto;
    }
    h1 {
      font: var(--mat-sys-headline-small);
      margin: 0 0 8px;
    }
    .scope-name {
      font-family: monospace;
    }
    .meta {
      color: var(--mat-sys-on-surface-variant);
      font: var(--mat-sys-body-small);
      word-break: break-all;
    }
    .actions {
      display: flex;
      gap: 8px;
      justify-content: flex-end;
    }
    .error {
      color: var(--mat-sys-error);
    }
  `,
})
export class OAuthConsentPageComponent {
  private readonly session = inject(TokenSession);
  protected readonly auth = inject(AuthService);

  /** The authorization request's id (query parameter). */
  readonly uid = input<string | undefined>(undefined);

  protected readonly request = signal<ConsentRequest | null>(null);
  protected readonly busy = signal(false);
  protected readonly error = signal<UiError | null>(null);
  protected readonly describe = scopeDescription;

  constructor() {
    effect(() => {
      const uid = this.uid();
      if (uid) void this.load(uid);
      else
        this.error.set({
          code: 'NOT_FOUND',
          message: $localize`:@@oauthConsent.expired:This authorization request has expired or is unknown. Go back to the app and start again.`,
        });
    });
  }

  protected async answer(approve: boolean): Promise<void> {
    const request = this.request();
    if (!request) return;
    await this.run(async (token) => {
      navigate.to(await answerConsentRequest(request.uid, token, approve));
    });
  }

  private async load(uid: string): Promise<void> {
    await this.run(async (token) => this.request.set(await fetchConsentRequest(uid, token)));
  }

  private async run(work: (token: string) => Promise<void>): Promise<void> {
    this.busy.set(true);
    this.error.set(null);
    try {
      const token = await this.session.fresh();
      if (!token) throw new Error('signed out');
      await work(token);
    } catch (error) {
      this.error.set(
        error instanceof ConsentError
          ? error.ui
          : {
              code: 'NETWORK',
              message: $localize`:@@error.network:Cannot reach the server. Check your connection and try again.`,
            },
      );
    } finally {
      this.busy.set(false);
    }
  }
}
