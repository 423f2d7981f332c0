#!/usr/bin/env node
// How long the web app takes to play again when the server drops a media session: a streamer
// live from the studio (Chromium's fake camera), a viewer page; the server closes the viewer's
// session ROUNDS times, then the publisher's ROUNDS times; each time, the time from the close to
// the viewer page's first new frame (requestVideoFrameCallback), same page, no reload.
// Needs Debian's chromium (CHROMIUM_PATH, default /usr/bin/chromium) and the built API and web app.
//   npm run bench:recovery      (ROUNDS=10)
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { chmodSync, mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { chromium } from 'playwright-core';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const ROUNDS = Number(process.env.ROUNDS ?? 10);
const CLOSE = 'mutation($id: ID!) { closeMediaSession(sessionId: $id) }';
const freePort = () =>
  new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

async function gql(url, query, variables = {}, token) {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify({ query, variables }),
  });
  const body = await response.json();
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

/** The sessionId of every `field` answer the page receives, in order. */
function recordSessions(page, field) {
  const sessions = [];
  page.on('response', (response) => {
    if (!response.url().endsWith('/graphql') || !response.request().postData()?.includes(field))
      return;
    response
      .json()
      .then((body) => body.data?.[field]?.sessionId && sessions.push(body.data[field].sessionId))
      .catch(() => undefined);
  });
  return sessions;
}

async function until(check, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`${what}: not within ${timeoutMs} ms`);
}

const summary = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return `n ${sorted.length}, p50 ${at(0.5)} ms, p95 ${at(0.95)} ms, max ${sorted.at(-1)} ms`;
};

const dataDir = mkdtempSync(join(tmpdir(), 'finserve-recovery-'));
chmodSync(dataDir, 0o755);
const port = await freePort();
const server = spawn(process.execPath, [join(root, 'dist/apps/api/main.js')], {
  env: {
    ...process.env,
    NODE_ENV: 'production',
    JWT_SECRET: randomUUID() + randomUUID(),
    PORT: String(port),
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    EMBEDDED_PG_PORT: String(await freePort()),
    LOG_LEVEL: 'warn',
    SEED_DEMO: 'false',
    API_RATE_LIMIT_PER_MINUTE: '100000000',
    AUTH_RATE_LIMIT_PER_IP_PER_MINUTE: '100000',
    WS_MAX_CONNECTIONS_PER_IP: '1000000',
    MEDIA_HOST_ADDRESSES: '127.0.0.1',
    MEDIA_ALLOW_LOOPBACK_CANDIDATES: 'true',
    WEB_DIST_DIR: join(root, 'dist/apps/web/browser'),
  },
  stdio: ['ignore', 'inherit', 'inherit'],
});
const url = `http://127.0.0.1:${port}`;
let browser;
try {
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${url}/health`)).ok) break;
    } catch {}
    if (i > 300) throw new Error('server did not start');
    await new Promise((r) => setTimeout(r, 200));
  }
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
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
      '--disable-background-timer-throttling',
      '--disable-renderer-backgrounding',
      '--disable-backgrounding-occluded-windows',
      '--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1',
      '--disable-features=WebRtcHideLocalIpsWithMdns',
    ],
  });

  // The streamer signs up and goes live from the studio.
  const studio = await (await browser.newContext({ locale: 'en-US' })).newPage();
  const published = recordSessions(studio, 'publishStream');
  const username = `rec_${randomUUID().slice(0, 8)}`;
  const password = 'bench-password-1';
  await studio.goto(`${url}/signup`);
  await studio.fill('input[name=username]', username);
  await studio.fill('input[name=displayName]', 'Recovery');
  await studio.fill('input[name=password]', password);
  await studio.click('button[type=submit]');
  await studio.waitForURL((u) => !u.pathname.startsWith('/signup'));
  const { login } = await gql(
    url,
    'mutation($i: LoginInput!) { login(input: $i) { accessToken } }',
    { i: { username, password } },
  );
  await studio.goto(`${url}/studio`);
  await studio.fill('[data-testid=stream-title]', 'Recovery bench');
  const goLive = studio.locator('[data-testid=go-live]');
  await until(() => goLive.isEnabled(), 15_000, 'Go live enabled');
  await goLive.click();
  await studio.locator('[data-testid=health][data-connection=connected]').waitFor();
  const href = await studio.getByRole('link', { name: 'Open viewer page' }).getAttribute('href');
  const streamId = href.split('/').pop();

  const viewer = await (await browser.newContext({ locale: 'en-US' })).newPage();
  const played = recordSessions(viewer, 'playStream');
  await viewer.goto(`${url}/streams/${streamId}`);
  await viewer.locator('[data-testid=player][data-state=playing]').waitFor({ timeout: 20_000 });
  await viewer.evaluate(() => {
    window.__frames = 0;
    window.__marker = 'no reload';
    const video = document.querySelector('[data-testid=live-video]');
    const count = () => {
      window.__frames++;
      video.requestVideoFrameCallback(count);
    };
    video.requestVideoFrameCallback(count);
  });
  const frames = () => viewer.evaluate(() => window.__frames);

  /** Closes `sessions`' last one; ms until a new one is open and the viewer presents new frames. */
  const round = async (sessions, token) => {
    const count = sessions.length;
    const since = Date.now();
    await gql(url, CLOSE, { id: sessions.at(-1) }, token);
    await until(() => sessions.length > count, 30_000, 'a new session');
    const before = await frames();
    await until(async () => (await frames()) > before, 30_000, 'new frames');
    const ms = Date.now() - since;
    // Let it settle (playing again) before the next drop.
    await new Promise((r) => setTimeout(r, 1_000));
    return ms;
  };
  const viewerMs = [];
  for (let i = 0; i < ROUNDS; i++) viewerMs.push(await round(played, undefined));
  const publisherMs = [];
  for (let i = 0; i < ROUNDS; i++) publisherMs.push(await round(published, login.accessToken));
  if ((await viewer.evaluate(() => window.__marker)) !== 'no reload') throw new Error('reloaded');
  console.log(`viewer session dropped -> frames again: ${summary(viewerMs)}`);
  console.log(`publisher session dropped -> viewer frames again: ${summary(publisherMs)}`);
} finally {
  await browser?.close();
  server.kill('SIGTERM');
}
