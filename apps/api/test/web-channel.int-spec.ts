import type { Page } from 'playwright-core';

import { useBrowserApp } from './support/browser-app';
import { describeWithBrowser, gotoApp } from './support/chromium';
import {
  CREATE_STREAM,
  END_STREAM,
  eventually,
  gql,
  uniqueUsername,
} from './support/graphql-client';
import { SyntheticPublisher } from './support/webrtc-clients';

const describeBrowser = describeWithBrowser('the channel page browser tests');
const PASSWORD = 'correct horse battery';
const PUBLISH = `mutation($s: ID!, $sdp: String!) { publishStream(streamId: $s, sdp: $sdp) { sessionId sdp } }`;

describeBrowser('the channel page and profile settings in Chromium', () => {
  const app = useBrowserApp();
  const newPage = (): Promise<Page> => app.newPage({ timezoneId: 'America/New_York' });

  /** A new account, signed in on `page` through the sign-up form; its token from the API. */
  const signUp = async (page: Page, prefix: string, displayName: string) => {
    const username = uniqueUsername(prefix);
    await gotoApp(page, `${app.url}/signup`);
    await page.fill('input[name=username]', username);
    await page.fill('input[name=displayName]', displayName);
    await page.fill('input[name=password]', PASSWORD);
    await page.click('button[type=submit]');
    await page.waitForURL((url) => !url.pathname.startsWith('/signup'));
    const login = await gql(
      app.url,
      'mutation L($input: LoginInput!) { login(input: $input) { accessToken } }',
      { input: { username, password: PASSWORD } },
    );
    return { username, token: login.data?.['login'].accessToken as string };
  };

  /** A recorded past broadcast of the streamer: 3 s of synthetic video, ended, its replay READY. */
  const pastBroadcast = async (token: string, title: string): Promise<string> => {
    const created = await gql(app.url, CREATE_STREAM, { input: { title } }, token);
    const streamId = created.data?.['createStream'].id as string;
    const publisher = new SyntheticPublisher();
    try {
      const published = await gql(
        app.url,
        PUBLISH,
        { s: streamId, sdp: await publisher.offer() },
        token,
      );
      expect(published.errors).toBeUndefined();
      await publisher.answer(published.data?.['publishStream'].sdp as string);
      publisher.start();
      await new Promise((resolve) => setTimeout(resolve, 3000));
      await gql(app.url, END_STREAM, { id: streamId }, token);
    } finally {
      await publisher.close();
    }
    await eventually(
      async () => {
        const r = await gql(
          app.url,
          `query($id: ID!) { stream(id: $id) { recording { status } } }`,
          {
            id: streamId,
          },
        );
        return r.data?.['stream'].recording?.status === 'READY' ? true : undefined;
      },
      30_000,
      250,
    );
    return streamId;
  };

  it('edits the profile in settings; the channel shows bio, schedule in the viewer’s time zone and a past broadcast whose replay plays', async () => {
    const page = await newPage();
    const streamer = await signUp(page, 'chan', 'Chan Trader');

    // Settings: display name and bio.
    await gotoApp(page, `${app.url}/settings`);
    const name = page.locator('[data-testid=settings-display-name]');
    await eventually(async () => ((await name.inputValue()) === 'Chan Trader' ? true : undefined));
    await name.fill('Anne Macro');
    await page.fill('[data-testid=settings-bio]', 'Rates, FX and energy.\nLive from Paris.');
    await page.click('[data-testid=settings-save]');
    await page.getByText('Profile saved').waitFor();

    const pastId = await pastBroadcast(streamer.token, 'Opening bell recap');
    const at = new Date(Date.UTC(2031, 0, 15, 14, 30));
    const scheduled = await gql(
      app.url,
      CREATE_STREAM,
      { input: { title: 'ECB decision', scheduledFor: at.toISOString() } },
      streamer.token,
    );
    const scheduledId = scheduled.data?.['createStream'].id as string;

    // The channel, at its address in another letter case.
    await gotoApp(page, `${app.url}/c/${streamer.username.toUpperCase()}`);
    await page.locator('[data-testid=channel-page]').waitFor();
    await expect(page.locator('[data-testid=channel-name]').textContent()).resolves.toBe(
      'Anne Macro',
    );
    await expect(page.locator('[data-testid=channel-bio]').textContent()).resolves.toBe(
      'Rates, FX and energy.\nLive from Paris.',
    );
    await page.locator('[data-testid=channel-offline]').waitFor();
    await page.locator('[data-testid=channel-actions]').waitFor({ state: 'attached' });

    // The schedule, in the viewer's time zone (New York: 14:30 UTC is 09:30 EST).
    const item = page.locator(`[data-testid=channel-scheduled][data-stream-id="${scheduledId}"]`);
    await expect(item.textContent()).resolves.toMatch(/ECB decision/);
    await expect(item.textContent()).resolves.toMatch(/09:30\s*AM\s*EST/);

    // A past broadcast leads to its replay, which plays.
    const past = page.locator(
      `[data-testid=channel-past] [data-testid=replay-card][data-stream-id="${pastId}"]`,
    );
    await expect(past.textContent()).resolves.toContain('Opening bell recap');
    await past.click();
    await page.waitForURL(`**/streams/${pastId}`);
    const video = page.locator('[data-testid=replay-video]');
    await video.waitFor({ timeout: 15_000 });
    const played = await video.evaluate(async (element) => {
      const v = element as HTMLVideoElement;
      v.muted = true;
      await v.play();
      await new Promise<void>((resolve) => {
        const check = () => (v.currentTime > 0.5 ? resolve() : setTimeout(check, 100));
        check();
      });
      return { duration: v.duration, currentTime: v.currentTime };
    });
    expect(played.duration).toBeGreaterThan(1);
    expect(played.currentTime).toBeGreaterThan(0.5);

    // The streamer's name on the viewer page leads back to the channel.
    await page
      .locator(`[data-testid=channel-link][data-username="${streamer.username}"]`)
      .first()
      .click();
    await page.waitForURL(`**/c/${streamer.username}`);
    await page.locator('[data-testid=channel-page]').waitFor();
  }, 120_000);

  it('shows the live player on the channel of a streamer who is LIVE, and a notice for an unknown channel', async () => {
    const page = await newPage();
    const streamer = await signUp(page, 'live', 'Live Trader');
    const created = await gql(
      app.url,
      CREATE_STREAM,
      { input: { title: 'Open now', categorySlug: 'crypto' } },
      streamer.token,
    );
    const streamId = created.data?.['createStream'].id as string;
    try {
      await gotoApp(page, `${app.url}/c/${streamer.username}`);
      const live = page.locator('[data-testid=channel-live]');
      await live.waitFor();
      await live.locator('[data-testid=player]').waitFor();
      await expect(live.textContent()).resolves.toContain('Open now');
      await expect(live.textContent()).resolves.toContain('Crypto');
      expect(await page.locator('[data-testid=channel-offline]').count()).toBe(0);
    } finally {
      await gql(app.url, END_STREAM, { id: streamId }, streamer.token);
    }
    await gotoApp(page, `${app.url}/c/nobody_${Date.now()}`);
    await page.locator('[data-testid=channel-missing]').waitFor();
  }, 60_000);
});
