import { existsSync } from 'node:fs';
import { join } from 'node:path';

import type { Browser, BrowserContext, Page } from 'playwright-core';

import type { RunningApp } from '../src/bootstrap';
import { describeWithBrowser, gotoApp, launchChromium, WEB_DIST } from './support/chromium';
import {
  CREATE_STREAM,
  END_STREAM,
  eventually,
  gql,
  liveStream,
  loginAdmin,
  REGISTER,
  uniqueUsername,
} from './support/graphql-client';
import { startTestApp } from './support/test-app';
import { SyntheticPublisher } from './support/webrtc-clients';

const describeBrowser = describeWithBrowser('the web app viewer-state browser tests');
const PASSWORD = 'correct horse battery';
const PUBLISH = `mutation($s: ID!, $sdp: String!) { publishStream(streamId: $s, sdp: $sdp) { sessionId sdp } }`;

describeBrowser('the viewer page in Chromium: waiting, failed replay, ended and tip lines', () => {
  let running: RunningApp;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const publishers: SyntheticPublisher[] = [];

  beforeAll(async () => {
    if (!existsSync(join(WEB_DIST, 'index.html'))) {
      throw new Error(`no web build at ${WEB_DIST}: run \`npx nx run web:build\` (npm test does)`);
    }
    running = await startTestApp({ WEB_DIST_DIR: WEB_DIST });
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await Promise.all(publishers.map((publisher) => publisher.close().catch(() => undefined)));
    for (const context of contexts) await context.close().catch(() => undefined);
    await browser?.close();
    await running?.close();
  }, 60_000);

  const newPage = async (): Promise<Page> => {
    const context = await browser.newContext({ locale: 'en-US' });
    contexts.push(context);
    return context.newPage();
  };

  /** A user with a display name unlike the username, and a token. */
  const register = async (prefix: string, displayName: string) => {
    const username = uniqueUsername(prefix);
    const response = await gql(running.url, REGISTER, {
      input: { username, password: PASSWORD, displayName },
    });
    const payload = response.data?.['register'] as { accessToken: string; user: { id: string } };
    return { username, token: payload.accessToken, id: payload.user.id };
  };

  it("says it waits for the streamer's video on a LIVE stream nobody publishes to (no endless spinner)", async () => {
    const { streamId } = await liveStream(running.url, 'Nobody sending yet');
    const page = await newPage();
    await gotoApp(page, `${running.url}/streams/${streamId}`);
    await page.locator('[data-testid=viewer-page][data-status=LIVE]').waitFor();
    const waiting = page.locator('[data-testid=player-waiting]');
    await waiting.waitFor({ timeout: 20_000 });
    await expect(waiting.textContent()).resolves.toContain("Waiting for the streamer's video…");
    expect(await page.locator('[data-testid=player-status]').count()).toBe(0);
    expect(await page.locator('[data-testid=player]').getAttribute('data-state')).toBe('waiting');
  }, 60_000);

  it('says a replay that cannot be loaded failed (404), and plays it once it can', async () => {
    const { streamer, streamId } = await liveStream(running.url, 'Short and recorded');
    const publisher = new SyntheticPublisher();
    publishers.push(publisher);
    const published = await gql(
      running.url,
      PUBLISH,
      { s: streamId, sdp: await publisher.offer() },
      streamer.token,
    );
    expect(published.errors).toBeUndefined();
    await publisher.answer(published.data?.['publishStream'].sdp as string);
    publisher.start();
    await new Promise((resolve) => setTimeout(resolve, 3000));
    await gql(running.url, END_STREAM, { id: streamId }, streamer.token);
    await publisher.close();
    const recordingUrl = await eventually(
      async () => {
        const r = await gql(
          running.url,
          `query($id: ID!) { stream(id: $id) { recording { status url } } }`,
          { id: streamId },
        );
        const recording = r.data?.['stream'].recording as { status: string; url: string } | null;
        return recording?.status === 'READY' ? recording.url : undefined;
      },
      30_000,
      250,
    );

    const page = await newPage();
    let refused = 0;
    await page.route(`**${recordingUrl}`, async (route) => {
      refused++;
      await route.fulfill({ status: 404, contentType: 'text/plain', body: 'gone' });
    });
    await gotoApp(page, `${running.url}/streams/${streamId}`);
    const failed = page.locator('[data-testid=replay-error]');
    await failed.waitFor({ timeout: 15_000 });
    expect(refused).toBeGreaterThan(0);
    await expect(failed.textContent()).resolves.toContain('The replay could not be loaded.');

    // The recording is back: Try again plays it.
    await page.unroute(`**${recordingUrl}`);
    await failed.getByRole('button', { name: 'Try again' }).click();
    await failed.waitFor({ state: 'detached' });
    const duration = await page.locator('[data-testid=replay-video]').evaluate(async (element) => {
      const video = element as HTMLVideoElement;
      if (video.readyState < 1) await new Promise((resolve) => (video.onloadedmetadata = resolve));
      return video.duration;
    });
    expect(duration).toBeGreaterThan(1);
  }, 90_000);

  it('shows an ENDED stream without a live viewer count, with its peak', async () => {
    const { streamer, streamId } = await liveStream(running.url, 'Already over');
    await gql(running.url, END_STREAM, { id: streamId }, streamer.token);
    const page = await newPage();
    await gotoApp(page, `${running.url}/streams/${streamId}`);
    await page.locator('[data-testid=viewer-page][data-status=ENDED]').waitFor();
    await page.locator('[data-testid=peak-viewers]').waitFor();
    expect(await page.locator('[data-testid=viewer-count]').count()).toBe(0);
    expect(await page.locator('[data-testid=viewer-page]').textContent()).not.toMatch(/watching/);
  }, 60_000);

  it('writes the TIP chat line with display names and shows letters-only initials on placeholders', async () => {
    const alice = await register('alice', 'Alice (demo)');
    const created = await gql(
      running.url,
      CREATE_STREAM,
      { input: { title: 'Initials check' } },
      alice.token,
    );
    const streamId = created.data?.['createStream'].id as string;
    const tipper = await register('tipper', 'Bob Tipper');
    const admin = await loginAdmin(running.url);
    await gql(
      running.url,
      `mutation($input: CreditWalletInput!) { creditWallet(input: $input) { balanceCents } }`,
      { input: { userId: tipper.id, amountCents: 2000, reference: `tipline-${tipper.id}` } },
      admin,
    );
    const tip = await gql(
      running.url,
      `mutation($input: SendTipInput!) { sendTip(input: $input) { id } }`,
      { input: { streamId, amountCents: 500, idempotencyKey: `k-${tipper.id}`, message: 'gg' } },
      tipper.token,
    );
    expect(tip.errors).toBeUndefined();

    // A watcher stays on the stream: its card comes first among the (many) live ones.
    const watcher = await newPage();
    await gotoApp(watcher, `${running.url}/streams/${streamId}`);
    const page = await newPage();
    await gotoApp(page, `${running.url}/streams/${streamId}`);
    const line = page.locator('[data-testid=chat-message].tip');
    await line.waitFor();
    await expect(line.locator('.author').textContent()).resolves.toBe('Bob Tipper');
    await expect(line.locator('[data-testid=chat-body]').textContent()).resolves.toBe(
      'tipped $5.00',
    );
    expect(await line.textContent()).not.toContain(tipper.username);

    await gotoApp(page, `${running.url}/`);
    const card = page.locator(`[data-testid=stream-card][data-stream-id="${streamId}"]`);
    await expect(card.locator('fs-stream-placeholder').textContent()).resolves.toBe('AD');
  }, 60_000);
});
