import type { Role, Scope } from '@finserve/shared';

/** The identity established for a request or a WebSocket connection. */
export interface AuthUser {
  id: string;
  username: string;
  role: Role;
  /** The sign-in session of the access token (logout revokes it). */
  sessionId?: string;
  /** When the access token that established this identity expires (a socket's authority ends then). */
  expiresAt?: Date;
  /**
   * Set when the identity comes from a scoped token (a personal access token, later an OAuth
   * app's token): what it may do for its user. Absent for the user's own sign-in session, which
   * may do everything the user may.
   */
  scopes?: readonly Scope[];
  /** The scoped token's kind and id (revoking it ends this identity and closes its sockets). */
  credential?: ScopedCredential;
  /** The OAuth app whose token established this identity (the per-app rate-limit key). */
  appId?: string;
  /**
   * An OAuth app acting for itself (client credentials), for no user: `id` is then the app's id.
   * It may call public queries and subscriptions only, as an anonymous caller would.
   */
  appOnly?: boolean;
}

export interface ScopedCredential {
  kind: 'pat' | 'oauth';
  id: string;
  /**
   * The OAuth app the token was issued to (absent for a personal access token, which is its own
   * app): the tokens of one app for one user share one API rate-limit bucket.
   */
  appId?: string;
}

/**
 * The GraphQL context of every operation. Over HTTP `req` is set and `user` is filled in by the
 * global auth guard; over graphql-ws `connection` is set and `user` comes from connection_init.
 */
export interface GraphQLContext {
  req?: { headers: Record<string, string | string[] | undefined>; user?: AuthUser; ip?: string };
  connection?: { id: string; ip?: string };
  user: AuthUser | null;
}
