import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

import type { Browser, BrowserContext, Page } from 'playwright-core';

import type { RunningApp } from '../src/bootstrap';
import { describeWithBrowser, gotoApp, launchChromium, WEB_DIST } from './support/chromium';
import {
  CREATE_STREAM,
  gql,
  liveStream,
  loginAdmin,
  REGISTER,
  uniqueUsername,
} from './support/graphql-client';
import { startTestApp } from './support/test-app';

const describeBrowser = describeWithBrowser('the web app i18n browser tests');
const SCREENSHOTS = join(__dirname, '..', '..', '..', 'dist', 'screenshots');
const PASSWORD = 'correct horse battery';
const CREDIT_WALLET = `mutation($input: CreditWalletInput!) { creditWallet(input: $input) { balanceCents } }`;

/** Intl separates with (narrow) no-break spaces: compare with single plain ones. */
const plain = (text: string | null) => (text ?? '').replace(/\s+/g, ' ').trim();

describeBrowser('the web app in French and English (one build, language from the browser)', () => {
  let running: RunningApp;
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    if (!existsSync(join(WEB_DIST, 'index.html'))) {
      throw new Error(`no web build at ${WEB_DIST}: run \`npx nx run web:build\` (npm test does)`);
    }
    mkdirSync(SCREENSHOTS, { recursive: true });
    running = await startTestApp({ WEB_DIST_DIR: WEB_DIST });
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => undefined);
    await browser?.close();
    await running?.close();
  }, 60_000);

  /** A fresh profile whose browser prefers `locale` (navigator.languages, Accept-Language). */
  const newPage = async (locale: string): Promise<Page> => {
    const context = await browser.newContext({ locale, viewport: { width: 1280, height: 900 } });
    contexts.push(context);
    return context.newPage();
  };

  /** A user with $50.00 in the wallet. */
  const userWithMoney = async (prefix: string) => {
    const username = uniqueUsername(prefix);
    const registered = await gql(running.url, REGISTER, {
      input: { username, password: PASSWORD, displayName: `${prefix} trader` },
    });
    const id = registered.data?.['register'].user.id as string;
    const admin = await loginAdmin(running.url);
    const credited = await gql(
      running.url,
      CREDIT_WALLET,
      { input: { userId: id, amountCents: 5000, reference: `i18n-${id}` } },
      admin,
    );
    expect(credited.data?.['creditWallet'].balanceCents).toBe(5000);
    return { username, id };
  };

  /** The view at 1280 px and at 375 px, written to dist/screenshots/<name>-<width>.png. */
  const screenshots = async (page: Page, name: string) => {
    for (const width of [1280, 375]) {
      await page.setViewportSize({ width, height: 900 });
      await page.waitForTimeout(300);
      await page.screenshot({ path: join(SCREENSHOTS, `${name}-${width}.png`), fullPage: true });
    }
    await page.setViewportSize({ width: 1280, height: 900 });
  };

  /** The page's width at 375 px (more than 375: something overflows sideways on a phone). */
  const phoneOverflow = async (page: Page) => {
    await page.setViewportSize({ width: 375, height: 800 });
    await page.waitForTimeout(300);
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    await page.setViewportSize({ width: 1280, height: 900 });
    return width;
  };

  const signIn = async (page: Page, username: string, password = PASSWORD) => {
    await gotoApp(page, `${running.url}/signin`);
    await page.fill('input[name=username]', username);
    await page.fill('input[name=password]', password);
    await page.click('button[type=submit]');
  };

  it('speaks French to a French browser: texts, errors, money and dates in the French way', async () => {
    const streamer = await userWithMoney('planner');
    // Soon (Upcoming lists the soonest first), on a whole minute.
    const at = new Date(Math.ceil((Date.now() + 3 * 60_000) / 60_000) * 60_000);
    const scheduledFor = at.toISOString();
    const token = (
      await gql(running.url, `mutation($i: LoginInput!) { login(input: $i) { accessToken } }`, {
        i: { username: streamer.username, password: PASSWORD },
      })
    ).data?.['login'].accessToken as string;
    const scheduled = await gql(
      running.url,
      CREATE_STREAM,
      { input: { title: 'Perspectives de la semaine', scheduledFor } },
      token,
    );
    const scheduledId = scheduled.data?.['createStream'].id as string;
    const { streamId } = await liveStream(running.url, 'Ouverture du marché');
    const viewer = await userWithMoney('viewer');

    const page = await newPage('fr-FR');
    await gotoApp(page, `${running.url}/`);
    await page.getByRole('heading', { name: 'En direct', exact: true }).waitFor();
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('fr');
    await page.getByRole('heading', { name: 'À venir' }).waitFor();
    await page.getByRole('link', { name: 'Se connecter' }).waitFor();
    await expect(page.getByRole('link', { name: 'Directs' }).count()).resolves.toBe(1);
    // The longer French words still fit a phone, signed out and (below) signed in.
    expect(await phoneOverflow(page)).toBeLessThanOrEqual(375);

    // A scheduled time: French day and month, 24-hour clock, with its time zone.
    const when = page.locator(
      `[data-upcoming-id="${scheduledId}"] time[data-testid=upcoming-when]`,
    );
    const french = new Intl.DateTimeFormat('fr', {
      weekday: 'short',
      day: 'numeric',
      month: 'short',
      hour: '2-digit',
      minute: '2-digit',
      timeZoneName: 'short',
      timeZone: 'UTC',
    }).format(at);
    expect(plain(await when.textContent())).toBe(plain(french));
    expect(plain(await when.textContent())).toMatch(
      /^(lun|mar|mer|jeu|ven|sam|dim)\. \d{1,2} .+ \d{2}:\d{2} UTC$/,
    );

    // A refused sign-in is explained in French, from the error's code.
    await signIn(page, viewer.username, 'not the password');
    await expect(page.locator('h1').textContent()).resolves.toContain('Connexion');
    await expect(page.getByRole('alert').textContent()).resolves.toContain(
      "Nom d'utilisateur ou mot de passe incorrect.",
    );

    // Signed in: the tip dialog shows the balance as French money, in its currency (USD).
    await page.fill('input[name=password]', PASSWORD);
    await page.click('button[type=submit]');
    await page.waitForURL(`${running.url}/`);
    await gotoApp(page, `${running.url}/streams/${streamId}`);
    await page.getByRole('button', { name: 'Envoyer un pourboire' }).click();
    const balance = page.locator('[data-testid=tip-balance][data-cents="5000"]');
    await balance.waitFor();
    expect(plain(await balance.textContent())).toBe('Solde : 50,00 $US');
    await expect(page.locator('[data-testid=tip-preset-10]').textContent()).resolves.toMatch(
      /10,00\s\$US/,
    );
    await page.click('[data-testid=tip-send]');
    await page.locator('[data-testid=tip-success]').waitFor();
    expect(plain(await page.locator('[data-testid=tip-success]').textContent())).toContain(
      'Vous avez envoyé 10,00 $US. Merci !',
    );
    await screenshots(page, 'fr-tip-dialog');
    await page.keyboard.press('Escape');
    // The chat's TIP line: the display name, then the French sentence with the amount.
    const tipLine = page.locator('[data-testid=chat-message].tip');
    await tipLine.waitFor();
    await expect(tipLine.locator('.author').textContent()).resolves.toBe('viewer trader');
    expect(plain(await tipLine.locator('[data-testid=chat-body]').textContent())).toBe(
      'a envoyé un pourboire de 10,00 $US',
    );
    await screenshots(page, 'fr-viewer');
    await gotoApp(page, `${running.url}/`);
    await page.getByRole('heading', { name: 'À venir' }).waitFor();
    await screenshots(page, 'fr-stream-list');
    expect(await phoneOverflow(page)).toBeLessThanOrEqual(375);
  }, 90_000);

  it('speaks English to an English browser', async () => {
    const viewer = await userWithMoney('english');
    const { streamId } = await liveStream(running.url, 'Opening bell');
    const page = await newPage('en-US');
    await gotoApp(page, `${running.url}/`);
    await page.getByRole('heading', { name: 'Live now' }).waitFor();
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('en');
    await page.getByRole('heading', { name: 'Upcoming' }).waitFor();
    expect(await phoneOverflow(page)).toBeLessThanOrEqual(375);

    await signIn(page, viewer.username, 'not the password');
    await expect(page.getByRole('alert').textContent()).resolves.toContain(
      'Wrong username or password.',
    );
    await page.fill('input[name=password]', PASSWORD);
    await page.click('button[type=submit]');
    await page.waitForURL(`${running.url}/`);
    await gotoApp(page, `${running.url}/streams/${streamId}`);
    await page.getByRole('button', { name: 'Send tip' }).click();
    const balance = page.locator('[data-testid=tip-balance][data-cents="5000"]');
    await balance.waitFor();
    expect(plain(await balance.textContent())).toBe('Balance: $50.00');
  }, 60_000);

  it('switches language from the menu and keeps the choice across reloads', async () => {
    const page = await newPage('en-US');
    await gotoApp(page, `${running.url}/`);
    await page.getByRole('heading', { name: 'Live now' }).waitFor();

    await page.click('[data-testid=language-menu]');
    await Promise.all([page.waitForEvent('load'), page.click('[data-testid=language-fr]')]);
    await page.getByRole('heading', { name: 'En direct', exact: true }).waitFor();
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('fr');

    await page.reload({ waitUntil: 'domcontentloaded' });
    await page.getByRole('heading', { name: 'En direct', exact: true }).waitFor();
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('fr');
    await page.getByRole('link', { name: 'Se connecter' }).waitFor();

    // And back: the browser's English is the default again only once chosen.
    await page.click('[data-testid=language-menu]');
    await Promise.all([page.waitForEvent('load'), page.click('[data-testid=language-en]')]);
    await page.getByRole('heading', { name: 'Live now' }).waitFor();
    await page.reload({ waitUntil: 'domcontentloaded' });
    await page.getByRole('heading', { name: 'Live now' }).waitFor();
  }, 60_000);
});
