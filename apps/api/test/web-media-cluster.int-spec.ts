import type { Browser, BrowserContext, Page } from 'playwright-core';

import { describeWithBrowser, gotoApp, launchChromium, WEB_DIST } from './support/chromium';
import { eventually, uniqueUsername } from './support/graphql-client';
import { freePort, spawnServer, waitForHealth, type ServerProcess } from './support/process';
import { FailoverProxy } from './support/tcp-proxy';
import { suiteRedis, testEnv } from './support/test-app';

const PASSWORD = 'correct horse battery';
/** A Redis database of this suite's own (see media-cluster.int-spec.ts). */
const REDIS_URL = suiteRedis(process.env['TEST_REDIS_URL'], 12);
const describeCluster =
  process.env['TEST_REDIS_URL'] || process.env['CI'] === 'true'
    ? describeWithBrowser('the media cluster browser test')
    : describe.skip;

interface Instance {
  port: number;
  url: string;
  server: ServerProcess;
}

/** Frames the page's live video has decoded so far. */
const decodedFrames = (page: Page) =>
  page.$eval(
    '[data-testid=live-video]',
    (video) => (video as HTMLVideoElement).getVideoPlaybackQuality().totalVideoFrames,
  );

describeCluster('the web app on two API instances behind a load balancer (issue 17)', () => {
  const instances: Instance[] = [];
  const contexts: BrowserContext[] = [];
  let browser: Browser;
  let proxy: FailoverProxy;

  const start = async (ports: string): Promise<Instance> => {
    const port = await freePort();
    const server = spawnServer(
      testEnv({
        PORT: String(port),
        REDIS_URL: REDIS_URL,
        WEB_DIST_DIR: WEB_DIST,
        MEDIA_UDP_PORT_RANGE: ports,
        LOG_LEVEL: 'warn',
      }),
    );
    await waitForHealth(server, port);
    const instance = { port, url: `http://127.0.0.1:${port}`, server };
    instances.push(instance);
    return instance;
  };
  const newPage = async (): Promise<Page> => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    contexts.push(context);
    return context.newPage();
  };

  beforeAll(async () => {
    await start('61500-61599');
    await start('61600-61699');
    proxy = new FailoverProxy(instances.map((i) => i.port));
    await proxy.start();
    browser = await launchChromium();
  }, 120_000);
  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => undefined);
    await browser?.close();
    await proxy?.stop();
    for (const instance of instances) instance.server.child.kill('SIGKILL');
    await Promise.all(instances.map((i) => i.server.exited));
  }, 60_000);

  it('a studio on A reaches a viewer on B; when A is killed -9, the studio publishes again through B and the viewer decodes again within 10 s, without a reload', async () => {
    const [a, b] = instances;
    const front = `http://127.0.0.1:${proxy.port}`;
    // The studio goes through the load balancer, which sends it to A while A lives.
    const studio = await newPage();
    await gotoApp(studio, `${front}/signup`);
    const username = uniqueUsername('streamer');
    await studio.fill('input[name=username]', username);
    await studio.fill('input[name=displayName]', `Streamer ${username.slice(-4)}`);
    await studio.fill('input[name=password]', PASSWORD);
    await studio.click('button[type=submit]');
    await studio.waitForURL((url) => !url.pathname.startsWith('/signup'));
    await gotoApp(studio, `${front}/studio`);
    await studio.fill('[data-testid=stream-title]', 'Two nodes');
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

    // The viewer's page is served by B, whose media node relays the stream from A.
    const viewer = await newPage();
    await gotoApp(viewer, `${b.url}/streams/${streamId}`);
    await viewer.evaluate(() => ((window as unknown as { marker: number }).marker = 17));
    await eventually(
      async () => ((await decodedFrames(viewer)) > 30 ? true : undefined),
      20_000,
      250,
    );

    // A dies without a word.
    const killedAt = Date.now();
    a.server.child.kill('SIGKILL');
    await a.server.exited;
    // The picture stops (the publisher was on A)...
    let last = await decodedFrames(viewer);
    await eventually(
      async () => {
        const now = await decodedFrames(viewer);
        const stalled = now === last;
        last = now;
        return stalled ? true : undefined;
      },
      10_000,
      700,
    );
    // ...and comes back once the studio has published again, through B.
    const stalledAt = await decodedFrames(viewer);
    await eventually(
      async () => ((await decodedFrames(viewer)) > stalledAt + 20 ? true : undefined),
      20_000,
      100,
    );
    const recoveredMs = Date.now() - killedAt;
    console.log(`viewer decoding again ${recoveredMs} ms after the publisher's node was killed`);
    expect(recoveredMs).toBeLessThanOrEqual(10_000);
    // Same page, no reload.
    expect(await viewer.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(17);
    await studio
      .locator('[data-testid=health][data-connection=connected]')
      .waitFor({ timeout: 10_000 });
  }, 120_000);
});
