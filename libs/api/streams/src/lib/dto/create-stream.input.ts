import { applyDecorators } from '@nestjs/common';
import { Field, GraphQLISODateTime, InputType } from '@nestjs/graphql';
import { Transform } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsDate,
  IsOptional,
  IsString,
  Length,
  MaxLength,
  ValidateIf,
} from 'class-validator';

import { IsStorableDate, IsUserText, trimString } from '@finserve/api/core';
import { STREAM_DESCRIPTION_MAX_LENGTH, STREAM_TITLE_MAX_LENGTH } from '@finserve/shared';

/** Raw tags are bounded before normalization (normalizeTags then applies the contract's rules). */
const RAW_TAGS_MAX = 50;
const RAW_TAG_MAX_LENGTH = 100;

/** An optional description: up to 2000 characters of multi-line user text. */
const IsDescription = () =>
  applyDecorators(
    IsOptional(),
    IsString(),
    MaxLength(STREAM_DESCRIPTION_MAX_LENGTH, {
      message: `description must be at most ${STREAM_DESCRIPTION_MAX_LENGTH} characters`,
    }),
    IsUserText({ multiline: true }),
  );

/** Optional raw tags, bounded; the service normalizes and checks them (normalizeTags). */
const IsRawTags = () =>
  applyDecorators(
    IsOptional(),
    IsArray(),
    ArrayMaxSize(RAW_TAGS_MAX, { message: 'at most 10 tags' }),
    IsString({ each: true }),
    MaxLength(RAW_TAG_MAX_LENGTH, { each: true, message: 'a tag is at most 25 characters' }),
  );

/** An optional category slug; the service checks that it exists. */
const IsCategorySlug = () =>
  applyDecorators(IsOptional(), IsString(), MaxLength(64, { message: 'categorySlug is too long' }));

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
  @IsDescription()
  description?: string | null;

  @Field(() => GraphQLISODateTime, {
    nullable: true,
    description: 'When set (in the future), the stream is SCHEDULED; otherwise it is LIVE at once.',
  })
  @IsOptional()
  @IsDate({ message: 'scheduledFor must be a date-time' })
  @IsStorableDate()
  scheduledFor?: Date | null;

  @Field(() => String, { nullable: true, description: 'A category slug (see categories).' })
  @IsCategorySlug()
  categorySlug?: string | null;

  @Field(() => [String], {
    nullable: true,
    description:
      'Up to 10 tags of 1..25 chars of [a-z0-9-]; lowercased, spaces become "-", repeats kept once.',
  })
  @IsRawTags()
  tags?: string[] | null;
}

/** Contract: "Only the fields given change." An explicit null clears description, category and tags. */
@InputType('UpdateStreamInput')
export class UpdateStreamInput {
  @Field(() => String, { nullable: true })
  @ValidateIf((input: UpdateStreamInput) => input.title !== undefined)
  @Transform(trimString)
  @IsString({ message: 'title cannot be removed' })
  @Length(1, STREAM_TITLE_MAX_LENGTH, {
    message: `title must be 1..${STREAM_TITLE_MAX_LENGTH} characters after trimming`,
  })
  @IsUserText()
  title?: string;

  @Field(() => String, { nullable: true })
  @IsDescription()
  description?: string | null;

  @Field(() => GraphQLISODateTime, {
    nullable: true,
    description: 'SCHEDULED streams only; must be in the future.',
  })
  @ValidateIf((input: UpdateStreamInput) => input.scheduledFor !== undefined)
  @IsDate({ message: 'scheduledFor must be a date-time (it cannot be removed)' })
  @IsStorableDate()
  scheduledFor?: Date;

  @Field(() => String, { nullable: true })
  @IsCategorySlug()
  categorySlug?: string | null;

  @Field(() => [String], { nullable: true })
  @IsRawTags()
  tags?: string[] | null;
}
