import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateStreamsAndViewers1764100000000 implements MigrationInterface {
  name = 'CreateStreamsAndViewers1764100000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE streams (
        id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        streamer_id      uuid NOT NULL REFERENCES users (id),
        title            varchar(120) NOT NULL CHECK (length(btrim(title)) > 0),
        description      text CHECK (length(description) <= 2000),
        status           varchar(16) NOT NULL CHECK (status IN ('SCHEDULED', 'LIVE', 'ENDED')),
        scheduled_for    timestamptz,
        started_at       timestamptz,
        ended_at         timestamptz,
        viewer_count     integer NOT NULL DEFAULT 0 CHECK (viewer_count >= 0),
        peak_viewers     integer NOT NULL DEFAULT 0 CHECK (peak_viewers >= 0),
        streamer_seen_at timestamptz,
        is_demo          boolean NOT NULL DEFAULT false,
        created_at       timestamptz NOT NULL DEFAULT now(),
        updated_at       timestamptz NOT NULL DEFAULT now(),
        CHECK (status <> 'SCHEDULED' OR started_at IS NULL),
        CHECK (status = 'SCHEDULED' OR started_at IS NOT NULL),
        CHECK ((status = 'ENDED') = (ended_at IS NOT NULL)),
        CHECK (ended_at IS NULL OR ended_at >= started_at)
      )`);
    // At most one LIVE stream per streamer, whatever races the application loses.
    await db.query(
      `CREATE UNIQUE INDEX streams_one_live_per_streamer ON streams (streamer_id) WHERE status = 'LIVE'`,
    );
    await db.query(
      `CREATE INDEX streams_live_by_viewers ON streams (viewer_count DESC, started_at, id) WHERE status = 'LIVE'`,
    );
    await db.query(`CREATE INDEX streams_by_streamer ON streams (streamer_id, created_at DESC)`);

    // API processes alive now; a silent one is dead and its viewing sessions get closed.
    await db.query(`
      CREATE TABLE api_instances (
        id           uuid PRIMARY KEY,
        started_at   timestamptz NOT NULL,
        heartbeat_at timestamptz NOT NULL
      )`);

    // One row per viewing session: a distinct viewer's presence from join to leave.
    await db.query(`
      CREATE TABLE stream_viewers (
        id                     bigserial PRIMARY KEY,
        stream_id              uuid NOT NULL REFERENCES streams (id),
        user_id                uuid REFERENCES users (id),
        viewer_key             varchar(80) NOT NULL,
        instance_id            uuid NOT NULL,
        joined_at              timestamptz NOT NULL,
        left_at                timestamptz,
        watch_duration_seconds integer,
        CHECK ((left_at IS NULL) = (watch_duration_seconds IS NULL)),
        CHECK (left_at IS NULL OR left_at >= joined_at)
      )`);
    await db.query(`CREATE INDEX stream_viewers_by_stream ON stream_viewers (stream_id)`);
    await db.query(
      `CREATE INDEX stream_viewers_open_by_instance ON stream_viewers (instance_id) WHERE left_at IS NULL`,
    );

    // Concurrent-viewer samples, stored only when the count changed (a step function).
    await db.query(`
      CREATE TABLE stream_viewer_samples (
        stream_id uuid NOT NULL REFERENCES streams (id),
        at        timestamptz NOT NULL,
        viewers   integer NOT NULL CHECK (viewers >= 0),
        PRIMARY KEY (stream_id, at)
      )`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE stream_viewer_samples`);
    await db.query(`DROP TABLE stream_viewers`);
    await db.query(`DROP TABLE api_instances`);
    await db.query(`DROP TABLE streams`);
  }
}
