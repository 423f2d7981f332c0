import { Args, Int, Mutation, Query, Resolver } from '@nestjs/graphql';

import {
  CurrentUser,
  IntRangePipe,
  Public,
  RequireScope,
  SessionOnly,
  type AuthUser,
} from '@finserve/api/core';

import {
  AddFundsInput,
  DepositModel,
  PayoutModel,
  RequestPayoutInput,
  type DepositRecord,
  type PayoutRecord,
} from './payments.model';
import { PaymentsService } from './payments.service';
import { PayoutsService } from './payouts.service';

@Resolver(() => DepositModel)
export class PaymentsResolver {
  constructor(
    private readonly payments: PaymentsService,
    private readonly payouts: PayoutsService,
  ) {}

  // Money leaves the platform: the user's own session only, never an app's token.
  @SessionOnly()
  @Mutation(() => PayoutModel, {
    description:
      'Only withdrawable money; the wallet is debited at once and credited back if the payout fails.',
  })
  requestPayout(
    @CurrentUser() user: AuthUser,
    @Args('input', { type: () => RequestPayoutInput }) input: RequestPayoutInput,
  ): Promise<PayoutRecord> {
    return this.payouts.request(user, input);
  }

  @RequireScope('wallet:read')
  @Query(() => [PayoutModel], { description: "The signed-in user's payouts, newest first." })
  myPayouts(
    @CurrentUser() user: AuthUser,
    @Args('limit', { type: () => Int, nullable: true, defaultValue: 20 }, new IntRangePipe(1, 100))
    limit: number,
    @Args(
      'offset',
      { type: () => Int, nullable: true, defaultValue: 0 },
      new IntRangePipe(0, 10_000),
    )
    offset: number,
  ): Promise<PayoutRecord[]> {
    return this.payouts.list(user.id, limit, offset);
  }

  @SessionOnly()
  @Mutation(() => DepositModel, {
    description:
      "Starts adding funds: a PENDING deposit whose checkoutUrl is the provider's payment page. The wallet is credited when the provider confirms the payment (its signed webhook), never on the client's word. Default limit: 10 per hour per user.",
  })
  addFunds(
    @CurrentUser() user: AuthUser,
    @Args('input', { type: () => AddFundsInput }) input: AddFundsInput,
  ): Promise<DepositRecord> {
    return this.payments.addFunds(user, input);
  }

  @RequireScope('wallet:read')
  @Query(() => [DepositModel], { description: "The signed-in user's deposits, newest first." })
  myDeposits(
    @CurrentUser() user: AuthUser,
    @Args('limit', { type: () => Int, nullable: true, defaultValue: 20 }, new IntRangePipe(1, 100))
    limit: number,
    @Args(
      'offset',
      { type: () => Int, nullable: true, defaultValue: 0 },
      new IntRangePipe(0, 10_000),
    )
    offset: number,
  ): Promise<DepositRecord[]> {
    return this.payments.list(user.id, limit, offset);
  }

  @Public()
  @Query(() => Boolean, {
    description:
      'True when adding funds goes to the sandbox provider: a TEST MODE payment page, no real money.',
  })
  paymentsTestMode(): boolean {
    return this.payments.providerKind === 'sandbox';
  }
}
