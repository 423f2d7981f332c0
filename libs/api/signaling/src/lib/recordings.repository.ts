import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

import type { RecordingStatus } from './recordings';

/** A recording as stored. */
export interface RecordingRecord {
  id: string;
  streamId: string;
  status: RecordingStatus;
  durationSeconds: number | null;
  /** The exact size in bytes, as a decimal string (a bigint: recordings pass 2 GiB). */
  sizeBytes: string;
  path: string | null;
  createdAt: Date;
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

const toRecord = (row: RecordingRow): RecordingRecord => ({
  id: row.id,
  streamId: row.stream_id,
  status: row.status,
  durationSeconds: row.duration_seconds,
  sizeBytes: String(row.size_bytes),
  path: row.path,
  createdAt: row.created_at,
});

/** The `recordings` table (one per stream): the only place its SQL lives. */
@Injectable()
export class RecordingsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Inserts the stream's recording as RECORDING, unless it has one already. */
  async insertRecording(streamId: string): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO recordings (stream_id, status) VALUES ($1, 'RECORDING') ON CONFLICT (stream_id) DO NOTHING`,
      [streamId],
    );
  }

  /** The id of the stream's recording, or null. */
  async idOfStream(streamId: string): Promise<string | null> {
    const [row] = await this.dataSource.query<{ id: string }[]>(
      'SELECT id FROM recordings WHERE stream_id = $1',
      [streamId],
    );
    return row?.id ?? null;
  }

  /** Marks the stream's recording READY with its duration, size and location. */
  async markReady(
    streamId: string,
    file: { durationSeconds: number; sizeBytes: number; location: string },
  ): Promise<void> {
    await this.dataSource.query(
      `UPDATE recordings SET status = 'READY', duration_seconds = $2, size_bytes = $3, path = $4, updated_at = now()
        WHERE stream_id = $1`,
      [streamId, file.durationSeconds, file.sizeBytes, file.location],
    );
  }

  /** Marks the stream's recording FAILED with the reason, if it is still RECORDING. */
  async markFailed(streamId: string, error: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE recordings SET status = 'FAILED', error = $2, updated_at = now() WHERE stream_id = $1 AND status = 'RECORDING'`,
      [streamId, error],
    );
  }

  /** The recording, or null. */
  async findById(id: string): Promise<RecordingRecord | null> {
    const [row] = await this.dataSource.query<RecordingRow[]>(
      'SELECT * FROM recordings WHERE id = $1',
      [id],
    );
    return row ? toRecord(row) : null;
  }

  /** The recordings of these streams (those that have one), in no particular order. */
  async forStreams(streamIds: readonly string[]): Promise<RecordingRecord[]> {
    const rows = await this.dataSource.query<RecordingRow[]>(
      'SELECT * FROM recordings WHERE stream_id = ANY($1::uuid[])',
      [streamIds],
    );
    return rows.map(toRecord);
  }
}
