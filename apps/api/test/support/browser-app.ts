import { existsSync } from 'node:fs';
import { join } from 'node:path';

import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';

import type { RunningApp } from '../../src/bootstrap';
import { launchChromium, WEB_DIST } from './chromium';
import { freshDatabase, type TestDatabase } from './databases';
import { startTestApp } from './test-app';

export interface BrowserApp {
  /** The API serving the built web app. */
  readonly url: string;
  /** A page in a fresh browser context (closed after the suite). */
  newPage(options?: BrowserContextOptions): Promise<Page>;
}

/**
 * For a describe block of browser tests: starts the app serving the web build and Chromium before
 * the tests, closes both (and every context opened) after them.
 */
export function useBrowserApp(env: Record<string, string> = {}): BrowserApp {
  let running: RunningApp | undefined;
  let database: TestDatabase | undefined;
  let browser: Browser | undefined;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    if (!existsSync(join(WEB_DIST, 'index.html'))) {
      throw new Error(`no web build at ${WEB_DIST}: run \`npx nx run web:build\` (npm test does)`);
    }
    // A database of its own: pages list what is live, scheduled or past across the platform, and
    // what earlier suites left in the run's shared database would crowd this suite's streams out.
    database = await freshDatabase('browser');
    running = await startTestApp({ WEB_DIST_DIR: WEB_DIST, DATABASE_URL: database.url, ...env });
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => undefined);
    await browser?.close();
    await running?.close();
    await database?.drop();
  }, 60_000);

  return {
    get url(): string {
      if (!running) throw new Error('the app is not running (used outside a test?)');
      return running.url;
    },
    async newPage(options: BrowserContextOptions = {}): Promise<Page> {
      if (!browser) throw new Error('Chromium is not running (used outside a test?)');
      const context = await browser.newContext({
        locale: 'en-US',
        viewport: { width: 1280, height: 1000 },
        ...options,
      });
      contexts.push(context);
      return context.newPage();
    },
  };
}
