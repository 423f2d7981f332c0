import { ArgsType, Field, ID, Int } from '@nestjs/graphql';
import { Transform } from 'class-transformer';
import {
  IsEnum,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Max,
  MaxLength,
  Min,
} from 'class-validator';

import { trimString } from '@finserve/api/core';
import { SEARCH_QUERY_MAX_LENGTH, StreamStatus } from '@finserve/shared';

export const MAX_PAGE_SIZE = 100;
export const MAX_OFFSET = 10_000;

@ArgsType()
export class PageArgs {
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

@ArgsType()
export class LiveStreamsArgs extends PageArgs {
  @Field(() => String, { nullable: true, description: 'A category slug: only its streams.' })
  @IsOptional()
  @IsString()
  @MaxLength(64, { message: 'category is too long' })
  category?: string | null;
}

/** recentReplays: ENDED streams, optionally of one category. */
@ArgsType()
export class RecentReplaysArgs extends LiveStreamsArgs {}

/** Same page size and bounds as liveStreams: the list view shows both. */
@ArgsType()
export class UpcomingStreamsArgs extends PageArgs {}

@ArgsType()
export class SearchStreamsArgs extends PageArgs {
  @Field(() => String)
  @Transform(trimString)
  @IsString()
  @Length(1, SEARCH_QUERY_MAX_LENGTH, {
    message: `query must be 1..${SEARCH_QUERY_MAX_LENGTH} characters after trimming`,
  })
  query!: string;

  @Field(() => StreamStatus, { nullable: true })
  @IsOptional()
  @IsEnum(StreamStatus)
  status?: StreamStatus | null;
}

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
