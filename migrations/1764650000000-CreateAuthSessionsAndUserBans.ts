import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Sign-in sessions with rotating refresh tokens (a session is one refresh-token family: reusing a
 * rotated token revokes it), and platform-wide bans of users.
 */
export class CreateAuthSessionsAndUserBans1764650000000 implements MigrationInterface {
  name = 'CreateAuthSessionsAndUserBans1764650000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      ALTER TABLE users
        ADD COLUMN banned_at  timestamptz,
        ADD COLUMN ban_reason varchar(200)`);
    await db.query(`
      CREATE TABLE auth_sessions (
        id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id        uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        created_at     timestamptz NOT NULL DEFAULT now(),
        expires_at     timestamptz NOT NULL,
        revoked_at     timestamptz,
        revoked_reason varchar(16) CHECK (revoked_reason IN ('LOGOUT', 'REUSE', 'BANNED')),
        CHECK ((revoked_at IS NULL) = (revoked_reason IS NULL))
      )`);
    await db.query(
      `CREATE INDEX auth_sessions_active_by_user ON auth_sessions (user_id) WHERE revoked_at IS NULL`,
    );
    await db.query(`
      CREATE TABLE refresh_tokens (
        token_hash bytea PRIMARY KEY CHECK (length(token_hash) = 32),
        session_id uuid NOT NULL REFERENCES auth_sessions (id) ON DELETE CASCADE,
        created_at timestamptz NOT NULL DEFAULT now(),
        used_at    timestamptz
      )`);
    await db.query(`CREATE INDEX refresh_tokens_by_session ON refresh_tokens (session_id)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE refresh_tokens`);
    await db.query(`DROP TABLE auth_sessions`);
    await db.query(`ALTER TABLE users DROP COLUMN banned_at, DROP COLUMN ban_reason`);
  }
}
