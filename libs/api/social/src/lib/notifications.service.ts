import { Inject, Injectable } from '@nestjs/common';

import { NotFoundError, PUB_SUB, type EventBus } from '@finserve/api/core';

import { NotificationsRepository, type NotificationSpec } from './notifications.repository';
import type { NotificationEvent, NotificationRecord } from './social.models';

export type { NotificationSpec } from './notifications.repository';

/** Channel of one user's new notifications. */
export const notificationChannel = (userId: string): string => `notifications.${userId}`;

/** A follower told of a channel's go-live is not told of another one of it within this long. */
export const LIVE_RENOTIFY_AFTER_SECONDS = 10 * 60;

export const toNotificationEvent = (record: NotificationRecord): NotificationEvent => ({
  ...record,
  createdAt: record.createdAt.toISOString(),
});

export const fromNotificationEvent = (event: NotificationEvent): NotificationRecord => ({
  ...event,
  createdAt: new Date(event.createdAt),
});

/** Notifications (their SQL: NotificationsRepository), and the live push of new ones. */
@Injectable()
export class NotificationsService {
  constructor(
    private readonly notifications: NotificationsRepository,
    @Inject(PUB_SUB) private readonly bus: EventBus,
  ) {}

  /**
   * Creates the notification for one recipient, unless it exists already (same dedupe key), and
   * tells the recipient's open pages. Returns it when it was created.
   */
  async notifyOne(userId: string, spec: NotificationSpec): Promise<NotificationRecord | null> {
    const created = await this.notifications.insertOne(userId, spec);
    if (created) await this.publish([created]);
    return created;
  }

  /**
   * Notifies the followers of `followeeId` whose id is in (after, upTo] (null: unbounded), in
   * one multi-row INSERT; a follower who has it already (a retried job) is skipped. Returns the
   * notifications created.
   */
  async notifyFollowers(
    followeeId: string,
    after: string | null,
    upTo: string | null,
    spec: NotificationSpec,
    at: Date,
  ): Promise<NotificationRecord[]> {
    // STREAM_LIVE: a follower told of this channel's go-live (another stream of it) less than
    // LIVE_RENOTIFY_AFTER_SECONDS before `at` is not told again (a channel that flaps).
    const created = await this.notifications.insertForFollowers(
      followeeId,
      after,
      upTo,
      spec,
      at,
      LIVE_RENOTIFY_AFTER_SECONDS,
    );
    await this.publish(created);
    return created;
  }

  /** The user's notifications, newest first; `before`: those older than that one. */
  async list(userId: string, limit: number, before: string | null): Promise<NotificationRecord[]> {
    if (before) await this.assertOwn(userId, before);
    return this.notifications.list(userId, limit, before);
  }

  async unreadCount(userId: string): Promise<number> {
    return this.notifications.unreadCount(userId);
  }

  /** Marks read the user's notifications up to and including `upTo` (all when null). */
  async markRead(userId: string, upTo: string | null): Promise<number> {
    if (upTo) await this.assertOwn(userId, upTo);
    await this.notifications.markRead(userId, upTo);
    return this.unreadCount(userId);
  }

  /** Another user's notification is as unknown as a missing one (no probing of ids). */
  private async assertOwn(userId: string, id: string): Promise<void> {
    if (!(await this.notifications.isOwnedBy(id, userId))) throw new NotFoundError('Notification');
  }

  private async publish(created: NotificationRecord[]): Promise<void> {
    await Promise.all(
      created.map((record) =>
        this.bus.publish(notificationChannel(record.userId), toNotificationEvent(record)),
      ),
    );
  }
}
