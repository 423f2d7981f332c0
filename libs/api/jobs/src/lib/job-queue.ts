import {
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import PgBoss from 'pg-boss';
import { DataSource } from 'typeorm';

import { AppConfig } from '@finserve/api/core';
import { lockForTransaction } from '@finserve/api/database';

/** How a queue's jobs are retried and worked. */
export interface QueueDefinition<T> {
  /** Handles a batch of up to `batchSize` jobs; a throw fails (and retries) the whole batch. */
  handler: (jobs: PgBoss.Job<T>[]) => Promise<void>;
  /** Jobs fetched per handler call (default 1). */
  batchSize?: number;
  /** Handlers of this queue running at once in this process (default 1). */
  concurrency?: number;
  /** Retries after the first try (default 5), `retryDelay` seconds apart, doubling each time. */
  retryLimit?: number;
  retryDelay?: number;
}

export type JobData = object;

/** Polling is the safety net: a job sent from this process wakes its workers at once. */
const POLLING_INTERVAL_SECONDS = 0.5;
/** How long a shutdown waits, after pg-boss's own stop, for handlers still running to return. */
const HANDLER_DRAIN_MS = 15_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The durable job queue every feature shares (notifications fan-out, web push, later webhooks):
 * pg-boss on the application's PostgreSQL, in its own schema (`JOB_QUEUE_SCHEMA`, `pgboss`), so `npm start` needs
 * nothing more than the database it already has (Redis stays optional). Jobs survive restarts,
 * are claimed with SKIP LOCKED by whichever API instance is free, and are retried with
 * exponential backoff.
 *
 * Features `define` their queues while their module initializes; the queue starts when the
 * application has bootstrapped, and stops (letting running handlers finish) on shutdown.
 */
@Injectable()
export class JobQueue implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(JobQueue.name);
  private readonly definitions = new Map<string, QueueDefinition<never>>();
  private readonly workers = new Map<string, string[]>();
  private boss: PgBoss | null = null;
  private started: Promise<PgBoss> | null = null;
  private lastWarning = 0;
  /** Handlers running now: a pg-boss worker only stops (and is removed) once its handler returns. */
  private running = 0;

  constructor(
    private readonly dataSource: DataSource,
    private readonly config: AppConfig,
  ) {}

  define<T extends JobData>(name: string, definition: QueueDefinition<T>): void {
    if (this.started) throw new Error(`queue ${name} defined after the job queue started`);
    this.definitions.set(name, definition);
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.start();
  }

  /** Starts pg-boss (creating or upgrading its schema) and the workers of every defined queue. */
  start(): Promise<PgBoss> {
    this.started ??= this.boot();
    return this.started;
  }

  private async boot(): Promise<PgBoss> {
    const url = (this.dataSource.options as { url?: string }).url;
    if (!url) throw new Error('the job queue needs the database URL');
    const boss = new PgBoss({
      connectionString: url,
      schema: this.config.JOB_QUEUE_SCHEMA,
      application_name: 'finserve-jobs',
      max: 4,
      // Cron scheduling is not used.
      schedule: false,
    });
    boss.on('error', (error: Error) => {
      if (Date.now() - this.lastWarning < 10_000) return;
      this.lastWarning = Date.now();
      this.logger.warn(`job queue: ${error.message}`);
    });
    await boss.start();
    try {
      await this.createQueues(boss);
      await this.startWorkers(boss);
    } catch (error) {
      // A start that fails half-way leaves nothing polling behind it.
      await boss.stop({ graceful: false, wait: true, timeout: 1000 }).catch(() => undefined);
      throw error;
    }
    this.boss = boss;
    return boss;
  }

  /**
   * Creates the queues that do not exist yet. Instances starting at once on a new schema would
   * deadlock in pg-boss's createQueue: a transaction-scoped advisory lock lets one at a time in.
   */
  private async createQueues(boss: PgBoss): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      await lockForTransaction(manager, `finserve:job-queue:${this.config.JOB_QUEUE_SCHEMA}`);
      for (const [name, definition] of this.definitions) {
        if (await boss.getQueue(name)) continue;
        await boss.createQueue(name, {
          name,
          retryLimit: definition.retryLimit ?? 5,
          retryDelay: definition.retryDelay ?? 2,
          retryBackoff: true,
          expireInSeconds: 15 * 60,
        });
      }
    });
  }

  private async startWorkers(boss: PgBoss): Promise<void> {
    for (const [name, definition] of this.definitions) {
      const ids: string[] = [];
      for (let i = 0; i < (definition.concurrency ?? 1); i++) {
        ids.push(
          await boss.work<never>(
            name,
            {
              batchSize: definition.batchSize ?? 1,
              pollingIntervalSeconds: POLLING_INTERVAL_SECONDS,
            },
            async (jobs) => {
              this.running++;
              try {
                await definition.handler(jobs);
              } catch (error) {
                // pg-boss retries the batch (backing off); say why it failed.
                this.logger.warn(
                  `job ${name} failed (will retry): ${error instanceof Error ? error.message : String(error)}`,
                );
                throw error;
              } finally {
                this.running--;
              }
            },
          ),
        );
      }
      this.workers.set(name, ids);
    }
  }

  /** Enqueues one job; returns its id (null when `options.id` names a job that exists already). */
  async send<T extends JobData>(
    name: string,
    data: T,
    options: PgBoss.SendOptions = {},
  ): Promise<string | null> {
    const boss = await this.start();
    const id = await boss.send(name, data, options);
    this.wake(name);
    return id;
  }

  /** Enqueues many jobs of one queue in one statement. */
  async sendMany<T extends JobData>(
    name: string,
    jobs: Array<{ data: T } & Omit<PgBoss.JobInsert, 'name' | 'data'>>,
  ): Promise<void> {
    if (jobs.length === 0) return;
    const boss = await this.start();
    await boss.insert(jobs.map((job) => ({ ...job, name })));
    this.wake(name);
  }

  /** Jobs of a queue not yet completed (created, retry or active): tests and benches wait on it. */
  async pending(name: string): Promise<number> {
    const boss = await this.start();
    return boss.getQueueSize(name, { before: 'completed' });
  }

  /** Lets this process's workers of `name` fetch now instead of at their next poll. */
  private wake(name: string): void {
    for (const id of this.workers.get(name) ?? []) this.boss?.notifyWorker(id);
  }

  async onApplicationShutdown(): Promise<void> {
    // A shutdown during the start (an application closed right after it opened) stops the queue
    // once it has started, rather than leaving its workers polling a closed application.
    const boss = (await this.started?.catch(() => null)) ?? null;
    if (!boss) return;
    this.boss = null;
    await boss.stop({ graceful: true, wait: true, timeout: 10_000 }).catch((error: unknown) => {
      this.logger.warn(`job queue stop: ${String(error)}`);
    });
    // Handlers still running past stop()'s timeout get a little longer to return before the
    // application's connections close. (pg-boss's own removal
    // of stopped workers runs on in a loop of its own; patches/pg-boss+10.4.2.patch keeps that
    // loop from loading a module late, which crashed test processes torn down under it.)
    const deadline = Date.now() + HANDLER_DRAIN_MS;
    while (this.running > 0 && Date.now() < deadline) await sleep(50);
    if (this.running > 0)
      this.logger.warn(`job queue stop: ${this.running} handler(s) still running`);
  }
}
