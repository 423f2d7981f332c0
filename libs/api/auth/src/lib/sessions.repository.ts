import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

import type { Role } from '@finserve/shared';

/** A refresh token looked up for a refresh, its session and user locked. */
export interface RefreshTokenState {
  sessionId: string;
  usedAt: Date | null;
  userId: string;
  revokedAt: Date | null;
  expired: boolean;
  role: Role;
  bannedAt: Date | null;
}

/** A user of an access token, with whether its session is still live. */
export interface SessionUser {
  id: string;
  username: string;
  role: Role;
  bannedAt: Date | null;
  sessionLive: boolean;
}

/**
 * The tables of sign-in sessions: `auth_sessions` (a refresh-token family) and `refresh_tokens`
 * (SHA-256 hashes only). The only place their SQL lives.
 */
@Injectable()
export class SessionsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Runs `work` in one transaction. */
  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  /** A new session of the user, expiring in `ttlSeconds`; its id. */
  async createSession(manager: EntityManager, userId: string, ttlSeconds: number): Promise<string> {
    const [session] = await manager.query<{ id: string }[]>(
      `INSERT INTO auth_sessions (user_id, expires_at)
       VALUES ($1, now() + make_interval(secs => $2)) RETURNING id`,
      [userId, ttlSeconds],
    );
    return session.id;
  }

  async addRefreshToken(
    manager: EntityManager,
    tokenHash: Buffer,
    sessionId: string,
  ): Promise<void> {
    await manager.query(`INSERT INTO refresh_tokens (token_hash, session_id) VALUES ($1, $2)`, [
      tokenHash,
      sessionId,
    ]);
  }

  /** The refresh token's state, its row and its session's locked until commit; null: unknown. */
  async lockRefreshToken(
    manager: EntityManager,
    tokenHash: Buffer,
  ): Promise<RefreshTokenState | null> {
    const rows = await manager.query<
      {
        session_id: string;
        used_at: Date | null;
        user_id: string;
        revoked_at: Date | null;
        expired: boolean;
        role: Role;
        banned_at: Date | null;
      }[]
    >(
      `SELECT t.session_id, t.used_at, s.user_id, s.revoked_at, s.expires_at < now() AS expired,
              u.role, u.banned_at
         FROM refresh_tokens t
         JOIN auth_sessions s ON s.id = t.session_id
         JOIN users u ON u.id = s.user_id
        WHERE t.token_hash = $1
        FOR UPDATE OF t, s`,
      [tokenHash],
    );
    const row = rows[0];
    return row
      ? {
          sessionId: row.session_id,
          usedAt: row.used_at,
          userId: row.user_id,
          revokedAt: row.revoked_at,
          expired: row.expired,
          role: row.role,
          bannedAt: row.banned_at,
        }
      : null;
  }

  async markRefreshTokenUsed(manager: EntityManager, tokenHash: Buffer): Promise<void> {
    await manager.query(`UPDATE refresh_tokens SET used_at = now() WHERE token_hash = $1`, [
      tokenHash,
    ]);
  }

  /** Revokes one session (of that user, if `userId` is given), unless revoked already. */
  async revokeSession(
    manager: EntityManager | null,
    sessionId: string,
    reason: string,
    userId?: string,
  ): Promise<void> {
    await (manager ?? this.dataSource).query(
      `UPDATE auth_sessions SET revoked_at = now(), revoked_reason = $2
        WHERE id = $1 AND ($3::uuid IS NULL OR user_id = $3) AND revoked_at IS NULL`,
      [sessionId, reason, userId ?? null],
    );
  }

  /** Revokes every live session of the user. */
  async revokeSessionsOf(userId: string, reason: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE auth_sessions SET revoked_at = now(), revoked_reason = $2
        WHERE user_id = $1 AND revoked_at IS NULL`,
      [userId, reason],
    );
  }

  /** The user `userId` with whether session `sessionId` is theirs and live; null: no such user. */
  async sessionUser(userId: string, sessionId: string): Promise<SessionUser | null> {
    const rows = await this.dataSource.query<
      {
        id: string;
        username: string;
        role: Role;
        banned_at: Date | null;
        session_live: boolean;
      }[]
    >(
      `SELECT u.id, u.username, u.role, u.banned_at,
              (s.id IS NOT NULL AND s.revoked_at IS NULL AND s.expires_at > now()) AS session_live
         FROM users u
         LEFT JOIN auth_sessions s ON s.id = $2 AND s.user_id = u.id
        WHERE u.id = $1`,
      [userId, sessionId],
    );
    const row = rows[0];
    return row
      ? {
          id: row.id,
          username: row.username,
          role: row.role,
          bannedAt: row.banned_at,
          sessionLive: row.session_live,
        }
      : null;
  }

  /** Of these (user, session) pairs, those whose user is gone or banned or session not live. */
  async revokedPairs(
    pairs: readonly { userId: string; sessionId: string }[],
  ): Promise<{ userId: string; sessionId: string }[]> {
    const rows = await this.dataSource.query<{ user_id: string; session_id: string }[]>(
      `SELECT p.uid::text AS user_id, p.sid::text AS session_id
         FROM unnest($1::uuid[], $2::uuid[]) AS p (uid, sid)
         LEFT JOIN users u ON u.id = p.uid
         LEFT JOIN auth_sessions s ON s.id = p.sid AND s.user_id = p.uid
        WHERE u.id IS NULL OR u.banned_at IS NOT NULL OR s.id IS NULL OR s.revoked_at IS NOT NULL`,
      [pairs.map((pair) => pair.userId), pairs.map((pair) => pair.sessionId)],
    );
    return rows.map((row) => ({ userId: row.user_id, sessionId: row.session_id }));
  }
}
