import Redis from 'ioredis';
import type { Browser, BrowserContext, Page } from 'playwright-core';

import type { RunningApp } from '../src/bootstrap';
import { describeWithBrowser, gotoApp, launchChromium, WEB_DIST } from './support/chromium';
import { eventually, gql, uniqueUsername } from './support/graphql-client';
import { startTestApp, suiteRedis } from './support/test-app';

// Real media in a shared machine: one more try, as the other browser media tests.
jest.retryTimes(1, { logErrorsBeforeRetry: true });

const describeBrowser = describeWithBrowser('the web player LL-HLS browser test');
const PASSWORD = 'correct horse battery';
const HLS_URL = `query($id: ID!) { stream(id: $id) { hlsUrl } }`;
/** A Redis database of this suite's own (see media-cluster.int-spec.ts). */
const REDIS_URL = suiteRedis(process.env['TEST_REDIS_URL'], 13);
const describeWithRedis =
  process.env['TEST_REDIS_URL'] || process.env['CI'] === 'true' ? describe : describe.skip;

/** What the viewer page's player shows: its mode, why, its note, and what the video decodes. */
interface Player {
  mode: string | null;
  reason: string | null;
  note: string;
  state: string | null;
  frames: number;
  /** WebRTC plays a MediaStream (srcObject); hls.js a MediaSource (a blob: URL). */
  source: 'stream' | 'blob' | 'none';
}

const playerOf = (page: Page): Promise<Player> =>
  page.evaluate(() => {
    const mode = document.querySelector('[data-testid=playback-mode]');
    const video = document.querySelector<HTMLVideoElement>('[data-testid=live-video]');
    if (!video) throw new Error(`no live video: ${document.body.innerText.slice(0, 200)}`);
    return {
      mode: mode?.getAttribute('data-mode') ?? null,
      reason: mode?.getAttribute('data-reason') ?? null,
      note: mode?.querySelector('span')?.textContent?.replace(/\s+/g, ' ').trim() ?? '',
      state: document.querySelector('[data-testid=player]')?.getAttribute('data-state') ?? null,
      frames: video.getVideoPlaybackQuality().totalVideoFrames,
      source: video.srcObject ? 'stream' : video.currentSrc.startsWith('blob:') ? 'blob' : 'none',
    };
  });

/** Waits until the player plays in `mode` from the expected source, then until 30 more frames. */
async function decodesIn(page: Page, mode: 'webrtc' | 'hls'): Promise<Player> {
  const source = mode === 'webrtc' ? 'stream' : 'blob';
  let last: Player | undefined;
  const look = async () => (last = await playerOf(page));
  try {
    const start = await eventually(
      async () => {
        const player = await look();
        return player.mode === mode && player.source === source && player.state === 'playing'
          ? player
          : undefined;
      },
      40_000,
      250,
    );
    const later = await eventually(
      async () => {
        const player = await look();
        return player.frames > start.frames + 30 ? player : undefined;
      },
      30_000,
      250,
    );
    expect(later.mode).toBe(mode);
    expect(later.source).toBe(source);
    expect(later.frames).toBeGreaterThan(start.frames + 30);
    return later;
  } catch (error) {
    throw new Error(`no ${mode} picture: ${String(error)}; the player: ${JSON.stringify(last)}`);
  }
}

/** One server with a web build, a browser, and a streamer going live from the studio. */
function liveSetup(env: Record<string, string>) {
  const context = {} as { running: RunningApp; browser: Browser };
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    context.running = await startTestApp({ WEB_DIST_DIR: WEB_DIST, ...env });
    context.browser = await launchChromium();
  }, 60_000);
  // A test's pages (and their media sessions) end with it: a retry starts on an empty node.
  afterEach(async () => {
    for (const browserContext of contexts.splice(0))
      await browserContext.close().catch(() => undefined);
  });
  afterAll(async () => {
    await context.browser?.close();
    await context.running?.close();
  }, 60_000);

  const newPage = async (locale = 'en-US'): Promise<Page> => {
    const browserContext = await context.browser.newContext({
      viewport: { width: 1280, height: 800 },
      locale,
    });
    contexts.push(browserContext);
    return browserContext.newPage();
  };

  /** A streamer goes live from the studio (H.264 simulcast from the fake camera). */
  const goLive = async (title: string): Promise<{ streamId: string; hlsUrl: string }> => {
    const { url } = context.running;
    const studio = await newPage();
    await gotoApp(studio, `${url}/signup`);
    const username = uniqueUsername('webhls');
    await studio.fill('input[name=username]', username);
    await studio.fill('input[name=displayName]', `Streamer ${username.slice(-4)}`);
    await studio.fill('input[name=password]', PASSWORD);
    await studio.click('button[type=submit]');
    await studio.waitForURL((address) => !address.pathname.startsWith('/signup'));
    await gotoApp(studio, `${url}/studio`);
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
    // The stream has HLS once its H.264 publisher is packaged.
    const hlsUrl = await eventually(
      async () =>
        ((await gql(url, HLS_URL, { id: streamId })).data?.['stream'].hlsUrl as string | null) ??
        undefined,
      20_000,
      250,
    );
    return { streamId, hlsUrl };
  };

  return { context, newPage, goLive };
}

describeBrowser("the web player's stable mode: LL-HLS with hls.js (issue 18)", () => {
  describe('a viewer picks it', () => {
    const { context, newPage, goLive } = liveSetup({});

    it('plays the stream with hls.js when the viewer picks "Stable" in the quality menu, says so, and goes back to WebRTC on Auto', async () => {
      const { streamId, hlsUrl } = await goLive('Stable by choice');
      expect(hlsUrl).toBe(`/hls/${streamId}/index.m3u8`);
      const viewer = await newPage();
      const hlsRequests: string[] = [];
      viewer.on('request', (request) => {
        if (new URL(request.url()).pathname.startsWith('/hls/')) hlsRequests.push(request.url());
      });
      await gotoApp(viewer, `${context.running.url}/streams/${streamId}`);

      // WebRTC by default, no note, nothing asked of the HLS origin.
      const webrtc = await decodesIn(viewer, 'webrtc');
      expect(webrtc.reason).toBeNull();
      expect(webrtc.note).toBe('');
      expect(hlsRequests).toEqual([]);

      await viewer.click('[data-testid=quality-button]');
      const stable = viewer.locator('[data-testid=quality-stable]');
      await stable.waitFor({ timeout: 10_000 });
      expect(await stable.locator('.mat-mdc-menu-item-text').textContent()).toBe(
        'Stable (a few seconds behind)',
      );
      await stable.click();

      const hls = await decodesIn(viewer, 'hls');
      expect(hls.reason).toBe('chosen');
      expect(hls.note).toBe('Stable mode: a few seconds behind live');
      expect(hlsRequests[0]).toBe(`${context.running.url}${hlsUrl}`);
      expect(hlsRequests.some((url) => /\/p\d+\.\d+\.m4s/.test(url))).toBe(true);
      console.log(
        `stable mode: ${hls.frames} frames decoded from ${hlsRequests.length} HLS requests`,
      );

      // Auto: back to WebRTC, and hls.js stops asking for parts.
      await viewer.click('[data-testid=quality-button]');
      await viewer.locator('[data-testid=quality-option]').first().click();
      const back = await decodesIn(viewer, 'webrtc');
      expect(back.reason).toBeNull();
      expect(back.note).toBe('');
      const requestsThen = hlsRequests.length;
      await new Promise((resolve) => setTimeout(resolve, 3000));
      expect(hlsRequests.length).toBe(requestsThen);
    }, 180_000);
  });

  describe('live rewind (DVR) in stable mode', () => {
    const { context, newPage, goLive } = liveSetup({});

    /** The seek bar's live point and the video's position, read together. */
    const positionOf = (page: Page) =>
      page.evaluate(() => {
        const seek = document.querySelector<HTMLInputElement>('[data-testid=dvr-seek]');
        const video = document.querySelector<HTMLVideoElement>('[data-testid=live-video]');
        if (!seek || !video) throw new Error('no seek bar');
        return {
          start: Number(seek.min),
          live: Number(seek.max),
          current: video.currentTime,
          paused: video.paused,
          frames: video.getVideoPlaybackQuality().totalVideoFrames,
        };
      });

    it('seeks back through the seek bar, plays behind live, returns with one click on "Back to live", and fills the stats panel from hls.js', async () => {
      const { streamId } = await goLive('Rewind me');
      const liveSince = Date.now();
      const viewer = await newPage();
      await gotoApp(viewer, `${context.running.url}/streams/${streamId}`);
      await decodesIn(viewer, 'webrtc');
      await viewer.click('[data-testid=quality-button]');
      await viewer.locator('[data-testid=quality-stable]').click();
      await decodesIn(viewer, 'hls');
      // Some of the stream behind us to rewind into.
      const left = liveSince + 40_000 - Date.now();
      if (left > 0) await new Promise((resolve) => setTimeout(resolve, left));
      await viewer.locator('[data-testid=dvr-seek]').waitFor({ timeout: 10_000 });
      const playing = await positionOf(viewer);
      console.log(`playing: ${JSON.stringify(playing)}`);
      expect(playing.live - playing.start).toBeGreaterThan(25);

      // The seek bar, from the keyboard: Home is the start of the window.
      await viewer.locator('[data-testid=dvr-seek]').focus();
      await viewer.keyboard.press('Home');
      await viewer.locator('[data-testid=back-to-live]').waitFor({ timeout: 10_000 });
      const rewound = await positionOf(viewer);
      console.log(`rewound: ${JSON.stringify(rewound)}`);
      expect(rewound.live - rewound.current).toBeGreaterThan(20);
      expect(rewound.current - rewound.start).toBeGreaterThanOrEqual(2.9);
      // It plays there: the position moves on and frames are decoded, still well behind live.
      const later = await eventually(
        async () => {
          const now = await positionOf(viewer);
          return now.current > rewound.current + 2 && now.frames > rewound.frames + 30
            ? now
            : undefined;
        },
        20_000,
        250,
      );
      expect(later.live - later.current).toBeGreaterThan(15);
      expect(later.paused).toBe(false);
      expect(await viewer.locator('[data-testid=dvr-behind]').textContent()).toMatch(
        /^-0:[2-5]\d$/,
      );

      // One click: live again, within a few seconds of the edge.
      await viewer.click('[data-testid=back-to-live]');
      await viewer.locator('[data-testid=at-live]').waitFor({ timeout: 10_000 });
      const back = await eventually(
        async () => {
          const now = await positionOf(viewer);
          return now.frames > later.frames + 30 ? now : undefined;
        },
        20_000,
        250,
      );
      console.log(`back to live: ${JSON.stringify(back)}`);
      expect(back.live - back.current).toBeLessThan(4);
      expect(back.paused).toBe(false);

      // Stats for nerds, from hls.js.
      await viewer.click('[data-testid=quality-button]');
      await viewer.locator('[data-testid=stats-toggle]').click();
      const panel = viewer.locator('[data-testid=playback-stats][data-mode=hls]');
      await panel.waitFor({ timeout: 10_000 });
      const stat = async (name: string) =>
        ((await panel.locator(`[data-stat=${name}]`).textContent()) ?? '')
          .replace(/\s+/g, ' ')
          .trim();
      const figures = await eventually(
        async () => {
          const level = await stat('hls-level');
          return level === '–' ? undefined : level;
        },
        10_000,
        250,
      );
      const stats = {
        level: figures,
        bitrate: await stat('hls-bitrate'),
        buffer: await stat('hls-buffer'),
        latency: await stat('hls-latency'),
        dropped: await stat('hls-dropped'),
      };
      console.log(`HLS stats panel: ${JSON.stringify(stats)}`);
      expect(stats.level).toMatch(/^\d+×\d+$/);
      expect(stats.bitrate).toMatch(/^[\d,]+ kbps$/);
      expect(stats.buffer).toMatch(/^\d+\.\d s$/);
      expect(Number(stats.latency.replace(' s', ''))).toBeLessThan(6);
      expect(stats.dropped).toMatch(/^[\d,]+ of [\d,]+$/);
    }, 180_000);
  });

  describeWithRedis('every media node is full', () => {
    // One node (a cluster of one: with REDIS_URL a full node sends new viewers elsewhere, and
    // answers RATE_LIMITED when there is nowhere else) that serves one viewer.
    beforeAll(async () => {
      const redis = new Redis(REDIS_URL);
      await redis.flushdb();
      redis.disconnect();
    });
    const { context, newPage, goLive } = liveSetup({
      MEDIA_NODE_MAX_VIEWERS: '1',
      REDIS_URL,
    });

    it("falls back to HLS by itself when playStream is refused (RATE_LIMITED), says why in the viewer's language, and decodes frames", async () => {
      const { streamId } = await goLive('Full node');
      const watch = `${context.running.url}/streams/${streamId}`;

      // The first viewer takes the node's one place (the studio's own preview is no viewer).
      const first = await newPage();
      await gotoApp(first, watch);
      await decodesIn(first, 'webrtc');

      // The second is refused WebRTC, and says so in French.
      const second = await newPage('fr-FR');
      // playStream's answers, read on their way (not from the browser's DevTools buffer, which
      // under load sometimes has no body left to give).
      const refusals: string[] = [];
      await second.route('**/graphql', async (route) => {
        if (!route.request().postData()?.includes('playStream')) return route.continue();
        const response = await route.fetch();
        const body = (await response.json()) as { errors?: { extensions?: { code?: string } }[] };
        const code = body.errors?.[0]?.extensions?.code;
        if (code) refusals.push(code);
        return route.fulfill({ response, json: body });
      });
      await gotoApp(second, watch);
      const hls = await decodesIn(second, 'hls');
      expect(refusals[0]).toBe('RATE_LIMITED');
      expect(hls.reason).toBe('fallback');
      expect(hls.note).toBe(
        "La vidéo en direct n'a pas pu se connecter : lecture du flux stable, avec quelques secondes de retard",
      );
      console.log(
        `full node: playStream answered ${refusals.join(', ')}; the second viewer decoded ${hls.frames} frames from HLS`,
      );

      // The first viewer still plays WebRTC.
      const firstNow = await playerOf(first);
      expect(firstNow.mode).toBe('webrtc');
      expect(firstNow.source).toBe('stream');
    }, 180_000);
  });
});
