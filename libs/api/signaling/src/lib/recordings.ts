import { Controller, Get, Injectable, Param, ParseUUIDPipe, Res } from '@nestjs/common';
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
import type { Response } from 'express';
import { DataSource } from 'typeorm';

import {
  byKeys,
  ContextLoader,
  NotFoundError,
  Public,
  type GraphQLContext,
} from '@finserve/api/core';
import type { RecordingResult } from '@finserve/api/media';
import { StreamModel, type StreamEntity } from '@finserve/api/streams';

export enum RecordingStatus {
  RECORDING = 'RECORDING',
  READY = 'READY',
  FAILED = 'FAILED',
}
registerEnumType(RecordingStatus, { name: 'RecordingStatus' });

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

  @Field(() => Int)
  sizeBytes!: number;

  @Field(() => String, {
    nullable: true,
    description: 'Where the replay can be played from (HTTP, supports Range requests).',
  })
  url!: string | null;

  @Field(() => GraphQLISODateTime)
  createdAt!: Date;

  path!: string | null;
}

interface RecordingRow {
  id: string;
  stream_id: string;
  status: RecordingStatus;
  duration_seconds: number | null;
  size_bytes: string;
  path: string | null;
  created_at: Date;
}

const toModel = (row: RecordingRow): RecordingModel => ({
  id: row.id,
  streamId: row.stream_id,
  status: row.status,
  durationSeconds: row.duration_seconds,
  sizeBytes: Number(row.size_bytes),
  url: row.status === RecordingStatus.READY ? `/recordings/${row.id}.webm` : null,
  createdAt: row.created_at,
  path: row.path,
});

/** Recordings on local disk under DATA_DIR/recordings, written by the SFU, served with Range. */
@Injectable()
export class RecordingsService {
  readonly byStream = new ContextLoader<string, RecordingModel | null>(async (ids) =>
    byKeys(ids, await this.forStreams(ids), (recording) => recording.streamId),
  );

  constructor(private readonly dataSource: DataSource) {}

  async started(streamId: string): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO recordings (stream_id, status) VALUES ($1, 'RECORDING') ON CONFLICT (stream_id) DO NOTHING`,
      [streamId],
    );
  }

  async finished(streamId: string, result: RecordingResult | null, error?: string): Promise<void> {
    if (result) {
      await this.dataSource.query(
        `UPDATE recordings SET status = 'READY', duration_seconds = $2, size_bytes = $3, path = $4, updated_at = now()
          WHERE stream_id = $1`,
        [streamId, result.durationSeconds, result.sizeBytes, result.path],
      );
    } else {
      await this.dataSource.query(
        `UPDATE recordings SET status = 'FAILED', error = $2, updated_at = now() WHERE stream_id = $1 AND status = 'RECORDING'`,
        [streamId, error ?? 'nothing was recorded'],
      );
    }
  }

  async byId(id: string): Promise<RecordingModel | null> {
    const [row] = await this.dataSource.query<RecordingRow[]>(
      'SELECT * FROM recordings WHERE id = $1',
      [id],
    );
    return row ? toModel(row) : null;
  }

  private async forStreams(ids: readonly string[]): Promise<RecordingModel[]> {
    const rows = await this.dataSource.query<RecordingRow[]>(
      'SELECT * FROM recordings WHERE stream_id = ANY($1::uuid[])',
      [ids],
    );
    return rows.map(toModel);
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

/** GET /recordings/<id>.webm: the replay file (Range requests, conditional GET, caching). */
@Public()
@Controller('recordings')
export class RecordingsController {
  constructor(private readonly recordings: RecordingsService) {}

  @Get(':id.webm')
  async file(@Param('id', ParseUUIDPipe) id: string, @Res() res: Response): Promise<void> {
    const recording = await this.recordings.byId(id);
    if (!recording?.path || recording.status !== RecordingStatus.READY)
      throw new NotFoundError('Recording');
    res.sendFile(recording.path, {
      headers: { 'Content-Type': 'video/webm' },
      maxAge: '1d',
      acceptRanges: true,
    });
  }
}
