import { Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';

import {
  AppConfig,
  ForbiddenError,
  UnauthenticatedError,
  type AuthUser,
  type RateLimitSubject,
  type ScopedCredential,
} from '@finserve/api/core';
import type { Role } from '@finserve/shared';

import { ScopedTokens } from './scopes/scoped-tokens';
import { SessionsRepository } from './sessions.repository';

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
    private readonly sessions: SessionsRepository,
    private readonly config: AppConfig,
    private readonly scoped: ScopedTokens,
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
   * The user (and scoped credential) of a valid `Authorization: Bearer` access token, checked by
   * signature and expiry only (no database): the API rate-limit bucket. Null for none or a bad one.
   */
  subjectOfAuthorization(header: string | string[] | undefined): RateLimitSubject | null {
    if (typeof header !== 'string' || !header.startsWith('Bearer ')) return null;
    const token = header.slice(7).trim();
    const verifier = this.scoped.verifierOf(token);
    // A scoped token this process accepted before counts for its app and user; an unknown one for
    // its IP.
    if (verifier) return verifier.knownSubject(token);
    try {
      const claims = this.jwt.verify<AccessTokenClaims>(token, {
        algorithms: ['HS256'],
      });
      return claims.typ === 'access' && typeof claims.sub === 'string'
        ? { userId: claims.sub }
        : null;
    } catch {
      return null;
    }
  }

  /** Whether the token has the shape of a scoped token (not a JWT). */
  isScoped(token: string): boolean {
    return this.scoped.verifierOf(token) !== undefined;
  }

  /**
   * A scoped token (personal access token, ...) by its verifier; otherwise a JWT access token:
   * signature and expiry, then the claims (see identify).
   */
  async authenticate(token: string): Promise<AuthUser> {
    const verifier = this.scoped.verifierOf(token);
    if (verifier) return verifier.authenticate(token);
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
    const user = await this.sessions.sessionUser(sub, sid);
    if (!user) throw new UnauthenticatedError('Invalid or expired token');
    if (user.bannedAt) throw new ForbiddenError('This account is banned');
    if (!user.sessionLive) throw new UnauthenticatedError('Session ended: sign in again');
    const expiresAt = typeof claims.exp === 'number' ? new Date(claims.exp * 1000) : undefined;
    return { id: user.id, username: user.username, role: user.role, sessionId: sid, expiresAt };
  }

  /** Of these scoped tokens (open sockets), the ones no longer allowed, as ids. */
  revokedCredentials(credentials: readonly ScopedCredential[]): Promise<Set<string>> {
    return this.scoped.revoked(credentials);
  }

  /** Of these identities (open sockets), the ones no longer allowed, as `userId:sessionId`. */
  async revoked(refs: readonly SessionRef[]): Promise<Set<string>> {
    if (!refs.length) return new Set();
    const revoked = await this.sessions.revokedPairs(refs);
    return new Set(revoked.map((pair) => `${pair.userId}:${pair.sessionId}`));
  }
}
