import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Webhooks (owned by libs/api/webhooks): a user's endpoints with the events they want, their
 * signing secret sealed with the server's key (it must be recoverable to sign each delivery), and
 * every delivery attempt (pruned to the newest 100 per webhook by the lib).
 */
export class CreateWebhooks1765500000000 implements MigrationInterface {
  name = 'CreateWebhooks1765500000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE webhooks (
        id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        owner_id        uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        url             varchar(2048) NOT NULL,
        events          text[] NOT NULL CHECK (cardinality(events) > 0),
        broadcaster_id  uuid REFERENCES users (id) ON DELETE CASCADE,
        secret_sealed   text NOT NULL,
        active          boolean NOT NULL DEFAULT true,
        failing_since   timestamptz,
        created_at      timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`CREATE INDEX webhooks_owner_idx ON webhooks (owner_id, created_at DESC)`);
    await db.query(
      `CREATE INDEX webhooks_broadcaster_idx ON webhooks (broadcaster_id) WHERE active`,
    );
    await db.query(`
      CREATE TABLE webhook_deliveries (
        id           bigserial PRIMARY KEY,
        webhook_id   uuid NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
        event_id     uuid NOT NULL,
        event        varchar(32) NOT NULL,
        attempt      int NOT NULL CHECK (attempt > 0),
        status_code  int,
        ok           boolean NOT NULL,
        created_at   timestamptz NOT NULL
      )`);
    await db.query(
      `CREATE INDEX webhook_deliveries_webhook_idx ON webhook_deliveries (webhook_id, id DESC)`,
    );
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE webhook_deliveries');
    await db.query('DROP TABLE webhooks');
  }
}
