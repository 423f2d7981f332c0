import type { DataSource, EntityManager, QueryRunner } from 'typeorm';

/**
 * PostgreSQL advisory locks: work that one instance at a time does, among all those sharing the
 * database (no table holds them).
 */

/**
 * Takes the transaction-scoped lock `key` if no one holds it (freed at commit or rollback);
 * false at once otherwise.
 */
export async function tryTransactionLock(manager: EntityManager, key: number): Promise<boolean> {
  const [{ locked }] = await manager.query<{ locked: boolean }[]>(
    'SELECT pg_try_advisory_xact_lock($1) AS locked',
    [key],
  );
  return locked;
}

/**
 * Waits for the transaction-scoped lock named `name` (freed at commit or rollback): the caller's
 * transaction is then the only one holding it, among all instances.
 */
export async function lockForTransaction(manager: EntityManager, name: string): Promise<void> {
  await manager.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [name]);
}

/**
 * Runs `work` in a transaction when this instance gets the lock `key` (the others skip it at once:
 * `skipped`); the lock is freed when the transaction ends.
 */
export async function onceAcrossInstances<T, S>(
  dataSource: DataSource,
  key: number,
  skipped: S,
  work: (manager: EntityManager) => Promise<T>,
): Promise<T | S> {
  return dataSource.transaction(async (manager) =>
    (await tryTransactionLock(manager, key)) ? work(manager) : skipped,
  );
}

/**
 * A session-level lock named `name`, held on a connection of its own for as long as this process
 * wants it: freed by `release()`, or when the process stops or dies (the connection closes).
 */
export class SessionLock {
  private runner?: QueryRunner;

  constructor(
    private readonly dataSource: DataSource,
    private readonly name: string,
  ) {}

  get held(): boolean {
    return this.runner !== undefined;
  }

  /** Takes the lock if it is free; whether this process holds it now. */
  async acquire(): Promise<boolean> {
    if (this.runner) return true;
    const runner = this.dataSource.createQueryRunner();
    try {
      const [{ locked }] = (await runner.query(
        'SELECT pg_try_advisory_lock(hashtext($1)) AS locked',
        [this.name],
      )) as { locked: boolean }[];
      if (locked) this.runner = runner;
      return locked;
    } finally {
      if (this.runner !== runner) await runner.release();
    }
  }

  async release(): Promise<void> {
    const runner = this.runner;
    this.runner = undefined;
    if (!runner) return;
    try {
      await runner.query('SELECT pg_advisory_unlock(hashtext($1))', [this.name]);
    } finally {
      await runner.release();
    }
  }
}
