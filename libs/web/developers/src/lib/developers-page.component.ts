import { Clipboard } from '@angular/cdk/clipboard';
import { DatePipe } from '@angular/common';
import { ChangeDetectionStrategy, Component, inject } from '@angular/core';
import { NonNullableFormBuilder, ReactiveFormsModule, Validators } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatCardModule } from '@angular/material/card';
import { MatCheckboxModule } from '@angular/material/checkbox';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatIconModule } from '@angular/material/icon';
import { MatInputModule } from '@angular/material/input';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { MatSnackBar } from '@angular/material/snack-bar';

import { PAT_MAX_DAYS, PAT_MIN_DAYS, SCOPES, type Scope } from '@finserve/shared';

import { OAuthAppsCardComponent } from './oauth-apps-card.component';
import { PersonalTokensStore, type PersonalToken } from './personal-tokens.store';
import { scopeDescription } from './scope-labels';

/** Name length the server accepts. */
const NAME_MAX = 100;

/**
 * `/developers` (signed in): the user's personal access tokens for bots and scripts. A new token's
 * secret is shown once, with a copy button; revoking a token stops it at once.
 */
@Component({
  selector: 'fs-developers-page',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [
    DatePipe,
    MatButtonModule,
    MatCardModule,
    MatCheckboxModule,
    MatFormFieldModule,
    MatIconModule,
    MatInputModule,
    MatProgressBarModule,
    OAuthAppsCardComponent,
    ReactiveFormsModule,
  ],
  providers: [PersonalTokensStore],
  templateUrl: './developers-page.component.html',
  styles: `
    .wrap {
      max-width: 760px;
      margin-inline: auto;
      display: flex;
      flex-direction: column;
      gap: 16px;
    }
    h1,
    h2 {
      font: var(--mat-sys-headline-small);
      margin: 0 0 8px;
    }
    form,
    .scopes {
      display: flex;
      flex-direction: column;
      gap: 4px;
    }
    .scope-name {
      font-family: monospace;
    }
    .secret {
      display: flex;
      gap: 8px;
      align-items: center;
      word-break: break-all;
    }
    .secret code {
      flex: 1;
      padding: 8px;
      background: var(--mat-sys-surface-container);
      border-radius: 4px;
    }
    ul.tokens {
      list-style: none;
      padding: 0;
      margin: 0;
    }
    ul.tokens li {
      display: flex;
      justify-content: space-between;
      align-items: center;
      gap: 8px;
      padding: 8px 0;
      border-bottom: 1px solid var(--mat-sys-outline-variant);
    }
    .meta {
      color: var(--mat-sys-on-surface-variant);
      font: var(--mat-sys-body-small);
    }
    .error {
      color: var(--mat-sys-error);
    }
  `,
})
export class DevelopersPageComponent {
  protected readonly store = inject(PersonalTokensStore);
  private readonly clipboard = inject(Clipboard);
  private readonly snackBar = inject(MatSnackBar);

  protected readonly scopes = SCOPES;
  protected readonly nameMax = NAME_MAX;
  protected readonly minDays = PAT_MIN_DAYS;
  protected readonly maxDays = PAT_MAX_DAYS;
  protected readonly describe = scopeDescription;
  protected readonly form = inject(NonNullableFormBuilder).group({
    name: ['', [Validators.required, Validators.maxLength(NAME_MAX)]],
    scopes: inject(NonNullableFormBuilder).group(
      Object.fromEntries(SCOPES.map((scope) => [scope, false])) as Record<Scope, boolean>,
    ),
    /** Empty: never expires. */
    expiresInDays: [
      '90',
      [Validators.min(PAT_MIN_DAYS), Validators.max(PAT_MAX_DAYS), Validators.pattern(/^\d*$/)],
    ],
  });

  constructor() {
    void this.store.load();
  }

  protected async create(): Promise<void> {
    const { name, scopes, expiresInDays } = this.form.getRawValue();
    if (this.form.invalid || !name.trim()) {
      this.form.markAllAsTouched();
      return;
    }
    const chosen = SCOPES.filter((scope) => scopes[scope]);
    const created = await this.store.create({
      name: name.trim(),
      scopes: chosen,
      expiresInDays: expiresInDays === '' ? null : Number(expiresInDays),
    });
    if (created) this.form.controls.name.reset('');
  }

  protected copy(secret: string): void {
    if (this.clipboard.copy(secret))
      this.snackBar.open($localize`:@@developers.copied:Token copied`, undefined, {
        duration: 2000,
      });
  }

  protected async revoke(token: PersonalToken): Promise<void> {
    if (await this.store.revoke(token.id))
      this.snackBar.open($localize`:@@developers.revoked:Token revoked`, undefined, {
        duration: 3000,
      });
  }

  protected scopeList(token: PersonalToken): string {
    return token.scopes.length
      ? token.scopes.join(', ')
      : $localize`:@@developers.noScopes:public data only`;
  }
}
