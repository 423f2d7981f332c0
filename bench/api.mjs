#!/usr/bin/env node
// bench:api: HTTP GraphQL throughput and latency of the stream list, `liveStreams` with nested
// fields (streamer, stats, recording: DataLoaders), against the built API in its own process,
// with autocannon as the load generator in this process (its own worker threads).
//
//   npm run bench:api                                    # 24 live streams, 50 connections, 10 s
//   STREAMS=24 CONNECTIONS=100 DURATION=20 npm run bench:api
//   DATABASE_URL=postgres://... npm run bench:api        # a fresh database on that server
//   MODES=get npm run bench:api                          # only the cached GET path
//   PROFILE=/tmp/prof npm run bench:api                  # + where the API's CPU went, per mode
import { spawn } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import autocannon from 'autocannon';

import { apiNodeOptions, PROFILE_DIR, sampleDatabaseWaits, startProfile } from './support.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const STREAMS = Number(process.env.STREAMS ?? 24);
const CONNECTIONS = Number(process.env.CONNECTIONS ?? 50);
const DURATION = Number(process.env.DURATION ?? 10);
/** MODES=post,get (default both): POST executed each time; GET of the persisted query (cached). */
const MODES = (process.env.MODES ?? 'post,get').split(',');
const STATS =
  process.env.STATS === '0' ? '' : 'stats { uniqueViewers peakViewers messageCount tipCount }';
const QUERY = `query List { liveStreams(limit: 24) { id title status viewerCount peakViewers startedAt
  streamer { id username displayName } ${STATS} recording { status } } }`;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const freePort = () =>
  new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
const cpuSeconds = (pid) => {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
};

async function gql(url, query, variables = {}, token, extensions) {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify({ query, variables, ...(extensions ? { extensions } : {}) }),
  });
  const body = await response.json();
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

async function freshDatabase() {
  if (!process.env.DATABASE_URL) return '';
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

async function main() {
  const dataDir = mkdtempSync(join(tmpdir(), 'finserve-bench-'));
  chmodSync(dataDir, 0o755);
  const port = await freePort();
  const node = await apiNodeOptions();
  const databaseUrl = await freshDatabase();
  const server = spawn(process.execPath, [join(root, 'dist/apps/api/main.js')], {
    env: {
      PATH: process.env.PATH,
      ...node.env,
      NODE_ENV: 'production',
      JWT_SECRET: 'bench-secret-that-is-long-enough-0123456789',
      ADMIN_USERNAME: 'benchadmin',
      ADMIN_PASSWORD: randomUUID(),
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      EMBEDDED_PG_PORT: String(await freePort()),
      DATABASE_URL: databaseUrl,
      LOG_LEVEL: 'warn',
      SEED_DEMO: 'false',
      API_RATE_LIMIT_PER_MINUTE: '100000000',
      AUTH_RATE_LIMIT_PER_IP_PER_MINUTE: '100000',
      CHAT_RATE_LIMIT_PER_SECOND: '1000',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  for (let n = 0; ; n++) {
    try {
      if ((await fetch(`${url}/health`)).ok) break;
    } catch {}
    if (n > 300) throw new Error('API did not start');
    await sleep(200);
  }
  for (let i = 0; i < STREAMS; i++) {
    const token = (
      await gql(url, 'mutation($i: RegisterInput!) { register(input: $i) { accessToken } }', {
        i: { username: `streamer_${randomUUID().slice(0, 8)}`, password: 'bench-password-1' },
      })
    ).register.accessToken;
    const id = (
      await gql(
        url,
        'mutation($t: String!) { createStream(input: { title: $t }) { id } }',
        { t: `Stream ${i}` },
        token,
      )
    ).createStream.id;
    await gql(
      url,
      'mutation($s: ID!) { sendChatMessage(streamId: $s, body: "gm") { id } }',
      { s: id },
      token,
    );
  }
  const listed = (await gql(url, QUERY)).liveStreams.length;
  console.log(
    `bench:api: liveStreams (${listed} streams, nested streamer/stats/recording), ${CONNECTIONS} connections, ${DURATION} s, ${cpus().length} cores`,
  );

  // Two paths: POST (what the web app sends: executed every time, exact counts) and an
  // anonymous GET of the persisted query by its hash (what a CDN, a dashboard or an APQ client
  // sends: answered by the response cache for up to 1 s, with Cache-Control).
  const hash = createHash('sha256').update(QUERY).digest('hex');
  const apq = { persistedQuery: { version: 1, sha256Hash: hash } };
  await gql(url, QUERY, {}, undefined, apq); // registers the hash
  const getPath = `/graphql?operationName=List&extensions=${encodeURIComponent(JSON.stringify(apq))}`;
  const probe = await fetch(`${url}${getPath}`, { headers: { 'apollo-require-preflight': '1' } });
  await probe.arrayBuffer();
  const probeAgain = await fetch(`${url}${getPath}`, {
    headers: { 'apollo-require-preflight': '1' },
  });
  await probeAgain.arrayBuffer();

  let failed = false;
  for (const mode of MODES) {
    const profile = await startProfile(node.inspectPort);
    const waits = await sampleDatabaseWaits(databaseUrl);
    const cpuBefore = cpuSeconds(server.pid);
    const result = await autocannon({
      ...(mode === 'post'
        ? {
            url: `${url}/graphql`,
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ query: QUERY, operationName: 'List' }),
          }
        : {
            url: `${url}${getPath}`,
            method: 'GET',
            headers: { 'apollo-require-preflight': '1' },
          }),
      connections: CONNECTIONS,
      duration: DURATION,
    });
    const cores = (cpuSeconds(server.pid) - cpuBefore) / DURATION;
    console.log('');
    console.log(
      mode === 'post'
        ? 'POST /graphql (executed each time):'
        : `GET /graphql, persisted query by hash (response cache: ${probe.headers.get('x-response-cache')} then ${probeAgain.headers.get('x-response-cache')}; Cache-Control: ${probeAgain.headers.get('cache-control')}):`,
    );
    console.log(
      `requests:   ${result.requests.total} (${result.non2xx} non-2xx, ${result.errors} errors)`,
    );
    console.log(
      `throughput: ${result.requests.average.toFixed(0)} req/s (${(result.throughput.average / 1024 / 1024).toFixed(1)} MB/s)`,
    );
    console.log(
      `latency:    p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms, max ${result.latency.max} ms`,
    );
    console.log(`server CPU: ${cores.toFixed(2)} cores`);
    const met = result.requests.average >= 2000 && result.latency.p99 < 50;
    console.log(
      `target:     >= 2,000 req/s with p99 < 50 ms (issue 22): ${met ? 'met' : 'not met'}${met || PROFILE_DIR ? '' : ' (PROFILE=<dir> shows where the time goes)'}`,
    );
    failed ||= result.non2xx !== 0 || result.errors !== 0;
    await profile.stop(`api-${mode}`);
    await waits.stop();
  }
  server.kill('SIGTERM');
  await new Promise((resolve) => server.once('exit', resolve));
  process.exit(failed ? 1 : 0);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
