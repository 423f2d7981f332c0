import { Injectable } from '@nestjs/common';

import type { AuthUser, RateLimitSubject, ScopedCredential } from '@finserve/api/core';

/**
 * A kind of scoped bearer token (personal access tokens here; OAuth apps' tokens plug in the same
 * way): recognized by its shape, checked against the database, and re-checked for open sockets.
 */
export interface ScopedTokenVerifier {
  readonly kind: ScopedCredential['kind'];
  /** Whether the token has this verifier's shape (its prefix); no database. */
  owns(token: string): boolean;
  /** The identity of a valid token, limited to its scopes; UNAUTHENTICATED/FORBIDDEN otherwise. */
  authenticate(token: string): Promise<AuthUser>;
  /** Of these credential ids, the ones no longer allowed (revoked, expired, user banned or gone). */
  revoked(ids: readonly string[]): Promise<Set<string>>;
  /**
   * The user and credential of a token this process accepted lately (the API rate-limit bucket,
   * without a query), or null.
   */
  knownSubject(token: string): RateLimitSubject | null;
}

/** The registered kinds of scoped tokens; TokenService asks them before reading a JWT. */
@Injectable()
export class ScopedTokens {
  private readonly verifiers: ScopedTokenVerifier[] = [];

  register(verifier: ScopedTokenVerifier): void {
    this.verifiers.push(verifier);
  }

  verifierOf(token: string): ScopedTokenVerifier | undefined {
    return this.verifiers.find((verifier) => verifier.owns(token));
  }

  /** Of these credentials, the ones no longer allowed, as ids. */
  async revoked(credentials: readonly ScopedCredential[]): Promise<Set<string>> {
    const out = new Set<string>();
    for (const verifier of this.verifiers) {
      const ids = credentials.filter((c) => c.kind === verifier.kind).map((c) => c.id);
      if (!ids.length) continue;
      for (const id of await verifier.revoked(ids)) out.add(id);
    }
    return out;
  }
}
