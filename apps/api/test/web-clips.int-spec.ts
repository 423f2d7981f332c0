import type { Browser, BrowserContext, Page } from 'playwright-core';

import type { RunningApp } from '../src/bootstrap';
import { describeWithBrowser, gotoApp, launchChromium, WEB_DIST } from './support/chromium';
import { END_STREAM, eventually, gql, LOGIN, uniqueUsername } from './support/graphql-client';
import { startTestApp } from './support/test-app';

// A live stream from Chromium's fake camera on a loaded machine: one more try, as the other
// browser media tests.
jest.retryTimes(1, { logErrorsBeforeRetry: true });

const describeBrowser = describeWithBrowser('the clips browser test');
const PASSWORD = 'correct horse battery';
const CLIP = `query($id: ID!) { clip(id: $id) { id status startSeconds durationSeconds } }`;

describeBrowser('clips in the web app (issue 18)', () => {
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
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], {
      origin: running.url,
    });
    contexts.push(context);
    return context.newPage();
  };

  /** A new account, signed in on `page` through the sign-up form. */
  const signUp = async (page: Page, prefix: string): Promise<string> => {
    const username = uniqueUsername(prefix);
    await gotoApp(page, `${running.url}/signup`);
    await page.fill('input[name=username]', username);
    await page.fill('input[name=displayName]', `${prefix} ${username.slice(-4)}`);
    await page.fill('input[name=password]', PASSWORD);
    await page.click('button[type=submit]');
    await page.waitForURL((url) => !url.pathname.startsWith('/signup'));
    return username;
  };

  /** A streamer goes live from the browser console (H.264, the fake camera). */
  const goLive = async (title: string): Promise<{ streamId: string; streamer: string }> => {
    const studio = await newPage();
    const streamer = await signUp(studio, 'streamer');
    await gotoApp(studio, `${running.url}/studio`);
    await studio.fill('[data-testid=stream-title]', title);
    // Also over HLS: the console publishes H.264 (the packaged codec).
    await studio.locator('[data-testid=studio-hls] input').check();
    const button = studio.locator('[data-testid=go-live]');
    await eventually(async () => ((await button.isEnabled()) ? true : undefined), 15_000);
    await button.click();
    await studio
      .locator('[data-testid=health][data-connection=connected]')
      .waitFor({ timeout: 20_000 });
    const streamId = await eventually(async () => {
      const href = await studio
        .getByRole('link', { name: 'Open viewer page' })
        .getAttribute('href');
      return href?.split('/').pop() || undefined;
    });
    return { streamId, streamer };
  };

  it('a viewer clips the last 15 s from the viewer page and watches it on its page; the stream lists it; only its author may delete it, and then it is gone', async () => {
    const { streamId } = await goLive('Clip this');
    const liveSince = Date.now();
    const viewer = await newPage();
    const other = await newPage();
    const author = await signUp(viewer, 'clipper');
    await signUp(other, 'other');

    await gotoApp(viewer, `${running.url}/streams/${streamId}`);
    await viewer.locator('[data-testid=clip-list-empty]').waitFor({ timeout: 15_000 });
    // Enough of the stream is packaged for HLS to clip 15 s of it, past its first segments (the
    // server cuts whole segments from a keyframe, and a stream's first one can run ~10 s).
    const left = liveSince + 28_000 - Date.now();
    if (left > 0) await new Promise((resolve) => setTimeout(resolve, left));

    await viewer.click('[data-testid=clip-length]');
    const fifteen = viewer.locator('[data-testid=clip-length-15]');
    await fifteen.waitFor();
    await fifteen.click();
    await fifteen.waitFor({ state: 'detached' });
    const create = viewer.locator('[data-testid=clip-create]');
    expect(await create.textContent()).toContain('Clip the last 15 s');
    await create.click();

    // The dialog gives the clip page's link, and copies it.
    const link = viewer.locator('[data-testid=clip-created-link]');
    await link.waitFor({ timeout: 15_000 });
    const clipId = (await link.getAttribute('data-clip-id')) as string;
    const pageUrl = `${running.url}/clips/${clipId}`;
    expect((await link.textContent())?.trim()).toBe(pageUrl);
    await viewer.click('[data-testid=clip-copy-link]');
    await viewer.locator('[data-testid=clip-link-copied]').waitFor();
    expect(await viewer.evaluate(() => navigator.clipboard.readText())).toBe(pageUrl);

    // Its page: PROCESSING, then READY; the video is 15 +/- 2 s and plays.
    await link.click();
    await viewer.waitForURL(pageUrl);
    await viewer.locator('[data-testid=clip-page][data-status=READY]').waitFor({ timeout: 20_000 });
    expect(await viewer.locator('[data-testid=clip-title]').textContent()).toBe('Clip this');
    expect(await viewer.locator('[data-testid=clip-author]').textContent()).toContain(
      `clipper ${author.slice(-4)}`,
    );
    const played = await viewer.$eval('[data-testid=clip-video]', async (element) => {
      const video = element as HTMLVideoElement;
      video.muted = true;
      if (video.readyState < HTMLMediaElement.HAVE_METADATA) {
        await new Promise((resolve, reject) => {
          video.addEventListener('loadedmetadata', resolve, { once: true });
          video.addEventListener('error', () =>
            reject(new Error(`video error ${video.error?.code}`)),
          );
        });
      }
      await video.play();
      await new Promise((resolve) => setTimeout(resolve, 2000));
      return {
        src: video.currentSrc,
        poster: video.getAttribute('poster'),
        duration: video.duration,
        frames: video.getVideoPlaybackQuality().totalVideoFrames,
        width: video.videoWidth,
      };
    });
    const made = (
      await gql(running.url, `query($id: ID!) { clip(id: $id) { startSeconds durationSeconds } }`, {
        id: clipId,
      })
    ).data?.['clip'];
    console.log(`the clip page plays ${JSON.stringify(played)}; made ${JSON.stringify(made)}`);
    expect(played.src).toBe(`${running.url}/clips/${clipId}.mp4`);
    expect(Math.abs(played.duration - 15)).toBeLessThanOrEqual(2);
    expect(played.frames).toBeGreaterThan(0);
    expect(played.width).toBeGreaterThan(0);
    await viewer.locator('[data-testid=clip-delete]').waitFor();

    // The stream's clips list on the viewer page shows it, with its duration.
    await viewer.click('[data-testid=clip-stream-link]');
    await viewer.waitForURL(`${running.url}/streams/${streamId}`);
    const card = viewer.locator(`[data-testid=clip-card][data-clip-id="${clipId}"]`);
    await card.waitFor({ timeout: 10_000 });
    expect(await card.getAttribute('href')).toBe(`/clips/${clipId}`);
    expect((await card.locator('[data-testid=clip-duration]').textContent())?.trim()).toMatch(
      /^0:1[3-7]$/,
    );

    // Another signed-in user opens the shared link itself (the server hands the app its clip
    // page) and sees the clip without Delete.
    await gotoApp(other, pageUrl);
    await other.locator('[data-testid=clip-page][data-status=READY]').waitFor();
    await other.locator('[data-testid=clip-share]').waitFor();
    expect(await other.locator('[data-testid=clip-delete]').count()).toBe(0);

    // The author deletes it (confirming first) and lands back on the stream, which lists no clip.
    await card.click();
    await viewer.waitForURL(pageUrl);
    await viewer.click('[data-testid=clip-delete]');
    await viewer.click('[data-testid=clip-delete-confirm]');
    await viewer.waitForURL(`${running.url}/streams/${streamId}`);
    await viewer.locator('[data-testid=clip-list-empty]').waitFor({ timeout: 10_000 });
    expect(await viewer.locator('[data-testid=clip-card]').count()).toBe(0);
    expect((await gql(running.url, CLIP, { id: clipId })).data?.['clip']).toBeNull();
    expect((await fetch(`${running.url}/clips/${clipId}.mp4`)).status).toBe(404);
  }, 180_000);

  it('a viewer clips 30 s of a replay from where the replay player is', async () => {
    const { streamId, streamer } = await goLive('Replay me');
    await new Promise((resolve) => setTimeout(resolve, 40_000));
    const token = (
      await gql(running.url, LOGIN, { input: { username: streamer, password: PASSWORD } })
    ).data?.['login'].accessToken as string;
    expect((await gql(running.url, END_STREAM, { id: streamId }, token)).errors).toBeUndefined();
    const viewer = await newPage();
    await signUp(viewer, 'replayer');
    await gotoApp(viewer, `${running.url}/streams/${streamId}`);
    // The replay shows up once the recording is READY.
    const video = viewer.locator('[data-testid=replay-video]');
    await video.waitFor({ timeout: 60_000 });
    await viewer.locator('[data-testid=clip-list-empty]').waitFor({ timeout: 10_000 });
    await video.evaluate(async (element) => {
      const replay = element as HTMLVideoElement;
      if (replay.readyState < HTMLMediaElement.HAVE_METADATA)
        await new Promise((resolve) =>
          replay.addEventListener('loadedmetadata', resolve, { once: true }),
        );
      replay.currentTime = 6;
      await new Promise((resolve) => replay.addEventListener('seeked', resolve, { once: true }));
    });
    const create = viewer.locator('[data-testid=clip-create]');
    expect(await create.textContent()).toContain('Clip 30 s from here');
    await create.click();
    const link = viewer.locator('[data-testid=clip-created-link]');
    await link.waitFor({ timeout: 15_000 });
    const clipId = (await link.getAttribute('data-clip-id')) as string;
    const clip = await eventually(
      async () => {
        const found = (await gql(running.url, CLIP, { id: clipId })).data?.['clip'] as {
          status: string;
          startSeconds: number;
          durationSeconds: number;
        };
        if (found.status === 'FAILED') throw new Error('the clip FAILED');
        return found.status === 'READY' ? found : undefined;
      },
      20_000,
      250,
    );
    console.log(`replay clip from the player: ${JSON.stringify(clip)}`);
    expect(clip.startSeconds).toBeCloseTo(6, 0);
    expect(Math.abs(clip.durationSeconds - 30)).toBeLessThanOrEqual(2);
    // The viewer page's list has it.
    await viewer
      .locator(`[data-testid=clip-card][data-clip-id="${clipId}"]`)
      .waitFor({ timeout: 10_000 });
  }, 180_000);
});
