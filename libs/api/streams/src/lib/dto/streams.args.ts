import { ArgsType, Field, ID, Int } from '@nestjs/graphql';
import { IsInt, IsUUID, Max, Min } from 'class-validator';

export const MAX_PAGE_SIZE = 100;
export const MAX_OFFSET = 10_000;

@ArgsType()
export class LiveStreamsArgs {
  @Field(() => Int, { nullable: true, defaultValue: 24 })
  @IsInt()
  @Min(1, { message: `limit must be between 1 and ${MAX_PAGE_SIZE}` })
  @Max(MAX_PAGE_SIZE, { message: `limit must be between 1 and ${MAX_PAGE_SIZE}` })
  limit = 24;

  @Field(() => Int, { nullable: true, defaultValue: 0 })
  @IsInt()
  @Min(0, { message: `offset must be between 0 and ${MAX_OFFSET}` })
  @Max(MAX_OFFSET, { message: `offset must be between 0 and ${MAX_OFFSET}` })
  offset = 0;
}

/** Same page size and bounds as liveStreams: the list view shows both. */
@ArgsType()
export class UpcomingStreamsArgs extends LiveStreamsArgs {}

@ArgsType()
export class UserStreamsArgs {
  @Field(() => ID)
  @IsUUID('all', { message: 'userId must be an id (UUID)' })
  userId!: string;

  @Field(() => Int, { nullable: true, defaultValue: 50 })
  @IsInt()
  @Min(1, { message: `limit must be between 1 and ${MAX_PAGE_SIZE}` })
  @Max(MAX_PAGE_SIZE, { message: `limit must be between 1 and ${MAX_PAGE_SIZE}` })
  limit = 50;

  @Field(() => Int, { nullable: true, defaultValue: 0 })
  @IsInt()
  @Min(0, { message: `offset must be between 0 and ${MAX_OFFSET}` })
  @Max(MAX_OFFSET, { message: `offset must be between 0 and ${MAX_OFFSET}` })
  offset = 0;
}
