import {
  createParamDecorator,
  SetMetadata,
  type CustomDecorator,
  type ExecutionContext,
} from '@nestjs/common';
import { GqlExecutionContext } from '@nestjs/graphql';

import type { Role, Scope } from '@finserve/shared';

import type { AuthUser, GraphQLContext } from './auth-user';

export const IS_PUBLIC_KEY = 'finserve:isPublic';
export const ROLES_KEY = 'finserve:roles';

/**
 * Opts a handler or resolver out of the global "valid token required" rule. A valid token is still
 * read when present (so `me` and per-user views work); an invalid one is still refused.
 */
export const Public = (): CustomDecorator<string> => SetMetadata(IS_PUBLIC_KEY, true);

/** Restricts a handler to users having one of these roles (checked after authentication). */
export const Roles = (...roles: Role[]): CustomDecorator<string> => SetMetadata(ROLES_KEY, roles);

export const SCOPE_KEY = 'finserve:scope';
/** Metadata of @SessionOnly(): no scoped token may call the handler, whatever its scopes. */
export const SESSION_ONLY = 'session-only';
export type ScopeRule = Scope | typeof SESSION_ONLY;

/**
 * The scope a scoped token (personal access token, OAuth token) needs to call this handler. A
 * user's own session holds every scope; anonymous callers are not concerned (see @Public()).
 * A non-public handler without @RequireScope is refused to scoped tokens (secure by default).
 */
export const RequireScope = (scope: Scope): CustomDecorator<string> =>
  SetMetadata(SCOPE_KEY, scope);

/**
 * Refused to every scoped token: account and credential management (password, tokens, apps),
 * payments, admin operations. Only the user's own signed-in session may call it.
 */
export const SessionOnly = (): CustomDecorator<string> => SetMetadata(SCOPE_KEY, SESSION_ONLY);

export function gqlContextOf(context: ExecutionContext): GraphQLContext {
  return GqlExecutionContext.create(context).getContext<GraphQLContext>();
}

/** The authenticated user, or null on a @Public() operation called anonymously. */
export const CurrentUser = createParamDecorator(
  (_data: unknown, context: ExecutionContext): AuthUser | null =>
    context.getType<string>() === 'graphql'
      ? (gqlContextOf(context).user ?? null)
      : ((context.switchToHttp().getRequest<{ user?: AuthUser }>().user as AuthUser) ?? null),
);

/** The client's IP address (behind a trusted proxy: the forwarded one), over HTTP or graphql-ws. */
export const ClientIp = createParamDecorator(
  (_data: unknown, context: ExecutionContext): string => {
    if (context.getType<string>() === 'graphql') {
      const gql = gqlContextOf(context);
      return gql.req?.ip ?? gql.connection?.ip ?? 'unknown';
    }
    return context.switchToHttp().getRequest<{ ip?: string }>().ip ?? 'unknown';
  },
);
