import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

import { Inject, Injectable } from '@nestjs/common';

import { AUTH_REVOKED_TOPIC, type AuthRevokedEvent } from '@finserve/api/auth';
import { BadUserInputError, NotFoundError, PUB_SUB, type EventBus } from '@finserve/api/core';
import { OAUTH_CLIENT_SECRET_PREFIX } from '@finserve/shared';

import type { OAuthAppModel } from './oauth-app.model';
import { OAuthAppsRepository, type AppRecord } from './oauth-apps.repository';
import { OAuthRecordsRepository, type RemovedToken } from './oauth-records.repository';
import { redirectUriProblem } from './redirect-uri';

/** Apps a user may have at once. */
export const MAX_APPS_PER_USER = 20;
const CLIENT_ID_PREFIX = 'fsl_app_';
const CLIENT_ID = /^fsl_app_[A-Za-z0-9_-]{1,56}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** SHA-256 suffices: the secret is 32 random bytes, nothing to brute-force. */
export const secretHashOf = (secret: string): Buffer =>
  createHash('sha256').update(secret, 'utf8').digest();

const toModel = (app: AppRecord): OAuthAppModel => ({ ...app });

/** An app as the authorization server sees it (an OAuth client). */
export interface OAuthClientRecord {
  appId: string;
  clientId: string;
  name: string;
  redirectUris: string[];
  /** SHA-256 of the client secret, hex. */
  secretHash: string;
}

/**
 * OAuth apps (table oauth_apps, owned here): a user's third-party applications. The client secret
 * (`fsl_ocs_` + 32 random bytes) is shown once; only its SHA-256 is kept. Deleting an app removes
 * everything issued to it and closes the sockets of its tokens at once (AUTH_REVOKED_TOPIC).
 */
@Injectable()
export class OAuthAppsService {
  constructor(
    private readonly apps: OAuthAppsRepository,
    private readonly records: OAuthRecordsRepository,
    @Inject(PUB_SUB) private readonly bus: EventBus,
  ) {}

  async create(
    ownerId: string,
    input: { name: string; redirectUris: readonly string[] },
  ): Promise<{ app: OAuthAppModel; clientSecret: string }> {
    const redirectUris = [...new Set(input.redirectUris)];
    for (const uri of redirectUris) {
      const problem = redirectUriProblem(uri);
      if (problem) throw new BadUserInputError(problem, { field: 'redirectUris' });
    }
    if (!redirectUris.length) throw new BadUserInputError('at least one redirect URI is needed');
    const clientId = CLIENT_ID_PREFIX + randomBytes(16).toString('base64url');
    const clientSecret = OAUTH_CLIENT_SECRET_PREFIX + randomBytes(32).toString('base64url');
    const row = await this.apps.insertUnderCap(
      {
        ownerId,
        clientId,
        secretHash: secretHashOf(clientSecret),
        name: input.name,
        redirectUris,
      },
      MAX_APPS_PER_USER,
    );
    if (!row)
      throw new BadUserInputError(
        `At most ${MAX_APPS_PER_USER} apps: delete one you no longer use`,
      );
    return { app: toModel(row), clientSecret };
  }

  /** The user's apps, newest first. */
  async list(ownerId: string): Promise<OAuthAppModel[]> {
    return (await this.apps.listOf(ownerId)).map(toModel);
  }

  /** Deletes one of the user's apps: its tokens and grants go with it, sockets closed at once. */
  async delete(ownerId: string, id: string): Promise<void> {
    const gone = UUID.test(id) ? await this.apps.delete(ownerId, id) : null;
    // Another user's app is "not found" too: ids are not confirmed to strangers.
    if (!gone) throw new NotFoundError('OAuth app');
    const removed = await this.records.revokeByClient(gone.clientId);
    await this.announce(removed, new Map([[gone.clientId, gone.id]]));
  }

  /** The app of a client id, as the authorization server needs it. */
  async client(clientId: string): Promise<OAuthClientRecord | undefined> {
    // Client ids come from requests: one that cannot be ours is unknown, not a database error.
    if (!CLIENT_ID.test(clientId)) return undefined;
    const row = await this.apps.byClientId(clientId);
    if (!row) return undefined;
    return {
      appId: row.id,
      clientId: row.clientId,
      name: row.name,
      redirectUris: row.redirectUris,
      secretHash: row.secretHash,
    };
  }

  /** App ids by client id, for the clients that still exist. */
  async appIds(clientIds: readonly string[]): Promise<Map<string, string>> {
    const wanted = [...new Set(clientIds)].filter((id) => CLIENT_ID.test(id));
    if (!wanted.length) return new Map();
    return this.apps.appIds(wanted);
  }

  /** Constant-time comparison of a presented secret with the stored hash (hex). */
  static secretMatches(presented: string, storedHex: string): boolean {
    const stored = Buffer.from(storedHex, 'hex');
    const actual = secretHashOf(presented);
    return stored.length === actual.length && timingSafeEqual(stored, actual);
  }

  /**
   * Tells open sockets that these tokens are gone (this instance closes them at once; Redis
   * carries the event to the others). An app-only token's identity is its app.
   */
  async announce(removed: readonly RemovedToken[], known?: Map<string, string>): Promise<void> {
    if (!removed.length) return;
    const appOnly = removed.filter((token) => !token.accountId && token.clientId);
    const appIds = known ?? (await this.appIds(appOnly.map((token) => token.clientId ?? '')));
    for (const token of removed) {
      const userId = token.accountId ?? appIds.get(token.clientId ?? '');
      if (!userId) continue;
      const event: AuthRevokedEvent = {
        userId,
        sessionId: null,
        credentialId: token.id,
        reason: 'TOKEN_REVOKED',
      };
      await this.bus.publish(AUTH_REVOKED_TOPIC, event);
    }
  }
}
