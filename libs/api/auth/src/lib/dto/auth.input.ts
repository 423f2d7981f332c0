import { ArgsType, Field, ID, InputType } from '@nestjs/graphql';
import { Transform } from 'class-transformer';
import {
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Matches,
  MaxLength,
  MinLength,
  ValidateIf,
} from 'class-validator';

import { IsUserText, trimString } from '@finserve/api/core';
import {
  BIO_MAX_LENGTH,
  DISPLAY_NAME_MAX_LENGTH,
  PASSWORD_MAX_LENGTH,
  PASSWORD_MIN_LENGTH,
  USERNAME_PATTERN,
} from '@finserve/shared';

@InputType('RegisterInput')
export class RegisterInput {
  @Field(() => String)
  @IsString()
  @Matches(USERNAME_PATTERN, { message: 'username must be 3..32 characters of [A-Za-z0-9_]' })
  username!: string;

  @Field(() => String)
  @IsString()
  @MinLength(PASSWORD_MIN_LENGTH, {
    message: `password must be at least ${PASSWORD_MIN_LENGTH} characters`,
  })
  @MaxLength(PASSWORD_MAX_LENGTH, {
    message: `password must be at most ${PASSWORD_MAX_LENGTH} characters`,
  })
  password!: string;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @Transform(trimString)
  @IsString()
  @Length(1, DISPLAY_NAME_MAX_LENGTH, {
    message: `displayName must be 1..${DISPLAY_NAME_MAX_LENGTH} characters`,
  })
  @IsUserText()
  displayName?: string | null;
}

/** Only the fields given change; an empty or null bio removes it. */
@InputType('UpdateProfileInput')
export class UpdateProfileInput {
  @Field(() => String, { nullable: true })
  @ValidateIf((input: UpdateProfileInput) => input.displayName !== undefined)
  @Transform(trimString)
  @IsString({ message: 'displayName cannot be removed' })
  @Length(1, DISPLAY_NAME_MAX_LENGTH, {
    message: `displayName must be 1..${DISPLAY_NAME_MAX_LENGTH} characters`,
  })
  @IsUserText()
  displayName?: string;

  @Field(() => String, { nullable: true, description: '0..300 chars, plain text.' })
  @IsOptional()
  @Transform(trimString)
  @IsString()
  @MaxLength(BIO_MAX_LENGTH, { message: `bio must be at most ${BIO_MAX_LENGTH} characters` })
  @IsUserText({ multiline: true })
  bio?: string | null;
}

@InputType('LoginInput')
export class LoginInput {
  @Field(() => String)
  @IsString()
  @MaxLength(64, { message: 'username is too long' })
  username!: string;

  @Field(() => String)
  @IsString()
  @MaxLength(PASSWORD_MAX_LENGTH, { message: 'password is too long' })
  password!: string;
}

@ArgsType()
export class RefreshTokenArg {
  @Field(() => String)
  @IsString()
  @MaxLength(128, { message: 'refreshToken is not a refresh token' })
  refreshToken!: string;
}

@ArgsType()
export class BanUserArgs {
  @Field(() => ID)
  @IsUUID('all', { message: 'userId must be an id (UUID)' })
  userId!: string;

  @Field(() => String, { nullable: true, description: 'Up to 200 characters, kept for admins.' })
  @IsOptional()
  @Transform(trimString)
  @IsString()
  @MaxLength(200, { message: 'reason must be at most 200 characters' })
  @IsUserText()
  reason?: string | null;
}

@ArgsType()
export class UsernameArg {
  @Field(() => String)
  @IsString()
  @MaxLength(64, { message: 'username is too long' })
  username!: string;
}
