import {
  Field,
  GraphQLISODateTime,
  ID,
  InputType,
  Int,
  ObjectType,
  registerEnumType,
} from '@nestjs/graphql';
import { Transform } from 'class-transformer';
import {
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';

import { IsUserText, trimString } from '@finserve/api/core';
import {
  CURRENCY_PATTERN,
  IDEMPOTENCY_KEY_MAX_LENGTH,
  TIP_MESSAGE_MAX_LENGTH,
} from '@finserve/shared';

export interface TipRecord {
  id: string;
  streamId: string;
  fromUserId: string;
  toUserId: string;
  amountCents: number;
  currency: string;
  platformFeeCents: number;
  netCents: number;
  message: string | null;
  idempotencyKey: string;
  createdAt: Date;
}

@ObjectType('Tip')
export class TipModel {
  @Field(() => ID)
  id!: string;

  @Field(() => ID)
  streamId!: string;

  fromUserId!: string;
  toUserId!: string;

  @Field(() => Int)
  amountCents!: number;

  @Field(() => String)
  currency!: string;

  @Field(() => Int)
  platformFeeCents!: number;

  @Field(() => Int)
  netCents!: number;

  @Field(() => String, { nullable: true })
  message!: string | null;

  @Field(() => GraphQLISODateTime)
  createdAt!: Date;
}

@ObjectType('Wallet')
export class WalletModel {
  @Field(() => String)
  currency!: string;

  @Field(() => Int)
  balanceCents!: number;

  @Field(() => Int, {
    description:
      'The part of the balance that came from tips received (net) and may be paid out; deposited money can only be spent on the platform.',
  })
  withdrawableCents!: number;
}

export enum TipDirection {
  RECEIVED = 'RECEIVED',
  SENT = 'SENT',
}
registerEnumType(TipDirection, { name: 'TipDirection' });

@InputType('SendTipInput')
export class SendTipInput {
  @Field(() => ID)
  @IsUUID('all', { message: 'streamId must be an id (UUID)' })
  streamId!: string;

  @Field(() => Int)
  @IsInt({ message: 'amountCents must be a whole number of cents' })
  amountCents!: number;

  @Field(() => String, { nullable: true, defaultValue: 'USD' })
  @Matches(CURRENCY_PATTERN, { message: 'currency must be an ISO-4217 code such as USD' })
  currency = 'USD';

  @Field(() => String, {
    nullable: true,
    description:
      "Up to 200 characters, shown in the stream's chat with the TIP line, so it obeys that chat's rules: if the sender is banned (FORBIDDEN, reason BANNED) or timed out (FORBIDDEN, reason TIMED_OUT, retryAfterSeconds) in this chat, or the message holds one of its blocked terms (BAD_USER_INPUT), the whole tip is refused and no money moves; send it without a message to tip anyway. No control characters but newline.",
  })
  @IsOptional()
  @Transform(trimString)
  @IsString()
  @MaxLength(TIP_MESSAGE_MAX_LENGTH, {
    message: `message must be at most ${TIP_MESSAGE_MAX_LENGTH} characters`,
  })
  @IsUserText({ multiline: true })
  message?: string | null;

  @Field(() => String, {
    description:
      'Chosen by the client. Repeating a call with the same key returns the first tip and moves no money again.',
  })
  @IsString()
  @Length(1, IDEMPOTENCY_KEY_MAX_LENGTH, {
    message: `idempotencyKey must be 1..${IDEMPOTENCY_KEY_MAX_LENGTH} characters`,
  })
  idempotencyKey!: string;
}

@InputType('CreditWalletInput')
export class CreditWalletInput {
  @Field(() => ID)
  @IsUUID('all', { message: 'userId must be an id (UUID)' })
  userId!: string;

  @Field(() => Int)
  @IsInt({ message: 'amountCents must be a whole number of cents' })
  @Min(1, { message: 'amountCents must be positive' })
  @Max(100_000_000, { message: 'amountCents must be at most 100000000' })
  amountCents!: number;

  @Field(() => String, { nullable: true, defaultValue: 'USD' })
  @Matches(CURRENCY_PATTERN, { message: 'currency must be an ISO-4217 code such as USD' })
  currency = 'USD';

  @Field(() => String, {
    description:
      'External reference (e.g. a payment id); crediting twice with one reference credits once.',
  })
  @IsString()
  @Length(1, 200, { message: 'reference must be 1..200 characters' })
  @IsUserText()
  reference!: string;
}
