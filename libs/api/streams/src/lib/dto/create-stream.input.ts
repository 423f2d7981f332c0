import { Field, GraphQLISODateTime, InputType } from '@nestjs/graphql';
import { Transform } from 'class-transformer';
import { IsDate, IsOptional, IsString, Length, MaxLength } from 'class-validator';

import { IsStorableDate, IsUserText, trimString } from '@finserve/api/core';
import { STREAM_DESCRIPTION_MAX_LENGTH, STREAM_TITLE_MAX_LENGTH } from '@finserve/shared';

@InputType('CreateStreamInput')
export class CreateStreamInput {
  @Field(() => String)
  @Transform(trimString)
  @IsString()
  @Length(1, STREAM_TITLE_MAX_LENGTH, {
    message: `title must be 1..${STREAM_TITLE_MAX_LENGTH} characters after trimming`,
  })
  @IsUserText()
  title!: string;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(STREAM_DESCRIPTION_MAX_LENGTH, {
    message: `description must be at most ${STREAM_DESCRIPTION_MAX_LENGTH} characters`,
  })
  @IsUserText({ multiline: true })
  description?: string | null;

  @Field(() => GraphQLISODateTime, {
    nullable: true,
    description: 'When set (in the future), the stream is SCHEDULED; otherwise it is LIVE at once.',
  })
  @IsOptional()
  @IsDate({ message: 'scheduledFor must be a date-time' })
  @IsStorableDate()
  scheduledFor?: Date | null;
}
