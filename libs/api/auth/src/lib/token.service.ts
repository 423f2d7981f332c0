import { Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { DataSource } from 'typeorm';

import { AppConfig, ForbiddenError, UnauthenticatedError, type AuthUser } from '@finserve/api/core';
import type { Role } from '@finserve/shared';

export interface AccessTokenClaims {
  sub: string;
  role: Role;
  typ: 'access';
  /** The sign-in session (refresh-token family) the token belongs to. */
  sid: string;
  /** Set by the signer (seconds since the epoch). */
  exp?: number;
}

/** An identity that is still allowed: its user exists, is not banned, its session is live. */
export interface SessionRef {
  userId: string;
  sessionId: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Issues and checks access tokens. The same `authenticate` establishes the identity for HTTP
 * requests (through the passport-jwt strategy) and for graphql-ws connections (connection_init).
 * Beyond signature and expiry, every check reads the database: a deleted or banned user, or a
 * revoked session (logout, refresh-token reuse, ban), is refused at once.
 */
@Injectable()
export class TokenService {
  constructor(
    private readonly jwt: JwtService,
    private readonly db: DataSource,
    private readonly config: AppConfig,
  ) {}

  issueAccessToken(user: { id: string; role: Role }, sessionId: string): Promise<string> {
    const claims: AccessTokenClaims = {
      sub: user.id,
      role: user.role,
      typ: 'access',
      sid: sessionId,
    };
    return this.jwt.signAsync(claims, { expiresIn: this.config.jwtTtlSeconds });
  }

  /**
   * The user id of a valid `Authorization: Bearer` access token, checked by signature and expiry
   * only (no database): the key of the per-user API rate limit. Null for none or a bad one.
   */
  subjectOfAuthorization(header: string | string[] | undefined): string | null {
    if (typeof header !== 'string' || !header.startsWith('Bearer ')) return null;
    try {
      const claims = this.jwt.verify<AccessTokenClaims>(header.slice(7).trim(), {
        algorithms: ['HS256'],
      });
      return claims.typ === 'access' && typeof claims.sub === 'string' ? claims.sub : null;
    } catch {
      return null;
    }
  }

  /** Verifies signature and expiry, then the claims (see identify). */
  async authenticate(token: string): Promise<AuthUser> {
    let claims: AccessTokenClaims;
    try {
      claims = await this.jwt.verifyAsync<AccessTokenClaims>(token, { algorithms: ['HS256'] });
    } catch {
      throw new UnauthenticatedError('Invalid or expired token');
    }
    return this.identify(claims);
  }

  /** Claims of a verified token -> the user, who must still exist, unbanned, in a live session. */
  async identify(claims: Partial<AccessTokenClaims>): Promise<AuthUser> {
    const { sub, sid } = claims;
    if (claims.typ !== 'access' || typeof sub !== 'string' || typeof sid !== 'string') {
      throw new UnauthenticatedError('Invalid or expired token');
    }
    if (!UUID.test(sub) || !UUID.test(sid))
      throw new UnauthenticatedError('Invalid or expired token');
    const rows = await this.db.query<
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
      [sub, sid],
    );
    const user = rows[0];
    if (!user) throw new UnauthenticatedError('Invalid or expired token');
    if (user.banned_at) throw new ForbiddenError('This account is banned');
    if (!user.session_live) throw new UnauthenticatedError('Session ended: sign in again');
    const expiresAt = typeof claims.exp === 'number' ? new Date(claims.exp * 1000) : undefined;
    return { id: user.id, username: user.username, role: user.role, sessionId: sid, expiresAt };
  }

  /** Of these identities (open sockets), the ones no longer allowed, as `userId:sessionId`. */
  async revoked(refs: readonly SessionRef[]): Promise<Set<string>> {
    if (!refs.length) return new Set();
    const rows = await this.db.query<{ user_id: string; session_id: string }[]>(
      `SELECT p.uid::text AS user_id, p.sid::text AS session_id
         FROM unnest($1::uuid[], $2::uuid[]) AS p (uid, sid)
         LEFT JOIN users u ON u.id = p.uid
         LEFT JOIN auth_sessions s ON s.id = p.sid AND s.user_id = p.uid
        WHERE u.id IS NULL OR u.banned_at IS NOT NULL OR s.id IS NULL OR s.revoked_at IS NOT NULL`,
      [refs.map((ref) => ref.userId), refs.map((ref) => ref.sessionId)],
    );
    return new Set(rows.map((row) => `${row.user_id}:${row.session_id}`));
  }
}
