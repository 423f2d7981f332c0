import { formatCurrency } from '@angular/common';
import {
  DestroyRef,
  effect,
  inject,
  Injectable,
  LOCALE_ID,
  signal,
  untracked,
} from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import { MatSnackBar } from '@angular/material/snack-bar';
import { Router } from '@angular/router';
import { Apollo } from 'apollo-angular';
import { firstValueFrom, type Subscription } from 'rxjs';

import { AuthService, GraphqlSocket } from '@finserve/web/data-access';

import {
  MarkNotificationsReadDocument,
  MyNotificationsDocument,
  NotificationReceivedDocument,
  type NotificationItemFragment,
} from './graphql.generated';
import { notificationLink, notificationText } from './notification-text';

const LIMIT = 20;

/**
 * The signed-in user's notifications: the latest ones, the unread count, and new ones as they
 * happen (`notificationReceived`), each announced by a toast. Starts on sign-in, clears on
 * sign-out. After the socket was down (network lost, server restarted), the list and the count
 * are read again: what happened meanwhile is in them.
 */
@Injectable({ providedIn: 'root' })
export class NotificationsStore {
  private readonly apollo = inject(Apollo);
  private readonly auth = inject(AuthService);
  private readonly snackBar = inject(MatSnackBar);
  private readonly router = inject(Router);
  private readonly locale = inject(LOCALE_ID);

  readonly items = signal<NotificationItemFragment[]>([]);
  readonly unread = signal(0);
  private live?: Subscription;

  constructor() {
    effect(() => {
      const userId = this.auth.user()?.id;
      untracked(() => (userId ? this.start() : this.stop()));
    });
    inject(GraphqlSocket)
      .reconnected$.pipe(takeUntilDestroyed())
      .subscribe(() => {
        if (this.live) void this.refresh();
      });
    inject(DestroyRef).onDestroy(() => this.stop());
  }

  text(n: NotificationItemFragment): string {
    const amount = n.tip
      ? formatCurrency(n.tip.amountCents / 100, this.locale, n.tip.currency, n.tip.currency)
      : '';
    return notificationText(n, amount);
  }

  link(n: NotificationItemFragment): string {
    return notificationLink(n);
  }

  async refresh(): Promise<void> {
    try {
      const result = await firstValueFrom(
        this.apollo.query({
          query: MyNotificationsDocument,
          variables: { limit: LIMIT },
          fetchPolicy: 'no-cache',
        }),
      );
      if (!result.data) return;
      this.items.set(result.data.myNotifications);
      this.unread.set(result.data.unreadNotificationCount);
    } catch {
      // Offline or signed out meanwhile: the list stays as it was.
    }
  }

  /** Everything listed is read once the list is seen. */
  async markAllRead(): Promise<void> {
    const newest = this.items()[0];
    if (!newest || this.unread() === 0) return;
    try {
      const result = await firstValueFrom(
        this.apollo.mutate({
          mutation: MarkNotificationsReadDocument,
          variables: { upTo: newest.id },
        }),
      );
      this.unread.set(result.data?.markNotificationsRead ?? 0);
      this.items.update((items) => items.map((n) => ({ ...n, read: true })));
    } catch {
      // They stay unread; the next opening tries again.
    }
  }

  private start(): void {
    this.stop();
    // Subscribe first, then read the list: nothing falls between the two.
    this.live = this.apollo
      .subscribe({ query: NotificationReceivedDocument, fetchPolicy: 'no-cache' })
      .subscribe((result) => {
        const n = result.data?.notificationReceived;
        if (n) this.received(n);
      });
    void this.refresh();
  }

  private stop(): void {
    this.live?.unsubscribe();
    this.live = undefined;
    this.items.set([]);
    this.unread.set(0);
  }

  private received(n: NotificationItemFragment): void {
    if (this.items().some((item) => item.id === n.id)) return;
    this.items.update((items) => [n, ...items].slice(0, LIMIT));
    this.unread.update((count) => count + 1);
    const toast = this.snackBar.open(this.text(n), $localize`:@@social.toast.open:Open`, {
      duration: 8000,
    });
    toast.onAction().subscribe(() => void this.router.navigateByUrl(this.link(n)));
  }
}
