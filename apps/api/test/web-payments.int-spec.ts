import { existsSync } from 'node:fs';
import { join } from 'node:path';

import type { Browser, BrowserContext, Page } from 'playwright-core';
import { DataSource } from 'typeorm';

import { verifyLedger } from '@finserve/api/tips';

import type { RunningApp } from '../src/bootstrap';
import { describeWithBrowser, gotoApp, launchChromium, WEB_DIST } from './support/chromium';
import { gql, liveStream, uniqueUsername } from './support/graphql-client';
import { startTestApp } from './support/test-app';

const PASSWORD = 'correct horse battery';

describeWithBrowser('adding funds browser test')(
  'a new user adds funds on the sandbox page from the tip dialog and tips (Chromium, real API)',
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

    it('$0 -> offered Add funds -> pays $20 on the TEST MODE page -> back, SUCCEEDED, $20.00 -> tips $5', async () => {
      const { streamId, streamer } = await liveStream(running.url, 'funded');
      context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      const page: Page = await context.newPage();
      // The credit comes from the provider's webhook only: the browser never posts to it.
      const webhookCalls: string[] = [];
      page.on('request', (request) => {
        if (request.url().includes('/webhooks/')) webhookCalls.push(request.url());
      });

      const username = uniqueUsername('payer');
      await gotoApp(page, `${running.url}/signup`);
      await page.fill('input[name=username]', username);
      await page.fill('input[name=password]', PASSWORD);
      await page.click('button[type=submit]');
      await page.waitForURL((url) => !url.pathname.startsWith('/signup'));
      await page.locator('[data-testid=account-menu]', { hasText: username }).waitFor();

      await gotoApp(page, `${running.url}/streams/${streamId}`);
      await page.click('[data-testid=tip-open]');
      await page.locator('[data-testid=tip-balance][data-cents="0"]').waitFor();
      await page.click('[data-testid=tip-preset-5]');
      await page.locator('[data-testid=tip-short]').waitFor();
      await page.locator('[data-testid=payments-test-mode]', { hasText: 'TEST MODE' }).waitFor();
      await page.click('[data-testid=deposit-preset-20]');
      await page.click('[data-testid=tip-add-funds]');

      // The sandbox provider's page, served by the API, marked TEST MODE.
      await page.waitForURL((url) => url.pathname.startsWith('/payments/sandbox/'));
      await page.getByText('TEST MODE').waitFor();
      await page.getByText('$20.00').waitFor();
      await page.getByRole('button', { name: 'Pay' }).click();

      // Back in the app: the return page shows what the server knows.
      await page.waitForURL((url) => url.pathname === '/wallet/return');
      const depositId = new URL(page.url()).searchParams.get('deposit');
      expect(depositId).toMatch(/^[0-9a-f-]{36}$/);
      await page.locator('[data-testid=deposit-status][data-status="SUCCEEDED"]').waitFor();
      await page.locator('[data-testid=deposit-balance][data-cents="2000"]').waitFor();
      expect(await page.locator('[data-testid=deposit-balance]').textContent()).toContain('$20.00');

      // Back to the stream, and the $5 tip goes through.
      await page.click('[data-testid=deposit-back]');
      await page.waitForURL((url) => url.pathname === `/streams/${streamId}`);
      await page.click('[data-testid=tip-open]');
      await page.locator('[data-testid=tip-balance][data-cents="2000"]').waitFor();
      await page.click('[data-testid=tip-preset-5]');
      expect(await page.locator('[data-testid=tip-short]').count()).toBe(0);
      await page.click('[data-testid=tip-send]');
      await page.locator('[data-testid=tip-success]').waitFor();
      await page.locator('[data-testid=tip-balance][data-cents="1500"]').waitFor();

      // The wallet page (user menu): the deposit and the tip, the balance, nothing withdrawable.
      await page.keyboard.press('Escape'); // closes the tip dialog
      await page.locator('.cdk-overlay-backdrop').waitFor({ state: 'detached' });
      await page.click('[data-testid=account-menu]');
      await page.click('[data-testid=menu-wallet]');
      await page.waitForURL((url) => url.pathname === '/wallet');
      await page.locator('[data-testid=wallet-balance][data-cents="1500"]').waitFor();
      expect(await page.locator('[data-testid=wallet-balance]').textContent()).toContain('$15.00');
      await page.locator('[data-testid=wallet-withdrawable][data-cents="0"]').waitFor();
      const deposit = page.locator('[data-testid=wallet-deposit][data-status="SUCCEEDED"]');
      await deposit.waitFor();
      expect(await deposit.textContent()).toContain('$20.00');
      const sent = page.locator('[data-testid=wallet-tip-sent]');
      await sent.waitFor();
      expect(await sent.count()).toBe(1);
      expect(await sent.textContent()).toContain('$5.00');
      expect(await sent.textContent()).toContain(streamer.username);
      // Deposited money is never withdrawable: Withdraw is off.
      expect(await page.locator('[data-testid=wallet-withdraw]').isDisabled()).toBe(true);

      // The streamer's wallet: the tip received (net of the 5% fee) is withdrawable and paid out.
      const streamerPage = await context.newPage();
      await gotoApp(streamerPage, `${running.url}/signin`);
      await streamerPage.fill('input[name=username]', streamer.username);
      await streamerPage.fill('input[name=password]', PASSWORD);
      await streamerPage.click('button[type=submit]');
      await streamerPage.waitForURL((url) => !url.pathname.startsWith('/signin'));
      await gotoApp(streamerPage, `${running.url}/studio`);
      await streamerPage.locator('[data-testid=studio-withdrawable][data-cents="475"]').waitFor();
      await streamerPage.click('[data-testid=studio-withdraw]');
      await streamerPage.waitForURL((url) => url.pathname === '/wallet');
      const received = streamerPage.locator('[data-testid=wallet-tip-received]');
      await received.waitFor();
      expect(await received.textContent()).toContain('$4.75');
      await streamerPage.locator('[data-testid=wallet-withdrawable][data-cents="475"]').waitFor();

      expect(webhookCalls).toEqual([]);
      const tips = await gql<{ myTips: { amountCents: number }[] }>(
        running.url,
        '{ myTips { amountCents } }',
        {},
        streamer.token,
      );
      expect(tips.data?.myTips).toEqual([{ amountCents: 500 }]);
      expect(await verifyLedger(running.app.get(DataSource), 500)).toEqual([]);
    }, 180_000);
  },
);
