import { existsSync } from 'node:fs';
import { join } from 'node:path';

import { chromium, type Browser, type Page } from 'playwright-core';

import type { RunningApp } from '../src/bootstrap';
import { END_STREAM, eventually, gql, liveStream } from './support/graphql-client';
import { startTestApp } from './support/test-app';
import { CountingSubscriber, SyntheticPublisher } from './support/webrtc-clients';

const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
// Chromium from Debian; CI installs it and sets REQUIRE_BROWSER=1 (then this suite must run).
const haveBrowser = existsSync(CHROMIUM) || process.env['REQUIRE_BROWSER'] === '1';
const describeBrowser = haveBrowser ? describe : describe.skip;

// Playwright's own --disable-features list, repeated behind ours: Chromium keeps only the last one.
const DISABLED_FEATURES = [
  'WebRtcHideLocalIpsWithMdns',
  'AcceptCHFrame',
  'AvoidUnnecessaryBeforeUnloadCheckSync',
  'DestroyProfileOnBrowserClose',
  'DialMediaRouteProvider',
  'GlobalMediaControls',
  'HttpsUpgrades',
  'LensOverlay',
  'MediaRouter',
  'PaintHolding',
  'ThirdPartyStoragePartitioning',
  'Translate',
  'AutoDeElevate',
  'RenderDocument',
  'OptimizationHints',
].join(',');

type VideoStats = {
  videoWidth: number;
  codec?: string;
  framesDecoded: number;
  keyFramesDecoded: number;
  firstFrameMs?: number;
};

describeBrowser('live video in Chromium (fake camera)', () => {
  let running: RunningApp;
  let browser: Browser;

  beforeAll(async () => {
    running = await startTestApp({ WEB_DIST_DIR: join(__dirname, 'browser-fixtures') });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--use-fake-ui-for-media-stream',
        '--use-fake-device-for-media-stream',
        '--allow-loopback-in-peer-connection',
        '--autoplay-policy=no-user-gesture-required',
        '--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1',
        `--disable-features=${DISABLED_FEATURES}`,
      ],
    });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await running?.close();
  }, 60_000);

  const open = async (): Promise<Page> => {
    const page = await browser.newPage();
    await page.goto(`${running.url}/media.html`);
    return page;
  };
  const stats = (page: Page) =>
    page.evaluate(() => (window as unknown as { videoStats(): Promise<VideoStats> }).videoStats());
  const decoding = async (page: Page) => {
    const first = await eventually(
      async () => {
        const s = await stats(page);
        return s.videoWidth > 0 && s.framesDecoded > 0 ? s : undefined;
      },
      20_000,
      200,
    );
    // Rising: 5 more frames (20 fps sent; on 2 busy cores Chromium decodes fewer, and DTLS or
    // consent checks can stall for seconds under CPU starvation, so allow up to 15 s).
    const later = await eventually(
      async () => {
        const s = await stats(page);
        return s.framesDecoded - first.framesDecoded >= 5 ? s : undefined;
      },
      15_000,
      250,
    );
    expect(later.videoWidth).toBeGreaterThan(0);
    return later;
  };

  /** Plays a recording in the page, seeks to its middle; what the element reports. */
  const playRecording = async (src: string) => {
    const player = await open();
    return player.evaluate(async (url: string) => {
      const video = document.createElement('video');
      video.muted = true;
      video.src = url;
      document.body.append(video);
      await new Promise((resolve, reject) => {
        video.onloadedmetadata = resolve;
        video.onerror = () => reject(new Error(`media error ${video.error?.code}`));
      });
      const duration = video.duration;
      await video.play();
      await new Promise((resolve) => setTimeout(resolve, 500));
      const target = duration / 2;
      video.currentTime = target;
      await new Promise((resolve) => (video.onseeked = resolve));
      return {
        duration,
        seekedTo: video.currentTime,
        target,
        playing: !video.paused,
        videoWidth: video.videoWidth,
      };
    }, src);
  };
  const readyRecording = (streamId: string) =>
    eventually(
      async () => {
        const r = await gql(
          running.url,
          `query($id: ID!) { stream(id: $id) { recording { status durationSeconds url } } }`,
          { id: streamId },
        );
        return r.data?.['stream'].recording?.status === 'READY'
          ? (r.data['stream'].recording as { durationSeconds: number; url: string })
          : undefined;
      },
      30_000,
      250,
    );

  it("plays the streamer's camera on three viewer pages, resumes after the streamer reloads, stops at the end, and replays the recording", async () => {
    const { streamer, streamId } = await liveStream(running.url, 'browser');
    const studio = await open();
    await studio.evaluate(
      ([id, token]) =>
        (window as unknown as { publish(a: string, b: string): Promise<string> }).publish(
          id,
          token,
        ),
      [streamId, streamer.token],
    );

    const viewers = await Promise.all([open(), open(), open()]);
    await Promise.all(
      viewers.map((page) =>
        page.evaluate(
          (id) => (window as unknown as { play(a: string): Promise<string> }).play(id),
          streamId,
        ),
      ),
    );
    for (const page of viewers) await decoding(page);
    // ...and a werift client receives the same camera video.
    const native = new CountingSubscriber();
    const nativeAnswer = await gql(
      running.url,
      `mutation($s: ID!, $sdp: String!) { playStream(streamId: $s, sdp: $sdp) { sdp } }`,
      { s: streamId, sdp: await native.offer() },
    );
    await native.answer(nativeAnswer.data?.['playStream'].sdp as string);
    await eventually(
      () => (native.stats.video > 50 && native.stats.keyframes > 0 ? true : undefined),
      15_000,
      100,
    );
    await native.close();

    // A viewer joining later (over 10 s after the publish) decodes its first frame within 1 s.
    await new Promise((resolve) => setTimeout(resolve, 4000));
    const late = await open();
    await late.evaluate(
      (id) => (window as unknown as { play(a: string): Promise<string> }).play(id),
      streamId,
    );
    const lateStats = await eventually(
      async () => {
        const s = await stats(late);
        return s.firstFrameMs !== undefined ? s : undefined;
      },
      15_000,
      100,
    );
    expect(lateStats.firstFrameMs).toBeLessThan(1000);

    // The streamer's page reloads and publishes again; viewers resume without reloading.
    await studio.reload();
    await studio.evaluate(
      ([id, token]) =>
        (window as unknown as { publish(a: string, b: string): Promise<string> }).publish(
          id,
          token,
        ),
      [streamId, streamer.token],
    );
    const before = await Promise.all(viewers.map(stats));
    await eventually(
      async () => {
        const now = await Promise.all(viewers.map(stats));
        return now.every((s, i) => s.framesDecoded > before[i].framesDecoded + 20)
          ? true
          : undefined;
      },
      20_000,
      250,
    );

    // Ending the stream stops the viewers' video.
    await gql(running.url, END_STREAM, { id: streamId }, streamer.token);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const atEnd = await Promise.all(viewers.map(stats));
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const after = await Promise.all(viewers.map(stats));
    after.forEach((s, i) =>
      expect(s.framesDecoded - atEnd[i].framesDecoded).toBeLessThanOrEqual(2),
    );

    // The recording plays and seeks in Chromium with its duration.
    const recording = await readyRecording(streamId);
    expect(recording.url).toMatch(/\.webm$/);
    const played = await playRecording(recording.url);
    expect(played.duration).toBeCloseTo(recording.durationSeconds, 0);
    expect(Math.abs(played.seekedTo - played.target)).toBeLessThan(1.5);
  }, 120_000);

  it('forwards H.264 from Chromium to a viewer page and records it as a seekable MP4', async () => {
    const { streamer, streamId } = await liveStream(running.url, 'h264');
    const studio = await open();
    await studio.evaluate(
      ([id, token]) =>
        (
          window as unknown as {
            publish(a: string, b: string, codec: string, hint: string): Promise<string>;
          }
        ).publish(id, token, 'video/H264', 'detail'),
      [streamId, streamer.token],
    );
    const viewer = await open();
    await viewer.evaluate(
      (id) => (window as unknown as { play(a: string): Promise<string> }).play(id),
      streamId,
    );
    const decoded = await decoding(viewer);
    expect(decoded.codec).toBe('video/H264');
    expect(decoded.videoWidth).toBe(640);
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect(
      (await gql(running.url, END_STREAM, { id: streamId }, streamer.token)).errors,
    ).toBeUndefined();

    const recording = await readyRecording(streamId);
    expect(recording.url).toMatch(/\.mp4$/);
    const head = await fetch(`${running.url}${recording.url}`, { method: 'HEAD' });
    expect(head.headers.get('content-type')).toMatch(/^video\/mp4/);
    const played = await playRecording(recording.url);
    expect(played.videoWidth).toBe(640);
    expect(played.duration).toBeCloseTo(recording.durationSeconds, 0);
    expect(Math.abs(played.seekedTo - played.target)).toBeLessThan(1.5);
  }, 120_000);

  it('shows a WHIP publish (a werift encoder with the stream key) on the viewer page', async () => {
    const { streamer, streamId } = await liveStream(running.url, 'whip-page');
    const key = (await gql(running.url, 'mutation { rotateStreamKey }', {}, streamer.token)).data?.[
      'rotateStreamKey'
    ] as string;
    const encoder = new SyntheticPublisher();
    try {
      const response = await fetch(`${running.url}/whip/${streamId}`, {
        method: 'POST',
        headers: { 'content-type': 'application/sdp', authorization: `Bearer ${key}` },
        body: await encoder.offer(),
      });
      expect(response.status).toBe(201);
      await encoder.answer(await response.text());
      encoder.start();
      const page = await open();
      await page.evaluate(
        (id) => (window as unknown as { play(a: string): Promise<string> }).play(id),
        streamId,
      );
      const decoded = await decoding(page);
      expect(decoded.videoWidth).toBe(16); // the encoder's 16x16 VP8 frames
    } finally {
      await encoder.close();
    }
  }, 60_000);
});
