import type { Page } from 'playwright-core';

import { useBrowserApp } from './support/browser-app';
import { describeWithBrowser, gotoApp } from './support/chromium';
import { END_STREAM, eventually, gql, uniqueUsername } from './support/graphql-client';

const describeBrowser = describeWithBrowser('the studio schedule browser tests');
const PASSWORD = 'correct horse battery';
/** Where the web app keeps its access token (libs/web/data-access token-storage.ts). */
const ACCESS_KEY = 'finserve.accessToken';

interface Scheduled {
  id: string;
  title: string;
  scheduledFor: string;
  tags: string[];
  category: { slug: string } | null;
}

describeBrowser('the studio in Chromium: schedule, edit, cancel, and edit while LIVE', () => {
  const app = useBrowserApp();
  const newPage = (): Promise<Page> => app.newPage({ timezoneId: 'America/New_York' });

  const signUp = async (page: Page, prefix: string) => {
    const username = uniqueUsername(prefix);
    await gotoApp(page, `${app.url}/signup`);
    await page.fill('input[name=username]', username);
    await page.fill('input[name=password]', PASSWORD);
    await page.click('button[type=submit]');
    await page.waitForURL((url) => !url.pathname.startsWith('/signup'));
    return username;
  };

  const scheduledOf = async (username: string): Promise<Scheduled[]> => {
    const r = await gql(
      app.url,
      `query($u: String!) { user(username: $u) { scheduledStreams { id title scheduledFor tags category { slug } } } }`,
      { u: username },
    );
    return r.data?.['user'].scheduledStreams as Scheduled[];
  };

  it('schedules a stream in the streamer’s time zone, edits its time and title, and cancels it', async () => {
    const page = await newPage();
    const username = await signUp(page, 'sched');
    await gotoApp(page, `${app.url}/studio`);
    await page.click('[data-testid=schedule-open]');
    await expect(page.locator('[data-testid=schedule-time-zone]').textContent()).resolves.toContain(
      'America/New_York',
    );
    await page.fill('[data-testid=schedule-title]', 'Weekly outlook');
    await page.click('[data-testid=schedule-category]');
    await page.getByRole('option', { name: 'Forex' }).click();
    await page.fill('[data-testid=schedule-tags]', 'EUR-USD, weekly');
    await page.fill('[data-testid=schedule-date]', '2031-01-20');
    await page.fill('[data-testid=schedule-time]', '09:15');
    await page.click('[data-testid=schedule-submit]');

    const item = page.locator('[data-testid=scheduled-item]');
    await item.waitFor();
    await expect(item.textContent()).resolves.toContain('Weekly outlook');
    const [created] = await scheduledOf(username);
    // 09:15 in New York in January (EST, UTC-5) is 14:15 UTC.
    expect(created).toMatchObject({
      title: 'Weekly outlook',
      scheduledFor: '2031-01-20T14:15:00.000Z',
      tags: ['eur-usd', 'weekly'],
      category: { slug: 'forex' },
    });

    // Edit: title and time.
    await page.click('[data-testid=scheduled-edit]');
    await page.locator('[data-testid=stream-edit]').waitFor();
    await expect(page.locator('[data-testid=edit-time]').inputValue()).resolves.toBe('09:15');
    await page.fill('[data-testid=edit-title]', 'Weekly outlook (moved)');
    await page.fill('[data-testid=edit-time]', '10:30');
    await page.click('[data-testid=edit-save]');
    await page.locator('[data-testid=stream-edit]').waitFor({ state: 'detached' });
    const [edited] = await eventually(async () => {
      const list = await scheduledOf(username);
      return list[0]?.title === 'Weekly outlook (moved)' ? list : undefined;
    });
    expect(edited).toMatchObject({ id: created.id, scheduledFor: '2031-01-20T15:30:00.000Z' });
    await eventually(async () =>
      (await item.textContent())?.includes('(moved)') ? true : undefined,
    );

    // Cancel, confirmed: it leaves the studio and the channel.
    await page.click('[data-testid=scheduled-cancel]');
    await page.click('[data-testid=confirm]');
    await item.waitFor({ state: 'detached' });
    expect(await scheduledOf(username)).toEqual([]);
    const gone = await gql(app.url, `query($id: ID!) { stream(id: $id) { id } }`, {
      id: created.id,
    });
    expect(gone.data?.['stream']).toBeNull();
  }, 90_000);

  it('edits the LIVE stream’s title and category from the studio; an open viewer page shows the new title', async () => {
    const studio = await newPage();
    await signUp(studio, 'liveedit');
    await gotoApp(studio, `${app.url}/studio`);
    await studio.fill('[data-testid=stream-title]', 'Before the edit');
    const goLive = studio.locator('[data-testid=go-live]');
    await eventually(async () => ((await goLive.isEnabled()) ? true : undefined), 15_000);
    await goLive.click();
    const streamId = await eventually(async () => {
      const href = await studio
        .getByRole('link', { name: 'Open viewer page' })
        .getAttribute('href')
        .catch(() => null);
      return href?.split('/').pop() || undefined;
    }, 20_000);
    const token = await studio.evaluate((key) => localStorage.getItem(key), ACCESS_KEY);
    try {
      const viewer = await newPage();
      await gotoApp(viewer, `${app.url}/streams/${streamId}`);
      const title = viewer.locator('[data-testid=viewer-page] h1');
      await eventually(async () =>
        (await title.textContent()) === 'Before the edit' ? true : undefined,
      );

      await studio.click('[data-testid=live-edit]');
      await studio.locator('[data-testid=stream-edit]').waitFor();
      expect(await studio.locator('[data-testid=edit-date]').count()).toBe(0);
      await studio.fill('[data-testid=edit-title]', 'After the edit');
      await studio.click('[data-testid=edit-category]');
      await studio.getByRole('option', { name: 'Macro' }).click();
      await studio.click('[data-testid=edit-save]');
      await studio.locator('[data-testid=stream-edit]').waitFor({ state: 'detached' });

      await eventually(async () =>
        (await title.textContent()) === 'After the edit' ? true : undefined,
      );
      // the category too, on the same open page
      const category = viewer.locator('[data-testid=viewer-category]');
      await eventually(async () =>
        (await category.textContent().catch(() => null)) === 'Macro' ? true : undefined,
      );
      const r = await gql(
        app.url,
        `query($id: ID!) { stream(id: $id) { title category { slug } } }`,
        {
          id: streamId,
        },
      );
      expect(r.data?.['stream']).toEqual({ title: 'After the edit', category: { slug: 'macro' } });
      await expect(studio.locator('[data-testid=studio-title]').textContent()).resolves.toBe(
        'After the edit',
      );
    } finally {
      if (token) await gql(app.url, END_STREAM, { id: streamId }, token);
    }
  }, 90_000);
});
