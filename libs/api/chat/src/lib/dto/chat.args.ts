import { ArgsType, Field, GraphQLISODateTime, ID, Int } from '@nestjs/graphql';
import {
  ArrayMaxSize,
  IsDate,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Matches,
  Max,
  Min,
} from 'class-validator';

import { IsStorableDate, IsUserText } from '@finserve/api/core';
import {
  CHAT_BLOCKED_TERM_MAX_LENGTH,
  CHAT_BLOCKED_TERMS_MAX,
  CHAT_SLOW_MODE_MAX_SECONDS,
  CHAT_TIMEOUT_MAX_SECONDS,
} from '@finserve/shared';

@ArgsType()
export class ChatMessagesArgs {
  @Field(() => ID)
  @IsUUID('all', { message: 'streamId must be an id (UUID)' })
  streamId!: string;

  @Field(() => ID, { nullable: true })
  @IsOptional()
  @Matches(/^\d{1,18}$/, { message: 'after must be a chat message id' })
  after?: string | null;

  @Field(() => Int, { nullable: true, defaultValue: 50 })
  @IsInt()
  @Min(1, { message: 'limit must be between 1 and 200' })
  @Max(200, { message: 'limit must be between 1 and 200' })
  limit = 50;
}

/** The most messages one `chatReplay` page gives. */
export const CHAT_REPLAY_PAGE_MAX = 500;

@ArgsType()
export class ChatReplayArgs {
  @Field(() => ID)
  @IsUUID('all', { message: 'streamId must be an id (UUID)' })
  streamId!: string;

  @Field(() => GraphQLISODateTime, {
    nullable: true,
    description: 'Messages sent at or after this time (default: from the first).',
  })
  @IsOptional()
  @IsDate({ message: 'from must be a date-time' })
  @IsStorableDate()
  from?: Date | null;

  @Field(() => GraphQLISODateTime, {
    nullable: true,
    description: 'Messages sent before this time (default: to the last).',
  })
  @IsOptional()
  @IsDate({ message: 'to must be a date-time' })
  @IsStorableDate()
  to?: Date | null;

  @Field(() => ID, {
    nullable: true,
    description: 'Paging: only messages after this one (the last of the previous page).',
  })
  @IsOptional()
  @Matches(/^\d{1,18}$/, { message: 'after must be a chat message id' })
  after?: string | null;

  @Field(() => Int, { nullable: true, defaultValue: 200 })
  @IsInt()
  @Min(1, { message: `limit must be between 1 and ${CHAT_REPLAY_PAGE_MAX}` })
  @Max(CHAT_REPLAY_PAGE_MAX, { message: `limit must be between 1 and ${CHAT_REPLAY_PAGE_MAX}` })
  limit = 200;
}

@ArgsType()
export class StreamUserArgs {
  @Field(() => ID)
  @IsUUID('all', { message: 'streamId must be an id (UUID)' })
  streamId!: string;

  @Field(() => ID)
  @IsUUID('all', { message: 'userId must be an id (UUID)' })
  userId!: string;
}

@ArgsType()
export class TimeoutArgs extends StreamUserArgs {
  @Field(() => Int)
  @IsInt()
  @Min(1, { message: `seconds must be between 1 and ${CHAT_TIMEOUT_MAX_SECONDS}` })
  @Max(CHAT_TIMEOUT_MAX_SECONDS, {
    message: `seconds must be between 1 and ${CHAT_TIMEOUT_MAX_SECONDS}`,
  })
  seconds!: number;
}

@ArgsType()
export class SlowModeArgs {
  @Field(() => ID)
  @IsUUID('all', { message: 'streamId must be an id (UUID)' })
  streamId!: string;

  @Field(() => Int, { description: '0 turns slow mode off.' })
  @IsInt()
  @Min(0, { message: `seconds must be between 0 and ${CHAT_SLOW_MODE_MAX_SECONDS}` })
  @Max(CHAT_SLOW_MODE_MAX_SECONDS, {
    message: `seconds must be between 0 and ${CHAT_SLOW_MODE_MAX_SECONDS}`,
  })
  seconds!: number;
}

@ArgsType()
export class BlockedTermsArgs {
  @Field(() => ID)
  @IsUUID('all', { message: 'streamId must be an id (UUID)' })
  streamId!: string;

  @Field(() => [String])
  @ArrayMaxSize(CHAT_BLOCKED_TERMS_MAX, {
    message: `at most ${CHAT_BLOCKED_TERMS_MAX} blocked terms`,
  })
  @IsString({ each: true })
  @Length(1, CHAT_BLOCKED_TERM_MAX_LENGTH, {
    each: true,
    message: `each blocked term must be 1..${CHAT_BLOCKED_TERM_MAX_LENGTH} characters`,
  })
  @IsUserText({}, { each: true })
  terms!: string[];
}
