import type { Browser, BrowserContext, Page } from 'playwright-core';

import type { RunningApp } from '../src/bootstrap';
import { describeWithBrowser, gotoApp, launchChromium, WEB_DIST } from './support/chromium';
import { eventually, gql, LOGIN, uniqueUsername } from './support/graphql-client';
import { startTestApp } from './support/test-app';

const describeBrowser = describeWithBrowser('the picture quality browser test');
const PASSWORD = 'correct horse battery';

describeBrowser('picture quality in Chromium (issue 16)', () => {
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
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    contexts.push(context);
    return context.newPage();
  };

  const signUp = async (page: Page, prefix: string) => {
    const username = uniqueUsername(prefix);
    await gotoApp(page, `${running.url}/signup`);
    await page.fill('input[name=username]', username);
    await page.fill('input[name=displayName]', `${prefix} ${username.slice(-4)}`);
    await page.fill('input[name=password]', PASSWORD);
    await page.click('button[type=submit]');
    await page.waitForURL((url) => !url.pathname.startsWith('/signup'));
    await gql(running.url, LOGIN, { input: { username, password: PASSWORD } });
  };

  it('publishes three layers from the studio; a viewer pins the lowest and sees it in the stats', async () => {
    const studio = await newPage();
    const viewer = await newPage();
    await signUp(studio, 'streamer');
    await gotoApp(studio, `${running.url}/studio`);
    await studio.fill('[data-testid=stream-title]', 'Simulcast');
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

    // The studio lists the three layers it sends, highest first.
    const rows = await eventually(
      async () => {
        const texts = await studio.locator('[data-testid=publish-layer]').allTextContents();
        return texts.length === 3 && !texts.some((t) => t.includes('–')) ? texts : undefined;
      },
      20_000,
      500,
    );
    console.log(
      'studio layers',
      rows.map((t) => t.replace(/\s+/g, ' ').trim()),
    );
    expect(rows[0]).toContain('High');

    // The server sees them too.
    const layers = await eventually(
      async () => {
        const result = await gql(
          running.url,
          `query($id: ID!) { stream(id: $id) { videoLayers { quality width height framesPerSecond bitrateKbps } } }`,
          { id: streamId },
        );
        const list = result.data?.['stream'].videoLayers as { quality: string; height: number }[];
        return list.length === 3 ? list : undefined;
      },
      20_000,
      500,
    );
    console.log('server layers', JSON.stringify(layers));

    await gotoApp(viewer, `${running.url}/streams/${streamId}`);
    await eventually(
      async () =>
        (await viewer.$eval(
          '[data-testid=live-video]',
          (element) => (element as HTMLVideoElement).videoHeight,
        )) > 0 || undefined,
      20_000,
      250,
    );
    await viewer.click('[data-testid=quality-button]');
    const options = viewer.locator('[data-testid=quality-option]');
    await eventually(async () => ((await options.count()) === 4 ? true : undefined), 10_000);
    console.log(
      'menu',
      (await options.allTextContents()).map((t) => t.replace(/\s+/g, ' ').trim()),
    );
    await options.last().click();
    // The SFU switches at the next keyframe: the picture becomes the lowest layer's.
    const low = layers[layers.length - 1]?.height ?? 0;
    const height = await eventually(
      async () => {
        const h = await viewer.$eval(
          '[data-testid=live-video]',
          (element) => (element as HTMLVideoElement).videoHeight,
        );
        return Math.abs(h - low) <= 8 ? h : undefined;
      },
      15_000,
      250,
    );
    expect(Math.abs(height - low)).toBeLessThanOrEqual(8);

    // Stats for nerds, once a second.
    await viewer.click('[data-testid=quality-button]');
    await viewer.click('[data-testid=stats-toggle]');
    const stats = await eventually(
      async () => {
        const fps = await viewer.locator('[data-stat=fps]').textContent();
        const text = await viewer.locator('[data-testid=playback-stats]').textContent();
        return text && fps?.trim() !== '0 fps' ? text.replace(/\s+/g, ' ').trim() : undefined;
      },
      10_000,
      500,
    );
    console.log('stats', stats);
    expect(stats).toContain('(Low)');

    // Back to Auto: the SFU climbs again.
    await viewer.click('[data-testid=quality-button]');
    await options.first().click();
    await eventually(
      async () => {
        const text = await viewer.locator('[data-stat=layer]').textContent();
        return text?.includes('Auto') ? text : undefined;
      },
      10_000,
      500,
    );
    await viewer.screenshot({ path: '/tmp/web16/viewer-stats.png' });
    await studio.screenshot({ path: '/tmp/web16/studio-layers.png', fullPage: true });
  }, 120_000);
});
