import { Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';

import { AppConfig, UnauthenticatedError, type AuthUser } from '@finserve/api/core';
import type { Role } from '@finserve/shared';

import { UsersService } from './users.service';

export interface AccessTokenClaims {
  sub: string;
  role: Role;
  typ: 'access';
}

/**
 * Issues and checks access tokens. The same `authenticate` establishes the identity for HTTP
 * requests (through the passport-jwt strategy) and for graphql-ws connections (connection_init).
 */
@Injectable()
export class TokenService {
  constructor(
    private readonly jwt: JwtService,
    private readonly users: UsersService,
    private readonly config: AppConfig,
  ) {}

  issueAccessToken(user: { id: string; role: Role }): Promise<string> {
    const claims: AccessTokenClaims = { sub: user.id, role: user.role, typ: 'access' };
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

  /** Claims of a verified token -> the user, who must still exist. */
  async identify(claims: Partial<AccessTokenClaims>): Promise<AuthUser> {
    if (claims.typ !== 'access' || typeof claims.sub !== 'string') {
      throw new UnauthenticatedError('Invalid or expired token');
    }
    const user = await this.users.findById(claims.sub);
    if (!user) throw new UnauthenticatedError('Invalid or expired token');
    return { id: user.id, username: user.username, role: user.role };
  }
}
