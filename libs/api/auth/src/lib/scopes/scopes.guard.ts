import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { GqlExecutionContext } from '@nestjs/graphql';

import {
  ForbiddenError,
  gqlContextOf,
  IS_PUBLIC_KEY,
  SCOPE_KEY,
  SESSION_ONLY,
  type AuthUser,
  type ScopeRule,
} from '@finserve/api/core';

/** A scoped token called an operation outside its scopes. */
export class MissingScopeError extends ForbiddenError {
  constructor(scope: string) {
    super(`This token lacks the scope ${scope}`, { requiredScope: scope });
  }
}

/** A scoped token called an operation only a user's own session may call. */
export class SessionRequiredError extends ForbiddenError {
  constructor() {
    super('Not available to access tokens: only a signed-in session may do this', {
      sessionRequired: true,
    });
  }
}

/** An app-only token (OAuth client credentials) called what needs a user, or a mutation. */
export class UserRequiredError extends ForbiddenError {
  constructor() {
    super('An app-only token acts for no user: it may only read public data', {
      userRequired: true,
    });
  }
}

/**
 * Enforces @RequireScope / @SessionOnly after JwtAuthGuard established the caller. Only scoped
 * identities (AuthUser.scopes set) are concerned: a user's own session holds every scope, and
 * anonymous callers are handled by @Public(). A non-public handler without a rule is refused to
 * scoped tokens, so a new operation is closed to them until someone decides its scope.
 */
@Injectable()
export class ScopesGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const user: AuthUser | null | undefined =
      context.getType<string>() === 'graphql'
        ? gqlContextOf(context).user
        : context.switchToHttp().getRequest<{ user?: AuthUser }>().user;
    if (!user?.scopes) return true;
    const targets = [context.getHandler(), context.getClass()];
    if (user.appOnly)
      return this.appOnly(
        context,
        this.reflector.getAllAndOverride<boolean>(IS_PUBLIC_KEY, targets) === true,
      );
    const rule = this.reflector.getAllAndOverride<ScopeRule | undefined>(SCOPE_KEY, targets);
    if (rule === SESSION_ONLY) throw new SessionRequiredError();
    if (rule === undefined) {
      if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC_KEY, targets)) return true;
      throw new SessionRequiredError();
    }
    if (!user.scopes.includes(rule)) throw new MissingScopeError(rule);
    return true;
  }

  /**
   * An app acting for no user reads what anyone may read: public queries and subscriptions, where
   * resolvers then see an anonymous caller (never an app id posing as a user id). Everything else,
   * every mutation included, is FORBIDDEN with extensions.userRequired.
   */
  private appOnly(context: ExecutionContext, isPublic: boolean): boolean {
    if (!isPublic) throw new UserRequiredError();
    if (context.getType<string>() !== 'graphql') return true;
    const operation = GqlExecutionContext.create(context).getInfo<{
      operation: { operation: string };
    }>().operation.operation;
    if (operation === 'mutation') throw new UserRequiredError();
    gqlContextOf(context).user = null;
    return true;
  }
}
