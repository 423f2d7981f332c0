import { existsSync } from 'node:fs';
import { join } from 'node:path';

import { chromium, type Browser } from 'playwright-core';

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

/** Headless Chromium with the fake camera, reaching nothing but 127.0.0.1. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
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
}
