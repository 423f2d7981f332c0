import { existsSync } from 'node:fs';
import { join } from 'node:path';

import { chromium, type Browser, type Page, type Request, type Response } from 'playwright-core';

// The production build of the web app (npm test builds it; see package.json).
export const WEB_DIST = join(__dirname, '..', '..', '..', '..', 'dist', 'apps', 'web', 'browser');
export const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

/**
 * `describe` when Chromium (Debian's) is there, else `describe.skip` with a loud warning. CI
 * installs it and sets REQUIRE_BROWSER=1 (then the suite must run, as with CI=true: a missing
 * browser fails instead of skipping).
 */
export function describeWithBrowser(what: string): jest.Describe {
  const haveBrowser =
    existsSync(CHROMIUM) || process.env['REQUIRE_BROWSER'] === '1' || process.env['CI'] === 'true';
  if (!haveBrowser) {
    console.warn(
      `\n!!! SKIPPING ${what}: no Chromium at ${CHROMIUM} (set CHROMIUM_PATH, or REQUIRE_BROWSER=1 to fail instead)\n`,
    );
  }
  return haveBrowser ? describe : describe.skip;
}

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

/**
 * Headless Chromium with the fake camera, reaching nothing but 127.0.0.1 and `reach`.
 * `executablePath`: another start script, such as a test host's `chromiumPath` (support/netns.ts)
 * for a browser inside a network namespace, which reaches this machine at its `hostAddress`.
 * `args`: more switches (e.g. `--use-file-for-fake-video-capture=<clip.y4m>`).
 */
export function launchChromium(
  options: { executablePath?: string; reach?: string[]; args?: string[] } = {},
): Promise<Browser> {
  const excluded = ['127.0.0.1', ...(options.reach ?? [])].map((address) => `EXCLUDE ${address}`);
  return chromium.launch({
    executablePath: options.executablePath ?? CHROMIUM,
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
      // Pages opened side by side (a studio and its viewers) are all "foreground": no timer
      // throttling or renderer backgrounding slowing a publisher's capture behind a viewer's tab.
      '--disable-background-timer-throttling',
      '--disable-renderer-backgrounding',
      '--disable-backgrounding-occluded-windows',
      `--host-resolver-rules=MAP * ~NOTFOUND , ${excluded.join(' , ')}`,
      `--disable-features=${DISABLED_FEATURES}`,
      ...(options.args ?? []),
    ],
  });
}

/**
 * Opens `url` and waits for the app to render its shell, not for the `load` event: `load` waits
 * for every subresource the page started (fonts, images, lazy chunks), which proves nothing
 * about the app and, on a starved machine, can stall past the test's budget. On a timeout the
 * error lists the requests still pending, so a stall names its cause.
 */
export async function gotoApp(page: Page, url: string): Promise<Response | null> {
  const pending = new Map<Request, number>();
  const started = Date.now();
  const onRequest = (request: Request) => pending.set(request, Date.now());
  const onDone = (request: Request) => pending.delete(request);
  page.on('request', onRequest);
  page.on('requestfinished', onDone);
  page.on('requestfailed', onDone);
  try {
    const response = await page.goto(url, { waitUntil: 'domcontentloaded' });
    await page.locator('fs-root > *').first().waitFor({ state: 'attached' });
    return response;
  } catch (error) {
    const stalled = [...pending].map(
      ([request, at]) =>
        `${request.method()} ${request.url()} (${request.resourceType()}, pending since +${at - started} ms)`,
    );
    throw new Error(
      `${url} did not render: ${error instanceof Error ? error.message : String(error)}\npending: ${stalled.join('\n  ') || 'none'}`,
    );
  } finally {
    page.off('request', onRequest);
    page.off('requestfinished', onDone);
    page.off('requestfailed', onDone);
  }
}
