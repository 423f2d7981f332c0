#!/usr/bin/env node
// bench:tips: N concurrent tippers against one LIVE stream, through the real API (the built
// server, its own process) and PostgreSQL; load generators in separate processes (tips-worker.mjs).
// Prints tips/s and latency, then checks that every balance equals the sum of its entries and that
// money is conserved (the same verification as `npm run db:verify`).
//
//   npm run bench:tips                      # 200 tippers x 5 tips, 2 load processes
//   TIPPERS=1000 TIPS_EACH=3 WORKERS=2 npm run bench:tips
//   DATABASE_URL=postgres://... npm run bench:tips   # a fresh database on that server
//   PROFILE=/tmp/prof npm run bench:tips    # + a CPU profile of the API during the load, summarised
import { fork, spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { chmodSync, mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { apiNodeOptions, PROFILE_DIR, sampleDatabaseWaits, startProfile } from './support.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const TIPPERS = Number(process.env.TIPPERS ?? 200);
const TIPS_EACH = Number(process.env.TIPS_EACH ?? 5);
const WORKERS = Number(process.env.WORKERS ?? 2);
const AMOUNT = 100;

const freePort = () =>
  new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });

async function freshDatabase() {
  if (!process.env.DATABASE_URL) return undefined;
  const pg = (await import('pg')).default;
  const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await admin.connect();
  const name = `finserve_bench_${Date.now()}`;
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(process.env.DATABASE_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

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

const percentile = (sorted, p) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

async function main() {
  const dataDir = mkdtempSync(join(tmpdir(), 'finserve-bench-'));
  chmodSync(dataDir, 0o755);
  const databaseUrl = await freshDatabase();
  const port = await freePort();
  const adminPassword = randomUUID();
  const node = await apiNodeOptions();
  const env = {
    ...process.env,
    ...node.env,
    NODE_ENV: 'production',
    JWT_SECRET: randomUUID() + randomUUID(),
    ADMIN_USERNAME: 'benchadmin',
    ADMIN_PASSWORD: adminPassword,
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
    TIP_RATE_LIMIT_PER_MINUTE: '1000000',
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : { DATABASE_URL: '' }),
  };
  const server = spawn(process.execPath, [join(root, 'dist/apps/api/main.js')], {
    env,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${url}/health`)).ok) break;
    } catch {}
    if (i > 300) throw new Error('server did not start');
    await new Promise((r) => setTimeout(r, 200));
  }

  console.log(
    `setting up: 1 streamer, ${TIPPERS} tippers with $${(TIPS_EACH * AMOUNT) / 100} each ...`,
  );
  const admin = (
    await gql(url, 'mutation($i: LoginInput!) { login(input: $i) { accessToken } }', {
      i: { username: 'benchadmin', password: adminPassword },
    })
  ).login.accessToken;
  const register = async (prefix) =>
    (
      await gql(
        url,
        'mutation($i: RegisterInput!) { register(input: $i) { accessToken user { id } } }',
        {
          i: { username: `${prefix}_${randomUUID().slice(0, 8)}`, password: 'bench-password-1' },
        },
      )
    ).register;
  const streamer = await register('streamer');
  const streamId = (
    await gql(
      url,
      'mutation { createStream(input: { title: "bench" }) { id } }',
      {},
      streamer.accessToken,
    )
  ).createStream.id;
  const tippers = [];
  for (let i = 0; i < TIPPERS; i += 20) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(20, TIPPERS - i) }, () => register('tipper')),
    );
    await Promise.all(
      batch.map((t) =>
        gql(
          url,
          'mutation($i: CreditWalletInput!) { creditWallet(input: $i) { balanceCents } }',
          { i: { userId: t.user.id, amountCents: TIPS_EACH * AMOUNT, reference: randomUUID() } },
          admin,
        ),
      ),
    );
    tippers.push(...batch);
  }

  console.log(
    `load: ${TIPPERS} concurrent tippers x ${TIPS_EACH} tips of $${AMOUNT / 100}, ${WORKERS} load processes, ${cpus().length} cores`,
  );
  const shares = Array.from({ length: WORKERS }, (_, w) =>
    tippers.filter((_, i) => i % WORKERS === w).map((t) => t.accessToken),
  );
  const profile = await startProfile(node.inspectPort);
  const waits = await sampleDatabaseWaits(databaseUrl);
  const started = performance.now();
  const results = await Promise.all(
    shares.map(
      (tokens) =>
        new Promise((resolve, reject) => {
          const worker = fork(join(root, 'bench/tips-worker.mjs'));
          worker.once('message', resolve);
          worker.once('error', reject);
          worker.send({ url, streamId, tokens, tipsEach: TIPS_EACH, amount: AMOUNT });
        }),
    ),
  );
  const seconds = (performance.now() - started) / 1000;
  await profile.stop('tips');
  await waits.stop();
  const latencies = results.flatMap((r) => r.latencies).sort((a, b) => a - b);
  const ok = results.reduce((n, r) => n + r.ok, 0);
  const failed = results.reduce((n, r) => n + r.failed, 0);
  const streamerWallet = (
    await gql(url, '{ myWallets { balanceCents } }', {}, streamer.accessToken)
  ).myWallets[0].balanceCents;
  const tipperTotal = (
    await Promise.all(
      tippers.map((t) => gql(url, '{ myWallets { balanceCents } }', {}, t.accessToken)),
    )
  ).reduce((n, d) => n + d.myWallets[0].balanceCents, 0);

  console.log('');
  console.log(`tips:        ${ok} succeeded, ${failed} failed in ${seconds.toFixed(2)} s`);
  console.log(`throughput:  ${(ok / seconds).toFixed(0)} tips/s`);
  console.log(
    `latency:     p50 ${percentile(latencies, 50).toFixed(1)} ms, p99 ${percentile(latencies, 99).toFixed(1)} ms, max ${latencies.at(-1).toFixed(1)} ms`,
  );
  const p99 = percentile(latencies, 99);
  const met = ok / seconds >= 2000 && p99 < 50;
  console.log(
    `target:      >= 2,000 tips/s into one streamer with p99 < 50 ms (issue 22): ${met ? 'met' : 'not met'}${met || PROFILE_DIR ? '' : ' (PROFILE=<dir> shows where the time goes)'}`,
  );
  const expectedNet = ok * (AMOUNT - Math.floor((AMOUNT * 500 + 5000) / 10000));
  console.log(
    `balances:    tippers ${tipperTotal} (expected ${TIPPERS * TIPS_EACH * AMOUNT - ok * AMOUNT}), streamer ${streamerWallet} (expected ${expectedNet})`,
  );

  server.kill('SIGTERM');
  await new Promise((r) => server.once('exit', r));
  const verify = spawnSync(process.execPath, [join(root, 'dist/apps/api/db.js'), 'verify'], {
    env: { ...env, LOG_LEVEL: 'warn' },
    encoding: 'utf8',
  });
  const verdict = verify.stdout
    .trim()
    .split('\n')
    .filter((l) => l.startsWith('ledger') || l.includes('problem'))
    .join('\n');
  console.log(`verify:      ${verdict || verify.stderr.trim()}`);
  const healthy =
    verify.status === 0 &&
    failed === 0 &&
    tipperTotal === TIPPERS * TIPS_EACH * AMOUNT - ok * AMOUNT &&
    streamerWallet === expectedNet;
  process.exit(healthy ? 0 : 1);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
