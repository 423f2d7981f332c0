import type { MigrationInterface, QueryRunner } from 'typeorm';

export class AddStreamThumbnails1764800000000 implements MigrationInterface {
  name = 'AddStreamThumbnails1764800000000';

  async up(db: QueryRunner): Promise<void> {
    // When the streamer's console last uploaded a frame (it versions the public URL); null: none.
    await db.query(`ALTER TABLE streams ADD COLUMN thumbnail_updated_at timestamptz NULL`);
    // The frame itself, in PostgreSQL so that every API instance serves it (one row per stream,
    // at most 256 KiB, replaced on each upload); apart from streams so lists never read it.
    await db.query(`
      CREATE TABLE stream_thumbnails (
        stream_id  uuid PRIMARY KEY REFERENCES streams (id) ON DELETE CASCADE,
        jpeg       bytea NOT NULL CHECK (octet_length(jpeg) BETWEEN 3 AND 262144),
        updated_at timestamptz NOT NULL
      )`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE stream_thumbnails`);
    await db.query(`ALTER TABLE streams DROP COLUMN thumbnail_updated_at`);
  }
}
