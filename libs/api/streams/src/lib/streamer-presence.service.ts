import {
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { DataSource, In, LessThan, Repository } from 'typeorm';

import { AppConfig, Clock } from '@finserve/api/core';
import { onceAcrossInstances } from '@finserve/api/database';
import { StreamStatus } from '@finserve/shared';

import { StreamEntity } from './stream.entity';
import { StreamsService } from './streams.service';

/** Advisory-lock key: one instance at a time sweeps for abandoned streams. */
const SWEEP_LOCK_KEY = 724_100_301;

/**
 * Whether a streamer's broadcast console is connected, and the automatic end of LIVE streams whose
 * console has been gone for STREAMER_GRACE_SECONDS, with the end time at the moment it left.
 *
 * `streams.streamer_seen_at` is the last moment a console was known connected: refreshed every
 * heartbeat by the instance holding the console, set when the last console leaves, and set at
 * start. A crashed instance stops refreshing, so its consoles count as gone from their last beat.
 */
@Injectable()
export class StreamerPresenceService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(StreamerPresenceService.name);
  private readonly consoles = new Map<string, number>();
  private timers: NodeJS.Timeout[] = [];

  constructor(
    @InjectRepository(StreamEntity) private readonly streams: Repository<StreamEntity>,
    private readonly streamsService: StreamsService,
    private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  onApplicationBootstrap(): void {
    const graceMs = this.config.STREAMER_GRACE_SECONDS * 1000;
    const sweepEvery = Math.min(10_000, Math.max(250, Math.floor(graceMs / 4)));
    const heartbeatEvery = Math.min(this.config.INSTANCE_HEARTBEAT_SECONDS * 1000, sweepEvery);
    this.timers = [
      setInterval(
        () => void this.heartbeat().catch((e: unknown) => this.warn('heartbeat', e)),
        heartbeatEvery,
      ),
      setInterval(() => void this.sweep().catch((e: unknown) => this.warn('sweep', e)), sweepEvery),
    ];
    this.timers.forEach((timer) => timer.unref());
  }

  onApplicationShutdown(): void {
    this.timers.forEach((timer) => clearInterval(timer));
  }

  isConsoleConnected(streamId: string): boolean {
    return (this.consoles.get(streamId) ?? 0) > 0;
  }

  async consoleConnected(streamId: string): Promise<void> {
    this.consoles.set(streamId, (this.consoles.get(streamId) ?? 0) + 1);
    await this.streams.update({ id: streamId }, { streamerSeenAt: this.clock.now() });
  }

  async consoleDisconnected(streamId: string): Promise<void> {
    const left = (this.consoles.get(streamId) ?? 1) - 1;
    if (left > 0) {
      this.consoles.set(streamId, left);
      return;
    }
    this.consoles.delete(streamId);
    await this.streams.update(
      { id: streamId, status: StreamStatus.LIVE },
      { streamerSeenAt: this.clock.now() },
    );
  }

  /** Refreshes streamer_seen_at of the streams whose console is connected here. */
  async heartbeat(): Promise<void> {
    const ids = [...this.consoles.keys()];
    if (ids.length) {
      await this.streams.update(
        { id: In(ids), status: StreamStatus.LIVE },
        { streamerSeenAt: this.clock.now() },
      );
    }
  }

  /** Ends every LIVE stream whose console has been gone longer than the grace period. */
  async sweep(): Promise<string[]> {
    const cutoff = new Date(this.clock.now().getTime() - this.config.STREAMER_GRACE_SECONDS * 1000);
    const abandoned = await onceAcrossInstances(this.dataSource, SWEEP_LOCK_KEY, [], (manager) =>
      manager.getRepository(StreamEntity).find({
        select: { id: true, streamerSeenAt: true },
        where: { status: StreamStatus.LIVE, isDemo: false, streamerSeenAt: LessThan(cutoff) },
      }),
    );
    const ended: string[] = [];
    for (const stream of abandoned) {
      if (this.isConsoleConnected(stream.id) || !stream.streamerSeenAt) continue;
      const result = await this.streamsService.endAt(stream.id, stream.streamerSeenAt);
      if (result) {
        ended.push(stream.id);
        this.logger.log(
          `stream ${stream.id} ended: the streamer left at ${stream.streamerSeenAt.toISOString()}`,
        );
      }
    }
    return ended;
  }

  private warn(what: string, error: unknown): void {
    this.logger.warn(`${what} failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}
