import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

import { SessionLock } from '@finserve/api/database';

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
  private readonly lock: SessionLock;

  constructor(dataSource: DataSource) {
    this.lock = new SessionLock(dataSource, LOCK_NAME);
  }

  get held(): boolean {
    return this.lock.held;
  }

  acquire(): Promise<boolean> {
    return this.lock.acquire();
  }

  release(): Promise<void> {
    return this.lock.release();
  }
}
