import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

/** A personal access token as its owner lists it (never its secret). */
export interface TokenRecord {
  id: string;
  name: string;
  scopes: string[];
  createdAt: Date;
  lastUsedAt: Date | null;
  expiresAt: Date | null;
}

/** A token presented as a bearer, with its user. */
export interface PresentedToken {
  id: string;
  userId: string;
  scopes: string[];
  expiresAt: Date | null;
  expired: boolean;
  /** lastUsedAt is older than the resolution asked for (or unset). */
  stale: boolean;
  username: string;
  bannedAt: Date | null;
}

interface TokenRow {
  id: string;
  name: string;
  scopes: string[];
  created_at: Date;
  last_used_at: Date | null;
  expires_at: Date | null;
}

const COLUMNS = 'id, name, scopes, created_at, last_used_at, expires_at';

const toRecord = (row: TokenRow): TokenRecord => ({
  id: row.id,
  name: row.name,
  scopes: row.scopes,
  createdAt: row.created_at,
  lastUsedAt: row.last_used_at,
  expiresAt: row.expires_at,
});

/** The `personal_access_tokens` table (SHA-256 hashes of the secrets): its only SQL. */
@Injectable()
export class PersonalAccessTokensRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Runs `work` in one transaction. */
  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  /**
   * In the caller's transaction: locks the user's row (one user's concurrent creations queue on
   * it) and counts the tokens that still work.
   */
  async lockAndCountLive(manager: EntityManager, userId: string): Promise<number> {
    await manager.query(`SELECT 1 FROM users WHERE id = $1 FOR UPDATE`, [userId]);
    const [{ count }] = await manager.query<{ count: number }[]>(
      `SELECT count(*)::int AS count FROM personal_access_tokens
        WHERE user_id = $1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())`,
      [userId],
    );
    return count;
  }

  async insert(
    manager: EntityManager,
    token: {
      userId: string;
      name: string;
      hash: Buffer;
      scopes: readonly string[];
      expiresInDays: number | null;
    },
  ): Promise<TokenRecord> {
    const [created] = await manager.query<TokenRow[]>(
      `INSERT INTO personal_access_tokens (user_id, name, token_hash, scopes, expires_at)
       VALUES ($1, $2, $3, $4::text[],
               CASE WHEN $5::int IS NULL THEN NULL ELSE now() + make_interval(days => $5::int) END)
       RETURNING ${COLUMNS}`,
      [token.userId, token.name, token.hash, token.scopes, token.expiresInDays],
    );
    return toRecord(created);
  }

  /** The user's tokens not revoked, newest first. */
  async listOf(userId: string): Promise<TokenRecord[]> {
    const rows = await this.dataSource.query<TokenRow[]>(
      `SELECT ${COLUMNS} FROM personal_access_tokens
        WHERE user_id = $1 AND revoked_at IS NULL ORDER BY created_at DESC, id DESC`,
      [userId],
    );
    return rows.map(toRecord);
  }

  /** Revokes the user's token `id`; false when there is none (or it was revoked already). */
  async revoke(userId: string, id: string): Promise<boolean> {
    const rows = await this.dataSource.query<{ id: string }[]>(
      // Through a CTE: a bare UPDATE ... RETURNING comes back from TypeORM as [rows, count].
      `WITH revoked AS (
         UPDATE personal_access_tokens SET revoked_at = now()
          WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL RETURNING id)
       SELECT id FROM revoked`,
      [id, userId],
    );
    return rows.length > 0;
  }

  /** The live (not revoked) token with this hash, and its user; null when there is none. */
  async presented(hash: Buffer, staleAfterSeconds: number): Promise<PresentedToken | null> {
    const rows = await this.dataSource.query<
      {
        id: string;
        user_id: string;
        scopes: string[];
        expires_at: Date | null;
        expired: boolean;
        stale: boolean;
        username: string;
        banned_at: Date | null;
      }[]
    >(
      `SELECT t.id, t.user_id, t.scopes, t.expires_at, t.expires_at <= now() AS expired,
              (t.last_used_at IS NULL OR t.last_used_at < now() - make_interval(secs => $2)) AS stale,
              u.username, u.banned_at
         FROM personal_access_tokens t
         JOIN users u ON u.id = t.user_id
        WHERE t.token_hash = $1 AND t.revoked_at IS NULL`,
      [hash, staleAfterSeconds],
    );
    const row = rows[0];
    return row
      ? {
          id: row.id,
          userId: row.user_id,
          scopes: row.scopes,
          expiresAt: row.expires_at,
          expired: row.expired,
          stale: row.stale,
          username: row.username,
          bannedAt: row.banned_at,
        }
      : null;
  }

  /** Sets lastUsedAt to now unless it was set within `resolutionSeconds`. */
  async touch(id: string, resolutionSeconds: number): Promise<void> {
    await this.dataSource.query(
      `UPDATE personal_access_tokens SET last_used_at = now()
        WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - make_interval(secs => $2))`,
      [id, resolutionSeconds],
    );
  }

  /** Of these token ids, those gone, revoked, expired, or whose user is gone or banned. */
  async notAllowed(ids: readonly string[]): Promise<string[]> {
    const rows = await this.dataSource.query<{ id: string }[]>(
      `SELECT p.id::text AS id
         FROM unnest($1::uuid[]) AS p (id)
         LEFT JOIN personal_access_tokens t ON t.id = p.id
         LEFT JOIN users u ON u.id = t.user_id
        WHERE t.id IS NULL OR t.revoked_at IS NOT NULL OR t.expires_at <= now()
           OR u.id IS NULL OR u.banned_at IS NOT NULL`,
      [ids],
    );
    return rows.map((row) => row.id);
  }
}
