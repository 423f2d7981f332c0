import { randomUUID } from 'node:crypto';

import { Inject, Injectable, Logger } from '@nestjs/common';
import Stripe from 'stripe';
import { DataSource, type EntityManager } from 'typeorm';

import {
  AppConfig,
  BadUserInputError,
  Clock,
  ConflictError,
  DomainError,
  RATE_LIMITER,
  RateLimitedError,
  type AuthUser,
  type RateLimiter,
} from '@finserve/api/core';
import { TipsService } from '@finserve/api/tips';
import { ErrorCode } from '@finserve/shared';

import { PayoutStatus, type PayoutRecord, type RequestPayoutInput } from './payments.model';
import { PAYMENT_PROVIDER } from './payments.tokens';
import { PayoutsRepository } from './payouts.repository';
import type { PaymentProvider } from './providers';

/** The ledger reference of a payout (wallet_payouts). */
export const payoutReference = (payoutId: string): string => `payout:${payoutId}`;

/**
 * Payouts of earnings through the provider (Stripe Connect Express transfers). The wallet is
 * debited into PAYOUT_TRANSIT in the transaction that records the payout; the transfer's answer
 * makes it PAID (in transit -> EXTERNAL) or FAILED (back to the wallet); a `transfer.reversed`
 * event later fails a payout and returns the money. The ledger is the tips lib's.
 */
@Injectable()
export class PayoutsService {
  private readonly logger = new Logger(PayoutsService.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly payouts: PayoutsRepository,
    private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly tips: TipsService,
    @Inject(PAYMENT_PROVIDER) private readonly provider: PaymentProvider | null,
    @Inject(RATE_LIMITER) private readonly limiter: RateLimiter,
  ) {}

  async request(user: AuthUser, input: RequestPayoutInput): Promise<PayoutRecord> {
    const { PAYOUT_MIN_CENTS: min, PAYOUT_MAX_CENTS: max, CURRENCIES } = this.config;
    if (input.amountCents < min || input.amountCents > max) {
      throw new BadUserInputError(`amountCents must be between ${min} and ${max}`);
    }
    if (!CURRENCIES.includes(input.currency)) {
      throw new BadUserInputError(`currency must be one of ${CURRENCIES.join(', ')}`);
    }
    const existing = await this.findByKey(user.id, input.idempotencyKey);
    if (existing) return this.sameRequestOrConflict(existing, input);
    if (!this.provider) throw new ConflictError('Payouts are not available on this server');
    // A quick check before the provider is asked anything; the debit checks again under lock.
    const withdrawable = await this.tips.withdrawable(
      this.dataSource.manager,
      user.id,
      input.currency,
    );
    if (withdrawable < input.amountCents) throw this.notWithdrawable(withdrawable);
    const accountId = await this.readyAccount(user.id);

    const perDay = this.config.PAYOUTS_PER_DAY;
    const rate = await this.limiter.consume(`payout:${user.id}`, {
      capacity: perDay,
      refillPerSecond: perDay / 86_400,
    });
    if (!rate.allowed) {
      throw new RateLimitedError(rate.retryAfterSeconds, `You can request ${perDay} payouts a day`);
    }

    const id = randomUUID();
    const created = await this.dataSource.transaction(async (manager) => {
      const now = this.clock.now();
      const inserted = await this.payouts.insertPending(manager, {
        id,
        userId: user.id,
        amountCents: input.amountCents,
        currency: input.currency,
        provider: this.provider?.kind,
        idempotencyKey: input.idempotencyKey,
        at: now,
      });
      if (!inserted) return false;
      await this.tips.debitForPayout(manager, {
        reference: payoutReference(id),
        userId: user.id,
        amountCents: input.amountCents,
        currency: input.currency,
      });
      return true;
    });
    if (!created) {
      const first = await this.findByKey(user.id, input.idempotencyKey);
      if (!first) throw new Error('payout vanished');
      return this.sameRequestOrConflict(first, input);
    }

    let transferId: string | null = null;
    try {
      transferId = await this.provider.transfer({
        payoutId: id,
        accountId,
        amountCents: input.amountCents,
        currency: input.currency,
      });
    } catch (error) {
      if (
        error instanceof Stripe.errors.StripeConnectionError ||
        error instanceof Stripe.errors.StripeAPIError
      ) {
        // Unknown outcome: the payout stays PENDING; the provider's transfer.created or
        // transfer.reversed event settles it (the transfer's idempotency key prevents a double).
        this.logger.warn(`payout ${id}: provider unreachable, left PENDING`);
      } else {
        this.logger.warn(
          `payout ${id} refused by the provider: ${error instanceof Error ? error.message : String(error)}`,
        );
        await this.dataSource.transaction((manager) => this.settle(manager, id, false, null));
      }
    }
    if (transferId) {
      const paidWith = transferId;
      await this.dataSource.transaction((manager) => this.settle(manager, id, true, paidWith));
    }
    const payout = await this.findById(id);
    if (!payout) throw new Error('payout vanished');
    return payout;
  }

  async list(userId: string, limit: number, offset: number): Promise<PayoutRecord[]> {
    return this.payouts.listByUser(userId, limit, offset);
  }

  async findById(id: string): Promise<PayoutRecord | null> {
    return this.payouts.findById(id);
  }

  /**
   * A provider event about a transfer, inside the webhook's transaction: `transfer.created`
   * confirms a payout left PENDING, `transfer.reversed` fails it and returns the money.
   */
  async onTransferEvent(
    manager: EntityManager,
    transfer: Stripe.Transfer,
    paid: boolean,
  ): Promise<string | null> {
    const payoutId = transfer.metadata?.['payoutId'];
    const row = await this.payouts.lockByTransfer(manager, transfer.id, payoutId ?? '');
    if (!row) return null;
    if (row.providerTransferId && row.providerTransferId !== transfer.id) return null;
    if (row.amountCents !== transfer.amount) return null;
    // Only a whole reversal fails a payout; a partial one is left to people.
    if (!paid && transfer.amount_reversed < transfer.amount) return row.id;
    await this.settle(manager, row.id, paid, transfer.id);
    return row.id;
  }

  /** Marks a payout PAID or FAILED with its ledger movement, once; the row is locked. */
  private async settle(
    manager: EntityManager,
    id: string,
    paid: boolean,
    transferId: string | null,
  ): Promise<void> {
    const row = await this.payouts.lockById(manager, id);
    if (!row || row.status === PayoutStatus.FAILED || row.status === PayoutStatus.CANCELED) return;
    if (paid && row.status === PayoutStatus.PAID) return;
    await this.tips.settlePayout(manager, payoutReference(id), paid);
    await this.payouts.setOutcome(
      manager,
      id,
      paid ? PayoutStatus.PAID : PayoutStatus.FAILED,
      transferId,
      this.clock.now(),
    );
  }

  /** The user's connected account, ready for payouts; else CONFLICT with the onboarding page. */
  private async readyAccount(userId: string): Promise<string> {
    const provider = this.provider;
    if (!provider) throw new ConflictError('Payouts are not available on this server');
    const known = await this.payouts.accountOf(userId, provider.kind);
    let destination;
    try {
      destination = await provider.payoutDestination(userId, known);
    } catch {
      throw new ConflictError('The payment provider did not answer; try again later');
    }
    if (!known) {
      await this.payouts.insertAccount(
        userId,
        provider.kind,
        destination.accountId,
        this.clock.now(),
      );
    }
    if (destination.ready) return destination.accountId;
    const back = `${this.config.PUBLIC_URL ?? this.config.CORS_ORIGINS[0] ?? 'http://localhost:4200'}/wallet`;
    let onboardingUrl: string;
    try {
      onboardingUrl = await provider.onboardingLink(destination.accountId, back);
    } catch {
      throw new ConflictError('The payment provider did not answer; try again later');
    }
    throw new DomainError(
      ErrorCode.CONFLICT,
      'Finish setting up your payout account with the payment provider first',
      { onboardingUrl },
    );
  }

  private notWithdrawable(withdrawable: number): DomainError {
    return new DomainError(
      ErrorCode.INSUFFICIENT_FUNDS,
      'Only money earned from tips can be paid out, and not more than that',
      { withdrawableCents: withdrawable },
    );
  }

  private async findByKey(userId: string, key: string): Promise<PayoutRecord | null> {
    return this.payouts.findByKey(userId, key);
  }

  private sameRequestOrConflict(payout: PayoutRecord, input: RequestPayoutInput): PayoutRecord {
    if (payout.amountCents !== input.amountCents || payout.currency !== input.currency) {
      throw new ConflictError('This idempotency key was already used for a different payout');
    }
    return payout;
  }
}
