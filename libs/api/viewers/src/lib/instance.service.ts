import { randomUUID } from 'node:crypto';

import {
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { DataSource } from 'typeorm';

import { AppConfig, Clock } from '@finserve/api/core';

/** Missed heartbeats after which an instance counts as dead. */
export const DEAD_AFTER_BEATS = 3;

/**
 * This API process in `api_instances`: a heartbeat every INSTANCE_HEARTBEAT_SECONDS, and the
 * recovery of dead instances' viewing sessions. An instance silent for 3 beats is dead; its open
 * sessions are closed at its last heartbeat (never later: nobody knows they watched longer).
 * Every instance runs recovery at start and on each beat, so a crash is repaired within
 * 4 beats (60 s by default) by whichever process is alive.
 */
@Injectable()
export class InstanceService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  readonly id = randomUUID();
  private readonly logger = new Logger(InstanceService.name);
  private timer?: NodeJS.Timeout;
  private beforeShutdown: (() => Promise<void>)[] = [];
  private recovered: ((streamIds: string[]) => void)[] = [];

  constructor(
    private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const now = this.clock.now();
    await this.dataSource.query(
      'INSERT INTO api_instances (id, started_at, heartbeat_at) VALUES ($1, $2, $2)',
      [this.id, now],
    );
    await this.recoverDeadInstances();
    this.timer = setInterval(() => {
      this.beat().catch((error: unknown) =>
        this.logger.warn(
          `heartbeat failed: ${error instanceof Error ? error.message : String(error)}`,
        ),
      );
    }, this.config.INSTANCE_HEARTBEAT_SECONDS * 1000);
    this.timer.unref();
  }

  /** Told the streams whose viewing sessions were closed because their instance died. */
  onRecovered(listener: (streamIds: string[]) => void): void {
    this.recovered.push(listener);
  }

  /** Work to finish (on this instance's rows) before the instance row goes away. */
  onShutdown(work: () => Promise<void>): void {
    this.beforeShutdown.push(work);
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    for (const work of this.beforeShutdown) await work();
    await this.dataSource.query('DELETE FROM api_instances WHERE id = $1', [this.id]);
  }

  async beat(): Promise<void> {
    const now = this.clock.now();
    await this.dataSource.query(
      `INSERT INTO api_instances (id, started_at, heartbeat_at) VALUES ($1, $2, $2)
       ON CONFLICT (id) DO UPDATE SET heartbeat_at = EXCLUDED.heartbeat_at`,
      [this.id, now],
    );
    await this.recoverDeadInstances();
  }

  /** Closes the open sessions of dead instances at their last heartbeat; returns how many. */
  async recoverDeadInstances(): Promise<number> {
    const cutoff = new Date(
      this.clock.now().getTime() - DEAD_AFTER_BEATS * this.config.INSTANCE_HEARTBEAT_SECONDS * 1000,
    );
    const [rows] = await this.dataSource.query<[{ stream_id: string }[], number]>(
      `WITH dead AS (
         DELETE FROM api_instances WHERE heartbeat_at < $1 AND id <> $2 RETURNING id, heartbeat_at
       )
       UPDATE stream_viewers v
          SET left_at = GREATEST(v.joined_at, d.heartbeat_at),
              watch_duration_seconds =
                floor(extract(epoch FROM GREATEST(v.joined_at, d.heartbeat_at) - v.joined_at))::int
         FROM dead d
        WHERE v.instance_id = d.id AND v.left_at IS NULL
       RETURNING v.stream_id`,
      [cutoff, this.id],
    );
    if (rows.length) {
      this.logger.warn(`closed ${rows.length} viewing session(s) of dead API instances`);
      const streamIds = [...new Set(rows.map((row) => row.stream_id))];
      for (const listener of this.recovered) listener(streamIds);
    }
    return rows.length;
  }
}
