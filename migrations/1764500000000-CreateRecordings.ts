import type { MigrationInterface, QueryRunner } from 'typeorm';

/** One recording per stream, written by the SFU while the stream is LIVE. */
export class CreateRecordings1764500000000 implements MigrationInterface {
  name = 'CreateRecordings1764500000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE recordings (
        id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        stream_id        uuid NOT NULL UNIQUE REFERENCES streams (id),
        status           varchar(16) NOT NULL CHECK (status IN ('RECORDING', 'READY', 'FAILED')),
        duration_seconds double precision,
        size_bytes       bigint NOT NULL DEFAULT 0,
        path             text,
        error            text,
        created_at       timestamptz NOT NULL DEFAULT now(),
        updated_at       timestamptz NOT NULL DEFAULT now(),
        CHECK (status <> 'READY' OR (path IS NOT NULL AND duration_seconds IS NOT NULL))
      )`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE recordings`);
  }
}
