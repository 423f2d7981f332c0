#!/usr/bin/env node
// bench:fanout: N subscribers to one stream's chat, messages at a fixed rate, against
//   - the API (the built server, its own process; GraphQL subscriptions over graphql-ws), and
//   - a reference Socket.IO 4 server doing what the original system did (room broadcast),
// with the load generators in separate processes (fanout-clients.mjs). Prints deliveries/s,
// publish-to-receive latency, server CPU, the server's RSS growth per idle connection (over all N:
// `KB/conn`, and for the second half alone: `KB/conn+`, what one more subscriber costs once the
// process's one-off growth is paid), and the ratio. With Redis
// (REDIS_URL, or one answering on 127.0.0.1:6379) it also runs two API instances sharing the
// subscribers, the messages crossing instances through Redis.
//
//   npm run bench:fanout                                # N = 1000 and 5000, 20 messages/s for 5 s
//   FANOUT_N=1000,5000,10000 RATE=20 SECONDS=5 npm run bench:fanout
//   DATABASE_URL=postgres://... npm run bench:fanout    # a fresh database on that server
import { fork, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { io } from 'socket.io-client';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const SIZES = (process.env.FANOUT_N ?? '1000,5000').split(',').map(Number);
const RATE = Number(process.env.RATE ?? 20);
const SECONDS = Number(process.env.SECONDS ?? 5);
const CLIENT_PROCESSES = Number(process.env.CLIENT_PROCESSES ?? 2);
const MESSAGES = RATE * SECONDS;
const WARMUP = Number(process.env.WARMUP ?? 20);
const TICKS = 100; // /proc clock ticks per second

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const now = () => performance.timeOrigin + performance.now();
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
  return (Number(fields[11]) + Number(fields[12])) / TICKS;
};
const rssBytes = (pid) =>
  Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) * 1024;
const percentile = (sorted, p) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : NaN;

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

async function redisUrl() {
  const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const { Redis } = await import('ioredis');
  const probe = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  const ok = await probe
    .connect()
    .then(() => probe.ping())
    .then(
      () => true,
      () => false,
    );
  probe.disconnect();
  return ok ? url : undefined;
}

/** The API's instances (one, or two sharing Redis), on one fresh database. */
async function startApi(instances, databaseUrl, redis) {
  const dataDir = mkdtempSync(join(tmpdir(), 'finserve-bench-'));
  chmodSync(dataDir, 0o755);
  const common = {
    PATH: process.env.PATH,
    NODE_ENV: 'production',
    JWT_SECRET: 'bench-secret-that-is-long-enough-0123456789',
    ADMIN_USERNAME: 'benchadmin',
    ADMIN_PASSWORD: randomUUID(),
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    EMBEDDED_PG_PORT: String(await freePort()),
    DATABASE_URL: databaseUrl,
    LOG_LEVEL: 'warn',
    SEED_DEMO: 'false',
    CHAT_RATE_LIMIT_PER_SECOND: '100000',
    API_RATE_LIMIT_PER_MINUTE: '10000000',
    AUTH_RATE_LIMIT_PER_IP_PER_MINUTE: '100000',
    WS_MAX_CONNECTIONS_PER_IP: '1000000',
    ...(redis ? { REDIS_URL: redis } : {}),
  };
  const servers = [];
  for (let i = 0; i < instances; i++) {
    const port = await freePort();
    // API_NODE_OPTIONS: flags for the server's node, e.g. "--trace-gc" or "--cpu-prof".
    const nodeFlags = (process.env.API_NODE_OPTIONS ?? '').split(/\s+/).filter(Boolean);
    const child = spawn(process.execPath, [...nodeFlags, join(root, 'dist/apps/api/main.js')], {
      env: { ...common, PORT: String(port) },
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
    servers.push({ child, url });
  }
  const [{ url }] = servers;
  const streamer = (
    await gql(url, 'mutation($i: RegisterInput!) { register(input: $i) { accessToken } }', {
      i: { username: `streamer_${randomUUID().slice(0, 8)}`, password: 'bench-password-1' },
    })
  ).register.accessToken;
  const streamId = (
    await gql(url, 'mutation { createStream(input: { title: "fan-out" }) { id } }', {}, streamer)
  ).createStream.id;
  const send = (body) =>
    gql(
      url,
      'mutation($s: ID!, $b: String!) { sendChatMessage(streamId: $s, body: $b) { id } }',
      { s: streamId, b: body },
      streamer,
    );
  return { servers, streamId, send, stop: () => stopAll(servers.map((s) => s.child)) };
}

async function startSocketIo() {
  const port = await freePort();
  const child = fork(join(root, 'bench/socketio-server.mjs'), [String(port)], { stdio: 'inherit' });
  await new Promise((resolve) => child.once('message', resolve));
  const url = `http://127.0.0.1:${port}`;
  const streamId = randomUUID();
  const publisher = io(url, { transports: ['websocket'] });
  await new Promise((resolve) => publisher.once('connect', resolve));
  const send = async (body) => publisher.emit('send_message', { room: streamId, body });
  return {
    servers: [{ child, url }],
    streamId,
    send,
    stop: async () => {
      publisher.disconnect();
      await stopAll([child]);
    },
  };
}

async function stopAll(children) {
  await Promise.all(
    children.map(
      (child) =>
        new Promise((resolve) => {
          if (child.exitCode !== null) return resolve();
          child.once('exit', resolve);
          child.kill('SIGTERM');
          setTimeout(() => child.kill('SIGKILL'), 15_000).unref();
        }),
    ),
  );
}

async function run(label, target, n, system) {
  const pids = system.servers.map((s) => s.child.pid);
  await sleep(1000);
  const rssBefore = pids.reduce((sum, pid) => sum + rssBytes(pid), 0);
  const counts = Array.from(
    { length: CLIENT_PROCESSES },
    (_, i) => Math.floor(n / CLIENT_PROCESSES) + (i < n % CLIENT_PROCESSES ? 1 : 0),
  );
  const secondHalf = counts.reduce((sum, count) => sum + count - Math.floor(count / 2), 0);
  const clients = counts.map((count) => {
    const child = fork(join(root, 'bench/fanout-clients.mjs'), [
      JSON.stringify({
        target,
        urls: system.servers.map((s) => s.url),
        streamId: system.streamId,
        count,
      }),
    ]);
    const reached = (type) =>
      new Promise((resolve, reject) =>
        child.on('message', (m) =>
          m.type === type ? resolve() : m.type === 'failed' && reject(new Error(m.error)),
        ),
      );
    return { child, half: reached('half'), ready: reached('ready') };
  });
  // Memory: after the first half of the subscribers, and after all of them. The second half's
  // growth is what one more idle subscriber costs (the first half also pays for the process's
  // one-off growth: V8's young generation, compiled code, buffer pools).
  await Promise.all(clients.map((c) => c.half));
  await sleep(2000);
  const rssHalf = pids.reduce((sum, pid) => sum + rssBytes(pid), 0);
  for (const { child } of clients) child.send({ type: 'continue' });
  await Promise.all(clients.map((c) => c.ready));
  await sleep(2000);
  const rssIdle = pids.reduce((sum, pid) => sum + rssBytes(pid), 0);

  // Warm-up (not measured: the bodies carry no send time): the server's send path and the
  // clients' receive path are compiled before the clock starts, for both systems alike.
  for (let i = 0; i < WARMUP; i++) {
    await system.send(`warm-up-${i}`);
    await sleep(1000 / RATE);
  }
  await sleep(1000);

  const loadPids = clients.map(({ child }) => child.pid);
  const cpuBefore = pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0);
  const loadCpuBefore = loadPids.reduce((sum, pid) => sum + cpuSeconds(pid), 0);
  const started = now();
  for (let i = 0; i < MESSAGES; i++) {
    const due = started + (i * 1000) / RATE;
    if (due > now()) await sleep(due - now());
    await system.send(`${i} ${now()}`);
  }
  await sleep(2000); // drain
  const wall = (now() - started) / 1000;
  const cpu = pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0) - cpuBefore;
  const loadCpu = loadPids.reduce((sum, pid) => sum + cpuSeconds(pid), 0) - loadCpuBefore;

  const reports = await Promise.all(
    clients.map(
      ({ child }) =>
        new Promise((resolve) => {
          child.on('message', (m) => m.type === 'report' && resolve(m));
          child.send({ type: 'report' });
        }),
    ),
  );
  for (const { child } of clients) child.send({ type: 'close' });
  const latencies = reports
    .flatMap((r) =>
      Array.from(new Float64Array(Buffer.from(r.latencies, 'base64').buffer.slice(0))),
    )
    .sort((a, b) => a - b);
  const received = reports.reduce((sum, r) => sum + r.received, 0);
  const lastDelivery = MESSAGES / RATE + (latencies.at(-1) ?? 0) / 1000;
  return {
    label,
    n,
    expected: n * MESSAGES,
    received,
    perSecond: received / lastDelivery,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    max: latencies.at(-1) ?? NaN,
    cores: cpu / wall,
    loadCores: loadCpu / wall,
    rssPerConnection: (rssIdle - rssBefore) / n,
    rssMarginal: (rssIdle - rssHalf) / secondHalf,
    rssIdle,
  };
}

const row = (r) =>
  [
    r.label.padEnd(26),
    String(r.n).padStart(6),
    `${r.received}/${r.expected}`.padStart(16),
    r.perSecond.toFixed(0).padStart(9),
    r.p50.toFixed(1).padStart(7),
    r.p99.toFixed(1).padStart(7),
    r.max.toFixed(1).padStart(7),
    r.cores.toFixed(2).padStart(6),
    r.loadCores.toFixed(2).padStart(6),
    (r.rssPerConnection / 1024).toFixed(1).padStart(8),
    (r.rssMarginal / 1024).toFixed(1).padStart(9),
    (r.rssIdle / 1024 / 1024).toFixed(0).padStart(7),
  ].join(' ');

async function main() {
  console.log(
    `bench:fanout: ${MESSAGES} chat messages at ${RATE}/s to N subscribers; ${CLIENT_PROCESSES} load processes; ${cpus().length} cores`,
  );
  const redis = await redisUrl();
  const results = [];
  for (const n of SIZES) {
    const api = await startApi(1, await freshDatabase(), undefined);
    results.push(await run('GraphQL (graphql-ws)', 'graphql', n, api));
    await api.stop();
    const reference = await startSocketIo();
    results.push(await run('Socket.IO 4 room broadcast', 'socketio', n, reference));
    await reference.stop();
  }
  if (redis) {
    const n = SIZES.at(-1);
    const api = await startApi(2, await freshDatabase(), redis);
    results.push(await run('GraphQL, 2 instances+Redis', 'graphql', n, api));
    await api.stop();
  } else {
    console.log('(no Redis: the two-instance run is skipped)');
  }

  console.log('');
  console.log(
    'server                          N       delivered  deliv/s  p50 ms  p99 ms  max ms  cores  load  KB/conn  KB/conn+   RSS MB',
  );
  for (const r of results) console.log(row(r));
  console.log('');
  for (const n of SIZES) {
    const ours = results.find((r) => r.n === n && r.label.startsWith('GraphQL ('));
    const theirs = results.find((r) => r.n === n && r.label.startsWith('Socket.IO'));
    console.log(
      `N=${n}: deliveries/s GraphQL/Socket.IO = ${(ours.perSecond / theirs.perSecond).toFixed(2)}, ` +
        `CPU per delivery ${((ours.cores / ours.perSecond) * 1e6).toFixed(1)} us vs ${((theirs.cores / theirs.perSecond) * 1e6).toFixed(1)} us`,
    );
  }
  // Our deliveries must be complete; the reference's shortfall (2 s after the last message) is
  // reported, not an error of this benchmark.
  const ours = results.filter((r) => r.label.startsWith('GraphQL'));
  const complete = ours.every((r) => r.received === r.expected);
  for (const r of results.filter((r) => !r.label.startsWith('GraphQL') && r.received < r.expected))
    console.log(
      `${r.label} at N=${r.n}: ${r.expected - r.received} deliveries still missing 2 s after the last message`,
    );
  console.log(
    complete ? 'every GraphQL message reached every subscriber' : 'SOME GRAPHQL DELIVERIES MISSING',
  );
  process.exit(complete ? 0 : 1);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
