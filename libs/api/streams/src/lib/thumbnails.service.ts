import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';

import {
  BadUserInputError,
  Clock,
  ConflictError,
  ForbiddenError,
  RATE_LIMITER,
  type AuthUser,
  type RateDecision,
  type RateLimiter,
  type TokenBucket,
} from '@finserve/api/core';
import { StreamStatus } from '@finserve/shared';

import { StreamEventsPublisher } from './stream-events';
import { StreamEntity } from './stream.entity';
import { StreamsService } from './streams.service';
import { normalizeThumbnail } from './thumbnail-image';
import { ThumbnailsRepository } from './thumbnails.repository';

/** Largest accepted frame: a 480x270 JPEG at quality 0.7 is some 20-40 KiB. */
export const THUMBNAIL_MAX_BYTES = 256 * 1024;
/** The console uploads one frame ~2 s after going live, then every 30 s; this leaves room. */
export const THUMBNAIL_UPLOADS_PER_MINUTE = 6;
const THUMBNAIL_BUCKET: TokenBucket = {
  capacity: THUMBNAIL_UPLOADS_PER_MINUTE,
  refillPerSecond: THUMBNAIL_UPLOADS_PER_MINUTE / 60,
};

/** A thumbnail that is not an acceptable image: 415 (not a decodable JPEG) or 400 (its size). */
export class InvalidThumbnailError extends BadUserInputError {
  constructor(
    readonly status: 400 | 415,
    message: string,
  ) {
    super(message);
  }
}

/** The public, versioned URL of a stream's thumbnail (the version changes on each upload). */
export function thumbnailUrl(
  stream: Pick<StreamEntity, 'id' | 'thumbnailUpdatedAt'>,
): string | null {
  return stream.thumbnailUpdatedAt
    ? `/thumbnails/${stream.id}.jpg?v=${stream.thumbnailUpdatedAt.getTime()}`
    : null;
}

/**
 * The latest frame of each stream, uploaded by its streamer's console while LIVE (the SFU forwards
 * encrypted RTP and decodes nothing, so the server cannot take frames itself). Kept in PostgreSQL
 * (`stream_thumbnails`, one row per stream) so that any API instance serves what was uploaded
 * through another; `streams.thumbnail_updated_at` versions its URL. Both change in one transaction.
 */
@Injectable()
export class ThumbnailsService {
  constructor(
    @InjectRepository(StreamEntity) private readonly repository: Repository<StreamEntity>,
    private readonly streams: StreamsService,
    private readonly thumbnails: ThumbnailsRepository,
    private readonly events: StreamEventsPublisher,
    private readonly clock: Clock,
    @Inject(RATE_LIMITER) private readonly limiter: RateLimiter,
  ) {}

  /**
   * Who may upload, checked before the body is read: the stream exists (NOT_FOUND), is the user's
   * (FORBIDDEN) and LIVE (CONFLICT). Then one token of the stream's bucket is taken.
   */
  async authorize(user: AuthUser, streamId: string): Promise<RateDecision> {
    const stream = await this.streams.getById(streamId);
    if (stream.streamerId !== user.id)
      throw new ForbiddenError("Only the stream's streamer can upload its thumbnail");
    if (stream.status !== StreamStatus.LIVE)
      throw new ConflictError('Thumbnails are taken only while the stream is LIVE');
    return this.limiter.consume(`thumbnail:stream:${streamId}`, THUMBNAIL_BUCKET);
  }

  /**
   * Stores a frame as the stream's latest (only while LIVE) and tells the live list. The frame is
   * decoded and re-encoded first (normalizeThumbnail): only its pixels are kept; a file that is no
   * JPEG of an accepted size is refused with InvalidThumbnailError.
   */
  async save(streamId: string, upload: Uint8Array): Promise<void> {
    const image = normalizeThumbnail(upload);
    if (!image.ok) throw new InvalidThumbnailError(image.status, image.reason);
    const jpeg = image.jpeg;
    const now = this.clock.now();
    await this.repository.manager.transaction(async (manager) => {
      const { affected } = await manager.update(
        StreamEntity,
        { id: streamId, status: StreamStatus.LIVE },
        { thumbnailUpdatedAt: now },
      );
      if (!affected) throw new ConflictError('Thumbnails are taken only while the stream is LIVE');
      await this.thumbnails.save(manager, streamId, jpeg, now);
    });
    await this.events.listChanged(await this.streams.getById(streamId));
  }

  /** The stored frame, or null when the stream has none. */
  read(streamId: string): Promise<Buffer | null> {
    return this.thumbnails.read(streamId);
  }
}
