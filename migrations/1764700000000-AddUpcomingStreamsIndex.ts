import type { MigrationInterface, QueryRunner } from 'typeorm';

export class AddUpcomingStreamsIndex1764700000000 implements MigrationInterface {
  name = 'AddUpcomingStreamsIndex1764700000000';

  async up(db: QueryRunner): Promise<void> {
    // upcomingStreams: SCHEDULED streams, soonest first (NULLS LAST is the ASC default), then
    // newest created; a partial index in that order serves each page without a sort.
    await db.query(
      `CREATE INDEX streams_upcoming ON streams (scheduled_for, created_at DESC, id DESC) WHERE status = 'SCHEDULED'`,
    );
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP INDEX streams_upcoming`);
  }
}
