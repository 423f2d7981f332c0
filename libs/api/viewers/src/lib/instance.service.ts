import { randomUUID } from 'node:crypto';

import {
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';

import { AppConfig, Clock } from '@finserve/api/core';

import { ViewersRepository } from './viewers.repository';

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
    private readonly repository: ViewersRepository,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const now = this.clock.now();
    await this.repository.registerInstance(this.id, now);
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
    await this.repository.removeInstance(this.id);
  }

  async beat(): Promise<void> {
    const now = this.clock.now();
    await this.repository.heartbeat(this.id, now);
    await this.recoverDeadInstances();
  }

  /** Closes the open sessions of dead instances at their last heartbeat; returns how many. */
  async recoverDeadInstances(): Promise<number> {
    const cutoff = new Date(
      this.clock.now().getTime() - DEAD_AFTER_BEATS * this.config.INSTANCE_HEARTBEAT_SECONDS * 1000,
    );
    const closed = await this.repository.closeDeadInstances(cutoff, this.id);
    if (closed.length) {
      this.logger.warn(`closed ${closed.length} viewing session(s) of dead API instances`);
      const streamIds = [...new Set(closed)];
      for (const listener of this.recovered) listener(streamIds);
    }
    return closed.length;
  }
}
