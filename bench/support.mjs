// Helpers of the benches that start the built API in its own process (bench/search.mjs; the
// older benches keep their own copies).
import { spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import pg from 'pg';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export const freePort = () =>
  new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });

/** POST /graphql; GraphQL errors throw. */
export async function gql(url, query, variables = {}, token) {
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

/** A new database on the server of DATABASE_URL; its URL. */
export async function freshDatabase(serverUrl) {
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  const name = `finserve_bench_${Date.now()}`;
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/**
 * The built API (dist/apps/api/main.js) on a free port with `databaseUrl`, limits raised for
 * load; resolves once /health answers. `stop()` ends it with SIGTERM.
 */
export async function startApi(databaseUrl, env = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), 'finserve-bench-'));
  chmodSync(dataDir, 0o755);
  const port = await freePort();
  const node = await apiNodeOptions();
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
      ...env,
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
  return {
    url,
    pid: server.pid,
    inspectPort: node.inspectPort,
    stop: async () => {
      server.kill('SIGTERM');
      await new Promise((resolve) => server.once('exit', resolve));
    },
  };
}

/**
 * PROFILE=<dir>: the API is started with its inspector on a free local port, and the benches
 * record a V8 CPU profile of their load phase only (not the start, not the seeding) through it,
 * write it to <dir>/<name>.cpuprofile and print where the time went (bench/profile-summary.mjs).
 */
export const PROFILE_DIR = process.env.PROFILE || '';

/** NODE_OPTIONS for the API: API_NODE_OPTIONS, and the inspector when PROFILE is set. */
export async function apiNodeOptions() {
  const options = [process.env.API_NODE_OPTIONS ?? ''];
  let inspectPort = 0;
  if (PROFILE_DIR) {
    inspectPort = await freePort();
    options.push(`--inspect=127.0.0.1:${inspectPort}`);
  }
  const joined = options.join(' ').trim();
  return { env: joined ? { NODE_OPTIONS: joined } : {}, inspectPort };
}

/**
 * Starts the CPU profiler of the process whose inspector listens on `inspectPort`; `stop(name)`
 * writes the profile and prints its summary. Without PROFILE, both do nothing.
 */
export async function startProfile(inspectPort) {
  if (!PROFILE_DIR || !inspectPort) return { stop: async () => undefined };
  const { default: WebSocket } = await import('ws');
  const [target] = await (await fetch(`http://127.0.0.1:${inspectPort}/json/list`)).json();
  const socket = new WebSocket(target.webSocketDebuggerUrl);
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  let nextId = 1;
  const pending = new Map();
  socket.on('message', (data) => {
    const message = JSON.parse(String(data));
    const waiter = pending.get(message.id);
    if (!waiter) return;
    pending.delete(message.id);
    if (message.error) waiter.reject(new Error(message.error.message));
    else waiter.resolve(message.result);
  });
  const call = (method, params = {}) =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject });
      socket.send(JSON.stringify({ id, method, params }));
    });
  await call('Profiler.enable');
  await call('Profiler.setSamplingInterval', { interval: 250 });
  await call('Profiler.start');
  return {
    stop: async (name) => {
      const { profile } = await call('Profiler.stop');
      socket.close();
      mkdirSync(PROFILE_DIR, { recursive: true });
      const file = join(PROFILE_DIR, `${name}.cpuprofile`);
      writeFileSync(file, JSON.stringify(profile));
      console.log(`\nCPU profile of the API during "${name}": ${file}`);
      spawnSync(process.execPath, [join(root, 'bench/profile-summary.mjs'), file, '12'], {
        stdio: 'inherit',
      });
    },
  };
}

/**
 * What the database's sessions of `databaseUrl` were doing during the load: pg_stat_activity
 * sampled every 5 ms from a connection of its own (PROFILE set and a DATABASE_URL only). The
 * shares tell a CPU-bound backend (running) from one waiting for a row lock held by another
 * transaction (Lock/transactionid, Lock/tuple), for its WAL to reach the disk (IO/WALSync,
 * LWLock/WALWrite) or for the API to send the next statement (Client/ClientRead).
 */
export async function sampleDatabaseWaits(databaseUrl) {
  if (!PROFILE_DIR || !databaseUrl) return { stop: async () => undefined };
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  const name = new URL(databaseUrl).pathname.slice(1);
  const counts = new Map();
  let samples = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      const { rows } = await client.query(
        `SELECT coalesce(wait_event_type || '/' || wait_event, 'running') AS what, count(*)::int AS n
           FROM pg_stat_activity
          WHERE datname = $1 AND pid <> pg_backend_pid() AND backend_type = 'client backend'
            AND state <> 'idle'
          GROUP BY 1`,
        [name],
      );
      samples++;
      for (const { what, n } of rows) counts.set(what, (counts.get(what) ?? 0) + n);
      await sleep(5);
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      await client.end();
      const total = [...counts.values()].reduce((a, b) => a + b, 0);
      console.log(
        `\nPostgreSQL sessions busy in a transaction or statement (${samples} samples of pg_stat_activity, mean ${(total / samples).toFixed(1)} at a time):`,
      );
      for (const [what, n] of [...counts].sort((a, b) => b[1] - a[1]).slice(0, 10)) {
        console.log(`${((n / total) * 100).toFixed(1).padStart(6)} %  ${what}`);
      }
    },
  };
}
