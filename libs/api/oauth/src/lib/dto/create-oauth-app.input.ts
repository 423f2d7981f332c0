import { Field, InputType } from '@nestjs/graphql';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsString, Length } from 'class-validator';

import { IsUserText, trimString } from '@finserve/api/core';

import { MAX_REDIRECT_URIS } from '../redirect-uri';

export const OAUTH_APP_NAME_MAX_LENGTH = 100;

@InputType('CreateOAuthAppInput')
export class CreateOAuthAppInput {
  @Field(() => String)
  @Transform(trimString)
  @IsString()
  @Length(1, OAUTH_APP_NAME_MAX_LENGTH, {
    message: `name must be 1..${OAUTH_APP_NAME_MAX_LENGTH} characters`,
  })
  @IsUserText()
  name!: string;

  /** Checked one by one in the service (redirectUriProblem), with a message per URI. */
  @Field(() => [String], {
    description: 'Exact-match redirect URIs (https, or http on localhost/127.0.0.1).',
  })
  @IsArray()
  @ArrayMinSize(1, { message: 'at least one redirect URI is needed' })
  @ArrayMaxSize(MAX_REDIRECT_URIS, { message: `at most ${MAX_REDIRECT_URIS} redirect URIs` })
  @IsString({ each: true })
  redirectUris!: string[];
}
