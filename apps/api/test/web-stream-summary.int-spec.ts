import { randomUUID } from 'node:crypto';

import type { Browser, BrowserContext, Page } from 'playwright-core';

import type { RunningApp } from '../src/bootstrap';
import { describeWithBrowser, gotoApp, launchChromium, WEB_DIST } from './support/chromium';
import { eventually, gql, LOGIN, loginAdmin, uniqueUsername } from './support/graphql-client';
import { startTestApp } from './support/test-app';

// A live stream from Chromium's fake camera on a loaded machine: one more try, as the other
// browser media tests.
jest.retryTimes(1, { logErrorsBeforeRetry: true });

const describeBrowser = describeWithBrowser('the end-of-stream summary browser test');
const PASSWORD = 'correct horse battery';
const CREDIT = `mutation($input: CreditWalletInput!) { creditWallet(input: $input) { balanceCents } }`;
const SEND_TIP = `mutation($input: SendTipInput!) { sendTip(input: $input) { id netCents } }`;

describeBrowser('the studio after End (issue 19)', () => {
  let running: RunningApp;
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    running = await startTestApp({ WEB_DIST_DIR: WEB_DIST });
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => undefined);
    await browser?.close();
    await running?.close();
  }, 60_000);

  const newPage = async (): Promise<Page> => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    contexts.push(context);
    return context.newPage();
  };

  /** A new account, signed in on `page` through the sign-up form; its id and token. */
  const signUp = async (page: Page, prefix: string) => {
    const username = uniqueUsername(prefix);
    await gotoApp(page, `${running.url}/signup`);
    await page.fill('input[name=username]', username);
    await page.fill('input[name=displayName]', `${prefix} ${username.slice(-4)}`);
    await page.fill('input[name=password]', PASSWORD);
    await page.click('button[type=submit]');
    await page.waitForURL((url) => !url.pathname.startsWith('/signup'));
    const login = (await gql(running.url, LOGIN, { input: { username, password: PASSWORD } }))
      .data?.['login'] as { accessToken: string; user: { id: string } };
    return { username, id: login.user.id, token: login.accessToken };
  };

  it('after End the studio shows the summary: duration, peak and unique viewers, messages, tips gross and net, links to the replay and the stats; the stream is among the past broadcasts', async () => {
    const studio = await newPage();
    const streamer = await signUp(studio, 'streamer');
    await gotoApp(studio, `${running.url}/studio`);
    await studio.locator('[data-testid=past-empty]').waitFor({ timeout: 10_000 });
    await studio.fill('[data-testid=stream-title]', 'Summary session');
    const goLive = studio.locator('[data-testid=go-live]');
    await eventually(async () => ((await goLive.isEnabled()) ? true : undefined), 15_000);
    const before = Date.now();
    await goLive.click();
    await studio
      .locator('[data-testid=health][data-connection=connected]')
      .waitFor({ timeout: 20_000 });
    const streamId = await eventually(async () => {
      const href = await studio
        .getByRole('link', { name: 'Open viewer page' })
        .getAttribute('href');
      return href?.split('/').pop() || undefined;
    });

    // Two viewers: one signed in (who chats and tips), one anonymous.
    const viewerPage = await newPage();
    const viewer = await signUp(viewerPage, 'viewer');
    await gotoApp(viewerPage, `${running.url}/streams/${streamId}`);
    const anonymous = await newPage();
    await gotoApp(anonymous, `${running.url}/streams/${streamId}`);
    await eventually(
      async () =>
        (await studio.locator('[data-testid=studio-viewers]').textContent())?.trim() === '2'
          ? true
          : undefined,
      15_000,
    );

    await viewerPage.fill('[data-testid=chat-input]', 'great call on EUR/USD');
    await viewerPage.click('[data-testid=chat-send]');
    await viewerPage
      .locator('[data-testid=chat-body]', { hasText: 'great call on EUR/USD' })
      .waitFor();

    const admin = await loginAdmin(running.url);
    const credited = await gql(
      running.url,
      CREDIT,
      { input: { userId: viewer.id, amountCents: 2000, reference: randomUUID() } },
      admin,
    );
    expect(credited.errors).toBeUndefined();
    const tip = await gql(
      running.url,
      SEND_TIP,
      { input: { streamId, amountCents: 500, idempotencyKey: randomUUID() } },
      viewer.token,
    );
    expect(tip.errors).toBeUndefined();
    expect(tip.data?.['sendTip'].netCents).toBe(475);
    await studio.locator('[data-testid=tip-item]').waitFor({ timeout: 10_000 });
    // The viewer follows the channel while it is live: one new follower.
    const followed = await gql(
      running.url,
      'mutation($id: ID!) { follow(userId: $id) { id } }',
      { id: streamer.id },
      viewer.token,
    );
    expect(followed.errors).toBeUndefined();

    // End (confirmed): the summary, not the empty form.
    await studio.click('[data-testid=end-stream]');
    await studio.click('fs-confirm-dialog [data-testid=confirm]');
    const after = Date.now();
    const summary = studio.locator(`[data-testid=stream-summary][data-stream-id="${streamId}"]`);
    await summary.waitFor({ timeout: 10_000 });
    await summary.locator('[data-testid=summary-messages]').waitFor({ timeout: 10_000 });
    expect(await studio.locator('[data-testid=stream-title]').count()).toBe(0);
    const text = async (id: string) =>
      (await summary.locator(`[data-testid=${id}]`).textContent())?.trim();
    expect(await text('summary-title')).toBe('Summary session');
    expect(await text('summary-messages')).toBe('1');
    expect(await text('summary-peak')).toBe('2');
    expect(await text('summary-unique')).toBe('2');
    expect(await text('summary-tip-count')).toBe('1');
    expect(await text('summary-tips-gross')).toBe('$5.00');
    expect(await text('summary-tips-net')).toBe('$4.75');
    const seconds = Number(
      await summary.locator('[data-testid=summary-duration]').getAttribute('data-seconds'),
    );
    console.log(`summary: ${seconds} s live (${(after - before) / 1000} s between the clicks)`);
    expect(seconds).toBeGreaterThanOrEqual(1);
    expect(seconds).toBeLessThanOrEqual(Math.ceil((after - before) / 1000) + 1);
    const minutes = Math.floor(seconds / 60);
    expect(await text('summary-duration')).toBe(
      `${minutes}:${String(seconds % 60).padStart(2, '0')}`,
    );
    expect(await text('summary-new-followers')).toBe('1');
    expect(await summary.locator('[data-testid=summary-replay]').getAttribute('href')).toBe(
      `/streams/${streamId}`,
    );

    // The past broadcasts list has it.
    await studio
      .locator(`[data-testid=past-broadcast][data-stream-id="${streamId}"]`)
      .waitFor({ timeout: 10_000 });

    // The stats link leads to the stream's stats page; the studio opened again has the form.
    await summary.locator('[data-testid=summary-stats]').click();
    await studio.waitForURL(`${running.url}/streams/${streamId}/stats`);
    await gotoApp(studio, `${running.url}/studio`);
    await studio.locator('[data-testid=stream-title]').waitFor({ timeout: 10_000 });
    await studio
      .locator(`[data-testid=past-broadcast][data-stream-id="${streamId}"]`)
      .waitFor({ timeout: 10_000 });
  }, 180_000);
});
