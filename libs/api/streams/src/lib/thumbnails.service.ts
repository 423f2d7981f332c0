import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';

import {
  AppConfig,
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

/** Largest accepted frame: a 480x270 JPEG at quality 0.7 is some 20-40 KiB. */
export const THUMBNAIL_MAX_BYTES = 256 * 1024;
/** The console uploads one frame ~2 s after going live, then every 30 s; this leaves room. */
export const THUMBNAIL_UPLOADS_PER_MINUTE = 6;
const THUMBNAIL_BUCKET: TokenBucket = {
  capacity: THUMBNAIL_UPLOADS_PER_MINUTE,
  refillPerSecond: THUMBNAIL_UPLOADS_PER_MINUTE / 60,
};

/** Every JPEG starts with SOI (FF D8) followed by a marker (FF). */
export function isJpeg(bytes: Uint8Array): boolean {
  return bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
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
 * encrypted RTP and decodes nothing, so the server cannot take frames itself). One file per stream
 * under DATA_DIR/thumbnails, replaced atomically (temp file + rename); streams.thumbnail_updated_at
 * versions its URL.
 */
@Injectable()
export class ThumbnailsService {
  private readonly directory: string;

  constructor(
    @InjectRepository(StreamEntity) private readonly repository: Repository<StreamEntity>,
    private readonly streams: StreamsService,
    private readonly events: StreamEventsPublisher,
    private readonly clock: Clock,
    @Inject(RATE_LIMITER) private readonly limiter: RateLimiter,
    config: AppConfig,
  ) {
    this.directory = join(config.DATA_DIR, 'thumbnails');
  }

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

  /** Stores a checked JPEG as the stream's latest frame and tells the live list. */
  async save(streamId: string, jpeg: Buffer): Promise<void> {
    await mkdir(this.directory, { recursive: true });
    const temporary = join(this.directory, `.${streamId}.${randomUUID()}.tmp`);
    try {
      await writeFile(temporary, jpeg);
      await rename(temporary, this.path(streamId));
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
    const { affected } = await this.repository.update(
      { id: streamId, status: StreamStatus.LIVE },
      { thumbnailUpdatedAt: this.clock.now() },
    );
    if (!affected) throw new ConflictError('Thumbnails are taken only while the stream is LIVE');
    await this.events.listChanged(await this.streams.getById(streamId));
  }

  /** The stored frame, or null when the stream has none. */
  async read(streamId: string): Promise<Buffer | null> {
    try {
      return await readFile(this.path(streamId));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  }

  private path(streamId: string): string {
    return join(this.directory, `${streamId}.jpg`);
  }
}
