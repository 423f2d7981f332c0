import { ChangeDetectionStrategy, Component, computed, inject, input, signal } from '@angular/core';
import { NonNullableFormBuilder, ReactiveFormsModule, Validators } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatCardModule } from '@angular/material/card';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { Router, RouterLink } from '@angular/router';

import { PASSWORD_MIN_LENGTH, USERNAME_PATTERN } from '@finserve/shared';
import { AuthService, toUiError } from '@finserve/web/data-access';

/** Sign in and sign up (the route's `mode`), then back to where the user came from. */
@Component({
  selector: 'fs-auth-page',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [
    ReactiveFormsModule,
    RouterLink,
    MatButtonModule,
    MatCardModule,
    MatFormFieldModule,
    MatInputModule,
    MatProgressBarModule,
  ],
  template: `
    <div class="fs-page wrap">
      <mat-card appearance="outlined" class="card">
        @if (busy()) {
          <mat-progress-bar mode="indeterminate" />
        }
        <mat-card-header>
          <mat-card-title>
            <h1>
              @if (signingUp()) {
                <ng-container i18n="@@auth.signUp.title">Create your account</ng-container>
              } @else {
                <ng-container i18n="@@auth.signIn.title">Sign in</ng-container>
              }
            </h1>
          </mat-card-title>
        </mat-card-header>
        <mat-card-content>
          <form [formGroup]="form" (ngSubmit)="submit()" novalidate>
            <mat-form-field appearance="outline">
              <mat-label i18n="@@auth.username">Username</mat-label>
              <input matInput formControlName="username" autocomplete="username" name="username" />
              @if (form.controls.username.hasError('pattern')) {
                <mat-error i18n="@@auth.username.pattern"
                  >3–32 letters, digits or underscores</mat-error
                >
              } @else {
                <mat-error i18n="@@auth.username.required">Username is required</mat-error>
              }
            </mat-form-field>
            @if (signingUp()) {
              <mat-form-field appearance="outline">
                <mat-label i18n="@@auth.displayName">Display name (optional)</mat-label>
                <input
                  matInput
                  formControlName="displayName"
                  autocomplete="nickname"
                  name="displayName"
                />
              </mat-form-field>
            }
            <mat-form-field appearance="outline">
              <mat-label i18n="@@auth.password">Password</mat-label>
              <input
                matInput
                type="password"
                formControlName="password"
                name="password"
                [autocomplete]="signingUp() ? 'new-password' : 'current-password'"
              />
              @if (signingUp()) {
                <mat-hint i18n="@@auth.password.min">At least 8 characters</mat-hint>
              }
              @if (signingUp()) {
                <mat-error i18n="@@auth.password.min">At least 8 characters</mat-error>
              } @else {
                <mat-error i18n="@@auth.password.required">Password is required</mat-error>
              }
            </mat-form-field>
            @if (error(); as message) {
              <p class="fs-error" role="alert">{{ message }}</p>
            }
            <button mat-flat-button type="submit" [disabled]="busy()">
              @if (signingUp()) {
                <ng-container i18n="@@auth.signUp.submit">Sign up</ng-container>
              } @else {
                <ng-container i18n="@@auth.signIn.submit">Sign in</ng-container>
              }
            </button>
          </form>
        </mat-card-content>
        <mat-card-actions>
          @if (signingUp()) {
            <span i18n="@@auth.haveAccount">Have an account?</span>
            <a
              mat-button
              routerLink="/signin"
              [queryParams]="{ returnUrl: returnUrl() }"
              i18n="@@auth.signIn.link"
              >Sign in</a
            >
          } @else {
            <span i18n="@@auth.newHere">New here?</span>
            <a
              mat-button
              routerLink="/signup"
              [queryParams]="{ returnUrl: returnUrl() }"
              i18n="@@auth.signUp.link"
              >Create an account</a
            >
          }
        </mat-card-actions>
      </mat-card>
    </div>
  `,
  styles: `
    .wrap {
      display: flex;
      justify-content: center;
      padding-top: 48px;
    }
    .card {
      width: 100%;
      max-width: 420px;
    }
    h1 {
      margin: 8px 0 16px;
      font: var(--mat-sys-headline-small);
    }
    form {
      display: flex;
      flex-direction: column;
      gap: 4px;
    }
    mat-card-actions {
      gap: 8px;
      padding-left: 16px;
    }
  `,
})
export class AuthPageComponent {
  private readonly auth = inject(AuthService);
  private readonly router = inject(Router);

  /** From the route data. */
  readonly mode = input<'signin' | 'signup'>('signin');
  /** From the query string (set by the guard). */
  readonly returnUrl = input<string | undefined>(undefined);

  protected readonly signingUp = computed(() => this.mode() === 'signup');
  protected readonly busy = signal(false);
  protected readonly error = signal<string | null>(null);

  protected readonly form = inject(NonNullableFormBuilder).group({
    username: ['', [Validators.required, Validators.pattern(USERNAME_PATTERN)]],
    displayName: [''],
    password: ['', [Validators.required, Validators.minLength(PASSWORD_MIN_LENGTH)]],
  });

  protected async submit(): Promise<void> {
    if (this.form.invalid) {
      this.form.markAllAsTouched();
      return;
    }
    const { username, password, displayName } = this.form.getRawValue();
    this.busy.set(true);
    this.error.set(null);
    try {
      if (this.signingUp()) await this.auth.signUp(username, password, displayName);
      else await this.auth.signIn(username, password);
      const target = this.returnUrl();
      await this.router.navigateByUrl(target?.startsWith('/') ? target : '/');
    } catch (error) {
      this.error.set(toUiError(error, this.signingUp() ? 'signUp' : 'signIn').message);
    } finally {
      this.busy.set(false);
    }
  }
}
