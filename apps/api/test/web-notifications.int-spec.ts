import type { Browser, BrowserContext, Page, WebSocketRoute } from 'playwright-core';

import type { RunningApp } from '../src/bootstrap';
import { describeWithBrowser, gotoApp, launchChromium, WEB_DIST } from './support/chromium';
import {
  CREATE_STREAM,
  END_STREAM,
  eventually,
  gql,
  LOGIN,
  registerUser,
  uniqueUsername,
} from './support/graphql-client';
import { startTestApp } from './support/test-app';

// Going live from Chromium's fake camera on a loaded machine: one more try, as the other
// browser media tests.
jest.retryTimes(1, { logErrorsBeforeRetry: true });

const describeBrowser = describeWithBrowser('the notifications browser test');
const PASSWORD = 'correct horse battery';

describeBrowser('follows and notifications in the web app (issue 19)', () => {
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
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    contexts.push(context);
    return context.newPage();
  };

  /** A new account, signed in on `page` through the sign-up form; returns its API token too. */
  const signUp = async (page: Page, prefix: string) => {
    const username = uniqueUsername(prefix);
    await gotoApp(page, `${running.url}/signup`);
    await page.fill('input[name=username]', username);
    await page.fill('input[name=displayName]', `${prefix} ${username.slice(-4)}`);
    await page.fill('input[name=password]', PASSWORD);
    await page.click('button[type=submit]');
    await page.waitForURL((url) => !url.pathname.startsWith('/signup'));
    const login = await gql<{ login: { accessToken: string } }>(running.url, LOGIN, {
      input: { username, password: PASSWORD },
    });
    return {
      username,
      displayName: `${prefix} ${username.slice(-4)}`,
      token: login.data?.login.accessToken as string,
    };
  };

  it('A follows B on B’s channel page; B goes live from the studio; A sees a toast and the bell’s count, and the bell leads to the stream', async () => {
    const studio = await newPage();
    const b = await signUp(studio, 'trader');
    // B's earlier broadcast: B's channel lists it.
    const earlier = await gql<{ createStream: { id: string } }>(
      running.url,
      CREATE_STREAM,
      { input: { title: 'Yesterday’s session' } },
      b.token,
    );
    const earlierId = earlier.data?.createStream.id as string;
    await gql(running.url, END_STREAM, { id: earlierId }, b.token);

    const viewer = await newPage();
    await signUp(viewer, 'fan');
    await gotoApp(viewer, `${running.url}/c/${b.username}`);
    await viewer.locator(`[href="/streams/${earlierId}"]`).first().waitFor();
    const follow = viewer.locator('[data-testid=channel-actions] [data-testid=follow-button]');
    await follow.waitFor();
    expect(await viewer.locator('[data-testid=follower-count]').getAttribute('data-count')).toBe(
      '0',
    );
    expect((await follow.textContent())?.trim()).toContain('Follow');
    await follow.click();
    await viewer.locator('[data-testid=follow-button][data-following=true]').waitFor();
    await viewer.locator('[data-testid=follower-count][data-count="1"]').waitFor();
    expect((await follow.textContent())?.trim()).toContain('Following');
    const bell = viewer.locator('[data-testid=notification-bell]');
    expect(await bell.getAttribute('data-unread')).toBe('0');

    // B goes live from the studio.
    await gotoApp(studio, `${running.url}/studio`);
    await studio.fill('[data-testid=stream-title]', 'EUR/USD London open');
    const goLive = studio.locator('[data-testid=go-live]');
    await eventually(async () => ((await goLive.isEnabled()) ? true : undefined), 15_000);
    await goLive.click();

    // A's open page: the toast and the bell's count within 3 s.
    const toast = viewer.locator('mat-snack-bar-container');
    await toast.waitFor({ timeout: 3_000 });
    expect(await toast.textContent()).toContain(`${b.displayName} is live: EUR/USD London open`);
    await viewer
      .locator('[data-testid=notification-bell][data-unread="1"]')
      .waitFor({ timeout: 3_000 });

    const streamId = await eventually(async () => {
      const href = await studio
        .getByRole('link', { name: 'Open viewer page' })
        .getAttribute('href');
      return href?.split('/').pop() || undefined;
    }, 20_000);

    // The bell lists it (and, seen, it is read); it leads to the stream.
    await bell.click();
    const item = viewer.locator('[data-testid=notification-item][data-type=STREAM_LIVE]');
    await item.waitFor();
    expect(await item.textContent()).toContain('EUR/USD London open');
    await viewer.locator('[data-testid=notification-bell][data-unread="0"]').waitFor();
    await item.click();
    await viewer.waitForURL(`${running.url}/streams/${streamId}`);
    await viewer.locator('h1', { hasText: 'EUR/USD London open' }).waitFor();

    // The home page's Following section shows B live.
    await gotoApp(viewer, `${running.url}/`);
    const live = viewer.locator('[data-testid=following-live]');
    await live.waitFor();
    expect(await live.textContent()).toContain(b.displayName);
  });

  it('the bell catches up on a notification that came while the page’s socket was down', async () => {
    const page = await newPage();
    const host = await signUp(page, 'host');
    const me = await gql<{ me: { id: string } }>(
      running.url,
      'query { me { id } }',
      {},
      host.token,
    );
    const hostId = me.data?.me.id as string;

    // The page's graphql-ws socket goes through the test, which drops it and refuses new ones
    // while "down" (Chromium's offline mode leaves open WebSockets alone).
    let down = false;
    const open: { page: WebSocketRoute; server: WebSocketRoute }[] = [];
    let reconnects = 0;
    await page.routeWebSocket(/\/graphql$/, (socket) => {
      if (down) {
        void socket.close({ code: 1001, reason: 'test: network down' });
        return;
      }
      reconnects++;
      open.push({ page: socket, server: socket.connectToServer() });
    });
    // Routing applies to sockets opened from now on: reload, so the page's socket is routed.
    await gotoApp(page, `${running.url}/`);
    await page.locator('[data-testid=notification-bell][data-unread="0"]').waitFor();
    expect(open.length).toBeGreaterThan(0);
    down = true;
    for (const socket of open.splice(0)) {
      await socket.server.close();
      await socket.page.close({ code: 1001, reason: 'test: network down' });
    }
    const before = reconnects;
    const fan = await registerUser(running.url, 'latefan');
    const followed = await gql(
      running.url,
      'mutation($u: ID!) { follow(userId: $u) { id } }',
      { u: hostId },
      fan.token,
    );
    expect(followed.errors).toBeUndefined();
    // The server has it; the page, cut off, has not.
    await eventually(async () => {
      const count = await gql<{ unreadNotificationCount: number }>(
        running.url,
        'query { unreadNotificationCount }',
        {},
        host.token,
      );
      return count.data?.unreadNotificationCount === 1 ? true : undefined;
    }, 10_000);
    expect(await page.locator('[data-testid=notification-bell]').getAttribute('data-unread')).toBe(
      '0',
    );

    // Back online: the socket reconnects (with backoff) and the bell reads what it missed.
    down = false;
    await page
      .locator('[data-testid=notification-bell][data-unread="1"]')
      .waitFor({ timeout: 30_000 });
    expect(reconnects).toBeGreaterThan(before);
    await page.locator('[data-testid=notification-bell]').click();
    const item = page.locator('[data-testid=notification-item][data-type=NEW_FOLLOWER]');
    await item.waitFor();
  }, 90_000);

  it('the app’s service worker shows a pushed go-live with the stream’s title and keeps where it leads', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    contexts.push(context);
    await context.grantPermissions(['notifications'], { origin: running.url });
    const page = await context.newPage();
    await gotoApp(page, `${running.url}/`);
    const cdp = await context.newCDPSession(page);
    const registrations = new Map<string, string>();
    cdp.on('ServiceWorker.workerRegistrationUpdated', ({ registrations: updated }) => {
      for (const r of updated as { registrationId: string; scopeURL: string }[])
        registrations.set(r.scopeURL, r.registrationId);
    });
    await cdp.send('ServiceWorker.enable');
    // The worker the web app registers after a follow (served from the app's build).
    await page.evaluate(async () => {
      await navigator.serviceWorker.register('/push-sw.js');
      await navigator.serviceWorker.ready;
    });
    const registrationId = await eventually(() => registrations.get(`${running.url}/`));
    const payload = {
      type: 'STREAM_LIVE',
      title: 'Gold breakout',
      streamer: 'Ada',
      streamId: '5b1c5f3e-0000-4000-8000-000000000001',
      url: '/streams/5b1c5f3e-0000-4000-8000-000000000001',
    };
    await cdp.send('ServiceWorker.deliverPushMessage', {
      origin: running.url,
      registrationId,
      data: JSON.stringify(payload),
    });
    const shown = await eventually(async () => {
      const list = await page.evaluate(async () =>
        (await (await navigator.serviceWorker.ready).getNotifications()).map((n) => ({
          title: n.title,
          body: n.body,
          tag: n.tag,
          data: n.data as unknown,
        })),
      );
      return list.length > 0 ? list : undefined;
    });
    expect(shown).toEqual([
      {
        title: 'Ada is live',
        body: 'Gold breakout',
        tag: payload.streamId,
        data: { url: payload.url },
      },
    ]);
  });
});
