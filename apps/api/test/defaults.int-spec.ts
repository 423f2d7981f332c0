import { existsSync } from 'node:fs';
import { join } from 'node:path';

import type { Browser, Page } from 'playwright-core';

import { describeWithBrowser, gotoApp, launchChromium, WEB_DIST } from './support/chromium';
import { freshDatabase, type TestDatabase } from './support/databases';
import { eventually, uniqueUsername } from './support/graphql-client';
import { ROOT, spawnServer, waitForHealth, type ServerProcess } from './support/process';

const describeBrowser = describeWithBrowser('the default-settings browser test');

describeBrowser('the server as `npm start` runs it (default settings, DATA_DIR=.data)', () => {
  let server: ServerProcess | undefined;
  let browser: Browser | undefined;
  let origin: string;
  let database: TestDatabase | undefined;

  beforeAll(async () => {
    if (!existsSync(join(WEB_DIST, 'index.html')))
      throw new Error(`no web build at ${WEB_DIST}: run \`npx nx run web:build\` (npm test does)`);
    database = await freshDatabase('defaults');
    // Nothing but what a user of the quick start has: the repository as the working directory
    // (so DATA_DIR is the default `.data`), no NODE_ENV, no secrets, default log level. Only the
    // port (3000 may be taken on a developer's machine: any free one, read from the start-up
    // summary) and the database are given.
    const started = spawnServer({ PORT: '0', DATABASE_URL: database.url });
    server = started;
    const port = await eventually(
      () => /App: http:\/\/localhost:(\d+)\//.exec(started.output())?.[1],
      90_000,
      100,
    );
    await waitForHealth(started, Number(port), 30_000);
    origin = `http://127.0.0.1:${port}`;
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    if (server && server.child.exitCode === null) {
      server.child.kill('SIGTERM');
      await server.exited;
    }
    await database?.drop();
  }, 60_000);

  const frames = (page: Page, selector: string) =>
    page.$eval(selector, (element) => {
      const video = element as HTMLVideoElement;
      return {
        frames: video.getVideoPlaybackQuality().totalVideoFrames,
        time: video.currentTime,
        width: video.videoWidth,
      };
    });

  it('serves its data from the default DATA_DIR: go live from the studio, end, and the replay plays and seeks', async () => {
    if (!browser) throw new Error('no browser');
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    try {
      const page = await context.newPage();
      await gotoApp(page, `${origin}/signup?returnUrl=%2Fstudio`);
      await page.fill('input[name=username]', uniqueUsername('dflt'));
      await page.fill('input[name=password]', 'correct horse battery');
      await page.click('button[type=submit]');
      await page.waitForURL(`${origin}/studio`);

      await page.fill('[data-testid=stream-title]', 'Defaults: live then replay');
      const goLive = page.locator('[data-testid=go-live]');
      await eventually(async () => ((await goLive.isEnabled()) ? true : undefined), 20_000);
      await goLive.click();
      await page.locator('[data-testid=studio][data-live=true]').waitFor();
      await page
        .locator('[data-testid=health][data-connection=connected]')
        .waitFor({ timeout: 30_000 });
      const connectedAt = Date.now();
      const streamId = await eventually(async () => {
        const href = await page
          .getByRole('link', { name: 'Open viewer page' })
          .getAttribute('href');
        return href?.split('/').pop() || undefined;
      });
      // About eight seconds on air.
      await page.waitForTimeout(8_000);
      await page.click('[data-testid=end-stream]');
      await page.click('[data-testid=confirm]');
      const liveSeconds = (Date.now() - connectedAt) / 1000;

      const viewer = await context.newPage();
      await gotoApp(viewer, `${origin}/streams/${streamId}`);
      const replay = viewer.locator('[data-testid=replay-video]');
      await replay.waitFor({ timeout: 60_000 });
      const src = await replay.evaluate((element) => (element as HTMLVideoElement).currentSrc);
      // The file comes from under .data/recordings: the 404 of issue 14 would stop here.
      const head = await fetch(src, { headers: { range: 'bytes=0-15' } });
      expect(head.status).toBe(206);

      const duration = await replay.evaluate(async (element) => {
        const video = element as HTMLVideoElement;
        if (video.readyState < 1)
          await new Promise((resolve, reject) => {
            video.addEventListener('loadedmetadata', resolve, { once: true });
            video.addEventListener('error', () => reject(new Error('replay failed')), {
              once: true,
            });
          });
        // A WebM without a duration in its header reports Infinity until the end is known.
        if (!Number.isFinite(video.duration)) {
          video.currentTime = 1e9;
          await new Promise((resolve) =>
            video.addEventListener('durationchange', resolve, { once: true }),
          );
          video.currentTime = 0;
        }
        return video.duration;
      });
      expect(Math.abs(duration - liveSeconds)).toBeLessThanOrEqual(2);

      // It plays: decoded frames rise.
      await replay.evaluate((element) => {
        const video = element as HTMLVideoElement;
        video.muted = true;
        return video.play();
      });
      const start = await frames(viewer, '[data-testid=replay-video]');
      await eventually(
        async () => {
          const now = await frames(viewer, '[data-testid=replay-video]');
          return now.frames - start.frames >= 10 && now.width > 0 ? now : undefined;
        },
        15_000,
        250,
      );

      // It seeks: to the middle, then plays on from there.
      const target = duration / 2;
      await replay.evaluate(async (element, to) => {
        const video = element as HTMLVideoElement;
        const seeked = new Promise((resolve) =>
          video.addEventListener('seeked', resolve, { once: true }),
        );
        video.currentTime = to;
        await seeked;
      }, target);
      const afterSeek = await frames(viewer, '[data-testid=replay-video]');
      expect(Math.abs(afterSeek.time - target)).toBeLessThan(1.5);
      await eventually(
        async () => {
          const now = await frames(viewer, '[data-testid=replay-video]');
          return now.frames - afterSeek.frames >= 10 && now.time > afterSeek.time ? now : undefined;
        },
        15_000,
        250,
      );
    } finally {
      await context.close();
    }
    expect(existsSync(join(ROOT, '.data'))).toBe(true);
  }, 240_000);
});
