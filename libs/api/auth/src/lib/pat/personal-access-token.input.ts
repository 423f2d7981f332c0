import { Field, InputType, Int } from '@nestjs/graphql';
import { Transform } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Length,
  Max,
  Min,
} from 'class-validator';

import { IsUserText, trimString } from '@finserve/api/core';
import { PAT_MAX_DAYS, PAT_MIN_DAYS, SCOPES } from '@finserve/shared';

export const PAT_NAME_MAX_LENGTH = 100;

@InputType('CreatePersonalAccessTokenInput')
export class CreatePersonalAccessTokenInput {
  @Field(() => String)
  @Transform(trimString)
  @IsString()
  @Length(1, PAT_NAME_MAX_LENGTH, { message: `name must be 1..${PAT_NAME_MAX_LENGTH} characters` })
  @IsUserText()
  name!: string;

  @Field(() => [String])
  @IsArray()
  @ArrayMaxSize(SCOPES.length * 2)
  @IsIn(SCOPES, { each: true, message: `scopes must each be one of ${SCOPES.join(', ')}` })
  scopes!: string[];

  @Field(() => Int, { nullable: true, description: '1..365; never expires when omitted.' })
  @IsOptional()
  @IsInt()
  @Min(PAT_MIN_DAYS, { message: `expiresInDays must be ${PAT_MIN_DAYS}..${PAT_MAX_DAYS}` })
  @Max(PAT_MAX_DAYS, { message: `expiresInDays must be ${PAT_MIN_DAYS}..${PAT_MAX_DAYS}` })
  expiresInDays?: number | null;
}
