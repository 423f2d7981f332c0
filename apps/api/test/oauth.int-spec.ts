import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

import type { Browser, BrowserContext, Page } from 'playwright-core';

import type { RunningApp } from '../src/bootstrap';
import { describeWithBrowser, gotoApp, launchChromium, WEB_DIST } from './support/chromium';
import {
  errorCode,
  gql,
  liveStream,
  registerUser,
  subscribe,
  wsConnect,
  type GqlResponse,
} from './support/graphql-client';
import { startTestApp } from './support/test-app';

const PASSWORD = 'correct horse battery';
const SEND =
  'mutation M($s: ID!, $body: String!) { sendChatMessage(streamId: $s, body: $body) { body author { id username } } }';
const CREATE_STREAM = 'mutation { createStream(input: { title: "not allowed" }) { id } }';
const CHAT = 'subscription C($s: ID!) { chatMessage(streamId: $s) { id body } }';
const LIVE = '{ liveStreams(limit: 5) { id title } }';
const CREATE_APP = /* GraphQL */ `
  mutation A($input: CreateOAuthAppInput!) {
    createOAuthApp(input: $input) {
      clientSecret
      app {
        id
        clientId
        name
        redirectUris
      }
    }
  }
`;

interface TokenAnswer {
  access_token?: string;
  refresh_token?: string;
  token_type?: string;
  scope?: string;
  expires_in?: number;
  error?: string;
}

/** The third-party app's redirect endpoint: remembers the query it was called with. */
class Callback {
  private server?: Server;
  uri = '';

  async start(): Promise<void> {
    this.server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('back at the app');
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.uri = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/callback`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

const base64url = (bytes: Buffer): string => bytes.toString('base64url');

describeWithBrowser('OAuth browser test')(
  'OAuth 2.1: authorization code + PKCE through the consent page (Chromium), scoped app tokens, client credentials, revocation',
  () => {
    let running: RunningApp;
    let url: string;
    let browser: Browser;
    let context: BrowserContext;
    let page: Page;
    const callback = new Callback();
    let app: { id: string; clientId: string; clientSecret: string };
    let user: { token: string; id: string; username: string };
    let developer: { token: string; id: string; username: string };
    let streamId: string;

    beforeAll(async () => {
      if (!existsSync(join(WEB_DIST, 'index.html')))
        throw new Error(
          `no web build at ${WEB_DIST}: run \`npx nx run web:build\` (npm test does)`,
        );
      running = await startTestApp({ WEB_DIST_DIR: WEB_DIST, WS_AUTH_RECHECK_SECONDS: '1' });
      url = running.url;
      await callback.start();
      browser = await launchChromium();
      context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      page = await context.newPage();
      ({ streamId } = await liveStream(url, 'apps welcome'));
      developer = await registerUser(url, 'appdev');
      const created = await gql(
        url,
        CREATE_APP,
        { input: { name: 'Chart Bot', redirectUris: [callback.uri] } },
        developer.token,
      );
      const answer = created.data?.['createOAuthApp'] as {
        clientSecret: string;
        app: { id: string; clientId: string };
      };
      app = { id: answer.app.id, clientId: answer.app.clientId, clientSecret: answer.clientSecret };
      user = await registerUser(url, 'grantor');
    }, 90_000);
    afterAll(async () => {
      await context?.close().catch(() => undefined);
      await browser?.close();
      await callback.close();
      await running?.close();
    }, 60_000);

    const basic = () =>
      `Basic ${Buffer.from(`${app.clientId}:${app.clientSecret}`).toString('base64')}`;

    async function token(
      params: Record<string, string>,
    ): Promise<{ status: number; body: TokenAnswer }> {
      const response = await fetch(`${url}/oauth/token`, {
        method: 'POST',
        headers: {
          authorization: basic(),
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams(params).toString(),
      });
      return { status: response.status, body: (await response.json()) as TokenAnswer };
    }

    async function revoke(value: string, hint: string): Promise<number> {
      const response = await fetch(`${url}/oauth/revoke`, {
        method: 'POST',
        headers: {
          authorization: basic(),
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams({ token: value, token_type_hint: hint }).toString(),
      });
      return response.status;
    }

    /**
     * The app sends the browser to /oauth/authorize with a PKCE challenge; the user signs in if
     * needed and approves on the consent page (unless the grant already covers the scopes); the
     * browser lands on the app's redirect URI with a code, which the app exchanges.
     */
    async function authorize(scope: string): Promise<TokenAnswer> {
      const verifier = base64url(randomBytes(32));
      const challenge = base64url(createHash('sha256').update(verifier).digest());
      const state = base64url(randomBytes(8));
      const query = new URLSearchParams({
        response_type: 'code',
        client_id: app.clientId,
        redirect_uri: callback.uri,
        scope,
        state,
        code_challenge: challenge,
        code_challenge_method: 'S256',
      });
      await page.goto(`${url}/oauth/authorize?${query.toString()}`, {
        waitUntil: 'domcontentloaded',
      });
      const back = (target: URL) => target.href.startsWith(callback.uri);
      if (!back(new URL(page.url()))) {
        // The consent page; its guard sends a signed-out browser through sign-in first.
        const signIn = page.locator('input[name=username]');
        const title = page.locator('[data-testid=oauth-consent-title]');
        await signIn.or(title).first().waitFor();
        if (await signIn.isVisible()) {
          await signIn.fill(user.username);
          await page.fill('input[name=password]', PASSWORD);
          await page.click('button[type=submit]');
        }
        await page.waitForURL((target) => target.pathname === '/oauth/consent');
        await title.filter({ hasText: 'Chart Bot' }).waitFor();
        await page.click('[data-testid=oauth-consent-approve]');
        await page.waitForURL(back);
      }
      const landed = new URL(page.url());
      expect(landed.searchParams.get('state')).toBe(state);
      const code = landed.searchParams.get('code');
      expect(code).toBeTruthy();
      // PKCE: the code is worthless without the verifier.
      const stolen = await token({
        grant_type: 'authorization_code',
        code: code ?? '',
        redirect_uri: callback.uri,
        code_verifier: base64url(randomBytes(32)),
      });
      expect(stolen).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
      const exchanged = await token({
        grant_type: 'authorization_code',
        code: code ?? '',
        redirect_uri: callback.uri,
        code_verifier: verifier,
      });
      // The wrong verifier above consumed the code (codes are single-use): a fresh authorization.
      if (exchanged.status === 400) return authorize(scope);
      expect(exchanged.status).toBe(200);
      return exchanged.body;
    }

    it('publishes RFC 8414 metadata: the contract endpoints, S256 only, the three grant types', async () => {
      const response = await fetch(`${url}/.well-known/oauth-authorization-server`);
      expect(response.status).toBe(200);
      const metadata = (await response.json()) as Record<string, unknown>;
      expect(metadata).toMatchObject({
        issuer: url,
        authorization_endpoint: `${url}/oauth/authorize`,
        token_endpoint: `${url}/oauth/token`,
        revocation_endpoint: `${url}/oauth/revoke`,
        code_challenge_methods_supported: ['S256'],
        response_types_supported: ['code'],
      });
      expect(metadata['grant_types_supported']).toEqual(
        expect.arrayContaining(['authorization_code', 'refresh_token', 'client_credentials']),
      );
      expect(metadata['scopes_supported']).toEqual(expect.arrayContaining(['chat:write']));
    });

    it('refuses an authorization request without PKCE, and one for an unregistered redirect URI', async () => {
      const common = {
        response_type: 'code',
        client_id: app.clientId,
        scope: 'chat:write',
        state: 'x',
      };
      const noPkce = await fetch(
        `${url}/oauth/authorize?${new URLSearchParams({ ...common, redirect_uri: callback.uri }).toString()}`,
        { redirect: 'manual' },
      );
      // Errors go back to the (registered) redirect URI, never to a consent page.
      expect([302, 303]).toContain(noPkce.status);
      expect(new URL(noPkce.headers.get('location') ?? '').searchParams.get('error')).toBe(
        'invalid_request',
      );
      const challenge = base64url(createHash('sha256').update('v'.repeat(43)).digest());
      const otherRedirect = await fetch(
        `${url}/oauth/authorize?${new URLSearchParams({
          ...common,
          redirect_uri: `${callback.uri}/elsewhere`,
          code_challenge: challenge,
          code_challenge_method: 'S256',
        }).toString()}`,
        { redirect: 'manual' },
      );
      expect(otherRedirect.status).toBe(400);
      expect(((await otherRedirect.json()) as { error: string }).error).toBe(
        'invalid_redirect_uri',
      );
    });

    it('Chromium: sign-in, consent page (app name, scopes), approve; the app’s chat:write token chats as the user, a scope it lacks is FORBIDDEN with requiredScope', async () => {
      // The app sends a signed-out browser to /oauth/authorize: sign-in first, then consent.
      await gotoApp(page, `${url}/`);
      const tokens = await authorize('chat:write');
      expect(tokens.access_token).toMatch(/^fsl_oat_[A-Za-z0-9_-]{40,}$/);
      expect(tokens.refresh_token).toMatch(/^fsl_ort_/);
      expect(tokens.scope).toBe('chat:write');
      const access = tokens.access_token ?? '';

      const sent = await gql(url, SEND, { s: streamId, body: 'hello from Chart Bot' }, access);
      expect(sent.data?.['sendChatMessage']).toEqual({
        body: 'hello from Chart Bot',
        author: { id: user.id, username: user.username },
      });
      const refused = await gql(url, CREATE_STREAM, {}, access);
      expect(errorCode(refused)).toBe('FORBIDDEN');
      expect(refused.errors?.[0]?.extensions?.['requiredScope']).toBe('streams:write');
      // App management is for the user's own session.
      const apps = await gql(url, '{ myOAuthApps { id } }', {}, access);
      expect(errorCode(apps)).toBe('FORBIDDEN');
    }, 90_000);

    it('the consent page shows the requested scopes in words; denying sends access_denied to the app', async () => {
      const verifier = base64url(randomBytes(32));
      const query = new URLSearchParams({
        response_type: 'code',
        client_id: app.clientId,
        redirect_uri: callback.uri,
        // A scope the user never granted this app: the consent page asks again.
        scope: 'chat:write tips:read',
        state: 'deny',
        code_challenge: base64url(createHash('sha256').update(verifier).digest()),
        code_challenge_method: 'S256',
      });
      await page.goto(`${url}/oauth/authorize?${query.toString()}`, {
        waitUntil: 'domcontentloaded',
      });
      await page.waitForURL((target) => target.pathname === '/oauth/consent');
      await page
        .locator('[data-testid="oauth-consent-scope-chat:write"]', {
          hasText: 'Send chat messages as you',
        })
        .waitFor();
      await page.locator('[data-testid="oauth-consent-scope-tips:read"]').waitFor();
      await page.click('[data-testid=oauth-consent-deny]');
      await page.waitForURL((target) => target.href.startsWith(callback.uri));
      const landed = new URL(page.url());
      expect(landed.searchParams.get('error')).toBe('access_denied');
      expect(landed.searchParams.get('code')).toBeNull();
    }, 60_000);

    it('a refresh token rotates: the new pair works, the old refresh token is refused (and its reuse revokes the grant)', async () => {
      const first = await authorize('chat:write');
      const rotated = await token({
        grant_type: 'refresh_token',
        refresh_token: first.refresh_token ?? '',
      });
      expect(rotated.status).toBe(200);
      expect(rotated.body.refresh_token).toMatch(/^fsl_ort_/);
      expect(rotated.body.refresh_token).not.toBe(first.refresh_token);
      const fresh = rotated.body.access_token ?? '';
      const sent = await gql(url, SEND, { s: streamId, body: 'after refresh' }, fresh);
      expect(sent.data?.['sendChatMessage']).toBeTruthy();

      const replayed = await token({
        grant_type: 'refresh_token',
        refresh_token: first.refresh_token ?? '',
      });
      expect(replayed).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
      // A replayed refresh token means it leaked: everything of that grant stops.
      expect(errorCode(await gql(url, SEND, { s: streamId, body: 'x' }, fresh))).toBe(
        'UNAUTHENTICATED',
      );
    }, 90_000);

    it('revoking an access token (RFC 7009) closes the open graphql-ws socket using it at once', async () => {
      const tokens = await authorize('chat:write');
      const access = tokens.access_token ?? '';
      const socket = wsConnect(url, access);
      try {
        await socket.connected;
        const chat = subscribe<{ chatMessage: { body: string } }>(socket, CHAT, { s: streamId });
        const over = await socket.execute<{ sendChatMessage: { body: string } }>(SEND, {
          s: streamId,
          body: 'over the socket',
        });
        expect(over.data?.sendChatMessage.body).toBe('over the socket');
        expect(chat).toBeDefined();
        expect(await revoke(access, 'access_token')).toBe(200);
        expect(await socket.closed).toEqual({ code: 4403, reason: 'Token revoked' });
      } finally {
        await socket.dispose();
      }
      expect(errorCode(await gql(url, SEND, { s: streamId, body: 'x' }, access))).toBe(
        'UNAUTHENTICATED',
      );
      const again = wsConnect(url, access);
      expect((await again.closed).code).toBe(4403);
      // The whole grant's tokens go (RFC 7009 allows it): its refresh token is refused too.
      const refreshed = await token({
        grant_type: 'refresh_token',
        refresh_token: tokens.refresh_token ?? '',
      });
      expect(refreshed).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    }, 90_000);

    it('a client-credentials token reads public data as the app, and every mutation or user operation is FORBIDDEN', async () => {
      const issued = await token({ grant_type: 'client_credentials' });
      expect(issued.status).toBe(200);
      expect(issued.body.refresh_token).toBeUndefined();
      const appToken = issued.body.access_token ?? '';
      expect(appToken).toMatch(/^fsl_oat_/);

      const live = await gql<{ liveStreams: { id: string }[] }>(url, LIVE, {}, appToken);
      expect(live.errors).toBeUndefined();
      expect(live.data?.liveStreams.length).toBeGreaterThan(0);
      // This test's stream by id (the run's other suites leave live streams of their own, so it
      // need not be among the first five of the list).
      const own = await gql<{ stream: { id: string; status: string } | null }>(
        url,
        'query($id: ID!) { stream(id: $id) { id status } }',
        { id: streamId },
        appToken,
      );
      expect(own.errors).toBeUndefined();
      expect(own.data?.stream).toEqual({ id: streamId, status: 'LIVE' });
      // A public query that knows the caller sees nobody: the app is not a user.
      const me = await gql(url, '{ me { id } }', {}, appToken);
      expect(me.data?.['me'] ?? null).toBeNull();

      const sent: GqlResponse = await gql(url, SEND, { s: streamId, body: 'x' }, appToken);
      expect(errorCode(sent)).toBe('FORBIDDEN');
      expect(sent.errors?.[0]?.extensions?.['userRequired']).toBe(true);
      const wallet = await gql(url, '{ myPersonalAccessTokens { id } }', {}, appToken);
      expect(errorCode(wallet)).toBe('FORBIDDEN');

      // Over graphql-ws too: public subscriptions work, mutations do not.
      const socket = wsConnect(url, appToken);
      try {
        await socket.connected;
        const over = await socket.execute(SEND, { s: streamId, body: 'x' });
        expect(over.errors?.[0]?.extensions?.['code']).toBe('FORBIDDEN');
        const listed = await socket.execute<{ stream: { id: string } | null }>(
          'query($id: ID!) { stream(id: $id) { id } }',
          { id: streamId },
        );
        expect(listed.data?.stream?.id).toBe(streamId);
      } finally {
        await socket.dispose();
      }
    });

    it('deleting the app stops its tokens at once: user and app tokens, refresh tokens, open sockets', async () => {
      const tokens = await authorize('chat:write');
      const userToken = tokens.access_token ?? '';
      const appToken = (await token({ grant_type: 'client_credentials' })).body.access_token ?? '';
      const userSocket = wsConnect(url, userToken);
      const appSocket = wsConnect(url, appToken);
      await Promise.all([userSocket.connected, appSocket.connected]);
      subscribe(userSocket, CHAT, { s: streamId });
      subscribe(appSocket, CHAT, { s: streamId });

      const owner = await gql(
        url,
        'mutation D($id: ID!) { deleteOAuthApp(id: $id) }',
        { id: app.id },
        user.token,
      );
      // Only the app's owner may delete it (others: not found).
      expect(errorCode(owner)).toBe('NOT_FOUND');
      const deleted = await gql(
        url,
        'mutation D($id: ID!) { deleteOAuthApp(id: $id) }',
        { id: app.id },
        developer.token,
      );
      expect(deleted.data?.['deleteOAuthApp']).toBe(true);

      expect(await userSocket.closed).toEqual({ code: 4403, reason: 'Token revoked' });
      expect(await appSocket.closed).toEqual({ code: 4403, reason: 'Token revoked' });
      expect(errorCode(await gql(url, SEND, { s: streamId, body: 'x' }, userToken))).toBe(
        'UNAUTHENTICATED',
      );
      expect(errorCode(await gql(url, LIVE, {}, appToken))).toBe('UNAUTHENTICATED');
      const refreshed = await token({
        grant_type: 'refresh_token',
        refresh_token: tokens.refresh_token ?? '',
      });
      expect(refreshed).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
    }, 90_000);
  },
);
