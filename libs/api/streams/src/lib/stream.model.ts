import { Field, GraphQLISODateTime, ID, Int, ObjectType, registerEnumType } from '@nestjs/graphql';

import { StreamStatus } from '@finserve/shared';

registerEnumType(StreamStatus, { name: 'StreamStatus' });

/**
 * The GraphQL Stream. Fields computed elsewhere are added by other libraries' field resolvers:
 * streamer and durationSeconds (streams), viewerCount (viewers), stats (stats).
 */
@ObjectType('Stream')
export class StreamModel {
  @Field(() => ID)
  id!: string;

  streamerId!: string;

  @Field(() => String)
  title!: string;

  @Field(() => String, { nullable: true })
  description!: string | null;

  @Field(() => StreamStatus)
  status!: StreamStatus;

  @Field(() => Int)
  peakViewers!: number;

  @Field(() => GraphQLISODateTime, { nullable: true })
  scheduledFor!: Date | null;

  @Field(() => GraphQLISODateTime, { nullable: true })
  startedAt!: Date | null;

  @Field(() => GraphQLISODateTime, { nullable: true })
  endedAt!: Date | null;

  categorySlug!: string | null;

  @Field(() => [String], {
    description: '0..10 tags, each 1..25 chars of [a-z0-9-] (lowercased on input).',
  })
  tags!: string[];
}
