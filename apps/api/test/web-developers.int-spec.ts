import { existsSync } from 'node:fs';
import { join } from 'node:path';

import type { Browser, BrowserContext, Page } from 'playwright-core';

import type { RunningApp } from '../src/bootstrap';
import { describeWithBrowser, gotoApp, launchChromium, WEB_DIST } from './support/chromium';
import { errorCode, gql, liveStream, uniqueUsername } from './support/graphql-client';
import { startTestApp } from './support/test-app';

const PASSWORD = 'correct horse battery';
const SEND =
  'mutation M($s: ID!) { sendChatMessage(streamId: $s, body: "from my bot") { author { username } } }';

describeWithBrowser('developers page browser test')(
  'a user creates a personal access token on /developers, a bot uses it, the user revokes it (Chromium, real API)',
  () => {
    let running: RunningApp;
    let browser: Browser;
    let context: BrowserContext | undefined;

    beforeAll(async () => {
      if (!existsSync(join(WEB_DIST, 'index.html'))) {
        throw new Error(
          `no web build at ${WEB_DIST}: run \`npx nx run web:build\` (npm test does)`,
        );
      }
      running = await startTestApp({ WEB_DIST_DIR: WEB_DIST });
      browser = await launchChromium();
    }, 60_000);
    afterAll(async () => {
      await context?.close().catch(() => undefined);
      await browser?.close();
      await running?.close();
    }, 60_000);

    it('menu -> Developers -> token with chat:write, secret shown once -> chat as the user -> revoke -> refused', async () => {
      const { streamId } = await liveStream(running.url, 'bots welcome');
      context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      const page: Page = await context.newPage();

      const username = uniqueUsername('dev');
      await gotoApp(page, `${running.url}/signup`);
      await page.fill('input[name=username]', username);
      await page.fill('input[name=password]', PASSWORD);
      await page.click('button[type=submit]');
      await page.waitForURL((url) => !url.pathname.startsWith('/signup'));
      await page.locator('[data-testid=account-menu]', { hasText: username }).click();
      await page.click('[data-testid=menu-developers]');
      await page.waitForURL((url) => url.pathname === '/developers');
      await page.locator('[data-testid=developers-empty]').waitFor();

      await page.fill('[data-testid=developers-name]', 'Chat bot');
      await page.locator('[data-testid="developers-scope-chat:write"] input').check();
      await page.fill('[data-testid=developers-expiry]', '7');
      await page.click('[data-testid=developers-create]');
      const secret = (await page.locator('[data-testid=developers-secret]').textContent())?.trim();
      expect(secret).toMatch(/^fsl_pat_[A-Za-z0-9_-]{43}$/);
      await page.locator('[data-testid=developers-token]', { hasText: 'Chat bot' }).waitFor();
      await page.locator('[data-testid=developers-token]', { hasText: 'chat:write' }).waitFor();

      // The bot: the token sends chat as the user.
      const sent = await gql(running.url, SEND, { s: streamId }, secret);
      expect(sent.data?.['sendChatMessage']).toEqual({ author: { username } });

      // After a reload the secret is gone for good; the token is still listed.
      await page.reload();
      await page.locator('[data-testid=developers-token]', { hasText: 'Chat bot' }).waitFor();
      expect(await page.locator('[data-testid=developers-secret]').count()).toBe(0);

      await page.click('[data-testid=developers-revoke]');
      await page.locator('[data-testid=developers-empty]').waitFor();
      expect(errorCode(await gql(running.url, SEND, { s: streamId }, secret))).toBe(
        'UNAUTHENTICATED',
      );
    }, 90_000);
  },
);
