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
