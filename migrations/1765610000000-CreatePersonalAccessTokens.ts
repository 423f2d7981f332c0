import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Personal access tokens (owned by libs/api/auth): a user's scoped bearer tokens. Only the SHA-256
 * of the secret is kept; a deleted user takes their tokens along. Revoked rows stay (revoked_at)
 * so a revocation is never undone by a replayed insert and can be audited.
 */
export class CreatePersonalAccessTokens1765610000000 implements MigrationInterface {
  name = 'CreatePersonalAccessTokens1765610000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE personal_access_tokens (
        id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id       uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        name          varchar(100) NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
        token_hash    bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
        scopes        text[] NOT NULL,
        created_at    timestamptz NOT NULL DEFAULT now(),
        last_used_at  timestamptz,
        expires_at    timestamptz,
        revoked_at    timestamptz
      )`);
    await db.query(
      `CREATE INDEX personal_access_tokens_user_idx ON personal_access_tokens (user_id, created_at DESC)`,
    );
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE personal_access_tokens`);
  }
}
