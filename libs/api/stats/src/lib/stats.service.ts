import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

import { byKeys, Clock, ContextLoader } from '@finserve/api/core';

export interface SessionAggregate {
  uniqueViewers: number;
  sessions: number;
  totalWatchSeconds: number;
}

export interface MoneyTotal {
  currency: string;
  amountCents: number;
}

export interface TipFigures {
  count: number;
  gross: MoneyTotal[];
  net: MoneyTotal[];
}

export interface Sample {
  at: Date;
  viewers: number;
}

const EMPTY: SessionAggregate = { uniqueViewers: 0, sessions: 0, totalWatchSeconds: 0 };

/**
 * Viewing statistics from `stream_viewers` and `stream_viewer_samples`. Per-stream figures are
 * loaded for a whole list of streams at once (one query per kind, whatever the list length).
 * An open session counts up to now (the injected clock).
 */
@Injectable()
export class StatsService {
  readonly aggregates = new ContextLoader<string, SessionAggregate>((ids) =>
    this.aggregatesOf(ids),
  );
  readonly timelines = new ContextLoader<string, Sample[]>((ids) => this.timelinesOf(ids));
  readonly messageCounts = new ContextLoader<string, number>((ids) => this.messageCountsOf(ids));
  readonly tipFigures = new ContextLoader<string, TipFigures>((ids) => this.tipFiguresOf(ids));

  constructor(
    private readonly dataSource: DataSource,
    private readonly clock: Clock,
  ) {}

  async aggregatesOf(streamIds: readonly string[]): Promise<SessionAggregate[]> {
    const rows = await this.dataSource.query<
      { stream_id: string; unique_viewers: number; sessions: number; total_watch_seconds: string }[]
    >(
      `SELECT stream_id,
              count(DISTINCT viewer_key)::int AS unique_viewers,
              count(*)::int AS sessions,
              COALESCE(sum(COALESCE(watch_duration_seconds,
                floor(extract(epoch FROM GREATEST($2::timestamptz, joined_at) - joined_at))::int)), 0) AS total_watch_seconds
         FROM stream_viewers
        WHERE stream_id = ANY($1::uuid[])
        GROUP BY stream_id`,
      [streamIds, this.clock.now()],
    );
    return byKeys(
      streamIds,
      rows,
      (row) => row.stream_id,
      () => EMPTY,
      (row) => ({
        uniqueViewers: row.unique_viewers,
        sessions: row.sessions,
        totalWatchSeconds: Number(row.total_watch_seconds),
      }),
    );
  }

  /** Messages sent by users (TEXT and EMOJI), per stream. */
  async messageCountsOf(streamIds: readonly string[]): Promise<number[]> {
    const rows = await this.dataSource.query<{ stream_id: string; count: number }[]>(
      `SELECT stream_id, count(*)::int AS count FROM chat_messages
        WHERE stream_id = ANY($1::uuid[]) AND type IN ('TEXT', 'EMOJI') GROUP BY stream_id`,
      [streamIds],
    );
    return byKeys(
      streamIds,
      rows,
      (row) => row.stream_id,
      () => 0,
      (row) => row.count,
    );
  }

  /** Tips per stream: count, gross and net (after the platform fee) per currency. */
  async tipFiguresOf(streamIds: readonly string[]): Promise<TipFigures[]> {
    const rows = await this.dataSource.query<
      { stream_id: string; currency: string; count: number; gross: string; net: string }[]
    >(
      `SELECT stream_id, currency, count(*)::int AS count, sum(amount_cents)::text AS gross, sum(net_cents)::text AS net
         FROM tips WHERE stream_id = ANY($1::uuid[]) GROUP BY stream_id, currency ORDER BY stream_id, currency`,
      [streamIds],
    );
    const figures = new Map<string, TipFigures>();
    for (const row of rows) {
      const entry = figures.get(row.stream_id) ?? { count: 0, gross: [], net: [] };
      entry.count += row.count;
      entry.gross.push({ currency: row.currency.trim(), amountCents: Number(row.gross) });
      entry.net.push({ currency: row.currency.trim(), amountCents: Number(row.net) });
      figures.set(row.stream_id, entry);
    }
    return streamIds.map((id) => figures.get(id) ?? { count: 0, gross: [], net: [] });
  }

  /** Platform-wide gross tips and fees per currency. */
  async platformTipTotals(): Promise<{ gross: MoneyTotal[]; fees: MoneyTotal[] }> {
    const rows = await this.dataSource.query<{ currency: string; gross: string; fees: string }[]>(
      `SELECT currency, sum(amount_cents)::text AS gross, sum(platform_fee_cents)::text AS fees
         FROM tips GROUP BY currency ORDER BY currency`,
    );
    return {
      gross: rows.map((r) => ({ currency: r.currency.trim(), amountCents: Number(r.gross) })),
      fees: rows.map((r) => ({ currency: r.currency.trim(), amountCents: Number(r.fees) })),
    };
  }

  /** Gross tips received per streamer and currency. */
  async streamerTipTotals(streamerIds: readonly string[]): Promise<Map<string, MoneyTotal[]>> {
    const rows = await this.dataSource.query<
      { to_user_id: string; currency: string; gross: string }[]
    >(
      `SELECT to_user_id, currency, sum(amount_cents)::text AS gross FROM tips
        WHERE to_user_id = ANY($1::uuid[]) GROUP BY to_user_id, currency ORDER BY currency`,
      [streamerIds],
    );
    const totals = new Map<string, MoneyTotal[]>();
    for (const row of rows) {
      totals.set(row.to_user_id, [
        ...(totals.get(row.to_user_id) ?? []),
        { currency: row.currency.trim(), amountCents: Number(row.gross) },
      ]);
    }
    return totals;
  }

  async timelinesOf(streamIds: readonly string[]): Promise<Sample[][]> {
    const rows = await this.dataSource.query<{ stream_id: string; at: Date; viewers: number }[]>(
      `SELECT stream_id, at, viewers FROM stream_viewer_samples
        WHERE stream_id = ANY($1::uuid[]) ORDER BY stream_id, at`,
      [streamIds],
    );
    const byStream = new Map<string, Sample[]>();
    for (const row of rows) {
      const list = byStream.get(row.stream_id) ?? [];
      list.push({ at: row.at, viewers: row.viewers });
      byStream.set(row.stream_id, list);
    }
    return streamIds.map((id) => byStream.get(id) ?? []);
  }

  async platform(): Promise<{
    totalStreams: number;
    liveStreams: number;
    totalWatchHours: number;
    averageStreamSeconds: number;
  }> {
    const now = this.clock.now();
    const [streams] = await this.dataSource.query<
      { total: number; live: number; average_seconds: number | null }[]
    >(
      `SELECT count(*)::int AS total,
              (count(*) FILTER (WHERE status = 'LIVE'))::int AS live,
              avg(extract(epoch FROM COALESCE(ended_at, GREATEST($1::timestamptz, started_at)) - started_at))
                FILTER (WHERE started_at IS NOT NULL)::float8 AS average_seconds
         FROM streams`,
      [now],
    );
    const [watch] = await this.dataSource.query<{ seconds: string }[]>(
      `SELECT COALESCE(sum(COALESCE(watch_duration_seconds,
                floor(extract(epoch FROM GREATEST($1::timestamptz, joined_at) - joined_at))::int)), 0) AS seconds
         FROM stream_viewers`,
      [now],
    );
    return {
      totalStreams: streams.total,
      liveStreams: streams.live,
      totalWatchHours: Number(watch.seconds) / 3600,
      averageStreamSeconds: streams.average_seconds ?? 0,
    };
  }

  /** Streamers ranked by watch hours of their streams, highest first. */
  async topStreamers(
    limit: number,
  ): Promise<{ streamerId: string; streams: number; watchHours: number }[]> {
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
      [limit, this.clock.now()],
    );
    return rows.map((row) => ({
      streamerId: row.streamer_id,
      streams: row.streams,
      watchHours: Number(row.seconds) / 3600,
    }));
  }
}
