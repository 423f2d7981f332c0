import {
  Field,
  GraphQLISODateTime,
  ID,
  InputType,
  Int,
  ObjectType,
  registerEnumType,
} from '@nestjs/graphql';
import { IsInt, IsOptional, IsString, Length, Matches, MaxLength } from 'class-validator';

import { CURRENCY_PATTERN, IDEMPOTENCY_KEY_MAX_LENGTH } from '@finserve/shared';

export enum DepositStatus {
  PENDING = 'PENDING',
  SUCCEEDED = 'SUCCEEDED',
  FAILED = 'FAILED',
  CANCELED = 'CANCELED',
  REFUNDED = 'REFUNDED',
}
registerEnumType(DepositStatus, { name: 'DepositStatus' });

export interface DepositRecord {
  id: string;
  userId: string;
  amountCents: number;
  currency: string;
  status: DepositStatus;
  provider: string;
  providerSessionId: string | null;
  checkoutUrl: string | null;
  returnUrl: string | null;
  idempotencyKey: string;
  createdAt: Date;
}

@ObjectType('Deposit', {
  description: 'Money a user adds to a wallet through the payment provider.',
})
export class DepositModel {
  @Field(() => ID)
  id!: string;

  @Field(() => Int)
  amountCents!: number;

  @Field(() => String)
  currency!: string;

  @Field(() => DepositStatus)
  status!: DepositStatus;

  @Field(() => String, {
    nullable: true,
    description:
      "The provider's hosted payment page to send the user to while PENDING; null afterwards.",
  })
  checkoutUrl!: string | null;

  @Field(() => GraphQLISODateTime)
  createdAt!: Date;
}

@InputType('AddFundsInput')
export class AddFundsInput {
  @Field(() => Int, { description: 'Default bounds: 500 .. 100000.' })
  @IsInt({ message: 'amountCents must be a whole number of cents' })
  amountCents!: number;

  @Field(() => String, { nullable: true, defaultValue: 'USD' })
  @Matches(CURRENCY_PATTERN, { message: 'currency must be an ISO-4217 code such as USD' })
  currency = 'USD';

  @Field(() => String, {
    nullable: true,
    description: 'Where the provider sends the user back (an origin of the web app).',
  })
  @IsOptional()
  @IsString()
  @MaxLength(2000, { message: 'returnUrl must be at most 2000 characters' })
  returnUrl?: string | null;

  @Field(() => String, {
    description: 'Repeating a call with the same key returns the first deposit.',
  })
  @IsString()
  @Length(1, IDEMPOTENCY_KEY_MAX_LENGTH, {
    message: `idempotencyKey must be 1..${IDEMPOTENCY_KEY_MAX_LENGTH} characters`,
  })
  idempotencyKey!: string;
}

export enum PayoutStatus {
  PENDING = 'PENDING',
  PAID = 'PAID',
  FAILED = 'FAILED',
  CANCELED = 'CANCELED',
}
registerEnumType(PayoutStatus, { name: 'PayoutStatus' });

export interface PayoutRecord {
  id: string;
  userId: string;
  amountCents: number;
  currency: string;
  status: PayoutStatus;
  providerTransferId: string | null;
  idempotencyKey: string;
  createdAt: Date;
  paidAt: Date | null;
}

@ObjectType('Payout', {
  description: 'Earnings a streamer moves out of the platform through the payment provider.',
})
export class PayoutModel {
  @Field(() => ID)
  id!: string;

  @Field(() => Int)
  amountCents!: number;

  @Field(() => String)
  currency!: string;

  @Field(() => PayoutStatus)
  status!: PayoutStatus;

  @Field(() => GraphQLISODateTime)
  createdAt!: Date;

  @Field(() => GraphQLISODateTime, { nullable: true })
  paidAt!: Date | null;
}

@InputType('RequestPayoutInput')
export class RequestPayoutInput {
  @Field(() => Int)
  @IsInt({ message: 'amountCents must be a whole number of cents' })
  amountCents!: number;

  @Field(() => String, { nullable: true, defaultValue: 'USD' })
  @Matches(CURRENCY_PATTERN, { message: 'currency must be an ISO-4217 code such as USD' })
  currency = 'USD';

  @Field(() => String)
  @IsString()
  @Length(1, IDEMPOTENCY_KEY_MAX_LENGTH, {
    message: `idempotencyKey must be 1..${IDEMPOTENCY_KEY_MAX_LENGTH} characters`,
  })
  idempotencyKey!: string;
}
