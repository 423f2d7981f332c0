import { createHash, randomBytes } from 'node:crypto';

import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';

import {
  BadUserInputError,
  ForbiddenError,
  NotFoundError,
  PUB_SUB,
  UnauthenticatedError,
  type AuthUser,
  type EventBus,
  type RateLimitSubject,
} from '@finserve/api/core';
import { isScope, PERSONAL_ACCESS_TOKEN_PREFIX, Role, type Scope } from '@finserve/shared';

import { ScopedTokens, type ScopedTokenVerifier } from '../scopes/scoped-tokens';
import { AUTH_REVOKED_TOPIC, type AuthRevokedEvent } from '../sessions.service';
import type { PersonalAccessTokenModel } from './personal-access-token.model';
import {
  PersonalAccessTokensRepository,
  type TokenRecord,
} from './personal-access-tokens.repository';

/** Tokens a user may hold at once (revoked ones do not count). */
export const MAX_TOKENS_PER_USER = 50;
/** lastUsedAt is written at most this often per token (one UPDATE a minute, not one per call). */
const LAST_USED_RESOLUTION_MS = 60_000;
/** Tokens whose user this process knows (their rate-limit bucket without a query). */
const KNOWN_SUBJECTS_MAX = 10_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** SHA-256 suffices: the secret is 32 random bytes, nothing to brute-force. */
const hashOf = (token: string): Buffer => createHash('sha256').update(token, 'utf8').digest();

const toModel = (token: TokenRecord): PersonalAccessTokenModel => ({ ...token });

/**
 * Personal access tokens (table personal_access_tokens, owned here): a user's long-lived bearer
 * tokens for scripts and bots, limited to scopes. The secret (`fsl_pat_` + 32 random bytes) is
 * shown once; only its SHA-256 is stored. Every use reads the database, so revoking a token, or
 * banning or deleting its user, refuses it at once; open sockets are closed through the same
 * revocation event as sessions (AUTH_REVOKED_TOPIC, carried by Redis between instances).
 */
@Injectable()
export class PersonalAccessTokensService implements ScopedTokenVerifier, OnModuleInit {
  readonly kind = 'pat' as const;
  private readonly subjects = new Map<string, RateLimitSubject>();

  constructor(
    private readonly tokens: PersonalAccessTokensRepository,
    private readonly registry: ScopedTokens,
    @Inject(PUB_SUB) private readonly bus: EventBus,
  ) {}

  onModuleInit(): void {
    this.registry.register(this);
  }

  async create(
    userId: string,
    input: { name: string; scopes: readonly string[]; expiresInDays?: number | null },
  ): Promise<{ token: PersonalAccessTokenModel; secret: string }> {
    const scopes = [...new Set(input.scopes)];
    const unknown = scopes.find((scope) => !isScope(scope));
    if (unknown !== undefined) throw new BadUserInputError(`Unknown scope: ${unknown}`);
    const secret = PERSONAL_ACCESS_TOKEN_PREFIX + randomBytes(32).toString('base64url');
    const row = await this.tokens.transaction(async (tx) => {
      if ((await this.tokens.lockAndCountLive(tx, userId)) >= MAX_TOKENS_PER_USER)
        throw new BadUserInputError(
          `At most ${MAX_TOKENS_PER_USER} tokens: revoke one you no longer use`,
        );
      return this.tokens.insert(tx, {
        userId,
        name: input.name,
        hash: hashOf(secret),
        scopes,
        expiresInDays: input.expiresInDays ?? null,
      });
    });
    return { token: toModel(row), secret };
  }

  /** The user's tokens that still work or expired (revoked ones are gone), newest first. */
  async list(userId: string): Promise<PersonalAccessTokenModel[]> {
    return (await this.tokens.listOf(userId)).map(toModel);
  }

  /** Revokes one of the user's tokens; its sockets are closed at once. */
  async revoke(userId: string, id: string): Promise<void> {
    const revoked = UUID.test(id) && (await this.tokens.revoke(userId, id));
    // Another user's token is "not found" too: ids are not confirmed to strangers.
    if (!revoked) throw new NotFoundError('Personal access token');
    for (const [key, subject] of this.subjects)
      if (subject.credential?.id === id) this.subjects.delete(key);
    const event: AuthRevokedEvent = {
      userId,
      sessionId: null,
      credentialId: id,
      reason: 'TOKEN_REVOKED',
    };
    await this.bus.publish(AUTH_REVOKED_TOPIC, event);
  }

  owns(token: string): boolean {
    return token.startsWith(PERSONAL_ACCESS_TOKEN_PREFIX);
  }

  async authenticate(token: string): Promise<AuthUser> {
    const hash = hashOf(token);
    const row = await this.tokens.presented(hash, LAST_USED_RESOLUTION_MS / 1000);
    if (!row) throw new UnauthenticatedError('Invalid or revoked token');
    if (row.expired) throw new UnauthenticatedError('Token expired');
    if (row.bannedAt) throw new ForbiddenError('This account is banned');
    if (row.stale) await this.tokens.touch(row.id, LAST_USED_RESOLUTION_MS / 1000);
    const credential = { kind: 'pat', id: row.id } as const;
    this.remember(hash.toString('base64'), { userId: row.userId, credential });
    return {
      id: row.userId,
      username: row.username,
      // A token never carries admin powers: an admin's token acts as a plain user (admin work is
      // done in a signed-in session).
      role: Role.USER,
      scopes: row.scopes.filter<Scope>(isScope),
      credential,
      expiresAt: row.expiresAt ?? undefined,
    };
  }

  async revoked(ids: readonly string[]): Promise<Set<string>> {
    return new Set(await this.tokens.notAllowed(ids.filter((id) => UUID.test(id))));
  }

  knownSubject(token: string): RateLimitSubject | null {
    return this.subjects.get(hashOf(token).toString('base64')) ?? null;
  }

  private remember(key: string, subject: RateLimitSubject): void {
    this.subjects.delete(key);
    this.subjects.set(key, subject);
    if (this.subjects.size > KNOWN_SUBJECTS_MAX) {
      const oldest = this.subjects.keys().next().value;
      if (oldest !== undefined) this.subjects.delete(oldest);
    }
  }
}
