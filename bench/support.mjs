// Helpers of the benches that start the built API in its own process (bench/search.mjs; the
// older benches keep their own copies).
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { chmodSync, mkdtempSync } from 'node:fs';
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
  const server = spawn(process.execPath, [join(root, 'dist/apps/api/main.js')], {
    env: {
      PATH: process.env.PATH,
      ...(process.env.API_NODE_OPTIONS ? { NODE_OPTIONS: process.env.API_NODE_OPTIONS } : {}),
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
    stop: async () => {
      server.kill('SIGTERM');
      await new Promise((resolve) => server.once('exit', resolve));
    },
  };
}
