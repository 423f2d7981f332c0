import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Follows, notifications and Web Push subscriptions, owned by the social lib
 * (`libs/api/social`). A notification carries a dedupe key unique per recipient: the fan-out
 * jobs insert with ON CONFLICT DO NOTHING, so a retried job or a second API instance never
 * notifies twice; a follower told of a channel's go-live in the last 10 minutes is not told again
 * (a channel that flaps LIVE -> ENDED -> LIVE notifies once). `web_push_vapid`
 * holds the VAPID key pair generated when none is configured (one row; every instance shares it).
 */
export class CreateFollowsAndNotifications1765000000000 implements MigrationInterface {
  name = 'CreateFollowsAndNotifications1765000000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE follows (
        follower_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        followee_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        created_at  timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (follower_id, followee_id),
        CHECK (follower_id <> followee_id)
      )`);
    // Followers of a channel, in id order (the fan-out pages through them by id).
    await db.query(`CREATE INDEX follows_followee ON follows (followee_id, follower_id)`);
    await db.query(`
      CREATE TABLE notifications (
        id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        type       varchar(32) NOT NULL CHECK (type IN ('STREAM_LIVE', 'STREAM_SCHEDULED', 'NEW_FOLLOWER', 'TIP_RECEIVED', 'CLIP_CREATED')),
        actor_id   uuid REFERENCES users (id) ON DELETE SET NULL,
        stream_id  uuid REFERENCES streams (id) ON DELETE CASCADE,
        tip_id     uuid REFERENCES tips (id) ON DELETE CASCADE,
        clip_id    uuid REFERENCES clips (id) ON DELETE CASCADE,
        dedupe_key varchar(200) NOT NULL,
        read_at    timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (user_id, dedupe_key)
      )`);
    await db.query(
      `CREATE INDEX notifications_user_created ON notifications (user_id, created_at DESC, id DESC)`,
    );
    await db.query(
      `CREATE INDEX notifications_user_unread ON notifications (user_id) WHERE read_at IS NULL`,
    );
    await db.query(`
      CREATE TABLE web_push_subscriptions (
        id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        endpoint   varchar(2048) NOT NULL UNIQUE,
        p256dh     varchar(200) NOT NULL,
        auth       varchar(100) NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`CREATE INDEX web_push_subscriptions_user ON web_push_subscriptions (user_id)`);
    await db.query(`
      CREATE TABLE web_push_vapid (
        id          smallint PRIMARY KEY DEFAULT 1 CHECK (id = 1),
        public_key  text NOT NULL,
        private_key text NOT NULL,
        created_at  timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE web_push_vapid`);
    await db.query(`DROP TABLE web_push_subscriptions`);
    await db.query(`DROP TABLE notifications`);
    await db.query(`DROP TABLE follows`);
  }
}
