import {
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { DataSource } from 'typeorm';

import { AppConfig, Clock } from '@finserve/api/core';
import { StreamEntity, StreamEventsPublisher } from '@finserve/api/streams';
import { StreamStatus } from '@finserve/shared';

import { Coalescer } from './coalescer';
import { InstanceService } from './instance.service';
import { PresenceStore } from './presence.store';

export interface Viewer {
  userId: string | null;
  /** `user:<id>` or `conn:<connection id>`: what makes a viewer distinct. */
  key: string;
}

/** At most one viewer-count update per stream per second (watchStream, liveStreamsChanged). */
export const COUNT_UPDATE_INTERVAL_MS = 1000;
export const SAMPLE_INTERVAL_MS = 10_000;
const SAMPLER_LOCK_KEY = 724_100_302;

/**
 * Viewer presence and viewing sessions. A join/leave changes the in-memory presence at once (so
 * `viewerCount` is exact), opens/closes the distinct viewer's session row, raises the peak
 * atomically when a new high is reached, and marks the stream for a coalesced count update.
 */
@Injectable()
export class ViewersService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ViewersService.name);
  /** Open session row per `${streamId} ${viewerKey}` (a promise while the INSERT runs). */
  private readonly sessions = new Map<string, Promise<string | null>>();
  private readonly knownPeak = new Map<string, number>();
  private readonly inflight = new Set<Promise<unknown>>();
  private readonly coalescer = new Coalescer(
    COUNT_UPDATE_INTERVAL_MS,
    (streamId) => this.flushCount(streamId),
    (error) => this.warn('viewer count update', error),
  );
  private sampler?: NodeJS.Timeout;
  private closing = false;
  private readonly shared: boolean;
  /** Shared mode: the last count of all instances, per LIVE stream this instance has seen. */
  private readonly sharedCounts = new Map<string, number>();

  constructor(
    private readonly presence: PresenceStore,
    private readonly instance: InstanceService,
    private readonly events: StreamEventsPublisher,
    private readonly dataSource: DataSource,
    private readonly clock: Clock,
    config: AppConfig,
  ) {
    instance.onShutdown(() => this.closeAllSessions());
    // With several instances (REDIS_URL) the count is everyone's: the distinct open viewing
    // sessions of all instances in PostgreSQL, re-counted on each coalesced update and after a
    // dead instance's sessions were closed.
    this.shared = Boolean(config.REDIS_URL);
    instance.onRecovered((streamIds) => streamIds.forEach((id) => this.coalescer.touch(id)));
  }

  onApplicationBootstrap(): void {
    this.sampler = setInterval(() => {
      this.sample().catch((error: unknown) => this.warn('viewer sampling', error));
    }, SAMPLE_INTERVAL_MS);
    this.sampler.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.sampler);
    await this.coalescer.stop();
  }

  /**
   * Distinct viewers now: this process's exact presence; in shared mode every instance's, as
   * last stored (`stored`: the stream row or event at hand, at most one coalescing interval old).
   */
  count(streamId: string, stored?: number): number {
    if (!this.shared) return this.presence.count(streamId);
    return stored ?? this.sharedCounts.get(streamId) ?? this.presence.count(streamId);
  }

  async join(stream: StreamEntity, viewer: Viewer): Promise<void> {
    const change = this.presence.join(stream.id, viewer.key);
    if (change.edge && !this.closing) {
      const opened = this.track(this.openSession(stream.id, viewer, this.clock.now()));
      this.sessions.set(`${stream.id} ${viewer.key}`, opened);
    }
    this.coalescer.touch(stream.id);
    if (!this.shared && change.count > (this.knownPeak.get(stream.id) ?? 0))
      await this.raisePeak(stream.id, change.count);
  }

  /** `at`: when the viewing ended (the stream's end time when it ended); now by default. */
  async leave(streamId: string, viewerKey: string, at?: Date | null): Promise<void> {
    const change = this.presence.leave(streamId, viewerKey);
    if (change.edge) {
      const key = `${streamId} ${viewerKey}`;
      const opened = this.sessions.get(key);
      this.sessions.delete(key);
      if (opened && !this.closing)
        await this.track(this.closeSession(opened, at ?? this.clock.now()));
    }
    if (!this.closing) this.coalescer.touch(streamId);
  }

  /** Writes the current count of every LIVE stream when it changed since its last sample. */
  async sample(): Promise<void> {
    const at = this.clock.now();
    await this.dataSource.transaction(async (manager) => {
      const [{ locked }] = await manager.query<{ locked: boolean }[]>(
        'SELECT pg_try_advisory_xact_lock($1) AS locked',
        [SAMPLER_LOCK_KEY],
      );
      if (!locked) return;
      const live = await manager.query<{ id: string; viewer_count: number }[]>(
        `SELECT id, viewer_count FROM streams WHERE status = 'LIVE'`,
      );
      if (!live.length) return;
      const ids = live.map((row) => row.id);
      await manager.query(
        `INSERT INTO stream_viewer_samples (stream_id, at, viewers)
         SELECT c.id, $3, c.viewers
           FROM unnest($1::uuid[], $2::int[]) AS c(id, viewers)
          WHERE c.viewers IS DISTINCT FROM (
                  SELECT x.viewers FROM stream_viewer_samples x
                   WHERE x.stream_id = c.id ORDER BY x.at DESC LIMIT 1)
         ON CONFLICT (stream_id, at) DO NOTHING`,
        [ids, live.map((row) => this.count(row.id, row.viewer_count)), at],
      );
    });
  }

  private async openSession(streamId: string, viewer: Viewer, at: Date): Promise<string | null> {
    const rows = await this.dataSource.query<{ id: string }[]>(
      `INSERT INTO stream_viewers (stream_id, user_id, viewer_key, instance_id, joined_at)
       VALUES ($1, $2, $3, $4, $5) RETURNING id`,
      [streamId, viewer.userId, viewer.key, this.instance.id, at],
    );
    return rows[0]?.id ?? null;
  }

  private async closeSession(opened: Promise<string | null>, at: Date): Promise<void> {
    const id = await opened;
    if (!id) return;
    await this.dataSource.query(
      `UPDATE stream_viewers
          SET left_at = GREATEST(joined_at, $2),
              watch_duration_seconds = floor(extract(epoch FROM GREATEST(joined_at, $2) - joined_at))::int
        WHERE id = $1 AND left_at IS NULL`,
      [id, at],
    );
  }

  /** Shutdown: this instance's open sessions end now. */
  private async closeAllSessions(): Promise<void> {
    this.closing = true;
    await Promise.allSettled([...this.inflight]);
    await this.dataSource.query(
      `UPDATE stream_viewers
          SET left_at = GREATEST(joined_at, $2),
              watch_duration_seconds = floor(extract(epoch FROM GREATEST(joined_at, $2) - joined_at))::int
        WHERE instance_id = $1 AND left_at IS NULL`,
      [this.instance.id, this.clock.now()],
    );
  }

  private async raisePeak(streamId: string, count: number): Promise<void> {
    // (TypeORM answers an UPDATE with [rows, rowCount].)
    const [rows] = await this.dataSource.query<[{ peak_viewers: number }[], number]>(
      `UPDATE streams SET peak_viewers = GREATEST(peak_viewers, $2) WHERE id = $1 RETURNING peak_viewers`,
      [streamId, count],
    );
    const peak = rows[0]?.peak_viewers ?? count;
    this.knownPeak.set(streamId, Math.max(peak, this.knownPeak.get(streamId) ?? 0));
  }

  /** The coalesced update: store the count (orders liveStreams) and tell subscribers. */
  private async flushCount(streamId: string): Promise<void> {
    const repository = this.dataSource.getRepository(StreamEntity);
    let count = this.presence.count(streamId);
    if (this.shared) {
      await Promise.allSettled([...this.inflight]); // this instance's session rows are written
      const [row] = await this.dataSource.query<{ viewers: number }[]>(
        `SELECT count(DISTINCT viewer_key)::int AS viewers FROM stream_viewers
          WHERE stream_id = $1 AND left_at IS NULL`,
        [streamId],
      );
      count = row?.viewers ?? 0;
      if (count > 0) this.sharedCounts.set(streamId, count);
      else this.sharedCounts.delete(streamId);
    }
    // The peak is raised with the count it goes out with, so no event has peakViewers below
    // viewerCount (the joins' own raises may still be in flight).
    await this.raisePeak(streamId, count);
    await repository.update({ id: streamId, status: StreamStatus.LIVE }, { viewerCount: count });
    const stream = await repository.findOneBy({ id: streamId });
    if (stream?.status === StreamStatus.LIVE) await this.events.changed(stream);
  }

  private track<T>(promise: Promise<T>): Promise<T> {
    this.inflight.add(promise);
    void promise.finally(() => this.inflight.delete(promise)).catch(() => undefined);
    return promise;
  }

  private warn(what: string, error: unknown): void {
    this.logger.warn(`${what} failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}
