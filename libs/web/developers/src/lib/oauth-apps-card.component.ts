import { Clipboard } from '@angular/cdk/clipboard';
import { DatePipe } from '@angular/common';
import { ChangeDetectionStrategy, Component, inject } from '@angular/core';
import { NonNullableFormBuilder, ReactiveFormsModule, Validators } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatCardModule } from '@angular/material/card';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatIconModule } from '@angular/material/icon';
import { MatInputModule } from '@angular/material/input';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { MatSnackBar } from '@angular/material/snack-bar';

import { OAuthAppsStore, type OAuthApp } from './oauth-apps.store';

/** Name length the server accepts. */
const NAME_MAX = 100;

/** One redirect URI per line, blank lines ignored (pure). */
export function redirectUrisOf(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.length > 0);
}

/**
 * The "OAuth apps" card of /developers: the user's third-party applications (OAuth clients).
 * A new app's client secret is shown once, with a copy button; deleting an app stops its tokens.
 */
@Component({
  selector: 'fs-oauth-apps-card',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [
    DatePipe,
    MatButtonModule,
    MatCardModule,
    MatFormFieldModule,
    MatIconModule,
    MatInputModule,
    MatProgressBarModule,
    ReactiveFormsModule,
  ],
  providers: [OAuthAppsStore],
  templateUrl: './oauth-apps-card.component.html',
  styles: `
    h2 {
      font: var(--mat-sys-headline-small);
      margin: 0 0 8px;
    }
    form {
      display: flex;
      flex-direction: column;
      gap: 4px;
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
    ul.apps {
      list-style: none;
      padding: 0;
      margin: 0;
    }
    ul.apps li {
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
      word-break: break-all;
    }
    .error {
      color: var(--mat-sys-error);
    }
  `,
})
export class OAuthAppsCardComponent {
  protected readonly store = inject(OAuthAppsStore);
  private readonly clipboard = inject(Clipboard);
  private readonly snackBar = inject(MatSnackBar);

  protected readonly nameMax = NAME_MAX;
  protected readonly form = inject(NonNullableFormBuilder).group({
    name: ['', [Validators.required, Validators.maxLength(NAME_MAX)]],
    redirectUris: ['', [Validators.required]],
  });

  constructor() {
    void this.store.load();
  }

  protected async create(): Promise<void> {
    const { name, redirectUris } = this.form.getRawValue();
    const uris = redirectUrisOf(redirectUris);
    if (this.form.invalid || !name.trim() || !uris.length) {
      this.form.markAllAsTouched();
      return;
    }
    if (await this.store.create({ name: name.trim(), redirectUris: uris }))
      this.form.reset({ name: '', redirectUris: '' });
  }

  protected copy(text: string): void {
    if (this.clipboard.copy(text))
      this.snackBar.open($localize`:@@oauthApps.copied:Copied`, undefined, { duration: 2000 });
  }

  protected async delete(app: OAuthApp): Promise<void> {
    if (await this.store.delete(app.id))
      this.snackBar.open($localize`:@@oauthApps.deleted:App deleted`, undefined, {
        duration: 3000,
      });
  }
}
