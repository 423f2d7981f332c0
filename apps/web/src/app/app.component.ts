import { ChangeDetectionStrategy, Component, computed, inject } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MatIconModule } from '@angular/material/icon';
import { MatMenuModule } from '@angular/material/menu';
import { MatToolbarModule } from '@angular/material/toolbar';
import { MatTooltipModule } from '@angular/material/tooltip';
import { Router, RouterLink, RouterLinkActive, RouterOutlet } from '@angular/router';

import { AuthService } from '@finserve/web/data-access';
import { NotificationBellComponent } from '@finserve/web/social';
import { SearchBoxComponent } from '@finserve/web/stream-list';

import { LanguageService } from './language.service';
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
    NotificationBellComponent,
    SearchBoxComponent,
  ],
  template: `
    <a class="skip" href="#main" i18n="@@app.skip">Skip to content</a>
    <mat-toolbar class="bar" role="banner">
      <a
        routerLink="/"
        class="brand"
        aria-label="finserve live, home"
        i18n-aria-label="@@app.homeLabel"
      >
        <mat-icon aria-hidden="true">sensors</mat-icon>
        <span class="brand-text">finserve <strong>live</strong></span>
      </a>
      <nav class="nav" aria-label="Main" i18n-aria-label="@@app.navLabel">
        <a
          mat-button
          routerLink="/"
          routerLinkActive="active"
          [routerLinkActiveOptions]="{ exact: true }"
          i18n="@@app.nav.streams"
        >
          Streams
        </a>
        <a mat-button routerLink="/stats" routerLinkActive="active" i18n="@@app.nav.stats">Stats</a>
        <a mat-button routerLink="/studio" routerLinkActive="active" i18n="@@app.nav.studio"
          >Studio</a
        >
      </nav>
      <span class="spacer"></span>
      <fs-search-box class="toolbar-search" />
      <button
        mat-icon-button
        type="button"
        [matMenuTriggerFor]="languageMenu"
        [attr.aria-label]="languageLabel"
        [matTooltip]="languageLabel"
        data-testid="language-menu"
      >
        <mat-icon aria-hidden="true">translate</mat-icon>
      </button>
      <mat-menu #languageMenu="matMenu">
        @for (option of language.languages; track option.code) {
          <button
            mat-menu-item
            type="button"
            [attr.lang]="option.code"
            [attr.aria-current]="option.code === language.current"
            [attr.data-testid]="'language-' + option.code"
            (click)="language.switchTo(option.code)"
          >
            <mat-icon aria-hidden="true">{{
              option.code === language.current ? 'check' : ''
            }}</mat-icon>{{ option.label }}
          </button>
        }
      </mat-menu>
      <button
        mat-icon-button
        type="button"
        (click)="theme.next()"
        [attr.aria-label]="themeLabel()"
        [matTooltip]="themeLabel()"
      >
        <mat-icon aria-hidden="true">{{ themeIcon() }}</mat-icon>
      </button>
      <fs-notification-bell />
      @if (auth.user(); as user) {
        <button mat-button type="button" [matMenuTriggerFor]="account" data-testid="account-menu">
          <mat-icon aria-hidden="true">account_circle</mat-icon>
          <span class="user-name">{{ user.displayName }}</span>
        </button>
        <mat-menu #account="matMenu">
          <a mat-menu-item routerLink="/studio"
            ><mat-icon aria-hidden="true">videocam</mat-icon
            ><span i18n="@@app.menu.studio">Studio</span></a
          >
          <a mat-menu-item [routerLink]="['/c', user.username]" data-testid="menu-channel"
            ><mat-icon aria-hidden="true">person</mat-icon
            ><span i18n="@@app.menu.channel">My channel</span></a
          >
          <a mat-menu-item routerLink="/wallet" data-testid="menu-wallet"
            ><mat-icon aria-hidden="true">account_balance_wallet</mat-icon
            ><span i18n="@@app.menu.wallet">Wallet</span></a
          >
          <a mat-menu-item routerLink="/settings" data-testid="menu-settings"
            ><mat-icon aria-hidden="true">settings</mat-icon
            ><span i18n="@@app.menu.settings">Settings</span></a
          >
          <a mat-menu-item routerLink="/developers" data-testid="menu-developers"
            ><mat-icon aria-hidden="true">code</mat-icon
            ><span i18n="@@app.menu.developers">Developers</span></a
          >
          <button mat-menu-item type="button" (click)="signOut()">
            <mat-icon aria-hidden="true">logout</mat-icon
            ><span i18n="@@app.menu.signOut">Sign out</span>
          </button>
        </mat-menu>
      } @else {
        <a mat-flat-button routerLink="/signin" i18n="@@app.signIn">Sign in</a>
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
    .toolbar-search {
      margin-right: 8px;
    }
    @media (max-width: 599px) {
      /* No room on a phone: the home and search pages have the box. */
      .toolbar-search,
      .brand-text,
      .user-name {
        display: none;
      }
      .bar {
        gap: 0;
        padding: 0 8px;
      }
      .brand {
        margin-right: 4px;
      }
      .nav a {
        min-width: 0;
        padding: 0 6px;
      }
      .bar .mat-mdc-icon-button {
        --mat-icon-button-state-layer-size: 40px;
        width: 40px;
        height: 40px;
        padding: 8px;
      }
      .bar .mat-mdc-unelevated-button,
      .bar .mat-mdc-button {
        padding: 0 8px;
        min-width: 0;
      }
    }
  `,
})
export class AppComponent {
  protected readonly auth = inject(AuthService);
  protected readonly theme = inject(ThemeService);
  protected readonly language = inject(LanguageService);
  private readonly router = inject(Router);

  protected readonly themeIcon = computed(
    () =>
      ({ system: 'brightness_auto', light: 'light_mode', dark: 'dark_mode' })[this.theme.choice()],
  );
  protected readonly themeLabel = computed(() => {
    const names = {
      system: $localize`:@@app.theme.system:system`,
      light: $localize`:@@app.theme.light:light`,
      dark: $localize`:@@app.theme.dark:dark`,
    };
    const theme = names[this.theme.choice()];
    return $localize`:@@app.theme.label:Theme: ${theme}:theme: (change)`;
  });
  protected readonly languageLabel = $localize`:@@app.language.label:Language`;

  protected async signOut(): Promise<void> {
    await this.auth.signOut();
    await this.router.navigateByUrl('/');
  }
}
