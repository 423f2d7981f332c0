import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

import type { ClipStatus } from './clips';

/** A clip as stored (its thumbnail read on its own: `thumbnail`). */
export interface ClipRecord {
  id: string;
  streamId: string;
  authorId: string;
  title: string;
  startSeconds: number;
  durationSeconds: number;
  status: ClipStatus;
  path: string | null;
  hasThumbnail: boolean;
  createdAt: Date;
  updatedAt: Date;
}

interface ClipRow {
  id: string;
  stream_id: string;
  author_id: string;
  title: string;
  start_seconds: number;
  duration_seconds: number;
  status: ClipStatus;
  path: string | null;
  has_thumbnail: boolean;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = `id, stream_id, author_id, title, start_seconds, duration_seconds, status, path,
  thumbnail IS NOT NULL AS has_thumbnail, created_at, updated_at`;

const toRecord = (row: ClipRow): ClipRecord => ({
  id: row.id,
  streamId: row.stream_id,
  authorId: row.author_id,
  title: row.title,
  startSeconds: row.start_seconds,
  durationSeconds: row.duration_seconds,
  status: row.status,
  path: row.path,
  hasThumbnail: row.has_thumbnail,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

/** The `clips` table: the only place its SQL lives. */
@Injectable()
export class ClipsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Inserts a PROCESSING clip; the stored clip. */
  async insertProcessing(clip: {
    streamId: string;
    authorId: string;
    streamerId: string;
    title: string;
    startSeconds: number;
    durationSeconds: number;
    thumbnail: Buffer | null;
  }): Promise<ClipRecord> {
    const [row] = await this.dataSource.query<ClipRow[]>(
      `INSERT INTO clips (stream_id, author_id, streamer_id, title, start_seconds, duration_seconds, status, thumbnail)
       VALUES ($1, $2, $7, $3, $4, $5, 'PROCESSING', $6) RETURNING ${COLUMNS}`,
      [
        clip.streamId,
        clip.authorId,
        clip.title,
        clip.startSeconds,
        clip.durationSeconds,
        clip.thumbnail,
        clip.streamerId,
      ],
    );
    return toRecord(row);
  }

  /** Marks the clip READY with its location and the range actually cut. */
  async markReady(
    id: string,
    file: { location: string; startSeconds: number; durationSeconds: number },
  ): Promise<void> {
    await this.dataSource.query(
      `UPDATE clips SET status = 'READY', path = $2, start_seconds = $3, duration_seconds = $4, updated_at = now()
        WHERE id = $1`,
      [id, file.location, file.startSeconds, file.durationSeconds],
    );
  }

  /** Marks the clip FAILED with the reason. */
  async markFailed(id: string, error: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE clips SET status = 'FAILED', error = $2, updated_at = now() WHERE id = $1`,
      [id, error],
    );
  }

  /** The clips of these ids that exist, in no particular order. */
  async findByIds(ids: readonly string[]): Promise<ClipRecord[]> {
    const rows = await this.dataSource.query<ClipRow[]>(
      `SELECT ${COLUMNS} FROM clips WHERE id = ANY($1::uuid[])`,
      [ids],
    );
    return rows.map(toRecord);
  }

  /** The clip, or null. */
  async findById(id: string): Promise<ClipRecord | null> {
    const [row] = await this.dataSource.query<ClipRow[]>(
      `SELECT ${COLUMNS} FROM clips WHERE id = $1`,
      [id],
    );
    return row ? toRecord(row) : null;
  }

  /**
   * A page of clips, newest first: of one stream and/or of one streamer's channel (undefined:
   * any).
   */
  async list(
    streamId: string | undefined,
    streamerId: string | undefined,
    limit: number,
    offset: number,
  ): Promise<ClipRecord[]> {
    const rows = await this.dataSource.query<ClipRow[]>(
      `SELECT ${COLUMNS} FROM clips
        WHERE ($1::uuid IS NULL OR stream_id = $1) AND ($2::uuid IS NULL OR streamer_id = $2)
        ORDER BY created_at DESC, id LIMIT $3 OFFSET $4`,
      [streamId ?? null, streamerId ?? null, limit, offset],
    );
    return rows.map(toRecord);
  }

  /** The clip's thumbnail (JPEG), or null when it has none or does not exist. */
  async thumbnail(id: string): Promise<Buffer | null> {
    const [row] = await this.dataSource.query<{ thumbnail: Buffer | null }[]>(
      `SELECT thumbnail FROM clips WHERE id = $1`,
      [id],
    );
    return row?.thumbnail ?? null;
  }

  /** Deletes the clip. */
  async delete(id: string): Promise<void> {
    await this.dataSource.query(`DELETE FROM clips WHERE id = $1`, [id]);
  }
}
