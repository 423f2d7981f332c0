import { ChangeDetectionStrategy, Component, inject, signal } from '@angular/core';
import { NonNullableFormBuilder, ReactiveFormsModule, Validators } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatCardModule } from '@angular/material/card';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { MatSnackBar } from '@angular/material/snack-bar';
import { RouterLink } from '@angular/router';
import { Apollo } from 'apollo-angular';
import { firstValueFrom } from 'rxjs';

import { BIO_MAX_LENGTH, DISPLAY_NAME_MAX_LENGTH } from '@finserve/shared';
import { AuthService, toUiError } from '@finserve/web/data-access';

import { MyProfileDocument, UpdateProfileDocument } from './graphql.generated';

/** `/settings` (signed in): the user's display name and channel bio. */
@Component({
  selector: 'fs-settings-page',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [
    MatButtonModule,
    MatCardModule,
    MatFormFieldModule,
    MatInputModule,
    MatProgressBarModule,
    ReactiveFormsModule,
    RouterLink,
  ],
  template: `
    <div class="fs-page wrap" data-testid="settings-page">
      <mat-card appearance="outlined">
        @if (busy()) {
          <mat-progress-bar mode="indeterminate" />
        }
        <mat-card-header>
          <mat-card-title><h1 i18n="@@settings.title">Profile</h1></mat-card-title>
        </mat-card-header>
        <mat-card-content>
          <form [formGroup]="form" (ngSubmit)="save()" novalidate>
            <mat-form-field appearance="outline">
              <mat-label i18n="@@settings.displayName">Display name</mat-label>
              <input
                matInput
                formControlName="displayName"
                autocomplete="nickname"
                [maxlength]="displayNameMax"
                data-testid="settings-display-name"
              />
              <mat-error i18n="@@settings.displayName.required"
                >A display name is required</mat-error
              >
            </mat-form-field>
            <mat-form-field appearance="outline">
              <mat-label i18n="@@settings.bio">Bio</mat-label>
              <textarea
                matInput
                formControlName="bio"
                rows="4"
                [maxlength]="bioMax"
                data-testid="settings-bio"
              ></textarea>
              <mat-hint align="end">{{ form.controls.bio.value.length }} / {{ bioMax }}</mat-hint>
            </mat-form-field>
            @if (error(); as error) {
              <p class="error" role="alert" data-testid="settings-error">{{ error }}</p>
            }
            <div class="actions">
              <button
                mat-flat-button
                type="submit"
                [disabled]="busy()"
                data-testid="settings-save"
                i18n="@@settings.save"
              >
                Save
              </button>
              @if (auth.user(); as user) {
                <a mat-button [routerLink]="['/c', user.username]" i18n="@@settings.viewChannel"
                  >View my channel</a
                >
              }
            </div>
          </form>
        </mat-card-content>
      </mat-card>
    </div>
  `,
  styles: `
    .wrap {
      max-width: 560px;
      margin-inline: auto;
    }
    h1 {
      font: var(--mat-sys-headline-small);
      margin: 0 0 8px;
    }
    form {
      display: flex;
      flex-direction: column;
      gap: 4px;
    }
    .actions {
      display: flex;
      gap: 8px;
      align-items: center;
    }
    .error {
      color: var(--mat-sys-error);
    }
  `,
})
export class SettingsPageComponent {
  private readonly apollo = inject(Apollo);
  private readonly snackBar = inject(MatSnackBar);
  protected readonly auth = inject(AuthService);

  protected readonly displayNameMax = DISPLAY_NAME_MAX_LENGTH;
  protected readonly bioMax = BIO_MAX_LENGTH;
  protected readonly form = inject(NonNullableFormBuilder).group({
    displayName: ['', [Validators.required, Validators.maxLength(DISPLAY_NAME_MAX_LENGTH)]],
    bio: ['', [Validators.maxLength(BIO_MAX_LENGTH)]],
  });
  protected readonly busy = signal(true);
  protected readonly error = signal<string | null>(null);

  constructor() {
    void this.load();
  }

  private async load(): Promise<void> {
    try {
      const result = await firstValueFrom(
        this.apollo.query({ query: MyProfileDocument, fetchPolicy: 'network-only' }),
      );
      const me = result.data?.me;
      if (me) this.form.setValue({ displayName: me.displayName, bio: me.bio ?? '' });
    } catch (error) {
      this.error.set(toUiError(error).message);
    } finally {
      this.busy.set(false);
    }
  }

  protected async save(): Promise<void> {
    if (this.form.invalid || !this.form.controls.displayName.value.trim()) {
      this.form.markAllAsTouched();
      return;
    }
    this.busy.set(true);
    this.error.set(null);
    try {
      const { displayName, bio } = this.form.getRawValue();
      const result = await firstValueFrom(
        this.apollo.mutate({
          mutation: UpdateProfileDocument,
          variables: { input: { displayName, bio } },
        }),
      );
      const user = result.data?.updateProfile;
      if (user) {
        this.auth.profileChanged(user);
        this.form.setValue({ displayName: user.displayName, bio: user.bio ?? '' });
      }
      this.snackBar.open($localize`:@@settings.saved:Profile saved`, undefined, { duration: 3000 });
    } catch (error) {
      this.error.set(toUiError(error).message);
    } finally {
      this.busy.set(false);
    }
  }
}
