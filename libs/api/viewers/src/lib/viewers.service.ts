import {
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';

import { AppConfig, Clock } from '@finserve/api/core';
import { StreamEventsPublisher, StreamsService, type StreamEntity } from '@finserve/api/streams';

import { Coalescer } from './coalescer';
import { InstanceService } from './instance.service';
import { PresenceStore } from './presence.store';
import { ViewersRepository, type SessionAggregate, type ViewerSample } from './viewers.repository';

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
    private readonly repository: ViewersRepository,
    private readonly streams: StreamsService,
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
    await this.repository.sampleOnce(SAMPLER_LOCK_KEY, this.clock.now(), async () =>
      (await this.streams.liveViewerCounts()).map((stream) => ({
        streamId: stream.id,
        viewers: this.count(stream.id, stream.viewerCount),
      })),
    );
  }

  /** Per stream: distinct viewers, sessions and watch time (open sessions counted up to now). */
  aggregates(streamIds: readonly string[]): Promise<Map<string, SessionAggregate>> {
    return this.repository.aggregatesByStream(streamIds, this.clock.now());
  }

  /** Per stream, its viewer-count samples in time order. */
  samples(streamIds: readonly string[]): Promise<Map<string, ViewerSample[]>> {
    return this.repository.samplesByStream(streamIds);
  }

  /** Watch time of every session on the platform (open ones up to now), in seconds. */
  totalWatchSeconds(): Promise<number> {
    return this.repository.totalWatchSeconds(this.clock.now());
  }

  private openSession(streamId: string, viewer: Viewer, at: Date): Promise<string | null> {
    return this.repository.openSession({
      streamId,
      userId: viewer.userId,
      viewerKey: viewer.key,
      instanceId: this.instance.id,
      at,
    });
  }

  private async closeSession(opened: Promise<string | null>, at: Date): Promise<void> {
    const id = await opened;
    if (id) await this.repository.closeSession(id, at);
  }

  /** Shutdown: this instance's open sessions end now. */
  private async closeAllSessions(): Promise<void> {
    this.closing = true;
    await Promise.allSettled([...this.inflight]);
    await this.repository.closeSessionsOf(this.instance.id, this.clock.now());
  }

  private async raisePeak(streamId: string, count: number): Promise<void> {
    const peak = (await this.streams.raisePeak(streamId, count)) ?? count;
    this.knownPeak.set(streamId, Math.max(peak, this.knownPeak.get(streamId) ?? 0));
  }

  /** The coalesced update: store the count (orders liveStreams) and tell subscribers. */
  private async flushCount(streamId: string): Promise<void> {
    let count = this.presence.count(streamId);
    if (this.shared) {
      await Promise.allSettled([...this.inflight]); // this instance's session rows are written
      count = await this.repository.openViewers(streamId);
      if (count > 0) this.sharedCounts.set(streamId, count);
      else this.sharedCounts.delete(streamId);
    }
    // The peak is raised with the count it goes out with, so no event has peakViewers below
    // viewerCount (the joins' own raises may still be in flight).
    await this.raisePeak(streamId, count);
    const stream = await this.streams.setLiveViewerCount(streamId, count);
    if (stream) await this.events.changed(stream);
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
