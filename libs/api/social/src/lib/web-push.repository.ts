import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/** A browser's push subscription: where to send, and its keys. */
export interface PushTarget {
  id: string;
  endpoint: string;
  p256dh: string;
  auth: string;
}

/** The stored VAPID pair. */
export interface StoredVapidKeys {
  publicKey: string;
  privateKey: string;
}

/**
 * The `web_push_subscriptions` and `web_push_vapid` tables: the only place their SQL lives.
 */
@Injectable()
export class WebPushRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Stores `candidate` as the VAPID pair unless one is stored already; the stored pair (the first
   * instance's, for every instance), or null if the row vanished.
   */
  async vapidKeysOr(candidate: StoredVapidKeys): Promise<StoredVapidKeys | null> {
    await this.dataSource.query(
      `INSERT INTO web_push_vapid (id, public_key, private_key) VALUES (1, $1, $2)
       ON CONFLICT (id) DO NOTHING`,
      [candidate.publicKey, candidate.privateKey],
    );
    const [row] = await this.dataSource.query<{ public_key: string; private_key: string }[]>(
      'SELECT public_key, private_key FROM web_push_vapid WHERE id = 1',
    );
    return row ? { publicKey: row.public_key, privateKey: row.private_key } : null;
  }

  /**
   * Stores the subscription for the user (an endpoint already stored moves to them with its new
   * keys), unless the user has `maxPerUser` other endpoints already: false then, nothing stored.
   */
  async upsertSubscription(
    userId: string,
    subscription: { endpoint: string; p256dh: string; auth: string },
    maxPerUser: number,
  ): Promise<boolean> {
    const rows = await this.dataSource.query<unknown[]>(
      `WITH mine AS (
         SELECT count(*) AS n FROM web_push_subscriptions WHERE user_id = $1 AND endpoint <> $2
       )
       INSERT INTO web_push_subscriptions (user_id, endpoint, p256dh, auth)
       SELECT $1, $2, $3, $4 FROM mine WHERE mine.n < $5
       ON CONFLICT (endpoint) DO UPDATE
         SET user_id = EXCLUDED.user_id, p256dh = EXCLUDED.p256dh, auth = EXCLUDED.auth
       RETURNING 1`,
      [userId, subscription.endpoint, subscription.p256dh, subscription.auth, maxPerUser],
    );
    return rows.length > 0;
  }

  /** Deletes the user's subscription of that endpoint; false when there was none. */
  async deleteSubscription(userId: string, endpoint: string): Promise<boolean> {
    const [row] = await this.dataSource.query<{ n: number }[]>(
      `WITH gone AS (
         DELETE FROM web_push_subscriptions WHERE user_id = $1 AND endpoint = $2 RETURNING 1
       ) SELECT count(*)::int AS n FROM gone`,
      [userId, endpoint],
    );
    return (row?.n ?? 0) > 0;
  }

  /** Deletes a subscription by id (the browser left, or its endpoint is refused). */
  async deleteById(id: string): Promise<void> {
    await this.dataSource.query('DELETE FROM web_push_subscriptions WHERE id = $1', [id]);
  }

  /** Subscription ids of these users, in id order. */
  async idsOfUsers(userIds: readonly string[]): Promise<string[]> {
    const rows = await this.dataSource.query<{ id: string }[]>(
      'SELECT id FROM web_push_subscriptions WHERE user_id = ANY($1::uuid[]) ORDER BY id',
      [userIds],
    );
    return rows.map((row) => row.id);
  }

  /** The subscriptions of these ids that still exist. */
  async targets(ids: readonly string[]): Promise<PushTarget[]> {
    return this.dataSource.query<PushTarget[]>(
      'SELECT id, endpoint, p256dh, auth FROM web_push_subscriptions WHERE id = ANY($1::uuid[])',
      [ids],
    );
  }
}
