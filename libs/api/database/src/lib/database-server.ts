import { join } from 'node:path';

import type { AppConfig } from '@finserve/api/core';

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
  if (config.DATABASE_URL) return { url: config.DATABASE_URL };
  const embedded = new EmbeddedPostgres({
    dataDir: join(config.DATA_DIR, 'postgres'),
    port: config.EMBEDDED_PG_PORT,
    database: 'finserve',
    log,
  });
  const url = await embedded.start();
  return { url, embedded };
}
