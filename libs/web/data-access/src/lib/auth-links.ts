import { ApolloLink } from '@apollo/client/core';
import { CombinedGraphQLErrors } from '@apollo/client/errors';
import { ErrorLink } from '@apollo/client/link/error';
import { from, switchMap, throwError } from 'rxjs';

import { ErrorCode } from '@finserve/shared';

import type { TokenSession } from './token-session';

/** Operations that must go without a bearer token (the API refuses a bad one even there). */
const WITHOUT_TOKEN = new Set(['Login', 'Register', 'RefreshToken']);

/**
 * Adds `authorization: Bearer <access token>` to HTTP operations, renewing the token first when it
 * is due (a tab that slept through the timer). An operation can bring its own token in
 * `context.accessToken` (sign-out sends the one it is ending).
 */
export function bearerLink(session: TokenSession): ApolloLink {
  return new ApolloLink((operation, forward) => {
    if (WITHOUT_TOKEN.has(operation.operationName ?? '')) return forward(operation);
    const own = (operation.getContext() as { accessToken?: string }).accessToken;
    return from(own ? Promise.resolve(own) : session.fresh()).pipe(
      switchMap((token) => {
        if (token) {
          operation.setContext(({ headers }: { headers?: Record<string, string> }) => ({
            headers: { ...headers, authorization: `Bearer ${token}` },
          }));
        }
        return forward(operation);
      }),
    );
  });
}

/**
 * On UNAUTHENTICATED from a signed-in operation: renew the tokens (one refresh for all callers)
 * and retry the operation once. If the refresh is refused the session ends (TokenSession) and the
 * original error goes to the caller.
 */
export function refreshOnUnauthenticatedLink(session: TokenSession): ApolloLink {
  return new ErrorLink(({ error, operation, forward }) => {
    const context = operation.getContext() as { authRetried?: boolean; accessToken?: string };
    if (context.authRetried || context.accessToken) return;
    if (WITHOUT_TOKEN.has(operation.operationName ?? '') || !session.accessToken()) return;
    if (!isUnauthenticated(error)) return;
    return from(session.refresh()).pipe(
      switchMap((token) => {
        if (!token) return throwError(() => error);
        operation.setContext({ authRetried: true });
        return forward(operation);
      }),
    );
  });
}

function isUnauthenticated(error: unknown): boolean {
  return (
    CombinedGraphQLErrors.is(error) &&
    error.errors.some((entry) => entry.extensions?.['code'] === ErrorCode.UNAUTHENTICATED)
  );
}
