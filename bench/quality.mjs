#!/usr/bin/env node
// bench:quality: picture quality per viewer link. A Chromium publisher sends its fake camera at
// 1280x720 in three simulcast layers (q/h/f: 1/4, 1/2, full; 150k/600k/2.5M) through the SFU;
// viewers, each in its own Chromium process, play with playStream(quality: AUTO):
//   clean             on loopback, never impaired
//   limited 500 kbps  in a test host (network namespace), downlink limited to 500 kbit/s
//   loss 5 %          in a test host dropping 5 % of the packets it receives
// All viewers play WARMUP_S seconds unimpaired, then the impairments hold for IMPAIR_S seconds and
// are lifted; the bench watches RECOVER_S seconds more. One row per viewer: time to the top layer
// (first decoded frame >= 700 px high), mean video kbit/s and fps received while impaired, the
// lowest height decoded while impaired, time to climb back to >= 700 px after the lift, freezes
// (> 2 s without a newly decoded frame: count, longest).
// Needs root, iproute2 and nftables (apps/api/test/support/netns.ts) and Debian's chromium.
//   npm run bench:quality      (WARMUP_S=12 IMPAIR_S=20 RECOVER_S=25 CAMERA=clip|builtin)
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { chmodSync, mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { chromium } from 'playwright-core';

// The one implementation of the test hosts, TypeScript run directly (Node strips the types).
import { createTestHost, testHostsUnavailable } from '../apps/api/test/support/netns.ts';
import { detailedCameraClip } from '../apps/api/test/support/test-video.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const WARMUP_S = Number(process.env.WARMUP_S ?? 12);
const IMPAIR_S = Number(process.env.IMPAIR_S ?? 20);
const RECOVER_S = Number(process.env.RECOVER_S ?? 25);
// The publisher's camera: 'clip', a detailed moving Y4M clip that needs every bit of the top
// layer (apps/api/test/support/test-video.ts), or 'builtin', Chromium's own fake camera, whose
// flat picture compresses to a few hundred kbit/s.
const CAMERA = process.env.CAMERA ?? 'clip';
const TOP_HEIGHT = 700;
const FREEZE_MS = 2000;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
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

/** Chromium with the fake camera, reaching only 127.0.0.1 and `reach` (no name resolution). */
function launch(executablePath, reach = [], extraArgs = []) {
  const excluded = ['127.0.0.1', ...reach].map((address) => `EXCLUDE ${address}`).join(' , ');
  return chromium.launch({
    executablePath,
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
      `--host-resolver-rules=MAP * ~NOTFOUND , ${excluded}`,
      '--disable-features=WebRtcHideLocalIpsWithMdns',
      ...extraArgs,
    ],
  });
}

/** The API as production runs it, on a fresh embedded database, listening on every interface. */
async function startServer() {
  const dataDir = mkdtempSync(join(tmpdir(), 'finserve-quality-'));
  chmodSync(dataDir, 0o755);
  const env = { ...process.env };
  delete env.DATABASE_URL; // a fresh embedded database in DATA_DIR, never a shared one
  const server = spawn(process.execPath, [join(root, 'dist/apps/api/main.js')], {
    env: {
      ...env,
      NODE_ENV: 'production',
      JWT_SECRET: randomUUID() + randomUUID(),
      PORT: '0',
      // All interfaces: the viewers in the namespaces reach the API at their hostAddress.
      HOST: '0.0.0.0',
      DATA_DIR: dataDir,
      EMBEDDED_PG_PORT: String(await freePort()),
      LOG_LEVEL: 'warn',
      LOG_FORMAT: 'json',
      SEED_DEMO: 'false',
      API_RATE_LIMIT_PER_MINUTE: '100000000',
      AUTH_RATE_LIMIT_PER_IP_PER_MINUTE: '100000',
      WS_MAX_CONNECTIONS_PER_IP: '1000000',
      // The publisher and clean viewer are on loopback, the others on 10.213.x.y (private).
      MEDIA_HOST_ADDRESSES: '127.0.0.1',
      MEDIA_ALLOW_LOOPBACK_CANDIDATES: 'true',
      MEDIA_ALLOW_PRIVATE_CANDIDATES: 'true',
      WEB_DIST_DIR: join(root, 'bench/quality-fixture'),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  // The start-up summary (a JSON log line) names the port the server took.
  const port = await new Promise((resolve, reject) => {
    let output = '';
    const onData = (chunk) => {
      output += chunk;
      const match = /App: http:\/\/[^:/]+:(\d+)\//.exec(output);
      if (match) {
        server.stdout.off('data', onData);
        // From here on only errors (level >= 50) are worth showing next to the table.
        server.stdout.on('data', (more) => {
          for (const line of String(more).split('\n')) {
            if (/"level":(5|6)\d/.test(line)) process.stderr.write(`${line}\n`);
          }
        });
        resolve(Number(match[1]));
      }
    };
    server.stdout.on('data', onData);
    server.once('exit', (code) => reject(new Error(`the API exited (${code}) before starting`)));
  });
  return { server, port };
}

/** The viewer's figures from its samples; `impairFrom`/`liftAt` in wall-clock ms. */
function summarize(samples, startedAt, impairFrom, liftAt) {
  const top = samples.find((s) => s.height >= TOP_HEIGHT);
  const impaired = samples.filter((s) => s.t >= impairFrom && s.t <= liftAt);
  const first = impaired[0];
  const last = impaired.at(-1);
  const seconds = first && last ? (last.t - first.t) / 1000 : 0;
  const back = samples.find((s) => s.t > liftAt && s.height >= TOP_HEIGHT);
  const heights = impaired.map((s) => s.height).filter((h) => h > 0);
  let freezes = 0;
  let longest = 0;
  let lastNew = samples.find((s) => s.frames > 0);
  // Gaps between newly decoded frames; the tail after the last one is the run's end (the
  // publisher leaves first), not a freeze.
  for (let i = 1; lastNew && i < samples.length; i++) {
    const sample = samples[i];
    if (sample.frames > samples[i - 1].frames) {
      const gap = sample.t - lastNew.t;
      if (gap > FREEZE_MS) {
        freezes++;
        longest = Math.max(longest, gap);
      }
      lastNew = sample;
    }
  }
  return {
    toTop: top ? (top.t - startedAt) / 1000 : undefined,
    kbps: seconds > 0 ? ((last.bytes - first.bytes) * 8) / 1000 / seconds : undefined,
    fps: seconds > 0 ? (last.frames - first.frames) / seconds : undefined,
    lowest: heights.length > 0 ? Math.min(...heights) : undefined,
    climb: back ? (back.t - liftAt) / 1000 : undefined,
    freezes,
    longest,
  };
}

/** Per publisher layer, from the start of playback on: means, the target's range, limitations. */
function summarizeSent(sent, from) {
  const byRid = Map.groupBy(
    sent.filter((s) => s.t >= from),
    (s) => s.rid,
  );
  const order = (rid) => ['q', 'h', 'f'].indexOf(rid);
  return [...byRid]
    .sort(([a], [b]) => order(a) - order(b))
    .map(([rid, samples]) => {
      const first = samples[0];
      const last = samples.at(-1);
      const seconds = Math.max((last.t - first.t) / 1000, 0.001);
      const targets = samples.map((s) => s.targetKbps);
      return {
        rid,
        height: Math.max(...samples.map((s) => s.height)),
        pausedAtEnd: last.targetKbps === 0,
        kbps: ((last.bytes - first.bytes) * 8) / 1000 / seconds,
        fps: (last.frames - first.frames) / seconds,
        cameraFps: samples.reduce((sum, s) => sum + s.cameraFps, 0) / samples.length,
        targetMin: Math.min(...targets),
        targetMax: Math.max(...targets),
        limitations: [...new Set(samples.map((s) => s.limitation))].join('/'),
      };
    });
}

const fixed = (value, digits = 1) => (value === undefined ? '-' : value.toFixed(digits));

async function main() {
  const missing = testHostsUnavailable();
  if (missing) throw new Error(`bench:quality needs network namespaces: ${missing}`);
  const cleanup = [];
  try {
    // The test hosts exist before the server starts, so every peer connection the SFU makes
    // gathers their host-side addresses as candidates.
    const limited = await createTestHost('limited');
    cleanup.push(() => limited.destroy());
    const lossy = await createTestHost('lossy');
    cleanup.push(() => lossy.destroy());

    const { server, port } = await startServer();
    cleanup.push(async () => {
      server.kill('SIGTERM');
      await new Promise((r) => (server.exitCode === null ? server.once('exit', r) : r()));
    });
    const url = `http://127.0.0.1:${port}`;

    // Adaptive layers are asked for only where the server knows the argument (not yet on main).
    const { __type } = await gql(
      url,
      '{ __type(name: "Mutation") { fields { name args { name } } } }',
    );
    const auto = __type.fields
      .find((f) => f.name === 'playStream')
      .args.some((a) => a.name === 'quality');

    const { register } = await gql(
      url,
      'mutation($i: RegisterInput!) { register(input: $i) { accessToken } }',
      { i: { username: `q_${randomUUID().slice(0, 8)}`, password: 'bench-password-1' } },
    );
    const { createStream } = await gql(
      url,
      'mutation { createStream(input: { title: "quality bench" }) { id } }',
      {},
      register.accessToken,
    );

    const publisherBrowser = await launch(
      CHROMIUM,
      [],
      CAMERA === 'clip' ? [`--use-file-for-fake-video-capture=${await detailedCameraClip()}`] : [],
    );
    cleanup.push(() => publisherBrowser.close());
    const publisher = await publisherBrowser.newPage();
    await publisher.goto(`${url}/quality.html`);
    const negotiated = await publisher.evaluate(
      ([id, token]) => window.publishSimulcast(id, token),
      [createStream.id, register.accessToken],
    );
    await publisher.evaluate(() => window.samplePublisher());

    const scenarios = [
      { name: 'clean', host: undefined, impair: async () => {} },
      { name: 'limited 500 kbps', host: limited, impair: () => limited.limitRate(500) },
      { name: 'loss 5 %', host: lossy, impair: () => lossy.setLoss(5) },
    ];
    for (const scenario of scenarios) {
      const browser = scenario.host
        ? await launch(scenario.host.chromiumPath, [scenario.host.hostAddress])
        : await launch(CHROMIUM);
      cleanup.push(() => browser.close());
      const origin = scenario.host ? `http://${scenario.host.hostAddress}:${port}` : url;
      // The API's CSP says upgrade-insecure-requests: from a page on http://10.213.x.y (not a
      // trustworthy origin like 127.0.0.1) Chromium would fetch quality.js and /graphql over
      // https, which this plain-http bench server does not speak.
      scenario.page = await (await browser.newContext({ bypassCSP: true })).newPage();
      await scenario.page.goto(`${origin}/quality.html`);
    }
    await sleep(1000);
    const startedAt = Date.now();
    await Promise.all(
      scenarios.map((s) =>
        s.page.evaluate(([id, a]) => window.play(id, a), [createStream.id, auto]),
      ),
    );
    await sleep(WARMUP_S * 1000);
    const impairFrom = Date.now();
    await Promise.all(scenarios.map((s) => s.impair()));
    await sleep(IMPAIR_S * 1000);
    const liftAt = Date.now();
    await Promise.all(scenarios.map((s) => s.host?.clear()));
    await sleep(RECOVER_S * 1000);

    const sent = await publisher.evaluate(() => window.sent);
    console.log(
      `publisher (${CAMERA === 'clip' ? 'detailed Y4M clip' : "Chromium's built-in fake camera"}, 1280x720): ${negotiated.simulcast ? 'simulcast q/h/f accepted by the SFU' : `simulcast REFUSED by the SFU (${negotiated.refused}), so one 1280x720 layer`}`,
    );
    for (const layer of summarizeSent(sent, startedAt)) {
      console.log(
        `  layer ${layer.rid}: up to ${layer.height} px high${layer.pausedAtEnd ? ' (off at the end)' : ''}, ${layer.kbps.toFixed(0)} kbps and ${layer.fps.toFixed(1)} fps sent (camera ${layer.cameraFps.toFixed(0)} fps), ` +
          `encoder target ${layer.targetMin.toFixed(0)}-${layer.targetMax.toFixed(0)} kbps, limited by ${layer.limitations}`,
      );
    }
    console.log(
      `viewers: playStream ${auto ? 'with quality: AUTO' : 'WITHOUT quality (the server has no such argument yet)'}; ` +
        `${WARMUP_S} s clean, ${IMPAIR_S} s impaired, ${RECOVER_S} s after the lift`,
    );
    console.log(
      'viewer           | to top layer (s) | kbps impaired | fps impaired | lowest height | climb back (s) | freezes (n / longest ms)',
    );
    for (const scenario of scenarios) {
      const samples = await scenario.page.evaluate(() => window.samples);
      if (!samples.some((s) => s.frames > 0)) {
        const states = await scenario.page.evaluate(() => window.connection);
        console.log(
          `${scenario.name.padEnd(16)} | never decoded a frame (connection: ${states.map((c) => c.state).join(' > ') || 'none'})`,
        );
        continue;
      }
      const r = summarize(samples, startedAt, impairFrom, liftAt);
      console.log(
        `${scenario.name.padEnd(16)} | ${fixed(r.toTop).padStart(16)} | ${fixed(r.kbps, 0).padStart(13)} | ${fixed(r.fps).padStart(12)} | ${fixed(r.lowest, 0).padStart(13)} | ${fixed(r.climb).padStart(14)} | ${`${r.freezes} / ${r.longest}`.padStart(8)}`,
      );
    }
  } finally {
    for (const step of cleanup.reverse()) await step().catch(() => {});
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
