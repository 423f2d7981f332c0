/**
 * Database maintenance: `node dist/apps/api/db.js <migrate|revert|reset|verify>` (Nx targets
 * api:db:migrate, api:db:revert, api:db:reset, api:db:verify). Uses DATABASE_URL, or starts the embedded
 * PostgreSQL under DATA_DIR like the app does.
 */
import 'reflect-metadata';

import { DataSource } from 'typeorm';

import { ConfigError, loadConfig } from '@finserve/api/core';
import {
  buildDataSourceOptions,
  resetDatabase,
  resolveDatabaseServer,
  revertLastMigration,
  runMigrations,
} from '@finserve/api/database';
import { verifyLedger } from '@finserve/api/tips';
import { MIGRATIONS } from '@finserve/migrations';

import { ENTITIES } from './entities';

const COMMANDS = ['migrate', 'revert', 'reset', 'verify'] as const;

async function main(command: string | undefined): Promise<void> {
  if (!COMMANDS.includes(command as (typeof COMMANDS)[number])) {
    throw new ConfigError(`usage: db.js <${COMMANDS.join('|')}>`);
  }
  const config = loadConfig();
  const server = await resolveDatabaseServer(config, (line) => console.log(line));
  const dataSource = new DataSource(
    buildDataSourceOptions({
      url: server.url,
      entities: ENTITIES,
      migrations: MIGRATIONS,
      applicationName: 'finserve-db',
    }),
  );
  try {
    await dataSource.initialize();
    if (command === 'migrate') {
      const applied = await runMigrations(dataSource);
      console.log(`${applied.length} migration(s) applied`);
    } else if (command === 'revert') {
      await revertLastMigration(dataSource);
      console.log('last migration reverted');
    } else if (command === 'verify') {
      const problems = await verifyLedger(dataSource);
      problems.forEach((problem) => console.error(`ledger: ${problem}`));
      console.log(
        problems.length
          ? `${problems.length} ledger problem(s)`
          : 'ledger OK: every invariant holds',
      );
      if (problems.length) process.exitCode = 1;
    } else {
      const applied = await resetDatabase(dataSource);
      console.log(`database reset; ${applied.length} migration(s) applied`);
    }
  } finally {
    if (dataSource.isInitialized) await dataSource.destroy();
    await server.embedded?.stop();
  }
}

main(process.argv[2]).catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
