#!/usr/bin/env node
// bench:notify: a go-live to FOLLOWERS followers, each with a Web Push subscription on a local push
// service (bench/notify-push-receiver.mjs, its own process), against the built API (its own
// process) and PostgreSQL. Prints how long the go-live (createStream) took to answer, and how long
// until every follower's notification was stored (and published) and every push was received.
// Targets: answer < 200 ms; everything delivered < 60 s.
//
//   npm run bench:notify                          # 10,000 followers, 10,000 push subscriptions
//   FOLLOWERS=2000 npm run bench:notify
//   DATABASE_URL=postgres://... npm run bench:notify   # a fresh database on that server
import { fork, spawn } from 'node:child_process';
import { createECDH, randomBytes, randomUUID } from 'node:crypto';
import { chmodSync, mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import pg from 'pg';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const FOLLOWERS = Number(process.env.FOLLOWERS ?? 10_000);
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

const freePort = () =>
  new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });

async function freshDatabase() {
  const admin = new pg.Client({ connectionString: DATABASE_URL });
  await admin.connect();
  const name = `finserve_bench_notify_${Date.now()}`;
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(DATABASE_URL);
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

const ask = (child) =>
  new Promise((resolve) => {
    child.once('message', resolve);
    child.send('count');
  });

async function main() {
  const receiver = fork(join(root, 'bench/notify-push-receiver.mjs'));
  const { port: pushPort } = await new Promise((resolve) => receiver.once('message', resolve));

  const dataDir = mkdtempSync(join(tmpdir(), 'finserve-bench-'));
  chmodSync(dataDir, 0o755);
  const databaseUrl = await freshDatabase();
  const port = await freePort();
  const env = {
    ...process.env,
    // Not production: the push service is on 127.0.0.1 over http (WEB_PUSH_ALLOW_PRIVATE_ENDPOINTS).
    NODE_ENV: 'development',
    JWT_SECRET: randomUUID() + randomUUID(),
    PORT: String(port),
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    DATABASE_URL: databaseUrl,
    LOG_LEVEL: 'warn',
    LOG_FORMAT: 'json',
    SEED_DEMO: 'false',
    API_RATE_LIMIT_PER_MINUTE: '100000000',
    AUTH_RATE_LIMIT_PER_IP_PER_MINUTE: '100000',
    WEB_PUSH_ALLOW_PRIVATE_ENDPOINTS: 'true',
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

  const register = async (prefix) =>
    (
      await gql(
        url,
        'mutation($i: RegisterInput!) { register(input: $i) { accessToken user { id } } }',
        { i: { username: `${prefix}_${randomUUID().slice(0, 8)}`, password: 'bench-password-1' } },
      )
    ).register;
  const streamer = await register('streamer');
  // Warm-up: a go-live of someone nobody follows (first queries, first job).
  const warm = await register('warmup');
  for (let i = 0; i < 3; i++) {
    const { createStream } = await gql(
      url,
      'mutation { createStream(input: { title: "warm-up" }) { id } }',
      {},
      warm.accessToken,
    );
    await gql(
      url,
      'mutation($id: ID!) { endStream(streamId: $id) { id } }',
      { id: createStream.id },
      warm.accessToken,
    );
  }

  console.log(
    `setting up: ${FOLLOWERS} followers, each with a push subscription on 127.0.0.1:${pushPort} ...`,
  );
  // Users, follows and subscriptions in SQL (registering through the API would hash 10,000
  // passwords); one browser key pair for all (each push is still encrypted and signed on its own).
  const ecdh = createECDH('prime256v1');
  const p256dh = ecdh.generateKeys().toString('base64url');
  const auth = randomBytes(16).toString('base64url');
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  await db.query(
    `WITH made AS (
       INSERT INTO users (username, display_name, password_hash)
       SELECT 'f' || g || '_' || substr(md5(random()::text), 1, 6), 'Follower ' || g, 'x'
         FROM generate_series(1, $2::int) g RETURNING id
     ), followed AS (
       INSERT INTO follows (follower_id, followee_id) SELECT id, $1 FROM made RETURNING follower_id
     )
     INSERT INTO web_push_subscriptions (user_id, endpoint, p256dh, auth)
     SELECT follower_id, 'http://127.0.0.1:' || $3 || '/push/' || follower_id, $4, $5 FROM followed`,
    [streamer.user.id, FOLLOWERS, pushPort, p256dh, auth],
  );

  console.log(`go-live: createStream with ${FOLLOWERS} followers (${cpus().length} cores)`);
  const started = performance.timeOrigin + performance.now();
  const { createStream } = await gql(
    url,
    'mutation { createStream(input: { title: "EUR/USD London open" }) { id } }',
    {},
    streamer.accessToken,
  );
  const answered = performance.timeOrigin + performance.now();
  const streamId = createStream.id;

  let notifiedAt = 0;
  let pushes = { count: 0 };
  const deadline = started + 120_000;
  while (performance.timeOrigin + performance.now() < deadline) {
    if (!notifiedAt) {
      const { rows } = await db.query(
        `SELECT count(*)::int AS n FROM notifications WHERE stream_id = $1 AND type = 'STREAM_LIVE'`,
        [streamId],
      );
      if (rows[0].n >= FOLLOWERS) notifiedAt = performance.timeOrigin + performance.now();
    }
    pushes = await ask(receiver);
    if (notifiedAt && pushes.count >= FOLLOWERS) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const { rows: stored } = await db.query(
    `SELECT count(*)::int AS n, max(created_at) FROM notifications WHERE stream_id = $1`,
    [streamId],
  );

  console.log('');
  console.log(`go-live answer:     ${(answered - started).toFixed(1)} ms (target < 200 ms)`);
  console.log(
    `notifications:      ${stored[0].n} of ${FOLLOWERS} stored and published${notifiedAt ? ` in ${((notifiedAt - started) / 1000).toFixed(2)} s` : ' (NOT all within 120 s)'}`,
  );
  console.log(
    `web pushes:         ${pushes.count} of ${FOLLOWERS} received (${pushes.distinct} distinct endpoints, ${pushes.malformed} malformed)${pushes.count >= FOLLOWERS ? ` in ${((pushes.last - started) / 1000).toFixed(2)} s` : ' (NOT all within 120 s)'}`,
  );
  const everything = Math.max(notifiedAt, pushes.last) - started;
  const ok =
    answered - started < 200 && notifiedAt && pushes.count >= FOLLOWERS && everything < 60_000;
  console.log(
    `all delivered:      ${(everything / 1000).toFixed(2)} s (target < 60 s) -> ${ok ? 'OK' : 'MISSED'}`,
  );

  await db.end();
  server.kill('SIGTERM');
  await new Promise((r) => server.once('exit', r));
  receiver.send('stop');
  const admin = new pg.Client({ connectionString: DATABASE_URL });
  await admin.connect();
  await admin
    .query(`DROP DATABASE IF EXISTS ${new URL(databaseUrl).pathname.slice(1)}`)
    .catch(() => undefined);
  await admin.end();
  process.exit(ok ? 0 : 1);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
