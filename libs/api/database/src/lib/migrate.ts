import type { DataSource, Migration } from 'typeorm';

/** Arbitrary but fixed key of the advisory lock that serialises migrations across processes. */
const MIGRATION_LOCK_KEY = 724_100_201;

/**
 * Runs pending migrations while holding a PostgreSQL advisory lock, so several API instances
 * starting at once apply each migration exactly once.
 */
export async function runMigrations(dataSource: DataSource): Promise<Migration[]> {
  return withMigrationLock(dataSource, () => dataSource.runMigrations({ transaction: 'each' }));
}

export async function revertLastMigration(dataSource: DataSource): Promise<void> {
  await withMigrationLock(dataSource, () => dataSource.undoLastMigration({ transaction: 'each' }));
}

/**
 * Drops everything in the public schema and the job queue's (pg-boss, `libs/api/jobs`: its jobs
 * name rows that are gone), then migrates from scratch; the queue recreates its schema at start.
 */
export async function resetDatabase(dataSource: DataSource): Promise<Migration[]> {
  return withMigrationLock(dataSource, async () => {
    await dataSource.query('DROP SCHEMA IF EXISTS public CASCADE');
    await dataSource.query('DROP SCHEMA IF EXISTS pgboss CASCADE');
    await dataSource.query('CREATE SCHEMA public');
    return dataSource.runMigrations({ transaction: 'each' });
  });
}

async function withMigrationLock<T>(dataSource: DataSource, work: () => Promise<T>): Promise<T> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      return await work();
    } finally {
      await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    }
  } finally {
    await runner.release();
  }
}
