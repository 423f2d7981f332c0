import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * OAuth apps and the authorization server's storage (both owned by libs/api/oauth).
 *
 * oauth_apps: a user's third-party applications (OAuth clients). Only the SHA-256 of the client
 * secret is kept. A deleted user takes their apps along.
 *
 * oauth_provider_records: what oidc-provider stores (interactions, sessions, grants, authorization
 * codes, access, refresh and client-credentials tokens), one row per model and id, its payload as
 * JSON. The columns beside the payload are the lookups the provider makes (by grant, by uid) and
 * the ones revocation needs (by client: deleting an app; by account: socket re-checks). A row past
 * expires_at is treated as absent and swept.
 */
export class CreateOAuthApps1765720000000 implements MigrationInterface {
  name = 'CreateOAuthApps1765720000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE oauth_apps (
        id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        owner_id            uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        client_id           varchar(64) NOT NULL UNIQUE,
        client_secret_hash  bytea NOT NULL CHECK (length(client_secret_hash) = 32),
        name                varchar(100) NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
        redirect_uris       text[] NOT NULL,
        created_at          timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`CREATE INDEX oauth_apps_owner_idx ON oauth_apps (owner_id, created_at DESC)`);
    await db.query(`
      CREATE TABLE oauth_provider_records (
        model        varchar(64) NOT NULL,
        id           varchar(255) NOT NULL,
        payload      jsonb NOT NULL,
        grant_id     varchar(255),
        uid          varchar(255),
        user_code    varchar(255),
        client_id    varchar(255),
        account_id   varchar(255),
        expires_at   timestamptz,
        consumed_at  timestamptz,
        PRIMARY KEY (model, id)
      )`);
    await db.query(
      `CREATE INDEX oauth_provider_records_grant_idx ON oauth_provider_records (grant_id) WHERE grant_id IS NOT NULL`,
    );
    await db.query(
      `CREATE INDEX oauth_provider_records_uid_idx ON oauth_provider_records (uid) WHERE uid IS NOT NULL`,
    );
    await db.query(
      `CREATE INDEX oauth_provider_records_client_idx ON oauth_provider_records (client_id) WHERE client_id IS NOT NULL`,
    );
    await db.query(
      `CREATE INDEX oauth_provider_records_expiry_idx ON oauth_provider_records (expires_at) WHERE expires_at IS NOT NULL`,
    );
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE oauth_provider_records`);
    await db.query(`DROP TABLE oauth_apps`);
  }
}
