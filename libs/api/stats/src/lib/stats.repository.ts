import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/**
 * Reporting over other libs' tables, read-only: the platform's ranking of streamers needs
 * `streams` (streams lib) joined with `stream_viewers` (viewers lib) and grouped in the database;
 * asking each owner for its half would move every stream of the platform through the API. The
 * one reporting query of the app, listed as such in the ownership test (table-owners.spec.ts).
 */
@Injectable()
export class StatsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Streamers ranked by watch time of their streams (open sessions up to `now`), highest first. */
  async topStreamers(
    limit: number,
    now: Date,
  ): Promise<{ streamerId: string; streams: number; watchSeconds: number }[]> {
    const rows = await this.dataSource.query<
      { streamer_id: string; streams: number; seconds: string }[]
    >(
      `SELECT s.streamer_id,
              count(DISTINCT s.id) FILTER (WHERE s.started_at IS NOT NULL)::int AS streams,
              COALESCE(sum(COALESCE(v.watch_duration_seconds,
                floor(extract(epoch FROM GREATEST($2::timestamptz, v.joined_at) - v.joined_at))::int)), 0) AS seconds
         FROM streams s LEFT JOIN stream_viewers v ON v.stream_id = s.id
        GROUP BY s.streamer_id
        ORDER BY seconds DESC, streams DESC, s.streamer_id
        LIMIT $1`,
      [limit, now],
    );
    return rows.map((row) => ({
      streamerId: row.streamer_id,
      streams: row.streams,
      watchSeconds: Number(row.seconds),
    }));
  }
}
