import { createHash, randomBytes } from 'node:crypto';

import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

import {
  AppConfig,
  ForbiddenError,
  PUB_SUB,
  UnauthenticatedError,
  type EventBus,
} from '@finserve/api/core';
import type { Role } from '@finserve/shared';

import { TokenService } from './token.service';

/** Published on PUB_SUB when sessions are revoked, so open sockets of them are closed. */
export const AUTH_REVOKED_TOPIC = 'auth.revoked';

export type RevokeReason = 'LOGOUT' | 'REUSE' | 'BANNED';

export interface AuthRevokedEvent {
  userId: string;
  /** One session, or null: every session of the user. */
  sessionId: string | null;
  reason: RevokeReason;
}

export interface IssuedTokens {
  accessToken: string;
  refreshToken: string;
}

const hashOf = (token: string): Buffer => createHash('sha256').update(token, 'utf8').digest();

/**
 * Sign-in sessions. Each sign-in starts a session (a refresh-token family) and gets a short-lived
 * access token (JWT_TTL, carrying the session id) and a refresh token (REFRESH_TOKEN_TTL). Each
 * refresh rotates the refresh token; presenting a rotated one again means it leaked, so the whole
 * session is revoked. Logout revokes the session; a ban revokes all of a user's. Revoked sessions
 * refuse their access tokens at once (TokenService.identify checks the session).
 * Only SHA-256 hashes of refresh tokens are stored.
 */
@Injectable()
export class SessionsService {
  constructor(
    private readonly db: DataSource,
    private readonly tokens: TokenService,
    private readonly config: AppConfig,
    @Inject(PUB_SUB) private readonly bus: EventBus,
  ) {}

  async start(user: { id: string; role: Role }): Promise<IssuedTokens> {
    const refreshToken = randomBytes(32).toString('base64url');
    const sessionId = await this.db.transaction(async (tx) => {
      const [session] = await tx.query<{ id: string }[]>(
        `INSERT INTO auth_sessions (user_id, expires_at)
         VALUES ($1, now() + make_interval(secs => $2)) RETURNING id`,
        [user.id, this.config.refreshTokenTtlSeconds],
      );
      await tx.query(`INSERT INTO refresh_tokens (token_hash, session_id) VALUES ($1, $2)`, [
        hashOf(refreshToken),
        session.id,
      ]);
      return session.id;
    });
    return { accessToken: await this.tokens.issueAccessToken(user, sessionId), refreshToken };
  }

  /** A new token pair for a valid, unused refresh token (which is used up). */
  async refresh(refreshToken: string): Promise<IssuedTokens & { userId: string }> {
    const outcome = await this.db.transaction(async (tx) => {
      const rows = await tx.query<
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
        [hashOf(refreshToken)],
      );
      const row = rows[0];
      if (!row || row.revoked_at || row.expired) return { kind: 'invalid' as const };
      if (row.banned_at) return { kind: 'banned' as const };
      if (row.used_at) {
        await tx.query(
          `UPDATE auth_sessions SET revoked_at = now(), revoked_reason = 'REUSE' WHERE id = $1`,
          [row.session_id],
        );
        return { kind: 'reused' as const, userId: row.user_id, sessionId: row.session_id };
      }
      const next = randomBytes(32).toString('base64url');
      await tx.query(`UPDATE refresh_tokens SET used_at = now() WHERE token_hash = $1`, [
        hashOf(refreshToken),
      ]);
      await tx.query(`INSERT INTO refresh_tokens (token_hash, session_id) VALUES ($1, $2)`, [
        hashOf(next),
        row.session_id,
      ]);
      return {
        kind: 'rotated' as const,
        refreshToken: next,
        userId: row.user_id,
        role: row.role,
        sessionId: row.session_id,
      };
    });
    switch (outcome.kind) {
      case 'invalid':
        throw new UnauthenticatedError('Invalid or expired refresh token');
      case 'banned':
        throw new ForbiddenError('This account is banned');
      case 'reused':
        await this.announce({
          userId: outcome.userId,
          sessionId: outcome.sessionId,
          reason: 'REUSE',
        });
        throw new UnauthenticatedError(
          'Refresh token already used: the session is revoked, sign in again',
        );
      case 'rotated':
        return {
          accessToken: await this.tokens.issueAccessToken(
            { id: outcome.userId, role: outcome.role },
            outcome.sessionId,
          ),
          refreshToken: outcome.refreshToken,
          userId: outcome.userId,
        };
    }
  }

  /** Revokes one session of the user (logout). */
  async revoke(userId: string, sessionId: string, reason: RevokeReason): Promise<void> {
    await this.db.query(
      `UPDATE auth_sessions SET revoked_at = now(), revoked_reason = $3
        WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL`,
      [sessionId, userId, reason],
    );
    await this.announce({ userId, sessionId, reason });
  }

  /** Revokes every session of the user (logout everywhere, ban). */
  async revokeAll(userId: string, reason: RevokeReason): Promise<void> {
    await this.db.query(
      `UPDATE auth_sessions SET revoked_at = now(), revoked_reason = $2
        WHERE user_id = $1 AND revoked_at IS NULL`,
      [userId, reason],
    );
    await this.announce({ userId, sessionId: null, reason });
  }

  private announce(event: AuthRevokedEvent): Promise<void> {
    return this.bus.publish(AUTH_REVOKED_TOPIC, event);
  }
}
