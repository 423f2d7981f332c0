import { join } from 'node:path';

import { Client } from 'pg';

import { redactUrl, StartupError, type AppConfig } from '@finserve/api/core';

import { EmbeddedPostgres } from './embedded-postgres';

export interface DatabaseServer {
  url: string;
  /** Set when this process started an embedded PostgreSQL; stop it on shutdown. */
  embedded?: EmbeddedPostgres;
}

/**
 * DATABASE_URL when set; otherwise an embedded PostgreSQL under DATA_DIR/postgres, started now.
 */
export async function resolveDatabaseServer(
  config: AppConfig,
  log?: (line: string) => void,
): Promise<DatabaseServer> {
  if (config.DATABASE_URL) {
    await probeDatabase(config.DATABASE_URL);
    return { url: config.DATABASE_URL };
  }
  const dataDir = join(config.DATA_DIR, 'postgres');
  const embedded = new EmbeddedPostgres({
    dataDir,
    port: config.EMBEDDED_PG_PORT,
    database: 'finserve',
    log,
  });
  try {
    const url = await embedded.start();
    return { url, embedded };
  } catch (error) {
    await embedded.stop().catch(() => undefined);
    throw new StartupError(
      `The embedded PostgreSQL (no DATABASE_URL set) did not start in ${dataDir} on port ${config.EMBEDDED_PG_PORT} (EMBEDDED_PG_PORT): ${describeDatabaseError(error, '')}`,
    );
  }
}

interface PgLikeError {
  code?: string;
  message?: string;
}

/** What went wrong reaching a PostgreSQL, in words that say what to do. */
export function describeDatabaseError(error: unknown, url: string): string {
  const { code, message } = (error ?? {}) as PgLikeError;
  let host = '?';
  let database = '?';
  let user = '?';
  try {
    const parsed = new URL(url);
    host = `${parsed.hostname}:${parsed.port || 5432}`;
    database = decodeURIComponent(parsed.pathname.slice(1)) || user;
    user = decodeURIComponent(parsed.username) || '(default user)';
  } catch {
    // described below as it came
  }
  switch (code) {
    case 'ECONNREFUSED':
      return `nothing answers at ${host} (is PostgreSQL running?)`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `the host of ${host} cannot be resolved`;
    case 'ETIMEDOUT':
      return `no answer from ${host} within 5 s`;
    case '3D000':
      return `database "${database}" does not exist (create it with: createdb ${database})`;
    case '28000':
      return `the server refuses the role "${user}": ${message ?? ''}`.trim();
    case '28P01':
      return `password authentication failed for the role "${user}"`;
    case '57P03':
      return 'the server is starting up or shutting down; try again in a moment';
    default:
      return (message ?? String(error)).split('\n')[0];
  }
}

/**
 * Connects once to `url` and disconnects: a database that is unreachable, missing or refuses the
 * role becomes one StartupError line naming DATABASE_URL (password hidden), not a driver stack.
 */
export async function probeDatabase(url: string): Promise<void> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (error) {
    const timedOut = error instanceof Error && /timeout/i.test(error.message);
    throw new StartupError(
      `Cannot use the database at DATABASE_URL=${redactUrl(url)}: ${describeDatabaseError(timedOut ? { code: 'ETIMEDOUT' } : error, url)}`,
    );
  } finally {
    await client.end().catch(() => undefined);
  }
}
