import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateChat1764200000000 implements MigrationInterface {
  name = 'CreateChat1764200000000';

  async up(db: QueryRunner): Promise<void> {
    // Ids are assigned under a per-stream lock held until commit, so within a stream a later
    // committed message always has a larger id: `after: lastId` catch-up has no gap.
    await db.query(`
      CREATE TABLE chat_messages (
        id         bigserial PRIMARY KEY,
        stream_id  uuid NOT NULL REFERENCES streams (id),
        author_id  uuid REFERENCES users (id),
        type       varchar(8) NOT NULL CHECK (type IN ('TEXT', 'EMOJI', 'TIP', 'ALERT')),
        body       text NOT NULL CHECK (length(body) BETWEEN 1 AND 1000),
        tip_id     uuid,
        deleted_at timestamptz,
        deleted_by uuid REFERENCES users (id),
        created_at timestamptz NOT NULL,
        CHECK ((type IN ('TEXT', 'EMOJI')) = (author_id IS NOT NULL) OR type = 'TIP')
      )`);
    await db.query(`CREATE INDEX chat_messages_by_stream ON chat_messages (stream_id, id)`);

    await db.query(`
      CREATE TABLE chat_settings (
        stream_id         uuid PRIMARY KEY REFERENCES streams (id),
        slow_mode_seconds integer NOT NULL DEFAULT 0 CHECK (slow_mode_seconds BETWEEN 0 AND 3600),
        blocked_terms     text[] NOT NULL DEFAULT '{}',
        updated_at        timestamptz NOT NULL DEFAULT now()
      )`);

    // A timeout has an expiry; a ban has none.
    await db.query(`
      CREATE TABLE chat_bans (
        stream_id  uuid NOT NULL REFERENCES streams (id),
        user_id    uuid NOT NULL REFERENCES users (id),
        expires_at timestamptz,
        created_by uuid NOT NULL REFERENCES users (id),
        created_at timestamptz NOT NULL,
        PRIMARY KEY (stream_id, user_id)
      )`);

    await db.query(`
      CREATE TABLE chat_moderation_actions (
        id             bigserial PRIMARY KEY,
        stream_id      uuid NOT NULL REFERENCES streams (id),
        moderator_id   uuid NOT NULL REFERENCES users (id),
        action         varchar(24) NOT NULL,
        target_user_id uuid REFERENCES users (id),
        message_id     bigint REFERENCES chat_messages (id),
        details        text,
        created_at     timestamptz NOT NULL
      )`);
    await db.query(
      `CREATE INDEX chat_moderation_actions_by_stream ON chat_moderation_actions (stream_id, id)`,
    );
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE chat_moderation_actions`);
    await db.query(`DROP TABLE chat_bans`);
    await db.query(`DROP TABLE chat_settings`);
    await db.query(`DROP TABLE chat_messages`);
  }
}
