import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';

import {
  Controller,
  Get,
  Inject,
  Injectable,
  Logger,
  Param,
  Res,
  type OnApplicationShutdown,
} from '@nestjs/common';
import {
  Args,
  Context,
  Field,
  Float,
  GraphQLISODateTime,
  ID,
  InputType,
  Int,
  Mutation,
  ObjectType,
  Parent,
  Query,
  registerEnumType,
  ResolveField,
  Resolver,
} from '@nestjs/graphql';
import { Transform } from 'class-transformer';
import {
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  isUUID,
  IsUUID,
  Max,
  MaxLength,
  Min,
  MinLength,
} from 'class-validator';
import type { Response } from 'express';

import { UserLoader, UserModel } from '@finserve/api/auth';
import {
  AppConfig,
  BadUserInputError,
  CurrentUser,
  ForbiddenError,
  IntRangePipe,
  IsUserText,
  NotFoundError,
  OptionalUuidPipe,
  Public,
  RATE_LIMITER,
  RateLimitedError,
  RequireScope,
  trimString,
  UuidPipe,
  type AuthUser,
  type GraphQLContext,
  type RateLimiter,
} from '@finserve/api/core';
import { cutClip } from '@finserve/api/media';
import {
  StreamModel,
  StreamsService,
  ThumbnailsService,
  type StreamEntity,
} from '@finserve/api/streams';
import { Role, StreamStatus } from '@finserve/shared';

import { ClipsRepository, type ClipRecord } from './clips.repository';
import { HlsService } from './hls.service';
import { RecordingStore } from './recording-store';
import { recordingFormat, RecordingsService } from './recordings';

export enum ClipStatus {
  PROCESSING = 'PROCESSING',
  READY = 'READY',
  FAILED = 'FAILED',
}
registerEnumType(ClipStatus, { name: 'ClipStatus' });

/** Clips a user may make per minute. */
export const CLIPS_PER_MINUTE = 5;

@ObjectType('Clip')
export class ClipModel {
  @Field(() => ID)
  id!: string;

  streamId!: string;
  authorId!: string;

  @Field(() => String)
  title!: string;

  @Field(() => Float, { description: "Where the clip starts, in seconds from the stream's start." })
  startSeconds!: number;

  @Field(() => Float)
  durationSeconds!: number;

  @Field(() => ClipStatus)
  status!: ClipStatus;

  @Field(() => String, {
    nullable: true,
    description: "The clip's video (HTTP Range supported); null until READY.",
  })
  url!: string | null;

  @Field(() => String, { nullable: true })
  thumbnailUrl!: string | null;

  @Field(() => GraphQLISODateTime)
  createdAt!: Date;
}

@InputType('CreateClipInput')
export class CreateClipInput {
  @Field(() => ID)
  @IsUUID('all', { message: 'streamId must be an id (UUID)' })
  streamId!: string;

  @Field(() => String, {
    nullable: true,
    description: "1..100 chars; defaults to the stream's title.",
  })
  @IsOptional()
  @Transform(trimString)
  @IsString()
  @MinLength(1, { message: 'title must be 1 to 100 characters' })
  @MaxLength(100, { message: 'title must be 1 to 100 characters' })
  @IsUserText()
  title?: string | null;

  @Field(() => Int, { nullable: true, defaultValue: 30, description: '5..90.' })
  @IsInt({ message: 'durationSeconds must be a whole number between 5 and 90' })
  @Min(5, { message: 'durationSeconds must be a whole number between 5 and 90' })
  @Max(90, { message: 'durationSeconds must be a whole number between 5 and 90' })
  durationSeconds = 30;

  @Field(() => Float, {
    nullable: true,
    description:
      'Replays only: where the clip starts. On a LIVE stream the clip ends now and this must be omitted.',
  })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false }, { message: 'startSeconds must be a number' })
  @Min(0, { message: 'startSeconds must be 0 or more' })
  @Max(31_536_000, { message: 'startSeconds is beyond any recording' })
  startSeconds?: number | null;
}

const toModel = (clip: ClipRecord): ClipModel & { path: string | null } => ({
  id: clip.id,
  streamId: clip.streamId,
  authorId: clip.authorId,
  title: clip.title,
  startSeconds: clip.startSeconds,
  durationSeconds: clip.durationSeconds,
  status: clip.status,
  url:
    clip.status === ClipStatus.READY && clip.path
      ? `/clips/${clip.id}.${recordingFormat(clip.path)}`
      : null,
  thumbnailUrl: clip.hasThumbnail ? `/clips/${clip.id}.jpg?v=${clip.updatedAt.getTime()}` : null,
  createdAt: clip.createdAt,
  path: clip.path,
});

/**
 * Clips (table `clips`, owned here: ClipsRepository). A signed-in user clips the last 5-90 s of a LIVE stream (from
 * its LL-HLS segments, cut at a keyframe, on the node that packages it) or a range of a replay
 * (from its recording): the media is copied, never re-encoded, into an MP4 (H.264) or WebM (VP8)
 * kept where recordings are kept. The row is PROCESSING at once and READY (or FAILED) when the
 * file is there, a few seconds later.
 */
@Injectable()
export class ClipsService implements OnApplicationShutdown {
  private readonly logger = new Logger(ClipsService.name);
  private readonly working = new Set<Promise<void>>();
  private readonly directory: string;
  private readonly createdListeners: Array<
    (clip: ClipModel, stream: StreamEntity) => Promise<void>
  > = [];

  /**
   * In-process hook on each new clip, run once by the instance that made it, after its row is
   * committed (the social lib notifies the clipped channel). A failing listener is logged.
   */
  onCreated(listener: (clip: ClipModel, stream: StreamEntity) => Promise<void>): void {
    this.createdListeners.push(listener);
  }

  constructor(
    private readonly clips: ClipsRepository,
    private readonly config: AppConfig,
    private readonly streams: StreamsService,
    private readonly thumbnails: ThumbnailsService,
    private readonly recordings: RecordingsService,
    private readonly hls: HlsService,
    private readonly store: RecordingStore,
    @Inject(RATE_LIMITER) private readonly limiter: RateLimiter,
  ) {
    this.directory = join(this.config.DATA_DIR, 'clips');
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.allSettled([...this.working]);
  }

  async create(user: AuthUser, input: CreateClipInput): Promise<ClipModel> {
    const stream = await this.streams.findById(input.streamId);
    if (!stream) throw new NotFoundError('Stream');
    const duration = input.durationSeconds;
    let job: (
      path: string,
    ) => Promise<{ startSeconds: number; durationSeconds: number; format: 'mp4' | 'webm' }>;
    let startSeconds: number;
    if (stream.status === StreamStatus.LIVE) {
      if (input.startSeconds !== undefined && input.startSeconds !== null)
        throw new BadUserInputError('startSeconds is for replays: a live clip ends now', {
          field: 'startSeconds',
        });
      if (!this.hls.packager(stream.id)?.available)
        throw new BadUserInputError(
          'This live stream cannot be clipped (its video is not packaged on this server yet)',
        );
      startSeconds = Math.max(
        0,
        (Date.now() - (stream.startedAt?.getTime() ?? Date.now())) / 1000 - duration,
      );
      job = (path) => this.cutLive(stream, duration, path);
    } else if (stream.status === StreamStatus.ENDED) {
      if (input.startSeconds === undefined || input.startSeconds === null)
        throw new BadUserInputError('startSeconds is required to clip a replay', {
          field: 'startSeconds',
        });
      const recording = await this.recordings.byStreamId(stream.id);
      if (!recording?.path || recording.durationSeconds === null)
        throw new BadUserInputError('This stream has no replay to clip');
      if (input.startSeconds + duration > recording.durationSeconds + 1)
        throw new BadUserInputError(
          `The replay is ${Math.floor(recording.durationSeconds)} s long: the clip must end within it`,
          { field: 'startSeconds' },
        );
      startSeconds = input.startSeconds;
      const source = recording.path;
      job = (path) => this.cutReplay(source, startSeconds, duration, path);
    } else {
      throw new BadUserInputError('Only live streams and replays can be clipped');
    }
    const rate = await this.limiter.consume(`clips:${user.id}`, {
      capacity: CLIPS_PER_MINUTE,
      refillPerSecond: CLIPS_PER_MINUTE / 60,
    });
    if (!rate.allowed)
      throw new RateLimitedError(
        rate.retryAfterSeconds,
        `You can make ${CLIPS_PER_MINUTE} clips per minute`,
      );
    const thumbnail = await this.thumbnails.read(stream.id).catch(() => null);
    const clip = toModel(
      await this.clips.insertProcessing({
        streamId: stream.id,
        authorId: user.id,
        streamerId: stream.streamerId,
        title: input.title ?? stream.title.slice(0, 100),
        startSeconds,
        durationSeconds: duration,
        thumbnail,
      }),
    );
    const work = this.process(clip.id, job).finally(() => this.working.delete(work));
    this.working.add(work);
    for (const listener of this.createdListeners) {
      await listener(clip, stream).catch((error: unknown) =>
        this.logger.warn(
          `clip listener failed: ${error instanceof Error ? error.message : String(error)}`,
        ),
      );
    }
    return clip;
  }

  private async process(
    id: string,
    job: (
      path: string,
    ) => Promise<{ startSeconds: number; durationSeconds: number; format: 'mp4' | 'webm' }>,
  ): Promise<void> {
    await mkdir(this.directory, { recursive: true });
    const work = join(this.directory, `${id}.work`);
    try {
      const result = await job(work);
      const local = join(this.directory, `${id}.${result.format}`);
      await rename(`${work}.${result.format}`, local);
      const location = await this.store.keep(local, `clip-${id}`);
      await this.clips.markReady(id, {
        location,
        startSeconds: result.startSeconds,
        durationSeconds: result.durationSeconds,
      });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.logger.warn(`clip ${id} failed: ${message}`);
      await this.clips.markFailed(id, message).catch(() => undefined);
    } finally {
      await rm(work, { force: true }).catch(() => undefined);
    }
  }

  private async cutLive(stream: StreamEntity, duration: number, path: string) {
    const source = await this.hls.liveClipSource(stream.id, duration, path);
    if (!source) throw new Error('not enough of the stream is packaged yet');
    const file = await cutClip(path, `${path}.mp4`, 'mp4');
    const startedAt = stream.startedAt?.getTime() ?? source.startedAt;
    return {
      startSeconds: Math.max(0, (source.startedAt - startedAt) / 1000),
      durationSeconds: file.durationSeconds,
      format: 'mp4' as const,
    };
  }

  private async cutReplay(location: string, start: number, duration: number, path: string) {
    const format = recordingFormat(location);
    const local = this.store.localPath(location);
    if (!local) throw new Error('the replay is not on this server’s disk');
    const file = await cutClip(local, `${path}.${format}`, format, {
      start,
      end: start + duration,
    });
    return { startSeconds: start, durationSeconds: file.durationSeconds, format };
  }

  /** Clips by id, in no particular order (loaders order them). */
  async byIds(ids: readonly string[]): Promise<ClipModel[]> {
    if (ids.length === 0) return [];
    return (await this.clips.findByIds(ids)).map(toModel);
  }

  async byId(id: string): Promise<(ClipModel & { path: string | null }) | null> {
    const clip = await this.clips.findById(id);
    return clip ? toModel(clip) : null;
  }

  async list(
    streamId: string | undefined,
    userId: string | undefined,
    limit: number,
    offset: number,
  ) {
    return (await this.clips.list(streamId, userId, limit, offset)).map(toModel);
  }

  async thumbnail(id: string): Promise<Buffer | null> {
    return this.clips.thumbnail(id);
  }

  /** The author, the stream's streamer or an admin. */
  async delete(user: AuthUser, id: string): Promise<boolean> {
    const clip = await this.byId(id);
    if (!clip) throw new NotFoundError('Clip');
    const stream = await this.streams.findById(clip.streamId);
    if (clip.authorId !== user.id && stream?.streamerId !== user.id && user.role !== Role.ADMIN)
      throw new ForbiddenError("Only the clip's author, the streamer or an admin can delete it");
    await this.clips.delete(id);
    if (clip.path) await this.store.remove(clip.path).catch(() => undefined);
    return true;
  }

  serve(clip: { path: string }, res: Response): Promise<void> {
    return this.store.serve(clip.path, res);
  }
}

@Resolver(() => ClipModel)
export class ClipsResolver {
  constructor(
    private readonly service: ClipsService,
    private readonly users: UserLoader,
    private readonly streams: StreamsService,
  ) {}

  @RequireScope('streams:write')
  @Mutation(() => ClipModel, {
    description:
      'Clips the last durationSeconds of a LIVE stream, or a range of a replay: PROCESSING at first, READY within seconds. 5 clips per minute per user.',
  })
  createClip(
    @CurrentUser() user: AuthUser,
    @Args('input', { type: () => CreateClipInput }) input: CreateClipInput,
  ): Promise<ClipModel> {
    return this.service.create(user, input);
  }

  @RequireScope('streams:write')
  @Mutation(() => Boolean, {
    description: "The clip's author, the stream's streamer, or an admin.",
  })
  deleteClip(
    @CurrentUser() user: AuthUser,
    @Args('clipId', { type: () => ID }, UuidPipe) clipId: string,
  ): Promise<boolean> {
    return this.service.delete(user, clipId);
  }

  @Public()
  @Query(() => ClipModel, { nullable: true })
  clip(@Args('id', { type: () => ID }, UuidPipe) id: string): Promise<ClipModel | null> {
    return this.service.byId(id);
  }

  @Public()
  @Query(() => [ClipModel], {
    description: "Newest first; filtered by stream and/or by the clipped channel's user.",
  })
  clips(
    @Args('streamId', { type: () => ID, nullable: true }, OptionalUuidPipe)
    streamId: string | undefined,
    @Args('userId', { type: () => ID, nullable: true }, OptionalUuidPipe)
    userId: string | undefined,
    @Args('limit', { type: () => Int, nullable: true, defaultValue: 24 }, new IntRangePipe(1, 100))
    limit: number,
    @Args(
      'offset',
      { type: () => Int, nullable: true, defaultValue: 0 },
      new IntRangePipe(0, 10_000),
    )
    offset: number,
  ): Promise<ClipModel[]> {
    return this.service.list(streamId ?? undefined, userId ?? undefined, limit, offset);
  }

  @ResolveField(() => StreamModel)
  async stream(@Parent() clip: ClipModel): Promise<StreamEntity> {
    const stream = await this.streams.findById(clip.streamId);
    if (!stream) throw new NotFoundError('Stream');
    return stream;
  }

  @ResolveField(() => UserModel, { description: 'Who made it.' })
  async author(@Parent() clip: ClipModel, @Context() context: GraphQLContext): Promise<UserModel> {
    const user = await this.users.for(context).load(clip.authorId);
    if (!user) throw new NotFoundError('User');
    return user;
  }
}

/** GET /clips/<id>.mp4|webm (Range requests) and /clips/<id>.jpg (its thumbnail). */
@Public()
@Controller('clips')
export class ClipsController {
  constructor(private readonly clips: ClipsService) {}

  // Files only: `/clips/<id>` itself is the web app's clip page (the SPA fallback answers it).
  @Get(':id.mp4')
  mp4(@Param('id') id: string, @Res() res: Response): Promise<void> {
    return this.file(id, 'mp4', res);
  }

  @Get(':id.webm')
  webm(@Param('id') id: string, @Res() res: Response): Promise<void> {
    return this.file(id, 'webm', res);
  }

  @Get(':id.jpg')
  jpg(@Param('id') id: string, @Res() res: Response): Promise<void> {
    return this.file(id, 'jpg', res);
  }

  private async file(id: string, kind: 'mp4' | 'webm' | 'jpg', res: Response): Promise<void> {
    if (!isUUID(id)) throw new NotFoundError('Clip');
    if (kind === 'jpg') {
      const jpeg = await this.clips.thumbnail(id);
      if (!jpeg) throw new NotFoundError('Clip');
      res
        .status(200)
        .setHeader('content-type', 'image/jpeg')
        .setHeader('cache-control', 'public, max-age=31536000, immutable')
        .end(jpeg);
      return;
    }
    const clip = await this.clips.byId(id);
    if (!clip?.path || clip.status !== ClipStatus.READY || recordingFormat(clip.path) !== kind)
      throw new NotFoundError('Clip');
    await this.clips.serve({ path: clip.path }, res);
  }
}
