import { Injectable } from '@nestjs/common';

import { ChatService } from '@finserve/api/chat';
import { Clock, ContextLoader } from '@finserve/api/core';
import { StreamsService } from '@finserve/api/streams';
import { TipsService, type MoneyTotal, type TipFigures } from '@finserve/api/tips';
import { ViewersService, type SessionAggregate, type ViewerSample } from '@finserve/api/viewers';

import { StatsRepository } from './stats.repository';

export type { MoneyTotal, SessionAggregate, TipFigures };
export type Sample = ViewerSample;

const EMPTY: SessionAggregate = { uniqueViewers: 0, sessions: 0, totalWatchSeconds: 0 };
const NO_TIPS: TipFigures = { count: 0, gross: [], net: [] };

/**
 * Statistics of streams and of the platform, put together from the libs that own the figures:
 * viewing (viewers), messages (chat), tips (tips), streams (streams). Per-stream figures are
 * loaded for a whole list of streams at once (one query per kind, whatever the list length).
 * An open viewing session counts up to now (the injected clock).
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
    private readonly viewers: ViewersService,
    private readonly chat: ChatService,
    private readonly tips: TipsService,
    private readonly streams: StreamsService,
    private readonly repository: StatsRepository,
    private readonly clock: Clock,
  ) {}

  async aggregatesOf(streamIds: readonly string[]): Promise<SessionAggregate[]> {
    const byStream = await this.viewers.aggregates(streamIds);
    return streamIds.map((id) => byStream.get(id) ?? EMPTY);
  }

  /** Messages sent by users (TEXT and EMOJI), per stream. */
  async messageCountsOf(streamIds: readonly string[]): Promise<number[]> {
    const byStream = await this.chat.messageCounts(streamIds);
    return streamIds.map((id) => byStream.get(id) ?? 0);
  }

  /** Tips per stream: count, gross and net (after the platform fee) per currency. */
  async tipFiguresOf(streamIds: readonly string[]): Promise<TipFigures[]> {
    const byStream = await this.tips.figuresByStream(streamIds);
    return streamIds.map((id) => byStream.get(id) ?? NO_TIPS);
  }

  /** Platform-wide gross tips and fees per currency. */
  platformTipTotals(): Promise<{ gross: MoneyTotal[]; fees: MoneyTotal[] }> {
    return this.tips.platformTotals();
  }

  /** Gross tips received per streamer and currency. */
  streamerTipTotals(streamerIds: readonly string[]): Promise<Map<string, MoneyTotal[]>> {
    return this.tips.grossByStreamer(streamerIds);
  }

  async timelinesOf(streamIds: readonly string[]): Promise<Sample[][]> {
    const byStream = await this.viewers.samples(streamIds);
    return streamIds.map((id) => byStream.get(id) ?? []);
  }

  async platform(): Promise<{
    totalStreams: number;
    liveStreams: number;
    totalWatchHours: number;
    averageStreamSeconds: number;
  }> {
    const [streams, watchSeconds] = await Promise.all([
      this.streams.figures(this.clock.now()),
      this.viewers.totalWatchSeconds(),
    ]);
    return {
      totalStreams: streams.total,
      liveStreams: streams.live,
      totalWatchHours: watchSeconds / 3600,
      averageStreamSeconds: streams.averageSeconds ?? 0,
    };
  }

  /** Streamers ranked by watch hours of their streams, highest first. */
  async topStreamers(
    limit: number,
  ): Promise<{ streamerId: string; streams: number; watchHours: number }[]> {
    const ranking = await this.repository.topStreamers(limit, this.clock.now());
    return ranking.map((row) => ({
      streamerId: row.streamerId,
      streams: row.streams,
      watchHours: row.watchSeconds / 3600,
    }));
  }
}
