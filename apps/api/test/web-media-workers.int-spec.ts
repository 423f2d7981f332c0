import type { Browser, BrowserContext, Page } from 'playwright-core';

import type { WorkerStats } from '@finserve/api/media';
import { MediaBackend, MediaWorkers } from '@finserve/api/signaling';

import type { RunningApp } from '../src/bootstrap';
import { describeWithBrowser, gotoApp, launchChromium, WEB_DIST } from './support/chromium';
import { eventually, uniqueUsername } from './support/graphql-client';
import { startTestApp } from './support/test-app';

const describeBrowser = describeWithBrowser('the media worker crash browser test');
const PASSWORD = 'correct horse battery';
// Real encoders and decoders on two cores shared with the rest of the run: once in a CI run
// (6.8 s; 1.7-2.1 s in 9 runs here, also with a core kept busy) a stall held the viewer past the
// 5 s. One more try, logged when needed.
jest.retryTimes(1, { logErrorsBeforeRetry: true });

/** Frames the page's live video has decoded so far. */
const decodedFrames = (page: Page) =>
  page.$eval(
    '[data-testid=live-video]',
    (video) => (video as HTMLVideoElement).getVideoPlaybackQuality().totalVideoFrames,
  );

describeBrowser('a media worker that dies during a stream (issue 17)', () => {
  let running: RunningApp;
  let media: MediaWorkers;
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    // Each worker muxes its sessions on one UDP port (MEDIA_UDP_PORT): the browsers go through
    // the mux (no ICE-TCP to fall back on), and a replaced worker binds its predecessor's port.
    running = await startTestApp({
      WEB_DIST_DIR: WEB_DIST,
      MEDIA_WORKERS: '2',
      MEDIA_UDP_PORT: '41850',
      MEDIA_ICE_TCP: 'false',
    });
    const backend = running.app.get(MediaBackend);
    if (!(backend instanceof MediaWorkers)) throw new Error('this test needs the embedded SFU');
    media = backend;
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => undefined);
    await browser?.close();
    await running?.close();
  }, 60_000);

  const newPage = async (): Promise<Page> => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    contexts.push(context);
    return context.newPage();
  };

  /** Which worker holds the stream's publisher, and which its viewers. */
  const roomsOf = async (streamId: string) =>
    ((await media.stats()) as WorkerStats[]).map((w) =>
      w.rooms.find((room) => room.streamId === streamId),
    );

  /**
   * How long after `since` the viewer has decoded 20 new frames (0.7 s of new video: more than a
   * jitter buffer holds). A new session starts a new stream, whose count starts at 0 again.
   */
  const decodesAgain = async (viewer: Page, since: number) => {
    let previous = await decodedFrames(viewer);
    let fresh = 0;
    await eventually(
      async () => {
        const now = await decodedFrames(viewer);
        fresh = now < previous ? now : fresh + (now - previous);
        previous = now;
        return fresh >= 20 ? true : undefined;
      },
      20_000,
      100,
    );
    return Date.now() - since;
  };

  it("a viewer's worker and then the publisher's worker are killed: the viewer decodes again within 5 s each time, without a reload", async () => {
    const studio = await newPage();
    await gotoApp(studio, `${running.url}/signup`);
    const username = uniqueUsername('streamer');
    await studio.fill('input[name=username]', username);
    await studio.fill('input[name=displayName]', `Streamer ${username.slice(-4)}`);
    await studio.fill('input[name=password]', PASSWORD);
    await studio.click('button[type=submit]');
    await studio.waitForURL((url) => !url.pathname.startsWith('/signup'));
    await gotoApp(studio, `${running.url}/studio`);
    await studio.fill('[data-testid=stream-title]', 'Worker crash');
    const goLive = studio.locator('[data-testid=go-live]');
    await eventually(async () => ((await goLive.isEnabled()) ? true : undefined), 15_000);
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

    const viewer = await newPage();
    await gotoApp(viewer, `${running.url}/streams/${streamId}`);
    await viewer.evaluate(() => ((window as unknown as { marker: number }).marker = 17));
    await eventually(
      async () => ((await decodedFrames(viewer)) > 30 ? true : undefined),
      20_000,
      250,
    );

    // The publisher's worker and the viewer's are the two workers (the viewer went to the least loaded).
    const rooms = await roomsOf(streamId);
    const source = rooms.findIndex((room) => room?.publisher);
    const other = source === 0 ? 1 : 0;
    expect(source).toBeGreaterThanOrEqual(0);
    expect(rooms[other]?.subscribers).toBe(1);

    // 1. The viewer's worker dies: the viewer is told, opens a new session, and decodes again.
    let killedAt = Date.now();
    await media.threads[other].terminate();
    const viewerBack = await decodesAgain(viewer, killedAt);
    console.log(`viewer's worker killed: decoding again after ${viewerBack} ms`);
    expect(viewerBack).toBeLessThanOrEqual(5000);

    // 2. The publisher's worker dies: the studio publishes again, and the viewer decodes again.
    const now = await roomsOf(streamId);
    const sourceNow = now.findIndex((room) => room?.publisher);
    killedAt = Date.now();
    await media.threads[sourceNow].terminate();
    const publisherBack = await decodesAgain(viewer, killedAt);
    console.log(`publisher's worker killed: the viewer decodes again after ${publisherBack} ms`);
    expect(publisherBack).toBeLessThanOrEqual(5000);

    expect(await viewer.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(17);
    await studio
      .locator('[data-testid=health][data-connection=connected]')
      .waitFor({ timeout: 10_000 });
  }, 120_000);
});
