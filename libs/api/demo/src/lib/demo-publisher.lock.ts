import { Injectable } from '@nestjs/common';
import { DataSource, type QueryRunner } from 'typeorm';

/** One key for every instance sharing the database (no table: a PostgreSQL advisory lock). */
const LOCK_NAME = 'finserve-live:demo-publisher';

/**
 * Makes one API instance, of all those sharing a database, the demo stream's publisher (two
 * would keep replacing each other at the SFU). A session-level advisory lock on a connection held
 * for as long as this instance publishes: it is freed when the instance stops or dies, and
 * another takes over on its next try.
 */
@Injectable()
export class DemoPublisherLock {
  private runner?: QueryRunner;

  constructor(private readonly dataSource: DataSource) {}

  get held(): boolean {
    return this.runner !== undefined;
  }

  async acquire(): Promise<boolean> {
    if (this.runner) return true;
    const runner = this.dataSource.createQueryRunner();
    try {
      const [{ locked }] = (await runner.query(
        'SELECT pg_try_advisory_lock(hashtext($1)) AS locked',
        [LOCK_NAME],
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
      await runner.query('SELECT pg_advisory_unlock(hashtext($1))', [LOCK_NAME]);
    } finally {
      await runner.release();
    }
  }
}
