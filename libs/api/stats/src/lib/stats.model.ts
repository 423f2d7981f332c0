import { Field, Float, GraphQLISODateTime, Int, ObjectType } from '@nestjs/graphql';

import { UserModel } from '@finserve/api/auth';
import type { StreamEntity } from '@finserve/api/streams';

@ObjectType('ViewerSample')
export class ViewerSampleModel {
  @Field(() => GraphQLISODateTime)
  at!: Date;

  @Field(() => Int)
  viewers!: number;
}

@ObjectType('MoneyTotal')
export class MoneyTotalModel {
  @Field(() => String)
  currency!: string;

  @Field(() => Int)
  amountCents!: number;
}

/** Stream.stats: a view on one stream, its fields resolved (and batched) on demand. */
@ObjectType('StreamStats')
export class StreamStatsModel {
  stream!: StreamEntity;
}

@ObjectType('StreamerRanking')
export class StreamerRankingModel {
  @Field(() => UserModel)
  streamer!: UserModel;

  @Field(() => Int)
  streams!: number;

  @Field(() => Float)
  watchHours!: number;

  @Field(() => [MoneyTotalModel])
  tipTotals!: MoneyTotalModel[];
}

@ObjectType('PlatformStats')
export class PlatformStatsModel {
  @Field(() => Int)
  totalStreams!: number;

  @Field(() => Int)
  liveStreams!: number;

  @Field(() => Float)
  totalWatchHours!: number;

  @Field(() => Float)
  averageStreamSeconds!: number;

  @Field(() => [MoneyTotalModel])
  tipTotals!: MoneyTotalModel[];

  @Field(() => [MoneyTotalModel])
  platformFeeTotals!: MoneyTotalModel[];
}
