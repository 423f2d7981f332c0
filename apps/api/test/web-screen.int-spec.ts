import type { Browser, BrowserContext, Page } from 'playwright-core';

import type { RunningApp } from '../src/bootstrap';
import { describeWithBrowser, gotoApp, launchChromium, WEB_DIST } from './support/chromium';
import { eventually, gql, uniqueUsername } from './support/graphql-client';
import { startTestApp } from './support/test-app';

const describeBrowser = describeWithBrowser('screen share');

describeBrowser('screen share in Chromium (issue 16)', () => {
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

  it('publishes a shared screen in three layers', async () => {
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    contexts.push(context);
    const studio: Page = await context.newPage();
    studio.on('console', (m) => console.log('page:', m.text()));
    const username = uniqueUsername('screen');
    await gotoApp(studio, `${running.url}/signup`);
    await studio.fill('input[name=username]', username);
    await studio.fill('input[name=displayName]', 'Screen');
    await studio.fill('input[name=password]', 'correct horse battery');
    await studio.click('button[type=submit]');
    await studio.waitForURL((url) => !url.pathname.startsWith('/signup'));
    await gotoApp(studio, `${running.url}/studio`);
    await studio.locator('mat-button-toggle button', { hasText: 'Screen' }).click();
    await studio.getByRole('checkbox', { name: 'Camera in the corner' }).uncheck();
    await studio.waitForTimeout(1500);
    const settings = await studio.$eval('[data-testid=preview]', (element) => {
      const stream = (element as HTMLVideoElement).srcObject as MediaStream | null;
      return stream
        ?.getTracks()
        .map((t) => ({ kind: t.kind, hint: t.contentHint, settings: t.getSettings() }));
    });
    console.log('preview tracks', JSON.stringify(settings));
    await studio.fill('[data-testid=stream-title]', 'Screen');
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
    await studio.waitForTimeout(5000);
    const rows = await studio.locator('[data-testid=publish-layer]').allTextContents();
    console.log('studio layers', rows);
    const result = await gql(
      running.url,
      `query($id: ID!) { stream(id: $id) { videoLayers { quality width height framesPerSecond bitrateKbps } } }`,
      { id: streamId },
    );
    console.log('server layers', JSON.stringify(result.data?.['stream'].videoLayers));
  }, 120_000);
});
