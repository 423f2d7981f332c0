import { ChangeDetectionStrategy, Component, computed, inject } from '@angular/core';
import { MatBadgeModule } from '@angular/material/badge';
import { MatButtonModule } from '@angular/material/button';
import { MatIconModule } from '@angular/material/icon';
import { MatMenuModule } from '@angular/material/menu';
import { MatTooltipModule } from '@angular/material/tooltip';
import { RouterLink } from '@angular/router';

import { AuthService } from '@finserve/web/data-access';
import { DateTimePipe } from '@finserve/web/ui';

import { notificationIcon } from './notification-text';
import { NotificationsStore } from './notifications.store';

/** The toolbar's bell: the unread count, and a menu of the latest notifications (read once seen). */
@Component({
  selector: 'fs-notification-bell',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [
    MatBadgeModule,
    MatButtonModule,
    MatIconModule,
    MatMenuModule,
    MatTooltipModule,
    RouterLink,
    DateTimePipe,
  ],
  template: `
    @if (auth.signedIn()) {
      <button
        mat-icon-button
        type="button"
        [matMenuTriggerFor]="menu"
        (menuOpened)="opened()"
        [attr.aria-label]="label()"
        [matTooltip]="label()"
        data-testid="notification-bell"
        [attr.data-unread]="store.unread()"
      >
        <mat-icon
          aria-hidden="true"
          [matBadge]="store.unread() > 0 ? store.unread() : null"
          matBadgeColor="warn"
          matBadgeSize="small"
          >notifications</mat-icon
        >
      </button>
      <mat-menu #menu="matMenu" class="fs-notification-menu" xPosition="before">
        @for (n of store.items(); track n.id) {
          <a
            mat-menu-item
            [routerLink]="store.link(n)"
            [class.unread]="!n.read"
            data-testid="notification-item"
            [attr.data-type]="n.type"
          >
            <mat-icon aria-hidden="true">{{ icon(n) }}</mat-icon>
            <span class="text">{{ store.text(n) }}</span>
            <span class="when">{{ n.createdAt | fsDateTime }}</span>
          </a>
        } @empty {
          <p class="empty" i18n="@@social.bell.empty">No notifications yet</p>
        }
      </mat-menu>
    }
  `,
  styles: `
    .text {
      display: block;
      white-space: normal;
      max-width: 320px;
    }
    .when {
      display: block;
      font-size: 12px;
      opacity: 0.7;
    }
    .unread .text {
      font-weight: 500;
    }
    .empty {
      padding: 8px 16px;
      margin: 0;
    }
  `,
})
export class NotificationBellComponent {
  protected readonly auth = inject(AuthService);
  protected readonly store = inject(NotificationsStore);
  protected readonly icon = notificationIcon;

  protected readonly label = computed(() => {
    const count = this.store.unread();
    return count > 0
      ? $localize`:@@social.bell.unread:Notifications, ${count}:count: unread`
      : $localize`:@@social.bell.label:Notifications`;
  });

  protected opened(): void {
    void this.store.refresh().then(() => this.store.markAllRead());
  }
}
