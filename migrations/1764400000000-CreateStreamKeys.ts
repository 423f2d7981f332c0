import type { MigrationInterface, QueryRunner } from 'typeorm';

/** A streamer's secret for WHIP publishing (OBS): only its SHA-256 is stored. */
export class CreateStreamKeys1764400000000 implements MigrationInterface {
  name = 'CreateStreamKeys1764400000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE stream_keys (
        user_id    uuid PRIMARY KEY REFERENCES users (id),
        key_hash   char(64) NOT NULL UNIQUE,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE stream_keys`);
  }
}
