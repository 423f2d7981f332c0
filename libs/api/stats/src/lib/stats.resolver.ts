import { Args, Context, Float, Int, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';

import { UserLoader } from '@finserve/api/auth';
import {
  Clock,
  IntRangePipe,
  NotFoundError,
  Public,
  type GraphQLContext,
} from '@finserve/api/core';
import { StreamEntity, StreamModel } from '@finserve/api/streams';
import { streamDurationSeconds } from '@finserve/shared';

import {
  MoneyTotalModel,
  PlatformStatsModel,
  StreamerRankingModel,
  StreamStatsModel,
  ViewerSampleModel,
} from './stats.model';
import { StatsService } from './stats.service';

const round2 = (value: number): number => Math.round(value * 100) / 100;

@Resolver(() => StreamModel)
export class StreamStatsFieldResolver {
  @ResolveField(() => StreamStatsModel)
  stats(@Parent() stream: StreamEntity): StreamStatsModel {
    return { stream };
  }
}

@Resolver(() => StreamStatsModel)
export class StreamStatsResolver {
  constructor(
    private readonly stats: StatsService,
    private readonly clock: Clock,
  ) {}

  private aggregate(parent: StreamStatsModel, context: GraphQLContext) {
    return this.stats.aggregates.for(context).load(parent.stream.id);
  }

  private duration(parent: StreamStatsModel): number {
    return streamDurationSeconds(parent.stream, this.clock.now());
  }

  @ResolveField(() => Int, {
    description:
      "Distinct viewers over the stream's life (signed-in users once; anonymous per connection).",
  })
  async uniqueViewers(
    @Parent() parent: StreamStatsModel,
    @Context() context: GraphQLContext,
  ): Promise<number> {
    return (await this.aggregate(parent, context)).uniqueViewers;
  }

  @ResolveField(() => Int)
  peakViewers(@Parent() parent: StreamStatsModel): number {
    return parent.stream.peakViewers;
  }

  @ResolveField(() => Float, {
    description: 'totalWatchSeconds / durationSeconds (0 before start).',
  })
  async averageConcurrentViewers(
    @Parent() parent: StreamStatsModel,
    @Context() context: GraphQLContext,
  ): Promise<number> {
    const duration = this.duration(parent);
    return duration > 0
      ? round2((await this.aggregate(parent, context)).totalWatchSeconds / duration)
      : 0;
  }

  @ResolveField(() => Float, { description: 'totalWatchSeconds / number of viewing sessions.' })
  async averageWatchSeconds(
    @Parent() parent: StreamStatsModel,
    @Context() context: GraphQLContext,
  ): Promise<number> {
    const { sessions, totalWatchSeconds } = await this.aggregate(parent, context);
    return sessions > 0 ? round2(totalWatchSeconds / sessions) : 0;
  }

  @ResolveField(() => Int, {
    description: "Sum of every viewing session's length (the streamer's own excluded).",
  })
  async totalWatchSeconds(
    @Parent() parent: StreamStatsModel,
    @Context() context: GraphQLContext,
  ): Promise<number> {
    return (await this.aggregate(parent, context)).totalWatchSeconds;
  }

  @ResolveField(() => Int, {
    description: 'Messages sent by users (TEXT and EMOJI); TIP and ALERT messages are not counted.',
  })
  messageCount(
    @Parent() parent: StreamStatsModel,
    @Context() context: GraphQLContext,
  ): Promise<number> {
    return this.stats.messageCounts.for(context).load(parent.stream.id);
  }

  @ResolveField(() => Int)
  async tipCount(
    @Parent() parent: StreamStatsModel,
    @Context() context: GraphQLContext,
  ): Promise<number> {
    return (await this.stats.tipFigures.for(context).load(parent.stream.id)).count;
  }

  @ResolveField(() => [MoneyTotalModel], {
    description: 'Gross tips received, one row per currency.',
  })
  async tipTotals(
    @Parent() parent: StreamStatsModel,
    @Context() context: GraphQLContext,
  ): Promise<MoneyTotalModel[]> {
    return (await this.stats.tipFigures.for(context).load(parent.stream.id)).gross;
  }

  @ResolveField(() => [MoneyTotalModel], {
    description:
      "Tips after the platform fee, one row per currency: the streamer's earnings from this stream.",
  })
  async tipNetTotals(
    @Parent() parent: StreamStatsModel,
    @Context() context: GraphQLContext,
  ): Promise<MoneyTotalModel[]> {
    return (await this.stats.tipFigures.for(context).load(parent.stream.id)).net;
  }

  @ResolveField(() => Int)
  durationSeconds(@Parent() parent: StreamStatsModel): number {
    return this.duration(parent);
  }

  @ResolveField(() => [ViewerSampleModel], {
    description: "Concurrent viewers sampled over the stream's life, oldest first.",
  })
  viewerTimeline(
    @Parent() parent: StreamStatsModel,
    @Context() context: GraphQLContext,
  ): Promise<ViewerSampleModel[]> {
    return this.stats.timelines.for(context).load(parent.stream.id);
  }
}

@Resolver(() => PlatformStatsModel)
export class PlatformStatsResolver {
  constructor(
    private readonly stats: StatsService,
    private readonly users: UserLoader,
  ) {}

  @Public()
  @Query(() => PlatformStatsModel)
  async platformStats(): Promise<PlatformStatsModel> {
    const [figures, tips] = await Promise.all([
      this.stats.platform(),
      this.stats.platformTipTotals(),
    ]);
    return { ...figures, tipTotals: tips.gross, platformFeeTotals: tips.fees };
  }

  @ResolveField(() => [StreamerRankingModel], {
    description: 'Ranked by watch hours, highest first.',
  })
  async topStreamers(
    @Args('limit', { type: () => Int, nullable: true, defaultValue: 10 }, new IntRangePipe(1, 100))
    limit: number,
    @Context() context: GraphQLContext,
  ): Promise<StreamerRankingModel[]> {
    const ranking = await this.stats.topStreamers(limit);
    const tips = await this.stats.streamerTipTotals(ranking.map((row) => row.streamerId));
    return Promise.all(
      ranking.map(async (row) => {
        const streamer = await this.users.for(context).load(row.streamerId);
        if (!streamer) throw new NotFoundError('Streamer');
        return {
          streamer,
          streams: row.streams,
          watchHours: Math.round(row.watchHours * 10_000) / 10_000,
          tipTotals: tips.get(row.streamerId) ?? [],
        };
      }),
    );
  }
}
