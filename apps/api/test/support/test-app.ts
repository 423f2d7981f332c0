import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Clock, loadConfig } from '@finserve/api/core';

import { startApp, type RunningApp } from '../../src/bootstrap';

export const TEST_JWT_SECRET = 'test-secret-that-is-long-enough-for-hs256-0123456789';

let testApps = 0;

/** The env every test app gets; tests override single variables. */
export function testEnv(overrides: Record<string, string> = {}): NodeJS.ProcessEnv {
  const databaseUrl = process.env['TEST_DATABASE_URL'];
  if (!databaseUrl)
    throw new Error('TEST_DATABASE_URL is not set: run tests through jest (global setup)');
  return {
    NODE_ENV: 'test',
    PORT: '0',
    HOST: '127.0.0.1',
    DATABASE_URL: databaseUrl,
    DATA_DIR: mkdtempSync(join(tmpdir(), 'finserve-test-')),
    JWT_SECRET: TEST_JWT_SECRET,
    LOG_LEVEL: process.env['TEST_LOG_LEVEL'] ?? 'silent',
    SEED_DEMO: 'false',
    MEDIA_HOST_ADDRESSES: '127.0.0.1',
    // One media worker unless a test spreads streams over more (media-cores.int-spec): tests that
    // read the SFU's rooms (stats, keyframe counts) expect a stream's viewers in one room.
    MEDIA_WORKERS: '1',
    MEDIA_WORKER_SCRIPT: join(
      __dirname,
      '..',
      '..',
      '..',
      '..',
      'dist',
      'apps',
      'api',
      'media-worker.js',
    ),
    ADMIN_USERNAME: 'admin',
    ADMIN_PASSWORD: 'admin-password-for-tests',
    // Suites fire many requests and sockets from one IP; security.int-spec tests the real limits.
    API_RATE_LIMIT_PER_MINUTE: '1000000',
    AUTH_RATE_LIMIT_PER_IP_PER_MINUTE: '1000000',
    AUTH_RATE_LIMIT_PER_USERNAME_PER_HOUR: '1000000',
    WS_MAX_CONNECTIONS_PER_IP: '100000',
    MEDIA_SESSIONS_PER_IP_PER_MINUTE: '1000000',
    MEDIA_SESSIONS_PER_USER_PER_MINUTE: '1000000',
    MEDIA_MAX_SESSIONS_PER_IP: '100000',
    MEDIA_MAX_SESSIONS_PER_USER: '100000',
    // Every test peer (werift, Chromium) is on 127.0.0.1; production refuses loopback candidates.
    MEDIA_ALLOW_LOOPBACK_CANDIDATES: 'true',
    // Test apps with different settings run at once on one database: each has its own job queue,
    // so none works another's jobs (a webhook delivery under the wrong WEBHOOK_ALLOW_PRIVATE).
    // Apps that stand for instances of one deployment share one by passing the same schema.
    // Random, not only numbered: CI runs every suite in one process, each suite with a fresh
    // module registry (this counter restarts), so a counter alone gave later suites the queue of
    // earlier ones, backlog included.
    JOB_QUEUE_SCHEMA: `pgboss_t${++testApps}_${randomBytes(6).toString('hex')}`,
    ...overrides,
  };
}

/** `url` (TEST_REDIS_URL; the local Redis when unset) with its database number set to `db`. */
export function suiteRedis(url: string | undefined, db: number): string {
  const parsed = new URL(url ?? 'redis://127.0.0.1:6379');
  parsed.pathname = `/${db}`;
  return parsed.toString();
}

/** Starts the real API (same bootstrap as production) on a free port against the test database. */
export function startTestApp(
  overrides: Record<string, string> = {},
  options: { clock?: Clock } = {},
): Promise<RunningApp> {
  return startApp(loadConfig(testEnv(overrides)), options);
}

/** A clock that moves only when told to (starts at the real now, so heartbeats stay sane). */
export class ManualClock extends Clock {
  private current = new Date(Math.ceil(Date.now() / 1000) * 1000);

  override now(): Date {
    return new Date(this.current);
  }

  advance(seconds: number): Date {
    this.current = new Date(this.current.getTime() + seconds * 1000);
    return this.now();
  }
}
