import { existsSync } from 'node:fs';
import { join } from 'node:path';

import { Client } from 'pg';
import type { Browser, BrowserContext, Page } from 'playwright-core';

import { DEMO_STANDBY_RETRY_MS, DemoPublisher } from '@finserve/api/demo';
import type { RoomStats, WorkerStats } from '@finserve/api/media';
import { MediaBackend, MediaWorkers, SignalingService } from '@finserve/api/signaling';
import { StreamsService } from '@finserve/api/streams';
import { Role } from '@finserve/shared';

import type { RunningApp } from '../src/bootstrap';
import { describeWithBrowser, gotoApp, launchChromium, WEB_DIST } from './support/chromium';
import { eventually, registerUser } from './support/graphql-client';
import { startTestApp } from './support/test-app';

/**
 * The demo seeds only into a database without any stream, and the shared test database is full
 * of other suites' streams: each app here gets a database of its own, on the same server.
 */
async function dedicatedDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const shared = process.env['TEST_DATABASE_URL'];
  if (!shared) throw new Error('TEST_DATABASE_URL is not set: run tests through jest');
  const name = `finserve_demo_${Date.now()}_${process.pid}`;
  const server = new URL(shared);
  server.pathname = '/postgres';
  const admin = async (sql: string) => {
    const client = new Client({ connectionString: server.toString() });
    await client.connect();
    try {
      await client.query(sql.replace('$name', client.escapeIdentifier(name)));
    } finally {
      await client.end();
    }
  };
  await admin('CREATE DATABASE $name');
  const url = new URL(shared);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => admin('DROP DATABASE IF EXISTS $name WITH (FORCE)') };
}

/** The SFU's rooms (every media worker), to see whether a stream has a publisher. */
async function rooms(running: RunningApp): Promise<RoomStats[]> {
  const media = running.app.get(MediaBackend);
  if (!(media instanceof MediaWorkers)) throw new Error('these tests need the embedded SFU');
  return ((await media.stats()) as WorkerStats[]).flatMap((worker) => worker.rooms);
}

/** Records every RTCPeerConnection the page makes, so the test can read its stats. */
const RECORD_PEER_CONNECTIONS = `(() => {
  const Native = window.RTCPeerConnection;
  window.__peers = [];
  window.RTCPeerConnection = class extends Native {
    constructor(...args) { super(...args); window.__peers.push(this); }
  };
})();`;

interface PageMedia {
  width: number;
  frames: number;
  audioPackets: number;
  audioBytes: number;
}

/**
 * The peak amplitude (0..1) of the stream page's received audio right now, through a Web Audio
 * analyser on the video element's stream (the element itself is muted for autoplay).
 */
const AUDIO_PEAK = async (): Promise<number> => {
  const page = window as unknown as { __analyser?: AnalyserNode };
  const video = document.querySelector<HTMLVideoElement>('[data-testid=live-video]');
  const stream = video?.srcObject;
  if (!page.__analyser && stream instanceof MediaStream) {
    const context = new AudioContext();
    await context.resume();
    page.__analyser = context.createAnalyser();
    context.createMediaStreamSource(stream).connect(page.__analyser);
  }
  const samples = new Float32Array(2048);
  page.__analyser?.getFloatTimeDomainData(samples);
  return samples.reduce((peak, sample) => Math.max(peak, Math.abs(sample)), 0);
};

const describeBrowser = describeWithBrowser('the demo stream browser tests');

describeBrowser('the demo stream (SEED_DEMO=true): a server-side publisher loops a clip', () => {
  let database: Awaited<ReturnType<typeof dedicatedDatabase>>;
  let running: RunningApp;
  let browser: Browser;
  let streamId: string;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    if (!existsSync(join(WEB_DIST, 'index.html')))
      throw new Error(`no web build at ${WEB_DIST}: run \`npx nx run web:build\` (npm test does)`);
    database = await dedicatedDatabase();
    running = await startTestApp({
      SEED_DEMO: 'true',
      DATABASE_URL: database.url,
      WEB_DIST_DIR: WEB_DIST,
    });
    browser = await launchChromium();
    const demo = await running.app.get(StreamsService).liveDemo();
    if (!demo) throw new Error('no LIVE demo stream was seeded');
    streamId = demo.id;
  }, 60_000);
  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => undefined);
    await browser?.close();
    await running?.close();
    await database?.drop();
  }, 60_000);

  const newPage = async (): Promise<Page> => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    contexts.push(context);
    await context.addInitScript(RECORD_PEER_CONNECTIONS);
    return context.newPage();
  };

  const pageMedia = (page: Page): Promise<PageMedia> =>
    page.evaluate(async () => {
      const video = document.querySelector<HTMLVideoElement>('[data-testid=live-video]');
      const media: PageMedia = {
        width: video?.videoWidth ?? 0,
        frames: video?.getVideoPlaybackQuality().totalVideoFrames ?? 0,
        audioPackets: 0,
        audioBytes: 0,
      };
      const peers = (window as unknown as { __peers: RTCPeerConnection[] }).__peers;
      for (const peer of peers) {
        (await peer.getStats()).forEach((report: Record<string, unknown>) => {
          if (report['type'] !== 'inbound-rtp' || report['kind'] !== 'audio') return;
          media.audioPackets += Number(report['packetsReceived'] ?? 0);
          media.audioBytes += Number(report['bytesReceived'] ?? 0);
        });
      }
      return media;
    });

  it("shows the demo card with a real thumbnail from the clip, and a first visitor's click on it plays moving video within 5 s, with sound", async () => {
    const page = await newPage();
    await gotoApp(page, `${running.url}/`);
    const card = page.locator(`[data-stream-id="${streamId}"]`);
    const thumbnail = card.locator('img[data-testid=stream-thumbnail]');
    const image = await eventually(
      async () => {
        if (!(await thumbnail.count())) return undefined;
        const loaded = await thumbnail.evaluate((img) => ({
          src: (img as HTMLImageElement).src,
          width: (img as HTMLImageElement).naturalWidth,
          height: (img as HTMLImageElement).naturalHeight,
        }));
        return loaded.width > 0 ? loaded : undefined;
      },
      10_000,
      250,
    );
    expect(image.src).toContain(`/thumbnails/${streamId}.jpg?v=`);
    expect(image).toMatchObject({ width: 480, height: 270 });

    // The first click: decoded frames appear and keep coming (5 more) within 5 s.
    const clicked = Date.now();
    await card.click();
    await page.waitForURL(`**/streams/${streamId}`);
    let first: PageMedia | undefined;
    const moving = await eventually(
      async () => {
        const now = await pageMedia(page);
        if (now.width > 0 && now.frames > 0) first ??= now;
        return first && now.frames - first.frames >= 5 ? now : undefined;
      },
      5000,
      100,
    );
    expect(Date.now() - clicked).toBeLessThan(5000);
    expect(moving.width).toBe(640);

    // Audio: 50 Opus packets/s arrive and keep arriving, and they carry sound, not silence
    // (the clip's notes peak at 0.35 and decay every 0.5 s).
    let peak = 0;
    const later = await eventually(
      async () => {
        peak = Math.max(peak, await page.evaluate(AUDIO_PEAK));
        const now = await pageMedia(page);
        return now.audioPackets - moving.audioPackets >= 50 && peak > 0.1 ? now : undefined;
      },
      10_000,
      100,
    );
    expect(later.audioBytes).toBeGreaterThan(moving.audioBytes);
    expect(peak).toBeGreaterThan(0.1);
    expect(later.frames).toBeGreaterThan(moving.frames);
    const status = running.app.get(DemoPublisher).status();
    expect(status).toMatchObject({ streamId, sending: true, standby: false });
    // The viewer's arrival made the SFU ask for a keyframe, which the publisher answered.
    expect(status.keyframeRequests).toBeGreaterThan(0);
  }, 60_000);

  it('publishes again when its session is closed under it (the SFU reports the publisher gone)', async () => {
    const publisher = running.app.get(DemoPublisher);
    const before = publisher.status();
    const stream = await running.app.get(StreamsService).getById(streamId);
    if (!before.sessionId) throw new Error('the demo publisher has no session');
    await running.app
      .get(SignalingService)
      .close({ id: stream.streamerId, username: 'demo_alice', role: Role.USER }, before.sessionId);
    const after = await eventually(
      () => {
        const now = publisher.status();
        return now.sending && now.sessionId !== before.sessionId ? now : undefined;
      },
      15_000,
      100,
    );
    expect(after.attempts).toBe(before.attempts + 1);
    const room = await eventually(async () => {
      const found = (await rooms(running)).find((r) => r.streamId === streamId);
      return found?.publisher ? found : undefined;
    });
    expect(room.publisher).toBe(true);
  }, 30_000);
  it(
    'lets only one API instance of a database publish the demo: a second one stands by, and takes over when the first stops',
    async () => {
      const publisher = running.app.get(DemoPublisher);
      const before = publisher.status();
      const second = await startTestApp({ SEED_DEMO: 'true', DATABASE_URL: database.url });
      try {
        const standby = await eventually(() => {
          const status = second.app.get(DemoPublisher).status();
          return status.standby ? status : undefined;
        });
        expect(standby).toMatchObject({ sending: false, attempts: 0, sessionId: null });
        expect((await second.app.get(StreamsService).liveDemo())?.id).toBe(streamId);
        expect(publisher.status()).toMatchObject({
          sessionId: before.sessionId,
          attempts: before.attempts,
          sending: true,
        });

        // The publishing instance stops (as on shutdown): the one on standby takes over.
        await publisher.stop();
        const takenOver = await eventually(
          () => {
            const status = second.app.get(DemoPublisher).status();
            return status.sending ? status : undefined;
          },
          DEMO_STANDBY_RETRY_MS + 10_000,
          250,
        );
        expect(takenOver).toMatchObject({ streamId, standby: false, attempts: 1 });
        expect(publisher.status()).toMatchObject({ sending: false, sessionId: null });
      } finally {
        await second.close();
      }
    },
    DEMO_STANDBY_RETRY_MS + 30_000,
  );
});

describe('the demo stream with SEED_DEMO=false', () => {
  it('starts no publisher, even for a LIVE demo stream left in the database', async () => {
    const database = await dedicatedDatabase();
    try {
      const first = await startTestApp({ SEED_DEMO: 'false', DATABASE_URL: database.url });
      let demoId: string;
      try {
        // A LIVE demo stream, as an earlier SEED_DEMO=true start would have left it.
        const streamer = await registerUser(first.url, 'demo');
        const demo = await first.app
          .get(StreamsService)
          .create(
            { id: streamer.id, username: streamer.username, role: Role.USER },
            { title: '[DEMO] left over' },
            { isDemo: true },
          );
        demoId = demo.id;
      } finally {
        await first.close();
      }
      const second = await startTestApp({ SEED_DEMO: 'false', DATABASE_URL: database.url });
      try {
        expect((await second.app.get(StreamsService).liveDemo())?.id).toBe(demoId);
        await new Promise((resolve) => setTimeout(resolve, 1000));
        expect(second.app.get(DemoPublisher).status()).toEqual({
          streamId: null,
          sessionId: null,
          standby: false,
          sending: false,
          attempts: 0,
          videoFrames: 0,
          audioPackets: 0,
          keyframeRequests: 0,
        });
        expect((await rooms(second)).filter((room) => room.publisher)).toEqual([]);
      } finally {
        await second.close();
      }
    } finally {
      await database.drop();
    }
  }, 60_000);
});
