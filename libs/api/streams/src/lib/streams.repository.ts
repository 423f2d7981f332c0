import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

import type { StreamStatus } from '@finserve/shared';

/**
 * The raw SQL of the `streams` table (window functions, full-text search, atomic counters,
 * aggregates); simple reads and writes go through TypeORM's repository in StreamsService.
 */
@Injectable()
export class StreamsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Ids of a page of each streamer's streams in one status, in `order`, by streamer. */
  async pageOfEach(
    status: StreamStatus,
    order: 'ended' | 'scheduled',
    streamerIds: readonly string[],
    limit: number,
    offset: number,
  ): Promise<{ id: string; streamer_id: string }[]> {
    // ENDED newest first (index streams_past_by_streamer); SCHEDULED soonest first, those without
    // a time last, newest created first (streams_upcoming).
    const orderBy =
      order === 'ended'
        ? 'ended_at DESC, id DESC'
        : 'scheduled_for ASC NULLS LAST, created_at DESC, id DESC';
    return this.dataSource.query<{ id: string; streamer_id: string }[]>(
      `SELECT id, streamer_id FROM (
         SELECT id, streamer_id, row_number() OVER (PARTITION BY streamer_id ORDER BY ${orderBy}) AS n
           FROM streams WHERE streamer_id = ANY($1::uuid[]) AND status = $2
       ) ranked
       WHERE n > $3 AND n <= $3 + $4
       ORDER BY streamer_id, n`,
      [[...streamerIds], status, offset, limit],
    );
  }

  /** Ids of the streams matching `words` (prefixes) or of the given channels, best first. */
  async search(
    words: readonly string[],
    options: {
      status: StreamStatus | null;
      limit: number;
      offset: number;
      channels: readonly { id: string; score: number }[];
    },
  ): Promise<string[]> {
    const rows = await this.dataSource.query<{ id: string }[]>(
      `
      WITH q AS (
        SELECT to_tsquery('simple', coalesce(string_agg(word || ':*', ' & '), '')) AS tsq
          FROM unnest(string_to_array(trim(regexp_replace(finserve_unaccent($1), '[^[:alnum:]]+', ' ', 'g')), ' ')) AS word
         WHERE word <> ''
      )
      SELECT s.id
        FROM streams s
        CROSS JOIN q
        LEFT JOIN unnest($2::uuid[], $3::real[]) AS m (id, score) ON m.id = s.streamer_id
       WHERE (s.search_document @@ q.tsq OR m.id IS NOT NULL)
         AND ($4::varchar IS NULL OR s.status = $4)
       ORDER BY CASE s.status WHEN 'LIVE' THEN 0 WHEN 'SCHEDULED' THEN 1 ELSE 2 END,
                ts_rank(s.search_document, q.tsq) + coalesce(m.score, 0) DESC,
                coalesce(s.started_at, s.scheduled_for, s.created_at) DESC,
                s.id
       LIMIT $5 OFFSET $6`,
      [
        words.join(' '),
        options.channels.map((c) => c.id),
        options.channels.map((c) => c.score),
        options.status,
        options.limit,
        options.offset,
      ],
    );
    return rows.map((row) => row.id);
  }

  /** Raises the stream's peak to `count` if it is higher; the peak now (null: no such stream). */
  async raisePeak(streamId: string, count: number): Promise<number | null> {
    // (TypeORM answers an UPDATE with [rows, rowCount].)
    const [rows] = await this.dataSource.query<[{ peak_viewers: number }[], number]>(
      `UPDATE streams SET peak_viewers = GREATEST(peak_viewers, $2) WHERE id = $1 RETURNING peak_viewers`,
      [streamId, count],
    );
    return rows[0]?.peak_viewers ?? null;
  }

  /** Platform figures: streams, LIVE ones, and the average length of those that started. */
  async figures(
    now: Date,
  ): Promise<{ total: number; live: number; averageSeconds: number | null }> {
    const [row] = await this.dataSource.query<
      { total: number; live: number; average_seconds: number | null }[]
    >(
      `SELECT count(*)::int AS total,
              (count(*) FILTER (WHERE status = 'LIVE'))::int AS live,
              avg(extract(epoch FROM COALESCE(ended_at, GREATEST($1::timestamptz, started_at)) - started_at))
                FILTER (WHERE started_at IS NOT NULL)::float8 AS average_seconds
         FROM streams`,
      [now],
    );
    return { total: row.total, live: row.live, averageSeconds: row.average_seconds };
  }
}
