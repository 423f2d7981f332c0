import type { Page } from 'playwright-core';

import { useBrowserApp } from './support/browser-app';
import { describeWithBrowser, gotoApp } from './support/chromium';
import { CREATE_STREAM, END_STREAM, eventually, gql, registerUser } from './support/graphql-client';

const describeBrowser = describeWithBrowser('the discovery browser tests');

describeBrowser(
  'discovery in Chromium: category chips, recent replays, category page, search',
  () => {
    const app = useBrowserApp();
    const newPage = (): Promise<Page> => app.newPage();

    const create = async (token: string, input: Record<string, unknown>): Promise<string> => {
      const created = await gql(app.url, CREATE_STREAM, { input }, token);
      if (created.errors) throw new Error(JSON.stringify(created.errors));
      return created.data?.['createStream'].id as string;
    };

    it('filters Live now by category, lists recent replays, opens a category page and finds a French title without its accents', async () => {
      const a = await registerUser(app.url, 'btc');
      const b = await registerUser(app.url, 'fx');
      const c = await registerUser(app.url, 'oil');
      const crypto = await create(a.token, { title: 'BTC breakout', categorySlug: 'crypto' });
      const forex = await create(b.token, { title: 'Cable scalps', categorySlug: 'forex' });
      const replay = await create(c.token, {
        title: 'Énergie : le pétrole',
        categorySlug: 'commodities',
        tags: ['brent'],
      });
      await gql(app.url, END_STREAM, { id: replay }, c.token);
      try {
        const page = await newPage();
        await gotoApp(page, app.url);
        const card = (id: string) =>
          page.locator(`[data-testid=stream-card][data-stream-id="${id}"]`);
        await card(crypto).waitFor();
        await card(forex).waitFor();

        // The chip row filters the live grid.
        await page.click('[data-testid=category-chip-crypto]');
        await card(forex).waitFor({ state: 'detached' });
        expect(await card(crypto).count()).toBe(1);
        await page.click('[data-testid=category-chip-all]');
        await card(forex).waitFor();

        // Recent replays.
        await page
          .locator(
            `[data-testid=recent-replays] [data-testid=replay-card][data-stream-id="${replay}"]`,
          )
          .waitFor();

        // A category page: its live streams only.
        await gotoApp(page, `${app.url}/categories/crypto`);
        await page.locator('[data-testid=category-page][data-slug=crypto]').waitFor();
        await expect(page.locator('h1').textContent()).resolves.toBe('Crypto');
        await page.locator(`[data-testid=stream-row][data-stream-id="${crypto}"]`).waitFor();
        expect(
          await page.locator(`[data-testid=stream-row][data-stream-id="${forex}"]`).count(),
        ).toBe(0);

        // The toolbar's search box: "energie" finds "Énergie : le pétrole".
        await page.fill('[data-testid=search-box]', 'energie');
        await page.press('[data-testid=search-box]', 'Enter');
        await page.waitForURL('**/search?q=energie');
        const row = page.locator(`[data-testid=stream-row][data-stream-id="${replay}"]`);
        await row.waitFor();
        await expect(row.textContent()).resolves.toContain('Énergie : le pétrole');
        await expect(row.getAttribute('data-status')).resolves.toBe('ENDED');
        await eventually(async () =>
          (await page.locator('[data-testid=search-page] h1').textContent())?.includes('energie')
            ? true
            : undefined,
        );
      } finally {
        await gql(app.url, END_STREAM, { id: crypto }, a.token);
        await gql(app.url, END_STREAM, { id: forex }, b.token);
      }
    }, 90_000);
  },
);
