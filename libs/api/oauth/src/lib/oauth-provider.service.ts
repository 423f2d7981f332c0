import { createHash, createHmac, generateKeyPairSync } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

import { Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import Provider, {
  type Adapter,
  type AdapterPayload,
  type Configuration,
  type Interaction,
  type JWK,
} from 'oidc-provider';

import { ScopedTokens, UsersService, type ScopedTokenVerifier } from '@finserve/api/auth';
import {
  AppConfig,
  ForbiddenError,
  NotFoundError,
  UnauthenticatedError,
  type AuthUser,
  type RateLimitSubject,
} from '@finserve/api/core';
import {
  isScope,
  OAUTH_ACCESS_TOKEN_PREFIX,
  OAUTH_REFRESH_TOKEN_PREFIX,
  Role,
  SCOPES,
  type Scope,
} from '@finserve/shared';

import { OAuthAppsService, type OAuthClientRecord } from './oauth-apps.service';
import { OAuthRecordsRepository } from './oauth-records.repository';

/** Lifetimes (seconds) of what the authorization server issues. */
export const OAUTH_TTL = {
  AccessToken: 60 * 60,
  ClientCredentials: 60 * 60,
  AuthorizationCode: 60,
  RefreshToken: 30 * 24 * 60 * 60,
  Grant: 365 * 24 * 60 * 60,
  Interaction: 10 * 60,
  Session: 24 * 60 * 60,
  IdToken: 60 * 60,
} as const;

/** The grant types every app may use. */
export const OAUTH_GRANT_TYPES = ['authorization_code', 'refresh_token', 'client_credentials'];
/** Where the web app asks the user to sign in and consent. */
export const CONSENT_PATH = '/oauth/consent';
/** Expired provider records are deleted this often. */
const SWEEP_INTERVAL_MS = 10 * 60_000;
/** Tokens whose subject this process knows (the per-user or per-app rate-limit key). */
const KNOWN_SUBJECTS_MAX = 10_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** What the consent page shows about a pending authorization request. */
export interface ConsentRequest {
  uid: string;
  appName: string;
  clientId: string;
  redirectUri: string;
  scopes: Scope[];
}

/** The scopes an authorization request asks for that the API knows (others are refused upstream). */
function requestedScopes(interaction: Interaction): Scope[] {
  const scope = interaction.params['scope'];
  return [...new Set(typeof scope === 'string' ? scope.split(' ') : [])].filter(isScope);
}

function clientMetadata(app: OAuthClientRecord): AdapterPayload {
  return {
    client_id: app.clientId,
    // The SHA-256 of the secret: compareClientSecret below hashes what the client presents.
    client_secret: app.secretHash,
    client_name: app.name,
    redirect_uris: app.redirectUris,
    grant_types: OAUTH_GRANT_TYPES,
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
    scope: SCOPES.join(' '),
  };
}

type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<void> | void;
type TokenModel = { prototype: { generateTokenId: (this: unknown) => string } };

/**
 * The OAuth 2.1 authorization server: oidc-provider (certified, maintained) wired to our apps
 * (clients), users (accounts), storage (PostgreSQL, OAuthRecordsRepository) and the web app's
 * consent page. Authorization code with PKCE (S256, required for every client), refresh tokens
 * rotated on each use, client credentials, revocation (RFC 7009) and metadata (RFC 8414).
 *
 * Its access tokens (opaque, `fsl_oat_` + random) are accepted wherever a user's token is, as a
 * ScopedTokenVerifier of kind 'oauth': every use reads the database, so a revoked token, a
 * deleted app or a banned user is refused at once, and open sockets are closed through
 * AUTH_REVOKED_TOPIC. Opaque rather than JWT: revocation must take effect at once anyway, so a
 * self-contained token would save nothing and could not be taken back.
 */
@Injectable()
export class OAuthProviderService implements ScopedTokenVerifier, OnModuleInit, OnModuleDestroy {
  readonly kind = 'oauth' as const;
  private readonly logger = new Logger('OAuth');
  private readonly subjects = new Map<string, RateLimitSubject>();
  private provider?: Provider;
  private handler?: Handler;
  private sweepTimer?: NodeJS.Timeout;

  constructor(
    private readonly config: AppConfig,
    private readonly apps: OAuthAppsService,
    private readonly records: OAuthRecordsRepository,
    private readonly users: UsersService,
    private readonly registry: ScopedTokens,
  ) {}

  onModuleInit(): void {
    this.registry.register(this);
    this.sweepTimer = setInterval(() => {
      this.records.sweepExpired().catch((error: unknown) => {
        this.logger.warn(`sweeping expired OAuth records failed: ${String(error)}`);
      });
    }, SWEEP_INTERVAL_MS);
    this.sweepTimer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.sweepTimer);
  }

  /** The issuer: PUBLIC_URL, or outside production the origin the first request came to. */
  issuerFor(req: IncomingMessage & { protocol?: string }): string | null {
    if (this.config.PUBLIC_URL) return new URL(this.config.PUBLIC_URL).origin;
    if (this.config.isProduction) return null;
    return `${req.protocol ?? 'http'}://${req.headers.host ?? 'localhost'}`;
  }

  /** The API as a resource server: the audience of every access token. */
  resourceOf(issuer: string): string {
    return `${issuer}/graphql`;
  }

  /**
   * Hands an OAuth request (authorize, token, revoke, metadata) to oidc-provider. Without
   * PUBLIC_URL in production there is no trustworthy issuer: 503 with a JSON error.
   */
  async handle(req: IncomingMessage & { protocol?: string }, res: ServerResponse): Promise<void> {
    const issuer = this.issuerFor(req);
    if (!issuer) {
      res.statusCode = 503;
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify({
          error: 'temporarily_unavailable',
          error_description: 'OAuth needs PUBLIC_URL to be set on this server',
        }),
      );
      return;
    }
    this.handler ??= this.providerFor(issuer).callback() as Handler;
    await this.handler(req, res);
  }

  /** The pending authorization request `uid`, as the consent page shows it to the user. */
  async consentRequest(uid: string, issuer: string | null): Promise<ConsentRequest> {
    const { interaction, app } = await this.pending(uid, issuer);
    return {
      uid: interaction.uid,
      appName: app.name,
      clientId: app.clientId,
      redirectUri:
        typeof interaction.params['redirect_uri'] === 'string'
          ? interaction.params['redirect_uri']
          : '',
      scopes: requestedScopes(interaction),
    };
  }

  /**
   * The signed-in user's answer to authorization request `uid`: approved, a grant of the requested
   * scopes for this app; denied, access_denied for the app. Where the browser goes next (the
   * provider resumes the request there, checking its own cookie, then redirects to the app).
   */
  async finish(
    uid: string,
    issuer: string | null,
    user: AuthUser,
    approve: boolean,
  ): Promise<{ redirectTo: string }> {
    const { interaction, app, provider } = await this.pending(uid, issuer);
    if (approve) {
      const grant = new provider.Grant({ accountId: user.id, clientId: app.clientId });
      const scopes = requestedScopes(interaction);
      if (scopes.length) {
        // Our scopes are the provider's scopes (the consent prompt checks them) and the API's
        // as a resource server (the access token carries them).
        grant.addOIDCScope(scopes.join(' '));
        grant.addResourceScope(this.resourceOf(provider.issuer), scopes.join(' '));
      }
      const grantId = await grant.save();
      interaction.result = { login: { accountId: user.id }, consent: { grantId } };
    } else {
      interaction.result = {
        error: 'access_denied',
        error_description: 'The user denied the authorization request',
      };
    }
    await interaction.save(Math.max(1, interaction.exp - Math.floor(Date.now() / 1000)));
    return { redirectTo: interaction.returnTo };
  }

  private async pending(
    uid: string,
    issuer: string | null,
  ): Promise<{ interaction: Interaction; app: OAuthClientRecord; provider: Provider }> {
    // Another instance may have started the request: this one builds its provider now.
    const provider = this.provider ?? (issuer ? this.providerFor(issuer) : undefined);
    const interaction =
      provider && /^[\w-]{1,64}$/.test(uid) ? await provider.Interaction.find(uid) : undefined;
    if (!provider || !interaction) throw new NotFoundError('Authorization request');
    const clientId = interaction.params['client_id'];
    const app = typeof clientId === 'string' ? await this.apps.client(clientId) : undefined;
    if (!app) throw new NotFoundError('Authorization request');
    return { interaction, app, provider };
  }

  // --- ScopedTokenVerifier: the provider's access tokens on the API --------------------------

  owns(token: string): boolean {
    return token.startsWith(OAUTH_ACCESS_TOKEN_PREFIX);
  }

  async authenticate(token: string): Promise<AuthUser> {
    const row = token.length <= 200 ? await this.records.accessToken(token) : undefined;
    if (!row) throw new UnauthenticatedError('Invalid or revoked token');
    const app = await this.apps.client(row.clientId);
    if (!app) throw new UnauthenticatedError('Invalid or revoked token');
    // The app's tokens for one user share one API rate-limit bucket (appId).
    const credential = { kind: 'oauth' as const, id: row.id, appId: app.appId };
    const expiresAt = row.expiresAt ?? undefined;
    if (row.model === 'ClientCredentials' || !row.accountId) {
      this.remember(token, { userId: app.appId, credential });
      return {
        id: app.appId,
        username: app.clientId,
        role: Role.USER,
        scopes: [],
        credential,
        appId: app.appId,
        appOnly: true,
        expiresAt,
      };
    }
    const user = UUID.test(row.accountId) ? await this.users.findById(row.accountId) : null;
    if (!user) throw new UnauthenticatedError('Invalid or revoked token');
    if (user.bannedAt) throw new ForbiddenError('This account is banned');
    this.remember(token, { userId: user.id, credential });
    return {
      id: user.id,
      username: user.username,
      // An app never carries admin powers, like a personal access token.
      role: Role.USER,
      scopes: row.scope.split(' ').filter<Scope>(isScope),
      credential,
      appId: app.appId,
      expiresAt,
    };
  }

  async revoked(ids: readonly string[]): Promise<Set<string>> {
    const live = await this.records.liveTokens(ids);
    const appIds = await this.apps.appIds(live.map((token) => token.clientId ?? ''));
    const userIds = live.flatMap((token) =>
      token.accountId && UUID.test(token.accountId) ? [token.accountId] : [],
    );
    const users = userIds.length ? await this.users.findByIds(userIds) : [];
    const allowedUsers = new Set(users.filter((u) => !u.bannedAt).map((u) => u.id));
    const allowed = new Set(
      live
        .filter(
          (token) =>
            appIds.has(token.clientId ?? '') &&
            (token.accountId === null || allowedUsers.has(token.accountId)),
        )
        .map((token) => token.id),
    );
    return new Set(ids.filter((id) => !allowed.has(id)));
  }

  knownSubject(token: string): RateLimitSubject | null {
    return this.subjects.get(this.subjectKey(token)) ?? null;
  }

  private subjectKey(token: string): string {
    return createHash('sha256').update(token, 'utf8').digest('base64');
  }

  private remember(token: string, subject: RateLimitSubject): void {
    const key = this.subjectKey(token);
    this.subjects.delete(key);
    this.subjects.set(key, subject);
    if (this.subjects.size > KNOWN_SUBJECTS_MAX) {
      const oldest = this.subjects.keys().next().value;
      if (oldest !== undefined) this.subjects.delete(oldest);
    }
  }

  // --- The provider --------------------------------------------------------------------------

  private providerFor(issuer: string): Provider {
    if (this.provider) return this.provider;
    const provider = new Provider(issuer, this.configuration(issuer));
    provider.proxy = issuer.startsWith('https:');
    // Recognizable tokens (secret scanners, our verifier's owns()): the provider's opaque ids
    // with our prefixes.
    prefixTokenIds(provider.AccessToken as unknown as TokenModel, OAUTH_ACCESS_TOKEN_PREFIX);
    prefixTokenIds(provider.ClientCredentials as unknown as TokenModel, OAUTH_ACCESS_TOKEN_PREFIX);
    prefixTokenIds(provider.RefreshToken as unknown as TokenModel, OAUTH_REFRESH_TOKEN_PREFIX);
    // Only the secret's hash is stored: compare hashes (oidc-provider's documented extension
    // point for hashed client secrets).
    provider.Client.prototype.compareClientSecret = function (
      this: { clientSecret?: string },
      actual: string,
    ) {
      return OAuthAppsService.secretMatches(actual, this.clientSecret ?? '');
    };
    provider.on('server_error', (_ctx: unknown, error: Error) => {
      this.logger.error(`authorization server error: ${error.message}`);
    });
    this.provider = provider;
    return provider;
  }

  private configuration(issuer: string): Configuration {
    const resource = this.resourceOf(issuer);
    const apps = this.apps;
    const records = this.records;
    const users = this.users;
    class PostgresAdapter implements Adapter {
      constructor(private readonly model: string) {}

      async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
        await records.upsert(this.model, id, payload, expiresIn);
      }

      async find(id: string): Promise<AdapterPayload | undefined> {
        if (this.model === 'Client') {
          const app = await apps.client(id);
          return app && clientMetadata(app);
        }
        return records.find(this.model, { id });
      }

      findByUid(uid: string): Promise<AdapterPayload | undefined> {
        return records.find(this.model, { uid });
      }

      findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
        return records.find(this.model, { userCode });
      }

      consume(id: string): Promise<void> {
        return records.consume(this.model, id);
      }

      async destroy(id: string): Promise<void> {
        await apps.announce(await records.destroy(this.model, id));
      }

      async revokeByGrantId(grantId: string): Promise<void> {
        await apps.announce(await records.revokeByGrantId(this.model, grantId));
      }
    }

    const signingKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({
      format: 'jwk',
    }) as JWK;
    // Cookie signing keys derived from the JWT secret, so every instance of a deployment agrees.
    const cookieKey = createHmac('sha256', this.config.jwtSecret)
      .update('oauth-provider-cookies')
      .digest('base64url');

    return {
      adapter: PostgresAdapter,
      clients: [],
      findAccount: async (_ctx, id) => {
        const user = UUID.test(id) ? await users.findById(id) : null;
        if (!user || user.bannedAt) return undefined;
        return { accountId: user.id, claims: () => ({ sub: user.id }) };
      },
      scopes: [...SCOPES],
      clientDefaults: {
        grant_types: OAUTH_GRANT_TYPES,
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
      responseTypes: ['code'],
      pkce: { required: () => true },
      features: {
        devInteractions: { enabled: false },
        clientCredentials: { enabled: true },
        revocation: {
          enabled: true,
          // An app revokes only what was issued to it (the library's default, made explicit).
          allowedPolicy: (_ctx, client, token) => token.clientId === client.clientId,
        },
        introspection: { enabled: false },
        userinfo: { enabled: false },
        rpInitiatedLogout: { enabled: false },
        pushedAuthorizationRequests: { enabled: false },
        resourceIndicators: {
          enabled: true,
          defaultResource: () => resource,
          useGrantedResource: () => true,
          getResourceServerInfo: () => ({
            scope: SCOPES.join(' '),
            accessTokenFormat: 'opaque',
            accessTokenTTL: OAUTH_TTL.AccessToken,
          }),
        },
      },
      routes: {
        authorization: '/oauth/authorize',
        token: '/oauth/token',
        revocation: '/oauth/revoke',
        jwks: '/oauth/jwks',
        // Disabled features; kept under /oauth so nothing claims another path of the site.
        userinfo: '/oauth/userinfo',
        introspection: '/oauth/introspect',
        end_session: '/oauth/session/end',
        registration: '/oauth/register',
        pushed_authorization_request: '/oauth/par',
        code_verification: '/oauth/device',
        device_authorization: '/oauth/device/auth',
        backchannel_authentication: '/oauth/backchannel',
      },
      interactions: {
        url: (_ctx, interaction) => `${CONSENT_PATH}?uid=${encodeURIComponent(interaction.uid)}`,
      },
      cookies: { keys: [cookieKey] },
      jwks: { keys: [signingKey] },
      ttl: { ...OAUTH_TTL },
      issueRefreshToken: (_ctx, client) => client.grantTypeAllowed('refresh_token'),
      rotateRefreshToken: () => true,
      // An app's tokens outlive the browser session of the consent; they end by revocation.
      expiresWithSession: () => false,
      clientBasedCORS: () => false,
      // Errors as JSON (RFC 6749 shape), never an HTML page.
      renderError: (ctx, out) => {
        ctx.type = 'application/json';
        ctx.body = out;
      },
    };
  }
}

function prefixTokenIds(model: TokenModel, prefix: string): void {
  const generate = model.prototype.generateTokenId;
  model.prototype.generateTokenId = function (this: unknown) {
    return prefix + generate.call(this);
  };
}
