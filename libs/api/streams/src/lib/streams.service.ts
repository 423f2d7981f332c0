import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, Repository, type EntityManager, type FindOptionsWhere } from 'typeorm';

import {
  BadUserInputError,
  Clock,
  ConflictError,
  ForbiddenError,
  isForeignKeyViolation,
  isUniqueViolation,
  NotFoundError,
  type AuthUser,
} from '@finserve/api/core';
import { normalizeTags, Role, searchWords, StreamStatus } from '@finserve/shared';

import { CategoriesService } from './categories.service';
import type { CreateStreamInput, UpdateStreamInput } from './dto/create-stream.input';
import { StreamEventsPublisher } from './stream-events';
import { StreamLifecycle } from './stream-lifecycle';
import { nextStatus, requiredStatus, type StreamAction } from './stream-state';
import { StreamEntity } from './stream.entity';
import { StreamsRepository } from './streams.repository';

export const ONE_LIVE_PER_STREAMER_INDEX = 'streams_one_live_per_streamer';

@Injectable()
export class StreamsService {
  constructor(
    @InjectRepository(StreamEntity) private readonly streams: Repository<StreamEntity>,
    private readonly events: StreamEventsPublisher,
    private readonly lifecycle: StreamLifecycle,
    private readonly clock: Clock,
    private readonly categories: CategoriesService,
    private readonly repository: StreamsRepository,
  ) {}

  findById(id: string): Promise<StreamEntity | null> {
    return this.streams.findOneBy({ id });
  }

  async getById(id: string): Promise<StreamEntity> {
    const stream = await this.findById(id);
    if (!stream) throw new NotFoundError('Stream');
    return stream;
  }

  /** Whether the stream exists; NOT_FOUND otherwise. */
  async assertExists(id: string): Promise<void> {
    if (!(await this.streams.existsBy({ id }))) throw new NotFoundError('Stream');
  }

  /**
   * In the caller's transaction: the stream's status and streamer, its row held FOR SHARE until
   * commit (it cannot end while, say, a chat message or a tip is written for it); NOT_FOUND.
   */
  async lockShared(
    manager: EntityManager,
    id: string,
  ): Promise<Pick<StreamEntity, 'id' | 'status' | 'streamerId'>> {
    const stream = await manager.getRepository(StreamEntity).findOne({
      where: { id },
      select: { id: true, status: true, streamerId: true },
      lock: { mode: 'pessimistic_read' },
    });
    if (!stream) throw new NotFoundError('Stream');
    return stream;
  }

  /** The streamer's LIVE stream, or null (there is at most one). */
  liveStreamOf(streamerId: string): Promise<StreamEntity | null> {
    return this.streams.findOneBy({ streamerId, status: StreamStatus.LIVE });
  }

  /** Each LIVE stream's stored viewer count. */
  liveViewerCounts(): Promise<Pick<StreamEntity, 'id' | 'viewerCount'>[]> {
    return this.streams.find({
      where: { status: StreamStatus.LIVE },
      select: { id: true, viewerCount: true },
    });
  }

  /** Raises the stream's peak to `count` if it is higher; the peak now (null: no such stream). */
  raisePeak(streamId: string, count: number): Promise<number | null> {
    return this.repository.raisePeak(streamId, count);
  }

  /** Stores the viewer count of a LIVE stream; the stream, or null when it is no longer LIVE. */
  async setLiveViewerCount(streamId: string, count: number): Promise<StreamEntity | null> {
    await this.streams.update({ id: streamId, status: StreamStatus.LIVE }, { viewerCount: count });
    const stream = await this.streams.findOneBy({ id: streamId });
    return stream?.status === StreamStatus.LIVE ? stream : null;
  }

  /** Platform figures: streams, LIVE ones, and the average length of those that started. */
  figures(now: Date): Promise<{ total: number; live: number; averageSeconds: number | null }> {
    return this.repository.figures(now);
  }

  /** Whether any stream exists at all (the demo seeds only into a database without one). */
  any(): Promise<boolean> {
    return this.streams.exists();
  }

  /** The LIVE demo stream, if there is one (the demo publisher feeds it). */
  liveDemo(): Promise<StreamEntity | null> {
    return this.streams.findOne({
      where: { isDemo: true, status: StreamStatus.LIVE },
      order: { startedAt: 'ASC', id: 'ASC' },
    });
  }

  /**
   * LIVE streams, most viewers first (as of the last coalesced count), then longest running;
   * with a category, only its streams (an unknown slug is BAD_USER_INPUT).
   */
  async live(limit: number, offset: number, category?: string | null): Promise<StreamEntity[]> {
    const where: FindOptionsWhere<StreamEntity> = { status: StreamStatus.LIVE };
    if (category) where.categorySlug = await this.categories.requireSlug(category);
    return this.streams.find({
      where,
      order: { viewerCount: 'DESC', startedAt: 'ASC', id: 'ASC' },
      take: limit,
      skip: offset,
    });
  }

  /** The LIVE streams of these streamers (a followed channels' list), most viewers first. */
  liveOf(streamerIds: readonly string[]): Promise<StreamEntity[]> {
    if (streamerIds.length === 0) return Promise.resolve([]);
    return this.streams.find({
      where: { status: StreamStatus.LIVE, streamerId: In([...streamerIds]) },
      order: { viewerCount: 'DESC', startedAt: 'ASC', id: 'ASC' },
    });
  }

  /** Streams by id, in no particular order (loaders order them). */
  findByIds(ids: readonly string[]): Promise<StreamEntity[]> {
    if (ids.length === 0) return Promise.resolve([]);
    return this.streams.find({ where: { id: In([...ids]) } });
  }

  /**
   * SCHEDULED streams, soonest `scheduledFor` first; those without one come after, newest created
   * first (index streams_upcoming, in this order).
   */
  upcoming(limit: number, offset: number): Promise<StreamEntity[]> {
    return this.streams.find({
      where: { status: StreamStatus.SCHEDULED },
      order: {
        scheduledFor: { direction: 'ASC', nulls: 'LAST' },
        createdAt: 'DESC',
        id: 'DESC',
      },
      take: limit,
      skip: offset,
    });
  }

  /** A streamer's streams, newest first. */
  byStreamer(streamerId: string, limit: number, offset: number): Promise<StreamEntity[]> {
    return this.streams.find({
      where: { streamerId },
      order: { createdAt: 'DESC', id: 'DESC' },
      take: limit,
      skip: offset,
    });
  }

  /** ENDED streams, most recently ended first; with a category, only its streams. */
  async recentlyEnded(
    limit: number,
    offset: number,
    category?: string | null,
  ): Promise<StreamEntity[]> {
    const where: FindOptionsWhere<StreamEntity> = { status: StreamStatus.ENDED };
    if (category) where.categorySlug = await this.categories.requireSlug(category);
    return this.streams.find({
      where,
      order: { endedAt: 'DESC', id: 'DESC' },
      take: limit,
      skip: offset,
    });
  }

  /**
   * A page of each channel's streams in one status, in one query for many channels (a list of
   * users asking for their pastStreams): ENDED newest first (index streams_past_by_streamer),
   * SCHEDULED soonest first, those without a time last, newest created first (streams_upcoming).
   */
  async pageOfEach(
    status: StreamStatus.ENDED | StreamStatus.SCHEDULED,
    streamerIds: readonly string[],
    limit: number,
    offset: number,
  ): Promise<Map<string, StreamEntity[]>> {
    const ranked = await this.repository.pageOfEach(
      status,
      status === StreamStatus.ENDED ? 'ended' : 'scheduled',
      streamerIds,
      limit,
      offset,
    );
    const rows = ranked.length
      ? await this.streams.findBy({ id: In(ranked.map((row) => row.id)) })
      : [];
    const byId = new Map(rows.map((row) => [row.id, row]));
    const pages = new Map<string, StreamEntity[]>(streamerIds.map((id) => [id, []]));
    for (const row of ranked) {
      const stream = byId.get(row.id);
      if (stream) pages.get(row.streamer_id)?.push(stream);
    }
    return pages;
  }

  /**
   * Full-text search over title, tags, category and description (accent- and case-insensitive,
   * each word a prefix: "eur usd" finds "EUR/USD London open"), or streams of the channels whose
   * names matched (`channels`, scored by trigram similarity, from the users' owner). LIVE first,
   * then SCHEDULED, then ENDED; best match first within each, then the most recent.
   */
  async search(
    query: string,
    options: {
      status?: StreamStatus | null;
      limit: number;
      offset: number;
      channels: readonly { id: string; score: number }[];
    },
  ): Promise<StreamEntity[]> {
    const words = searchWords(query);
    if (!words.length && !options.channels.length) return [];
    const ids = await this.repository.search(words, {
      status: options.status ?? null,
      limit: options.limit,
      offset: options.offset,
      channels: options.channels,
    });
    if (!ids.length) return [];
    const rows = await this.streams.findBy({ id: In(ids) });
    const byId = new Map(rows.map((row) => [row.id, row]));
    return ids.flatMap((id) => byId.get(id) ?? []);
  }

  private tagsOf(tags: readonly string[]): string[] {
    const result = normalizeTags(tags);
    if ('problem' in result) throw new BadUserInputError(result.problem, { field: 'tags' });
    return result.tags;
  }

  async create(
    user: AuthUser,
    input: CreateStreamInput,
    options: { isDemo?: boolean } = {},
  ): Promise<StreamEntity> {
    const now = this.clock.now();
    const scheduled = !!input.scheduledFor && input.scheduledFor.getTime() > now.getTime();
    const categorySlug = input.categorySlug
      ? await this.categories.requireSlug(input.categorySlug)
      : null;
    const tags = this.tagsOf(input.tags ?? []);
    const stream = this.streams.create({
      categorySlug,
      tags,
      streamerId: user.id,
      title: input.title,
      description: input.description ?? null,
      status: scheduled ? StreamStatus.SCHEDULED : StreamStatus.LIVE,
      scheduledFor: input.scheduledFor ?? null,
      startedAt: scheduled ? null : now,
      streamerSeenAt: scheduled ? null : now,
      isDemo: options.isDemo ?? false,
    });
    try {
      await this.streams.insert(stream);
    } catch (error) {
      throw this.liveConflictOr(error);
    }
    const created = await this.getById(stream.id);
    if (created.status === StreamStatus.LIVE) {
      await this.events.changed(created);
      await this.lifecycle.emit({ stream: created, from: null, to: StreamStatus.LIVE });
    } else {
      // Followers hear of it (the social lib's listener); nothing else reacts to a scheduling.
      this.events.scheduleChanged();
      await this.lifecycle.emit({ stream: created, from: null, to: StreamStatus.SCHEDULED });
    }
    return created;
  }

  /**
   * Only the streamer; only the fields given change (an explicit null clears description,
   * category and tags). scheduledFor only on a SCHEDULED stream (else CONFLICT) and in the future
   * (else BAD_USER_INPUT). The new state reaches the stream's watchers and the live list at once.
   */
  async update(user: AuthUser, streamId: string, input: UpdateStreamInput): Promise<StreamEntity> {
    const stream = await this.getById(streamId);
    if (stream.streamerId !== user.id)
      throw new ForbiddenError('Only the streamer can edit this stream');
    const changes: Partial<StreamEntity> = {};
    if (input.title !== undefined) changes.title = input.title;
    if (input.description !== undefined) changes.description = input.description || null;
    if (input.categorySlug !== undefined) {
      changes.categorySlug = input.categorySlug
        ? await this.categories.requireSlug(input.categorySlug)
        : null;
    }
    if (input.tags !== undefined) changes.tags = this.tagsOf(input.tags ?? []);
    if (input.scheduledFor !== undefined) {
      if (stream.status !== StreamStatus.SCHEDULED) {
        throw new ConflictError(
          `Only a SCHEDULED stream has a time to change (this one is ${stream.status})`,
        );
      }
      if (input.scheduledFor.getTime() <= this.clock.now().getTime()) {
        throw new BadUserInputError('scheduledFor must be in the future', {
          field: 'scheduledFor',
        });
      }
      changes.scheduledFor = input.scheduledFor;
    }
    if (!Object.keys(changes).length) return stream;
    // Conditional on the status read: a stream that went live meanwhile gets no scheduledFor.
    const { affected } = await this.streams.update(
      { id: stream.id, status: stream.status },
      changes,
    );
    const updated = await this.getById(stream.id);
    if (!affected) {
      throw new ConflictError(
        `The stream changed meanwhile (it is now ${updated.status}): try again`,
      );
    }
    await this.events.changed(updated);
    return updated;
  }

  /** Only the streamer, only while SCHEDULED: the stream is deleted (it leaves every list). */
  async cancelScheduled(user: AuthUser, streamId: string): Promise<boolean> {
    const stream = await this.getById(streamId);
    if (stream.streamerId !== user.id)
      throw new ForbiddenError('Only the streamer can cancel this stream');
    if (stream.status !== StreamStatus.SCHEDULED) {
      throw new ConflictError(
        `Only a SCHEDULED stream can be cancelled (this one is ${stream.status})`,
      );
    }
    let affected: number | null | undefined;
    try {
      ({ affected } = await this.streams.delete({ id: stream.id, status: StreamStatus.SCHEDULED }));
    } catch (error) {
      if (isForeignKeyViolation(error)) {
        throw new ConflictError('This stream already has data attached: end it instead');
      }
      throw error;
    }
    if (!affected) throw new ConflictError('The stream started meanwhile: end it instead');
    this.events.scheduleChanged();
    return true;
  }

  /** SCHEDULED -> LIVE; only the streamer (contract: "Only the stream's streamer"). */
  async start(user: AuthUser, streamId: string): Promise<StreamEntity> {
    const stream = await this.getById(streamId);
    if (stream.streamerId !== user.id)
      throw new ForbiddenError('Only the streamer can start this stream');
    const now = this.clock.now();
    return this.transition(stream, 'start', { startedAt: now, streamerSeenAt: now });
  }

  /** LIVE -> ENDED; the streamer or an admin. */
  async end(user: AuthUser, streamId: string): Promise<StreamEntity> {
    const stream = await this.getById(streamId);
    if (stream.streamerId !== user.id && user.role !== Role.ADMIN) {
      throw new ForbiddenError('Only the streamer or an admin can end this stream');
    }
    return this.transition(stream, 'end', { endedAt: this.clock.now() });
  }

  /** Ends a LIVE stream on the platform's behalf (streamer gone), at the given moment. */
  async endAt(streamId: string, endedAt: Date): Promise<StreamEntity | null> {
    const stream = await this.findById(streamId);
    if (stream?.status !== StreamStatus.LIVE) return null;
    const at = stream.startedAt && endedAt < stream.startedAt ? stream.startedAt : endedAt;
    return this.transition(stream, 'end', { endedAt: at }).catch((error: unknown) => {
      if (error instanceof ConflictError) return null; // ended meanwhile by someone else
      throw error;
    });
  }

  /**
   * Applies a lifecycle action with a conditional UPDATE (status must still be the one the action
   * starts from), so two concurrent transitions cannot both succeed.
   */
  private async transition(
    stream: StreamEntity,
    action: StreamAction,
    changes: Partial<StreamEntity>,
  ): Promise<StreamEntity> {
    const status = nextStatus(stream.status, action);
    let affected: number | undefined;
    try {
      ({ affected } = await this.streams.update(
        { id: stream.id, status: requiredStatus(action) },
        { ...changes, status },
      ));
    } catch (error) {
      throw this.liveConflictOr(error);
    }
    const updated = await this.getById(stream.id);
    if (!affected) nextStatus(updated.status, action); // lost a race: CONFLICT with the real state
    await this.events.changed(updated);
    await this.lifecycle.emit({ stream: updated, from: stream.status, to: status });
    return updated;
  }

  private liveConflictOr(error: unknown): unknown {
    return isUniqueViolation(error, ONE_LIVE_PER_STREAMER_INDEX)
      ? new ConflictError('You already have a LIVE stream: end it first')
      : error;
  }
}
