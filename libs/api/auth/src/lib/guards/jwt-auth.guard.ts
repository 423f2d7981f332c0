import { Injectable, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';

import {
  DomainError,
  gqlContextOf,
  IS_PUBLIC_KEY,
  UnauthenticatedError,
  type AuthUser,
} from '@finserve/api/core';

import { TokenService } from '../token.service';

type HttpRequest = {
  headers: Record<string, string | string[] | undefined>;
  user?: AuthUser;
  authenticated?: Promise<boolean>;
};

/**
 * Global guard: every handler needs a valid access token unless marked @Public(). On a public
 * handler a token is still read when one is sent, and a bad one is still refused. Over graphql-ws
 * the identity was established at connection_init (see graphql.config.ts) and is reused here.
 */
@Injectable()
export class JwtAuthGuard extends AuthGuard('jwt') {
  constructor(
    private readonly reflector: Reflector,
    private readonly tokens: TokenService,
  ) {
    super();
  }

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC_KEY, [
      context.getHandler(),
      context.getClass(),
    ]);
    const isGraphql = context.getType<string>() === 'graphql';
    const gql = isGraphql ? gqlContextOf(context) : undefined;

    if (gql?.connection) {
      if (!gql.user && !isPublic) throw new UnauthenticatedError();
      return true;
    }

    // Public REST endpoints (health, WHIP/WHEP) do not take access tokens: WHIP's Bearer is a
    // stream key, checked by its controller.
    if (!gql && isPublic) return true;

    const request = this.getRequest(context);
    if (!request.headers.authorization) {
      if (gql) gql.user = null;
      if (isPublic) return true;
      throw new UnauthenticatedError();
    }
    // Several root fields of one request share one verification. A scoped token (personal access
    // token, ...) is checked by its verifier, a JWT by the passport-jwt strategy.
    request.authenticated ??= this.scopedToken(request)
      ? this.authenticateScoped(request)
      : (super.canActivate(context) as Promise<boolean>);
    await request.authenticated;
    if (gql) gql.user = request.user ?? null;
    return true;
  }

  private scopedToken(request: HttpRequest): string | undefined {
    const header = request.headers.authorization;
    if (typeof header !== 'string' || !header.startsWith('Bearer ')) return undefined;
    const token = header.slice(7).trim();
    return this.tokens.isScoped(token) ? token : undefined;
  }

  private async authenticateScoped(request: HttpRequest): Promise<boolean> {
    request.user = await this.tokens.authenticate(this.scopedToken(request) ?? '');
    return true;
  }

  override getRequest(context: ExecutionContext): HttpRequest {
    return context.getType<string>() === 'graphql'
      ? (gqlContextOf(context).req as HttpRequest)
      : context.switchToHttp().getRequest<HttpRequest>();
  }

  override handleRequest<TUser = AuthUser>(error: unknown, user: TUser | false): TUser {
    if (error instanceof DomainError) throw error;
    // A fault while checking (the database is down) is ours, not a bad token: clients must not
    // drop a valid session over it. It leaves as an internal error.
    if (error) throw error instanceof Error ? error : new Error('Authentication check failed');
    if (!user) throw new UnauthenticatedError('Invalid or expired token');
    return user;
  }
}
