import type { Role } from '@finserve/shared';

/** The identity established for a request or a WebSocket connection. */
export interface AuthUser {
  id: string;
  username: string;
  role: Role;
  /** The sign-in session of the access token (logout revokes it). */
  sessionId?: string;
  /** When the access token that established this identity expires (a socket's authority ends then). */
  expiresAt?: Date;
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
