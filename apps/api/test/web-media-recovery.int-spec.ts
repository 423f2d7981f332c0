import { existsSync } from 'node:fs';
import { join } from 'node:path';

import type { Browser, BrowserContext, Page } from 'playwright-core';

import type { RunningApp } from '../src/bootstrap';
import { describeWithBrowser, gotoApp, launchChromium, WEB_DIST } from './support/chromium';
import { eventually, gql, LOGIN, uniqueUsername } from './support/graphql-client';
import { startTestApp } from './support/test-app';

const describeBrowser = describeWithBrowser('the media recovery browser test');
const PASSWORD = 'correct horse battery';
const CLOSE = `mutation($id: ID!) { closeMediaSession(sessionId: $id) }`;
/** What the page must do by itself once the server dropped its session. */
const RECOVERY_MS = 5_000;

/** The media sessions a page opened (sessionId of each playStream / publishStream answer), in order. */
function recordSessions(page: Page, field: 'playStream' | 'publishStream'): string[] {
  const sessions: string[] = [];
  page.on('response', (response) => {
    if (!response.url().endsWith('/graphql') || !response.request().postData()?.includes(field))
      return;
    void response
      .json()
      .then((body: { data?: Record<string, { sessionId?: string } | null> }) => {
        const sessionId = body.data?.[field]?.sessionId;
        if (sessionId) sessions.push(sessionId);
      })
      .catch(() => undefined);
  });
  return sessions;
}

/**
 * Counts the frames `selector` (a <video>) presents (requestVideoFrameCallback), records every
 * value its `attribute` takes, and leaves a marker a reload would wipe.
 */
async function instrument(page: Page, selector: string, element: string, attribute: string) {
  await page.evaluate(
    ({ selector, element, attribute }) => {
      const w = window as unknown as { __frames: number; __seen: string[]; __marker: string };
      w.__frames = 0;
      w.__marker = 'no reload';
      const video = document.querySelector<HTMLVideoElement>(selector);
      if (!video) throw new Error(`no ${selector}`);
      const count = () => {
        w.__frames++;
        video.requestVideoFrameCallback(count);
      };
      video.requestVideoFrameCallback(count);
      const watched = document.querySelector(element);
      if (!watched) throw new Error(`no ${element}`);
      w.__seen = [watched.getAttribute(attribute) ?? ''];
      new MutationObserver(() => w.__seen.push(watched.getAttribute(attribute) ?? '')).observe(
        watched,
        { attributes: true, attributeFilter: [attribute] },
      );
    },
    { selector, element, attribute },
  );
}

const frames = (page: Page) =>
  page.evaluate(() => (window as unknown as { __frames: number }).__frames);
const seen = (page: Page) =>
  page.evaluate(() => (window as unknown as { __seen: string[] }).__seen);
const marker = (page: Page) =>
  page.evaluate(() => (window as unknown as { __marker?: string }).__marker);

describeBrowser('media sessions the server drops come back by themselves (Chromium)', () => {
  let running: RunningApp;
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    if (!existsSync(join(WEB_DIST, 'index.html'))) {
      throw new Error(`no web build at ${WEB_DIST}: run \`npx nx run web:build\` (npm test does)`);
    }
    running = await startTestApp({ WEB_DIST_DIR: WEB_DIST });
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => undefined);
    await browser?.close();
    await running?.close();
  }, 60_000);

  const newPage = async (): Promise<Page> => {
    const context = await browser.newContext({ locale: 'en-US' });
    contexts.push(context);
    return context.newPage();
  };

  /**
   * Waits (up to RECOVERY_MS after `since`) for `page` to open a session after `count` of them and
   * present new frames after that; returns how long after `since` the first new frame came.
   */
  const recovered = async (
    since: number,
    sessions: string[],
    count: number,
    viewer: Page,
  ): Promise<number> => {
    const left = () => Math.max(1, since + RECOVERY_MS - Date.now());
    await eventually(() => (sessions.length > count ? true : undefined), left(), 50);
    const before = await frames(viewer);
    await eventually(async () => ((await frames(viewer)) > before ? true : undefined), left(), 50);
    return Date.now() - since;
  };

  it('the viewer plays again within 5 s when the server drops its session, and so does the studio', async () => {
    // A streamer goes live from the studio (Chromium's fake camera).
    const studio = await newPage();
    const published = recordSessions(studio, 'publishStream');
    const username = uniqueUsername('recover');
    await gotoApp(studio, `${running.url}/signup`);
    await studio.fill('input[name=username]', username);
    await studio.fill('input[name=displayName]', 'Recovery');
    await studio.fill('input[name=password]', PASSWORD);
    await studio.click('button[type=submit]');
    await studio.waitForURL((url) => !url.pathname.startsWith('/signup'));
    const login = await gql(running.url, LOGIN, { input: { username, password: PASSWORD } });
    const streamerToken = login.data?.['login'].accessToken as string;
    await gotoApp(studio, `${running.url}/studio`);
    await studio.fill('[data-testid=stream-title]', 'Comes back');
    const goLive = studio.locator('[data-testid=go-live]');
    await eventually(async () => ((await goLive.isEnabled()) ? true : undefined), 15_000);
    await goLive.click();
    await studio.locator('[data-testid=health][data-connection=connected]').waitFor({
      timeout: 20_000,
    });
    const streamId = await eventually(async () => {
      const href = await studio
        .getByRole('link', { name: 'Open viewer page' })
        .getAttribute('href');
      return href?.split('/').pop() || undefined;
    });

    // An anonymous viewer plays it.
    const viewer = await newPage();
    const played = recordSessions(viewer, 'playStream');
    await gotoApp(viewer, `${running.url}/streams/${streamId}`);
    await viewer.locator('[data-testid=player][data-state=playing]').waitFor({ timeout: 20_000 });
    await instrument(viewer, '[data-testid=live-video]', '[data-testid=player]', 'data-state');
    await eventually(async () => ((await frames(viewer)) > 10 ? true : undefined), 10_000, 100);
    expect(played).toHaveLength(1);

    // The server drops the viewer's session (an anonymous session's id is its capability).
    const viewerSession = played[0] ?? '';
    let since = Date.now();
    const closed = await gql(running.url, CLOSE, { id: viewerSession });
    expect(closed.errors).toBeUndefined();
    const viewerMs = await recovered(since, played, 1, viewer);
    console.log(`viewer: frames again ${viewerMs} ms after its session was dropped`);
    expect(played[1]).not.toBe(viewerSession);
    expect(await seen(viewer)).toContain('reconnecting');
    await viewer.locator('[data-testid=player][data-state=playing]').waitFor({ timeout: 5_000 });
    expect(await marker(viewer)).toBe('no reload');

    // The server drops the publisher's session (its owner's token): the studio publishes again.
    await instrument(studio, '[data-testid=preview]', '[data-testid=health]', 'data-connection');
    expect(published).toHaveLength(1);
    const publisherSession = published[0] ?? '';
    since = Date.now();
    const dropped = await gql(running.url, CLOSE, { id: publisherSession }, streamerToken);
    expect(dropped.errors).toBeUndefined();
    const studioMs = await recovered(since, published, 1, viewer);
    console.log(
      `studio: the viewer has frames again ${studioMs} ms after the publisher was dropped`,
    );
    expect(published[1]).not.toBe(publisherSession);
    expect(await seen(studio)).toContain('reconnecting');
    await studio.locator('[data-testid=health][data-connection=connected]').waitFor({
      timeout: 5_000,
    });
    expect(await marker(studio)).toBe('no reload');
    // The viewer kept its session: the new publisher came to it.
    expect(played).toHaveLength(2);
    expect(await marker(viewer)).toBe('no reload');
  }, 90_000);
});
