import { mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';

import { Redis } from 'ioredis';
import { Client } from 'pg';

// Global setup runs outside jest's module map, so the library is imported by path.
// eslint-disable-next-line @nx/enforce-module-boundaries -- global setup runs outside jest's module map
import { EmbeddedPostgres } from '../../../libs/api/database/src/lib/embedded-postgres';

/**
 * One fresh, empty database for the whole run; the app applies the real migrations to it when the
 * first test starts it. With DATABASE_URL (CI, or your own server) a new database is created on
 * that server; without it an embedded PostgreSQL is started under .data/test-postgres.
 */
/** True when a Redis answers PING at `url` within a second. */
async function redisAnswers(url: string): Promise<boolean> {
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 1000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    return (await redis.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}

/**
 * With several jest workers (tools/test.mjs runs the suites that need no browser two at a
 * time), each worker gets a database of its own beside the run's: suites that count rows, list
 * live streams or run migrations then do not see another suite's work in progress.
 * `worker-database.ts` (a setup file) points a worker's suites at theirs.
 */
async function createWorkerDatabases(url: string, workers: number): Promise<void> {
  if (workers <= 1) return;
  const admin = new Client({ connectionString: url });
  await admin.connect();
  try {
    for (let worker = 1; worker <= workers; worker++) {
      const workerUrl = new URL(url);
      const name = `${workerUrl.pathname.slice(1)}_w${worker}`;
      await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(name)}`);
      workerUrl.pathname = `/${name}`;
      process.env[`TEST_DATABASE_URL_W${worker}`] = workerUrl.toString();
    }
    process.env['TEST_DATABASE_WORKERS'] = String(workers);
  } finally {
    await admin.end();
  }
}

export default async function globalSetup(globalConfig: { maxWorkers: number }): Promise<void> {
  await setUpDatabase();
  await createWorkerDatabases(process.env['TEST_DATABASE_URL'] as string, globalConfig.maxWorkers);
}

async function setUpDatabase(): Promise<void> {
  // Tests of what crosses instances through Redis need a real Redis: TEST_REDIS_URL (CI sets it,
  // and then they must pass), else a local one if it answers; without Redis they are skipped.
  if (!process.env['TEST_REDIS_URL'] && (await redisAnswers('redis://127.0.0.1:6379'))) {
    process.env['TEST_REDIS_URL'] = 'redis://127.0.0.1:6379';
  }

  const serverUrl = process.env['DATABASE_URL'];
  const name = `finserve_test_${Date.now()}_${process.pid}`;
  if (serverUrl) {
    const admin = new Client({ connectionString: serverUrl });
    await admin.connect();
    try {
      await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(name)}`);
    } finally {
      await admin.end();
    }
    const url = new URL(serverUrl);
    url.pathname = `/${name}`;
    process.env['TEST_DATABASE_URL'] = url.toString();
    process.env['TEST_DATABASE_SERVER_URL'] = serverUrl;
    process.env['TEST_DATABASE_NAME'] = name;
    return;
  }
  const dataDir = resolve(join('.data', 'test-postgres'));
  rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(dataDir, { recursive: true, mode: 0o755 });
  const embedded = new EmbeddedPostgres({ dataDir, port: 54330, database: name });
  process.env['TEST_DATABASE_URL'] = await embedded.start();
  (globalThis as { __EMBEDDED_PG__?: EmbeddedPostgres }).__EMBEDDED_PG__ = embedded;
}
