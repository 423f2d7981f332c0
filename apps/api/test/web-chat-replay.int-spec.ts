import type { Browser, BrowserContext, Page } from 'playwright-core';

import type { RunningApp } from '../src/bootstrap';
import { describeWithBrowser, gotoApp, launchChromium, WEB_DIST } from './support/chromium';
import {
  END_STREAM,
  eventually,
  gql,
  LOGIN,
  registerUser,
  uniqueUsername,
} from './support/graphql-client';
import { startTestApp } from './support/test-app';

// A live stream from Chromium's fake camera on a loaded machine: one more try, as the other
// browser media tests.
jest.retryTimes(1, { logErrorsBeforeRetry: true });

const describeBrowser = describeWithBrowser('the chat replay browser test');
const PASSWORD = 'correct horse battery';
const RECORDING = `query($id: ID!) { stream(id: $id) { recording { status createdAt durationSeconds } } }`;
const SEND = `mutation($streamId: ID!, $body: String!) {
  sendChatMessage(streamId: $streamId, body: $body) { id createdAt }
}`;

interface Sample {
  time: number;
  shown: boolean;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

describeBrowser('chat replay on a past broadcast (issue 19)', () => {
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
    contexts.push(context);
    return context.newPage();
  };

  /** A streamer signs up and goes live from the browser console (the fake camera). */
  const goLive = async (title: string): Promise<{ streamId: string; streamer: string }> => {
    const studio = await newPage();
    const streamer = uniqueUsername('streamer');
    await gotoApp(studio, `${running.url}/signup`);
    await studio.fill('input[name=username]', streamer);
    await studio.fill('input[name=displayName]', `Streamer ${streamer.slice(-4)}`);
    await studio.fill('input[name=password]', PASSWORD);
    await studio.click('button[type=submit]');
    await studio.waitForURL((url) => !url.pathname.startsWith('/signup'));
    await gotoApp(studio, `${running.url}/studio`);
    await studio.fill('[data-testid=stream-title]', title);
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

  /**
   * Samples, in the page, the replay's position and whether the message is in the chat, every
   * 50 ms, until `until` holds or `seconds` pass (both read in one go, so they agree).
   */
  const sample = (page: Page, messageId: string, until: 'shown' | 'hidden', seconds: number) =>
    page.evaluate(
      async ({ id, until, seconds }) => {
        const video = document.querySelector('[data-testid=replay-video]') as HTMLVideoElement;
        const samples: { time: number; shown: boolean }[] = [];
        const deadline = performance.now() + seconds * 1000;
        while (performance.now() < deadline) {
          const shown =
            document.querySelector(`[data-testid=chat-replay-message][data-message-id="${id}"]`) !==
            null;
          samples.push({ time: video.currentTime, shown });
          if (shown === (until === 'shown')) break;
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        return samples;
      },
      { id: messageId, until, seconds },
    );

  /** Pauses the replay and seeks it to `seconds`. */
  const seek = (page: Page, seconds: number) =>
    page.locator('[data-testid=replay-video]').evaluate(async (element, to) => {
      const video = element as HTMLVideoElement;
      video.pause();
      const seeked = new Promise((resolve) =>
        video.addEventListener('seeked', resolve, { once: true }),
      );
      video.currentTime = to;
      await seeked;
    }, seconds);

  const play = (page: Page) =>
    page.locator('[data-testid=replay-video]').evaluate(async (element) => {
      const video = element as HTMLVideoElement;
      video.muted = true;
      await video.play();
    });

  /** The message shows exactly when playback passes its offset (never before, promptly after). */
  const expectShownOnPassing = (samples: Sample[], offset: number) => {
    const last = samples.at(-1) as Sample;
    expect(last.shown).toBe(true);
    // The chat follows the player's position, which never runs ahead of the video.
    expect(last.time).toBeGreaterThanOrEqual(offset - 0.05);
    // ...and it came within a timeupdate or so of passing it.
    for (const hidden of samples.filter((entry) => !entry.shown))
      expect(hidden.time).toBeLessThan(offset + 0.75);
  };

  it('a message sent 10 s into the stream shows when the replay passes 10 s, goes on seeking back before it, and shows again when playback passes it', async () => {
    const { streamId, streamer } = await goLive('Chat replay');
    // The recording's time 0: its start (the first publish).
    const recordingStart = await eventually(async () => {
      const recording = (await gql(running.url, RECORDING, { id: streamId })).data?.['stream']
        ?.recording as { createdAt: string } | null;
      return recording ? Date.parse(recording.createdAt) : undefined;
    }, 15_000);

    const viewer = await registerUser(running.url, 'chatter');
    const say = async (body: string) => {
      const sent = await gql(running.url, SEND, { streamId, body }, viewer.token);
      expect(sent.errors).toBeUndefined();
      const message = sent.data?.['sendChatMessage'] as { id: string; createdAt: string };
      return { id: message.id, offset: (Date.parse(message.createdAt) - recordingStart) / 1000 };
    };
    await sleep(recordingStart + 3_000 - Date.now());
    const early = await say('early hello');
    await sleep(recordingStart + 10_000 - Date.now());
    const ten = await say('ten seconds in');
    console.log(`messages at ${early.offset} s and ${ten.offset} s into the recording`);
    expect(ten.offset).toBeGreaterThanOrEqual(10);
    expect(ten.offset).toBeLessThan(12);
    await sleep(recordingStart + 20_000 - Date.now());

    const token = (
      await gql(running.url, LOGIN, { input: { username: streamer, password: PASSWORD } })
    ).data?.['login'].accessToken as string;
    expect((await gql(running.url, END_STREAM, { id: streamId }, token)).errors).toBeUndefined();

    // An anonymous visitor opens the past broadcast: the replay, and its chat in step with it.
    const page = await newPage();
    await gotoApp(page, `${running.url}/streams/${streamId}`);
    const video = page.locator('[data-testid=replay-video]');
    await video.waitFor({ timeout: 60_000 });
    const duration = await video.evaluate(async (element) => {
      const replay = element as HTMLVideoElement;
      if (replay.readyState < HTMLMediaElement.HAVE_METADATA)
        await new Promise((resolve) =>
          replay.addEventListener('loadedmetadata', resolve, { once: true }),
        );
      return replay.duration;
    });
    console.log(`replay duration ${duration} s`);
    expect(duration).toBeGreaterThan(ten.offset + 3);
    // No live chat on a past broadcast: the composer is gone.
    expect(await page.locator('[data-testid=chat-input]').count()).toBe(0);

    const message = (id: string) =>
      page.locator(`[data-testid=chat-replay-message][data-message-id="${id}"]`);

    // At 5 s: the early message, not the one sent at 10 s.
    await seek(page, 5);
    await message(early.id).waitFor({ timeout: 10_000 });
    expect(await message(ten.id).count()).toBe(0);

    // Playing on: it appears as playback passes 10 s.
    await play(page);
    const first = await sample(page, ten.id, 'shown', 15);
    console.log(`shown at ${first.at(-1)?.time} s (message at ${ten.offset} s)`);
    expectShownOnPassing(first, ten.offset);
    expect(await message(ten.id).locator('[data-testid=chat-replay-body]').textContent()).toBe(
      'ten seconds in',
    );

    // Seeking back before 10 s takes it away (the earlier one stays)...
    await seek(page, 4);
    await message(ten.id).waitFor({ state: 'detached', timeout: 5_000 });
    expect(await message(early.id).count()).toBe(1);

    // ...and playing on past 10 s brings it back.
    await play(page);
    const again = await sample(page, ten.id, 'shown', 15);
    expectShownOnPassing(again, ten.offset);

    // Seeking back before the recording's first messages empties the chat of them.
    await seek(page, 0);
    await message(early.id).waitFor({ state: 'detached', timeout: 5_000 });
  }, 240_000);
});
