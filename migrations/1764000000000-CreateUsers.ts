import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateUsers1764000000000 implements MigrationInterface {
  name = 'CreateUsers1764000000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE users (
        id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        username      varchar(32) NOT NULL CHECK (username ~ '^[A-Za-z0-9_]{3,32}$'),
        display_name  varchar(64) NOT NULL CHECK (length(btrim(display_name)) > 0),
        password_hash text NOT NULL,
        role          varchar(16) NOT NULL DEFAULT 'USER' CHECK (role IN ('USER', 'ADMIN')),
        created_at    timestamptz NOT NULL DEFAULT now(),
        updated_at    timestamptz NOT NULL DEFAULT now()
      )`);
    // Usernames are unique case-insensitively; lookups use the same expression.
    await db.query(`CREATE UNIQUE INDEX users_username_lower_key ON users (lower(username))`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE users`);
  }
}
