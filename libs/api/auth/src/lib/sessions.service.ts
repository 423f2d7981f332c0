import { createHash, randomBytes } from 'node:crypto';

import { Inject, Injectable } from '@nestjs/common';

import {
  AppConfig,
  ForbiddenError,
  PUB_SUB,
  UnauthenticatedError,
  type EventBus,
} from '@finserve/api/core';
import type { Role } from '@finserve/shared';

import { SessionsRepository } from './sessions.repository';
import { TokenService } from './token.service';

/** Published on PUB_SUB when sessions are revoked, so open sockets of them are closed. */
export const AUTH_REVOKED_TOPIC = 'auth.revoked';

export type RevokeReason = 'LOGOUT' | 'REUSE' | 'BANNED' | 'TOKEN_REVOKED';

export interface AuthRevokedEvent {
  userId: string;
  /**
   * One session, or null: every session of the user (and, on a ban, every scoped token of the
   * user too).
   */
  sessionId: string | null;
  /** A scoped token (personal access token, OAuth token) revoked alone. */
  credentialId?: string;
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
    private readonly sessions: SessionsRepository,
    private readonly tokens: TokenService,
    private readonly config: AppConfig,
    @Inject(PUB_SUB) private readonly bus: EventBus,
  ) {}

  async start(user: { id: string; role: Role }): Promise<IssuedTokens> {
    const refreshToken = randomBytes(32).toString('base64url');
    const sessionId = await this.sessions.transaction(async (tx) => {
      const id = await this.sessions.createSession(tx, user.id, this.config.refreshTokenTtlSeconds);
      await this.sessions.addRefreshToken(tx, hashOf(refreshToken), id);
      return id;
    });
    return { accessToken: await this.tokens.issueAccessToken(user, sessionId), refreshToken };
  }

  /** A new token pair for a valid, unused refresh token (which is used up). */
  async refresh(refreshToken: string): Promise<IssuedTokens & { userId: string }> {
    const outcome = await this.sessions.transaction(async (tx) => {
      const row = await this.sessions.lockRefreshToken(tx, hashOf(refreshToken));
      if (!row || row.revokedAt || row.expired) return { kind: 'invalid' as const };
      if (row.bannedAt) return { kind: 'banned' as const };
      if (row.usedAt) {
        await this.sessions.revokeSession(tx, row.sessionId, 'REUSE');
        return { kind: 'reused' as const, userId: row.userId, sessionId: row.sessionId };
      }
      const next = randomBytes(32).toString('base64url');
      await this.sessions.markRefreshTokenUsed(tx, hashOf(refreshToken));
      await this.sessions.addRefreshToken(tx, hashOf(next), row.sessionId);
      return {
        kind: 'rotated' as const,
        refreshToken: next,
        userId: row.userId,
        role: row.role,
        sessionId: row.sessionId,
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
    await this.sessions.revokeSession(null, sessionId, reason, userId);
    await this.announce({ userId, sessionId, reason });
  }

  /** Revokes every session of the user (logout everywhere, ban). */
  async revokeAll(userId: string, reason: RevokeReason): Promise<void> {
    await this.sessions.revokeSessionsOf(userId, reason);
    await this.announce({ userId, sessionId: null, reason });
  }

  private announce(event: AuthRevokedEvent): Promise<void> {
    return this.bus.publish(AUTH_REVOKED_TOPIC, event);
  }
}
