import {
  Controller,
  Get,
  Injectable,
  Logger,
  Param,
  Res,
  type OnApplicationShutdown,
} from '@nestjs/common';
import {
  Context,
  Field,
  Float,
  GraphQLISODateTime,
  ID,
  Int,
  ObjectType,
  Parent,
  registerEnumType,
  ResolveField,
  Resolver,
} from '@nestjs/graphql';
import { isUUID } from 'class-validator';
import type { Response } from 'express';

import {
  byKeys,
  ContextLoader,
  NotFoundError,
  Public,
  type GraphQLContext,
} from '@finserve/api/core';
import type { RecordingResult } from '@finserve/api/media';
import { StreamModel, type StreamEntity } from '@finserve/api/streams';

import { RecordingStore } from './recording-store';
import { RecordingsRepository, type RecordingRecord } from './recordings.repository';

export enum RecordingStatus {
  RECORDING = 'RECORDING',
  READY = 'READY',
  FAILED = 'FAILED',
}
registerEnumType(RecordingStatus, { name: 'RecordingStatus' });

/** The largest value a GraphQL Int carries (32-bit signed). */
const GRAPHQL_INT_MAX = 2_147_483_647;

@ObjectType('Recording')
export class RecordingModel {
  @Field(() => ID)
  id!: string;

  @Field(() => ID)
  streamId!: string;

  @Field(() => RecordingStatus)
  status!: RecordingStatus;

  @Field(() => Float, { nullable: true })
  durationSeconds!: number | null;

  @Field(() => Int, {
    description:
      'The file size in bytes, capped at 2147483647 (the largest GraphQL Int): a recording of more than 2 GiB reports the cap; sizeBytesExact has the exact size.',
  })
  sizeBytes!: number;

  @Field(() => String, {
    description:
      'The exact file size in bytes as a decimal string (recordings of hours pass 2 GiB, beyond GraphQL Int).',
  })
  sizeBytesExact!: string;

  @Field(() => String, {
    nullable: true,
    description: 'Where the replay can be played from (HTTP, supports Range requests).',
  })
  url!: string | null;

  @Field(() => GraphQLISODateTime)
  createdAt!: Date;

  path!: string | null;
}

/** The container of a kept recording, from its location: WebM (VP8) or MP4 (H.264). */
export const recordingFormat = (location: string): 'webm' | 'mp4' =>
  location.endsWith('.mp4') ? 'mp4' : 'webm';

/** A stored recording as the GraphQL Recording. */
export const toModel = (recording: RecordingRecord): RecordingModel => ({
  id: recording.id,
  streamId: recording.streamId,
  status: recording.status,
  durationSeconds: recording.durationSeconds,
  sizeBytes: Math.min(Number(recording.sizeBytes), GRAPHQL_INT_MAX),
  sizeBytesExact: recording.sizeBytes,
  url:
    recording.status === RecordingStatus.READY && recording.path
      ? `/recordings/${recording.id}.${recordingFormat(recording.path)}`
      : null,
  createdAt: recording.createdAt,
  path: recording.path,
});

/**
 * Recordings of LIVE streams: a row from the first publish (RECORDING), READY with duration,
 * size and location once the SFU has finalized the file and the store has it (local disk or S3).
 */
@Injectable()
export class RecordingsService implements OnApplicationShutdown {
  private readonly logger = new Logger(RecordingsService.name);
  /** Hand-overs to the store still running (awaited at shutdown). */
  private readonly storing = new Set<Promise<void>>();

  readonly byStream = new ContextLoader<string, RecordingModel | null>(async (ids) =>
    byKeys(ids, await this.forStreams(ids), (recording) => recording.streamId),
  );

  constructor(
    private readonly recordings: RecordingsRepository,
    private readonly store: RecordingStore,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    await Promise.all([...this.storing]);
  }

  async started(streamId: string): Promise<void> {
    await this.recordings.insertRecording(streamId);
  }

  /**
   * The SFU finished the stream's recording (or had nothing to record). The file is handed to the
   * store in the background (an upload must not hold up ending the stream); the recording stays
   * RECORDING until the store has it, then READY, or FAILED when storing failed.
   */
  async finished(streamId: string, result: RecordingResult | null, error?: string): Promise<void> {
    if (!result) {
      await this.fail(streamId, error ?? 'nothing was recorded');
      return;
    }
    const id = await this.recordings.idOfStream(streamId);
    if (!id) return;
    const storing = this.store
      .keep(result.path, id)
      .then(async (location) => {
        await this.recordings.markReady(streamId, {
          durationSeconds: result.durationSeconds,
          sizeBytes: result.sizeBytes,
          location,
        });
      })
      .catch(async (failure: unknown) => {
        const message = failure instanceof Error ? failure.message : String(failure);
        this.logger.error(`storing the recording of stream ${streamId} failed: ${message}`);
        await this.fail(streamId, `storage failed: ${message}`).catch(() => undefined);
      })
      .finally(() => this.storing.delete(storing));
    this.storing.add(storing);
  }

  /** Answers the replay request from wherever the recording is kept. */
  serve(recording: RecordingModel & { path: string }, res: Response): Promise<void> {
    return this.store.serve(recording.path, res);
  }

  private async fail(streamId: string, error: string): Promise<void> {
    await this.recordings.markFailed(streamId, error);
  }

  async byId(id: string): Promise<RecordingModel | null> {
    const recording = await this.recordings.findById(id);
    return recording ? toModel(recording) : null;
  }

  async byStreamId(streamId: string): Promise<RecordingModel | null> {
    return (await this.forStreams([streamId]))[0] ?? null;
  }

  private async forStreams(ids: readonly string[]): Promise<RecordingModel[]> {
    return (await this.recordings.forStreams(ids)).map(toModel);
  }
}

@Resolver(() => StreamModel)
export class StreamRecordingResolver {
  constructor(private readonly recordings: RecordingsService) {}

  @ResolveField(() => RecordingModel, { nullable: true })
  recording(
    @Parent() stream: StreamEntity,
    @Context() context: GraphQLContext,
  ): Promise<RecordingModel | null> {
    return this.recordings.byStream.for(context).load(stream.id);
  }
}

/**
 * GET /recordings/<id>.webm|mp4: the replay (from disk with Range requests, conditional GET and
 * caching; from S3 as a redirect to a presigned URL).
 */
@Public()
@Controller('recordings')
export class RecordingsController {
  constructor(private readonly recordings: RecordingsService) {}

  @Get(':file')
  async file(@Param('file') file: string, @Res() res: Response): Promise<void> {
    const match = /^([0-9a-f-]{36})\.(webm|mp4)$/i.exec(file);
    if (!match || !isUUID(match[1])) throw new NotFoundError('Recording');
    const recording = await this.recordings.byId(match[1]);
    if (
      !recording?.path ||
      recording.status !== RecordingStatus.READY ||
      recordingFormat(recording.path) !== match[2].toLowerCase()
    )
      throw new NotFoundError('Recording');
    await this.recordings.serve({ ...recording, path: recording.path }, res);
  }
}
