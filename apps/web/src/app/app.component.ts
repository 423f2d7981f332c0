import { ChangeDetectionStrategy, Component, computed, inject } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MatIconModule } from '@angular/material/icon';
import { MatMenuModule } from '@angular/material/menu';
import { MatToolbarModule } from '@angular/material/toolbar';
import { MatTooltipModule } from '@angular/material/tooltip';
import { Router, RouterLink, RouterLinkActive, RouterOutlet } from '@angular/router';

import { AuthService } from '@finserve/web/data-access';

import { ThemeService } from './theme.service';

@Component({
  selector: 'fs-root',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [
    RouterOutlet,
    RouterLink,
    RouterLinkActive,
    MatToolbarModule,
    MatButtonModule,
    MatIconModule,
    MatMenuModule,
    MatTooltipModule,
  ],
  template: `
    <a class="skip" href="#main">Skip to content</a>
    <mat-toolbar class="bar" role="banner">
      <a routerLink="/" class="brand" aria-label="finserve live, home">
        <mat-icon aria-hidden="true">sensors</mat-icon>
        <span class="brand-text">finserve <strong>live</strong></span>
      </a>
      <nav class="nav" aria-label="Main">
        <a
          mat-button
          routerLink="/"
          routerLinkActive="active"
          [routerLinkActiveOptions]="{ exact: true }"
        >
          Streams
        </a>
        <a mat-button routerLink="/stats" routerLinkActive="active">Stats</a>
        <a mat-button routerLink="/studio" routerLinkActive="active">Studio</a>
      </nav>
      <span class="spacer"></span>
      <button
        mat-icon-button
        type="button"
        (click)="theme.next()"
        [attr.aria-label]="themeLabel()"
        [matTooltip]="themeLabel()"
      >
        <mat-icon aria-hidden="true">{{ themeIcon() }}</mat-icon>
      </button>
      @if (auth.user(); as user) {
        <button mat-button type="button" [matMenuTriggerFor]="account" data-testid="account-menu">
          <mat-icon aria-hidden="true">account_circle</mat-icon>
          <span class="user-name">{{ user.displayName }}</span>
        </button>
        <mat-menu #account="matMenu">
          <a mat-menu-item routerLink="/studio"
            ><mat-icon aria-hidden="true">videocam</mat-icon>Studio</a
          >
          <button mat-menu-item type="button" (click)="signOut()">
            <mat-icon aria-hidden="true">logout</mat-icon>Sign out
          </button>
        </mat-menu>
      } @else {
        <a mat-flat-button routerLink="/signin">Sign in</a>
      }
    </mat-toolbar>
    <main id="main" tabindex="-1">
      <router-outlet />
    </main>
  `,
  styles: `
    :host {
      display: block;
      min-height: 100%;
    }
    .skip {
      position: absolute;
      left: -9999px;
    }
    .skip:focus {
      left: 8px;
      top: 8px;
      z-index: 10;
    }
    .bar {
      position: sticky;
      top: 0;
      z-index: 5;
      gap: 4px;
      background: var(--mat-sys-surface-container);
    }
    .brand {
      display: inline-flex;
      align-items: center;
      gap: 6px;
      color: inherit;
      text-decoration: none;
      margin-right: 12px;
    }
    .brand mat-icon {
      color: #d32f2f;
    }
    .nav .active {
      background: var(--mat-sys-secondary-container);
    }
    .spacer {
      flex: 1;
    }
    main:focus {
      outline: none;
    }
    @media (max-width: 599px) {
      .brand-text,
      .user-name {
        display: none;
      }
      .nav a {
        min-width: 0;
        padding: 0 8px;
      }
    }
  `,
})
export class AppComponent {
  protected readonly auth = inject(AuthService);
  protected readonly theme = inject(ThemeService);
  private readonly router = inject(Router);

  protected readonly themeIcon = computed(
    () =>
      ({ system: 'brightness_auto', light: 'light_mode', dark: 'dark_mode' })[this.theme.choice()],
  );
  protected readonly themeLabel = computed(() => `Theme: ${this.theme.choice()} (change)`);

  protected async signOut(): Promise<void> {
    await this.auth.signOut();
    await this.router.navigateByUrl('/');
  }
}
