import type { MigrationInterface, QueryRunner } from 'typeorm';

export class AddStreamThumbnails1764800000000 implements MigrationInterface {
  name = 'AddStreamThumbnails1764800000000';

  async up(db: QueryRunner): Promise<void> {
    // When the streamer's console last uploaded a frame (DATA_DIR/thumbnails/<id>.jpg); null: none.
    await db.query(`ALTER TABLE streams ADD COLUMN thumbnail_updated_at timestamptz NULL`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE streams DROP COLUMN thumbnail_updated_at`);
  }
}
