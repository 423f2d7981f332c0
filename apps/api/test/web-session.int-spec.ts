import { existsSync } from 'node:fs';
import { join } from 'node:path';

import type { Browser, BrowserContext, Page } from 'playwright-core';

import type { RunningApp } from '../src/bootstrap';
import { describeWithBrowser, gotoApp, launchChromium, WEB_DIST } from './support/chromium';
import {
  CREATE_STREAM,
  errorCode,
  eventually,
  gql,
  liveStream,
  LOGIN,
  ME,
  uniqueUsername,
} from './support/graphql-client';
import { startTestApp } from './support/test-app';

// Access tokens live 4 s here (15 min in production): every wait below spans several lifetimes.
const TTL_SECONDS = 4;
const PASSWORD = 'correct horse battery';
const REFRESH = /* GraphQL */ `
  mutation ($refreshToken: String!) {
    refreshToken(refreshToken: $refreshToken) {
      accessToken
      refreshToken
    }
  }
`;
const LOGOUT_EVERYWHERE = /* GraphQL */ `
  mutation {
    logout(everywhere: true)
  }
`;

interface StoredTokens {
  accessToken: string | null;
  refreshToken: string | null;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describeWithBrowser('web app session renewal browser tests')(
  'the web app keeps a session alive across short access tokens (Chromium, real API)',
  () => {
    let running: RunningApp;
    let browser: Browser;
    const contexts: BrowserContext[] = [];

    beforeAll(async () => {
      if (!existsSync(join(WEB_DIST, 'index.html'))) {
        throw new Error(
          `no web build at ${WEB_DIST}: run \`npx nx run web:build\` (npm test does)`,
        );
      }
      running = await startTestApp({ WEB_DIST_DIR: WEB_DIST, JWT_TTL: `${TTL_SECONDS}s` });
      browser = await launchChromium();
    }, 60_000);
    afterAll(async () => {
      for (const context of contexts) await context.close().catch(() => undefined);
      await browser?.close();
      await running?.close();
    }, 60_000);

    const newPage = async (): Promise<Page> => {
      const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
      contexts.push(context);
      return context.newPage();
    };

    const storedTokens = (page: Page): Promise<StoredTokens> =>
      page.evaluate(() => ({
        accessToken: localStorage.getItem('finserve.accessToken'),
        refreshToken: localStorage.getItem('finserve.refreshToken'),
      }));

    const signUp = async (page: Page, prefix: string): Promise<string> => {
      const username = uniqueUsername(prefix);
      await gotoApp(page, `${running.url}/signup`);
      await page.fill('input[name=username]', username);
      await page.fill('input[name=password]', PASSWORD);
      await page.click('button[type=submit]');
      await page.waitForURL((url) => !url.pathname.startsWith('/signup'));
      await page.locator('[data-testid=account-menu]', { hasText: username }).waitFor();
      return username;
    };

    const chatBodies = (page: Page) =>
      page.locator('[data-testid=chat-log] [data-testid=chat-body]').allTextContents();

    const say = async (page: Page, body: string) => {
      await page.fill('[data-testid=chat-input]', body);
      await page.click('[data-testid=chat-send]');
      await eventually(async () => ((await chatBodies(page)).includes(body) ? true : undefined));
    };

    it('chats across several token lifetimes, survives a reload after the token expired, and sign-out revokes the refresh token', async () => {
      const { streamId } = await liveStream(running.url, 'long session');
      const page = await newPage();
      const graphqlErrors: string[] = [];
      page.on('response', async (response) => {
        if (!response.url().endsWith('/graphql') || response.request().method() !== 'POST') return;
        const body = (await response.json().catch(() => ({}))) as { errors?: unknown[] };
        if (body.errors) graphqlErrors.push(JSON.stringify(body.errors));
      });
      const username = await signUp(page, 'longsession');
      const first = await storedTokens(page);
      expect(first.accessToken).toBeTruthy();
      expect(first.refreshToken).toBeTruthy();

      // Three messages, 1.5 token lifetimes apart (> 4 lifetimes in all), without signing in again.
      await gotoApp(page, `${running.url}/streams/${streamId}`);
      await page.locator('[data-testid=chat-input]').waitFor();
      const started = Date.now();
      for (let i = 1; i <= 3; i++) {
        await sleep(TTL_SECONDS * 1500);
        await say(page, `still here ${i}`);
      }
      expect(Date.now() - started).toBeGreaterThan(4 * TTL_SECONDS * 1000);
      expect(new URL(page.url()).pathname).toBe(`/streams/${streamId}`);
      // The tokens were rotated (the first refresh token is used up) and the messages are hers.
      const later = await storedTokens(page);
      expect(later.accessToken).not.toBe(first.accessToken);
      expect(later.refreshToken).not.toBe(first.refreshToken);
      const messages = await gql<{
        chatMessages: { body: string; author: { username: string } | null }[];
      }>(
        running.url,
        `query($s: ID!) { chatMessages(streamId: $s) { body author { username } } }`,
        { s: streamId },
      );
      expect(
        messages.data?.chatMessages
          .filter((message) => message.body.startsWith('still here'))
          .map((message) => message.author?.username),
      ).toEqual([username, username, username]);
      // Renewal was proactive: no operation was refused on the way.
      expect(graphqlErrors).toEqual([]);

      // Away from the app longer than a token lives (no timer runs), then back: still signed in.
      await page.goto('about:blank');
      await sleep(TTL_SECONDS * 1500);
      await gotoApp(page, `${running.url}/studio`);
      // The guard renews the expired token first; a failed renewal would land on /signin.
      await page
        .locator('[data-testid=studio], input[name=password]')
        .first()
        .waitFor({ timeout: 60_000 });
      expect(new URL(page.url()).pathname).toBe('/studio');
      await page.locator('[data-testid=studio]').waitFor();
      await sleep(TTL_SECONDS * 1500);
      await page.reload({ waitUntil: 'domcontentloaded' });
      await page.locator('[data-testid=studio]').waitFor();
      await expect(page.locator('[data-testid=account-menu]').textContent()).resolves.toContain(
        username,
      );

      // Sign-out: local tokens are gone, and the server no longer takes the last refresh token.
      const last = await storedTokens(page);
      await page.click('[data-testid=account-menu]');
      await page.getByRole('menuitem', { name: 'Sign out' }).click();
      await page.waitForURL(`${running.url}/`);
      await page.getByRole('link', { name: 'Sign in' }).waitFor();
      expect(await storedTokens(page)).toEqual({ accessToken: null, refreshToken: null });
      const reuse = await gql(running.url, REFRESH, { refreshToken: last.refreshToken });
      expect(errorCode(reuse)).toBe('UNAUTHENTICATED');
      expect(errorCode(await gql(running.url, ME, {}, last.accessToken ?? ''))).toBe(
        'UNAUTHENTICATED',
      );
    }, 120_000);

    it("reconnects the chat socket with each renewed token (the server ends a socket's authority at its token's expiry) and misses no message, without a reload", async () => {
      // The streamer (an API client) renews its own token with its refresh token as it goes.
      const registered = await gql<{
        register: { accessToken: string; refreshToken: string };
      }>(
        running.url,
        `mutation($input: RegisterInput!) { register(input: $input) { accessToken refreshToken } }`,
        { input: { username: uniqueUsername('renewer'), password: PASSWORD } },
      );
      let { accessToken: streamerToken, refreshToken } = registered.data?.register as {
        accessToken: string;
        refreshToken: string;
      };
      const created = await gql<{ createStream: { id: string } }>(
        running.url,
        CREATE_STREAM,
        { input: { title: 'socket renewal' } },
        streamerToken,
      );
      const streamId = created.data?.createStream.id as string;
      const page = await newPage();
      const sockets: string[] = [];
      page.on('websocket', (socket) => sockets.push(socket.url()));
      await signUp(page, 'renewsocket');
      await gotoApp(page, `${running.url}/streams/${streamId}`);
      await page.locator('[data-testid=chat-input]').waitFor();
      await page.evaluate(() => ((window as { marker?: number }).marker = 1));
      const opened = sockets.length;
      const SEND = `mutation($s: ID!, $b: String!) { sendChatMessage(streamId: $s, body: $b) { id } }`;
      // A message from the streamer every 700 ms across three token lifetimes (several renewals
      // and socket restarts): each must reach the page, none may be lost in a reconnect.
      const sent: string[] = [];
      const until = Date.now() + 3 * TTL_SECONDS * 1000;
      for (let i = 1; Date.now() < until; i++) {
        const body = `tick ${i}`;
        const response = await gql(running.url, SEND, { s: streamId, b: body }, streamerToken);
        if (errorCode(response) === 'UNAUTHENTICATED') {
          const renewed = await gql<{
            refreshToken: { accessToken: string; refreshToken: string };
          }>(running.url, REFRESH, { refreshToken });
          ({ accessToken: streamerToken, refreshToken } = renewed.data?.refreshToken as {
            accessToken: string;
            refreshToken: string;
          });
          i--;
          continue;
        }
        if (!errorCode(response)) sent.push(body);
        await sleep(700);
      }
      await eventually(async () => {
        const shown = await chatBodies(page);
        return sent.every((body) => shown.includes(body)) ? true : undefined;
      }, 15_000);
      // Same page (no reload), and the socket was renewed at least twice meanwhile.
      expect(await page.evaluate(() => (window as { marker?: number }).marker)).toBe(1);
      expect(sockets.length - opened).toBeGreaterThanOrEqual(2);
      // The user can still chat over the renewed session.
      await say(page, 'still connected');
    }, 120_000);

    it('signs out locally and asks to sign in again when the session is revoked elsewhere (socket closed 4403)', async () => {
      const { streamId } = await liveStream(running.url, 'revoked session');
      const page = await newPage();
      const username = await signUp(page, 'revoked');
      await gotoApp(page, `${running.url}/streams/${streamId}`);
      await say(page, 'before the revocation');

      // The same user, on another device, signs out everywhere.
      const other = await gql<{ login: { accessToken: string } }>(running.url, LOGIN, {
        input: { username, password: PASSWORD },
      });
      const everywhere = await gql<{ logout: boolean }>(
        running.url,
        LOGOUT_EVERYWHERE,
        {},
        other.data?.login.accessToken,
      );
      expect(everywhere.data?.logout).toBe(true);

      // The open tab notices (its socket is closed), fails to refresh, and goes to sign-in.
      await page.waitForURL(
        (url) =>
          url.pathname === '/signin' &&
          url.searchParams.get('returnUrl') === `/streams/${streamId}`,
        { timeout: 15_000 },
      );
      expect(await storedTokens(page)).toEqual({ accessToken: null, refreshToken: null });

      // Signing in again returns to the stream, and chat works.
      await page.fill('input[name=username]', username);
      await page.fill('input[name=password]', PASSWORD);
      await page.click('button[type=submit]');
      await page.waitForURL(`${running.url}/streams/${streamId}`);
      await say(page, 'after signing in again');
    }, 60_000);
  },
);
