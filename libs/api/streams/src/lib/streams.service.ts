import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';

import {
  Clock,
  ConflictError,
  ForbiddenError,
  isUniqueViolation,
  NotFoundError,
  type AuthUser,
} from '@finserve/api/core';
import { Role, StreamStatus } from '@finserve/shared';

import type { CreateStreamInput } from './dto/create-stream.input';
import { StreamEventsPublisher } from './stream-events';
import { StreamLifecycle } from './stream-lifecycle';
import { nextStatus, requiredStatus, type StreamAction } from './stream-state';
import { StreamEntity } from './stream.entity';

export const ONE_LIVE_PER_STREAMER_INDEX = 'streams_one_live_per_streamer';

@Injectable()
export class StreamsService {
  constructor(
    @InjectRepository(StreamEntity) private readonly streams: Repository<StreamEntity>,
    private readonly events: StreamEventsPublisher,
    private readonly lifecycle: StreamLifecycle,
    private readonly clock: Clock,
  ) {}

  findById(id: string): Promise<StreamEntity | null> {
    return this.streams.findOneBy({ id });
  }

  async getById(id: string): Promise<StreamEntity> {
    const stream = await this.findById(id);
    if (!stream) throw new NotFoundError('Stream');
    return stream;
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

  /** LIVE streams, most viewers first (as of the last coalesced count), then longest running. */
  live(limit: number, offset: number): Promise<StreamEntity[]> {
    return this.streams.find({
      where: { status: StreamStatus.LIVE },
      order: { viewerCount: 'DESC', startedAt: 'ASC', id: 'ASC' },
      take: limit,
      skip: offset,
    });
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

  async create(
    user: AuthUser,
    input: CreateStreamInput,
    options: { isDemo?: boolean } = {},
  ): Promise<StreamEntity> {
    const now = this.clock.now();
    const scheduled = !!input.scheduledFor && input.scheduledFor.getTime() > now.getTime();
    const stream = this.streams.create({
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
    }
    return created;
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
