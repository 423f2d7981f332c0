#!/usr/bin/env node
// Glass-to-glass latency in Chromium: a publisher page paints the clock into its frames (canvas
// capture, 30 fps) and publishes through the SFU; a viewer page reads the clock back from every
// decoded frame. Needs Debian's chromium (CHROMIUM_PATH, default /usr/bin/chromium).
//   npm run bench:latency      (DURATION_MS=10000)
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { chmodSync, mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { chromium } from 'playwright-core';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const DURATION_MS = Number(process.env.DURATION_MS ?? 10_000);
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

const dataDir = mkdtempSync(join(tmpdir(), 'finserve-g2g-'));
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
    // Every load client comes from 127.0.0.1: lift the per-IP and per-user abuse limits.
    API_RATE_LIMIT_PER_MINUTE: '100000000',
    AUTH_RATE_LIMIT_PER_IP_PER_MINUTE: '100000',
    WS_MAX_CONNECTIONS_PER_IP: '1000000',
    MEDIA_HOST_ADDRESSES: '127.0.0.1',
    WEB_DIST_DIR: join(root, 'apps/api/test/browser-fixtures'),
  },
  stdio: ['ignore', 'inherit', 'inherit'],
});
const url = `http://127.0.0.1:${port}`;
try {
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${url}/health`)).ok) break;
    } catch {}
    if (i > 300) throw new Error('server did not start');
    await new Promise((r) => setTimeout(r, 200));
  }
  const { register } = await gql(
    url,
    'mutation($i: RegisterInput!) { register(input: $i) { accessToken } }',
    { i: { username: `g2g_${randomUUID().slice(0, 8)}`, password: 'bench-password-1' } },
  );
  const { createStream } = await gql(
    url,
    'mutation { createStream(input: { title: "latency" }) { id } }',
    {},
    register.accessToken,
  );
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--allow-loopback-in-peer-connection',
      '--autoplay-policy=no-user-gesture-required',
      '--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1',
      '--disable-features=WebRtcHideLocalIpsWithMdns',
    ],
  });
  const publisher = await browser.newPage();
  await publisher.goto(`${url}/media.html`);
  await publisher.evaluate(
    ([id, token]) => window.publishClock(id, token),
    [createStream.id, register.accessToken],
  );
  const viewer = await browser.newPage();
  await viewer.goto(`${url}/media.html`);
  await viewer.evaluate((id) => window.play(id), createStream.id);
  await new Promise((r) => setTimeout(r, 3000));
  const result = await viewer.evaluate((ms) => window.measureLatency(ms), DURATION_MS);
  console.log(
    `glass-to-glass (Chromium canvas 30 fps -> SFU -> Chromium, loopback): ${result.frames} frames, p50 ${result.p50} ms, p95 ${result.p95} ms, max ${result.max} ms`,
  );
  await browser.close();
} finally {
  server.kill('SIGTERM');
}
