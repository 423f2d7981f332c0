import { randomUUID } from 'node:crypto';

import { Inject, Injectable } from '@nestjs/common';
import type Stripe from 'stripe';
import { DataSource, type EntityManager } from 'typeorm';

import {
  AppConfig,
  BadUserInputError,
  Clock,
  ConflictError,
  RATE_LIMITER,
  RateLimitedError,
  type AuthUser,
  type RateLimiter,
} from '@finserve/api/core';
import { TipsService } from '@finserve/api/tips';

import { DepositsRepository } from './deposits.repository';
import { DepositStatus, type AddFundsInput, type DepositRecord } from './payments.model';
import { PAYMENT_PROVIDER, STRIPE, WEBHOOK_SECRET } from './payments.tokens';
import { PayoutsService } from './payouts.service';
import type { PaymentProvider } from './providers';

export { PAYMENT_PROVIDER, STRIPE, WEBHOOK_SECRET } from './payments.tokens';

/** The ledger reference of a deposit's credit: one credit per deposit (per checkout session). */
export const depositCreditReference = (depositId: string): string => `deposit:${depositId}`;

/** A refused webhook delivery (bad or stale signature, unreadable body): HTTP 400. */
export class WebhookSignatureError extends Error {}

/**
 * Deposits through a payment provider. The wallet is credited only from a signed provider event
 * (POST /webhooks/stripe), never on the client's word; the ledger itself is the tips lib's.
 */
@Injectable()
export class PaymentsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly deposits: DepositsRepository,
    private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly tips: TipsService,
    private readonly payouts: PayoutsService,
    @Inject(PAYMENT_PROVIDER) private readonly provider: PaymentProvider | null,
    @Inject(STRIPE) private readonly stripe: Stripe,
    @Inject(WEBHOOK_SECRET) private readonly secret: string,
    @Inject(RATE_LIMITER) private readonly limiter: RateLimiter,
  ) {}

  get providerKind(): 'stripe' | 'sandbox' | null {
    return this.provider?.kind ?? null;
  }

  async addFunds(user: AuthUser, input: AddFundsInput): Promise<DepositRecord> {
    const { DEPOSIT_MIN_CENTS: min, DEPOSIT_MAX_CENTS: max, CURRENCIES } = this.config;
    if (!this.provider) throw new ConflictError('Adding funds is not available on this server');
    if (input.amountCents < min || input.amountCents > max) {
      throw new BadUserInputError(`amountCents must be between ${min} and ${max}`);
    }
    if (!CURRENCIES.includes(input.currency)) {
      throw new BadUserInputError(`currency must be one of ${CURRENCIES.join(', ')}`);
    }
    const returnUrl = this.checkReturnUrl(input.returnUrl ?? null);
    const existing = await this.findByKey(user.id, input.idempotencyKey);
    if (existing) return this.sameRequestOrConflict(existing, input, returnUrl);

    const perHour = this.config.ADD_FUNDS_RATE_LIMIT_PER_HOUR;
    const rate = await this.limiter.consume(`add-funds:${user.id}`, {
      capacity: perHour,
      refillPerSecond: perHour / 3600,
    });
    if (!rate.allowed) {
      throw new RateLimitedError(
        rate.retryAfterSeconds,
        `You can add funds ${perHour} times per hour`,
      );
    }

    const id = randomUUID();
    const now = this.clock.now();
    const inserted = await this.deposits.insertPending({
      id,
      userId: user.id,
      amountCents: input.amountCents,
      currency: input.currency,
      provider: this.provider.kind,
      returnUrl,
      idempotencyKey: input.idempotencyKey,
      at: now,
    });
    if (!inserted) {
      const first = await this.findByKey(user.id, input.idempotencyKey);
      if (!first) throw new Error('deposit vanished');
      return this.sameRequestOrConflict(first, input, returnUrl);
    }
    const back = (outcome: string) => {
      if (!returnUrl) return `/payments/sandbox/${id}?outcome=${outcome}`;
      const url = new URL(returnUrl);
      url.searchParams.set('deposit', id);
      return url.toString();
    };
    let checkout;
    try {
      checkout = await this.provider.createCheckout({
        depositId: id,
        amountCents: input.amountCents,
        currency: input.currency,
        successUrl: back('success'),
        cancelUrl: back('cancel'),
      });
    } catch {
      await this.deposits.markFailed(id, this.clock.now());
      throw new ConflictError('The payment provider did not answer; try again later');
    }
    await this.deposits.setCheckout(id, checkout.sessionId, checkout.url);
    const deposit = await this.findById(id);
    if (!deposit) throw new Error('deposit vanished');
    return deposit;
  }

  async list(userId: string, limit: number, offset: number): Promise<DepositRecord[]> {
    return this.deposits.listByUser(userId, limit, offset);
  }

  async findById(id: string): Promise<DepositRecord | null> {
    return this.deposits.findById(id);
  }

  /** Verifies a delivery's signature (Stripe's scheme) and returns the event. */
  verify(rawBody: Buffer | string | undefined, signature: string | undefined): Stripe.Event {
    if (!rawBody || !signature) throw new WebhookSignatureError('missing body or signature');
    try {
      return this.stripe.webhooks.constructEvent(rawBody, signature, this.secret);
    } catch {
      throw new WebhookSignatureError('bad signature');
    }
  }

  /** A header for a payload, signed with this server's webhook secret (the sandbox's buttons). */
  sign(payload: string): string {
    return this.stripe.webhooks.generateTestHeaderString({ payload, secret: this.secret });
  }

  /**
   * Acts on a verified event once: its id is recorded in the same transaction as its effect, so a
   * replayed or concurrent delivery waits for the first and then does nothing.
   */
  async handle(event: Stripe.Event): Promise<{ handled: boolean }> {
    return this.dataSource.transaction(async (manager) => {
      if (!(await this.deposits.recordEvent(manager, event.id, event.type, this.clock.now())))
        return { handled: false };
      let depositId: string | null = null;
      let payoutId: string | null = null;
      switch (event.type) {
        case 'checkout.session.completed':
        case 'checkout.session.async_payment_succeeded':
          depositId = await this.completed(manager, event.data.object);
          break;
        case 'checkout.session.async_payment_failed':
          depositId = await this.ended(manager, event.data.object, DepositStatus.FAILED);
          break;
        case 'checkout.session.expired':
          depositId = await this.ended(manager, event.data.object, DepositStatus.CANCELED);
          break;
        case 'charge.refunded':
          depositId = await this.refunded(manager, event.data.object);
          break;
        case 'charge.dispute.created':
          depositId = await this.disputed(manager, event.data.object);
          break;
        case 'charge.dispute.closed':
        case 'charge.dispute.funds_reinstated':
          depositId = await this.disputeEnded(manager, event.data.object);
          break;
        case 'transfer.created':
          payoutId = await this.payouts.onTransferEvent(manager, event.data.object, true);
          break;
        case 'transfer.reversed':
          payoutId = await this.payouts.onTransferEvent(manager, event.data.object, false);
          break;
        default:
          break;
      }
      if (depositId || payoutId) {
        await this.deposits.linkEvent(manager, event.id, depositId, payoutId);
      }
      return { handled: true };
    });
  }

  /** The deposit a session is for, locked; null when it names none of ours or does not match. */
  private async lockForSession(
    manager: EntityManager,
    session: Stripe.Checkout.Session,
  ): Promise<DepositRecord | null> {
    return this.deposits.lockBySession(manager, session.id);
  }

  private async completed(
    manager: EntityManager,
    session: Stripe.Checkout.Session,
  ): Promise<string | null> {
    // Paid by a delayed method: async_payment_succeeded follows.
    if (session.payment_status !== 'paid') return null;
    const row = await this.lockForSession(manager, session);
    if (!row) return null;
    const amount = row.amountCents;
    const currency = row.currency;
    if (session.amount_total !== amount || session.currency?.toUpperCase() !== currency) {
      return null; // not what was asked for: never credited
    }
    if (row.status !== DepositStatus.PENDING) return row.id;
    await this.tips.creditFromProvider(manager, {
      reference: depositCreditReference(row.id),
      userId: row.userId,
      amountCents: amount,
      currency,
    });
    const paymentIntent =
      typeof session.payment_intent === 'string'
        ? session.payment_intent
        : (session.payment_intent?.id ?? null);
    await this.deposits.markSucceeded(manager, row.id, paymentIntent, this.clock.now());
    return row.id;
  }

  private async ended(
    manager: EntityManager,
    session: Stripe.Checkout.Session,
    status: DepositStatus.FAILED | DepositStatus.CANCELED,
  ): Promise<string | null> {
    const row = await this.lockForSession(manager, session);
    if (!row) return null;
    if (row.status === DepositStatus.PENDING) {
      await this.deposits.setStatus(manager, row.id, status, this.clock.now());
    }
    return row.id;
  }

  /**
   * A refund (whole or partial; amount_refunded is the charge's running total) reverses that much
   * of the deposit on the ledger, from what the wallet still holds; the platform bears the rest.
   */
  private async refunded(manager: EntityManager, charge: Stripe.Charge): Promise<string | null> {
    const paymentIntent =
      typeof charge.payment_intent === 'string'
        ? charge.payment_intent
        : (charge.payment_intent?.id ?? null);
    if (!paymentIntent) return null;
    const row = await this.deposits.lockByPaymentIntent(manager, paymentIntent);
    if (!row || (row.status !== DepositStatus.SUCCEEDED && row.status !== DepositStatus.REFUNDED)) {
      return null;
    }
    const amount = row.amountCents;
    const total = Math.min(charge.amount_refunded, amount);
    const already = await this.tips.reversedCents(manager, depositCreditReference(row.id));
    if (total > already) {
      await this.tips.reverseProviderCredit(manager, {
        reference: `${depositCreditReference(row.id)}:refund:${total}`,
        creditReference: depositCreditReference(row.id),
        amountCents: total - already,
      });
    }
    if (total >= amount) {
      await this.deposits.setStatus(manager, row.id, DepositStatus.REFUNDED, this.clock.now());
    }
    return row.id;
  }

  /** The succeeded (or refunded) deposit a charge or dispute names, locked. */
  private async lockForPaymentIntent(
    manager: EntityManager,
    paymentIntent: string | Stripe.PaymentIntent | null,
  ): Promise<DepositRecord | null> {
    const id = typeof paymentIntent === 'string' ? paymentIntent : (paymentIntent?.id ?? null);
    if (!id) return null;
    const row = await this.deposits.lockByPaymentIntent(manager, id);
    if (!row || (row.status !== DepositStatus.SUCCEEDED && row.status !== DepositStatus.REFUNDED)) {
      return null;
    }
    return row;
  }

  /**
   * A dispute holds the disputed amount at once, like a refund: the wallet gives what it still
   * holds of it, the platform bears the rest (money already tipped away); the wallet never goes
   * negative. One hold per dispute.
   */
  private async disputed(manager: EntityManager, dispute: Stripe.Dispute): Promise<string | null> {
    const row = await this.lockForPaymentIntent(manager, dispute.payment_intent);
    if (!row) return null;
    const credit = depositCreditReference(row.id);
    const open = row.amountCents - (await this.tips.reversedCents(manager, credit));
    const amount = Math.min(dispute.amount, open);
    if (amount > 0) {
      await this.tips.reverseProviderCredit(manager, {
        reference: `${credit}:dispute:${dispute.id}`,
        creditReference: credit,
        amountCents: amount,
      });
    }
    return row.id;
  }

  /** A dispute the platform won gives the hold back (to the wallet and the platform, as taken). */
  private async disputeEnded(
    manager: EntityManager,
    dispute: Stripe.Dispute,
  ): Promise<string | null> {
    const row = await this.lockForPaymentIntent(manager, dispute.payment_intent);
    if (!row) return null;
    if (dispute.status !== 'won') return row.id; // lost: the hold stands
    const reference = `${depositCreditReference(row.id)}:dispute:${dispute.id}`;
    await this.tips.reinstateReversal(manager, reference);
    return row.id;
  }

  /** In production the page the user returns to must be one of the web app's origins. */
  private checkReturnUrl(value: string | null): string | null {
    if (!value) {
      if (this.provider?.kind === 'stripe') throw new BadUserInputError('returnUrl is required');
      return null;
    }
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw new BadUserInputError('returnUrl must be an http(s) URL');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new BadUserInputError('returnUrl must be an http(s) URL');
    }
    if (this.config.isProduction && !this.config.CORS_ORIGINS.includes(url.origin)) {
      throw new BadUserInputError('returnUrl must be on an origin of the web app');
    }
    return url.toString();
  }

  private async findByKey(userId: string, key: string): Promise<DepositRecord | null> {
    return this.deposits.findByKey(userId, key);
  }

  private sameRequestOrConflict(
    deposit: DepositRecord,
    input: AddFundsInput,
    returnUrl: string | null,
  ): DepositRecord {
    if (
      deposit.amountCents !== input.amountCents ||
      deposit.currency !== input.currency ||
      deposit.returnUrl !== returnUrl
    ) {
      throw new ConflictError('This idempotency key was already used for a different deposit');
    }
    return deposit;
  }
}
