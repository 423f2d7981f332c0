import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

import type { NotificationRecord, NotificationType } from './social.models';

/** What a notification is about; `dedupeKey` is unique per recipient (one notice per event). */
export interface NotificationSpec {
  type: NotificationType;
  actorId: string | null;
  streamId?: string | null;
  tipId?: string | null;
  clipId?: string | null;
  dedupeKey: string;
}

interface NotificationRow {
  id: string;
  user_id: string;
  type: NotificationType;
  actor_id: string | null;
  stream_id: string | null;
  tip_id: string | null;
  clip_id: string | null;
  read_at: Date | null;
  created_at: Date;
}

const COLUMNS = 'id, user_id, type, actor_id, stream_id, tip_id, clip_id, read_at, created_at';

const toRecord = (row: NotificationRow): NotificationRecord => ({
  id: row.id,
  userId: row.user_id,
  type: row.type,
  actorId: row.actor_id,
  streamId: row.stream_id,
  tipId: row.tip_id,
  clipId: row.clip_id,
  read: row.read_at !== null,
  createdAt: new Date(row.created_at),
});

/** The `notifications` table (and its fan-out over `follows`): the only place its SQL lives. */
@Injectable()
export class NotificationsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Inserts the user's notification; the created one, or null when the dedupe key existed. */
  async insertOne(userId: string, spec: NotificationSpec): Promise<NotificationRecord | null> {
    const rows = await this.dataSource.query<NotificationRow[]>(
      `INSERT INTO notifications (user_id, type, actor_id, stream_id, tip_id, clip_id, dedupe_key)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (user_id, dedupe_key) DO NOTHING RETURNING ${COLUMNS}`,
      [
        userId,
        spec.type,
        spec.actorId,
        spec.streamId ?? null,
        spec.tipId ?? null,
        spec.clipId ?? null,
        spec.dedupeKey,
      ],
    );
    return rows.map(toRecord)[0] ?? null;
  }

  /**
   * Inserts the notification, created at `at`, for each follower of `followeeId` whose id is in
   * (after, upTo] (null: unbounded), in one multi-row INSERT. Skipped: a follower who has it
   * already (same dedupe key), and, for STREAM_LIVE, one told of another go-live of the same
   * channel less than `renotifyAfterSeconds` before `at`. Returns the notifications created.
   */
  async insertForFollowers(
    followeeId: string,
    after: string | null,
    upTo: string | null,
    spec: NotificationSpec,
    at: Date,
    renotifyAfterSeconds: number,
  ): Promise<NotificationRecord[]> {
    const rows = await this.dataSource.query<NotificationRow[]>(
      `INSERT INTO notifications (user_id, type, actor_id, stream_id, tip_id, clip_id, dedupe_key, created_at)
       SELECT f.follower_id, $4::varchar, $5::uuid, $6::uuid, $7::uuid, $8::uuid, $9::varchar, $10::timestamptz
         FROM follows f
        WHERE f.followee_id = $1
          AND ($2::uuid IS NULL OR f.follower_id > $2::uuid)
          AND ($3::uuid IS NULL OR f.follower_id <= $3::uuid)
          AND ($4::varchar <> 'STREAM_LIVE' OR NOT EXISTS (
                SELECT 1 FROM notifications n
                 WHERE n.user_id = f.follower_id
                   AND n.created_at > $10::timestamptz - make_interval(secs => $11::int)
                   AND n.type = 'STREAM_LIVE' AND n.actor_id = $5::uuid AND n.stream_id <> $6::uuid))
        ORDER BY f.follower_id
       ON CONFLICT (user_id, dedupe_key) DO NOTHING RETURNING ${COLUMNS}`,
      [
        followeeId,
        after,
        upTo,
        spec.type,
        spec.actorId,
        spec.streamId ?? null,
        spec.tipId ?? null,
        spec.clipId ?? null,
        spec.dedupeKey,
        at,
        renotifyAfterSeconds,
      ],
    );
    return rows.map(toRecord);
  }

  /** Up to `limit` of the user's notifications, newest first; `before`: those older than it. */
  async list(userId: string, limit: number, before: string | null): Promise<NotificationRecord[]> {
    const rows = await this.dataSource.query<NotificationRow[]>(
      `SELECT ${COLUMNS} FROM notifications
        WHERE user_id = $1
          AND ($2::uuid IS NULL OR (created_at, id) < (SELECT created_at, id FROM notifications WHERE id = $2))
        ORDER BY created_at DESC, id DESC
        LIMIT $3`,
      [userId, before, limit],
    );
    return rows.map(toRecord);
  }

  /** How many of the user's notifications are unread. */
  async unreadCount(userId: string): Promise<number> {
    const [row] = await this.dataSource.query<{ count: number }[]>(
      'SELECT count(*)::int AS count FROM notifications WHERE user_id = $1 AND read_at IS NULL',
      [userId],
    );
    return row?.count ?? 0;
  }

  /** Marks read the user's notifications up to and including `upTo` (all when null). */
  async markRead(userId: string, upTo: string | null): Promise<void> {
    await this.dataSource.query(
      `UPDATE notifications SET read_at = now()
        WHERE user_id = $1 AND read_at IS NULL
          AND ($2::uuid IS NULL OR (created_at, id) <= (SELECT created_at, id FROM notifications WHERE id = $2))`,
      [userId, upTo],
    );
  }

  /** Whether notification `id` is the user's. */
  async isOwnedBy(id: string, userId: string): Promise<boolean> {
    const rows = await this.dataSource.query<unknown[]>(
      'SELECT 1 FROM notifications WHERE id = $1 AND user_id = $2',
      [id, userId],
    );
    return rows.length > 0;
  }
}
