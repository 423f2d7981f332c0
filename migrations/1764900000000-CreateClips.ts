import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Clips: a 5-90 s cut of a live stream (from its LL-HLS segments) or of a replay (from its
 * recording), without re-encoding. Owned by the signaling lib (`clips.ts`). The thumbnail is the
 * stream's thumbnail when the clip was made, kept with the clip (the stream's changes).
 */
export class CreateClips1764900000000 implements MigrationInterface {
  name = 'CreateClips1764900000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE clips (
        id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        stream_id        uuid NOT NULL REFERENCES streams (id) ON DELETE CASCADE,
        author_id        uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        -- The clipped channel (the stream's streamer), kept here so lists by channel read clips only.
        streamer_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        title            varchar(100) NOT NULL CHECK (char_length(title) BETWEEN 1 AND 100),
        start_seconds    double precision NOT NULL CHECK (start_seconds >= 0),
        duration_seconds double precision NOT NULL CHECK (duration_seconds > 0),
        status           varchar(16) NOT NULL CHECK (status IN ('PROCESSING', 'READY', 'FAILED')),
        path             text,
        thumbnail        bytea CHECK (thumbnail IS NULL OR octet_length(thumbnail) <= 262144),
        error            text,
        created_at       timestamptz NOT NULL DEFAULT now(),
        updated_at       timestamptz NOT NULL DEFAULT now(),
        CHECK (status <> 'READY' OR path IS NOT NULL)
      )`);
    await db.query(`CREATE INDEX clips_stream_created ON clips (stream_id, created_at DESC)`);
    await db.query(`CREATE INDEX clips_author_created ON clips (author_id, created_at DESC)`);
    await db.query(`CREATE INDEX clips_streamer_created ON clips (streamer_id, created_at DESC)`);
    await db.query(`CREATE INDEX clips_created ON clips (created_at DESC)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE clips`);
  }
}
