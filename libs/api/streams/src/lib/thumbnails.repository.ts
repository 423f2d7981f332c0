import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

/** The `stream_thumbnails` table (each LIVE stream's latest frame): its only SQL. */
@Injectable()
export class ThumbnailsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Stores the stream's latest frame, in the caller's transaction. */
  async save(manager: EntityManager, streamId: string, jpeg: Buffer, at: Date): Promise<void> {
    await manager.query(
      `INSERT INTO stream_thumbnails (stream_id, jpeg, updated_at) VALUES ($1, $2, $3)
       ON CONFLICT (stream_id) DO UPDATE SET jpeg = EXCLUDED.jpeg, updated_at = EXCLUDED.updated_at`,
      [streamId, jpeg, at],
    );
  }

  /** The stored frame, or null when the stream has none. */
  async read(streamId: string): Promise<Buffer | null> {
    const rows = await this.dataSource.query<{ jpeg: Buffer }[]>(
      'SELECT jpeg FROM stream_thumbnails WHERE stream_id = $1',
      [streamId],
    );
    return rows[0]?.jpeg ?? null;
  }
}
